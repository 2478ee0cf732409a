/*
 * Scenario files: parsing (strict: an unknown key is an error that names
 * it) and deterministic expansion into areas, terminals and meters.
 */
#include "scenario.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/value.h"

#define MAX_TERMINALS 2000000u
#define MAX_METERS 20000000u
#define MAX_METERS_EACH 2040u /* 1376.1 measurement points per terminal */

static const char *const kind_names[] = {"concentrator", "special_transformer",
                                         "transformer_monitor", "dtu"};
static const char *const proto_names[] = {"gdw1376", "dlt698", "dlt645-2007", "dlt645-1997"};
static const char *const customer_names[] = {"residential", "commercial", "industrial", "pv", "area"};
static const char *const anomaly_names[] = {
    "none",      "stopped",     "reversed",    "racing",     "voltage_loss", "phase_failure",
    "imbalance", "reversed_ct", "clock_drift", "cover_open", "theft",        "over_capacity"};

const char *sim_terminal_kind_name(int kind)
{
    return kind >= 0 && kind < SIM_TERM_KIND_COUNT_ ? kind_names[kind] : "?";
}

const char *sim_protocol_name(int proto)
{
    return proto >= 0 && proto < 4 ? proto_names[proto] : "?";
}

const char *sim_customer_name(int customer)
{
    return customer >= 0 && customer < SIM_CUST_COUNT_ ? customer_names[customer] : "?";
}

const char *sim_anomaly_name(int anomaly)
{
    return anomaly >= 0 && anomaly < SIM_ANOM_COUNT_ ? anomaly_names[anomaly] : "?";
}

static int name_index(const char *name, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (name && strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

struct parse_ctx {
    char *err;
    size_t cap;
    int rc;
};

static int fail(struct parse_ctx *c, const char *fmt, const char *a, const char *b)
{
    if (c->rc == 0) {
        snprintf(c->err, c->cap, fmt, a ? a : "", b ? b : "");
        c->rc = MH_EINVAL;
    }
    return c->rc;
}

/* Reject keys not in allowed (NULL-terminated): a typo must not be silently ignored. */
static int check_keys(struct parse_ctx *c, json_t *obj, const char *where, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            ok |= strcmp(key, *a) == 0;
        if (!ok)
            return fail(c, "unknown key '%s' in %s", key, where);
    }
    return 0;
}

static int64_t get_int(struct parse_ctx *c, json_t *obj, const char *key, int64_t def, int64_t lo,
                       int64_t hi, const char *where)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return def;
    if (!json_is_integer(v)) {
        fail(c, "'%s' in %s must be an integer", key, where);
        return def;
    }
    int64_t x = json_integer_value(v);
    if (x < lo || x > hi) {
        fail(c, "'%s' in %s is out of range", key, where);
        return def;
    }
    return x;
}

static unsigned digits(const char *p, int n)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (unsigned)(p[i] - '0');
    return v;
}

/* "2026-11-01" or "2026-11-01T10:00[:ss]" local time -> epoch seconds. */
static int parse_local_time(const char *text, int32_t tz, int64_t *out)
{
    struct mh_tm t = {0};
    unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    size_t len = text ? strlen(text) : 0;
    if (len != 10 && len != 16 && len != 19)
        return MH_EINVAL;
    for (size_t i = 0; i < len; i++) {
        char ch = text[i];
        int digit = ch >= '0' && ch <= '9';
        int sep = (i == 4 || i == 7) ? ch == '-' : (i == 10 ? ch == 'T' : ((i == 13 || i == 16) ? ch == ':' : 0));
        if (!(digit || sep) || ((i == 4 || i == 7 || i == 10 || i == 13 || i == 16) && !sep))
            return MH_EINVAL;
    }
    y = digits(text, 4);
    mo = digits(text + 5, 2);
    d = digits(text + 8, 2);
    if (len >= 16) {
        h = digits(text + 11, 2);
        mi = digits(text + 14, 2);
    }
    if (len == 19)
        s = digits(text + 17, 2);
    t.year = (uint16_t)y;
    t.mon = (uint8_t)mo;
    t.day = (uint8_t)d;
    t.hour = (uint8_t)h;
    t.min = (uint8_t)mi;
    t.sec = (uint8_t)s;
    t.has = MH_TM_FULL;
    int64_t e;
    if (mh_tm_to_epoch(&t, &e) != 0)
        return MH_EINVAL;
    *out = e - tz;
    return 0;
}

