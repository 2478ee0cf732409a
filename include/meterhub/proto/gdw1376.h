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
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "meterhub/base/err.h"
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

/*
 * gdw1376_frame_parse of a span gdw1376_frame_scan has just returned (rc
 * 1), whose checksum and end byte it checked: the same checks of the
 * header and lengths (never a read past len), not the checksum again.
 * Bytes that did not come so go through gdw1376_frame_parse.
 */
int gdw1376_frame_parse_scanned(const uint8_t *p, size_t len, unsigned pw_len, struct gdw1376_frame *f);

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

/*
 * GDW1376_An is appendix A.n (docs/protocols/gdw1376.md lists each). The
 * GDW1376_FMT_* entries are the plain fields the Fn layouts also use:
 * binary counts and minutes (little-endian), bit strings, ASCII text.
 */
enum gdw1376_fmt {
    GDW1376_A1 = 1, GDW1376_A2, GDW1376_A3, GDW1376_A4, GDW1376_A5, GDW1376_A6, GDW1376_A7,
    GDW1376_A8, GDW1376_A9, GDW1376_A10, GDW1376_A11, GDW1376_A12, GDW1376_A13, GDW1376_A14,
    GDW1376_A15, GDW1376_A16, GDW1376_A17, GDW1376_A18, GDW1376_A19, GDW1376_A20, GDW1376_A21,
    GDW1376_A22, GDW1376_A23, GDW1376_A24, GDW1376_A25, GDW1376_A26, GDW1376_A27, GDW1376_A28,
    GDW1376_FMT_BIN1,    /* binary byte (counts, ports); never "no data" */
    GDW1376_FMT_BIN2,    /* binary 16-bit (minutes, counts); EE EE = no data */
    GDW1376_FMT_BIN4,    /* binary 32-bit (baud rates, traffic); EE x 4 = no data */
    GDW1376_FMT_BS8,     /* 8-bit string, as an unsigned number */
    GDW1376_FMT_BS16,    /* 16-bit string (meter status words), as an unsigned number */
    GDW1376_FMT_ASCII4,  /* ASCII text, NUL/space padded */
    GDW1376_FMT_ASCII8,
    GDW1376_FMT_ASCII11,
    GDW1376_FMT_HEX6,    /* 6 bytes shown as 12 hex digits, first byte first (MAC address) */
    GDW1376_FMT_COUNT_
};

/* Size of a format in bytes (0 unknown). */
size_t gdw1376_fmt_size(enum gdw1376_fmt f);

/* "A.15", "BIN2", "ASCII8" ... ("" when unknown). */
const char *gdw1376_fmt_name(enum gdw1376_fmt f);

enum gdw1376_vkind { GDW1376_V_NUM, GDW1376_V_TIME, GDW1376_V_TEXT, GDW1376_V_NODATA };

struct gdw1376_value {
    uint8_t kind;      /* enum gdw1376_vkind */
    struct mh_dec num; /* in the format's unit (A.3: kWh or MWh folded into kWh; A.2 exponent applied) */
    struct mh_tm time;
    char text[13];     /* A.12 address, ASCII fields, HEX6; NUL-terminated */
};

/*
 * Decode one field. "No data" (all EE or all FF, or a BCD digit above 9,
 * or an impossible date) is GDW1376_V_NODATA, never a number. MH_ETRUNC
 * when n is short, MH_EINVAL for an unknown format. Reads exactly
 * gdw1376_fmt_size(f) bytes.
 */
int gdw1376_fmt_decode(enum gdw1376_fmt f, const uint8_t *p, size_t n, struct gdw1376_value *v);

/*
 * Encode one field; a NODATA value writes EE. MH_ERANGE when it does not fit
 * or would lose a digit, MH_EINVAL for an unknown format or short buffer.
 */
int gdw1376_fmt_encode(enum gdw1376_fmt f, const struct gdw1376_value *v, uint8_t *p, size_t n);

/* ---- Fn dictionary: how the data of (afn, fn) is laid out ---- */

/*
 * A layout is a flat list of fields read in order. A field may open a group
 * (`span` fields, itself included) that repeats: M+1 times after a tariff
 * count (total, then tariff 1..M), n times after a count, n-1 times for
 * harmonics 2..n. Groups do not nest, so a walk is one loop and a size is a
 * sum of products. `role` tells what a field means to the layout and to the
 * data time of the values after it.
 */
