#include "meterhub/proto/value.h"

#include <stdio.h>

#include "meterhub/base/err.h"

int mh_dec_format(struct mh_dec d, char *buf, size_t cap)
{
    char digits[24];
    /* Magnitude as unsigned so INT64_MIN does not overflow. */
    uint64_t mag = d.m < 0 ? (uint64_t)0 - (uint64_t)d.m : (uint64_t)d.m;
    int nd = snprintf(digits, sizeof digits, "%llu", (unsigned long long)mag);
    char out[64];
    size_t o = 0;
    if (d.m < 0)
        out[o++] = '-';
    if (d.exp >= 0) {
        if (mag != 0 && d.exp > 18)
            return MH_ERANGE;
        for (int i = 0; i < nd; i++)
            out[o++] = digits[i];
        if (mag != 0)
            for (int i = 0; i < d.exp; i++)
                out[o++] = '0';
    } else {
        int frac = -d.exp;
        if (frac > 30)
            return MH_ERANGE;
        int ip = nd - frac; /* digits before the point */
        if (ip <= 0) {
            out[o++] = '0';
            out[o++] = '.';
            for (int i = 0; i < -ip; i++)
                out[o++] = '0';
            for (int i = 0; i < nd; i++)
                out[o++] = digits[i];
        } else {
            for (int i = 0; i < ip; i++)
                out[o++] = digits[i];
            out[o++] = '.';
            for (int i = ip; i < nd; i++)
                out[o++] = digits[i];
        }
    }
    if (o + 1 > cap)
        return MH_ENOSPC;
    for (size_t i = 0; i < o; i++)
        buf[i] = out[i];
    buf[o] = '\0';
    return (int)o;
}

double mh_dec_to_double(struct mh_dec d)
{
    double v = (double)d.m;
    /* Divide by exact powers of ten: m / 10^k rounds once, m * 10^-k twice. */
    double p = 1.0;
    int e = d.exp < 0 ? -d.exp : d.exp;
    for (int i = 0; i < e; i++)
        p *= 10.0;
    return d.exp < 0 ? v / p : v * p;
}

int mh_dec_cmp(struct mh_dec a, struct mh_dec b)
{
    /* Bring both to the smaller exponent in 128-bit arithmetic: exact for protocol ranges. */
    __int128 x = a.m, y = b.m;
    int e = a.exp < b.exp ? a.exp : b.exp;
    for (int i = e; i < a.exp && i < e + 38; i++)
        x *= 10;
    for (int i = e; i < b.exp && i < e + 38; i++)
        y *= 10;
    return x < y ? -1 : x > y;
}

static int is_leap(unsigned y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

int mh_tm_check(const struct mh_tm *t)
{
    if ((t->has & MH_TM_MON) && (t->mon < 1 || t->mon > 12))
        return MH_EBADTIME;
    if (t->has & MH_TM_DAY) {
        if (t->day < 1 || t->day > 31)
            return MH_EBADTIME;
        if ((t->has & MH_TM_MON) &&
            t->day > days_in_month((t->has & MH_TM_YEAR) ? t->year : 2000, t->mon))
            return MH_EBADTIME;
    }
    if ((t->has & MH_TM_HOUR) && t->hour > 23)
        return MH_EBADTIME;
    if ((t->has & MH_TM_MIN) && t->min > 59)
        return MH_EBADTIME;
    if ((t->has & MH_TM_SEC) && t->sec > 59)
        return MH_EBADTIME;
    if ((t->has & MH_TM_MS) && t->ms > 999)
        return MH_EBADTIME;
    if ((t->has & MH_TM_WDAY) && t->wday > 7)
        return MH_EBADTIME;
    return 0;
}

int mh_tm_format(const struct mh_tm *t, char *buf, size_t cap)
{
    char s[40];
    size_t o = 0;
    unsigned has = t->has;
#define PUT(...) o += (size_t)snprintf(s + o, sizeof s - o, __VA_ARGS__)
    if (has & MH_TM_YEAR)
        PUT("%04u", t->year);
    if (has & MH_TM_MON)
        PUT("%s%02u", o ? "-" : "", t->mon);
    if (has & MH_TM_DAY)
        PUT("%s%02u", o ? "-" : "", t->day);
    if (has & MH_TM_HOUR)
        PUT("%s%02u", o ? "T" : "", t->hour);
    if (has & MH_TM_MIN)
        PUT("%s%02u", (has & MH_TM_HOUR) ? ":" : (o ? "T" : ""), t->min);
    if (has & MH_TM_SEC)
        PUT("%s%02u", (has & MH_TM_MIN) ? ":" : "", t->sec);
    if (has & MH_TM_MS)
        PUT(".%03u", t->ms);
#undef PUT
    if (o + 1 > cap)
        return MH_ENOSPC;
    for (size_t i = 0; i <= o; i++)
        buf[i] = s[i];
    return (int)o;
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

int mh_tm_to_epoch(const struct mh_tm *t, int64_t *out)
{
    if ((t->has & MH_TM_FULL) != MH_TM_FULL || mh_tm_check(t) != 0)
        return MH_EBADTIME;
    *out = days_from_civil(t->year, t->mon, t->day) * 86400 + t->hour * 3600 + t->min * 60 + t->sec;
    return 0;
}

void mh_tm_from_epoch(int64_t secs, struct mh_tm *t)
{
    int64_t z = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    int64_t rem = secs - z * 86400;
    int64_t days = z;
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    t->year = (uint16_t)(y + (m <= 2));
    t->mon = (uint8_t)m;
    t->day = (uint8_t)d;
    t->hour = (uint8_t)(rem / 3600);
    t->min = (uint8_t)(rem / 60 % 60);
    t->sec = (uint8_t)(rem % 60);
    t->ms = 0;
    /* 1970-01-01 was a Thursday (4). */
    int64_t w = (days % 7 + 7 + 3) % 7; /* 0 = Monday */
    t->wday = (uint8_t)(w + 1);
    t->has = MH_TM_FULL | MH_TM_WDAY;
}
