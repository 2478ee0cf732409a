/*
 * The collect tier (ARCHITECTURE.md): the glue between the front end and
 * the store, and the collection tasks (docs/collect.md).
 *
 * A collector owns no socket and no database: it is given a loop and an
 * open store, and hands the fep a terminal directory (the store's archive)
 * and a sink (online/offline history, active reports). It then runs
 * rounds: a round reads one kind of data for one local day from every
 * terminal of the archive that is online, as one job per terminal, with
 *  - requests of several measurement points each (Q/GDW 1376.1 AFN0D
 *    F161 + F163 daily, F177 + F179 monthly, for up to eight Pn of one
 *    group of eight),
 *  - at most group_max requests in flight per channel group (the archive's
 *    channel_group: a cell, a 230 MHz base station share capacity),
 *  - a collection status per meter and day with the reason of a failure,
 *  - patch passes: what failed for a reason worth retrying is read again
 *    after patch_delay_ms, up to `passes` times; and at the start of every
 *    round the last patch_days days are searched for meters still missing
 *    their frozen registers, which are read again as well;
 *  - the terminal's clock read first (1376.1 AFN0C F2) and set (AFN05
 *    F31) when it is off by more than clock_sync_s; a drift beyond
 *    clock_alarm_s is logged as a fault of the terminal,
 *  - readings appended to the store's writer exactly as decoded
 *    (struct mh_dec), data time in UTC.
 * A scheduled daily round starts every local day at start_after_s past
 * midnight for the day that ended (on the 1st also for the month that
 * ended), each terminal's job delayed by a stable
 * hash of its address within spread_s, so a city does not ask all its
 * terminals in the same second; an on-demand round (collect_round_start)
 * starts at once with FEP_PRIO_DEMAND, above the scheduled ones.
 *
 * Everything runs on the loop's thread. Store calls other than the reading
 * writer are synchronous (terminal lookup at login, points of a terminal
 * when its job starts, status rows when a pass ends): they are small, and
 * the SQLite backend answers them from its query connection.
 */
#ifndef MH_COLLECT_H
#define MH_COLLECT_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/fep.h"
#include "meterhub/proto/value.h"

struct store;
struct store_event;
struct collect;

struct collect_read;
struct collect_read_result;

struct collect_cfg {
    int16_t utc_offset_min;      /* the terminals' local time; 0: 480 (China Standard Time) */
    int utc_offset_set;          /* 1: utc_offset_min is meant even when 0 */
    uint16_t group_max;          /* requests in flight per channel group; 0: 64 */
    uint8_t passes;              /* patch passes after the first; 0: 3, 255: none */
    uint32_t patch_delay_ms;     /* before a patch pass; 0: 20000 */
    uint8_t patch_days;          /* earlier days searched for missing meters; 0: 3, 255: none */
    uint32_t start_after_s;      /* daily round at local midnight + this; 0: 300 */
    uint32_t spread_s;           /* scheduled jobs spread over this window; 0: 3600 */
    uint32_t request_timeout_ms; /* first attempt of a request; 0: the fep's */
    int scheduled;               /* 1: run the daily round by the clock */
    int patch_on_demand;         /* 1: on-demand rounds search patch_days too */
    uint32_t clock_sync_s;       /* set a terminal clock off by more than this; 0: 60 */
    uint32_t clock_alarm_s;      /* log a drift beyond this as a fault; 0: 300 */
    int no_curves;               /* 1: rounds read no 15-minute curves (tasks.c) */
    int no_realtime;             /* 1: rounds read no realtime registers (tasks.c) */
    /*
     * Several front-end processes (serve --procs): this one collects only the
     * terminals with collect_owner(id, part_n) == part_i, hands the logins of
     * the others to their owners (fep_terminal_info.elsewhere) and counts only
     * its own never-online meters at round close. part_n 0 or 1: all.
     */
    uint16_t part_n, part_i;
    /*
     * With part_n > 1: an on-demand read of a terminal another process holds
     * is given to read_remote (owner: that process) instead of failing with
     * MH_EPERM. It returns 0 and later runs done once on the loop's thread,
     * or an MH_E* without running it. NULL: MH_EPERM.
     */
    int (*read_remote)(void *ctx, uint32_t owner, const struct collect_read *rq,
                       void (*done)(void *done_ctx, const struct collect_read_result *r),
                       void *done_ctx);
    void *remote_ctx;
};

/*
 * The front-end process (0 .. n-1) that owns a terminal: a stable hash of its
 * archive id, the same in every process and across restarts (so a terminal
 * always lands on the same process, and schedules never overlap).
 */
uint32_t collect_owner(int64_t terminal_id, uint32_t n);

/*
 * 1 when this collector's process holds the terminal (archive id), else 0
 * (cfg.part_n). Reads only the configuration: safe from any thread.
 */
int collect_holds(const struct collect *c, int64_t terminal_id);

/* Create a collector on loop over st (borrowed; outlives the collector). 0, MH_ENOMEM. */
int collect_new(uv_loop_t *loop, struct store *st, const struct collect_cfg *cfg,
                struct collect **out);

