/*
 * The station's own safety rules for supply-cutting commands: the protect
 * list (a terminal, any meter it reads, or any meter's customer listed),
 * forbidden local time windows, and how many users a terminal serves
 * (for the second-operator rule). The device's own protect state is read
 * over the wire by the engine (CSTEP_PRE), not here.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "meterhub/base/err.h"
#include "control_int.h"

#define POINTS_MAX 2040 /* measuring points of one terminal (Q/GDW 1376.1 5.4.2.4.10) */

void control_local_tm(int64_t now_ms, int16_t utc_off, struct mh_tm *out)
{
    int64_t s = now_ms / 1000 + (int64_t)utc_off * 60;
    mh_tm_from_epoch(s, out);
}

int control_users(struct store *st, int64_t terminal)
{
    struct store_point *pts = malloc(POINTS_MAX * sizeof *pts);
    if (!pts)
        return MH_ENOMEM;
    int n = store_terminal_points(st, terminal, pts, POINTS_MAX);
    free(pts);
    return n;
}

/* The protect entry (kind, ref) into detail: 1 when listed, 0 when not, MH_E*. */
static int listed(struct store *st, int kind, const char *what, const char *ref, char *detail, size_t cap)
{
    struct store_protect p;
    int rc = store_protect_get(st, kind, ref, &p);
    if (rc == MH_ENOENT)
        return 0;
    if (rc != 0)
        return rc;
    snprintf(detail, cap, "protect list: %s %s (%s)", what, ref, p.reason);
    return 1;
}

int control_protected(struct store *st, int64_t terminal, const char *address, char *detail, size_t cap)
{
    int rc = listed(st, STORE_PROTECT_TERMINAL, "terminal", address, detail, cap);
    if (rc != 0)
        return rc;
    struct store_point *pts = malloc(POINTS_MAX * sizeof *pts);
    if (!pts)
        return MH_ENOMEM;
    int n = store_terminal_points(st, terminal, pts, POINTS_MAX);
    rc = n < 0 ? n : 0;
    for (int i = 0; rc == 0 && i < n; i++)
        rc = control_meter_protected(st, pts[i].meter, pts[i].address, detail, cap);
    free(pts);
    return rc;
}

int control_meter_protected(struct store *st, int64_t meter, uint64_t address, char *detail, size_t cap)
{
    char addr[24];
    snprintf(addr, sizeof addr, "%012" PRIu64, address);
    int rc = listed(st, STORE_PROTECT_METER, "meter", addr, detail, cap);
    struct store_meter_row m;
    if (rc == 0 && store_meter_get(st, meter, &m) == 0 && m.customer[0])
        rc = listed(st, STORE_PROTECT_CUSTOMER, "customer", m.customer, detail, cap);
    return rc;
}

/* Is local time tm inside window w? Weekday D0 = Sunday. */
static int in_window(const struct control_window *w, const struct mh_tm *tm)
{
    unsigned wd = tm->wday % 7; /* mh_tm: 1 Monday .. 7 Sunday */
    if (w->weekdays && !(w->weekdays & (1u << wd)))
        return 0;
    unsigned m = tm->hour * 60u + tm->min;
    return w->from_min <= w->to_min ? m >= w->from_min && m < w->to_min : m >= w->from_min || m < w->to_min;
}

int control_safety_check(struct store *st, const struct control_cfg *cfg, const struct cjob *j, int64_t now_ms,
                         char *detail, size_t cap)
{
    struct mh_tm tm;
    control_local_tm(now_ms, cfg->utc_offset_min, &tm);
    for (unsigned i = 0; i < cfg->n_windows && i < CONTROL_WINDOWS_MAX; i++)
        if (in_window(&cfg->windows[i], &tm)) {
            const struct control_window *w = &cfg->windows[i];
            snprintf(detail, cap, "forbidden window %02u:%02u-%02u:%02u", w->from_min / 60u, w->from_min % 60u,
                     w->to_min / 60u, w->to_min % 60u);
            return 1;
        }
    if (j->cmd->k->target != CT_METER)
        return control_protected(st, j->tg.terminal, j->term.address, detail, cap);
    /* A meter's own relay: its terminal, the meter itself and its customer, not the terminal's other meters. */
    int rc = listed(st, STORE_PROTECT_TERMINAL, "terminal", j->term.address, detail, cap);
    return rc ? rc : control_meter_protected(st, j->tg.meter, j->meter.address, detail, cap);
}

