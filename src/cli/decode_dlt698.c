/* `meterhub decode` for DL/T 698.45 frames and bare APDUs (fields: docs/protocols/dlt698.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "json_out.h"
#include "meterhub/base/err.h"
#include "meterhub/base/rd.h"
#include "meterhub/proto/dlt698.h"
#include "meterhub/proto/dlt698_data.h"
#include "meterhub/proto/item.h"

/*
 * Where a value sits: the OAD it answers, or for a ROAD record column the
 * ROAD's node (its children are the OADs of the value's elements).
 */
struct ctx {
    uint32_t oad;
    const struct dlt698_node *road;
};

/* The value being printed (the command line prints one value at a time) and its readings. */
static struct dlt698_node nodes[DLT698_MAX_NODES];
static struct dlt698_reading readings[DLT698_MAX_NODES];
static int32_t reading_of[DLT698_MAX_NODES]; /* node -> index in readings, -1 none */

static json_t *oad_json(uint32_t oad)
{
    return jout_hexnum(oad, 8);
}

static struct ctx ctx_of(uint32_t oad)
{
    struct ctx c = {oad, NULL};
    return c;
}

static int is_integer(uint8_t type)
{
    struct dlt698_node n = {.type = type};
    struct mh_dec d;
    return type != DLT698_ENUM && dlt698_node_dec(&n, 0, &d) == 0;
}

/* Map the decoded value (used nodes) through the dictionary: reading_of[] for node_json. */
static void map_readings(const struct ctx *c, size_t used)
{
    for (size_t k = 0; k < used; k++)
        reading_of[k] = -1;
    if (!c)
        return;
    size_t got = 0;
    if (c->road) {
        /* a ROAD column: element k of the value answers the ROAD's k-th OAD */
        size_t j = 1;
        for (uint32_t k = 0; k < nodes[0].count && k < c->road->count && j < used; k++) {
            int r = dlt698_readings((uint32_t)c->road[1 + k].v.u, nodes, used, j, readings + got,
                                    DLT698_MAX_NODES - got);
            got += r > 0 ? (size_t)r : 0;
            j = nodes[j].next;
        }
    } else {
        int r = dlt698_readings(c->oad, nodes, used, 0, readings, DLT698_MAX_NODES);
        got = r > 0 ? (size_t)r : 0;
    }
    for (size_t k = 0; k < got; k++)
        reading_of[readings[k].node] = (int32_t)k;
}

/* An integer: raw, or with its object's scaler, unit and item when mapped. */
static json_t *number_json(size_t i)
{
    const struct dlt698_node *n = &nodes[i];
    const struct dlt698_reading *rd = reading_of[i] >= 0 ? &readings[reading_of[i]] : NULL;
    struct mh_dec raw;
    int rc = dlt698_node_dec(n, 0, &raw);
    json_t *o;
    if (rd && rd->numeric) {
        if (rd->item) {
            o = jout_reading(rd->item, rd->value, 1);
        } else {
            o = json_object();
            json_object_set_new(o, "value", jout_dec(rd->value));
            json_object_set_new(o, "unit", json_string(rd->def->unit));
        }
        json_object_set_new(o, "object", json_string(rd->def->name));
        json_object_set_new(o, "device_value", jout_dec(rd->device));
        json_object_set_new(o, "device_unit", json_string(rd->def->unit));
        json_object_set_new(o, "raw", jout_dec(raw));
    } else {
        o = json_object();
        json_object_set_new(o, "value", rc == 0 ? jout_dec(raw) : json_integer((json_int_t)n->v.u));
    }
    json_object_set_new(o, "type", json_string(dlt698_type_name(n->type)));
    return o;
}

static json_t *node_json(size_t i);

static json_t *children_json(size_t i)
{
    json_t *items = json_array();
    size_t j = i + 1;
    for (uint32_t k = 0; k < nodes[i].count && j < nodes[i].next; k++) {
        json_array_append_new(items, node_json(j));
        j = nodes[j].next;
    }
    return items;
}

/*
 * A TSA as its address, printed like the frame's SA. The TSA carries the
 * address most significant byte first already (dlt698_put_tsa), where the
 * frame's SA is low byte first: the bytes print in order.
 */
