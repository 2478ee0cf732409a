/*
 * Private to src/control: the kinds table, the per-protocol frame builders
 * and judges, and the in-flight state of commands and their targets.
 *
 * A target (struct cjob) walks steps in order, each one request to the
 * terminal through the fep: PRE (read the device's protect state, only
 * before a supply-cutting command), PARAMS (download the control's
 * parameters when asked), CMD (the command itself), READ (read the state
 * back). A protocol's build() says a step does not apply by returning 1.
 */
#ifndef MH_CONTROL_INT_H
#define MH_CONTROL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/base/wr.h"
#include "meterhub/control.h"

enum cstep { CSTEP_PRE, CSTEP_PARAMS, CSTEP_CMD, CSTEP_READ, CSTEP_END };

/* What a target's pn means for a kind. */
enum ctarget { CT_TERMINAL = 0, CT_TURN = 1, CT_GROUP = 2 };

/* How a read-back is judged. */
enum cexpect {
    CX_NONE,    /* nothing to read back (a text message) */
    CX_TRIP,    /* turn pn held open (on) or not (off) */
    CX_PROTECT, /* terminal protect on / off */
    CX_URGE,    /* urge-fee alarm on / off */
    CX_POWER,   /* power control `bit` of group pn on / off */
    CX_ENERGY,  /* energy control `bit` of group pn on / off */
    CX_CLOCK,   /* terminal clock within CONTROL_CLOCK_TOLERANCE_S of the station's */
};

#define CONTROL_CLOCK_TOLERANCE_S 5

struct ckind {
    const char *name;
    uint8_t cuts;     /* cuts supply: protect list, windows, device protect apply */
    uint8_t target;   /* enum ctarget */
    uint8_t expect;   /* enum cexpect */
    uint8_t on;       /* the state expected: 1 on / tripped, 0 off / closed */
    uint8_t bit;      /* CX_POWER: GDW1376_PC_*; CX_ENERGY: GDW1376_EC_* */
    uint16_t fn;      /* 1376.1 AFN05 Fn */
    uint16_t param_fn; /* 1376.1 AFN04 Fn of the parameters (0: none) */
    uint16_t oi;      /* 698.45 object */
    uint8_t method;   /* 698.45 ACTION method (0: SET of attribute 2, the clock) */
    uint8_t state_attr; /* 698.45 attribute read back */
};

/* The row of a kind, NULL for an unknown one. */
const struct ckind *ckind_of(int kind);

/* One target of a command in flight. */
struct ccmd;
struct cjob {
    struct ccmd *cmd;
    struct control_target tg;
    struct store_terminal_row term;
    char addr[FEP_ADDR_MAX];
    uint8_t step;  /* enum cstep */
    uint8_t final; /* a result is recorded */
    int64_t req;   /* fep request in flight, 0 none */
    int result;    /* enum store_control_result */
    char detail[160];
};

struct ccmd {
    struct control *c;
    struct store_control rec;
    int kind;
    const struct ckind *k;
    struct control_params p;
    size_t n, left;
    struct cjob *jobs;
    struct ccmd *next;
};

/* Outcome of a reply, per step. */
enum cjudge {
    CJ_OK = 0,
    CJ_DENIED,    /* the device refused (AFN00 F2 / F3 item, DAR) */
    CJ_MISMATCH,  /* the read-back disagrees */
    CJ_PROTECTED, /* PRE: the device is in protect */
    CJ_BAD,       /* a reply that cannot be understood */
};

/* A protocol's half of the command path. */
struct cproto {
    /*
     * The frame of step s of j into w at station time now_ms (local offset
     * utc_off min): 0 with a frame, 1 when the step does not apply, MH_E*.
     */
    int (*build)(const struct cjob *j, int s, int64_t now_ms, int16_t utc_off, struct mh_wr *w);
    /* The reply of step s (fep status FEP_DONE): enum cjudge, detail filled on anything but CJ_OK. */
    int (*judge)(const struct cjob *j, int s, const uint8_t *frame, size_t len, int64_t now_ms, int16_t utc_off,
                 char *detail, size_t cap);
};

extern const struct cproto cproto_gdw1376;
extern const struct cproto cproto_dlt698;

/* Local time of Unix ms at offset utc_off minutes. */
void control_local_tm(int64_t now_ms, int16_t utc_off, struct mh_tm *out);

/* ---- safety (safety.c) ---- */

/*
 * Why target j may not receive a supply-cutting command: 0 when it may,
 * else 1 with the reason in detail (protect list entry, forbidden window).
 * MH_E* on a store error.
 */
int control_safety_check(struct store *st, const struct control_cfg *cfg, const struct cjob *j, int64_t now_ms,
                         char *detail, size_t cap);
/*
 * Is the terminal (id, archive address) or anyone it serves (meter,
 * customer) on the protect list? 1 with the entry in detail, 0, MH_E*.
 */
int control_protected(struct store *st, int64_t terminal, const char *address, char *detail, size_t cap);
/* Users (meters) the terminal serves; MH_E*. */
int control_users(struct store *st, int64_t terminal);

/* Parameters as the JSON kept with the command (params, cap bytes). */
void control_params_json(int kind, const struct control_params *p, const struct control_target *t, size_t n,
                         char *out, size_t cap);

/* The engine's store and configuration (engine.c), for prepay.c. */
struct store *control_store(struct control *c);
const struct control_cfg *control_config(const struct control *c);
int64_t control_now_ms(const struct control *c);

/* ---- a 1376.1 total-add group's power (group_power.c) ---- */

/* Runs once on the loop: rc 0 with the group's active power w (watts), or MH_E*. */
typedef void (*control_power_fn)(void *ctx, int rc, int64_t w);
/*
 * Read total-add group group (1..8) of 1376.1 terminal now (AFN0C F17).
 * 0 and later done; or without it MH_EINVAL, MH_ENOENT (no terminal, or
 * offline), MH_ENOTSUP (not 1376.1), MH_EBUSY, MH_ENOMEM.
 */
int control_group_power(struct control *c, int64_t terminal, uint16_t group, control_power_fn done, void *ctx);
/* The AFN0C F17 request of group for the terminal at address (8 hex digits) into w. 0 or MH_E*. */
int control_group_power_request(struct mh_wr *w, const char *address, uint16_t group);
/* Group group's power in an AFN0C F17 reply frame: 0 with *w, MH_ENOENT (absent or EE), MH_E* (malformed). */
int control_group_power_parse(const uint8_t *frame, size_t len, uint16_t group, int64_t *w);
/* A power in kW (as the codecs give it) in whole watts, truncated. */
int64_t control_dec_watts(struct mh_dec d);
struct gdw1376_addr;
/* A 1376.1 terminal's archive address (A1 A2, 8 hex digits) as a request's address. 0, MH_EBADADDR. */
int control_gdw1376_addr(const char *text, struct gdw1376_addr *a);
struct fep *control_fep(struct control *c);
/*
 * A request for terminal (archive id) at addr, through control_cfg.submit
 * when set, else the engine's fep; the same returns as fep_request_submit.
 * control_request_cancel likewise.
 */
int64_t control_request_submit(struct control *c, int64_t terminal, const char *addr, const struct fep_request *r);
int control_request_cancel(struct control *c, int64_t id);

/* Plans by the clock (plan_run.c): the engine's runner, NULL until control_plans_start. */
struct plan_runner;
struct plan_runner **control_runner(struct control *c);
uv_loop_t *control_loop(struct control *c);
/* Stop the runner: no step starts any more; measurements in flight end without effect. NULL is a no-op. */
void plan_runner_close(struct plan_runner *r);

#endif
