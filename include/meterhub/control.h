/*
 * Load management (ARCHITECTURE.md "Commands go the other way"): commands
 * that act on the grid, sent to terminals through the fep at a priority
 * above scheduled collection, each checked against the station's safety
 * rules first and verified afterwards by reading the device's state back.
 *
 * One command path for both terminal protocols: Q/GDW 1376.1 (AFN05
 * commands, AFN04 control parameters, AFN0C F2/F5/F6 read-back) and
 * DL/T 698.45 (ACTION / SET on 8000 remote control, 8001 protect, 8002
 * urge fee, 8103..8108 power and energy control, 4000 clock; GET of their
 * state attributes). docs/control.md lists the frames of each kind.
 *
 * Rules, in order, per target (a terminal and a control turn or total-add
 * group; for the meter kinds a meter behind its terminal, whose own relay
 * is switched by a forwarded DL/T 645-2007 remote control, verified by its
 * status word 3):
 * 1. a command that can cut supply (trip, power or energy control on) is
 *    refused for a terminal that serves anyone on the protect list
 *    (store_protect_*), for a meter whose terminal, address or customer
 *    is listed, and for any target inside a forbidden window;
 * 2. a command whose remaining targets serve more than confirm_over users
 *    waits (STORE_CTL_PENDING) for a second, different operator
 *    (control_confirm) before anything is sent;
 * 3. before a supply-cutting command the device's own protect state is
 *    read; a protected device is refused, not commanded;
 * 4. after the device confirms, its state is read back; only a read-back
 *    that agrees makes a target DONE. A denial is DENIED, silence or a
 *    lost connection UNCONFIRMED, a disagreeing read-back FAILED.
 * Every command is stored with who, why, when, its targets and each
 * target's result (store_control_*), and an audit row is written.
 *
 * Threading: everything runs on the loop of the fep given to control_new;
 * the store calls are synchronous. Not thread-safe: callers on other
 * threads go through the station's bridge onto that loop.
 */
#ifndef MH_CONTROL_H
#define MH_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "meterhub/fep.h"
#include "meterhub/proto/value.h"
#include "meterhub/store.h"

enum control_kind {
    CONTROL_TRIP = 1,    /* remote trip of turn pn (1376.1 F1, 698 8000 m129) */
    CONTROL_CLOSE,       /* allow closing turn pn (F2, 8000 m130) */
    CONTROL_PROTECT_ON,  /* protect, 保电 (F25, 8001 m127) */
    CONTROL_PROTECT_OFF, /* (F33, 8001 m128) */
    CONTROL_URGE_ON,     /* urge-fee alarm (F26, 8002 m127) */
    CONTROL_URGE_OFF,    /* (F34, 8002 m128) */
    CONTROL_PERIOD_ON,   /* period power control of group pn (F9 [+ AFN04 F41], 8103) */
    CONTROL_PERIOD_OFF,
    CONTROL_REST_ON,     /* plant-rest power control (F10 [+ F42], 8104) */
    CONTROL_REST_OFF,
    CONTROL_STOP_ON,     /* business-stop power control (F11 [+ F44], 8105) */
    CONTROL_STOP_OFF,
    CONTROL_DOWN_ON,     /* current-power float-down control (F12, 8106) */
    CONTROL_DOWN_OFF,
    CONTROL_MONTH_ON,    /* monthly energy control (F15 [+ F46], 8108) */
    CONTROL_MONTH_OFF,
    CONTROL_BUY_ON,      /* purchased energy control (F16 [+ F47], 8107) */
    CONTROL_BUY_OFF,
    CONTROL_CLOCK_SYNC,  /* set the terminal clock to the station's (F31, SET 4000) */
    CONTROL_MESSAGE,     /* text message (F32, 8002 m127 text) */
    /*
     * A meter's own relay, DL/T 645-2007 remote control (0x1C, 7.10)
     * forwarded by its terminal (1376.1 AFN10 F1, 698.45 PROXY
     * TransCommand; straight to the meter behind a DL/T 645 DTU). The
     * target is the meter (control_target.meter); state read back from its
     * status word 3 (04000503).
     */
    CONTROL_METER_TRIP,        /* N1 1A: open the meter's relay */
    CONTROL_METER_CLOSE,       /* N1 1C direct close (1B allow-close with params.meter.allow_close) */
    CONTROL_METER_PROTECT_ON,  /* N1 3A keep-power: the meter refuses trips */
    CONTROL_METER_PROTECT_OFF, /* N1 3B */
    CONTROL_KIND_COUNT_
};

