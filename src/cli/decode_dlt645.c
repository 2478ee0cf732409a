/* `meterhub decode` for DL/T 645 frames (fields: docs/protocols/dlt645.md). */
#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "json_out.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/bcd.h"
#include "meterhub/proto/dlt645.h"
#include "meterhub/proto/item.h"

#define MAX_VALUES 64

/* Text fields are sent last character first (DL/T 645-2007 A.5 notes on ASCII items). */
static json_t *text_json(const uint8_t *p, size_t n)
{
    char t[256];
    size_t k = 0;
    for (size_t i = n; i-- > 0 && k + 1 < sizeof t;)
        if (p[i] != 0x00) /* meters pad with NUL */
            t[k++] = p[i] >= 0x20 && p[i] < 0x7F ? (char)p[i] : '?';
    t[k] = '\0';
    return json_string(t);
}

static json_t *value_json(const struct dlt645_value *v)
{
    json_t *o;
    switch (v->kind) {
    case DLT645_V_NUM:
    case DLT645_V_NUM_TIME:
    case DLT645_V_NODATA:
        if (v->item) {
            o = jout_reading(v->item, v->num, v->kind != DLT645_V_NODATA);
        } else {
            o = json_object();
            json_object_set_new(o, "value", v->kind == DLT645_V_NODATA ? json_null() : jout_dec(v->num));
            json_object_set_new(o, "unit", json_string(mh_unit_name((enum mh_unit)v->unit)));
        }
        if (v->kind == DLT645_V_NUM_TIME)
            json_object_set_new(o, "time", jout_tm(&v->time));
        if (v->kind == DLT645_V_NODATA) {
            json_object_set_new(o, "no_data", json_true());
            json_object_set_new(o, "data", jout_hex(v->raw, v->raw_len, ' '));
        }
        break;
    case DLT645_V_TIME:
        o = json_object();
        if (v->item)
            json_object_set_new(o, "item", jout_item_code(v->item));
        json_object_set_new(o, "time", jout_tm(&v->time));
        break;
    case DLT645_V_BITS:
        o = json_object();
        if (v->item)
            json_object_set_new(o, "item", jout_item_code(v->item));
        json_object_set_new(o, "bits", jout_hexnum(v->bits, (int)v->raw_len * 2));
        break;
    case DLT645_V_ADDRESS:
        o = json_object();
        if (v->item)
            json_object_set_new(o, "item", jout_item_code(v->item));
        json_object_set_new(o, "text", json_string(v->text));
        break;
    case DLT645_V_TEXT:
        o = json_object();
        if (v->item)
            json_object_set_new(o, "item", jout_item_code(v->item));
        json_object_set_new(o, "text", text_json(v->raw, v->raw_len));
        break;
    default:
        o = json_object();
        json_object_set_new(o, "hex", jout_hex(v->raw, v->raw_len, ' '));
        break;
    }
    if (v->name)
        json_object_set_new(o, "field", json_string(v->name));
    if (v->tariff)
        json_object_set_new(o, "tariff", json_integer(v->tariff));
    if (v->phase)
        json_object_set_new(o, "phase", json_integer(v->phase));
    if (v->settlement)
        json_object_set_new(o, "last", json_integer(v->settlement));
    return o;
}