static json_t *tsa_json(json_t *o, const struct dlt698_node *n)
{
    json_object_set_new(o, "hex", jout_hex(n->bytes, n->count, ' '));
    if (n->count >= 2 && (size_t)(n->bytes[0] & 0x0F) + 2 == n->count) {
        char addr[40];
        size_t k = 0;
        for (size_t b = 1; b < n->count && k + 2 < sizeof addr; b++, k += 2)
            snprintf(addr + k, sizeof addr - k, "%02X", n->bytes[b]);
        json_object_set_new(o, "address", json_string(addr));
    }
    return o;
}

static json_t *node_json(size_t i)
{
    const struct dlt698_node *n = &nodes[i];
    if (is_integer(n->type))
        return number_json(i);
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string(dlt698_type_name(n->type)));
    if (reading_of[i] >= 0 && readings[reading_of[i]].item) /* times, addresses, status words */
        json_object_set_new(o, "item", jout_item_code(readings[reading_of[i]].item));
    switch (n->type) {
    case DLT698_NULL:
        json_object_set_new(o, "value", json_null());
        break;
    case DLT698_ARRAY:
    case DLT698_STRUCT:
        json_object_set_new(o, "items", children_json(i));
        break;
    case DLT698_BOOL:
        json_object_set_new(o, "value", json_boolean(n->v.u));
        break;
    case DLT698_ENUM:
        json_object_set_new(o, "value", json_integer((json_int_t)n->v.u));
        break;
    case DLT698_FLOAT32:
    case DLT698_FLOAT64:
        json_object_set_new(o, "value", json_real(n->v.f));
        break;
    case DLT698_DATETIME:
    case DLT698_DATE:
    case DLT698_TIME:
    case DLT698_DATETIME_S:
        json_object_set_new(o, "time", jout_tm(&n->v.time));
        break;
    case DLT698_OI:
        json_object_set_new(o, "value", jout_hexnum((unsigned long)n->v.u, 4));
        break;
    case DLT698_OAD:
    case DLT698_OMD: {
        const struct dlt698_oi_def *od = dlt698_oi_lookup((uint16_t)(n->v.u >> 16), (uint8_t)(n->v.u >> 8));
        json_object_set_new(o, n->type == DLT698_OAD ? "oad" : "omd", oad_json((uint32_t)n->v.u));
        if (od && n->type == DLT698_OAD)
            json_object_set_new(o, "object", json_string(od->name));
        break;
    }
    case DLT698_ROAD:
        json_object_set_new(o, "oad", oad_json((uint32_t)n->v.u));
        json_object_set_new(o, "columns", children_json(i));
        break;
    case DLT698_TI:
        json_object_set_new(o, "unit", json_integer(n->choice));
        json_object_set_new(o, "value", json_integer((json_int_t)n->v.u));
        break;
    case DLT698_SCALER_UNIT:
        json_object_set_new(o, "scaler", json_integer(n->scaler));
        json_object_set_new(o, "unit", json_integer(n->choice));
        break;
    case DLT698_REGION:
    case DLT698_RSD:
    case DLT698_CSD:
    case DLT698_MS:
    case DLT698_RCSD:
        json_object_set_new(o, n->type == DLT698_RSD ? "selector" : n->type == DLT698_REGION ? "unit" : "choice",
                            json_integer(n->choice));
        json_object_set_new(o, "items", children_json(i));
        break;
    case DLT698_VISIBLE:
    case DLT698_UTF8: {
        json_t *js = json_stringn((const char *)n->bytes, n->count);
        json_object_set_new(o, "value", js ? js : jout_hex(n->bytes, n->count, ' '));
        break;
    }
    case DLT698_BITSTRING:
        json_object_set_new(o, "bits", json_integer(n->count));
        json_object_set_new(o, "hex", jout_hex(n->bytes, (n->count + 7u) / 8u, ' '));
        break;
    case DLT698_TSA:
        tsa_json(o, n);
        break;
    case DLT698_SID:
    case DLT698_SID_MAC: {
        const struct dlt698_node *sid = n->type == DLT698_SID ? n : n + 1;
        json_object_set_new(o, "sid", oad_json((uint32_t)sid->v.u));
        json_object_set_new(o, "data", jout_hex(sid->bytes, sid->count, ' '));
        if (n->type == DLT698_SID_MAC)
            json_object_set_new(o, "mac", jout_hex(n->bytes, n->count, ' '));
        break;
    }
    default: /* octet-string, MAC, RN, COMDCB */
        json_object_set_new(o, "hex", jout_hex(n->bytes, n->count, ' '));
        break;
    }
    return o;
}