/* What fep_new takes: views into the collector, valid until collect_free. */
const struct fep_directory *collect_directory(struct collect *c);
const struct fep_sink *collect_sink(struct collect *c);

/* The fep requests go to (created with the two above). Starts the daily schedule. */
void collect_attach(struct collect *c, struct fep *f);

/* Local day number (days since 1970-01-01 of the local date) of epoch second t. */
int64_t collect_local_day(const struct collect *c, int64_t t);

/*
 * Start an on-demand round of the daily frozen registers of local day
 * `day` and/or the monthly frozen registers of the month whose first day
 * is `month` (-1: not that one): every online terminal now, every terminal
 * that logs in while the round is open. A round still open is closed
 * first (collect_round_close). Returns 0.
 */
int collect_round_start(struct collect *c, int64_t day, int64_t month);

/*
 * Close the open round: meters of terminals that were never online get the
 * status "terminal offline". Jobs still running go on and their status
 * rows replace these. 0, or MH_ENOENT when no round is open.
 */
int collect_round_close(struct collect *c);

struct collect_progress {
    int64_t day;               /* the round's day, -1 when none is open or it has none */
    uint32_t terminals_online; /* sessions logged in now */
    uint32_t jobs_queued;      /* waiting for their start time, a patch pass or capacity */
    uint32_t jobs_running;
    uint32_t jobs_done;        /* terminal-days finished (all passes) */
    uint64_t meters_asked;     /* meters of the jobs started in this round */
    uint64_t first_try;        /* collected at the first attempt */
    uint64_t collected;        /* collected by now (first try + patch) */
    uint64_t readings;         /* readings appended in this round */
    uint64_t requests, timeouts, denied, decode_errors;
    uint64_t clocks_read, clocks_set, clocks_far; /* terminal clocks: read, set, beyond the alarm */
    uint64_t curve_meters, curve_collected; /* 15-minute curves of the round's day: asked, whole */
    uint64_t realtime_meters, realtime_collected; /* realtime registers: asked, read */
    uint64_t store_waits; /* times a round's request was held back 100 ms: the store's writer was behind */
};

void collect_progress(const struct collect *c, struct collect_progress *p);

/* Nothing queued or running for the open round (it may still get logins). */
int collect_idle(const struct collect *c);

/*
 * Stop submitting: call before fep_close, whose failing of queued requests
 * must not start new ones. Jobs keep their state; nothing more is written.
 */
void collect_stop(struct collect *c);

/* Free (after fep_close: no request is pending any more). NULL is a no-op. */
void collect_free(struct collect *c);

/* ---- on-demand reads (read_now.c) ---- */

#define COLLECT_READ_ITEMS_MAX 16  /* items of one on-demand read */
#define COLLECT_READ_METERS_MAX 8  /* meters of one read: one 1376.1 DA group of eight */
#define COLLECT_READ_VALUES_MAX (COLLECT_READ_ITEMS_MAX * COLLECT_READ_METERS_MAX)

/*
 * Read current values now, ahead of the scheduled work (FEP_PRIO_DEMAND: the
 * fep's queue of the terminal puts it before every scheduled request):
 * Q/GDW 1376.1 AFN0C (F25 powers, voltages, currents; F129 / F131 active
 * energy), DL/T 698.45 GET-Request NormalList of the matching objects (0010,
 * 0020, 2000, 2001, 2004 attribute 2), DL/T 645-2007 reads of the matching
 * blocks (0001FF00, 0002FF00, 0201FF00 ...) one after the other. Which
 * items have a source: docs/api.md "On-demand reads".
 *
 * Either meter (one meter, through the terminal that reads it) or terminal
 * (its measurement points, the first group of eight; a DL/T 698.45
 * terminal its own meter) is set. The values asked for are appended to
 * the store (quality valid, data time the moment of the read) and handed
 * to done.
 */
struct collect_read {
    int64_t meter;    /* meters.id; 0: none */
    int64_t terminal; /* terminals.id; 0: the meter's */
    uint32_t items[COLLECT_READ_ITEMS_MAX];
    size_t n_items;
    uint32_t timeout_ms; /* per request attempt; 0: the collector's */
    int via;             /* enum collect_via */
};

/*
 * How a meter is read on demand: COLLECT_VIA_AUTO asks the terminal for
 * what it holds and forwards to the meter (1376.1 AFN10 F1 carrying a
 * DL/T 645 read) the instantaneous values a concentrator does not keep of
 * its meters; the others force one way.
 */
enum collect_via { COLLECT_VIA_AUTO, COLLECT_VIA_TERMINAL, COLLECT_VIA_PROXY };

struct collect_read_value {
    int64_t meter;
    uint32_t item;
    struct mh_dec value;
};

struct collect_read_result {
    int status;          /* 0, or MH_ETIMEDOUT, MH_EPROTO (denied), MH_ECLOSED (offline) ... */
    int fep_status;      /* enum fep_status of the last exchange */
    int64_t terminal;    /* terminals.id read through */
    int64_t t;           /* data time given to the readings (epoch s, UTC) */
    int64_t received_ms; /* arrival of the last reply */
    size_t n;
    struct collect_read_value v[COLLECT_READ_VALUES_MAX];
    /*
     * Milliseconds the read's answered exchanges spent on the channel and in
     * the terminal (the sum of their fep_reply.wire_ms): a caller's latency
     * minus this is the master's own share (queues, decoding, the store).
     */
    uint32_t device_ms;
};