enum gdw1376_role {
    GDW1376_R_VALUE,       /* a value (item may be 0: named only) */
    GDW1376_R_FREEZE,      /* Td_d (A.20) / Td_m (A.21): freeze date, the values' data time */
    GDW1376_R_READ_TIME,   /* Td_c (A.15): when the terminal read the meter */
    GDW1376_R_TARIFFS,     /* BIN1 tariff count M */
    GDW1376_R_COUNT,       /* BIN1 count n (ports, harmonics order N) */
    GDW1376_R_CURVE_START, /* A.15 first point time */
    GDW1376_R_DENSITY,     /* BIN1 curve density m: 1 = 15 min, 2 = 30, 3 = 60, 254 = 5, 255 = 1 */
    GDW1376_R_POINTS,      /* BIN1 curve point count n */
    GDW1376_R_OCCURRED,    /* time at which the value of the same item occurred (demand, extremes) */
};

enum gdw1376_rep {
    GDW1376_REP_ONCE,
    GDW1376_REP_TARIFFS, /* M+1: index 0 = total, 1..M = tariff (E of the item) */
    GDW1376_REP_COUNT,   /* n (the last R_COUNT or R_POINTS), index 0..n-1 */
    GDW1376_REP_HARM,    /* n-1: index 2..n (harmonic order) */
};

/* How gdw1376_walk_next decodes a field: inline (BCD value, tariff count, time) or the general step. */
enum gdw1376_plan { GDW1376_PLAN_STEP, GDW1376_PLAN_BCD, GDW1376_PLAN_TARIFFS, GDW1376_PLAN_TIME, GDW1376_PLAN_BIN };

/*
 * What a field does where the walk reaches it outside a group (its `rep`
 * and `span` folded, so the walk's inline path reads one byte): a value of
 * its own, a one-field group over the total and M tariffs, or any other
 * group (curve points, harmonics, a group of several fields).
 */
enum gdw1376_open { GDW1376_OPEN_GROUP, GDW1376_OPEN_ONCE, GDW1376_OPEN_TARIFFS };

struct gdw1376_field {
    uint8_t fmt;   /* enum gdw1376_fmt */
    uint8_t role;  /* enum gdw1376_role */
    uint8_t rep;   /* enum gdw1376_rep, on the group's first field */
    uint8_t span;  /* fields in the group (first field only; 0 = 1) */
    int8_t scale;  /* decimal shift into the item's unit (A.5 power factor in % -> -2) */
    /*
     * Decode plan, filled in by the table from the format and role so that
     * the walk's inline path derives nothing per value: how (enum
     * gdw1376_plan), the field's bytes, and for a plain BCD value (sign in
     * D7 of the top byte, or none) the exponent with the scale folded in
     * (-decimals + scale) and, at the end, its digit and sign masks.
     */
    uint8_t plan;
    uint8_t bcd_size;
    int8_t bcd_exp;
    uint8_t open;  /* enum gdw1376_open, from rep and span */
    uint32_t item; /* MH_ITEM_* (0 none); tariff in E when repeated over tariffs */
    const char *name;
    uint64_t bcd_mask; /* the digit bits of the bcd_size bytes read as one little-endian word (a time: all) */
    uint64_t bcd_sign; /* the sign bit (D7 of the top byte) in that word; 0 unsigned */
};

/* Which way the data travels (a Fn of AFN0C/0D/09 answers upward). */
enum gdw1376_dir { GDW1376_DIR_UP = 1, GDW1376_DIR_DOWN = 2 };

struct gdw1376_fn_def {
    uint8_t afn;
    uint8_t dir;           /* enum gdw1376_dir bits: which frames carry this data */
    uint16_t fn;
    uint8_t n_fields;
    uint8_t request_label; /* data of the request: 0 none, GDW1376_A20 (Td_d), A21 (Td_m), A15 (curve: Td_c density points) */
    const struct gdw1376_field *fields;
    const char *name;
};

/* The definition of (afn, fn), or NULL. Binary search, no allocation. */
const struct gdw1376_fn_def *gdw1376_fn_lookup(uint8_t afn, uint16_t fn);

/* Every definition, ordered by AFN then Fn; *n receives the count. */
const struct gdw1376_fn_def *gdw1376_fn_table(size_t *n);

/* Bytes of the request data of a definition (Td_d 3, Td_m 2, curve 7, else 0). */
size_t gdw1376_fn_request_size(const struct gdw1376_fn_def *d);

/*
 * The size of one (pn, fn) block of data starting at p (n bytes available),
 * computed from the layout: counts (tariffs M, curve points, ports) are read
 * from the data. MH_ETRUNC when the data is shorter than its own counts say,
 * MH_EPROTO for a count the standard does not allow (M above 63).
 */
