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
enum ctarget { CT_TERMINAL = 0, CT_TURN = 1, CT_GROUP = 2, CT_METER = 3 /* a meter behind its terminal */ };

/* How a read-back is judged. */
enum cexpect {
    CX_NONE,    /* nothing to read back (a text message) */
    CX_TRIP,    /* turn pn held open (on) or not (off) */
    CX_PROTECT, /* terminal protect on / off */
    CX_URGE,    /* urge-fee alarm on / off */
    CX_POWER,   /* power control `bit` of group pn on / off */
    CX_ENERGY,  /* energy control `bit` of group pn on / off */
    CX_CLOCK,   /* terminal clock within CONTROL_CLOCK_TOLERANCE_S of the station's */
    CX_RELAY,   /* a meter's relay open (on) or closed (off): its status word 3 */
    CX_KEEP,    /* a meter's keep-power on / off: its status word 3 */
};

#define CONTROL_CLOCK_TOLERANCE_S 5

struct ckind {
    const char *name;
    uint8_t cuts;     /* cuts supply: protect list, windows, device protect apply */
    uint8_t target;   /* enum ctarget */
    uint8_t expect;   /* enum cexpect */
    uint8_t on;       /* the state expected: 1 on / tripped, 0 off / closed */
    uint8_t bit;      /* CX_POWER: GDW1376_PC_*; CX_ENERGY: GDW1376_EC_* */
    uint16_t fn;      /* 1376.1 AFN05 Fn; meter kinds: the DL/T 645-2007 remote-control command N1 (7.10) */
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
    /* Meter kinds (CT_METER): the meter as the archive has it (control_meter_resolve). */
    struct store_meter_row meter;
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
    CJ_SILENT,    /* the terminal answered that the meter behind it did not */
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
extern const struct cproto cproto_meter; /* meter kinds, whatever the terminal's protocol (meter_relay.c) */

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

/* ---- a meter's own relay through its terminal (meter_relay.c, meter_frame.c) ---- */

/* How a meter is reached: through its terminal's forward, or straight (a DL/T 645 DTU). */
struct meter_link {
    uint8_t proto;        /* the terminal's enum archive_protocol */
    uint8_t concentrator; /* the terminal is a concentrator: its meters are on the carrier port */
    char addr[FEP_ADDR_MAX]; /* the terminal's address as the archive writes it */
    uint8_t maddr[6];     /* the meter's address, wire order */
};

/* The station's remote-control authority of control_cfg (level 0: 02 / 000000). */
struct dlt645_auth;
void control_meter_auth(const struct control_cfg *cfg, struct dlt645_auth *a);

/*
 * The DL/T 645-2007 frames of the meter kinds (7.10 remote control, 7.2
 * read of 04000503), each wrapped for the terminal in front of the meter:
 * 1376.1 AFN10 F1 (5.16), 698.45 PROXY TransCommandRequest (choice 7), or
 * bare for a DTU. 0 or MH_E* (MH_EBADADDR, MH_EBADTIME, MH_ENOTSUP,
 * MH_ENOSPC).
 */
int control_meter_command(struct mh_wr *w, const struct meter_link *l, const struct dlt645_auth *a, uint8_t n1,
                          const struct mh_tm *valid_until);
int control_meter_status_read(struct mh_wr *w, const struct meter_link *l);

#define METER_DI_STATUS3 0x04000503u
/* Status word 3 (DL/T 645-2007 appendix, low byte first on the wire). */
#define METER_ST3_RELAY_OPEN 0x0010u   /* bit 4: the relay is open */
#define METER_ST3_TRIP_CMD 0x0040u     /* bit 6: the last command was a trip */
#define METER_ST3_KEEP_POWER 0x1000u   /* bit 12: keep-power */

/* The meter's answer carried back by its terminal. */
struct meter_answer {
    uint8_t func;      /* function code of the meter's reply (0x1C, 0x11) */
    uint8_t abnormal;  /* D6: an abnormal reply (0xDC, 0xD1), err says why */
    uint8_t err;       /* ERR byte (7.1.2 / 7.10: bit 0 other, 1 no data, 2 password, ...) */
    uint8_t has_status;
    uint16_t status3;  /* a normal read of 04000503 */
};

/*
 * The meter's answer in the terminal's reply frame (untrusted). 0 with
 * *a; MH_ETIMEDOUT when the terminal says the meter did not answer (AFN10
 * length 0, PROXY DAR); MH_EBADADDR when the answer is another meter's;
 * MH_EPROTO for a reply of another kind (a denial, AFN00 F2, is MH_EPERM);
 * a codec's MH_E* for a malformed frame. Never reads past len.
 */
int control_meter_answer(const struct meter_link *l, const uint8_t *frame, size_t len, struct meter_answer *a);

/* The meter of target j (j->tg.meter) resolved from the archive into j (meter, terminal, pn, addr). 0, MH_ENOENT, MH_ENOTSUP. */
int control_meter_resolve(struct store *st, struct cjob *j);
/* Is the meter (its address, its customer) on the protect list? 1 with the entry in detail, 0, MH_E*. */
int control_meter_protected(struct store *st, int64_t meter, uint64_t address, char *detail, size_t cap);

#endif
