/*
 * Values as the metering protocols carry them, kept exact.
 *
 * Meters send decimal fixed-point numbers (BCD with an implied decimal
 * point, or integers with a scaler). struct mh_dec keeps them as
 * mantissa x 10^exp so that 123456.78 kWh stays 12345678e-2 from the wire
 * to the store: no binary floating point on the metering path.
 *
 * struct mh_tm is a wall-clock time exactly as the device sent it (meters
 * keep local time, usually UTC+8); converting to UTC is the collector's job,
 * which knows the terminal's zone. Fields a format does not carry are marked
 * absent in `has`.
 */
#ifndef MH_PROTO_VALUE_H
#define MH_PROTO_VALUE_H

#include <stddef.h>
#include <stdint.h>

struct mh_dec {
    int64_t m;  /* mantissa */
    int8_t exp; /* decimal exponent: value = m * 10^exp */
};

static inline struct mh_dec mh_dec_make(int64_t m, int exp)
{
    struct mh_dec d = {m, (int8_t)exp};
    return d;
}

/*
 * Exact text of d: "123456.78", "-0.500", "1200" (exp > 0 expands zeros).
 * Keeps the trailing zeros the format implies ("229.70" for 22970e-2).
 * Returns length without NUL, or MH_ENOSPC. 32 bytes always suffice.
 */
int mh_dec_format(struct mh_dec d, char *buf, size_t cap);

/* Nearest double (for display and statistics, never for storage of registers). */
double mh_dec_to_double(struct mh_dec d);

/* Compare by value (different exponents allowed): <0, 0, >0. */
int mh_dec_cmp(struct mh_dec a, struct mh_dec b);

/* Fields present in a struct mh_tm. */
enum {
    MH_TM_YEAR = 1 << 0,
    MH_TM_MON = 1 << 1,
    MH_TM_DAY = 1 << 2,
    MH_TM_HOUR = 1 << 3,
    MH_TM_MIN = 1 << 4,
    MH_TM_SEC = 1 << 5,
    MH_TM_MS = 1 << 6,
    MH_TM_WDAY = 1 << 7,
    MH_TM_DATE = MH_TM_YEAR | MH_TM_MON | MH_TM_DAY,
    MH_TM_HM = MH_TM_HOUR | MH_TM_MIN,
    MH_TM_HMS = MH_TM_HM | MH_TM_SEC,
    MH_TM_FULL = MH_TM_DATE | MH_TM_HMS,
};

struct mh_tm {
    uint16_t year; /* full year, e.g. 2026 (two-digit years are 2000 + YY) */
    uint8_t mon;   /* 1..12 */
    uint8_t day;   /* 1..31 */
    uint8_t hour, min, sec;
    uint8_t wday; /* 1 = Monday .. 7 = Sunday; 0 = not sent. DL/T 645 sends 0 for Sunday: codecs map it */
    uint16_t ms;
    uint16_t has; /* MH_TM_* bits */
};

/*
 * 0 if every present field is in range and the date exists (leap years
 * included), MH_EBADTIME otherwise. A weekday that disagrees with the date
 * is not an error (meters get it wrong); callers may compare.
 */
int mh_tm_check(const struct mh_tm *t);

/*
 * ISO 8601 text of the present fields: "2026-11-24T02:40:00",
 * "2026-11-24", "02:40", "11-24T02:40" (month-day-hour-minute, as DL/T
 * 645 freeze times are). Milliseconds as ".123" when present. Returns
 * length or MH_ENOSPC; 32 bytes always suffice.
 */
int mh_tm_format(const struct mh_tm *t, char *buf, size_t cap);

/* Seconds since 1970-01-01 of a full date-time taken as UTC; MH_EBADTIME if incomplete/invalid. */
int mh_tm_to_epoch(const struct mh_tm *t, int64_t *out);

/* Full date-time (with weekday) of epoch seconds, UTC. */
void mh_tm_from_epoch(int64_t secs, struct mh_tm *t);

#endif
