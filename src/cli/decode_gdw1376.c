/* `meterhub decode` for Q/GDW 1376.1 frames (fields: docs/protocols/gdw1376.md). */
#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "json_out.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376.h"
#include "meterhub/proto/item.h"

/*
 * One value of a data block: engineering value with its item and unit, or a
 * named time / text / count. Tariff registers say their tariff, curve points
 * their index, and every value its data time (freeze date, point time or
 * read time) when the block carries one.
 */
static json_t *value_json(const struct gdw1376_dv *dv)
{
    const struct gdw1376_field *fd = dv->field;
    const struct gdw1376_value *v = &dv->v;
    json_t *o;
    if (dv->item && v->kind != GDW1376_V_TIME && v->kind != GDW1376_V_TEXT) {
        o = jout_reading(dv->item, v->num, v->kind == GDW1376_V_NUM);
        json_object_set_new(o, "field", json_string(fd->name));
    } else {
        o = json_object();
        json_object_set_new(o, "name", json_string(fd->name));
        if (dv->item)
            json_object_set_new(o, "item", jout_item_code(dv->item));
        if (v->kind == GDW1376_V_TIME)
            json_object_set_new(o, "time", jout_tm(&v->time));
        else if (v->kind == GDW1376_V_TEXT)
            json_object_set_new(o, "text", json_string(v->text));
        else
            json_object_set_new(o, "value", v->kind == GDW1376_V_NUM ? jout_dec(v->num) : json_null());
    }
    if (dv->rep == GDW1376_REP_TARIFFS)
        json_object_set_new(o, "tariff", json_integer(dv->index));
    else if (dv->rep != GDW1376_REP_ONCE)
        json_object_set_new(o, dv->rep == GDW1376_REP_HARM ? "order" : "index", json_integer(dv->index));
    if (dv->when.has)
        json_object_set_new(o, "data_time", jout_tm(&dv->when));
    return o;
}

/* Values of one block under its Fn definition (size already checked). */
static json_t *fn_values(const struct gdw1376_fn_def *d, const uint8_t *p, size_t n, json_t *u)
{
    json_t *arr = json_array();
    struct gdw1376_walk w;
    struct gdw1376_dv dv;
    int rc;
    gdw1376_walk_init(&w, d, p, n);
    while ((rc = gdw1376_walk_next(&w, &dv)) == 1) {
        switch (dv.field->role) {
        case GDW1376_R_TARIFFS:
            json_object_set_new(u, "tariffs", json_integer(dv.v.num.m));
            break;
        case GDW1376_R_DENSITY:
            json_object_set_new(u, "density", json_integer(dv.v.num.m));
            json_object_set_new(u, "interval_min", json_integer(gdw1376_density_minutes((unsigned)dv.v.num.m)));
            break;
        case GDW1376_R_POINTS:
        case GDW1376_R_COUNT:
            json_object_set_new(u, dv.field->role == GDW1376_R_POINTS ? "points" : "count", json_integer(dv.v.num.m));
            break;
        case GDW1376_R_FREEZE:
        case GDW1376_R_READ_TIME:
        case GDW1376_R_CURVE_START: {
            static const char *const key[] = {[GDW1376_R_FREEZE] = "freeze_time", [GDW1376_R_READ_TIME] = "read_time",
                                              [GDW1376_R_CURVE_START] = "start"};
            json_object_set_new(u, key[dv.field->role], dv.v.kind == GDW1376_V_TIME ? jout_tm(&dv.v.time) : json_null());
            break;
        }
        default:
            json_array_append_new(arr, value_json(&dv));
            break;
        }
    }
    if (rc < 0)
        jout_error(u, rc, NULL);
    return arr;
}

