/*
 * Simulated terminals' protocol behaviours (struct sim_behaviour, see
 * sim_net.h): what a Q/GDW 1376.1 concentrator, a DL/T 698.45 terminal or a
 * DTU in front of a DL/T 645 meter says. Every value they report comes from
 * the meter model through the same scenario functions ground truth uses
 * (scenario_meter_registers_at, scenario_meter_day_registers,
 * sim_instant_at), so `meterhub sim truth` and the wire agree digit for digit.
 *
 * Control state: commands that change a terminal (clock set, trip / close)
 * are kept in a process-wide table opened for one scenario
 * (sim_term_state_open / _close); a terminal without commands costs one
 * pointer. Behaviour callbacks run on the sim_net loop thread only.
 */
#ifndef MH_SIM_TERM_H
#define MH_SIM_TERM_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/base/wr.h"
#include "meterhub/proto/dlt645.h"
#include "meterhub/proto/gdw1376_afn.h"
#include "meterhub/proto/value.h"
#include "scenario.h"
#include "sim_net.h"

#define SIM_TERM_MAX_TRIPS 8 /* trip windows kept per terminal; further trips are denied */

/* The behaviour for a terminal (sim_net_opts.behaviour_for); NULL for protocols not simulated. */
const struct sim_behaviour *sim_term_behaviour_for(const struct sim_terminal *t);

extern const struct sim_behaviour sim_term_gdw1376;
extern const struct sim_behaviour sim_term_dtu645;
extern const struct sim_behaviour sim_term_dlt698;

/* ---- per-terminal control state (term_state.c) ---- */

/* Open the table for scenario s (0 or MH_ENOMEM); close frees it. One scenario per process. */
int sim_term_state_open(const struct scenario *s);
void sim_term_state_close(void);

/* The terminal's own clock error (its clock - true time, s) before anyone sets it, from the seed. */
int64_t sim_term_clock_error(const struct scenario *s, const struct sim_terminal *t);
/* The terminal's clock at true time now: its drift (from the seed) until a clock set. */
int64_t sim_term_clock(const struct scenario *s, const struct sim_terminal *t, int64_t now);
/* Clock set at true time now to the terminal's local time `set` (epoch seconds of that local time as UTC). */
int sim_term_clock_set(const struct scenario *s, const struct sim_terminal *t, int64_t now, int64_t set_local);

/* Trip (1) or close (0) the terminal's load at now. MH_ENOSPC when the trip windows are used up, MH_EBUSY for
 * a trip while the terminal is protected (SIM_SW_PROTECT). */
int sim_term_control(const struct sim_terminal *t, int trip, int64_t now);
int sim_term_tripped(const struct sim_terminal *t, int64_t now);
/*
 * A power control that sheds load (current-power float-down, 1376.1 AFN05
 * F12 / 698.45 8106 with a negative float coefficient): from now on the
 * terminal's meters draw keep_pct percent of the load they would have,
 * in instantaneous values and registers alike, until keep_pct 100 (the
 * control off) or a trip. The customer obeys at once: the simulator does
 * not model the alarm delays before a real terminal would trip a turn.
 * 0, MH_EINVAL, MH_ENOSPC (windows used up), MH_ENOMEM.
 */
int sim_term_shed(const struct sim_terminal *t, int keep_pct, int64_t now);
/* Percent of the load the terminal's meters draw at now: 0 tripped, 100 untouched. */
int sim_term_kept_pct(const struct sim_terminal *t, int64_t now);

/*
 * The relay of meter idx behind a concentrator, obeying its own DL/T 645
 * remote control: open (trip 1) or closed (0) from now on; while open the
 * meter's registers stop and it draws nothing. 0, MH_EBUSY for a trip while
 * keep-power is on, MH_ENOSPC when the windows are used up, MH_EINVAL,
 * MH_ENOMEM. A terminal in front of one meter keeps the relay itself
 * (sim_term_control) and never calls this.
 */
int sim_term_meter_relay(size_t idx, int trip, int64_t now);
/* Keep-power (645 N1 3A / 3B) of meter idx: trips are refused while on. */
int sim_term_meter_keep_power(size_t idx, int on);
int sim_term_meter_keeps_power(size_t idx);
/* 1 while meter idx's own relay stands open at now. */
int sim_term_meter_open(size_t idx, int64_t now);

/*
 * Switches a master turns on and off (1376.1 AFN05, 698.45 ACTION on 8001 /
 * 8002 / 8103..8108), kept per terminal as a mask: bit 0 for the terminal
 * itself (protect, urge fee), bit g-1 for total-add group g (1..8) of a
 * power or energy control.
 */
