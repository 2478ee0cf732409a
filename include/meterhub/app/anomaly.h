/*
 * Anomaly detection: rules over one meter's day of collected data (register
 * curve, instantaneous values, clock, events), over a transformer area's
 * users (sudden drop against own history and peers) and over a terminal's
 * day (offline, collection failures). Pure functions: no I/O, no clock, no
 * allocation; the caller gathers the readings and owns every array.
 *
 * Every threshold is a field of struct anomaly_config; the defaults, with the
 * standard each comes from, are documented in docs/app-anomaly.md.
 *
 * Time is cut in 15-minute slots from day_start (00:00 local, epoch seconds).
 * Values are primary (after CT x PT) and in kWh, kW, V, A as doubles: these
 * rules compare magnitudes; exact consumption is app/metering's job.
 *
 * An alarm covers one episode of one condition on one subject: start is the
 * first slot it held, end the end of the last slot it held, 0 when it still
 * holds at the end of the data (open). Within one call each (subject, type,
 * phase) yields at most one alarm: its episodes of at least the rule's
 * minimum length are one alarm spanning them, its value the worst seen.
 * anomaly_alarms_continue joins a day's alarms to the previous day's open ones.
 */
#ifndef MH_APP_ANOMALY_H
#define MH_APP_ANOMALY_H

#include <stddef.h>
#include <stdint.h>

#define ANOMALY_SLOTS 96
#define ANOMALY_SLOT_S 900

enum anomaly_type {
    ANOMALY_STOPPED = 1,      /* current flows, the register does not move */
    ANOMALY_REVERSED,         /* import register goes down */
    ANOMALY_RACING,           /* registered more than the measured power or the capacity allows */
    ANOMALY_VOLTAGE_LOSS,     /* phase voltage low while its current flows */
    ANOMALY_PHASE_FAILURE,    /* phase voltage and current gone while other phases are live */
    ANOMALY_IMBALANCE,        /* three-phase currents unbalanced */
    ANOMALY_REVERSE_POWER,    /* negative active power on a meter without generation */
    ANOMALY_CLOCK,            /* meter clock off */
    ANOMALY_COVER_OPEN,       /* meter or terminal cover opened (event) */
    ANOMALY_PROGRAMMING,      /* meter programmed (event) */
    ANOMALY_OVER_CAPACITY,    /* load above contract capacity */
    ANOMALY_SUDDEN_DROP,      /* consumption fell against own history and peers: suspected theft */
    ANOMALY_TERMINAL_OFFLINE, /* terminal offline too long */
    ANOMALY_COLLECT_FAILURE,  /* terminal online but collection keeps failing */
    ANOMALY_TYPE_COUNT_
};

/* "stopped", "reversed", ... ; "unknown" outside the enum. */
const char *anomaly_type_name(int type);

struct anomaly_config {
    double nominal_v;       /* phase voltage Un, V */
    double basic_current_a; /* Ib, A (current thresholds are shares of it) */
    int min_slots;          /* consecutive slots a per-slot condition must hold */
    /* stopped */
    double stopped_min_kw;  /* measured power at least this ... */
    double stopped_max_kwh; /* ... while the register moves at most this per slot */
    int stopped_min_slots;
    /* reversed */
    double reversed_min_kwh; /* a decrease larger than this counts */
    /* racing */
    double racing_ratio;          /* registered / measured energy over the day above this */
    double racing_min_kwh;        /* measured energy needed to judge */
    double racing_capacity_ratio; /* one slot above this x contract capacity x 15 min */
    /* voltage loss and phase failure (Q/GDW 1354-2013 event thresholds) */
    double vloss_v_ratio; /* U < ratio x Un ... */
    double vloss_i_ratio; /* ... and I > ratio x Ib */
    double pfail_v_ratio; /* U < ratio x Un ... */
    double pfail_i_ratio; /* ... and I < ratio x Ib */
    double live_v_ratio;  /* another phase at least this x Un: the meter is supplied */
    /* imbalance */
    double imbalance_ratio;       /* (Imax - Imin) / Imax above this */
    double imbalance_min_i_ratio; /* Imax at least this x Ib */
    int imbalance_min_slots;
    /* reverse power */
    double reverse_min_kw;
    /* clock */
    int64_t clock_max_s;
    /* over capacity */
    double over_capacity_ratio; /* P above this x contract capacity */
    int over_capacity_min_slots;
    /* sudden drop */
    double drop_ratio; /* today / own history median below (1 - drop_ratio) x peers' ratio */
    double drop_min_history_kwh; /* own history median at least this */
    int drop_min_history_days;
    double drop_confirm_ratio; /* the area's loss rose by at least this share of the drop */
    /* under-registration (theft already running: no "before" to drop from) */
    double unreg_share;   /* measured - registered above this share of measured (if > 0) ... */
    double unreg_min_kwh; /* ... and above this many kWh: under-registered */
    double unreg_confirm_ratio; /* the area's excess loss at least this share of it */
    double unreg_expected_quantile; /* expected technical loss rate: this quantile of the peers' */
    /* terminal */
    int offline_max_slots;  /* offline longer than this many slots */
    int collect_fail_slots; /* consecutive failed collections while online */
};