/* DI of the data field: 4 bytes (2007) or 2 (1997), low byte first. */
static uint32_t read_di(const uint8_t *d, size_t n, enum dlt645_edition ed)
{
    if (ed == DLT645_1997)
        return n >= 2 ? (uint32_t)d[0] | (uint32_t)d[1] << 8 : 0;
    return n >= 4 ? (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24 : 0;
}

static void add_values(json_t *o, uint32_t di, enum dlt645_edition ed, const uint8_t *p, size_t n)
{
    struct dlt645_value vals[MAX_VALUES];
    int k = dlt645_values_decode(di, ed, p, n, vals, MAX_VALUES);
    if (k == MH_EUNKNOWN) {
        json_object_set_new(o, "unknown_di", json_true());
        json_object_set_new(o, "data", jout_hex(p, n, ' '));
        return;
    }
    if (k < 0) {
        jout_error(o, k, "the data length does not fit the identifier's format");
        json_object_set_new(o, "data", jout_hex(p, n, ' '));
        return;
    }
    const struct dlt645_di_def *def = dlt645_di_lookup(di, ed);
    json_object_set_new(o, "di_name", json_string(def->name));
    json_t *arr = json_array();
    for (int i = 0; i < k; i++)
        json_array_append_new(arr, value_json(&vals[i]));
    json_object_set_new(o, "values", arr);
}

/* ss mm hh DD MM YY (broadcast time, remote control deadline). */
static json_t *time6_json(json_t *o, const char *key, const uint8_t *p)
{
    struct dlt645_value v;
    dlt645_value_decode(DLT645_FMT_YYMMDDHHMMSS, 0, p, 6, &v);
    json_object_set_new(o, key, v.kind == DLT645_V_TIME ? jout_tm(&v.time) : jout_hex(p, 6, ' '));
    json_object_set_new(o, "time_valid", json_boolean(v.kind == DLT645_V_TIME));
    return o;
}

static const char *remote_cmd_name(uint8_t n1)
{
    switch (n1) {
    case DLT645_RC_TRIP: return "trip";
    case DLT645_RC_CLOSE_ALLOWED: return "close_allowed";
    case DLT645_RC_CLOSE_DIRECT: return "close_direct";
    case DLT645_RC_ALARM: return "alarm";
    case DLT645_RC_ALARM_RELEASE: return "alarm_release";
    case DLT645_RC_KEEP_POWER: return "keep_power";
    case DLT645_RC_KEEP_POWER_RELEASE: return "keep_power_release";
    default: return "unknown";
    }
}

/* Password level + password + operator code: PA P0 P1 P2 C0..C3. */
static void add_auth(json_t *o, const uint8_t *p)
{
    json_object_set_new(o, "password_level", jout_hexnum(p[0], 2));
    uint8_t op[4] = {p[7], p[6], p[5], p[4]};
    json_object_set_new(o, "operator", jout_hex(op, 4, 0));
}

static int baud_of(uint8_t z)
{
    static const int rates[8] = {0, 600, 1200, 2400, 4800, 9600, 19200, 0};
    for (int b = 1; b <= 6; b++)
        if (z == (1u << b))
            return rates[b];
    return 0;
}

static void add_payload(json_t *o, const struct dlt645_frame *f, const uint8_t *d)
{
    enum dlt645_edition ed = dlt645_edition_of(f->ctrl);
    int resp = (f->ctrl & DLT645_CTRL_DIR) != 0;
    uint8_t func = f->ctrl & DLT645_CTRL_FUNC;
    size_t n = f->len, dil = ed == DLT645_1997 ? 2 : 4;
    if (resp && (f->ctrl & DLT645_CTRL_ABNORMAL)) {
        if (n >= 1) {
            json_object_set_new(o, "error_code", jout_hexnum(d[0], 2));
            json_t *bits = json_array();
            for (unsigned b = 0; b < 8; b++)
                if (d[0] & (1u << b))
                    json_array_append_new(bits, json_string(dlt645_err_bit_name(b, ed)));
            json_object_set_new(o, "error_bits", bits);
        }
        return;
    }
    int is_read = ed == DLT645_1997 ? (func == DLT645_97_READ || func == DLT645_97_READ_FOLLOW || func == DLT645_97_REREAD)
                                    : (func == DLT645_READ || func == DLT645_READ_FOLLOW);
    int is_write = ed == DLT645_1997 ? func == DLT645_97_WRITE : func == DLT645_WRITE;
    if ((is_read || is_write) && n >= dil) {
        uint32_t di = read_di(d, n, ed);
        json_object_set_new(o, "di", jout_hexnum(di, (int)dil * 2));
        const uint8_t *rest = d + dil;
        size_t rn = n - dil;
        if (is_read && resp) {
            if (func == DLT645_READ_FOLLOW && ed == DLT645_2007 && rn >= 1) {
                json_object_set_new(o, "seq", json_integer(rest[rn - 1]));
                rn--;
            }
            add_values(o, di, ed, rest, rn);
        } else if (is_read) {
            if (func == DLT645_READ_FOLLOW && rn >= 1)
                json_object_set_new(o, "seq", json_integer(rest[0]));
            else if (rn >= 1) {
                json_object_set_new(o, "blocks", json_integer(mh_bcd_byte_value(rest[0])));
                if (rn >= 6) {
                    struct dlt645_value v;
                    dlt645_value_decode(DLT645_FMT_YYMMDDHHMM, 0, rest + 1, 5, &v);
                    json_object_set_new(o, "start", v.kind == DLT645_V_TIME ? jout_tm(&v.time) : jout_hex(rest + 1, 5, ' '));
                }
            }
        } else if (!resp && rn >= (ed == DLT645_1997 ? 4u : 8u)) {
            if (ed == DLT645_2007) {
                add_auth(o, rest);
                add_values(o, di, ed, rest + 8, rn - 8);
            } else {
                json_object_set_new(o, "password_level", jout_hexnum(rest[0], 2));
                add_values(o, di, ed, rest + 4, rn - 4);
            }
        }
        return;
    }
    if (func == DLT645_BROADCAST_TIME && n == 6) {
        time6_json(o, "time", d);
    } else if (func == DLT645_READ_ADDRESS && resp && n == 6) {
        char a[13];
        dlt645_addr_format(d, a);
        json_object_set_new(o, "meter_address", json_string(a));
    } else if ((func == DLT645_WRITE_ADDRESS || func == DLT645_97_WRITE_ADDRESS) && n == 6) {
        char a[13];
        dlt645_addr_format(d, a);
        json_object_set_new(o, "new_address", json_string(a));
    } else if ((func == DLT645_CHANGE_BAUD || func == DLT645_97_CHANGE_BAUD) && n == 1) {
        json_object_set_new(o, "baud_word", jout_hexnum(d[0], 2));
        int b = baud_of(d[0]);
        json_object_set_new(o, "baud", b ? json_integer(b) : json_null());
        json_object_set_new(o, "baud_word_valid", json_boolean(b != 0));
    } else if (func == DLT645_OUTPUT_CONTROL && ed == DLT645_2007 && !resp && n == 1) {
        static const char *const modes[3] = {"clock_pulse", "demand_period", "time_period_switch"};
        json_object_set_new(o, "output_mode", json_string(d[0] < 3 ? modes[d[0]] : "unknown"));
    } else if (func == DLT645_CHANGE_PASSWORD && ed == DLT645_2007 && !resp && n == 12) {
        json_object_set_new(o, "di", jout_hexnum(read_di(d, 4, DLT645_2007), 8));
        json_object_set_new(o, "password_level", jout_hexnum(d[4], 2));
        json_object_set_new(o, "new_password_level", jout_hexnum(d[8], 2));
    } else if (func == DLT645_97_CHANGE_PASSWORD && ed == DLT645_1997 && !resp && n == 8) {
        json_object_set_new(o, "password_level", jout_hexnum(d[0], 2));
        json_object_set_new(o, "new_password_level", jout_hexnum(d[4], 2));
    } else if (func == DLT645_97_CLEAR_DEMAND && ed == DLT645_1997 && !resp && n == 4) {
        json_object_set_new(o, "password_level", jout_hexnum(d[0], 2));
    } else if (func == DLT645_FREEZE && !resp && n == 4) {
        json_object_set_new(o, "freeze", jout_hex(d, 4, ' '));
    } else if (func == DLT645_REMOTE_CONTROL && !resp && n == 16) {
        add_auth(o, d);
        json_object_set_new(o, "command", json_string(remote_cmd_name(d[8])));
        json_object_set_new(o, "command_code", jout_hexnum(d[8], 2));
        time6_json(o, "valid_until", d + 10);
    } else if ((func == DLT645_CLEAR_DEMAND || func == DLT645_CLEAR_METER || func == DLT645_CLEAR_EVENTS) && !resp && n >= 8) {
        add_auth(o, d);
        if (func == DLT645_CLEAR_EVENTS && n >= 12)
            json_object_set_new(o, "di", jout_hexnum(read_di(d + 8, 4, DLT645_2007), 8));
    } else if (n > 0) {
        json_object_set_new(o, "data", jout_hex(d, n, ' '));
    }
}

static json_t *frame_json(const uint8_t *frame, size_t len, int scan_err, const struct decode_opts *opts)
{
    json_t *o = json_object();
    json_object_set_new(o, "proto", json_string("dlt645"));
    struct dlt645_frame f;
    int rc = scan_err ? scan_err : dlt645_frame_parse(frame, len, &f);
    if (rc == MH_EBADCS || rc == MH_EBADEND) {
        /* Say which byte is wrong: the whole candidate is here (framer span len 1 = the start byte only). */
        json_object_set_new(o, "valid", json_false());
        char reason[96];
        if (len >= 10 && frame[7] == 0x68 && len >= 12u + frame[9]) {
            size_t fl = 12u + frame[9];
            uint8_t want = 0;
            for (size_t k = 0; k < fl - 2; k++)
                want = (uint8_t)(want + frame[k]);
            if (rc == MH_EBADCS)
                snprintf(reason, sizeof reason, "bad checksum: frame has %02X, bytes sum to %02X", frame[fl - 2], want);
            else
                snprintf(reason, sizeof reason, "bad end byte %02X (expected 16)", frame[fl - 1]);
        } else {
            snprintf(reason, sizeof reason, "%s", rc == MH_EBADCS ? "bad checksum" : "bad end byte");
        }
        jout_error(o, rc, reason);
        return o;
    }
    if (rc != 0) {
        json_object_set_new(o, "valid", json_false());
        jout_error(o, rc, rc == MH_ETRUNC ? "frame ends before its length field says" : NULL);
        return o;
    }
    enum dlt645_edition ed = dlt645_edition_of(f.ctrl);
    char addr[13];
    dlt645_addr_format(f.addr, addr);
    json_object_set_new(o, "valid", json_true());
    json_object_set_new(o, "address", json_string(addr));
    json_object_set_new(o, "control", jout_hexnum(f.ctrl, 2));
    json_object_set_new(o, "function", json_string(dlt645_func_name(f.ctrl, ed)));
    json_object_set_new(o, "direction", json_string(f.ctrl & DLT645_CTRL_DIR ? "meter->master" : "master->meter"));
    json_object_set_new(o, "edition", json_string(ed == DLT645_1997 ? "1997" : "2007"));
    json_object_set_new(o, "abnormal", json_boolean(f.ctrl & DLT645_CTRL_ABNORMAL));
    json_object_set_new(o, "follow_up", json_boolean(f.ctrl & DLT645_CTRL_FOLLOW));
    json_object_set_new(o, "length", json_integer(f.len));
    uint8_t plain[DLT645_MAX_DATA];
    dlt645_data_plain(&f, plain);
    if (opts && opts->verbose)
        json_object_set_new(o, "data_plain", jout_hex(plain, f.len, ' '));
    add_payload(o, &f, plain);
    return o;
}

const struct decode_proto decode_proto_dlt645 = {"dlt645", dlt645_frame_scan, frame_json, NULL};
