/*
 * Metering: consumption from register readings, the figure billing and
 * every analysis stand on.
 *
 * Registers are exact decimals (struct mh_dec) as the meter sent them, in
 * the meter's secondary units; consumption is primary energy: the register
 * difference times CT x PT. All arithmetic is exact (decimal mantissas in
 * 128 bits), never floating point.
 *
 * A register that goes down is one of three things, and the caller says
 * which it knows of: a rollover (the register passed its maximum, e.g.
 * 999999.99 for a DL/T 645 XXXXXX.XX register, and started again at zero),
 * a meter replacement (the new meter starts from its own reading), or a
 * fault (a reversed or reset meter), which is never turned into
 * consumption: it is reported for validation to mark.
 */
#ifndef MH_APP_METERING_H
#define MH_APP_METERING_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/proto/value.h"

enum metering_status {
    METERING_OK = 0,          /* consumption computed */
    METERING_ROLLOVER = 1,    /* computed across a register rollover */
    METERING_REPLACED = 2,    /* computed across a meter replacement */
    METERING_NEGATIVE = 3,    /* register went down with no rollover or replacement: no value */
    METERING_IMPLAUSIBLE = 4, /* more than the meter could pass at its capacity: no value */
    METERING_MISSING = 5,     /* a reading is missing: no value */
};

/* One register reading. */
struct metering_reading {
    int64_t t; /* data time, epoch seconds UTC */
    struct mh_dec value;
    int present; /* 0: missing (not collected, or the device had no data) */
};

/* A meter change at time t: the old meter's last reading and the new one's first. */
struct metering_replacement {
    int64_t t;
    struct mh_dec old_final;
    struct mh_dec new_initial;
};

struct metering_params {
    uint32_t ct, pt;           /* ratios; 0 is taken as 1 */
    struct mh_dec register_max; /* largest value the register shows (999999.99); m = 0: no rollover */
    uint64_t capacity_w;        /* upper bound of power through the meter (primary); 0: no check */
    /* 1: capacity_w only tells a rollover from a fault; an advance beyond it is still
     * consumption (a meter running fast is the anomaly rules' to judge, not refused here),
     * but one beyond half of register_max is a register run backwards through 0: NEGATIVE */
    uint8_t capacity_rollover_only;
};

struct metering_result {
    enum metering_status status;
    struct mh_dec kwh; /* primary consumption; valid for OK, ROLLOVER, REPLACED */
};

/*
 * Consumption between readings a (earlier) and b. repl, when not NULL and
 * a.t < repl->t <= b.t, is a meter change inside the interval: consumption is
 * (old_final - a) + (b - new_initial). A register that went down is a rollover
 * only when register_max and capacity_w are set and the wrapped difference is
 * plausible for the capacity over the interval (a meter does not pass a
 * million kWh in a day); otherwise METERING_NEGATIVE. Readings further apart
 * than a day (a gap in collection) give the sum over the gap.
 */
struct metering_result metering_consumption(const struct metering_reading *a,
                                            const struct metering_reading *b,
                                            const struct metering_replacement *repl,
                                            const struct metering_params *p);

/*
 * Daily consumption from daily frozen registers: readings[i] is the
 * register frozen at the start of day i (00:00), n + 1 readings for n days.
 * out[i] is day i's result. A missing freeze makes both days it bounds
 * MISSING (their sum is still metering_consumption of the gap's ends, for
 * estimation to split).
 */
void metering_daily(const struct metering_reading *readings, size_t n_days,
                    const struct metering_replacement *repl, const struct metering_params *p,
                    struct metering_result *out);

/* a + b and a - b, exact (result exponent is the smaller one). MH_ERANGE on overflow. */
int mh_dec_add(struct mh_dec a, struct mh_dec b, struct mh_dec *out);
int mh_dec_sub(struct mh_dec a, struct mh_dec b, struct mh_dec *out);
/* a * k (k >= 0), exact. MH_ERANGE on overflow. */
int mh_dec_mul_u32(struct mh_dec a, uint32_t k, struct mh_dec *out);

#endif