int gdw1376_fn_data_size(const struct gdw1376_fn_def *d, const uint8_t *p, size_t n, size_t *size);

/*
 * Walking the values of one block. A walk borrows p (n bytes) and the
 * definition for its lifetime; no allocation.
 *
 *     struct gdw1376_walk w;
 *     struct gdw1376_dv dv;
 *     gdw1376_walk_init(&w, d, p, n);
 *     while ((rc = gdw1376_walk_next(&w, &dv)) == 1)
 *         use dv;
 *     rc is 0 at the end (w.off = bytes consumed) or MH_ETRUNC / MH_EPROTO.
 */
struct gdw1376_dv {
    const struct gdw1376_field *field;
    uint32_t item;           /* field item, tariff in E for tariff groups; 0 none */
    uint8_t rep;             /* enum gdw1376_rep of the field's group */
    uint16_t index;          /* repetition index: tariff 0..M, point 0..n-1, harmonic 2..n */
    struct gdw1376_value v;  /* numbers already scaled into the item's unit */
    struct mh_tm when;       /* data time: curve point time, else freeze date, else Td_c; has = 0 unknown */
};

struct gdw1376_walk {
    const struct gdw1376_fn_def *def;
    const struct gdw1376_field *fields; /* def->fields, def->n_fields: read once per value */
    unsigned n_fields;
    const uint8_t *p;
    size_t n, off;
    /*
     * The current field, and the group it is in: [grp, grp_end). Outside
     * a group k == grp_end (a value of its own leaves it so), and the
     * other group members are stale until the next group is entered.
     */
    unsigned k;
    unsigned grp, grp_end;
    unsigned reps, rep;      /* repetitions of the group, current one */
    unsigned grp_rep;        /* enum gdw1376_rep of the group */
    unsigned index;          /* the current repetition's dv index (harmonics start at 2) */
    uint32_t imask;          /* 0xFF over tariffs (the index goes into E of the item), else 0 */
    unsigned run;            /* repetitions left of a one-field BCD group that fit the data (see gdw1376_walk_run) */
    unsigned tail;           /* repetitions of the group after the run (too near the end for the word load) */
    uint32_t run_item, run_imask; /* a run's item: run_item | (index & run_imask) */
    unsigned step;           /* minutes between curve points of the group (0 unknown) */
    unsigned curve;          /* the group is a curve's points: values take w->point */
    unsigned m, count, density;
    struct mh_tm freeze, read_time, start, point;
    struct mh_tm when;       /* freeze date, else read time: the data time of plain values */
    /*
     * The read time (0) and freeze date (1) decoded last, kept across the
     * blocks of one data unit (gdw1376_walk_next_block): their bytes with
     * the format in the top byte (0 none), and the decoded time.
     */
    uint64_t memo_key[2];
    struct mh_tm memo[2];
    /*
     * How gdw1376_walk_runs_next made the run it returned last: 1 by the
     * field plans (a one-field group's repetitions, values of their own),
     * whose values depend on nothing but their own bytes; 0 one value the
     * general way. Read by the block decoder (gdw1376_block.h).
     */
    unsigned planned;
};

/*
 * The walk of the next block of the same Fn (the next pn of a data unit,
 * p and n as for gdw1376_walk_init): everything starts again except the
 * read time and freeze date decoded last, so a block whose Td_c / Td_d
 * bytes are those of the block before takes the decoded time instead of
 * decoding it again (the values are the same either way). Inline: only
 * what is read before it is written is set; the group members are
 * written on entering a group (k == grp_end == 0 is outside any), point
 * and step with a curve group, which needs start.has.
 */
static inline void gdw1376_walk_next_block(struct gdw1376_walk *w, const uint8_t *p, size_t n)
{
    const struct mh_tm none = {0};
    w->p = p;
    w->n = n;
    w->off = 0;
    w->k = w->grp = w->grp_end = 0;
    w->run = 0;
    w->m = w->count = w->density = 0;
    w->freeze = w->read_time = w->when = none;
    w->start.has = 0;
}

/* Inline: one walk per (pn, Fn) block, so its setup is a few stores, not a call and a memset. */
static inline void gdw1376_walk_init(struct gdw1376_walk *w, const struct gdw1376_fn_def *d, const uint8_t *p,
                                     size_t n)
{
    w->def = d;
    w->fields = d->fields;
    w->n_fields = d->n_fields;
    w->memo_key[0] = w->memo_key[1] = 0;
    gdw1376_walk_next_block(w, p, n);
}

