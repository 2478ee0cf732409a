/*
 * A simulator scenario: what the field looks like (JSON, docs/sim-scenario.md)
 * expanded into arrays of transformer areas, terminals and meters.
 *
 * Expansion is deterministic: the same file and seed give the same
 * addresses, customers, anomalies and faults on every machine, so `sim run`,
 * `sim archive` and `sim truth` agree without talking to each other. A
 * terminal and a meter cost tens of bytes, so a million meters fit easily.
 * The scenario owns all its arrays; scenario_free releases them.
 */
#ifndef MH_SIM_SCENARIO_H
#define MH_SIM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "meter_model.h"

enum sim_terminal_kind {
    SIM_TERM_CONCENTRATOR,        /* residential area: many meters behind it */
    SIM_TERM_SPECIAL_TRANSFORMER, /* large user: one three-phase meter, control relays */
    SIM_TERM_TRANSFORMER_MONITOR, /* distribution transformer: the area meter itself */
    SIM_TERM_DTU,                 /* transparent channel in front of one meter (raw DL/T 645) */
    SIM_TERM_KIND_COUNT_
};

enum sim_protocol { SIM_PROTO_GDW1376, SIM_PROTO_DLT698, SIM_PROTO_DLT645_2007, SIM_PROTO_DLT645_1997 };

enum sim_fault {
    SIM_FAULT_NONE = 0,
    SIM_FAULT_OFFLINE,     /* not connected between from..to seconds of each day */
    SIM_FAULT_NEVER_LOGIN, /* connects but never logs in */
    SIM_FAULT_COUNT_
};

struct sim_terminal {
    uint32_t id;          /* index in the scenario */
    uint8_t kind;         /* enum sim_terminal_kind */
    uint8_t protocol;     /* enum sim_protocol to the master */
    uint8_t fault;        /* enum sim_fault */
    uint8_t reports_lost; /* its active reports never reach the master (faults.report_loss_permille) */
    uint16_t region;      /* 1376.1 A1 region code as its 4 BCD digits read as hex (0x0171) */
    uint16_t a2;          /* 1376.1 terminal address / low part of others */
    uint64_t address;     /* 12-digit address as a number (698 server address, DTU's meter) */
    uint32_t area;        /* transformer area index */
    uint32_t first_meter; /* meters [first_meter, first_meter + meter_count) */
    uint32_t meter_count;
    int32_t offline_from; /* seconds of the local day, for SIM_FAULT_OFFLINE */
    int32_t offline_to;
    uint32_t channel_group; /* cell tower / base station sharing */
};

/*
 * The supply meter's registers at the start of interval k (a local
 * midnight), kept by scenario_meter_primary_at so the next read starts
 * there rather than at the origin: an area sums its users interval by
 * interval, the simulator's dearest computation. k 0: none yet. Only the
 * registers (never the scenario) change through it, on one thread.
 */
struct sim_area_memo {
    int64_t k;
    struct sim_registers r;
};

struct sim_area {
    uint32_t id;
    uint32_t area_meter;    /* index of the supply meter (SIM_CUST_AREA) */
    uint32_t first_user;    /* user meters [first_user, first_user + user_count) */
    uint32_t user_count;
    uint16_t loss_permille; /* technical loss of the area, per mille of supplied energy */
    struct sim_area_memo *memo; /* owned by the scenario; see above */
};

struct sim_meter_info {
    struct sim_meter model;
    uint64_t address;  /* 12-digit meter address as a number */
    uint32_t terminal; /* terminal index */
    uint32_t area;     /* area index (UINT32_MAX for none) */
    uint16_t pn;       /* measurement point number at the terminal (1-based) */
    uint8_t protocol;  /* enum sim_protocol between terminal and meter */
    uint16_t ct;       /* CT ratio (1 = direct), PT implied 1 for low voltage */
};

struct sim_fault_rates {
    uint16_t loss_permille;    /* frames dropped */
    uint16_t corrupt_permille; /* frames with a flipped byte */
    uint16_t reset_permille;   /* connections reset per request */
    uint32_t latency_min_ms;
    uint32_t latency_max_ms;
};

struct scenario {
    char name[64];
    uint64_t seed;
    int64_t start;       /* epoch seconds of the first simulated day, 00:00 local */
    int32_t tz_offset_s; /* local time - UTC (China: 28800) */
    uint32_t heartbeat_s;
    struct sim_fault_rates faults;
    struct sim_terminal *terminals;
    size_t n_terminals;
    struct sim_meter_info *meters;
    size_t n_meters;
    struct sim_area *areas;
    size_t n_areas;
    /*
     * An event storm (key "storm"): every terminal raises storm.events
     * events within window_s seconds starting after_s after storm_base,
     * as after an outage (term_events.c). events 0: none.
     */
    struct {
        uint32_t events, after_s, window_s;
    } storm;
    /* Seconds a terminal waits for the master's confirmation of an active report before
     * sending it again (key "report_resend_s"); 0: again behind the next heartbeat only. */
    uint32_t report_resend_s;
    /* Epoch second (simulated clock) the storm counts from: set by `sim run` when the field
     * starts, so every process of a run shares it; 0 means the scenario's start. */
    int64_t storm_base;
};