/* The size of a unit's data (per pn and fn) in this direction; -1 when unknown. */
static long unit_size(uint8_t afn, uint16_t fn, int uplink, const uint8_t *p, size_t n)
{
    size_t s;
    switch (afn) {
    case GDW1376_AFN_CONFIRM:
        return fn == 3 ? (long)n : 0; /* F3: AFN + n x {DA DT ERR} to the end */
    case GDW1376_AFN_RESET:
    case GDW1376_AFN_LINK:
        return 0;
    case GDW1376_AFN_CONTROL:
        if (uplink)
            return -1;
        if (fn == 31)
            return 6;
        if (fn == 32)
            return n >= 2 ? 2 + p[1] : -1;
        if (fn == 1 || fn == 25 || fn == 49 || fn == 50 || fn == 51 || fn == 53)
            return 1;
        return 0;
    case GDW1376_AFN_CLASS1:
    case GDW1376_AFN_CLASS2:
        if (!uplink) {
            const struct gdw1376_fn_def *d = gdw1376_fn_lookup(afn, fn);
            if (afn == GDW1376_AFN_CLASS1)
                return 0;
            if (!d)
                return -1;
            return (long)gdw1376_fn_request_size(d);
        }
        /* fall through */
    case GDW1376_AFN_CONFIG: {
        if (!uplink)
            return 0; /* AFN09 requests carry no data */
        const struct gdw1376_fn_def *d = gdw1376_fn_lookup(afn, fn);
        if (!d || gdw1376_fn_data_size(d, p, n, &s) != 0)
            return -1;
        return (long)s;
    }
    case GDW1376_AFN_CLASS3:
        return uplink ? (long)n : 2; /* uplink: EC1 EC2 Pm Pn records to the end; downlink: Pm Pn */
    case GDW1376_AFN_FORWARD:
        if (fn != 1)
            return -1;
        if (uplink)
            return n >= 3 ? 3 + (p[1] | p[2] << 8) : -1;
        return n >= 6 ? 6 + (p[4] | p[5] << 8) : -1;
    default:
        return -1;
    }
}

/* AFN0E records: {ERC Le data} with names for the common ones. */
static json_t *events_json(const uint8_t *p, size_t n)
{
    static const char *const erc_names[] = {
        [1] = "initialisation / version change", [2] = "parameter loss", [3] = "parameter change",
        [4] = "status change", [5] = "remote trip", [6] = "power-control trip", [7] = "energy-control trip",
        [8] = "meter parameter change", [9] = "current loop abnormal", [10] = "voltage loop abnormal",
        [11] = "phase sequence abnormal", [12] = "meter time beyond", [13] = "meter fault",
        [14] = "terminal power off/on", [17] = "unbalance", [20] = "message authentication error",
        [21] = "terminal fault", [24] = "voltage out of limit", [25] = "current out of limit",
        [26] = "apparent power out of limit", [27] = "energy decreased", [28] = "energy exceeded",
        [29] = "meter running fast", [30] = "meter stopped", [31] = "RS-485 reading failure",
        [32] = "traffic out of limit", [33] = "meter status word change", [35] = "unknown meter found",
        [37] = "meter cover opened", [41] = "clock set"};
    json_t *o = json_object();
    if (n < 4)
        return o;
    json_object_set_new(o, "ec1", json_integer(p[0]));
    json_object_set_new(o, "ec2", json_integer(p[1]));
    json_object_set_new(o, "pm", json_integer(p[2]));
    json_object_set_new(o, "pn", json_integer(p[3]));
    json_t *recs = json_array();
    size_t k = 4;
    while (k + 2 <= n) {
        uint8_t erc = p[k], le = p[k + 1];
        if (k + 2 + le > n)
            break;
        const uint8_t *d = p + k + 2;
        json_t *r = json_object();
        json_object_set_new(r, "erc", json_integer(erc));
        const char *name = erc < sizeof erc_names / sizeof erc_names[0] ? erc_names[erc] : NULL;
        json_object_set_new(r, "name", json_string(name ? name : "event"));
        struct gdw1376_value t;
        if (le >= 5 && gdw1376_fmt_decode(GDW1376_A15, d, le, &t) == 0 && t.kind == GDW1376_V_TIME)
            json_object_set_new(r, "time", jout_tm(&t.time));
        if (erc == 1 && le >= 14) {
            char old_ver[5], new_ver[5];
            memcpy(old_ver, d + 6, 4);
            memcpy(new_ver, d + 10, 4);
            old_ver[4] = new_ver[4] = '\0';
            json_object_set_new(r, "flags", jout_hexnum(d[5], 2));
            json_object_set_new(r, "old_version", json_string(old_ver));
            json_object_set_new(r, "new_version", json_string(new_ver));
        }
        json_object_set_new(r, "data", jout_hex(d, le, ' '));
        json_array_append_new(recs, r);
        k += 2 + (size_t)le;
    }
    json_object_set_new(o, "records", recs);
    if (k < n)
        json_object_set_new(o, "trailing", jout_hex(p + k, n - k, ' '));
    return o;
}