/* The documented defaults. */
void anomaly_config_default(struct anomaly_config *c);

struct anomaly_instant {
    double v[3]; /* phase voltages, V (phases beyond the meter's: 0) */
    double i[3]; /* phase currents, A, signed with the power's direction */
    double p[4]; /* active power total, A, B, C, kW */
    uint8_t present;
};

enum anomaly_event_kind {
    ANOMALY_EV_COVER_OPEN = 1,
    ANOMALY_EV_TERMINAL_COVER,
    ANOMALY_EV_PROGRAMMING
};

struct anomaly_event {
    int64_t t;
    uint8_t kind; /* enum anomaly_event_kind */
};

/* One meter's day. All pointers borrowed for the call. */
struct anomaly_meter_day {
    uint32_t meter;
    int64_t day_start;
    uint8_t phases;     /* 1 or 3 */
    uint8_t has_pv;     /* generation behind the meter: export and negative power are normal */
    double contract_kw; /* 0: unknown, capacity rules skipped */
    /* import register at day_start + j x 15 min, j = 0..96, primary kWh; reg_present[j] */
    const double *reg;
    const uint8_t *reg_present;
    const struct anomaly_instant *inst; /* ANOMALY_SLOTS, sampled within each slot; NULL: none */
    int64_t clock_offset_s;             /* meter clock - true time at the day's clock read */
    uint8_t clock_present;
    const struct anomaly_event *events;
    size_t n_events;
    /* ANOMALY_SLOTS: generation behind the meter (generation meter or inverter), kW, sampled
     * as inst; NULL: unknown. With it, over capacity judges the customer's own load
     * (net power + generation) rather than the net power at the grid connection. */
    const double *gen_kw;
};

struct anomaly_alarm {
    uint8_t type;     /* enum anomaly_type */
    uint8_t phase;    /* 0..2 when it is a phase's, 255 otherwise */
    uint32_t subject; /* meter, or terminal for the terminal rules */
    int64_t start;
    int64_t end;       /* 0: still holds */
    double value;      /* the evidence's figure (ratio, V, A, kW, s, kWh) */
    double limit;      /* the threshold it crossed */
    char evidence[96]; /* one line for the operator */
};

/*
 * Runs every meter rule on d. Writes at most cap alarms to out; returns how
 * many there are (may exceed cap: the rest are dropped, call again with more
 * room) or MH_EINVAL for a bad argument.
 */
int anomaly_meter_check(const struct anomaly_config *c, const struct anomaly_meter_day *d,
                        struct anomaly_alarm *out, size_t cap);

