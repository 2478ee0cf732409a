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

struct store;
struct collect;

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
};

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

#endif
