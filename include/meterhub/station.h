/*
 * The station bridge: how a thread that is not the station's loop (an HTTP
 * request on a libmicrohttpd thread, later a control console) asks the
 * station to do something that only its loop may do — submit a request to
 * a terminal through the fep, look at the collector's state — and waits for
 * the answer a bounded time (docs/api.md "The station bridge").
 *
 * Why: the front end and the collector are single-threaded by design
 * (fep.h, collect.h: everything runs on one loop's thread, no locks). The
 * bridge is the one door into that loop: a bounded queue of calls under a
 * mutex and a uv_async_t that wakes the loop; the loop runs each call's
 * function on its own thread, and the function (then or later, from a
 * reply's callback) finishes the call with a status.
 *
 * A call is shared by its submitter and the loop and freed when both have
 * let go: the submitter by station_call_release, the loop by
 * station_call_finish. So a submitter may stop waiting (timeout) and keep
 * the call to look at later (an API job), or release it at once; the loop
 * finishes it whenever the terminal answers, and nothing dangles.
 *
 * Threads: station_bridge_new and _close on the loop's thread; the
 * call's function runs there; station_call_finish, _submit, _wait, _done,
 * _arg and _release on any thread. The bridge is freed (station_bridge_free) only once no thread
 * submits any more (e.g. after api_stop), after the loop closed it.
 */
#ifndef MH_STATION_H
#define MH_STATION_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct station_bridge;
struct station_call;

/*
 * Runs on the loop's thread for a submitted call. It must finish the call
 * exactly once (station_call_finish), now or later. arg is the submitter's.
 */
typedef void (*station_call_fn)(struct station_call *call, void *arg);

/*
 * A bridge into loop (borrowed; outlives the bridge's close). queue_max:
 * calls waiting for the loop at most (0: 256); beyond it a submit is refused
 * with MH_EBUSY rather than queued without bound. 0 with *out, MH_ENOMEM,
 * MH_EIO (uv_async_init failed).
 */
int station_bridge_new(uv_loop_t *loop, size_t queue_max, struct station_bridge **out);

/*
 * Loop thread: refuse new calls (MH_ECLOSED), finish those still queued with
 * MH_ECLOSED without running them, and close the async handle (the loop can
 * then end). Calls already running finish as their functions say.
 */
void station_bridge_close(struct station_bridge *b);

/* Free after close, once no thread can submit any more. NULL is a no-op. */
void station_bridge_free(struct station_bridge *b);

/*
 * Any thread: queue fn(call, arg) for the loop. arg is owned by the call
 * from now on (also on failure) and freed with arg_free (may be NULL) when
 * the call is freed. Returns 0 with *out (release it with
 * station_call_release), MH_EBUSY (queue full), MH_ECLOSED (the station is
 * stopping), MH_ENOMEM.
 */
int station_call_submit(struct station_bridge *b, station_call_fn fn, void *arg,
                        void (*arg_free)(void *arg), struct station_call **out);

/*
 * Any thread: wait up to timeout_ms for the call to finish. Returns 0 when
 * it has (its status in *status, may be NULL), MH_ETIMEDOUT when it has not.
 * After 0, what the loop wrote into arg before finishing is visible.
 */
int station_call_wait(struct station_call *c, uint32_t timeout_ms, int *status);

/* Has it finished? 1 (status in *status) or 0; never waits. */
int station_call_done(struct station_call *c, int *status);

/* The arg given to submit: the loop writes results into it before finishing. */
void *station_call_arg(struct station_call *c);

/* The submitter lets go. NULL is a no-op. */
void station_call_release(struct station_call *c);

/*
 * The call is over with status (0 or MH_E*); waiters wake. Once per call,
 * from the loop's thread or from a thread the loop's work completes on
 * (the store writer's, when an answer waits for a commit).
 */
void station_call_finish(struct station_call *c, int status);

/* Calls submitted, run, refused as the queue was full (for /health and tests). */
struct station_bridge_stats {
    uint64_t submitted, run, refused_full;
    size_t queued;
};
void station_bridge_stats(struct station_bridge *b, struct station_bridge_stats *out);

#endif