/*
 * Runs once, r valid during the call: on the store writer's thread once the
 * values read are committed (a reply is never given before its values are
 * durable), or on the loop's thread when there are none to store. So it
 * must be thread-safe and short, and must not touch the collector.
 */
typedef void (*collect_read_fn)(void *ctx, const struct collect_read_result *r);

/*
 * Start an on-demand read. Returns 0 and later runs done once; or, without
 * running it: MH_EINVAL (no item, too many, or an item no protocol of the
 * terminal has a source for: *bad_item names it when not NULL), MH_ENOENT
 * (unknown meter or terminal, or the meter has no terminal), MH_ECLOSED
 * (the terminal is not online), MH_EBUSY (its request queue is full),
 * MH_EPERM (held by another front-end process, cfg.part_n, and no
 * cfg.read_remote), MH_ENOMEM; with cfg.read_remote, whatever it returns.
 */
int collect_read_now(struct collect *c, const struct collect_read *rq, collect_read_fn done,
                     void *ctx, uint32_t *bad_item);

/* 1 when some protocol can read item on demand. */
int collect_read_item_ok(uint32_t item);

/*
 * Observe the event rows stored from terminals' active reports: fn runs on
 * the loop's thread after each row is in the store (the API's live
 * stream). e and addr are valid during the call. fn NULL: none.
 */
typedef void (*collect_event_fn)(void *ctx, const char *addr, const struct store_event *e);
void collect_on_event(struct collect *c, collect_event_fn fn, void *ctx);
/*
 * An observer of what the collector has made durable, for the information
 * release (meterhub/bus.h): readings of one reply, events, link changes and
 * closed rounds. The structs it is given are borrowed for the call.
 * Every call runs on the loop thread except readings_done.
 */
struct store_terminal;
struct store_reading;
struct store_event;
struct collect_observer {
    /*
     * The readings of one terminal reply, before they are appended to the
     * store; meter_addr[i] is r[i]'s meter address. Returns the ctx of
     * readings_done, or NULL not to hear of them.
     */
    void *(*readings)(void *ctx, const struct store_terminal *t, const struct store_reading *r,
                      const uint64_t *meter_addr, size_t n);
    /*
     * The store's append callback for that batch (store_readings_append):
     * on the writer thread once COMMIT returned (status 0) or the batch
     * failed (< 0); on the loop thread with the append's error when it was
     * refused. Runs exactly once per non-NULL batch.
     */
    void (*readings_done)(void *batch, int status);
    /* An event stored (store_event_insert returned 0). */
    void (*event)(void *ctx, const struct store_terminal *t, const struct store_event *e);
    /* A link change stored (store_terminal_link returned 0); reason may be NULL. */
    void (*link)(void *ctx, const struct store_terminal *t, int online, int64_t t_ms,
                 const char *reason);
    /* A round closed: its day and month (-1: none), figures and meters of offline terminals. */
    void (*round)(void *ctx, int64_t day, int64_t month, const struct collect_progress *p,
                  uint64_t offline);
    void *ctx;
};

/* Install o (copied; NULL removes it). Call before the first round. */
void collect_observe(struct collect *c, const struct collect_observer *o);

/*
 * ---- the collection plan by name (task_plan.c, docs/collect.md "Tasks") ----
 * Loop thread only, like the rest of the collector. Runtime switching is
 * offered only where it is clean: curves and realtime are decided per job
 * when a terminal's daily job is created, so switching them changes the jobs
 * created from then on and leaves those already queued alone. The others are
 * fixed for the collector's life (its configuration).
 */
enum collect_task {
    COLLECT_TASK_DAILY,    /* daily frozen registers: the round; by the clock when scheduled */
    COLLECT_TASK_MONTHLY,  /* monthly frozen registers: with the round on a month's 1st */
    COLLECT_TASK_CURVES,   /* 15-minute curves, after a terminal's daily registers */
    COLLECT_TASK_REALTIME, /* realtime registers, after the curves */
    COLLECT_TASK_CLOCK,    /* terminal clock read (and set) first in every daily job */
    COLLECT_TASK_PATCH,    /* earlier days' missing meters searched by scheduled rounds */
    COLLECT_TASK_N
};
/* "daily", "monthly", "curves", "realtime", "clock", "patch"; NULL beyond. */
const char *collect_task_name(int task);
/* The task named by the len bytes at name, or MH_ENOENT. */
int collect_task_find(const char *name, size_t len);
/* 1 when the task runs in this collector's rounds, else 0 (MH_EINVAL: no such task). */
int collect_task_enabled(const struct collect *c, int task);
/* 1 when collect_task_enable can switch it at runtime, else 0. */
int collect_task_switchable(int task);
/* Switch it on (on = 1) or off: 0, MH_ENOTSUP (fixed), MH_EINVAL (no such task). */
int collect_task_enable(struct collect *c, int task, int on);

#endif