/*
 * The general step of a walk: group entry, counts, times, every format.
 * gdw1376_walk_next calls it for what its inline path does not take.
 */
int gdw1376_walk_step(struct gdw1376_walk *w, struct gdw1376_dv *out);

/* A time field (its plan GDW1376_PLAN_TIME) at p into *v, with what its role does to the walk. */
void gdw1376_walk_time(struct gdw1376_walk *w, const struct gdw1376_field *f, const uint8_t *p,
                       struct gdw1376_value *v);

/* The next curve point's time (a new repetition of a curve group): w->point a step on, or none. */
void gdw1376_walk_tick(struct gdw1376_walk *w);

/* Value of a BCD byte (0..99), 0xFF when a nibble is above 9. */
extern const uint8_t gdw1376_bcd_value[256];

/*
 * The magnitude of `size` (1..8) BCD bytes at p, low byte first, with the
 * top byte's non-digit bits cleared by top_mask: two digits per byte
 * through the table, most significant first. *bad gets bit 7 set when a
 * nibble is above 9 (an EE or FF fill has such nibbles in every format
 * once the sign and flag bits are masked), folded in as the bytes go.
 */
static inline uint64_t gdw1376_bcd_le(const uint8_t *p, unsigned size, unsigned top_mask, unsigned *bad)
{
    const uint8_t *t = gdw1376_bcd_value;
    unsigned b = t[p[size - 1] & top_mask], acc = b;
    uint64_t mag = b;
#pragma GCC unroll 4
    for (unsigned k = size - 1; k-- > 0;) {
        b = t[p[k]];
        acc |= b;
        mag = mag * 100 + b;
    }
    *bad = acc & 0x80;
    return mag;
}

/*
 * The digits of up to eight BCD bytes, low byte first, as one number: x
 * holds them as a little-endian word with every non-digit bit (sign, bytes
 * past the field) cleared. Each byte becomes 0..99 (16h + l - 6h), then
 * each pair of bytes (lo + 256 hi - 156 hi), of pairs and of quads
 * likewise in place, with no loop and no table; no lane ever borrows.
 * *bad is non-zero when a nibble is above 9 (an EE or FF fill has such
 * nibbles in every format once the sign and flag bits are masked).
 */
static inline uint64_t gdw1376_bcd_word(uint64_t x, uint64_t *bad)
{
    const uint64_t l0f = 0x0F0F0F0F0F0F0F0Fu, l06 = 0x0606060606060606u, l10 = 0x1010101010101010u;
    uint64_t hi = (x >> 4) & l0f;
    *bad = (((x & l0f) + l06) | (hi + l06)) & l10;
    x -= hi * 6;
    x -= ((x >> 8) & 0x00FF00FF00FF00FFu) * (256u - 100u);
    x -= ((x >> 16) & 0x0000FFFF0000FFFFu) * (65536u - 10000u);
    return x - (x >> 32) * (4294967296u - 100000000u);
}

#define GDW1376_NODATA INT64_MIN /* a mantissa of no data (EE, FF, a digit above 9): no format reaches it */

/*
 * n values of one BCD field plan at p, size bytes apart, into m: each
 * read as a word (8 bytes readable from each value), its digits under
 * mask, negative when the sign bit is set, GDW1376_NODATA when a digit is
 * above 9. The portable way, a value at a time (gdw1376_bcd_word).
 */
static inline void gdw1376_bcd_words_scalar(const uint8_t *p, unsigned n, unsigned size, uint64_t mask,
                                            uint64_t sign, int64_t *restrict m)
{
    for (unsigned i = 0; i < n; i++, p += size) {
        uint64_t raw, bad;
        memcpy(&raw, p, 8);
        uint64_t mag = gdw1376_bcd_word(raw & mask, &bad);
        int64_t v = raw & sign ? -(int64_t)mag : (int64_t)mag;
        m[i] = bad ? GDW1376_NODATA : v;
    }
}

#if defined(__SSE2__)
/*
 * gdw1376_bcd_words_scalar two values at a time, one per 64-bit lane
 * (SSE2, the x86-64 baseline): the digit check and bytes to 0..99 as
 * there, then pairs of bytes (x 100, 16-bit lanes), of words (pmaddwd:
 * lo + 10000 hi) and of doublewords (pmuludq: lo + 10^8 hi). A lane with a
 * bad digit computes garbage that is never used.
 */