/* "trip", "protect_on" ...; NULL for an unknown kind. */
const char *control_kind_name(int kind);
/* The kind of a name; MH_ENOENT. */
int control_kind_parse(const char *name);
/* Does the kind cut supply (protect list, forbidden windows and device protect apply)? */
int control_kind_cuts(int kind);
/* Does the kind act on a meter's own relay (its targets name meters, control_target.meter)? */
int control_kind_meter(int kind);

/* Parameters; the kind says which part is read. Zero is the usual default. */
struct control_params {
    struct {
        uint8_t alarm_delay_min; /* 0..15 */
        uint8_t limit_half_h;    /* 0..15, 0 until close is allowed */
    } trip;
    uint8_t protect_half_h; /* 0: until released */
    uint32_t urge_hours;    /* D0..D23 = hours with the alarm; 0: all day */
    /* Power and energy control: set = 1 also downloads these before switching on. */
    struct {
        uint8_t set, scheme; /* scheme 0..2 */
        uint8_t periods;     /* D0..D7 periods under control */
        int64_t limit_w[8];  /* per period */
    } period;
    struct {
        uint8_t set;
        int64_t limit_w;
        uint8_t start_h, start_m, duration_half_h;
        uint8_t weekdays; /* D1..D7 Monday..Sunday */
    } rest;
    struct {
        uint8_t set;
        struct mh_tm from, to; /* dates */
        int64_t limit_w;
    } stop;
    struct {
        uint8_t slip_min;
        int8_t float_pct;
        uint8_t freeze_delay_min, ctrl_half_h;
        uint8_t alarm_min[4];
    } down;
    struct {
        uint8_t set;
        int64_t limit_kwh;
    } month;
    struct {
        uint8_t set, refresh; /* refresh 0: add to the balance */
        uint32_t order_no;
        int64_t amount_kwh, alarm_kwh, trip_kwh;
    } buy;
    struct {
        uint8_t important, number;
        uint8_t len;       /* bytes of GB2312 text, at most 200 */
        uint8_t text[200];
    } msg;
    /* Meter kinds: the 645 command's validity (N3..N8 = now + valid_min; 0: 5 min) and the close mode. */
    struct {
        uint8_t valid_min;   /* 0..60 */
        uint8_t allow_close; /* meter_close: 1B, the customer closes the relay (only the command state is verified) */
    } meter;
};

struct control_target {
    int64_t terminal; /* terminals.id */
    uint16_t pn;      /* turn (trip, close) or total-add group (power, energy) 1..8; else 0 */
    /*
     * Meter kinds: meters.id, required; the engine fills terminal and pn
     * (the meter's measuring point) from the archive, and they are what is
     * stored with the target. Other kinds: 0.
     */
    int64_t meter;
};

#define CONTROL_TARGETS_MAX 256

struct control_request {
    int kind;            /* enum control_kind */
    const char *who;     /* operator, required */
    const char *reason;  /* why, required */
    const struct control_target *targets;
    size_t n_targets;    /* 1..CONTROL_TARGETS_MAX */
    struct control_params p;
};

/* A local time-of-day window in which supply-cutting commands are refused. */
struct control_window {
    uint16_t from_min, to_min; /* minutes after local midnight; from > to spans midnight */
    uint8_t weekdays;          /* D0..D6 Sunday..Saturday; 0: every day */
};

#define CONTROL_WINDOWS_MAX 8

