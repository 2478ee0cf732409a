/*
 * DL/T 698.45 typed data (clause 8 and appendix A of DL/T 698.45-2017): the
 * whole data-type system as one decoder/encoder pair over one tree form.
 *
 * A decoded Data is a pre-order array of struct dlt698_node in a buffer the
 * caller provides: nodes[0] is the value itself, a compound value's children
 * follow it, and node.next is the index just past its subtree, so a reader
 * skips a subtree in one step. Nothing is allocated; strings, TSA, MAC, RN,
 * bit-strings and COMDCB point into the decoded bytes (a view valid while
 * those bytes live and are not modified).
 *
 * Compound values and their children (what the encoder expects back):
 *   array, structure         count children, each a tagged Data
 *   Region                   choice = unit (0 [a,b) 1 (a,b] 2 [a,b] 3 (a,b)); 2 children (Data)
 *   ROAD                     v.u = the record OAD; count OAD children
 *   CSD                      choice 0: one OAD child; choice 1: one ROAD child
 *   RCSD                     count CSD children
 *   MS                       choice (0..7); count children: unsigned (2), TSA (3),
 *                            long-unsigned (4), Region (5..7); none for 0 and 1
 *   RSD                      choice = selector (0..10); children in the order of the
 *                            selector's fields: 1 {OAD, Data}; 2 {OAD, Data start, Data end,
 *                            Data interval}; 3 count RSD children with selector 2 (written
 *                            without their selector byte); 4, 5 {date_time_s, MS};
 *                            6, 7, 8 {date_time_s, date_time_s, TI, MS}; 9 {unsigned};
 *                            10 {unsigned, MS}
 *   SID                      v.u = identifier (double-long-unsigned), bytes/count = additional data
 *   SID_MAC                  one SID child, bytes/count = the MAC
 * Scalars: integers in v.i (signed, enum) or v.u (unsigned, bool, OI, OAD, OMD),
 * floats in v.f, times in v.time (fields sent as FF are absent from has; weekday
 * 0 on the wire is Sunday, 7 in struct mh_tm), TI as choice = unit and v.u = value,
 * Scaler_Unit as scaler and choice = unit, strings as bytes + count (bytes;
 * bits for a bit-string), COMDCB as bytes (5 bytes).
 *
 * Fields inside RSD, MS, CSD, ROAD, SID and SID_MAC have fixed types and are
 * written without a type tag; only the fields the standard declares as Data
 * carry one. dlt698_value_decode/encode handle such an untagged value of a
 * known type (the APDU layer's RSD and RCSD are untagged too).
 *
 * Limits: nesting beyond DLT698_MAX_DEPTH is MH_EDEPTH, more nodes than the
 * caller's array holds is MH_EOVERFLOW, a length or count larger than the
 * bytes left is MH_EBADLEN (checked before anything loops on it), input that
 * ends inside a field is MH_ETRUNC, an undefined tag MH_EUNKNOWN, an undefined
 * choice or selector MH_EPROTO.
 */
#ifndef MH_PROTO_DLT698_DATA_H
#define MH_PROTO_DLT698_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/base/rd.h"
#include "meterhub/base/wr.h"
#include "meterhub/proto/dlt698.h"
#include "meterhub/proto/value.h"

/*
 * Every node but an untagged null consumes at least one input byte, so
 * len + 1 nodes always suffice for len bytes; this many hold any Data one
 * frame can carry.
 */
#define DLT698_MAX_NODES (DLT698_MAX_FRAME + 1u)

struct dlt698_node {
    uint8_t type;   /* enum dlt698_type */
    uint8_t depth;  /* 0 for the decoded value */
    uint8_t choice; /* RSD selector, MS / CSD choice, Region / TI / Scaler_Unit unit */
    int8_t scaler;  /* Scaler_Unit */
    uint32_t count; /* children; bytes of a string; bits of a bit-string */
    uint32_t next;  /* index just past this node's subtree */
    uint32_t off;   /* offset of the value (its tag when tagged) in the decoded bytes */
    union {
        int64_t i;
        uint64_t u;
        double f;
        struct mh_tm time;
    } v;
    const uint8_t *bytes; /* strings, TSA, MAC, RN, bit-string, COMDCB; SID data; SID_MAC MAC */
};

/* Is this tag one the standard defines? */
int dlt698_type_known(uint8_t type);

/*
 * Decode one tagged Data from r into nodes[0..cap). Returns the number of
 * nodes used (>= 1) and advances r past the Data, or a negative MH_E* (r's
 * sticky error is set too). nodes is borrowed; node views point into r's bytes.
 */
int dlt698_data_decode(struct mh_rd *r, struct dlt698_node *nodes, size_t cap);

/* The same for an untagged value of a known type (RSD, RCSD, MS, OAD ... in an APDU). */
int dlt698_value_decode(struct mh_rd *r, uint8_t type, struct dlt698_node *nodes, size_t cap);

/* Validate and skip an untagged value of a known type without keeping nodes. */
int dlt698_value_skip(struct mh_rd *r, uint8_t type);

/*
 * Encode the value nodes[0] heads (tagged, or untagged for the _value_ form).
 * n bounds the nodes read. The encoder walks children by count and ignores
 * next, off and depth, so a hand-built tree needs only type, choice, count
 * and the value fields. Returns the nodes consumed (nodes[0].next when the
 * tree is well formed) or a negative MH_E*: MH_EINVAL for a tree that does not
 * follow the layout above, MH_ENOSPC from the writer.
 */