enum sim_term_switch {
    SIM_SW_PROTECT,     /* protect (AFN05 F25 / F33, 8001): remote trips are refused while on */
    SIM_SW_URGE_FEE,    /* urge-fee alarm (F26 / F34, 8002) */
    SIM_SW_PERIOD_CTRL, /* time-period power control (F9 / F17) */
    SIM_SW_REST_CTRL,   /* rest-day power control (F10 / F18) */
    SIM_SW_STOP_CTRL,   /* business-stop power control (F11 / F19) */
    SIM_SW_DOWN_CTRL,   /* current-power floating-down control (F12 / F20) */
    SIM_SW_MONTH_CTRL,  /* monthly energy control (F15 / F23) */
    SIM_SW_BUY_CTRL,    /* purchased energy control (F16 / F24) */
    SIM_SW_COUNT
};
/* Set (on) or clear bits `mask` of switch sw; MH_ENOMEM. */
int sim_term_switch_set(const struct sim_terminal *t, unsigned sw, uint8_t mask, int on);
/* The switch's mask (0 when never set). */
uint8_t sim_term_switch(const struct sim_terminal *t, unsigned sw);

/*
 * Text messages the master sent (1376.1 AFN05 F32, 698.45 8002 urge-fee
 * text), the last SIM_TERM_MESSAGES kept, newest first (k = 0).
 */
#define SIM_TERM_MESSAGES 4
#define SIM_TERM_MESSAGE_MAX 200 /* bytes of GB2312 text (F32: at most 200) */
struct sim_term_message {
    uint8_t kind;   /* 0 normal, 1 important */
    uint8_t number; /* 0..15 */
    uint8_t len;
    uint8_t text[SIM_TERM_MESSAGE_MAX];
    int64_t at;     /* true time it arrived */
};
/* Keep a message (text truncated to SIM_TERM_MESSAGE_MAX); MH_ENOMEM. */
int sim_term_message_add(const struct sim_terminal *t, uint8_t kind, uint8_t number, const uint8_t *text, size_t len,
                         int64_t at);
/* Messages received in all; message k (0 newest) into out: 0, or MH_ENOENT. */
size_t sim_term_messages(const struct sim_terminal *t);
int sim_term_message(const struct sim_terminal *t, size_t k, struct sim_term_message *out);

/* 1376.1 report tasks (AFN04 F65 class 1, F66 class 2; F67 / F68 start 55 / stop AA), numbers 1..SIM_TERM_TASKS. */
#define SIM_TERM_TASKS 8
struct sim_term_task {
    uint8_t set;     /* F65 / F66 downloaded */
    uint8_t control; /* F67 / F68 byte as downloaded (55 start, AA stop); 0 never */
    uint8_t unit, period, ratio, n_ids;
    struct mh_tm base;
    uint8_t ids[64 * 4]; /* DA DT of each item */
};
/* Task pn (1..SIM_TERM_TASKS) of class 1 or 2 in t's state; create: allocate. NULL when none / out of range. */
struct sim_term_task *sim_term_task(const struct sim_terminal *t, int cls, uint16_t pn, int create);

/* ---- 698.45 meter archive (term_archive698.c): object 6000 attribute 2 ---- */

struct sim_term_blob {
    uint8_t *p; /* owned by the terminal's state; NULL: never set */
    size_t len;
};
struct sim_term_blob *sim_term_archive_state(const struct sim_terminal *t, int create);
/* The archive's Data (array of configuration units) into w: as set, else the scenario's meters. */
void sim_term_698_archive_get(const struct scenario *s, const struct sim_terminal *t, struct mh_wr *w);
/* Replace the archive with the encoded Data [data, data + len): 0 or a DAR (7 not a table, 3 no memory). */
uint8_t sim_term_698_archive_set(const struct sim_terminal *t, const uint8_t *data, size_t len);

/* ---- meter configuration table (term_meters.c): 1376.1 AFN04 F10 ---- */

struct sim_term_meter_rec {
    uint16_t seq, pn;
    int32_t meter;   /* scenario meter wired at the record's address, -1 none */
    uint8_t raw[27]; /* the record as downloaded (AFN0A F10 read-back) */
};
struct sim_term_meters {
    uint8_t loaded; /* 0: the scenario's meters, as they are */
    size_t n, cap;
    struct sim_term_meter_rec *recs; /* owned by the terminal's state */
};
/* The table in t's control state (term_state.c); create: allocate the state. NULL when none. */
struct sim_term_meters *sim_term_meters_state(const struct sim_terminal *t, int create);

