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

/* One message without a descriptor (n <= the mesh's message size) to worker to. Same returns. */
int serve_mesh_send_msg(const struct serve_mesh *m, unsigned to, const uint8_t *p, size_t n);

/*
 * A worker's receiving side: connections sent to it are adopted by listener
 * l, messages without a descriptor go to on_msg (on the loop; NULL: dropped).
 */
struct serve_mesh_rx;
int serve_mesh_listen(uv_loop_t *loop, const struct serve_mesh *m, struct chan_tcp_listener *l,
                      void (*on_msg)(void *ctx, const uint8_t *p, size_t n), void *msg_ctx,
                      struct serve_mesh_rx **out);
/* Stop receiving (before the listener closes); frees itself. NULL: nothing. */
void serve_mesh_stop(struct serve_mesh_rx *r);

/*
 * On-demand reads forwarded to the owner of a terminal (serve_fwd.c). One
 * per worker, on its loop: serve_fwd_read is the collector's read_remote
 * (ctx: the serve_fwd), serve_fwd_input the mesh's on_msg; the collector
 * given to serve_fwd_set_collect runs the reads other workers send. Stop
 * before the collector is freed: waiting reads fail MH_ECLOSED; frees itself.
 */
struct serve_fwd;
struct collect;
struct collect_read;
struct collect_read_result;
int serve_fwd_new(uv_loop_t *loop, const struct serve_mesh *m, struct serve_fwd **out);
void serve_fwd_set_collect(struct serve_fwd *f, struct collect *c);
int serve_fwd_read(void *ctx, uint32_t owner, const struct collect_read *rq,
                   void (*done)(void *done_ctx, const struct collect_read_result *r), void *done_ctx);
void serve_fwd_input(void *ctx, const uint8_t *p, size_t n);
void serve_fwd_stop(struct serve_fwd *f);

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
