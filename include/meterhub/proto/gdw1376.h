/*
 * Q/GDW 1376.1 (2009/2013): master station <-> terminal (docs/protocols/gdw1376.md).
 *
 * Frame: 68 L L 68 C A(5) AFN SEQ {DA DT data}... [AUX] CS 16. L carries the
 * user-data length (C .. last AUX byte) in bits 15..2 and the protocol id in
 * bits 1..0, twice. All binary fields little-endian; appendix A formats BCD.
 * Pure code: no I/O, no clock, no allocation; views point into the caller's
 * buffer, never past the given length.
 */
#ifndef MH_PROTO_GDW1376_H
#define MH_PROTO_GDW1376_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/base/wr.h"
#include "meterhub/proto/framer.h"
#include "meterhub/proto/value.h"

#define GDW1376_MAX_USER 16383u /* 14-bit length */
#define GDW1376_PROTO_2013 2u   /* Q/GDW 376.1-2009 and Q/GDW 1376.1-2013 */
#define GDW1376_PROTO_130 1u    /* Q/GDW 130-2005 */

/* Control field (5.2.2.1). */
#define GDW1376_C_DIR 0x80
#define GDW1376_C_PRM 0x40
#define GDW1376_C_FCB_ACD 0x20
#define GDW1376_C_FCV 0x10
#define GDW1376_C_FUNC 0x0F

/* SEQ (5.2.3.2). */
#define GDW1376_SEQ_TPV 0x80
#define GDW1376_SEQ_FIR 0x40
#define GDW1376_SEQ_FIN 0x20
#define GDW1376_SEQ_CON 0x10

enum gdw1376_afn {
    GDW1376_AFN_CONFIRM = 0x00,
    GDW1376_AFN_RESET = 0x01,
    GDW1376_AFN_LINK = 0x02,
    GDW1376_AFN_RELAY = 0x03,
    GDW1376_AFN_SET = 0x04,
    GDW1376_AFN_CONTROL = 0x05,
    GDW1376_AFN_AUTH = 0x06,
    GDW1376_AFN_CASCADE = 0x08,
    GDW1376_AFN_CONFIG = 0x09,
    GDW1376_AFN_QUERY = 0x0A,
    GDW1376_AFN_TASK = 0x0B,
    GDW1376_AFN_CLASS1 = 0x0C,
    GDW1376_AFN_CLASS2 = 0x0D,
    GDW1376_AFN_CLASS3 = 0x0E,
    GDW1376_AFN_FILE = 0x0F,
    GDW1376_AFN_FORWARD = 0x10,
};

struct gdw1376_tp {
    uint8_t pfc;
    struct mh_tm send; /* ss mm hh DD */
    uint8_t delay_min;
};

/* A parsed frame: a view into the caller's buffer. */
struct gdw1376_frame {
    uint8_t proto_id;     /* L bits 1..0 */
    uint16_t user_len;
    uint8_t c;
    uint16_t a1;          /* region code, 4 BCD digits as read (0x0171) */
    uint16_t a2;          /* terminal address */
    uint8_t a3;           /* D7..D1 MSA, D0 group */
    uint8_t afn;
    uint8_t seq;
    const uint8_t *units; /* data units (after SEQ, before AUX) */
    size_t units_len;
    const uint8_t *pw;    /* NULL when absent */
    uint8_t pw_len;
    uint8_t has_ec;
    uint8_t ec1, ec2;
    uint8_t has_tp;
    struct gdw1376_tp tp;
};

/* Framer (framer.h): both L equal, protocol id 1 or 2, length, CS and 16. */
int gdw1376_frame_scan(const uint8_t *buf, size_t len, struct mh_frame_span *out);

/*
 * Parse a frame (from its first 68). pw_len is the password length the
 * terminal's profile uses in downlink frames of AFN 01/04/05/06/0F/10
 * (16 by the standard, 2 for Q/GDW 130 heritage). AUX is stripped from the
 * end: Tp when SEQ.TpV, EC when uplink with ACD, PW when downlink with an
 * AFN that carries it. Returns 0 or MH_E*.
 */
int gdw1376_frame_parse(const uint8_t *p, size_t len, unsigned pw_len, struct gdw1376_frame *f);

/* Does a downlink frame of this AFN carry PW? */
int gdw1376_afn_has_pw(uint8_t afn);

/* "class1_data" etc. */
const char *gdw1376_afn_name(uint8_t afn);

/* ---- data units ---- */

/* pn list of a DA (up to 8), fn list of a DT (up to 8). Returns counts; MH_EPROTO for DA2 = 0 with a mask. */
int gdw1376_da_decode(uint8_t da1, uint8_t da2, uint16_t pn[8]);
int gdw1376_dt_decode(uint8_t dt1, uint8_t dt2, uint16_t fn[8]);
/* One pn / fn to DA / DT. */
void gdw1376_da_encode(uint16_t pn, uint8_t *da1, uint8_t *da2);
void gdw1376_dt_encode(uint16_t fn, uint8_t *dt1, uint8_t *dt2);

/* ---- appendix A data formats ---- */