/* Apply one downloaded record (pn 0 deletes record seq). MH_EEXIST for a pn another record has. */
int sim_term_meter_cfg_set(const struct scenario *s, const struct sim_terminal *t, const struct gdw1376_meter_cfg *m);
/* The scenario meter the terminal reads as measuring point pn; -1 when none (not configured, not wired). */
long sim_term_meter_of_pn(const struct scenario *s, const struct sim_terminal *t, uint16_t pn);
/* The configured measuring points: their count; out[0..max) receives them in record order. */
size_t sim_term_pns(const struct scenario *s, const struct sim_terminal *t, uint16_t *out, size_t max);
/* Record seq as stored (27 bytes); MH_ENOENT when there is none. */
int sim_term_meter_cfg_raw(const struct scenario *s, const struct sim_terminal *t, uint16_t seq, uint8_t out[27]);

/*
 * Registers of scenario meter idx (behind terminal t) at true time when, as
 * the meter shows them, with the energy of the terminal's trip windows
 * taken out. Equal to scenario_meter_registers_at for a terminal never tripped.
 */
void sim_term_registers_at(const struct scenario *s, const struct sim_terminal *t, size_t idx, int64_t when,
                           struct sim_registers *out);
/* Instantaneous values likewise (currents and powers zero while tripped). */
void sim_term_instant_at(const struct scenario *s, const struct sim_terminal *t, size_t idx, int64_t when,
                         struct sim_instant *out);
/* Day registers (scenario_meter_day_registers) with trips applied. */
void sim_term_day_registers(const struct scenario *s, const struct sim_terminal *t, size_t idx, int64_t day,
                            int64_t imp[SIM_INTERVALS_PER_DAY + 1], int64_t exp[SIM_INTERVALS_PER_DAY + 1]);

/*
 * Events a terminal reports: its meters' anomalies that a terminal detects
 * (cover open, voltage loss, phase failure, stopped, reversed, racing,
 * clock fault), in order of occurrence. Event k of the list is the
 * terminal's k-th important event (1376.1 EC1 counts them).
 */
struct sim_term_event {
    int64_t at;     /* epoch seconds it began */
    uint32_t meter; /* scenario meter index */
    uint8_t anomaly;
};
/* How each protocol names an event kind: 1376.1 ERC, 698.45 event object. NULL: not reported. */
struct sim_event_kind {
    uint8_t anomaly;
    uint8_t erc;
    uint16_t oi;
};
const struct sim_event_kind *sim_term_event_kind(uint8_t anomaly);

/* Events of t begun by now: the count; out[0..max) receives those from index `from` on. */
size_t sim_term_events(const struct scenario *s, const struct sim_terminal *t, int64_t now, size_t from,
                       struct sim_term_event *out, size_t max);
/* Events the master has confirmed (or read). */
size_t sim_term_events_confirmed(const struct sim_terminal *t);
/*
 * A report of events [.., upto) went out with sequence seq at simulated
 * time now; a confirmation of seq covers them. The same records sent again
 * count as a resending.
 */
void sim_term_events_sent(const struct sim_terminal *t, unsigned seq, size_t upto, int64_t now);
/* Is a report awaiting confirmation? */
int sim_term_events_outstanding(const struct sim_terminal *t);
/* The master confirmed the report with sequence seq (1 when it was the one outstanding). */
int sim_term_events_confirm(const struct sim_terminal *t, unsigned seq);
/* The master read events up to upto (AFN0E): they count as confirmed. */
void sim_term_events_read(const struct sim_terminal *t, size_t upto);

/* Storm events of t (scenario "storm", at most 6 a meter: one per distinct ERC). */
size_t sim_term_storm_events(const struct scenario *s, const struct sim_terminal *t);
/* The start of t's first event after now; INT64_MAX when none comes. */
int64_t sim_term_next_event(const struct scenario *s, const struct sim_terminal *t, int64_t now);
/*
 * Should t send an active report at now: events wait and none is out, or
 * the one out has waited report_resend_s for its confirmation.
 */
int sim_term_report_due(const struct scenario *s, const struct sim_terminal *t, int64_t now);
/* When to look again (sim_term_report_due): the next event or resend time; INT64_MAX: never. */
int64_t sim_term_report_next(const struct scenario *s, const struct sim_terminal *t, int64_t now);

/* Active reports of this process's terminals, for `sim run`'s totals. */
#define SIM_LAT_BUCKETS 481
struct sim_term_report_stats {
    uint64_t sent;      /* reports sent the first time */
    uint64_t resent;    /* sent again for want of a confirmation */
    uint64_t confirmed; /* confirmations received */
    uint64_t records;   /* event records in first sendings */
    int64_t first_sent_ms, last_confirmed_ms; /* wall clock, epoch ms; 0: none */
    uint32_t lat_hist[SIM_LAT_BUCKETS]; /* first sending to confirmation (sim_term_lat_bucket_ms) */
};
void sim_term_report_stats(struct sim_term_report_stats *out);
/* The lower bound (ms) of latency bucket b. */
int64_t sim_term_lat_bucket_ms(size_t b);