/* "HH:MM" -> seconds of the day */
static int parse_hhmm(const char *text, int32_t *out)
{
    if (!text || strlen(text) != 5 || text[2] != ':')
        return MH_EINVAL;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (text[i] < '0' || text[i] > '9'))
            return MH_EINVAL;
    int h = (text[0] - '0') * 10 + (text[1] - '0'), m = (text[3] - '0') * 10 + (text[4] - '0');
    if (h > 24 || m > 59 || (h == 24 && m != 0))
        return MH_EINVAL;
    *out = h * 3600 + m * 60;
    return 0;
}

struct population {
    int kind;
    int protocol;
    int meter_protocol;
    uint32_t count;
    uint32_t meters_each;
    uint16_t region;
    uint32_t weights[SIM_CUST_COUNT_]; /* customer mix */
    int64_t initial_kwh; /* users' import register at the start as shown, kWh; -1: a few years' use */
};

static int parse_population(struct parse_ctx *c, json_t *p, size_t idx, struct population *out)
{
    static const char *const keys[] = {"kind", "protocol", "count", "meters_each", "meter_protocol",
                                       "customers", "region", "initial_kwh", NULL};
    char where[48];
    snprintf(where, sizeof where, "populations[%zu]", idx);
    if (!json_is_object(p))
        return fail(c, "%s must be an object%s", where, NULL);
    if (check_keys(c, p, where, keys))
        return c->rc;
    memset(out, 0, sizeof *out);
    const char *kind = json_string_value(json_object_get(p, "kind"));
    out->kind = name_index(kind, kind_names, SIM_TERM_KIND_COUNT_);
    if (out->kind < 0)
        return fail(c, "%s: 'kind' must be concentrator, special_transformer, transformer_monitor or dtu (got '%s')", where, kind);
    const char *proto = json_string_value(json_object_get(p, "protocol"));
    int def_proto = out->kind == SIM_TERM_DTU ? SIM_PROTO_DLT645_2007 : SIM_PROTO_GDW1376;
    out->protocol = proto ? name_index(proto, proto_names, 4) : def_proto;
    if (out->protocol < 0 || (out->kind == SIM_TERM_DTU) != (out->protocol >= SIM_PROTO_DLT645_2007))
        return fail(c, "%s: protocol '%s' does not fit the kind (terminals speak gdw1376 or dlt698; a dtu carries dlt645-2007 or dlt645-1997)", where, proto);
    const char *mproto = json_string_value(json_object_get(p, "meter_protocol"));
    out->meter_protocol = mproto ? name_index(mproto, proto_names, 4) : (out->kind == SIM_TERM_DTU ? out->protocol : SIM_PROTO_DLT645_2007);
    if (out->meter_protocol < 0 || out->meter_protocol == SIM_PROTO_GDW1376)
        return fail(c, "%s: meter_protocol '%s' must be dlt645-2007, dlt645-1997 or dlt698", where, mproto);
    out->count = (uint32_t)get_int(c, p, "count", 0, 0, MAX_TERMINALS, where);
    int64_t each_def = out->kind == SIM_TERM_CONCENTRATOR ? 50 : 1;
    int64_t each_max = out->kind == SIM_TERM_CONCENTRATOR ? MAX_METERS_EACH - 1 : 1;
    out->meters_each = (uint32_t)get_int(c, p, "meters_each", each_def, 1, each_max, where);
    out->initial_kwh = get_int(c, p, "initial_kwh", -1, 0, 999999, where);
    const char *region = json_string_value(json_object_get(p, "region"));
    out->region = 0x0101;
    if (region) {
        unsigned r = 0;
        if (strlen(region) != 4)
            return fail(c, "%s: 'region' must be 4 decimal digits (got '%s')", where, region);
        for (int i = 0; i < 4; i++) {
            if (region[i] < '0' || region[i] > '9')
                return fail(c, "%s: 'region' must be 4 decimal digits (got '%s')", where, region);
            r = r << 4 | (unsigned)(region[i] - '0');
        }
        out->region = (uint16_t)r;
    }
    json_t *mix = json_object_get(p, "customers");
    if (mix) {
        const char *key;
        json_t *w;
        json_object_foreach(mix, key, w) {
            int cu = name_index(key, customer_names, SIM_CUST_AREA);
            if (cu < 0 || !json_is_integer(w) || json_integer_value(w) < 0 || json_integer_value(w) > 1000000)
                return fail(c, "%s: customers: '%s' must be residential, commercial, industrial or pv with a weight 0..1000000", where, key);
            out->weights[cu] = (uint32_t)json_integer_value(w);
        }
    } else if (out->kind == SIM_TERM_CONCENTRATOR || out->kind == SIM_TERM_DTU) {
        out->weights[SIM_CUST_RESIDENTIAL] = 90;
        out->weights[SIM_CUST_COMMERCIAL] = 6;
        out->weights[SIM_CUST_PV] = 4;
    } else {
        out->weights[out->kind == SIM_TERM_SPECIAL_TRANSFORMER ? SIM_CUST_INDUSTRIAL : SIM_CUST_COMMERCIAL] = 1;
    }
    uint64_t total = 0;
    for (int i = 0; i < SIM_CUST_AREA; i++)
        total += out->weights[i];
    if (total == 0)
        return fail(c, "%s: customers: weights are all zero%s", where, NULL);
    return c->rc;
}