/* A transformer area's user for the sudden-drop rule. */
struct anomaly_user_day {
    uint32_t meter;
    double today_kwh;          /* the day's consumption; < 0: unknown */
    const double *history_kwh; /* previous days, < 0 where unknown (at most 64 are read) */
    size_t n_history;
    uint8_t explained; /* a meter fault alarm (stopped, reversed ...) already explains a drop */
    /* measured_kwh is known, and so is today_kwh, which may then be negative: a PV user's net
     * export (without has_measured, today_kwh < 0 means unknown) */
    uint8_t has_measured;
    /* the day's consumption (net, as today_kwh) as the meter's own instantaneous power accounts
     * for it: total active power x 15 min summed over the day's samples */
    double measured_kwh;
};

/*
 * Sudden drop: a user whose day is below (1 - drop_ratio) of its own history
 * median scaled by the peers' median ratio (weather and weekdays move the
 * whole area), and whose drop the area's line loss confirms: energy that
 * stops being registered still passes the supply meter, so the loss rose
 * (loss_rise_kwh, today's loss minus its history median) by at least
 * drop_confirm_ratio of the drop. loss_rise_kwh NAN: no line loss known, the
 * drop alone decides. A user whose measured_kwh is known and whose meter is
 * not under-registering (see below) registered what it measured: the
 * consumption really fell, and it is not alarmed. Returns alarms as anomaly_meter_check, subject the
 * meter. scratch: at least n doubles (caller-owned, so no allocation here).
 */
int anomaly_area_drop(const struct anomaly_config *c, int64_t day_start,
                      const struct anomaly_user_day *u, size_t n, double loss_rise_kwh,
                      double *scratch, struct anomaly_alarm *out, size_t cap);

/*
 * Under-registration: theft that was already running when the history
 * begins has no drop to find, but a bypass or a tampered register still
 * leaves the meter registering less than its own current and voltage say
 * flowed: measured_kwh - today_kwh above unreg_share of measured_kwh (when
 * positive: a PV user's net may be negative) and above unreg_min_kwh. The area confirms it: energy that is not
 * registered still passes the supply meter, so the area's loss exceeds its
 * expected technical loss (loss_excess_kwh: today's loss minus the peers'
 * median loss rate x supply) by at least unreg_confirm_ratio of the
 * unregistered energy. loss_excess_kwh NAN: the meter's evidence alone
 * decides. Users with explained set (a meter fault registers less too) are
 * skipped. Alarms are ANOMALY_SUDDEN_DROP (suspected theft), value the
 * unregistered kWh. Returns as anomaly_meter_check.
 */
int anomaly_area_unregistered(const struct anomaly_config *c, int64_t day_start,
                              const struct anomaly_user_day *u, size_t n, double loss_excess_kwh,
                              struct anomaly_alarm *out, size_t cap);

/* A terminal's day, per slot: online (logged in and heard from) and collection outcome. */
struct anomaly_terminal_day {
    uint32_t terminal;
    int64_t day_start;
    const uint8_t *online;    /* ANOMALY_SLOTS */
    const int8_t *collect_ok; /* ANOMALY_SLOTS: 1 ok, 0 failed, -1 none attempted */
};

int anomaly_terminal_check(const struct anomaly_config *c, const struct anomaly_terminal_day *d,
                           struct anomaly_alarm *out, size_t cap);

/*
 * De-duplication across days: for each alarm of today that starts at
 * today's day_start and matches (subject, type, phase) an alarm of prev that
 * is still open, the prev alarm takes today's end and value and today's is
 * removed. Returns today's new count (today is compacted in place).
 */
size_t anomaly_alarms_continue(struct anomaly_alarm *prev, size_t n_prev,
                               struct anomaly_alarm *today, size_t n_today, int64_t day_start);

/* Median of v[0..n) ignoring values < 0, sorting v in place; -1 when none. */
double anomaly_median(double *v, size_t n);

/*
 * The expected technical loss rate of an area from its peers' loss rates
 * rates[0..n) (same day, each loss / supply; NAN where not judged): their
 * unreg_expected_quantile (nearest rank), sorting rates in place. A low
 * quantile, because a transformer's technical loss is the floor an area
 * without theft sits near, while areas with theft sit above it. NAN when
 * no rate is known.
 */
double anomaly_expected_loss_rate(const struct anomaly_config *c, double *rates, size_t n);

#endif