static inline void gdw1376_bcd_words_sse2(const uint8_t *p, unsigned n, unsigned size, uint64_t mask, uint64_t sign,
                                          int64_t *restrict m)
{
    const __m128i vmask = _mm_set1_epi64x((long long)mask), l0f = _mm_set1_epi8(0x0F), l06 = _mm_set1_epi8(0x06),
                  l10 = _mm_set1_epi8(0x10), lff = _mm_set1_epi16(0x00FF), k100 = _mm_set1_epi16(100),
                  k10000 = _mm_set1_epi32(1 | 10000 << 16), k1e8 = _mm_set1_epi64x(100000000),
                  lo32 = _mm_set1_epi64x(0xFFFFFFFF), zero = _mm_setzero_si128();
    unsigned i = 0;
    for (; i + 2 <= n; i += 2, p += 2 * size) {
        uint64_t r0, r1;
        memcpy(&r0, p, 8);
        memcpy(&r1, p + size, 8);
        __m128i x = _mm_and_si128(_mm_set_epi64x((long long)r1, (long long)r0), vmask);
        __m128i lo = _mm_and_si128(x, l0f), hi = _mm_and_si128(_mm_srli_epi64(x, 4), l0f);
        __m128i bad = _mm_and_si128(_mm_or_si128(_mm_add_epi8(lo, l06), _mm_add_epi8(hi, l06)), l10);
        __m128i d = _mm_sub_epi8(x, _mm_add_epi8(_mm_add_epi8(hi, hi), _mm_slli_epi64(hi, 2))); /* 16h + l - 6h */
        __m128i w = _mm_add_epi16(_mm_and_si128(d, lff), _mm_mullo_epi16(_mm_srli_epi16(d, 8), k100));
        __m128i q = _mm_madd_epi16(w, k10000);
        __m128i v = _mm_add_epi64(_mm_and_si128(q, lo32), _mm_mul_epu32(_mm_srli_epi64(q, 32), k1e8));
        unsigned ok = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(bad, zero));
        uint64_t mag0 = (uint64_t)_mm_cvtsi128_si64(v), mag1 = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(v, v));
        int64_t v0 = r0 & sign ? -(int64_t)mag0 : (int64_t)mag0, v1 = r1 & sign ? -(int64_t)mag1 : (int64_t)mag1;
        m[i] = (ok & 0xFF) == 0xFF ? v0 : GDW1376_NODATA;
        m[i + 1] = ok >> 8 == 0xFF ? v1 : GDW1376_NODATA;
    }
    if (i < n)
        gdw1376_bcd_words_scalar(p, 1, size, mask, sign, m + i);
}
#endif

/* The BCD values of a run: two at a time with SSE2, else the portable way (both tested against each other). */
static inline void gdw1376_bcd_words(const uint8_t *p, unsigned n, unsigned size, uint64_t mask, uint64_t sign,
                                     int64_t *restrict m)
{
#if defined(__SSE2__)
    gdw1376_bcd_words_sse2(p, n, size, mask, sign, m);
#else
    gdw1376_bcd_words_scalar(p, n, size, mask, sign, m);
#endif
}

/* The next curve point's time: the minute on inline, a carry into the hour and beyond by gdw1376_walk_tick. */
static inline void gdw1376_walk_point(struct gdw1376_walk *w)
{
    unsigned min = w->point.min + w->step;
    if (w->step && min < 60)
        w->point.min = (uint8_t)min;
    else
        gdw1376_walk_tick(w);
}

/*
 * After the first value of a group: when the group is one plain BCD field
 * (a register over the tariffs, curve points), one length check here
 * stands for every repetition that fits the data with the word load's
 * slack, and gdw1376_walk_next yields them from w->run alone. The last
 * few of a group at the very end of the data (w->tail) go the general
 * way after the run.
 */
static inline void gdw1376_walk_run(struct gdw1376_walk *w, const struct gdw1376_field *f)
{
    if (w->k == w->grp && w->grp_end == w->grp + 1 && f->plan == GDW1376_PLAN_BCD && w->rep < w->reps &&
        w->n - w->off >= 8) {
        size_t left = w->reps - w->rep; /* at most 255 */
        size_t fit = left;
        if (w->off + (left - 1) * f->bcd_size + 8 > w->n)
            fit = (w->n - w->off - 8) / f->bcd_size + 1; /* the group runs to the end of the data */
        w->run = (unsigned)fit;
        w->tail = (unsigned)(left - fit);
        w->run_item = f->item & ~w->imask;
        w->run_imask = f->item ? w->imask : 0;
    }
}