static void unit_payload(json_t *u, uint8_t afn, uint16_t fn, int uplink, const uint8_t *p, size_t n)
{
    if (n == 0)
        return;
    const struct gdw1376_fn_def *d = gdw1376_fn_lookup(afn, fn);
    if (afn == GDW1376_AFN_CONFIRM && fn == 3) {
        json_object_set_new(u, "acked_afn", jout_hexnum(p[0], 2));
        json_t *items = json_array();
        for (size_t k = 1; k + 5 <= n; k += 5) {
            uint16_t pn[8], f[8];
            json_t *it = json_object();
            if (gdw1376_da_decode(p[k], p[k + 1], pn) > 0)
                json_object_set_new(it, "pn", json_integer(pn[0]));
            if (gdw1376_dt_decode(p[k + 2], p[k + 3], f) > 0)
                json_object_set_new(it, "fn", json_integer(f[0]));
            json_object_set_new(it, "ok", json_boolean(p[k + 4] == 0));
            json_array_append_new(items, it);
        }
        json_object_set_new(u, "items", items);
    } else if (afn == GDW1376_AFN_CLASS3 && uplink) {
        json_object_set_new(u, "events", events_json(p, n));
    } else if (afn == GDW1376_AFN_FORWARD) {
        size_t off = uplink ? 3 : 6;
        json_object_set_new(u, "port", json_integer(p[0]));
        if (!uplink) {
            json_object_set_new(u, "control_word", jout_hexnum(p[1], 2));
            json_object_set_new(u, "frame_timeout", json_integer(p[2] & 0x7F));
            json_object_set_new(u, "frame_timeout_unit", json_string(p[2] & 0x80 ? "s" : "10ms"));
            json_object_set_new(u, "byte_timeout_10ms", json_integer(p[3]));
        }
        json_object_set_new(u, "forwarded_hex", jout_hex(p + off, n - off, ' '));
        /* The forwarded bytes are usually a DL/T 645 frame: decode it through its adapter. */
        struct mh_frame_span sp;
        if (n > off && decode_proto_dlt645.scan(p + off, n - off, &sp) == 1)
            json_object_set_new(u, "forwarded", decode_proto_dlt645.frame_json(p + off + sp.off, sp.len, 0, NULL));
    } else if (afn == GDW1376_AFN_CONTROL && fn == 31 && n == 6) {
        struct gdw1376_value t;
        gdw1376_fmt_decode(GDW1376_A1, p, 6, &t);
        json_object_set_new(u, "time", t.kind == GDW1376_V_TIME ? jout_tm(&t.time) : json_null());
        if (t.time.has & MH_TM_WDAY)
            json_object_set_new(u, "weekday", json_integer(t.time.wday));
    } else if (afn == GDW1376_AFN_CONTROL && fn == 32 && n >= 2) {
        json_object_set_new(u, "message_number", json_integer(p[0]));
        json_object_set_new(u, "message_hex", jout_hex(p + 2, n - 2, ' '));
    } else if (afn == GDW1376_AFN_CONTROL && n == 1) {
        json_object_set_new(u, "port", json_integer(p[0]));
    } else if (!uplink && afn == GDW1376_AFN_CLASS2 && d) {
        struct gdw1376_value t;
        gdw1376_fmt_decode((enum gdw1376_fmt)(d->request_label ? d->request_label : GDW1376_A15), p, n, &t);
        json_object_set_new(u, "label", t.kind == GDW1376_V_TIME ? jout_tm(&t.time) : jout_hex(p, n, ' '));
        if (d->request_label == GDW1376_A15 && n >= 7) {
            json_object_set_new(u, "density", json_integer(p[5]));
            json_object_set_new(u, "interval_min", json_integer(gdw1376_density_minutes(p[5])));
            json_object_set_new(u, "points", json_integer(p[6]));
        }
    } else if (uplink && d) {
        json_object_set_new(u, "name", json_string(d->name));
        json_object_set_new(u, "values", fn_values(d, p, n, u));
    } else {
        json_object_set_new(u, "data", jout_hex(p, n, ' '));
    }
}

