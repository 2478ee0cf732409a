/*
 * The simulated meter: every value a meter reports is computed from
 * (scenario seed, meter id, time), never stored, so a million meters cost a
 * few dozen bytes each and any day can be recomputed exactly as ground truth.
 *
 * Time is cut into 15-minute intervals (k = minutes since the epoch / 15).
 * The load in interval k is a deterministic function of the meter's
 * customer profile, the day (weekday, season, weather) and per-meter noise;
 * its energy E_k is an integer count of 0.1 Wh. Registers are sums of E_k,
 * instantaneous power during interval k is E_k / 15 min, and curves are E_k
 * themselves, so daily frozen registers, curves and instantaneous values
 * agree with each other to the last digit.
 *
 * Invariants: meter_model functions are pure (same inputs, same outputs, on
 * any machine: integer arithmetic and a counter-based hash only), thread-safe,
 * and allocate nothing.
 */
#ifndef MH_SIM_METER_MODEL_H
#define MH_SIM_METER_MODEL_H

#include <stdint.h>

#define SIM_INTERVAL_S 900                 /* 15 minutes */
#define SIM_INTERVALS_PER_DAY 96
#define SIM_WH10_PER_KWH 10000             /* energy unit: 0.1 Wh */

enum sim_customer {
    SIM_CUST_RESIDENTIAL,
    SIM_CUST_COMMERCIAL,
    SIM_CUST_INDUSTRIAL,
    SIM_CUST_PV,          /* residential load with rooftop PV behind the meter */
    SIM_CUST_AREA,        /* a transformer area's supply meter (sum of its users) */
    SIM_CUST_COUNT_
};

/* Time-of-use periods (DL/T 645 tariff 1..4: sharp, peak, flat, valley). */
enum sim_tariff { SIM_TARIFF_SHARP = 1, SIM_TARIFF_PEAK, SIM_TARIFF_FLAT, SIM_TARIFF_VALLEY };

/* Anomalies a scenario injects into one meter, from `start` (epoch s) on. */
enum sim_anomaly {
    SIM_ANOM_NONE = 0,
    SIM_ANOM_STOPPED,       /* register stops; load and current continue */
    SIM_ANOM_REVERSED,      /* import register runs backwards */
    SIM_ANOM_RACING,        /* register runs `factor` times too fast */
    SIM_ANOM_VOLTAGE_LOSS,  /* one phase voltage near zero, its energy not registered */
    SIM_ANOM_PHASE_FAILURE, /* one phase voltage and current zero */
    SIM_ANOM_IMBALANCE,     /* currents strongly unbalanced */
    SIM_ANOM_REVERSED_CT,   /* one phase's power negative */
    SIM_ANOM_CLOCK_DRIFT,   /* meter clock runs `factor` s per day fast (negative: slow) */
    SIM_ANOM_COVER_OPEN,    /* cover-open event at start */
    SIM_ANOM_THEFT,         /* `factor` percent of the load bypasses the meter */
    SIM_ANOM_OVER_CAPACITY, /* load above contract capacity */
    SIM_ANOM_COUNT_
};

struct sim_meter {
    uint64_t seed;         /* scenario seed */
    uint32_t id;           /* meter number within the scenario */
    uint8_t customer;      /* enum sim_customer */
    uint8_t phases;        /* 1 or 3 */
    uint8_t anomaly;       /* enum sim_anomaly */
    uint8_t anomaly_phase; /* 0..2 where it matters */
    int32_t factor;        /* anomaly parameter (see enum) */
    int64_t anomaly_start; /* epoch seconds */
    uint32_t contract_w;   /* contract capacity, W */
    uint32_t scale_w;      /* mean load of this meter, W (derived from id when 0) */
    uint32_t pv_peak_w;    /* PV peak output for SIM_CUST_PV */
    int64_t register_origin; /* epoch seconds where registers start from their initial value */
    uint64_t initial_wh10;   /* import register at register_origin, 0.1 Wh */
};

struct sim_interval {
    int64_t import_wh10;
    int64_t export_wh10;
};

/* Local day number (days since 1970-01-01 in China Standard Time) of interval k. */
int64_t sim_local_day(int64_t k);

/* First interval of a local day. */
int64_t sim_day_first_interval(int64_t day);

/*
 * A whole local day at once (what per-interval functions cost 96 times over):
 * the customer's load and PV generation per interval, 0.1 Wh.
 */
void sim_day_flows(const struct sim_meter *m, int64_t day, int64_t load[SIM_INTERVALS_PER_DAY],
                   int64_t pv[SIM_INTERVALS_PER_DAY]);

/* What the meter registers given the interval's flows (anomalies applied). */
void sim_registered(const struct sim_meter *m, int64_t k, int64_t load, int64_t pv,
                    struct sim_interval *out);

/* Consumption of the customer in interval k (0.1 Wh, >= 0): what flows, metered or not. */
int64_t sim_load_wh10(const struct sim_meter *m, int64_t k);

/* PV generation in interval k (0.1 Wh, >= 0); 0 for meters without PV. */
int64_t sim_pv_wh10(const struct sim_meter *m, int64_t k);

/*
 * What the meter registers in interval k, after anomalies: import and export
 * energy (0.1 Wh). A stopped meter registers 0; a reversed one negative
 * import; theft removes its share; voltage loss removes the phase's third.
 */
void sim_interval_energy(const struct sim_meter *m, int64_t k, struct sim_interval *out);

/* Tariff period of interval k (local time of day). */
enum sim_tariff sim_tariff_of(int64_t k);

/*
 * Registers at epoch second t (the start of an interval, or inside one:
 * the partial interval counts pro rata, truncated), 0.1 Wh.
 * reg[0] total, reg[1..4] tariffs; export likewise.
 */
struct sim_registers {
    int64_t import_wh10[5];
    int64_t export_wh10[5];
};
void sim_registers_at(const struct sim_meter *m, int64_t t, struct sim_registers *out);

/* Add num/den of interval k's registered energy to r (total and the interval's tariff). */
void sim_registers_add(struct sim_registers *r, int64_t k, const struct sim_interval *e, int64_t num,
                       int64_t den);

/*
 * Instantaneous values at epoch second t, consistent with the interval's
 * energy: voltages (0.1 V), currents (mA, signed), active power per phase
 * and total (W, signed), reactive power (var), power factor (x1000).
 */
struct sim_instant {
    int32_t voltage_dv[3];
    int32_t current_ma[3];
    int32_t p_w[4]; /* total, A, B, C */
    int32_t q_var[4];
    int32_t pf_milli[4];
    int32_t freq_chz; /* 0.01 Hz */
    int32_t s_va[4];  /* apparent power, total (from the totals of P and Q), A, B, C */
    int32_t in_ma;    /* neutral current: the phasor sum of the phase currents (120 degrees apart) */
};
void sim_instant_at(const struct sim_meter *m, int64_t t, struct sim_instant *out);

/* The meter's clock at true time t (clock drift anomaly), epoch seconds. */
int64_t sim_meter_clock(const struct sim_meter *m, int64_t t);

/* 64-bit counter-based hash (splitmix64 finaliser) of (a, b, c). */
uint64_t sim_hash3(uint64_t a, uint64_t b, uint64_t c);

#endif