/* Local wall-clock time of epoch second t in the scenario's zone. */
void sim_term_local_tm(const struct scenario *s, int64_t t, struct mh_tm *out);
/* Epoch second of a local wall-clock time; MH_EBADTIME when it is not a full valid time. */
int sim_term_local_epoch(const struct scenario *s, const struct mh_tm *tm, int64_t *out);

/* ---- DL/T 645-2007 meter side (term_dlt645.c) ---- */

#define SIM_645_DAILY_FREEZES 62 /* last-n daily freezes a meter keeps (DI0 1..62) */

/*
 * Answer one DL/T 645 frame as scenario meter idx (behind terminal t) at true
 * time now into w. Returns 1 when a reply was written, 0 when the meter stays
 * silent (another address, a broadcast), or a negative MH_E* (frame not
 * understood at all). Unknown identifiers get the abnormal reply (ERR bit 1,
 * no requested data).
 */
int sim_term_645_answer(const struct scenario *s, const struct sim_terminal *t, size_t idx, int64_t now,
                        const uint8_t *frame, size_t len, struct mh_wr *w);

/* The load-record request a meter keeps for its follow-up frames (term_load645.c). */
struct sim_term_load_req {
    uint32_t di;
    uint8_t n;     /* records asked */
    int64_t start; /* first record (true time) */
    int32_t meter;
    uint8_t valid;
};
/* The request in t's control state; create: allocate the state. NULL when none. */
struct sim_term_load_req *sim_term_load_state(const struct sim_terminal *t, int create);

/*
 * Load records (0x11 0600xxxx..0604xxxx, args = N + start mm hh DD MM YY;
 * seq 0) or their follow-up frame seq >= 1 (0x12): frame seq's records
 * into data (byte count); *more says whether another frame follows.
 * MH_EUNKNOWN when there is nothing to answer.
 */
int sim_term_645_load(const struct scenario *s, const struct sim_terminal *t, size_t idx, int64_t now,
                      uint32_t di, const uint8_t *args, size_t n_args, int seq, uint8_t *data, size_t cap,
                      int *more);

/* The scenario meter whose 645 address is in the frame among terminal t's meters; -1 when none. */
long sim_term_meter_by_addr(const struct scenario *s, const struct sim_terminal *t, const uint8_t addr[6]);

/* Wire address (A0 first, BCD) of a 12-digit address. */
void sim_term_addr_wire(uint64_t address, uint8_t out[6]);

/*
 * Control parameters a master downloaded (1376.1 AFN04 F17, F41..F49 by
 * Fn and total-add group; 698.45 control units of 8103..8108 by OI and
 * group), kept as the bytes received, SIM_TERM_PARAMS per terminal.
 */
#define SIM_TERM_PARAMS 16
#define SIM_TERM_PARAM_MAX 256
/* Keep (id, pn)'s bytes, replacing earlier ones: 0, MH_ERANGE (too long), MH_ENOSPC, MH_ENOMEM. */
int sim_term_param_set(const struct sim_terminal *t, uint16_t id, uint16_t pn, const uint8_t *p, size_t n);
/* The bytes of (id, pn): 0, or MH_ENOENT when never downloaded. */
int sim_term_param_get(const struct sim_terminal *t, uint16_t id, uint16_t pn, const uint8_t **p, size_t *n);

/* ---- control state as the master reads it back (term_control.c) ---- */

/* 1376.1 AFN0C F5 (control settings) or F6 (current control state) data of t at now into w; MH_EUNKNOWN. */
int sim_term_1376_ctrl_state(const struct sim_terminal *t, uint16_t fn, int64_t now, struct mh_wr *w);
/*
 * 698.45 GET of a control object's state (8000 attribute 5, 8001 / 8002
 * attribute 2, 8103..8108 attribute 3) into w: 0, a DAR (> 0) when t has
 * no such object, -1 when oad is not one of them.
 */
int sim_term_698_ctrl_get(const struct sim_terminal *t, uint32_t oad, int64_t now, struct mh_wr *w);
/*
 * 698.45 ACTION on 8003 / 8004 (text message, method 127) and 8103..8108
 * (3 add a control unit, 6 on, 7 off; 8106 127 on with its scheme): a DAR,
 * or -1 when omd is not one of them.
 */
int sim_term_698_ctrl_action(const struct sim_terminal *t, uint32_t omd, const uint8_t *data, size_t len,
                             int64_t now);

#endif