/* One tagged Data from r, printed with its context; NULL (error in r) when it does not decode. */
static json_t *data_json(struct mh_rd *r, const struct ctx *c, int depth)
{
    (void)depth;
    int used = dlt698_data_decode(r, nodes, DLT698_MAX_NODES);
    if (used < 0)
        return NULL;
    map_readings(c, (size_t)used);
    return node_json(0);
}

/* Column contexts of an RCSD (CSD OAD, or ROAD: its node, whose children are the OADs). */
struct columns {
    struct dlt698_node nodes[256];
    struct ctx ctx[64];
    uint32_t n;
};

static void columns_read(struct mh_rd *r, struct columns *cols)
{
    cols->n = 0;
    int used = dlt698_value_decode(r, DLT698_RCSD, cols->nodes, sizeof cols->nodes / sizeof cols->nodes[0]);
    if (used < 0)
        return;
    cols->n = cols->nodes[0].count;
    size_t j = 1;
    for (uint32_t k = 0; k < cols->n; k++) {
        const struct dlt698_node *v = &cols->nodes[j + 1]; /* CSD's child: OAD or ROAD */
        if (k < 64) {
            cols->ctx[k] = ctx_of((uint32_t)v->v.u);
            if (v->type == DLT698_ROAD)
                cols->ctx[k].road = v;
        }
        j = cols->nodes[j].next;
    }
}

/* A-ResultNormal: OAD, Get-Result CHOICE {0 DAR, 1 Data}. */
static json_t *result_normal(struct mh_rd *r)
{
    json_t *o = json_object();
    uint32_t oad = mh_rd_u32be(r);
    json_object_set_new(o, "oad", oad_json(oad));
    uint8_t choice = mh_rd_u8(r);
    if (choice == 0) {
        uint8_t dar = mh_rd_u8(r);
        json_object_set_new(o, "dar", json_integer(dar));
        json_object_set_new(o, "dar_name", json_string(dlt698_dar_name(dar)));
    } else if (choice == 1) {
        struct ctx c = ctx_of(oad);
        json_t *d = data_json(r, &c, 0);
        if (d)
            json_object_set_new(o, "data", d);
    } else {
        mh_rd_fail(r, MH_EPROTO);
    }
    return o;
}

/* A-ResultRecord: OAD, RCSD, CHOICE {0 DAR, 1 n rows of one Data per column}. */
static json_t *result_record(struct mh_rd *r)
{
    static struct columns cols;
    json_t *o = json_object();
    json_object_set_new(o, "oad", oad_json(mh_rd_u32be(r)));
    columns_read(r, &cols);
    json_object_set_new(o, "columns", json_integer(cols.n));
    json_t *names = json_array();
    for (uint32_t j = 0; j < cols.n && j < 64; j++)
        json_array_append_new(names, oad_json(cols.ctx[j].oad));
    json_object_set_new(o, "column_oads", names);
    uint8_t choice = mh_rd_u8(r);
    if (choice == 0) {
        uint8_t dar = mh_rd_u8(r);
        json_object_set_new(o, "dar", json_integer(dar));
        json_object_set_new(o, "dar_name", json_string(dlt698_dar_name(dar)));
    } else if (choice == 1) {
        size_t n = dlt698_len_read(r);
        json_t *rows = json_array();
        for (size_t k = 0; k < n && mh_rd_err(r) == 0; k++) {
            json_t *row = json_array();
            for (uint32_t j = 0; j < cols.n && mh_rd_err(r) == 0; j++) {
                json_t *d = data_json(r, j < 64 ? &cols.ctx[j] : NULL, 0);
                if (d)
                    json_array_append_new(row, d);
            }
            json_array_append_new(rows, row);
        }
        json_object_set_new(o, "rows", rows);
    } else {
        mh_rd_fail(r, MH_EPROTO);
    }
    return o;
}

static void add_dar(json_t *o, uint8_t dar)
{
    json_object_set_new(o, "dar", json_integer(dar));
    json_object_set_new(o, "dar_name", json_string(dlt698_dar_name(dar)));
}

static json_t *apdu_decode(const uint8_t *p, size_t n, int depth);