/* One value of a run: the BCD word at p of field f into out (see gdw1376_walk_next). */
static inline void gdw1376_walk_bcd(const struct gdw1376_field *f, const uint8_t *p, struct gdw1376_dv *restrict out)
{
    uint64_t raw, bad;
    memcpy(&raw, p, 8);
    uint64_t mag = gdw1376_bcd_word(raw & f->bcd_mask, &bad);
    int64_t m = raw & f->bcd_sign ? -(int64_t)mag : (int64_t)mag;
    out->v.kind = bad ? GDW1376_V_NODATA : GDW1376_V_NUM;
    out->v.num = mh_dec_make(bad ? 0 : m, bad ? 0 : f->bcd_exp);
    out->v.time.has = 0;
    out->v.text[0] = '\0';
    out->field = f;
}

/* Enter a register over the total and M tariffs at field k: a one-field group of M + 1 repetitions. */
static inline void gdw1376_walk_tariffs(struct gdw1376_walk *w, unsigned k)
{
    w->grp = k;
    w->grp_end = k + 1;
    w->reps = w->m + 1;
    w->rep = 0;
    w->grp_rep = GDW1376_REP_TARIFFS;
    w->index = 0;
    w->imask = 0xFF;
    w->curve = 0;
}

/*
 * The next value: 1 (*out filled), 0 at the end, or MH_E*. Inline, a
 * plain BCD value (its plan in the table) of its own, as the first of the
 * total and M tariffs, or inside a group already entered (tariffs, curve
 * points, harmonics): one word load, the digits without a loop, the item
 * and data time from the walk. Everything else (group entries, counts,
 * times, the other formats, the last bytes of the data) goes through
 * gdw1376_walk_step. Both keep the same walk state, so they interleave
 * freely.
 */
