/*
 * DL/T 698.45: the object-oriented protocol of newer terminals and meters
 * (docs/protocols/dlt698.md).
 *
 * Frame: [FE..] 68 L(2) C AF SA CA HCS(2) APDU FCS(2) 16; L (bits 0..13)
 * counts the bytes from L to FCS; HCS covers L..CA, FCS covers L..APDU,
 * both CRC-16/X.25, low byte first. The APDU encodes typed data big-endian
 * (A-XDR). Pure code: no I/O, no allocation; views into the caller's buffer,
 * never past the given length; nesting is bounded (DLT698_MAX_DEPTH).
 */
#ifndef MH_PROTO_DLT698_H
#define MH_PROTO_DLT698_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/base/rd.h"
#include "meterhub/base/wr.h"
#include "meterhub/proto/framer.h"
#include "meterhub/proto/value.h"

#define DLT698_MAX_DEPTH 16
#define DLT698_MAX_FRAME 16383u

/* Control field. */
#define DLT698_C_DIR 0x80
#define DLT698_C_PRM 0x40
#define DLT698_C_FRAG 0x20
#define DLT698_C_SC 0x08
#define DLT698_C_FUNC 0x07

struct dlt698_frame {
    uint16_t len;          /* L (bytes from L to FCS) */
    uint8_t kbytes;        /* L bit 14: length unit 1 KiB (not used in practice) */
    uint8_t c;
    uint8_t af;
    uint8_t sa_type;       /* AF bits 7..6: 0 single, 1 wildcard, 2 group, 3 broadcast */
    uint8_t logical;       /* AF bits 5..4 */
    uint8_t sa_len;        /* AF bits 3..0 + 1 */
    uint8_t sa[16];        /* wire order (low byte first) */
    uint8_t ca;
    const uint8_t *apdu;   /* user data (fragment included when fragmented), still scrambled when SC */
    size_t apdu_len;
    uint16_t frag_index;   /* fragment format, when C.D5 */
    uint8_t frag_type;     /* 0 first, 1 last, 2 confirm, 3 middle */
};

/* Framer (framer.h): FE preambles skipped; HCS checked as soon as the header is in, then FCS and 16. */
int dlt698_frame_scan(const uint8_t *buf, size_t len, struct mh_frame_span *out);

/* Parse a frame from its 68. MH_EBADCRC distinguishes nothing: see dlt698_frame_check. */
int dlt698_frame_parse(const uint8_t *p, size_t len, struct dlt698_frame *f);

/*
 * The same for a span dlt698_frame_scan returned 1 for (p = buf + off, len =
 * span len): HCS, FCS and the end byte are not summed again. Start, L and
 * the header length are still checked against len (MH_EBADSTART,
 * MH_EBADLEN, MH_ETRUNC), so it never reads past len; a frame that did not
 * come from the scanner goes through dlt698_frame_parse.
 */
int dlt698_frame_parse_scanned(const uint8_t *p, size_t len, struct dlt698_frame *f);

/* Which check fails: 0, MH_ETRUNC, MH_EBADSTART, MH_EBADLEN, 1 (HCS bad), 2 (FCS bad), MH_EBADEND. */
int dlt698_frame_check(const uint8_t *p, size_t len);

/* Server address as printed (most significant first, hex digits). out holds 33. */
void dlt698_sa_format(const struct dlt698_frame *f, char *out);

/* One frame around an APDU. sa is in wire order. Scrambles when c has SC. */
int dlt698_frame_encode(struct mh_wr *w, uint8_t c, uint8_t af, const uint8_t *sa, uint8_t ca,
                        const uint8_t *apdu, size_t apdu_len);

/* ---- data ---- */

enum dlt698_type {
    DLT698_NULL = 0, DLT698_ARRAY = 1, DLT698_STRUCT = 2, DLT698_BOOL = 3, DLT698_BITSTRING = 4,
    DLT698_DOUBLE_LONG = 5, DLT698_DOUBLE_LONG_U = 6, DLT698_OCTETS = 9, DLT698_VISIBLE = 10,
    DLT698_UTF8 = 12, DLT698_INTEGER = 15, DLT698_LONG = 16, DLT698_UNSIGNED = 17,
    DLT698_LONG_U = 18, DLT698_LONG64 = 20, DLT698_LONG64_U = 21, DLT698_ENUM = 22,
    DLT698_FLOAT32 = 23, DLT698_FLOAT64 = 24, DLT698_DATETIME = 25, DLT698_DATE = 26,
    DLT698_TIME = 27, DLT698_DATETIME_S = 28, DLT698_OI = 80, DLT698_OAD = 81, DLT698_ROAD = 82,
    DLT698_OMD = 83, DLT698_TI = 84, DLT698_TSA = 85, DLT698_MAC = 86, DLT698_RN = 87,
    DLT698_REGION = 88, DLT698_SCALER_UNIT = 89, DLT698_RSD = 90, DLT698_CSD = 91, DLT698_MS = 92,
    DLT698_SID = 93, DLT698_SID_MAC = 94, DLT698_COMDCB = 95, DLT698_RCSD = 96,
};

/* One token of typed data: a scalar, or the head of an array/structure (count elements follow). */
struct dlt698_token {
    uint8_t type;
    uint32_t count;      /* array/structure elements; string/bit-string length (bits for bit-string) */
    int64_t i;           /* signed integers, enum */
    uint64_t u;          /* unsigned integers, OI/OAD/OMD as numbers, bool */
    double f;            /* float32/64 (display only) */
    const uint8_t *bytes;/* strings, TSA, MAC, RN, COMDCB; ROAD/CSD/RCSD/RSD/MS/SID_MAC raw; into the input */
    size_t len;
    struct mh_tm time;
    int8_t scaler;       /* Scaler_Unit */
    uint8_t unit;        /* Scaler_Unit unit enum, TI unit */
};