/* Walk the data units; returns 1 when they filled the area exactly. */
static int walk_units(const struct gdw1376_frame *f, json_t *units, json_t *obj)
{
    const uint8_t *p = f->units;
    size_t n = f->units_len, k = 0;
    int uplink = (f->c & GDW1376_C_DIR) != 0;
    while (k + 4 <= n) {
        uint16_t pn[8], fn[8];
        int np = gdw1376_da_decode(p[k], p[k + 1], pn), nf = gdw1376_dt_decode(p[k + 2], p[k + 3], fn);
        if (np <= 0 || nf <= 0)
            break;
        k += 4;
        int stop = 0;
        for (int a = 0; a < np && !stop; a++)
            for (int b = 0; b < nf && !stop; b++) {
                json_t *u = json_object();
                json_object_set_new(u, "pn", json_integer(pn[a] == 0xFFFF ? -1 : pn[a]));
                json_object_set_new(u, "fn", json_integer(fn[b]));
                long sz = unit_size(f->afn, fn[b], uplink, p + k, n - k);
                const struct gdw1376_fn_def *d = gdw1376_fn_lookup(f->afn, fn[b]);
                size_t dsz;
                int rc = d && uplink ? gdw1376_fn_data_size(d, p + k, n - k, &dsz) : 0;
                if (rc < 0) {
                    /* A known layout whose counts ask for more than the frame holds. */
                    json_object_set_new(u, "name", json_string(d->name));
                    json_object_set_new(u, "data", jout_hex(p + k, n - k, ' '));
                    jout_error(u, rc, rc == MH_ETRUNC ? "the block is shorter than its own counts say"
                                                      : "a count the standard does not allow");
                    jout_error(obj, rc, "a data unit does not fit its Fn layout");
                    json_array_append_new(units, u);
                    return 0;
                }
                if (sz < 0 || (size_t)sz > n - k) {
                    json_object_set_new(u, "data", jout_hex(p + k, n - k, ' '));
                    json_object_set_new(u, "unknown_layout", json_true());
                    k = n;
                    stop = 1;
                } else {
                    unit_payload(u, f->afn, fn[b], uplink, p + k, (size_t)sz);
                    k += (size_t)sz;
                }
                json_array_append_new(units, u);
            }
        if (stop)
            return 1;
    }
    if (k < n) {
        json_object_set_new(obj, "trailing", jout_hex(p + k, n - k, ' '));
        return 0;
    }
    return 1;
}