/* A population's shown initial import register (kWh; < 0: keep the default), primary x CT. */
static void set_initial(struct sim_meter_info *mi, int64_t kwh)
{
    if (kwh >= 0)
        mi->model.initial_wh10 = (uint64_t)kwh * SIM_WH10_PER_KWH * (mi->ct > 1 ? mi->ct : 1);
}

static int pick_customer(const struct population *p, uint64_t h)
{
    uint64_t total = 0;
    for (int i = 0; i < SIM_CUST_AREA; i++)
        total += p->weights[i];
    uint64_t r = h % total;
    for (int i = 0; i < SIM_CUST_AREA; i++) {
        if (r < p->weights[i])
            return i;
        r -= p->weights[i];
    }
    return SIM_CUST_RESIDENTIAL;
}

/* Add k to a 4-digit BCD region code (wrapping at 9999). */
static uint16_t bcd4_add(uint16_t bcd, uint32_t k)
{
    unsigned v = ((bcd >> 12) & 15) * 1000 + ((bcd >> 8) & 15) * 100 + ((bcd >> 4) & 15) * 10 + (bcd & 15);
    v = (v + k) % 10000;
    return (uint16_t)((v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | (v % 10));
}

static void init_meter(struct scenario *s, struct sim_meter_info *mi, uint32_t idx, int customer,
                       int phases, uint32_t terminal, uint32_t area, uint16_t pn, int protocol)
{
    memset(mi, 0, sizeof *mi);
    struct sim_meter *m = &mi->model;
    m->seed = s->seed;
    m->id = idx;
    m->customer = (uint8_t)customer;
    m->phases = (uint8_t)phases;
    m->register_origin = s->start;
    uint64_t h = sim_hash3(s->seed, idx, 0x1417);
    /* A few years of use already on the registers: 0.1 Wh */
    m->initial_wh10 = (uint64_t)(1000 + h % 40000) * SIM_WH10_PER_KWH;
    if (customer == SIM_CUST_INDUSTRIAL || customer == SIM_CUST_AREA)
        m->initial_wh10 *= 20;
    if (customer == SIM_CUST_PV)
        m->pv_peak_w = (uint32_t)(3000 + (h >> 20) % 7000);
    m->contract_w = customer == SIM_CUST_INDUSTRIAL ? 630000 : (customer == SIM_CUST_COMMERCIAL ? 40000 : 8000);
    mi->address = 100000000000ull + idx;
    mi->terminal = terminal;
    mi->area = area;
    mi->pn = pn;
    mi->protocol = (uint8_t)protocol;
    mi->ct = customer == SIM_CUST_INDUSTRIAL ? 40 : (customer == SIM_CUST_AREA ? 60 : 1);
}

static int expand(struct parse_ctx *c, struct scenario *s, const struct population *pops, size_t npops)
{
    uint64_t n_term = 0, n_meter = 0, n_area = 0;
    for (size_t i = 0; i < npops; i++) {
        n_term += pops[i].count;
        n_meter += (uint64_t)pops[i].count * pops[i].meters_each;
        if (pops[i].kind == SIM_TERM_CONCENTRATOR) {
            n_area += pops[i].count;
            n_meter += pops[i].count; /* the area's supply meter */
        }
    }
    if (n_term == 0)
        return fail(c, "the scenario has no terminals%s%s", NULL, NULL);
    if (n_term > MAX_TERMINALS || n_meter > MAX_METERS)
        return fail(c, "the scenario is larger than the simulator's limits%s%s", NULL, NULL);
    s->terminals = calloc(n_term, sizeof *s->terminals);
    s->meters = calloc(n_meter, sizeof *s->meters);
    s->areas = calloc(n_area ? n_area : 1, sizeof *s->areas);
    if (!s->terminals || !s->meters || !s->areas)
        return c->rc = MH_ENOMEM;
    uint32_t ti = 0, mi = 0, ai = 0;
    for (size_t p = 0; p < npops; p++) {
        const struct population *pop = &pops[p];
        /* Populations starting in the same region share its A2 numbers: continue after the earlier ones. */
        uint64_t a2_base = 0;
        for (size_t q = 0; q < p; q++)
            a2_base += pops[q].region == pop->region ? pops[q].count : 0;
        for (uint32_t n = 0; n < pop->count; n++, ti++) {
            struct sim_terminal *t = &s->terminals[ti];
            t->id = ti;
            t->kind = (uint8_t)pop->kind;
            t->protocol = (uint8_t)pop->protocol;
            /* A2 runs 1..65535 within a region; larger populations continue in the next region. */
            t->region = bcd4_add(pop->region, (unsigned)((a2_base + n) / 65535));
            t->a2 = (uint16_t)(1 + (a2_base + n) % 65535);
            t->address = 200000000000ull + ti;
            t->channel_group = ti / 50;
            t->first_meter = mi;
            t->area = UINT32_MAX;
            if (pop->kind == SIM_TERM_CONCENTRATOR) {
                struct sim_area *a = &s->areas[ai];
                a->id = ai;
                a->area_meter = mi;
                a->loss_permille = (uint16_t)(25 + sim_hash3(s->seed, ai, 0x1055) % 35);
                t->area = ai;
                /* pn 1: the area supply meter (AC sampling / total meter), users from pn 2 */
                init_meter(s, &s->meters[mi], mi, SIM_CUST_AREA, 3, ti, ai, 1, pop->meter_protocol);
                mi++;
                a->first_user = mi;
                a->user_count = pop->meters_each;
                for (uint32_t u = 0; u < pop->meters_each; u++, mi++) {
                    int cu = pick_customer(pop, sim_hash3(s->seed, mi, 0xC057));
                    init_meter(s, &s->meters[mi], mi, cu, cu == SIM_CUST_COMMERCIAL ? 3 : 1, ti, ai,
                               (uint16_t)(2 + u), pop->meter_protocol);
                    set_initial(&s->meters[mi], pop->initial_kwh);
                }
                t->meter_count = pop->meters_each + 1;
                ai++;
            } else {
                int cu = pick_customer(pop, sim_hash3(s->seed, mi, 0xC057));
                int phases = pop->kind == SIM_TERM_DTU && cu == SIM_CUST_RESIDENTIAL ? 1 : 3;
                init_meter(s, &s->meters[mi], mi, cu, phases, ti, UINT32_MAX, 1, pop->meter_protocol);
                set_initial(&s->meters[mi], pop->initial_kwh);
                if (pop->kind == SIM_TERM_DTU)
                    t->address = s->meters[mi].address;
                t->meter_count = 1;
                mi++;
            }
        }
    }
    s->n_terminals = ti;
    s->n_meters = mi;
    s->n_areas = ai;
    struct sim_area_memo *memo = calloc(ai ? ai : 1, sizeof *memo);
    if (!memo)
        return c->rc = MH_ENOMEM;
    for (uint32_t i = 0; i < ai; i++)
        s->areas[i].memo = &memo[i];
    if (ai == 0)
        free(memo);
    return 0;
}

static int apply_anomalies(struct parse_ctx *c, struct scenario *s, json_t *list)
{
    static const char *const keys[] = {"type", "count", "share_permille", "start", "factor", "phase", NULL};
    size_t i;
    json_t *a;
    json_array_foreach(list, i, a) {
        char where[48];
        snprintf(where, sizeof where, "anomalies[%zu]", i);
        if (!json_is_object(a) || check_keys(c, a, where, keys))
            return fail(c, "%s must be an object with known keys%s", where, NULL);
        const char *type = json_string_value(json_object_get(a, "type"));
        int an = name_index(type, anomaly_names, SIM_ANOM_COUNT_);
        if (an <= 0)
            return fail(c, "%s: unknown anomaly type '%s'", where, type);
        int64_t count = get_int(c, a, "count", -1, 0, MAX_METERS, where);
        int64_t share = get_int(c, a, "share_permille", -1, 0, 1000, where);
        if ((count < 0) == (share < 0))
            return fail(c, "%s: give exactly one of 'count' and 'share_permille'%s", where, NULL);
        if (share >= 0)
            count = (int64_t)(s->n_meters * (uint64_t)share / 1000);
        int64_t start = s->start;
        const char *st = json_string_value(json_object_get(a, "start"));
        if (st && parse_local_time(st, s->tz_offset_s, &start) != 0)
            return fail(c, "%s: 'start' must be YYYY-MM-DD or YYYY-MM-DDTHH:MM local time (got '%s')", where, st);
        static const int32_t default_factor[SIM_ANOM_COUNT_] = {[SIM_ANOM_RACING] = 250, [SIM_ANOM_CLOCK_DRIFT] = 90, [SIM_ANOM_THEFT] = 50};
        int32_t factor = (int32_t)get_int(c, a, "factor", default_factor[an], -86400, 100000, where);
        int32_t phase = (int32_t)get_int(c, a, "phase", 0, 0, 2, where);
        if (c->rc)
            return c->rc;
        /* Deterministic choice: walk meters from a seeded offset with a stride coprime to n. */
        size_t n = s->n_meters, placed = 0;
        uint64_t h = sim_hash3(s->seed, (uint64_t)an, i);
        size_t pos = (size_t)(h % n), stride = 1 + (size_t)((h >> 32) % (n > 1 ? n - 1 : 1));
        while (stride > 1 && n % stride == 0)
            stride--;
        for (size_t tries = 0; tries < n && placed < (size_t)count; tries++, pos = (pos + stride) % n) {
            struct sim_meter *m = &s->meters[pos].model;
            if (m->anomaly != SIM_ANOM_NONE || m->customer == SIM_CUST_AREA)
                continue;
            /* Phase faults need three phases; reverse power needs a meter without generation. */
            if ((an == SIM_ANOM_PHASE_FAILURE || an == SIM_ANOM_VOLTAGE_LOSS || an == SIM_ANOM_IMBALANCE) && m->phases != 3)
                continue;
            if ((an == SIM_ANOM_REVERSED_CT) && (m->phases != 3 || m->customer == SIM_CUST_PV))
                continue;
            if (an == SIM_ANOM_THEFT && s->meters[pos].area == UINT32_MAX)
                continue; /* theft is found by line loss: only users inside an area */
            m->anomaly = (uint8_t)an;
            m->anomaly_start = start;
            m->factor = factor;
            m->anomaly_phase = (uint8_t)phase;
            placed++;
        }
        if (placed < (size_t)count)
            return fail(c, "%s: not enough eligible meters for '%s'", where, type);
    }
    return 0;
}

/* An object of the keys allowed, or msg. */
static int check_object(struct parse_ctx *c, json_t *o, const char *where, const char *const *keys,
                        const char *msg)
{
    if (!json_is_object(o) || check_keys(c, o, where, keys))
        return fail(c, msg, NULL, NULL);
    return 0;
}

static int apply_faults(struct parse_ctx *c, struct scenario *s, json_t *f)
{
    static const char *const keys[] = {"loss_permille", "corrupt_permille", "reset_permille", "latency_ms",
                                       "offline", "never_login_permille", "report_loss_permille", NULL};
    if (!f)
        return 0;
    if (check_object(c, f, "faults", keys, "'faults' must be an object with known keys%s%s"))
        return c->rc;
    s->faults.loss_permille = (uint16_t)get_int(c, f, "loss_permille", 0, 0, 1000, "faults");
    s->faults.corrupt_permille = (uint16_t)get_int(c, f, "corrupt_permille", 0, 0, 1000, "faults");
    s->faults.reset_permille = (uint16_t)get_int(c, f, "reset_permille", 0, 0, 1000, "faults");
    json_t *lat = json_object_get(f, "latency_ms");
    if (lat) {
        if (!json_is_array(lat) || json_array_size(lat) != 2 || !json_is_integer(json_array_get(lat, 0)) ||
            !json_is_integer(json_array_get(lat, 1)))
            return fail(c, "faults: 'latency_ms' must be [min, max]%s%s", NULL, NULL);
        int64_t lo = json_integer_value(json_array_get(lat, 0)), hi = json_integer_value(json_array_get(lat, 1));
        if (lo < 0 || hi < lo || hi > 600000)
            return fail(c, "faults: 'latency_ms' must be 0 <= min <= max <= 600000%s%s", NULL, NULL);
        s->faults.latency_min_ms = (uint32_t)lo;
        s->faults.latency_max_ms = (uint32_t)hi;
    }
    int64_t never = get_int(c, f, "never_login_permille", 0, 0, 1000, "faults");
    int64_t lost = get_int(c, f, "report_loss_permille", 0, 0, 1000, "faults");
    json_t *off = json_object_get(f, "offline");
    int64_t off_share = 0;
    int32_t from = 0, to = 0;
    if (off) {
        static const char *const okeys[] = {"share_permille", "from", "to", NULL};
        if (!json_is_object(off) || check_keys(c, off, "faults.offline", okeys))
            return fail(c, "faults.offline must be {share_permille, from, to}%s%s", NULL, NULL);
        off_share = get_int(c, off, "share_permille", 0, 0, 1000, "faults.offline");
        if (parse_hhmm(json_string_value(json_object_get(off, "from")), &from) ||
            parse_hhmm(json_string_value(json_object_get(off, "to")), &to) || to <= from)
            return fail(c, "faults.offline: 'from' and 'to' must be HH:MM with from < to%s%s", NULL, NULL);
    }
    if (c->rc)
        return c->rc;
    for (size_t i = 0; i < s->n_terminals; i++) {
        /* its own draw, so that adding the key leaves the other faults where they were */
        s->terminals[i].reports_lost = (int64_t)(sim_hash3(s->seed, i, 0xEC1) % 1000) < lost;
        uint64_t h = sim_hash3(s->seed, i, 0xFA17);
        if ((int64_t)(h % 1000) < never) {
            s->terminals[i].fault = SIM_FAULT_NEVER_LOGIN;
        } else if ((int64_t)((h >> 20) % 1000) < off_share) {
            s->terminals[i].fault = SIM_FAULT_OFFLINE;
            s->terminals[i].offline_from = from;
            s->terminals[i].offline_to = to;
        }
    }
    return 0;
}

/* "storm": {"events": K, "after_s": A, "window_s": W} (docs/sim-scenario.md). */
static int apply_storm(struct parse_ctx *c, struct scenario *s, json_t *st)
{
    static const char *const keys[] = {"events", "after_s", "window_s", NULL};
    if (!st)
        return 0;
    if (check_object(c, st, "storm", keys, "'storm' must be an object {events, after_s, window_s}%s%s"))
        return c->rc;
    /* At most 255 a terminal: EC1 counts important events modulo 256 (1376.1 5.12.2.4.5). */
    s->storm.events = (uint32_t)get_int(c, st, "events", 0, 0, 255, "storm");
    s->storm.after_s = (uint32_t)get_int(c, st, "after_s", 10, 0, 86400, "storm");
    s->storm.window_s = (uint32_t)get_int(c, st, "window_s", 10, 1, 86400, "storm");
    return c->rc;
}

int scenario_parse(const char *json_text, struct scenario **out, char *err, size_t cap)
{
    struct parse_ctx c = {err, cap, 0};
    json_error_t jerr;
    json_t *root = json_loads(json_text, 0, &jerr);
    if (!root) {
        snprintf(err, cap, "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
        return MH_EINVAL;
    }
    static const char *const keys[] = {"name", "description", "seed", "start", "tz_offset_minutes",
                                       "heartbeat_s", "populations", "anomalies", "faults", "storm",
                                       "report_resend_s", NULL};
    struct scenario *s = calloc(1, sizeof *s);
    struct population *pops = NULL;
    if (!s) {
        json_decref(root);
        return MH_ENOMEM;
    }
    if (!json_is_object(root)) {
        fail(&c, "the scenario must be a JSON object%s%s", NULL, NULL);
        goto done;
    }
    if (check_keys(&c, root, "the scenario", keys))
        goto done;
    const char *name = json_string_value(json_object_get(root, "name"));
    snprintf(s->name, sizeof s->name, "%s", name ? name : "scenario");
    json_t *seed = json_object_get(root, "seed");
    if (seed && !json_is_integer(seed)) {
        fail(&c, "'seed' must be an integer%s%s", NULL, NULL);
        goto done;
    }
    s->seed = seed ? (uint64_t)json_integer_value(seed) : 1;
    /* The meter model keeps China Standard Time; other zones would need it to carry one. */
    s->tz_offset_s = (int32_t)get_int(&c, root, "tz_offset_minutes", 480, 480, 480, "the scenario") * 60;
    s->heartbeat_s = (uint32_t)get_int(&c, root, "heartbeat_s", 300, 10, 3600, "the scenario");
    const char *start = json_string_value(json_object_get(root, "start"));
    if (!start || strlen(start) != 10 || parse_local_time(start, s->tz_offset_s, &s->start) != 0) {
        fail(&c, "'start' must be a date YYYY-MM-DD (got '%s')%s", start ? start : "nothing", NULL);
        goto done;
    }
    json_t *plist = json_object_get(root, "populations");
    if (!json_is_array(plist) || json_array_size(plist) == 0) {
        fail(&c, "'populations' must be a non-empty array%s%s", NULL, NULL);
        goto done;
    }
    size_t np = json_array_size(plist);
    pops = calloc(np, sizeof *pops);
    if (!pops) {
        c.rc = MH_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < np; i++)
        if (parse_population(&c, json_array_get(plist, i), i, &pops[i]))
            goto done;
    if (expand(&c, s, pops, np))
        goto done;
    json_t *an = json_object_get(root, "anomalies");
    if (an && !json_is_array(an)) {
        fail(&c, "'anomalies' must be an array%s%s", NULL, NULL);
        goto done;
    }
    if (an && apply_anomalies(&c, s, an))
        goto done;
    if (apply_faults(&c, s, json_object_get(root, "faults")))
        goto done;
    s->report_resend_s = (uint32_t)get_int(&c, root, "report_resend_s", 0, 0, 3600, "the scenario");
    apply_storm(&c, s, json_object_get(root, "storm"));
done:
    free(pops);
    json_decref(root);
    if (c.rc) {
        scenario_free(s);
        return c.rc;
    }
    *out = s;
    return 0;
}

int scenario_load(const char *path, struct scenario **out, char *err, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, cap, "%s: cannot open", path);
        return MH_EIO;
    }
    size_t cap_text = 1 << 20, len;
    char *text = malloc(cap_text + 1);
    if (!text) {
        fclose(f);
        return MH_ENOMEM;
    }
    len = fread(text, 1, cap_text, f);
    int too_big = !feof(f);
    fclose(f);
    if (too_big) {
        free(text);
        snprintf(err, cap, "%s: larger than 1 MiB", path);
        return MH_EOVERFLOW;
    }
    text[len] = '\0';
    char inner[400];
    int rc = scenario_parse(text, out, inner, sizeof inner);
    free(text);
    if (rc)
        snprintf(err, cap, "%s: %s", path, inner);
    return rc;
}

void scenario_free(struct scenario *s)
{
    if (!s)
        return;
    free(s->terminals);
    free(s->meters);
    if (s->n_areas)
        free(s->areas[0].memo);
    free(s->areas);
    free(s);
}

int64_t scenario_area_supply_wh10(const struct scenario *s, const struct sim_area *a, int64_t k)
{
    int64_t sum = 0;
    for (uint32_t u = 0; u < a->user_count; u++) {
        const struct sim_meter *m = &s->meters[a->first_user + u].model;
        sum += sim_load_wh10(m, k) - sim_pv_wh10(m, k);
    }
    /* Technical loss grows with the load flowing through the transformer and lines. */
    return sum + (sum > 0 ? sum * a->loss_permille / 1000 : 0);
}

int scenario_terminal_offline(const struct scenario *s, const struct sim_terminal *t, int64_t now)
{
    if (t->fault != SIM_FAULT_OFFLINE)
        return 0;
    int64_t local = now + s->tz_offset_s;
    int64_t sod = ((local % 86400) + 86400) % 86400;
    return sod >= t->offline_from && sod < t->offline_to;
}
