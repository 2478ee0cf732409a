/*
 * Query arguments: integers, times, paging and names, each refused with a
 * 400 that names the argument and what it should be.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_int.h"
#include "meterhub/proto/item.h"
#include "meterhub/proto/value.h"

#define API_PAGE_DEFAULT 100
#define API_PAGE_MAX 1000

const char *api_arg(struct api_req *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

static int parse_i64(const char *s, int64_t *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int api_arg_int(struct api_req *rq, struct api_resp *rs, const char *name, int64_t lo, int64_t hi,
                int64_t def, int64_t *out)
{
    const char *s = api_arg(rq, name);
    *out = def;
    if (!s)
        return 0;
    int64_t v;
    if (parse_i64(s, &v) != 0 || v < lo || v > hi) {
        api_reply_error(rs, 400, "argument '%s' must be an integer from %lld to %lld, not '%s'",
                        name, (long long)lo, (long long)hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

/* Fixed-width digits of s[0..n) into *out; -1 when one is not a digit. */
static int digits(const char *s, size_t n, unsigned *out)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 0;
}

/* 9999-12-31T23:59:59Z: times past it are typing errors, and ms arithmetic stays in int64. */
#define API_TIME_MAX 253402300799LL

int api_parse_time(const char *s, int64_t *out)
{
    if (parse_i64(s, out) == 0)
        return *out >= 0 && *out <= API_TIME_MAX ? 0 : -1;
    /* YYYY-MM-DD[THH:MM[:SS]][Z] */
    size_t n = strlen(s);
    if (n && s[n - 1] == 'Z')
        n--;
    unsigned y, mo, d, h = 0, mi = 0, sec = 0;
    if (n < 10 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d))
        return -1;
    if (n > 10) {
        if ((s[10] != 'T' && s[10] != ' ') || n < 16 || digits(s + 11, 2, &h) || s[13] != ':' ||
            digits(s + 14, 2, &mi))
            return -1;
        if (n > 16 && (n != 19 || s[16] != ':' || digits(s + 17, 2, &sec)))
            return -1;
    }
    struct mh_tm t = {.year = (uint16_t)y,
                      .mon = (uint8_t)mo,
                      .day = (uint8_t)d,
                      .hour = (uint8_t)h,
                      .min = (uint8_t)mi,
                      .sec = (uint8_t)sec,
                      .has = MH_TM_FULL};
    /* Before 1970 is as much a typing error as a bare number below 0. */
    return mh_tm_to_epoch(&t, out) == 0 && *out >= 0 ? 0 : -1;
}

int api_arg_time(struct api_req *rq, struct api_resp *rs, const char *name, int64_t def,
                 int64_t *out)
{
    const char *s = api_arg(rq, name);
    *out = def;
    if (!s)
        return 0;
    if (api_parse_time(s, out) != 0) {
        api_reply_error(rs, 400,
                        "argument '%s' must be epoch seconds, YYYY-MM-DD or "
                        "YYYY-MM-DDTHH:MM[:SS]Z (UTC) from 1970 to 9999, not '%s'",
                        name, s);
        return -1;
    }
    return 0;
}

int api_arg_page(struct api_req *rq, struct api_resp *rs, int64_t *limit, int64_t *after)
{
    if (api_arg_int(rq, rs, "limit", 1, API_PAGE_MAX, API_PAGE_DEFAULT, limit) != 0)
        return -1;
    return api_arg_int(rq, rs, "after", 0, INT64_MAX, 0, after);
}

int api_arg_enum(struct api_req *rq, struct api_resp *rs, const char *name,
                 const char *const *names, size_t n, int def)
{
    const char *s = api_arg(rq, name);
    if (!s)
        return def;
    char list[256];
    size_t used = 0;
    list[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (strcasecmp(s, names[i]) == 0)
            return (int)i;
        int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", names[i]);
        if (w > 0 && (size_t)w < sizeof list - used)
            used += (size_t)w;
    }
    api_reply_error(rs, 400, "argument '%s' must be one of %s, not '%s'", name, list, s);
    return -1;
}

/* Two digits of v at p. */
static void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
}

/*
 * "YYYY-MM-DDTHH:MM:SSZ" written digit by digit: readings answers format
 * one per reading, and this is a fifth of their cost through snprintf.
 */
void api_format_time(int64_t t, char *buf, size_t cap)
{
    struct mh_tm tm;
    mh_tm_from_epoch(t, &tm);
    char s[21] = "0000-00-00T00:00:00Z";
    put2(s, tm.year / 100u);
    put2(s + 2, tm.year % 100u);
    put2(s + 5, tm.mon);
    put2(s + 8, tm.day);
    put2(s + 11, tm.hour);
    put2(s + 14, tm.min);
    put2(s + 17, tm.sec);
    snprintf(buf, cap, "%s", s);
}

void api_format_time_ms(int64_t t_ms, char *buf, size_t cap)
{
    int64_t s = t_ms / 1000, ms = t_ms % 1000;
    if (ms < 0)
        s -= 1, ms += 1000;
    struct mh_tm tm;
    mh_tm_from_epoch(s, &tm);
    tm.ms = (uint16_t)ms;
    tm.has = MH_TM_FULL | MH_TM_MS;
    char txt[40];
    if (mh_tm_format(&tm, txt, sizeof txt) < 0)
        txt[0] = '\0';
    snprintf(buf, cap, "%sZ", txt);
}

int api_item_parse(const char *s, uint32_t *code)
{
    if (mh_item_parse(s, code) == 0)
        return 0;
    size_t n;
    const struct mh_item_def *t = mh_item_table(&n);
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(s, t[i].sym) == 0) {
            *code = t[i].code;
            return 0;
        }
    return -1;
}

int api_arg_region(struct api_req *rq, struct api_resp *rs, int *out)
{
    const char *r = api_arg(rq, "region");
    *out = -1;
    if (!r)
        return 0;
    char *end;
    unsigned long v = strtoul(r, &end, 16);
    if (strlen(r) != 4 || *end || v > 0xffff) {
        api_reply_error(rs, 400, "argument 'region' must be 4 digits like 0171, not '%s'", r);
        return -1;
    }
    *out = (int)v;
    return 0;
}