static void decode_body(struct mh_rd *r, json_t *o, uint8_t tag, int depth)
{
    uint8_t choice = 0;
    if (tag == 0x01) { /* LINK-Request */
        json_object_set_new(o, "piid_acd", jout_hexnum(mh_rd_u8(r), 2));
        uint8_t type = mh_rd_u8(r);
        static const char *const types[] = {"login", "heartbeat", "logout"};
        json_object_set_new(o, "link_type", json_string(type < 3 ? types[type] : "unknown"));
        json_object_set_new(o, "heartbeat_s", json_integer(mh_rd_u16be(r)));
        struct dlt698_token t;
        struct mh_rd tr = *r;
        (void)tr;
        uint8_t dt[11] = {DLT698_DATETIME};
        const uint8_t *b = mh_rd_bytes(r, 10);
        if (b) {
            memcpy(dt + 1, b, 10);
            struct mh_rd one;
            mh_rd_init(&one, dt, sizeof dt);
            if (dlt698_token_read(&one, &t) == 0)
                json_object_set_new(o, "request_time", jout_tm(&t.time));
        }
        return;
    }
    if (tag == 0x81) { /* LINK-Response */
        json_object_set_new(o, "piid", jout_hexnum(mh_rd_u8(r), 2));
        uint8_t res = mh_rd_u8(r);
        json_object_set_new(o, "clock_trusted", json_boolean(res & 0x80));
        json_object_set_new(o, "result", json_integer(res & 7));
        return;
    }
    if (tag == 0x10 || tag == 0x90) { /* SECURITY: plaintext or ciphertext, then verification */
        uint8_t kind = mh_rd_u8(r);
        size_t len = dlt698_len_read(r);
        const uint8_t *inner = mh_rd_bytes(r, len);
        json_object_set_new(o, "security", json_string(kind == 0 ? "plaintext" : kind == 1 ? "ciphertext" : "DAR"));
        if (kind == 0 && inner && depth < 2)
            json_object_set_new(o, "inner", apdu_decode(inner, len, depth + 1));
        else if (inner)
            json_object_set_new(o, "data", jout_hex(inner, len, ' '));
        if (mh_rd_left(r) > 0) {
            uint8_t opt = mh_rd_u8(r);
            if (opt == 1 && mh_rd_left(r) > 0) {
                uint8_t v = mh_rd_u8(r);
                size_t ml = dlt698_len_read(r);
                const uint8_t *mac = mh_rd_bytes(r, ml);
                json_object_set_new(o, v == 0 ? "mac" : "verification", mac ? jout_hex(mac, ml, ' ') : json_null());
            }
        }
        return;
    }
    choice = mh_rd_u8(r);
    const char *cn = dlt698_choice_name(tag, choice);
    json_object_set_new(o, "choice", cn ? json_string(cn) : json_integer(choice));
    json_object_set_new(o, tag & 0x80 ? "piid_acd" : "piid", jout_hexnum(mh_rd_u8(r), 2));
    json_t *list = NULL;
    switch (tag << 8 | choice) {
    case 0x0501: case 0x0506:
        json_object_set_new(o, "oad", oad_json(mh_rd_u32be(r)));
        break;
    case 0x0502: {
        size_t n = dlt698_len_read(r);
        list = json_array();
        for (size_t k = 0; k < n && mh_rd_err(r) == 0; k++)
            json_array_append_new(list, oad_json(mh_rd_u32be(r)));
        json_object_set_new(o, "oads", list);
        break;
    }
    case 0x0503: {
        json_object_set_new(o, "oad", oad_json(mh_rd_u32be(r)));
        size_t start = r->off;
        dlt698_rsd_skip(r);
        if (mh_rd_err(r) == 0)
            json_object_set_new(o, "rsd", jout_hex(r->p + start, r->off - start, ' '));
        uint32_t cols;
        dlt698_rcsd_read(r, &cols);
        json_object_set_new(o, "columns", json_integer(cols));
        break;
    }
    case 0x0505:
        json_object_set_new(o, "last_block", json_integer(mh_rd_u16be(r)));
        break;
    case 0x8501:
        json_object_set_new(o, "result", result_normal(r));
        break;
    case 0x8502:
    case 0x8801: {
        size_t n = dlt698_len_read(r);
        list = json_array();
        for (size_t k = 0; k < n && mh_rd_err(r) == 0; k++)
            json_array_append_new(list, result_normal(r));
        json_object_set_new(o, "results", list);
        break;
    }
    case 0x8503:
        json_object_set_new(o, "result", result_record(r));
        break;
    case 0x8802: {
        size_t n = dlt698_len_read(r);
        list = json_array();
        for (size_t k = 0; k < n && mh_rd_err(r) == 0; k++)
            json_array_append_new(list, result_record(r));
        json_object_set_new(o, "results", list);
        break;
    }
    case 0x0601: {
        uint32_t oad = mh_rd_u32be(r);
        json_object_set_new(o, "oad", oad_json(oad));
        struct ctx c = ctx_of(oad);
        json_t *d = data_json(r, &c, 0);
        if (d)
            json_object_set_new(o, "data", d);
        break;
    }
    case 0x8601:
        json_object_set_new(o, "oad", oad_json(mh_rd_u32be(r)));
        add_dar(o, mh_rd_u8(r));
        break;
    case 0x8602: {
        size_t n = dlt698_len_read(r);
        list = json_array();
        for (size_t k = 0; k < n && mh_rd_err(r) == 0; k++) {
            json_t *e = json_object();
            json_object_set_new(e, "oad", oad_json(mh_rd_u32be(r)));
            add_dar(e, mh_rd_u8(r));
            json_array_append_new(list, e);
        }
        json_object_set_new(o, "results", list);
        break;
    }
    case 0x0701: {
        json_object_set_new(o, "omd", jout_hexnum(mh_rd_u32be(r), 8));
        json_t *d = data_json(r, NULL, 0);
        if (d)
            json_object_set_new(o, "data", d);
        break;
    }
    case 0x8701: {
        json_object_set_new(o, "omd", jout_hexnum(mh_rd_u32be(r), 8));
        add_dar(o, mh_rd_u8(r));
        if (mh_rd_u8(r) == 1) {
            json_t *d = data_json(r, NULL, 0);
            if (d)
                json_object_set_new(o, "data", d);
        }
        break;
    }
    case 0x0801:
    case 0x0802: {
        size_t n = dlt698_len_read(r);
        list = json_array();
        for (size_t k = 0; k < n && mh_rd_err(r) == 0; k++)
            json_array_append_new(list, oad_json(mh_rd_u32be(r)));
        json_object_set_new(o, "oads", list);
        break;
    }
    case 0x0907: case 0x8907: {
        json_object_set_new(o, "port", oad_json(mh_rd_u32be(r)));
        const uint8_t *cmd = NULL;
        size_t len = 0;
        if (tag == 0x09) {
            const uint8_t *dcb = mh_rd_bytes(r, 5);
            if (dcb)
                json_object_set_new(o, "comdcb", jout_hex(dcb, 5, ' '));
            json_object_set_new(o, "frame_timeout_s", json_integer(mh_rd_u16be(r)));
            json_object_set_new(o, "byte_timeout_ms", json_integer(mh_rd_u16be(r)));
            len = dlt698_len_read(r);
            cmd = mh_rd_bytes(r, len);
        } else if (mh_rd_u8(r) == 1) {
            len = dlt698_len_read(r);
            cmd = mh_rd_bytes(r, len);
        } else {
            add_dar(o, mh_rd_u8(r));
        }
        if (cmd) {
            json_object_set_new(o, "forwarded_hex", jout_hex(cmd, len, ' '));
            struct mh_frame_span sp;
            if (decode_proto_dlt645.scan(cmd, len, &sp) == 1)
                json_object_set_new(o, "forwarded", decode_proto_dlt645.frame_json(cmd + sp.off, sp.len, 0, NULL));
        }
        break;
    }
    default:
        json_object_set_new(o, "body", jout_hex(r->p + r->off, mh_rd_left(r), ' '));
        mh_rd_skip(r, mh_rd_left(r));
        return;
    }
    /* FollowReport and TimeTag OPTIONAL close every service APDU. */
    if (mh_rd_err(r) == 0 && mh_rd_left(r) > 0 && (tag & 0x80)) {
        uint8_t follow = mh_rd_u8(r);
        json_object_set_new(o, "follow_report", json_boolean(follow != 0));
        if (follow)
            mh_rd_skip(r, mh_rd_left(r) > 1 ? mh_rd_left(r) - 1 : 0);
    }
    if (mh_rd_err(r) == 0 && mh_rd_left(r) > 0) {
        uint8_t tt = mh_rd_u8(r);
        json_object_set_new(o, "time_tag", json_boolean(tt != 0));
        if (tt)
            mh_rd_skip(r, 10);
    }
}