struct control_cfg {
    uint32_t confirm_over;     /* users a command may reach without a second operator; 0: 50 */
    struct control_window windows[CONTROL_WINDOWS_MAX];
    uint8_t n_windows;
    int16_t utc_offset_min;    /* station local time: windows, clock sync */
    uint32_t timeout_ms;       /* per request; 0: the fep's */
    uint32_t readback_delay_ms; /* wait after the device confirms before reading back; 0: none */
    int64_t (*now_ms)(void *ctx); /* wall clock, Unix ms; NULL: the system clock */
    void *now_ctx;
    /* Optional: every frame as built, before the fep stamps its sequence (tests, tracing). */
    void (*on_frame)(void *ctx, int64_t command, int64_t terminal, const uint8_t *frame, size_t len);
    /* Optional: a command reached a final state (every target has a result). */
    void (*on_finished)(void *ctx, int64_t command);
    void *ctx;
    /* Prepayment: price of import active energy per tariff 1..4 (sharp, peak, flat, valley), yuan/kWh x 10^4. */
    int64_t price_e4[4];
    /* Plans by the clock: wait after a plan's commands before measuring their effect; 0: 90 s. */
    uint32_t plan_verify_ms;
    /*
     * Meter kinds: the DL/T 645-2007 remote-control authority (7.10: PA
     * password level, P0..P2 password, C0..C3 operator code) as
     * commissioned on the meters. Level 0: 02 with password 000000.
     */
    uint8_t meter_pw_level;
    uint32_t meter_password; /* 6 BCD digits, 0x123456 for "123456" */
    uint32_t meter_operator; /* 8 BCD digits */
    /*
     * Optional: the route of every request the engine makes of a terminal
     * (terminal: its archive id), instead of the fep given to control_new.
     * serve --procs runs one engine, in worker 0, and routes the requests for
     * another worker's terminals to that worker's fep (src/cli/serve_fwd.c).
     * Same contract as fep_request_submit / fep_request_cancel: submit
     * returns an id > 0 and later runs r->done once on the loop, or an MH_E*
     * without running it (MH_ENOENT: not online); cancel runs done now with
     * FEP_CANCELLED. A request the route took but could not deliver ends
     * FEP_OFFLINE or FEP_TIMEOUT, so its target is UNCONFIRMED, never DONE.
     */
    int64_t (*submit)(void *ctx, int64_t terminal, const char *addr, const struct fep_request *r);
    int (*cancel)(void *ctx, int64_t id);
    void *route_ctx;
};

struct control;

/* An engine over fep and store on loop (borrowed; they outlive it). 0, MH_EINVAL, MH_ENOMEM. */
int control_new(uv_loop_t *loop, struct fep *fep, struct store *st, const struct control_cfg *cfg,
                struct control **out);
/* Cancel what is in flight (its targets become UNCONFIRMED) and free. */
void control_free(struct control *c);

/*
 * Submit a command: stored, checked, and either sent at once, left
 * PENDING for a second operator, or REFUSED (every target refused).
 * Returns the command id (> 0) or MH_EINVAL (bad kind, parameters,
 * operator, reason or targets), MH_ENOENT (an unknown terminal), a store
 * error. The outcome is read with control_get.
 */
int64_t control_submit(struct control *c, const struct control_request *r);

/*
 * A second operator confirms a PENDING command, which is then sent.
 * MH_ENOENT (no such command), MH_EPROTO (not pending), MH_EPERM (who is
 * the operator who asked).
 */
int control_confirm(struct control *c, int64_t id, const char *who);
/* Withdraw a PENDING command (CANCELLED). Same errors. Any operator may. */
int control_cancel(struct control *c, int64_t id, const char *who);

/* The command and up to cap of its targets (count in *n). 0 or MH_ENOENT. */
int control_get(struct control *c, int64_t id, struct store_control *cmd, struct store_control_target *t,
                size_t cap, size_t *n);

/* Commands with targets still in flight. */
size_t control_active(const struct control *c);

/* Name of a store_control_state / store_control_result. */
const char *control_state_name(int state);
const char *control_result_name(int result);

/*
 * Prepayment (prepay.c): a meter's balance is debited with its metered
 * consumption (import active energy per tariff, from the stored register
 * readings, times CT x PT) at the tariff prices of control_cfg. Below the
 * warning threshold the urge-fee alarm is switched on; at zero or below the
 * customer's turn 1 is tripped; a payment that brings the balance back
 * above zero closes it (and above the threshold switches the alarm off).
 * Every switch is a command through control_submit by operator "prepay",
 * so the protect list, forbidden windows, device protect state and
 * read-back apply exactly as to an operator's command. Meters of
 * special-transformer terminals are cut at the terminal's turn 1; DL/T
 * 645-2007 meters behind a concentrator or a DTU (residential customers)
 * at their own relay (CONTROL_METER_TRIP / CLOSE), without the urge-fee
 * alarm. Other meters take no account (MH_ENOTSUP).
 * Money in yuan x 10^4, energy in kWh x 10^4.
 */

/* Open (or reset) meter's account, its latest registers as the starting point. MH_ENOENT (no registers), MH_ENOTSUP. */
int prepay_open(struct control *c, int64_t meter, int64_t balance_e4, int64_t warn_e4);
/* Settle the consumption since the last settlement and act on the balance. 0, MH_ENOENT (no account / registers). */
int prepay_settle(struct control *c, int64_t meter);
/* A payment: recorded, credited, and acted on (close, alarm off). 0, MH_ENOENT, MH_EINVAL. */
int prepay_topup(struct control *c, int64_t meter, int64_t amount_e4, const char *who, const char *ref);

