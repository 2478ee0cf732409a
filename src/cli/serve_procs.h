/*
 * serve --procs N: the master station as a parent and N forked front-end
 * workers (ARCHITECTURE.md "Processes, threads and scale"), and the mesh
 * over which a worker hands a terminal's connection to its owner.
 */
#ifndef MH_CLI_SERVE_PROCS_H
#define MH_CLI_SERVE_PROCS_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/chan.h"

#define SERVE_PROCS_MAX 64

/* The workers' sockets, made by the parent before fork (serve_mesh.c). */
struct serve_mesh {
    uint16_t n;              /* workers */
    uint16_t self;           /* this worker's index (in a worker) */
    int rx[SERVE_PROCS_MAX]; /* worker i receives on rx[i] */
    int tx[SERVE_PROCS_MAX]; /* and anyone sends to it on tx[i] */
};

/* n socketpairs (2 <= n <= SERVE_PROCS_MAX). 0, MH_EINVAL, MH_EIO (logged). */
int serve_mesh_make(struct serve_mesh *m, unsigned n);
void serve_mesh_close(struct serve_mesh *m);

/*
 * Send connection fd (a duplicate: the caller closes it after) and the n
 * bytes read from it to worker owner. 0; MH_EBUSY (the owner's socket
 * stayed full), MH_EINVAL, MH_EIO.
 */
int serve_mesh_send(const struct serve_mesh *m, unsigned owner, int fd, const uint8_t *p, size_t n);

/* A worker's receiving side: connections sent to it are adopted by listener l. */
struct serve_mesh_rx;
int serve_mesh_listen(uv_loop_t *loop, const struct serve_mesh *m, struct chan_tcp_listener *l,
                      struct serve_mesh_rx **out);
/* Stop receiving (before the listener closes); frees itself. NULL: nothing. */
void serve_mesh_stop(struct serve_mesh_rx *r);

struct serve_opts;

/*
 * The parent: open and migrate the store, import the archive, bind the
 * port (learning it when 0), make the mesh, fork o->procs workers each
 * running serve_run on its partition, restart a worker that dies (doubling
 * backoff), and on SIGTERM/SIGINT stop them all and wait. With o->once it
 * returns when every worker has finished its round. 0, or 1 (a message on
 * stderr).
 */
int serve_procs_run(struct serve_opts *o);

#endif