static inline int gdw1376_walk_next(struct gdw1376_walk *restrict w, struct gdw1376_dv *restrict out)
{
    if (w->run) { /* the rest of a one-field group, its length checked once (gdw1376_walk_run) */
        const struct gdw1376_field *f = &w->fields[w->grp];
        unsigned index = w->index;
        const struct mh_tm *when = &w->when;
        if (w->curve) { /* curve points: a step on per point */
            gdw1376_walk_point(w);
            when = &w->point;
        }
        gdw1376_walk_bcd(f, w->p + w->off, out);
        out->item = w->run_item | (index & w->run_imask);
        out->rep = (uint8_t)w->grp_rep;
        out->index = (uint16_t)index;
        out->when = *when;
        w->off += f->bcd_size;
        w->index = index + 1;
        if (--w->run == 0) {
            w->rep = w->reps - w->tail;
            w->k = w->tail ? w->grp : w->grp_end; /* the tail, or past the group */
        }
        return 1;
    }
    unsigned k = w->k;
    if (k >= w->n_fields)
        return 0; /* the walk ends past the last group (k only gets there from grp_end) */
    const struct gdw1376_field *f = &w->fields[k];
    size_t off = w->off;
    unsigned size = f->bcd_size, next = k + 1, rep = GDW1376_REP_ONCE, index = 0;
    if (f->plan != GDW1376_PLAN_BCD || w->n - off < 8) {
        /* a tariff count or a time of its own (Td_c, freeze date, curve start): one per block */
        if (f->plan == GDW1376_PLAN_STEP || k != w->grp_end || f->open != GDW1376_OPEN_ONCE || w->n - off < size)
            return gdw1376_walk_step(w, out); /* also the last bytes: the word load needs 8 */
        const uint8_t *p = w->p + off;
        if (f->plan == GDW1376_PLAN_TARIFFS) {
            if (p[0] > 63)
                return MH_EPROTO; /* the standard allows up to 14; 63 is E's range */
            w->m = p[0];
            out->v.kind = GDW1376_V_NUM;
            out->v.num = mh_dec_make(p[0], 0);
            out->v.time.has = 0;
            out->v.text[0] = '\0';
        } else if (f->plan == GDW1376_PLAN_TIME) { /* sets the data times (w->when) first */
            unsigned slot = f->role == GDW1376_R_FREEZE, hit = 0;
            if ((f->role == GDW1376_R_READ_TIME || f->role == GDW1376_R_FREEZE) && w->n - off >= 8) {
                uint64_t raw;
                memcpy(&raw, p, 8);
                hit = ((raw & f->bcd_mask) | (uint64_t)f->fmt << 56) == w->memo_key[slot];
            }
            if (hit) {
                /* the bytes of the block before (gdw1376_walk_next_block): its decoded time */
                const struct mh_tm *t = &w->memo[slot];
                out->v.kind = GDW1376_V_TIME;
                out->v.num = mh_dec_make(0, 0);
                out->v.time = *t;
                out->v.text[0] = '\0';
                if (slot)
                    w->freeze = *t;
                else
                    w->read_time = *t;
                w->when = w->freeze.has ? w->freeze : w->read_time;
            } else {
                gdw1376_walk_time(w, f, p, &out->v);
            }
        } else if (f->plan == GDW1376_PLAN_BIN) { /* minutes, counts, status words: EE.. = no data */
            uint32_t x = p[0] | (uint32_t)p[1] << 8, ee = 0xEEEE;
            if (size == 4) {
                x |= (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
                ee = 0xEEEEEEEE;
            }
            out->v.kind = x == ee ? GDW1376_V_NODATA : GDW1376_V_NUM;
            out->v.num = mh_dec_make(x == ee ? 0 : (int64_t)x, 0);
            out->v.time.has = 0;
            out->v.text[0] = '\0';
        } else {
            return gdw1376_walk_step(w, out); /* a plain BCD value in the last bytes */
        }
        out->field = f;
        out->rep = GDW1376_REP_ONCE;
        out->index = 0;
        out->item = f->item;
        out->when = w->when;
        w->off = off + size;
        w->k = w->grp_end = next;
        return 1;
    }
    uint32_t item = f->item;
    const struct mh_tm *when = &w->when;
    if (k == w->grp_end && f->open == GDW1376_OPEN_ONCE) {
        w->grp_end = next; /* a value of its own: stays outside any group */
    } else {
        if (k == w->grp_end) { /* a register over the total and M tariffs */
            if (f->open != GDW1376_OPEN_TARIFFS)
                return gdw1376_walk_step(w, out);
            gdw1376_walk_tariffs(w, k);
        } else if (w->curve) { /* curve points: the start, then a step on per point */
            if (k == w->grp)
                gdw1376_walk_point(w);
            when = &w->point;
        }
        rep = w->grp_rep;
        index = w->index;
        uint32_t imask = w->imask;
        item = item ? (item & ~imask) | (index & imask) : 0; /* MH_OBIS_TARIFF (item.h): the tariff in E */
        if (next == w->grp_end && ++w->rep < w->reps) {
            next = w->grp;
            w->index = index + 1;
        }
    }
    gdw1376_walk_bcd(f, w->p + off, out);
    out->rep = (uint8_t)rep;
    out->index = (uint16_t)index;
    out->item = item;
    out->when = *when;
    w->off = off + size;
    w->k = next;
    if (next == w->grp)
        gdw1376_walk_run(w, f);
    return 1;
}

/*
 * Batch decoding: the values of a walk a run at a time. A run is values
 * of one field of the layout (the total and M tariffs of a register, the
 * points of a curve, the orders of a harmonic), consecutive values of
 * their own (fields = 1: the block head's read time, freeze date and
 * tariff count, plain BCD and binary values; value i is of field + i,
 * its item and exponent read from the field plan, not copied), or a
 * single value. What
 * the values of a run share is written once in struct gdw1376_run, the
 * values themselves as integer mantissas into a caller-provided array:
 *
 *     struct gdw1376_walk w;
 *     struct gdw1376_run r;
 *     int64_t m[64];
 *     gdw1376_walk_init(&w, d, p, n);
 *     while ((rc = gdw1376_walk_runs(&w, &r, m, 64)) == 1)
 *         for (unsigned i = 0; i < r.n; i++)
 *             value i: item gdw1376_run_item(&r, i), number m[i] x 10^gdw1376_run_exp(&r, i)
 *             (m[i] == GDW1376_NODATA: no data), data time gdw1376_run_when(&r, i, &t);
 *     rc is 0 at the end (w.off = bytes consumed) or MH_ETRUNC / MH_EPROTO,
 *     exactly where gdw1376_walk_next would end.
 *
 * The values are exactly those gdw1376_walk_next yields, in the same order
 * (a test pins both over the same frames); a run longer than cap goes on
 * in the next call. Both use the same walk state, so they interleave, and
 * gdw1376_walk_next_block carries the walk to the next pn as before.
 */
#define GDW1376_RUN_TIMES 3      /* times in a run of fields (struct gdw1376_run t) */

struct gdw1376_run {
    const struct gdw1376_field *field; /* the layout field of every value of the run (fmt, role, name) */
    uint32_t item;   /* item of the values, E cleared over tariffs: see gdw1376_run_item */
    uint32_t imask;  /* 0xFF over tariffs (the index goes into E), else 0 */
    uint16_t index;  /* repetition index of the first value (tariff, point, harmonic order) */
    uint16_t n;      /* values in the run (1..cap) */
    uint8_t rep;     /* enum gdw1376_rep of the field's group */
    uint8_t kind;    /* GDW1376_V_NUM: m[0..n) x 10^exp; GDW1376_V_TIME / _TEXT: n = 1, the value in v, m[0] = 0 */
    int8_t exp;      /* decimal exponent of every m[i], the field's scale applied (fields: see gdw1376_run_exp) */
    uint8_t step;    /* curve points: minutes between the values' data times (0: only the first has one) */
    uint8_t curve;   /* 1: value i's data time is `when` plus i x step minutes; 0: `when` for all */
    uint8_t fields;  /* 1: value i is of field + i, values of their own (item, exponent in the field plan);
                        a time field's m[i] is its slot in t (GDW1376_NODATA: no time), see gdw1376_run_kind */
    struct mh_tm when; /* data time of the first value (has = 0 unknown) */
    struct gdw1376_value v; /* a time or text value (kind TIME / TEXT) */
    struct mh_tm t[GDW1376_RUN_TIMES]; /* fields: the times of the run's time fields (read time, freeze date ...) */
};

/*
 * The next run of a walk: 1 (*r and m[0..r->n) filled), 0 at the end, or
 * MH_E* (MH_EINVAL for cap 0). Writes at most cap values, reads only the
 * walk's n bytes, allocates nothing. gdw1376_walk_runs_next is the call
 * behind the inline gdw1376_walk_runs.
 */
int gdw1376_walk_runs_next(struct gdw1376_walk *w, struct gdw1376_run *r, int64_t *m, size_t cap);

/* Inline: the end of a block (past its last field, no run left) costs no call. */
static inline int gdw1376_walk_runs(struct gdw1376_walk *w, struct gdw1376_run *r, int64_t *m, size_t cap)
{
    if (cap && !w->run && w->k >= w->n_fields)
        return 0;
    return gdw1376_walk_runs_next(w, r, m, cap);
}

/* Item of value i of a run: the tariff in E over tariffs (MH_OBIS_TARIFF), 0 when the field names none. */
static inline uint32_t gdw1376_run_item(const struct gdw1376_run *r, unsigned i)
{
    return r->fields ? r->field[i].item : r->item | ((r->index + i) & r->imask);
}

/* Layout field of value i of a run. */
static inline const struct gdw1376_field *gdw1376_run_field(const struct gdw1376_run *r, unsigned i)
{
    return r->fields ? &r->field[i] : r->field;
}

/* Decimal exponent of m[i] of a number run. */
static inline int gdw1376_run_exp(const struct gdw1376_run *r, unsigned i)
{
    return r->fields ? r->field[i].bcd_exp : r->exp;
}

/* Kind of value i of a run (enum gdw1376_vkind): a number, a time (fields: t[m[i]]), text, or no data. */
static inline int gdw1376_run_kind(const struct gdw1376_run *r, const int64_t *m, unsigned i)
{
    if (r->kind != GDW1376_V_NUM)
        return r->kind;
    if (m[i] == GDW1376_NODATA)
        return GDW1376_V_NODATA;
    return r->fields && r->field[i].plan == GDW1376_PLAN_TIME ? GDW1376_V_TIME : GDW1376_V_NUM;
}

/* Repetition index of value i of a run (tariff, point, harmonic order; 0 for values of their own). */
static inline unsigned gdw1376_run_index(const struct gdw1376_run *r, unsigned i)
{
    return r->fields ? r->index : r->index + i;
}

/* Data time of value i of a run (a curve point i x step minutes on, carried into hours, days, months). */
void gdw1376_run_when(const struct gdw1376_run *r, unsigned i, struct mh_tm *t);

/*
 * Value i of a run as gdw1376_walk_next yields it: field, item, rep, index,
 * the value (a number scaled, a time, text, or no data) and its data time.
 */
void gdw1376_run_dv(const struct gdw1376_run *r, const int64_t *m, unsigned i, struct gdw1376_dv *dv);

/* Minutes between curve points for a density byte (0 when none/unknown). */
unsigned gdw1376_density_minutes(unsigned density);

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