static json_t *apdu_decode(const uint8_t *p, size_t n, int depth)
{
    json_t *o = json_object();
    struct mh_rd r;
    mh_rd_init(&r, p, n);
    uint8_t tag = mh_rd_u8(&r);
    json_object_set_new(o, "apdu", json_string(dlt698_apdu_name(tag)));
    if (mh_rd_err(&r) == 0)
        decode_body(&r, o, tag, depth);
    if (mh_rd_err(&r) != 0)
        jout_error(o, mh_rd_err(&r), mh_rd_err(&r) == MH_ETRUNC ? "the APDU ends inside a field" : NULL);
    else if (mh_rd_left(&r) > 0)
        json_object_set_new(o, "trailing", jout_hex(p + r.off, mh_rd_left(&r), ' '));
    return o;
}

/* Move the APDU's fields into the frame's object (the frame prints flat). */
static void merge(json_t *dst, json_t *src)
{
    const char *k;
    json_t *v;
    json_object_foreach(src, k, v) json_object_set(dst, k, v);
    json_decref(src);
}

static json_t *frame_json(const uint8_t *frame, size_t len, int scan_err, const struct decode_opts *opts)
{
    (void)opts;
    json_t *o = json_object();
    json_object_set_new(o, "proto", json_string("dlt698"));
    if (scan_err) {
        json_object_set_new(o, "valid", json_false());
        int which = dlt698_frame_check(frame, len);
        jout_error(o, scan_err, which == 1 ? "bad HCS (header CRC)" : which == 2 ? "bad FCS (frame CRC)" : NULL);
        return o;
    }
    struct dlt698_frame f;
    int rc = dlt698_frame_parse_scanned(frame, len, &f); /* a span the scanner checked */
    if (rc != 0) {
        json_object_set_new(o, "valid", json_false());
        jout_error(o, rc, NULL);
        return o;
    }
    char sa[33];
    dlt698_sa_format(&f, sa);
    static const char *const types[] = {"single", "wildcard", "group", "broadcast"};
    json_object_set_new(o, "valid", json_true());
    json_object_set_new(o, "address", json_string(sa));
    json_object_set_new(o, "address_type", json_string(types[f.sa_type]));
    json_object_set_new(o, "logical_address", json_integer(f.logical));
    json_object_set_new(o, "ca", jout_hexnum(f.ca, 2));
    json_object_set_new(o, "control", jout_hexnum(f.c, 2));
    json_object_set_new(o, "dir", json_integer(f.c >> 7));
    json_object_set_new(o, "prm", json_integer((f.c >> 6) & 1));
    json_object_set_new(o, "fragment", json_boolean(f.c & DLT698_C_FRAG));
    json_object_set_new(o, "scrambled", json_boolean(f.c & DLT698_C_SC));
    json_object_set_new(o, "func", json_integer(f.c & DLT698_C_FUNC));
    if (f.c & DLT698_C_FRAG) {
        static const char *const ft[] = {"first", "last", "confirm", "middle"};
        json_object_set_new(o, "fragment_index", json_integer(f.frag_index));
        json_object_set_new(o, "fragment_type", json_string(ft[f.frag_type]));
        json_object_set_new(o, "fragment_data", jout_hex(f.apdu, f.apdu_len, ' '));
        return o;
    }
    uint8_t *plain = malloc(f.apdu_len ? f.apdu_len : 1);
    if (!plain)
        return o;
    for (size_t k = 0; k < f.apdu_len; k++)
        plain[k] = (uint8_t)((f.c & DLT698_C_SC) ? f.apdu[k] - 0x33 : f.apdu[k]);
    merge(o, apdu_decode(plain, f.apdu_len, 0));
    free(plain);
    return o;
}

static json_t *apdu_json(const uint8_t *apdu, size_t len, const struct decode_opts *opts)
{
    (void)opts;
    json_t *o = json_object();
    json_object_set_new(o, "proto", json_string("dlt698"));
    json_object_set_new(o, "layer", json_string("apdu"));
    merge(o, apdu_decode(apdu, len, 0));
    return o;
}

const struct decode_proto decode_proto_dlt698 = {"dlt698", dlt698_frame_scan, frame_json, apdu_json};