/* A-XDR length: 0..127 in one byte, or 0x8n followed by n bytes (n <= 4). */
size_t dlt698_len_read(struct mh_rd *r);
void dlt698_len_write(struct mh_wr *w, size_t n);

/*
 * Read one token (the streaming form; dlt698_data.h has the tree form).
 * Arrays and structures return their count; the caller reads that many
 * Data after it, Region returns 2 likewise. Errors through the reader (MH_ETRUNC) or
 * MH_EUNKNOWN for a type tag the standard does not define.
 */
int dlt698_token_read(struct mh_rd *r, struct dlt698_token *t);

/* Skip one whole Data (any nesting, up to DLT698_MAX_DEPTH: MH_EDEPTH beyond). */
int dlt698_data_skip(struct mh_rd *r);

/* Type name as the standard writes it ("double-long-unsigned"). */
const char *dlt698_type_name(uint8_t type);

/* ---- APDUs ---- */

/* Name of an APDU tag ("GET-Request") and of a service choice ("GetRequestNormal"). */
const char *dlt698_apdu_name(uint8_t tag);
const char *dlt698_choice_name(uint8_t tag, uint8_t choice);

/* DAR result code name. */
const char *dlt698_dar_name(uint8_t dar);

/* RSD / CSD / RCSD / MS: skip one (used inside GET-Record and REPORT). */
int dlt698_rsd_skip(struct mh_rd *r);
int dlt698_csd_skip(struct mh_rd *r);
int dlt698_rcsd_read(struct mh_rd *r, uint32_t *columns);
int dlt698_ms_skip(struct mh_rd *r);

/* Builders: GET-Request Normal (one OAD), LINK-Response, REPORT-Response. */
int dlt698_enc_get(struct mh_wr *w, uint8_t piid, uint32_t oad);
int dlt698_enc_get_list(struct mh_wr *w, uint8_t piid, const uint32_t *oads, size_t n);
int dlt698_enc_link_response(struct mh_wr *w, uint8_t piid, uint8_t result, const struct mh_tm *request_time,
                             const struct mh_tm *receive_time, const struct mh_tm *response_time);

/* ---- objects ---- */

/* How an attribute's elements map to items (scripts/gen-dlt698-objects.py). */
enum dlt698_layout {
    DLT698_L_VALUE,         /* one value: item */
    DLT698_L_PHASES,        /* array: elements 1..3 = phases A..C */
    DLT698_L_TOTAL_PHASES,  /* array: 1 total, 2..4 phases A..C */
    DLT698_L_TOTAL_TARIFFS, /* array: 1 total, 2.. tariffs 1.. */
    DLT698_L_RECORD,        /* record table (GET-Record): columns are OADs of their own */
    DLT698_L_EVENT_COUNTS,  /* array of {source, {count, seconds}}: count -> item */
    DLT698_L_STRUCT,        /* parameter structure: elements by their own rows */
};

/*
 * One row of the object dictionary: an attribute (element 0) or one
 * element of it. Static storage; unit is the device's unit as the
 * standard writes it, item the normalized item of element 1 (or of the
 * value), to_item the decimal shift from the device unit to the item's.
 */
struct dlt698_oi_def {
    uint16_t oi;
    uint8_t attr;      /* attribute id (bits 4..0 of the OAD's attribute byte) */
    uint8_t element;   /* 0: the whole attribute; n: only element n */
    uint8_t ic;        /* interface class */
    uint8_t type;      /* type of the value, or of each element of the array layouts */
    int8_t scaler;     /* device scaler */
    int8_t to_item;    /* decimal exponent to add to reach the item's unit (W -> kW: -3) */
    uint8_t layout;    /* enum dlt698_layout */
    uint8_t elements;  /* element rows that follow this attribute row */
    const char *unit;
    uint32_t item;
    const char *name;
};

/* The whole dictionary, sorted by OI, attribute, element (oi_table.c, generated). */
extern const struct dlt698_oi_def dlt698_oi_rows[];
extern const size_t dlt698_oi_nrows;
extern const uint32_t dlt698_oi_keys[]; /* OI << 16 | attribute << 8 | element, row by row */
/* Perfect hash of the attribute rows, generated with the table (oi_table.c says how to probe it). */
extern const uint16_t dlt698_oi_disp[256];
extern const uint16_t dlt698_oi_slots[1024];

/* The attribute's row (element 0), or NULL: one probe of the perfect hash. attr's feature bits (7..5) are ignored. */
const struct dlt698_oi_def *dlt698_oi_lookup(uint16_t oi, uint8_t attr);

/* The row that describes element `element` of an attribute: its own row, else the attribute's. */
const struct dlt698_oi_def *dlt698_oi_find(uint16_t oi, uint8_t attr, uint8_t element);

/*
 * The same from the attribute's row (dlt698_oi_lookup), without searching
 * again: element rows follow their attribute's row. For decoders mapping
 * every element of an array.
 */
const struct dlt698_oi_def *dlt698_oi_element(const struct dlt698_oi_def *attr_row, uint8_t element);

const struct dlt698_oi_def *dlt698_oi_table(size_t *n);

/*
 * The item of element `element` (1-based; 0 = the value itself) of a row,
 * or 0 when it has none. An element row answers for its own element.
 */
uint32_t dlt698_oi_item(const struct dlt698_oi_def *d, unsigned element);

#endif