/*
 * Parse and expand a scenario file. On error returns a negative MH_E* code
 * and writes a message naming the file and the offending key or line into
 * err (cap bytes). On success *out is owned by the caller (scenario_free).
 */
int scenario_load(const char *path, struct scenario **out, char *err, size_t cap);

/* Same from JSON text (for tests). */
int scenario_parse(const char *json_text, struct scenario **out, char *err, size_t cap);

void scenario_free(struct scenario *s);

/* Names for CSV and logs. */
const char *sim_terminal_kind_name(int kind);
const char *sim_protocol_name(int proto);
const char *sim_customer_name(int customer);
const char *sim_anomaly_name(int anomaly);

/* Area supply in interval k: users' load (metered or not) plus technical loss, 0.1 Wh. */
int64_t scenario_area_supply_wh10(const struct scenario *s, const struct sim_area *a, int64_t k);

/* Is terminal t offline (fault window) at epoch second now? */
int scenario_terminal_offline(const struct scenario *s, const struct sim_terminal *t, int64_t now);

#endif

/*
 * Registers of scenario meter idx at epoch second t, as the meter shows
 * them (0.1 Wh): for a meter behind a CT that is the secondary energy,
 * primary / ct truncated, and consumption is the register difference
 * times ct. Area supply meters sum their users' flows plus technical loss;
 * every other meter is its own model (sim_registers_at).
 */
void scenario_meter_registers_at(const struct scenario *s, size_t idx, int64_t t,
                                 struct sim_registers *out);

/* The energy that really flowed through meter idx's registers (primary, 0.1 Wh). */
void scenario_meter_primary_at(const struct scenario *s, size_t idx, int64_t t,
                               struct sim_registers *out);

/*
 * Primary registers to what meter idx shows (divided by its CT, truncated,
 * wrapped at the display's capacity), in place.
 */
void scenario_meter_secondary(const struct scenario *s, size_t idx, struct sim_registers *r);

/*
 * A meter's energy register shows six integer digits (DL/T 645 XXXXXX.XX,
 * Q/GDW 1376.1 A.14 XXXXXX.XXXX, the 698.45 meters' displays): past
 * 999999.99 kWh it rolls over to 0, and run backwards below 0 it shows
 * 999999.99. SIM_REGISTER_WRAP_WH10 is that capacity in 0.1 Wh.
 */
#define SIM_REGISTER_WRAP_WH10 10000000000LL

/* A register (0.1 Wh) as the meter shows it: modulo the capacity, never negative. */
int64_t scenario_register_shown(int64_t wh10);

/* b - a of two shown registers, taken across a rollover the nearest way (a register that
 * ran backwards through 0 gives a negative difference): less than half the capacity apart. */
int64_t scenario_register_delta(int64_t a, int64_t b);

/* Registered import/export of meter idx in each interval of a local day, primary (0.1 Wh). */
void scenario_meter_day(const struct scenario *s, size_t idx, int64_t day,
                        struct sim_interval out[SIM_INTERVALS_PER_DAY]);

/*
 * Total import and export registers of meter idx as it shows them (0.1 Wh,
 * after its CT) at 00:00 + j x 15 min of a local day, j = 0..96: the day
 * curve every consumer of curves (ground truth, simulated terminals) takes,
 * so increments are register differences and agree everywhere.
 */
void scenario_meter_day_registers(const struct scenario *s, size_t idx, int64_t day,
                                  int64_t imp[SIM_INTERVALS_PER_DAY + 1],
                                  int64_t exp[SIM_INTERVALS_PER_DAY + 1]);

/* The same from the primary registers at 00:00 and the day's intervals, when the caller has them. */
void scenario_meter_day_registers_from(const struct scenario *s, size_t idx, const struct sim_registers *p0,
                                       const struct sim_interval iv[SIM_INTERVALS_PER_DAY],
                                       int64_t imp[SIM_INTERVALS_PER_DAY + 1],
                                       int64_t exp[SIM_INTERVALS_PER_DAY + 1]);

/* Local day number of epoch second t in the scenario's zone. */
int64_t scenario_local_day(const struct scenario *s, int64_t t);

/* Epoch second of 00:00 local time of a day. */
int64_t scenario_day_start(const struct scenario *s, int64_t day);

/* Text of a terminal's address as the archive and logs print it:
 * gdw1376 "AAAABBBB" (A1 region + A2, hex), others the 12-digit address. */
void scenario_terminal_address(const struct sim_terminal *t, char *buf, size_t cap);

/*
 * The asset archive as CSV, one row per meter, header first (columns in
 * docs/archive-csv.md): what `meterhub archive import` reads. Returns 0 or
 * MH_EIO when writing fails.
 */
int scenario_write_archive_csv(const struct scenario *s, FILE *out);

/*
 * Ground truth of local day `day` into directory dir (created if missing):
 * registers.csv (daily frozen registers at the start and end of the day),
 * curves.csv (15-minute registered increments), consumption.csv, areas.csv
 * (supply, metered sum, loss) and anomalies.csv (what is injected and
 * active). Values in kWh with four decimals, exact. Returns 0, MH_EIO with
 * a message in err.
 */
int scenario_write_truth(const struct scenario *s, int64_t day, const char *dir, char *err,
                         size_t cap);