int dlt698_data_encode(struct mh_wr *w, const struct dlt698_node *nodes, size_t n);
int dlt698_value_encode(struct mh_wr *w, const struct dlt698_node *nodes, size_t n);

/*
 * Typed writers: one tagged Data each. Compound heads (array, structure,
 * Region) write their tag and count; the caller writes the elements after.
 * Errors stay in w (mh_wr_err), like every mh_wr writer.
 */
void dlt698_put_null(struct mh_wr *w);
void dlt698_put_array(struct mh_wr *w, size_t n);
void dlt698_put_struct(struct mh_wr *w, size_t n);
void dlt698_put_bool(struct mh_wr *w, int v);
void dlt698_put_bits(struct mh_wr *w, const uint8_t *bytes, size_t bits);
void dlt698_put_i32(struct mh_wr *w, int32_t v);   /* double-long */
void dlt698_put_u32(struct mh_wr *w, uint32_t v);  /* double-long-unsigned */
void dlt698_put_octets(struct mh_wr *w, const uint8_t *p, size_t n);
void dlt698_put_visible(struct mh_wr *w, const char *s, size_t n);
void dlt698_put_utf8(struct mh_wr *w, const char *s, size_t n);
void dlt698_put_i8(struct mh_wr *w, int8_t v);     /* integer */
void dlt698_put_i16(struct mh_wr *w, int16_t v);   /* long */
void dlt698_put_u8(struct mh_wr *w, uint8_t v);    /* unsigned */
void dlt698_put_u16(struct mh_wr *w, uint16_t v);  /* long-unsigned */
void dlt698_put_i64(struct mh_wr *w, int64_t v);   /* long64 */
void dlt698_put_u64(struct mh_wr *w, uint64_t v);  /* long64-unsigned */
void dlt698_put_enum(struct mh_wr *w, uint8_t v);
void dlt698_put_f32(struct mh_wr *w, float v);
void dlt698_put_f64(struct mh_wr *w, double v);
/* type: DLT698_DATETIME, _DATE, _TIME or _DATETIME_S; absent fields go out as FF. */
void dlt698_put_time(struct mh_wr *w, uint8_t type, const struct mh_tm *t);
void dlt698_put_oi(struct mh_wr *w, uint16_t oi);
void dlt698_put_oad(struct mh_wr *w, uint32_t oad);
void dlt698_put_road(struct mh_wr *w, uint32_t oad, const uint32_t *cols, size_t n);
void dlt698_put_omd(struct mh_wr *w, uint32_t omd);
void dlt698_put_ti(struct mh_wr *w, uint8_t unit, uint16_t v);
/*
 * TSA of a server address given as the frame carries it (struct
 * dlt698_frame.sa: low byte first), AF = len - 1 (single address). The TSA
 * holds the address most significant byte first (AF 05, then 20 16 05 19
 * 09 07 for 201605190907): reversed from the frame's SA order.
 */
void dlt698_put_tsa(struct mh_wr *w, const uint8_t *sa, size_t len);
void dlt698_put_mac(struct mh_wr *w, const uint8_t *p, size_t n);
void dlt698_put_rn(struct mh_wr *w, const uint8_t *p, size_t n);
void dlt698_put_region(struct mh_wr *w, uint8_t unit); /* then two Data */
void dlt698_put_scaler_unit(struct mh_wr *w, int8_t scaler, uint8_t unit);
void dlt698_put_comdcb(struct mh_wr *w, const uint8_t dcb[5]);
/* A time's body without its tag, where an APDU field has a fixed time type (LINK, TimeTag). */
void dlt698_put_time_body(struct mh_wr *w, uint8_t type, const struct mh_tm *t);

/*
 * Engineering value of an integer node with a scaler: mantissa and exponent
 * (value = m * 10^(scaler)). MH_EINVAL when the node is not an integer type.
 */
int dlt698_node_dec(const struct dlt698_node *n, int scaler, struct mh_dec *out);

/*
 * One value of a decoded Data mapped through the object dictionary: the
 * node it reads, the object row that describes it, its normalized item
 * (0 when the object has none) and, for integers, its value with the
 * scaler applied, in the item's unit (the device unit when there is no
 * item) and as the device meant it.
 */
struct dlt698_reading {
    uint32_t node;
    uint32_t item;
    const struct dlt698_oi_def *def;
    struct mh_dec value;
    struct mh_dec device;
    uint8_t numeric; /* value and device are set */
};

/*
 * The readings of the Data at nodes[root] answering oad (an element OAD
 * reads that element): array elements by the object's layout (phases,
 * total and phases, total and tariffs, element rows), the first member of
 * a {value, time} element (maximum demand), the count of an event's
 * {count, seconds} pairs. Readings go to out[0..cap) in node order; returns
 * how many, MH_EOVERFLOW when cap is too small, MH_EINVAL for a bad root.
 * Nothing for an OAD the dictionary does not know. out[].def is static.
 */
int dlt698_readings(uint32_t oad, const struct dlt698_node *nodes, size_t n, size_t root,
                    struct dlt698_reading *out, size_t cap);

/* The same from the attribute's row (dlt698_oi_lookup) and element: record columns look up once. */
int dlt698_readings_of(const struct dlt698_oi_def *row, uint8_t element, const struct dlt698_node *nodes, size_t n,
                       size_t root, struct dlt698_reading *out, size_t cap);

#endif