/*
 * Orderly use of electricity, 有序用电 (plan.c): a plan asks a set of
 * large users (a list, or an area's special-transformer customers) to
 * bring their load down by target_w in total during [from_ms, to_ms).
 *
 * Allocation rule (plan_allocate): users on the protect list (customer,
 * meter or terminal, as control_submit checks them) and users without a
 * special-transformer terminal are left out. The others are taken in
 * priority order (lower first; equal priorities in list order), each asked
 * to shed at most max_pct percent of its current load: a user sheds the
 * smallest whole percentage that covers what is still missing, capped at
 * max_pct, its expected reduction being current_w x pct / 100; once the
 * expected reductions reach the target the remaining users are spared.
 * When every eligible user is at max_pct and the sum stays short, the
 * plan says so (short_w > 0) and is still carried out as far as it goes.
 *
 * Execution (plan_execute): one current-power float-down command per
 * shed user (1376.1 AFN05 F12 / 698.45 8106 method 127, total-add group 1,
 * float coefficient -pct, control time the window's half-hours) through
 * control_submit by the plan's operator, so the protect list, forbidden
 * windows, second-operator rule, device protect state, read-back and audit
 * all apply; plan_release switches them off (F20 / 8106 method 7).
 *
 * Verification (plan_measure): the active power total of each user is read
 * now through the collector's on-demand path (collect_read_now), once as
 * the baseline before the commands and once after; the report compares
 * the reduction achieved per user and in total with the target. A 1376.1
 * terminal answers current data from its own last reading of the meter
 * (each minute), so the second measurement means something once such a
 * round has passed since the commands.
 */
#define PLAN_USERS_MAX 64

enum plan_user_state {
    PLAN_U_SHED = 1,      /* asked to shed float_pct */
    PLAN_U_SPARED,        /* eligible, not needed to meet the target */
    PLAN_U_PROTECTED,     /* on the protect list: never commanded */
    PLAN_U_NO_CONTROL,    /* no special-transformer terminal reads it */
    PLAN_U_NO_LOAD,       /* no current load known (not measured, or zero) */
};

struct plan_user {
    int64_t meter;      /* meters.id, the customer's meter; input */
    int32_t priority;   /* lower is shed first; input */
    int64_t contract_w; /* contracted load: from the archive when 0 */
    int64_t current_w;  /* current load the allocation uses: input or plan_measure's baseline */
    /* from plan_allocate */
    char customer[24];
    int64_t terminal;
    uint8_t state;      /* enum plan_user_state */
    uint8_t pct;        /* load to shed, percent */
    int64_t expect_w;   /* expected reduction */
    char detail[96];    /* why protected / not controllable */
    /* from plan_execute and plan_measure */
    int64_t command;    /* the control command, 0 none */
    int64_t released;   /* its release (plan_release), 0 none */
    int64_t baseline_w, after_w;
    uint8_t has_baseline, has_after;
};

struct plan {
    int64_t id;         /* store_plan row, 0 until stored */
    char name[64];
    char who[32];       /* operator */
    char area[24];      /* informative: the area the users came from, "" for a list */
    int64_t target_w;
    int64_t from_ms, to_ms;
    int64_t created_ms; /* set by the caller; kept with the plan */
    uint8_t max_pct;    /* most one user sheds, 1..79 (1376.1 A.4); 0: 30 */
    size_t n;
    struct plan_user u[PLAN_USERS_MAX];
    /* totals, from plan_allocate / plan_measure */
    int64_t expect_w, short_w;      /* expected reduction; what the allocation leaves missing */
    int64_t baseline_w, after_w;    /* of the shed users, measured */
};

/* Add the area's meters that a special-transformer terminal reads, priority 0, in archive order. Count added or MH_E*. */
int plan_add_area(struct store *st, struct plan *p, const char *area);
/* Resolve, check the protect list and allocate (see above). 0, MH_EINVAL (no users, target <= 0, bad window), MH_E*. */
int plan_allocate(struct store *st, struct plan *p);
/* Submit the commands of the shed users. The number submitted, or the first error of control_submit. */
int plan_execute(struct control *c, struct plan *p);
/* Switch the plan's controls off (the window is over or the plan withdrawn). Commands submitted or MH_E*. */
int plan_release(struct control *c, struct plan *p);

struct collect;
/*
 * Read each user's active power now (after = 0: the baseline, into
 * current_w too; after = 1: after the commands). Call on loop's thread
 * (the collector's); done runs once on it when every read has answered;
 * p must stay valid until then.
 * 0 or MH_E*. Users the read fails for keep has_* = 0.
 */