void control_params_json(int kind, const struct control_params *p, const struct control_target *t, size_t n,
                         char *out, size_t cap)
{
    size_t len = 0;
#define PUT(...)                                                                                                  \
    do {                                                                                                          \
        int k_ = snprintf(out + len, len < cap ? cap - len : 0, __VA_ARGS__);                                    \
        if (k_ > 0)                                                                                               \
            len += (size_t)k_;                                                                                    \
    } while (0)
    /* the targets are rows of their own (store_control_targets); a meter's is its terminal and pn */
    PUT("{\"kind\":\"%s\",\"targets\":%zu", control_kind_name(kind), n);
    const struct ckind *k = ckind_of(kind);
    if (k && k->target == CT_METER) {
        /* as many as the stored params hold; the targets' rows name every one by terminal and pn */
        size_t i = 0;
        PUT(",\"meters\":[");
        for (; i < n && len + 48 < cap / 8 * 7; i++)
            PUT("%s%" PRId64, i ? "," : "", t[i].meter);
        PUT("]");
        if (i < n)
            PUT(",\"meters_unlisted\":%zu", n - i);
        PUT(",\"valid_min\":%u", p->meter.valid_min);
        if (kind == CONTROL_METER_CLOSE)
            PUT(",\"allow_close\":%s", p->meter.allow_close ? "true" : "false");
    }
    switch (kind) {
    case CONTROL_TRIP:
        PUT(",\"alarm_delay_min\":%u,\"limit_half_h\":%u", p->trip.alarm_delay_min, p->trip.limit_half_h);
        break;
    case CONTROL_PROTECT_ON: PUT(",\"protect_half_h\":%u", p->protect_half_h); break;
    case CONTROL_URGE_ON: PUT(",\"urge_hours\":%" PRIu32, p->urge_hours); break;
    case CONTROL_PERIOD_ON:
        if (p->period.set) {
            PUT(",\"scheme\":%u,\"periods\":%u,\"limit_w\":[", p->period.scheme, p->period.periods);
            for (int i = 0; i < 8; i++)
                PUT("%s%" PRId64, i ? "," : "", p->period.limit_w[i]);
            PUT("]");
        }
        break;
    case CONTROL_REST_ON:
        if (p->rest.set)
            PUT(",\"limit_w\":%" PRId64 ",\"start\":\"%02u:%02u\",\"duration_half_h\":%u,\"weekdays\":%u",
                p->rest.limit_w, p->rest.start_h, p->rest.start_m, p->rest.duration_half_h, p->rest.weekdays);
        break;
    case CONTROL_STOP_ON:
        if (p->stop.set)
            PUT(",\"from\":\"%04u-%02u-%02u\",\"to\":\"%04u-%02u-%02u\",\"limit_w\":%" PRId64, p->stop.from.year,
                p->stop.from.mon, p->stop.from.day, p->stop.to.year, p->stop.to.mon, p->stop.to.day, p->stop.limit_w);
        break;
    case CONTROL_DOWN_ON:
        PUT(",\"slip_min\":%u,\"float_pct\":%d,\"freeze_delay_min\":%u,\"ctrl_half_h\":%u", p->down.slip_min,
            p->down.float_pct, p->down.freeze_delay_min, p->down.ctrl_half_h);
        break;
    case CONTROL_MONTH_ON:
        if (p->month.set)
            PUT(",\"limit_kwh\":%" PRId64, p->month.limit_kwh);
        break;
    case CONTROL_BUY_ON:
        if (p->buy.set)
            PUT(",\"order_no\":%" PRIu32 ",\"refresh\":%u,\"amount_kwh\":%" PRId64 ",\"alarm_kwh\":%" PRId64
                ",\"trip_kwh\":%" PRId64,
                p->buy.order_no, p->buy.refresh, p->buy.amount_kwh, p->buy.alarm_kwh, p->buy.trip_kwh);
        break;
    case CONTROL_MESSAGE: PUT(",\"important\":%u,\"number\":%u,\"len\":%u", p->msg.important, p->msg.number, p->msg.len); break;
    default: break;
    }
    PUT("}");
#undef PUT
    if (len >= cap && cap)
        out[cap - 1] = '\0';
}