static json_t *frame_json(const uint8_t *frame, size_t len, int scan_err, const struct decode_opts *opts)
{
    (void)opts;
    json_t *o = json_object();
    json_object_set_new(o, "proto", json_string("gdw1376"));
    if (scan_err) {
        json_object_set_new(o, "valid", json_false());
        char reason[96] = "";
        if (len >= 6) {
            size_t user = (size_t)((frame[1] | frame[2] << 8) >> 2);
            if (len >= user + 8 && scan_err == MH_EBADCS) {
                uint8_t sum = 0;
                for (size_t k = 0; k < user; k++)
                    sum = (uint8_t)(sum + frame[6 + k]);
                snprintf(reason, sizeof reason, "bad checksum: frame has %02X, user data sums to %02X", frame[6 + user], sum);
            }
        }
        jout_error(o, scan_err, reason[0] ? reason : NULL);
        return o;
    }
    /* Downlink frames with a password: 16 bytes by the standard, 2 in Q/GDW 130 profiles. */
    static const unsigned pw_try[] = {16, 2, 0};
    struct gdw1376_frame f;
    json_t *units = NULL, *best_units = NULL;
    int rc = MH_EPROTO;
    struct gdw1376_frame best;
    int have = 0;
    for (unsigned t = 0; t < 3; t++) {
        if (gdw1376_frame_parse(frame, len, pw_try[t], &f) != 0)
            continue;
        units = json_array();
        json_t *scratch = json_object();
        int exact = walk_units(&f, units, scratch);
        json_decref(scratch);
        if (!have || exact) {
            json_decref(best_units);
            best_units = units;
            best = f;
            have = 1;
            rc = 0;
            if (exact)
                break;
        } else {
            json_decref(units);
        }
        if (!((f.c & GDW1376_C_DIR) == 0 && gdw1376_afn_has_pw(f.afn)))
            break; /* no password to guess */
    }
    if (rc != 0) {
        json_object_set_new(o, "valid", json_false());
        jout_error(o, gdw1376_frame_parse(frame, len, 16, &f), NULL);
        return o;
    }
    json_decref(best_units);
    f = best;
    json_object_set_new(o, "valid", json_true());
    json_object_set_new(o, "protocol_id", json_integer(f.proto_id));
    if (f.proto_id == GDW1376_PROTO_130)
        json_object_set_new(o, "protocol", json_string("Q/GDW 130-2005"));
    json_object_set_new(o, "a1", jout_hexnum(f.a1, 4));
    json_object_set_new(o, "a2", json_integer(f.a2));
    json_object_set_new(o, "a2_hex", jout_hexnum(f.a2, 4));
    json_object_set_new(o, "a3", jout_hexnum(f.a3, 2));
    json_object_set_new(o, "msa", json_integer(f.a3 >> 1));
    json_object_set_new(o, "group", json_boolean(f.a3 & 1));
    json_object_set_new(o, "control", jout_hexnum(f.c, 2));
    int uplink = (f.c & GDW1376_C_DIR) != 0;
    json_object_set_new(o, "dir", json_string(uplink ? "terminal->master" : "master->terminal"));
    json_object_set_new(o, "prm", json_integer((f.c >> 6) & 1));
    if (uplink)
        json_object_set_new(o, "acd", json_integer((f.c >> 5) & 1));
    else {
        json_object_set_new(o, "fcb", json_integer((f.c >> 5) & 1));
        json_object_set_new(o, "fcv", json_integer((f.c >> 4) & 1));
    }
    json_object_set_new(o, "func", json_integer(f.c & GDW1376_C_FUNC));
    json_object_set_new(o, "afn", jout_hexnum(f.afn, 2));
    json_object_set_new(o, "afn_name", json_string(gdw1376_afn_name(f.afn)));
    json_object_set_new(o, "seq", jout_hexnum(f.seq, 2));
    json_object_set_new(o, "tpv", json_integer(f.seq >> 7));
    json_object_set_new(o, "fir", json_integer((f.seq >> 6) & 1));
    json_object_set_new(o, "fin", json_integer((f.seq >> 5) & 1));
    json_object_set_new(o, "con", json_integer((f.seq >> 4) & 1));
    json_object_set_new(o, uplink ? "rseq" : "pseq", json_integer(f.seq & 15));
    json_t *list = json_array();
    walk_units(&f, list, o);
    json_object_set_new(o, "units", list);
    if (f.pw)
        json_object_set_new(o, "pw", jout_hex(f.pw, f.pw_len, ' '));
    if (f.has_ec) {
        json_object_set_new(o, "ec1", json_integer(f.ec1));
        json_object_set_new(o, "ec2", json_integer(f.ec2));
    }
    if (f.has_tp) {
        json_t *tp = json_object();
        json_object_set_new(tp, "pfc", json_integer(f.tp.pfc));
        json_object_set_new(tp, "send_time", jout_tm(&f.tp.send));
        json_object_set_new(tp, "delay_min", json_integer(f.tp.delay_min));
        json_object_set_new(o, "tp", tp);
    }
    return o;
}

const struct decode_proto decode_proto_gdw1376 = {"gdw1376", gdw1376_frame_scan, frame_json, NULL};