enum gdw1376_fmt {
    GDW1376_A1 = 1, GDW1376_A2, GDW1376_A3, GDW1376_A4, GDW1376_A5, GDW1376_A6, GDW1376_A7,
    GDW1376_A8, GDW1376_A9, GDW1376_A10, GDW1376_A11, GDW1376_A12, GDW1376_A13, GDW1376_A14,
    GDW1376_A15, GDW1376_A16, GDW1376_A17, GDW1376_A18, GDW1376_A19, GDW1376_A20, GDW1376_A21,
    GDW1376_A22, GDW1376_A23, GDW1376_A24, GDW1376_A25, GDW1376_A26, GDW1376_A27,
    GDW1376_FMT_BIN1, /* plain binary byte */
    GDW1376_FMT_BIN2, /* plain binary 16-bit */
};

/* Size of a format in bytes (0 unknown). */
size_t gdw1376_fmt_size(enum gdw1376_fmt f);

enum gdw1376_vkind { GDW1376_V_NUM, GDW1376_V_TIME, GDW1376_V_TEXT, GDW1376_V_NODATA };

struct gdw1376_value {
    uint8_t kind;      /* enum gdw1376_vkind */
    struct mh_dec num; /* in the format's unit (A.3: kWh or MWh folded into kWh; A.2 exponent applied) */
    struct mh_tm time;
    char text[13];     /* A.12 address */
};

/*
 * Decode one field. "No data" (all EE, or a BCD digit above 9) is
 * GDW1376_V_NODATA, never a number. MH_ETRUNC when n is short.
 */
int gdw1376_fmt_decode(enum gdw1376_fmt f, const uint8_t *p, size_t n, struct gdw1376_value *v);

/* Encode one field; a NODATA value writes EE. MH_ERANGE when it does not fit. */
int gdw1376_fmt_encode(enum gdw1376_fmt f, const struct gdw1376_value *v, uint8_t *p, size_t n);

/* ---- Fn dictionary: how a response's data for (afn, fn) is laid out ---- */

struct gdw1376_field {
    uint8_t fmt;     /* enum gdw1376_fmt */
    uint32_t item;   /* MH_ITEM_* (0 none); per-tariff when repeated over M+1 */
    const char *name;
};

/* Layout kinds of a response body. */
enum gdw1376_layout {
    GDW1376_L_FIXED,       /* the fields in order */
    GDW1376_L_TARIFFS,     /* prefix fields, M (BIN1), then every tariffed field repeated M+1 times */
    GDW1376_L_CURVE,       /* Td_c A.15, density, points n, then n values of one field */
    GDW1376_L_RAW,         /* shown as bytes */
};

struct gdw1376_fn_def {
    uint8_t afn;
    uint16_t fn;
    uint8_t layout;       /* enum gdw1376_layout */
    uint8_t n_prefix;     /* fields before M (GDW1376_L_TARIFFS) */
    uint8_t n_fields;
    const struct gdw1376_field *fields;
    uint8_t request_label; /* AFN0D request time label: 0 none, GDW1376_A20 (Td_d), A21 (Td_m), A15 (curve) */
    const char *name;
};

const struct gdw1376_fn_def *gdw1376_fn_lookup(uint8_t afn, uint16_t fn);
const struct gdw1376_fn_def *gdw1376_fn_table(size_t *n);

/*
 * The size of (afn, fn)'s response data starting at p (n bytes available):
 * computed from the layout (tariff count M and curve points are read from
 * the data). MH_EUNKNOWN when the table does not know the Fn, MH_ETRUNC
 * when the data is shorter than its own counts say.
 */
int gdw1376_fn_data_size(const struct gdw1376_fn_def *d, const uint8_t *p, size_t n, size_t *size);

/* ---- builders ---- */

struct gdw1376_addr {
    uint16_t a1, a2;
    uint8_t msa; /* master station address 0..127 */
    uint8_t group;
};

/*
 * One frame: c, address, afn, seq, the data units (already laid out), then
 * AUX as flagged (pw/ec/tp NULL when absent). Computes L and CS.
 */
int gdw1376_frame_encode(struct mh_wr *w, uint8_t c, const struct gdw1376_addr *a, uint8_t afn, uint8_t seq,
                         const uint8_t *units, size_t units_len, const uint8_t *pw, size_t pw_len,
                         const uint8_t ec[2], const struct gdw1376_tp *tp);

/* Terminal side: login (F1), logout (F2), heartbeat (F3) on p0, CON set. */
int gdw1376_enc_link(struct mh_wr *w, const struct gdw1376_addr *a, uint16_t fn, uint8_t pseq);
/* Master side: AFN00 F1 (all confirmed) / F2 (all denied) answering rseq. */
int gdw1376_enc_confirm(struct mh_wr *w, const struct gdw1376_addr *a, int deny, uint8_t rseq);
/*
 * Master side: read AFN 0C/0D (fn for pn) with an optional request label
 * (label bytes from the Fn table's request_label, e.g. A.20 date for daily
 * frozen), and an optional Tp.
 */
int gdw1376_enc_read(struct mh_wr *w, const struct gdw1376_addr *a, uint8_t afn, uint16_t pn, uint16_t fn,
                     const uint8_t *label, size_t label_len, uint8_t pseq, const struct gdw1376_tp *tp);

/*
 * Is a request's Tp stale at the terminal's clock now (full date-time)? The
 * send time carries day, hour, minute, second; the month is taken from now
 * (or the previous month when the day is ahead). delay 0 never expires.
 */
int gdw1376_tp_stale(const struct gdw1376_tp *tp, const struct mh_tm *now);

#endif