int plan_measure(uv_loop_t *loop, struct collect *col, struct plan *p, int after, void (*done)(void *ctx, struct plan *p),
                 void *ctx);
/* Totals of the measured shed users; 1 when the measured reduction reaches the target. */
int plan_verify(struct plan *p);
/*
 * Store the plan and its users (store_plan_*): a new plan (id 0) gets its
 * id; again after each step to keep the report current. 0 or MH_E*.
 */
int plan_save(struct store *st, struct plan *p);
/* A stored plan, as it was last saved. 0, MH_ENOENT, MH_E*. */
int plan_load(struct store *st, int64_t id, struct plan *p);
/* Name of a plan_user_state. */
const char *plan_user_state_name(int state);
/* A readable report (per user and in total) into out; the bytes it needed. */
size_t plan_report(const struct plan *p, char *out, size_t cap);

/*
 * Plans by the clock (plan_run.c): the station carries a plan out by
 * itself. A plan submitted (plan_run_submit) is stored with a run
 * (store_plan_run) that says where it stands:
 *
 *   PENDING ---confirm---> SCHEDULED ---window starts---> ACTIVE ---window ends---> RELEASED
 *      |                      |                              \---operator release---/
 *      +------cancel----------+--> CANCELLED
 *      +---window ends unstarted--> CLOSED
 *
 * A plan reaching more users than confirm_over is PENDING until a second,
 * different operator confirms it, like a command (control.h rule 2). At
 * the window's start the users' active power is measured (plan_measure),
 * the plan allocated with that load (plan_allocate) and its commands
 * submitted (plan_execute); plan_verify_ms later the load is measured
 * again and the report saved; at the window's end the controls are
 * switched off (plan_release). Every step is saved (plan_save) and the
 * run updated, so the state survives a restart of the station:
 *  - a SCHEDULED plan whose start passed while the station was down but
 *    whose window is still open starts at once (late, within its window);
 *  - a SCHEDULED or PENDING plan whose whole window passed is CLOSED, never
 *    executed: a reduction asked for an hour that is over helps nobody and
 *    would cut load the grid no longer needs shed;
 *  - an ACTIVE plan whose window ended is released at once, so no
 *    float-down control outlives its plan by more than the outage (the
 *    terminal also ends it by itself after its control time, 1376.1 F12);
 *  - an ACTIVE plan whose start was cut short (no allocation saved) starts again.
 * Everything runs on the engine's loop; API threads come through the bridge.
 */
enum plan_run_state {
    PLAN_RUN_PENDING = 1, /* waits for a second operator */
    PLAN_RUN_SCHEDULED,   /* waits for its window */
    PLAN_RUN_ACTIVE,      /* started: measured, allocated, commanded */
    PLAN_RUN_RELEASED,    /* its controls switched off (window over, or an operator) */
    PLAN_RUN_CANCELLED,   /* withdrawn before it started */
    PLAN_RUN_CLOSED,      /* its window passed before it could start: never executed */
    PLAN_RUN_FAILED,      /* could not be allocated (detail says why): nothing sent */
};

/* "pending", "scheduled" ...; "unknown" for anything else. */
const char *plan_run_state_name(int state);

/*
 * Start running plans by the clock on c's loop, measuring through col
 * (borrowed; outlives c). Open plans in the store are picked up at once
 * (after a restart). Stopped by control_free. 0, MH_EINVAL, MH_ENOMEM.
 */
int control_plans_start(struct control *c, struct collect *col);

/*
 * Store p (users listed, target, window, operator; not yet allocated) as
 * a plan to run by the clock, made for reason. Returns the plan's id, or
 * MH_EINVAL (no users, target <= 0, a window that is empty or already
 * over, no operator or reason), MH_ENOENT (an unknown meter), MH_E*.
 */
int64_t plan_run_submit(struct control *c, struct plan *p, const char *reason);
/* A second operator confirms a PENDING plan. MH_ENOENT, MH_EPROTO (not pending), MH_EPERM (the plan's operator). */
int plan_run_confirm(struct control *c, int64_t id, const char *who);
/* Withdraw a plan that has not started (PENDING, SCHEDULED). MH_ENOENT, MH_EPROTO. */
int plan_run_cancel(struct control *c, int64_t id, const char *who);
/*
 * Release an ACTIVE plan before its window ends: its controls are switched
 * off now. MH_ENOENT, MH_EPROTO (not active), MH_EBUSY (still starting).
 */
int plan_run_release(struct control *c, int64_t id, const char *who);

#endif
