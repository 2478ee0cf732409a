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
 * On-demand reads and fep requests forwarded to the owner of a terminal
 * (serve_fwd.c). One per worker, on its loop: serve_fwd_read is the
 * collector's read_remote (ctx: the serve_fwd), serve_fwd_input the mesh's
 * on_msg; the collector given to serve_fwd_set_collect runs the reads,
 * and the fep given to serve_fwd_set_fep the requests, that other workers
 * send. serve_fwd_new tells every other worker this one has started
 * (HELLO). Stop before the collector and the fep are freed (and before the
 * command engine, whose remote requests then end at once): waiting reads
 * fail MH_ECLOSED, waiting requests FEP_CANCELLED, requests run for others
 * are cancelled; frees itself on the loop's next turn.
 */
struct serve_fwd;
struct collect;
struct collect_read;
struct collect_read_result;
struct fep;
struct fep_request;
int serve_fwd_new(uv_loop_t *loop, const struct serve_mesh *m, struct serve_fwd **out);
void serve_fwd_set_collect(struct serve_fwd *f, struct collect *c);
void serve_fwd_set_fep(struct serve_fwd *f, struct fep *fep);
int serve_fwd_read(void *ctx, uint32_t owner, const struct collect_read *rq,
                   void (*done)(void *done_ctx, const struct collect_read_result *r), void *done_ctx);
void serve_fwd_input(void *ctx, const uint8_t *p, size_t n);
void serve_fwd_stop(struct serve_fwd *f);

/*
 * Send request r for the terminal at addr to worker owner's fep, as
 * fep_request_submit would locally: an id (> 0) and later r->done exactly
 * once on the loop, with the owner's reply, or FEP_OFFLINE (the owner did
 * not take it, or could not queue it: not online there), FEP_TIMEOUT (no
 * answer within the forwarding's own limit), FEP_CANCELLED. Without
 * running done: MH_ENOENT (the owner's socket is full: it is down),
 * MH_EPERM (owner is not another worker), MH_EINVAL (no frame, over
 * COLLECT_FWD_FRAME_MAX, an address the fep could not hold), MH_EBUSY
 * (too many waiting), MH_ECLOSED (stopping). r->frame is copied.
 */
int64_t serve_fwd_fep(struct serve_fwd *f, uint32_t owner, const char *addr, const struct fep_request *r);
/* Give up request id of serve_fwd_fep: its done runs now (FEP_CANCELLED); the owner cancels it. 0, MH_ENOENT. */
int serve_fwd_cancel(struct serve_fwd *f, uint32_t id);

/*
 * The command engine's route to the terminals (control_cfg.submit and
 * .cancel, ctx: the serve_fwd): a terminal this worker holds goes to its
 * own fep, any other to its owner (serve_fwd_fep); ids of the latter carry
 * SERVE_FWD_REMOTE, which the fep's never reach.
 */
#define SERVE_FWD_REMOTE ((int64_t)1 << 62)
int64_t serve_fwd_submit(void *ctx, int64_t terminal, const char *addr, const struct fep_request *r);
int serve_fwd_route_cancel(void *ctx, int64_t id);

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
