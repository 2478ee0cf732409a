/*
 * DL/T 645-2007 and DL/T 645-1997: the meter protocol (docs/protocols/dlt645.md).
 *
 * Frame: [FE..] 68 A0..A5 68 C L DATA CS 16; every DATA byte carries +0x33
 * on the wire; CS is the byte sum from the first 68 to the last DATA byte.
 * Pure code: no I/O, no allocation; decoders point into the caller's
 * buffer or fill caller structs and never read past the length given.
 *
 * Addresses are kept as on the wire (A0 first, BCD); dlt645_addr_format
 * prints them as on the meter's nameplate (most significant first).
 */
#ifndef MH_PROTO_DLT645_H
#define MH_PROTO_DLT645_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/base/wr.h"
#include "meterhub/proto/framer.h"
#include "meterhub/proto/value.h"

#define DLT645_MIN_FRAME 12u
#define DLT645_MAX_DATA 255u

/* Control field bits (DL/T 645-2007 4.1.3). */
#define DLT645_CTRL_DIR 0x80      /* 1: meter -> master */
#define DLT645_CTRL_ABNORMAL 0x40 /* 1: error response */
#define DLT645_CTRL_FOLLOW 0x20   /* 1: more frames follow */
#define DLT645_CTRL_FUNC 0x1F

/* Function codes, 2007 edition. */
enum dlt645_func {
    DLT645_SECURITY = 0x03,
    DLT645_BROADCAST_TIME = 0x08,
    DLT645_READ = 0x11,
    DLT645_READ_FOLLOW = 0x12,
    DLT645_READ_ADDRESS = 0x13,
    DLT645_WRITE = 0x14,
    DLT645_WRITE_ADDRESS = 0x15,
    DLT645_FREEZE = 0x16,
    DLT645_CHANGE_BAUD = 0x17,
    DLT645_CHANGE_PASSWORD = 0x18,
    DLT645_CLEAR_DEMAND = 0x19,
    DLT645_CLEAR_METER = 0x1A,
    DLT645_CLEAR_EVENTS = 0x1B,
    DLT645_REMOTE_CONTROL = 0x1C,
    DLT645_OUTPUT_CONTROL = 0x1D,
};

/* Function codes, 1997 edition. */
enum dlt645_func_1997 {
    DLT645_97_READ = 0x01,
    DLT645_97_READ_FOLLOW = 0x02,
    DLT645_97_REREAD = 0x03,
    DLT645_97_WRITE = 0x04,
    DLT645_97_BROADCAST_TIME = 0x08,
    DLT645_97_WRITE_ADDRESS = 0x0A,
    DLT645_97_CHANGE_BAUD = 0x0C,
    DLT645_97_CHANGE_PASSWORD = 0x0F,
    DLT645_97_CLEAR_DEMAND = 0x10,
};

enum dlt645_edition { DLT645_2007 = 0, DLT645_1997 = 1 };

/* Remote control commands N1 (2007 7.10). */
enum dlt645_remote_cmd {
    DLT645_RC_TRIP = 0x1A,
    DLT645_RC_CLOSE_ALLOWED = 0x1B,
    DLT645_RC_CLOSE_DIRECT = 0x1C,
    DLT645_RC_ALARM = 0x2A,
    DLT645_RC_ALARM_RELEASE = 0x2B,
    DLT645_RC_KEEP_POWER = 0x3A,
    DLT645_RC_KEEP_POWER_RELEASE = 0x3B,
};

/* A frame located in a buffer: a view valid while the buffer lives. */
struct dlt645_frame {
    uint8_t addr[6];       /* wire order (A0 first) */
    uint8_t ctrl;
    uint8_t len;           /* L */
    const uint8_t *data;   /* L bytes as on the wire (still +0x33) */
    uint8_t preamble_fe;   /* FE bytes skipped before the first 68 (framer only) */
};

/* Framer (framer.h contract): FE preambles and garbage skipped, L, CS and 16 checked. */
int dlt645_frame_scan(const uint8_t *buf, size_t len, struct mh_frame_span *out);

/*
 * The framer and the parser in one pass (a session's hot path): like
 * dlt645_frame_scan, and when it returns 1, *f describes the frame (the
 * checksum is computed once). On any other return *f may have been written
 * and means nothing.
 */
int dlt645_frame_next(const uint8_t *buf, size_t len, struct mh_frame_span *out, struct dlt645_frame *f);

/*
 * Parse a frame that starts at its first 68 (the framer's span). Returns 0,
 * MH_ETRUNC, MH_EBADSTART, MH_EBADLEN, MH_EBADCS or MH_EBADEND.
 */
int dlt645_frame_parse(const uint8_t *p, size_t len, struct dlt645_frame *f);

/* DATA with the +0x33 removed into out (f->len bytes; out holds 255). */
void dlt645_data_plain(const struct dlt645_frame *f, uint8_t out[DLT645_MAX_DATA]);

/*
 * Encode a frame: preamble FE bytes (0..4), address (wire order), control,
 * plain DATA (the +0x33 is applied here). Errors through the writer
 * (MH_ENOSPC); MH_EINVAL for len > 255.
 */
int dlt645_frame_encode(struct mh_wr *w, unsigned preamble_fe, const uint8_t addr[6], uint8_t ctrl,
                        const uint8_t *plain, size_t len);

/* Edition of a frame's function code: 0x01/0x02/0x04/0x0A/0x0C/0x0F/0x10 are 1997. */
enum dlt645_edition dlt645_edition_of(uint8_t ctrl);

/* Name of a function ("read_data", "remote_control" ...), by edition. */
const char *dlt645_func_name(uint8_t ctrl, enum dlt645_edition ed);

/* Nameplate text of a wire address: 12 characters + NUL ("151230011061", "AAAAAAAAAAAA"). */
void dlt645_addr_format(const uint8_t addr[6], char out[13]);

/* Parse 12 hex/BCD characters (A for wildcard digits) into a wire address. MH_EINVAL if not. */
int dlt645_addr_parse(const char *text, uint8_t addr[6]);

/* Names of the error bits of an abnormal response's ERR byte, by edition (bit 0..7). */
const char *dlt645_err_bit_name(unsigned bit, enum dlt645_edition ed);

/* ---- data identifiers and values ---- */

/*
 * How a data item is laid out (after the +0x33 is removed; least
 * significant byte first, DL/T 645-2007 4.2 and appendix A). Sign
 * handling is part of the format: DLT645_FMT_SBCD carries the sign in bit 7
 * of the most significant byte (2007 appendix A note), every other numeric
 * format is unsigned.
 */
enum dlt645_fmt {
    DLT645_FMT_RAW,          /* shown as bytes */
    DLT645_FMT_BCD,          /* unsigned BCD with `decimals` decimals */
    DLT645_FMT_SBCD,         /* BCD, bit 7 of the most significant byte is the sign */
    DLT645_FMT_YYMMDDHHMM,   /* 5 bytes, sent mm hh DD MM YY */
    DLT645_FMT_YYMMDDHHMMSS, /* 6 bytes */
    DLT645_FMT_YYMMDDWW,     /* 4 bytes: date and weekday (0 = Sunday) */
    DLT645_FMT_HHMMSS,       /* 3 bytes */
    DLT645_FMT_MMDDHHMM,     /* 4 bytes (1997 demand time) */
    DLT645_FMT_DEMAND,       /* XX.XXXX kW (3) + YYMMDDhhmm (5) */
    DLT645_FMT_BITS,         /* status word, identifiers, operator codes (n <= 4) */
    DLT645_FMT_ADDRESS,      /* 6 BCD bytes, printed most significant first */
    DLT645_FMT_ASCII,        /* text, sent last character first (model, version, ratings) */
    DLT645_FMT_DDHH,         /* 2 bytes: settlement day and hour, sent hh DD */
    DLT645_FMT_MMDDNN,       /* 3 bytes: time-zone table row: start MM-DD, daily table NN (sent NN DD MM) */
    DLT645_FMT_HHMMNN,       /* 3 bytes: daily period table row: start hh:mm, tariff NN (sent NN mm hh) */
    DLT645_FMT_VALUE_COUNT_, /* formats above describe one value; the ones below a whole record */
    DLT645_FMT_RECORD,       /* a fixed sequence of fields (struct dlt645_field) */
    DLT645_FMT_LOAD,         /* load records (A.7): dlt645_load_decode */
};

/* DI flags: which parts of the identifier are parameters rather than identity. */
enum {
    DLT645_DI_TARIFF = 1 << 0,       /* DI1 = tariff (0 total, 1..63), FF = block of total + tariffs */
    DLT645_DI_SETTLE = 1 << 1,       /* DI0 = settlement (0 current, n = n-th last, 1..12) */
    DLT645_DI_LAST_N = 1 << 2,       /* DI0 = n-th last record / freeze (1..254) */
    DLT645_DI_PHASE_DI1 = 1 << 3,    /* DI1 = phase (1..3; 0 total where the table allows), FF block */
    DLT645_DI_1997_TARIFF = 1 << 4,  /* 1997: low nibble = tariff (0 total, F block) */
    DLT645_DI_1997_PHASE = 1 << 5,   /* 1997: low nibble = phase (0 total where allowed, F block) */
    DLT645_DI_BLOCK_END_AA = 1 << 6, /* 1997 blocks end with AA */
    DLT645_DI_BLOCK = 1 << 7,        /* may carry several values: total + tariffs, table rows */
    DLT645_DI_PHASE_TOTAL = 1 << 8,  /* phase 0 is the total (power, power factor): blocks are total, A, B, C */
    DLT645_DI_1997_MONTH = 1 << 9,   /* 1997: second nibble 0/4/8 (+1 reactive) = current, last, last-but-one month */
    DLT645_DI_FREEZE = 1 << 10,      /* DI2 = freeze type 00..07 (2007 A.6) */
};

/* One field of a record (event records, frozen variables). */
struct dlt645_field {
    uint8_t fmt;      /* enum dlt645_fmt (a value format) */
    uint8_t bytes;    /* 0: the rest of the data (last field only) */
    uint8_t decimals;
    uint8_t unit;     /* enum mh_unit */
    uint32_t item;    /* MH_ITEM_* or 0 */
    const char *name;
};

/*
 * One dictionary entry. An identifier matches when (di & mask) == di of the
 * entry; the parameter bits (tariff, phase, settlement, n-th last) are the
 * ones the mask leaves out and the flags say how to read them. The unit
 * is the engineering unit of every value (the item's canonical unit where
 * there is an item; a test checks they agree).
 */
struct dlt645_di_def {
    uint32_t di;
    uint32_t mask;
    uint8_t edition;  /* enum dlt645_edition */
    uint8_t fmt;      /* enum dlt645_fmt */
    uint8_t bytes;    /* per value (0 for records) */
    uint8_t decimals;
    uint16_t flags;
    uint8_t unit;     /* enum mh_unit */
    uint8_t nfields;  /* DLT645_FMT_RECORD */
    uint32_t item;    /* MH_ITEM_* (0: none); phase/tariff applied when decoding */
    uint8_t shape;    /* how the decoder reads the parameters: a constant of the row (dict.c), private */
    const char *name;
    const struct dlt645_field *fields; /* DLT645_FMT_RECORD: nfields fields */
};

/* The entry for an identifier, or NULL (also when a parameter is out of range). 1997 identifiers are 16-bit. */
const struct dlt645_di_def *dlt645_di_lookup(uint32_t di, enum dlt645_edition ed);

/* The whole dictionary (round-trip tests, documentation): entry i, or NULL past the end. */
const struct dlt645_di_def *dlt645_di_entry(size_t i);
size_t dlt645_di_count(void);

enum dlt645_vkind {
    DLT645_V_NUM,      /* num */
    DLT645_V_NUM_TIME, /* num with a time (max demand and when; table row start and number) */
    DLT645_V_TIME,     /* time */
    DLT645_V_BITS,     /* bits */
    DLT645_V_ADDRESS,  /* text: 12 digits */
    DLT645_V_RAW,      /* raw bytes */
    DLT645_V_NODATA,   /* the meter sent its "no data" fill (FF/EE) or digits that are not BCD */
    DLT645_V_TEXT,     /* raw bytes are characters, last character first (as sent) */
};

/*
 * A decoded value. Only the fields of its kind are meaningful: num for
 * NUM / NUM_TIME, time for TIME / NUM_TIME, bits for BITS, text for
 * ADDRESS, raw for RAW / TEXT (raw and raw_len are always set).
 */
struct dlt645_value {
    uint8_t kind;       /* enum dlt645_vkind */
    uint8_t tariff;     /* 0 total, 1..63 */
    uint8_t phase;      /* 0 none/total, 1..3 */
    uint8_t settlement; /* 0 current, n = n-th last settlement / record */
    uint8_t unit;       /* enum mh_unit (set by dlt645_values_decode) */
    uint32_t item;      /* MH_ITEM_* with tariff in E; 0 when none */
    const char *name;   /* record field name, NULL otherwise (set by dlt645_values_decode) */
    struct mh_dec num;
    struct mh_tm time;
    uint32_t bits;
    char text[13];
    const uint8_t *raw; /* into the caller's plain data */
    uint16_t raw_len;
};

/*
 * Decode one value of format fmt from n bytes. Returns 0; a "no data" fill
 * or a non-BCD digit gives kind DLT645_V_NODATA (never a number). MH_EINVAL
 * when n does not fit the format.
 */
int dlt645_value_decode(enum dlt645_fmt fmt, unsigned decimals, const uint8_t *p, size_t n,
                        struct dlt645_value *v);

/* Encode a value (the inverse; used by the meter side). MH_ERANGE when it does not fit. */
int dlt645_value_encode(enum dlt645_fmt fmt, unsigned decimals, const struct dlt645_value *v,
                        uint8_t *p, size_t n);

/*
 * The values of a read response's data (after the DI): plain points into a
 * caller buffer. Fills at most max values; returns the count, or
 * MH_EUNKNOWN when the DI is not in the dictionary (the caller shows raw
 * bytes), MH_EBADLEN when the length does not fit the entry.
 */
int dlt645_values_decode(uint32_t di, enum dlt645_edition ed, const uint8_t *plain, size_t len,
                         struct dlt645_value *out, size_t max);

/*
 * The hot path of a session that stores readings: the identifier (*di)
 * and the values of a frame's DI + data field (a normal read response;
 * the caller checks the control byte), decoded straight from the wire
 * bytes: the +0x33 is removed inside each conversion (DL/T 645-2007
 * 4.1.5), without the copy dlt645_data_plain makes. The identifier is 4
 * bytes for ed 2007, 2 for 1997. Values as dlt645_values_decode gives
 * them, except that raw points to the value's bytes as on the wire
 * (still +0x33, inside f->data): a caller that shows raw bytes (text,
 * unknown formats, "no data" fills) decodes dlt645_data_plain's copy with
 * dlt645_values_decode instead. Returns the count, MH_EBADLEN when the
 * field is shorter than the identifier or the data does not fit the
 * entry, MH_EUNKNOWN when the identifier is not in the dictionary.
 */
int dlt645_frame_values(const struct dlt645_frame *f, enum dlt645_edition ed, uint32_t *di,
                        struct dlt645_value *out, size_t max);

/*
 * Load records (2007 A.7): A0 A0, length, record time, up to six classes
 * each closed by AA, checksum, E5; several records may follow each other.
 * Decode gives per record its time (no item; "no data" when the meter
 * marked the block E0 E0) and then the values of each class present, each
 * with its item, unit and field name. `last` goes into settlement.
 * Returns the count, MH_EBADSTART / MH_EBADLEN / MH_EBADEND when the
 * structure is wrong. Encode is the inverse (values as decode gives them:
 * a time, then whole classes recognised by their first item) and returns
 * the byte count.
 */
int dlt645_load_decode(const uint8_t *p, size_t len, uint8_t last, struct dlt645_value *out, size_t max);
int dlt645_load_encode(const struct dlt645_value *v, size_t n, uint8_t *data, size_t cap);

/* ---- commands and responses (master and meter side) ---- */

/* Authority sent with writes and controls: password level PA, password P0..P2, operator C0..C3. */
struct dlt645_auth {
    uint8_t level;       /* PA: 02, 04; 98/99 ESAM-protected */
    uint32_t password;   /* 6 BCD digits, e.g. 0x000000 */
    uint32_t operator_code;
};

/* Master -> meter. Each writes one frame (4 FE preamble bytes) into w; returns 0 or MH_E*. */
int dlt645_enc_read(struct mh_wr *w, const uint8_t addr[6], enum dlt645_edition ed, uint32_t di);
/* Load-record read: DI + N records [+ start time mm hh DD MM YY when start != NULL]. */
int dlt645_enc_read_records(struct mh_wr *w, const uint8_t addr[6], uint32_t di, uint8_t n,
                            const struct mh_tm *start);
/* Follow-up read: 2007 0x12 DI + SEQ; 1997 0x02 DI only (seq ignored). */
int dlt645_enc_read_follow(struct mh_wr *w, const uint8_t addr[6], enum dlt645_edition ed, uint32_t di,
                           uint8_t seq);
int dlt645_enc_read_address(struct mh_wr *w);
/* Write: 2007 0x14 DI + PA P0..P2 + C0..C3 + data; 1997 0x04 DI(2) + PA P0..P2 + data (no operator code). */
int dlt645_enc_write(struct mh_wr *w, const uint8_t addr[6], enum dlt645_edition ed, uint32_t di,
                     const struct dlt645_auth *a, const uint8_t *data, size_t len);
/* Write address to the one meter on the line (AA..AA): 2007 0x15, 1997 0x0A. */
int dlt645_enc_write_address(struct mh_wr *w, enum dlt645_edition ed, const uint8_t new_addr[6]);
/* Broadcast time to 99..99 (no reply). The time must be a full, valid date-time. */
int dlt645_enc_broadcast_time(struct mh_wr *w, const struct mh_tm *t);
/* Freeze at mm hh DD MM; 0x99 in a field = every (BCD 99). */
int dlt645_enc_freeze(struct mh_wr *w, const uint8_t addr[6], uint8_t mm, uint8_t hh, uint8_t dd, uint8_t mo);
/* Baud rate bit mask Z (bit1 600 .. bit6 19200); MH_EINVAL for another rate. */
int dlt645_enc_change_baud(struct mh_wr *w, const uint8_t addr[6], enum dlt645_edition ed, unsigned baud);
int dlt645_enc_change_password(struct mh_wr *w, const uint8_t addr[6], uint8_t level,
                               uint32_t old_pw, uint8_t new_level, uint32_t new_pw);
/* Clear max demand (0x19), meter (0x1A), events (0x1B: event_di, FFFFFFFF = all). */
int dlt645_enc_clear(struct mh_wr *w, const uint8_t addr[6], uint8_t func, const struct dlt645_auth *a,
                     uint32_t event_di);
/* Remote control (0x1C): command N1 valid until the given time. */
int dlt645_enc_remote_control(struct mh_wr *w, const uint8_t addr[6], const struct dlt645_auth *a,
                              enum dlt645_remote_cmd cmd, const struct mh_tm *valid_until);

/* Multi-function terminal output (0x1D): 00 clock pulse, 01 demand period, 02 time-period switch. */
int dlt645_enc_output_control(struct mh_wr *w, const uint8_t addr[6], uint8_t mode);
/* Security authentication (0x03): the ESAM exchange is opaque here (the smart-meter supplement defines it). */
int dlt645_enc_security(struct mh_wr *w, const uint8_t addr[6], const uint8_t *data, size_t len);
/* 1997 re-read (0x03): the meter repeats its last reply. */
int dlt645_enc_reread_97(struct mh_wr *w, const uint8_t addr[6]);
/* 1997 change password (0x0F): old PA P0..P2 + new PA P0..P2. */
int dlt645_enc_change_password_97(struct mh_wr *w, const uint8_t addr[6], uint8_t level, uint32_t old_pw,
                                  uint8_t new_level, uint32_t new_pw);
/* 1997 clear maximum demand (0x10): PA P0..P2. */
int dlt645_enc_clear_demand_97(struct mh_wr *w, const uint8_t addr[6], uint8_t level, uint32_t pw);

/* Meter -> master. */
/* Read response: DI + data (already encoded values); follow sets D5; seq >= 0 adds SEQ (0x92/0xB2). */
int dlt645_enc_read_response(struct mh_wr *w, const uint8_t addr[6], enum dlt645_edition ed, uint32_t di,
                             const uint8_t *data, size_t len, int follow, int seq);
/* Normal response without data (write, clear, control ...) to function func. */
int dlt645_enc_ack(struct mh_wr *w, const uint8_t addr[6], uint8_t func, const uint8_t *data, size_t len);
/* Abnormal response to func with ERR. */
int dlt645_enc_error(struct mh_wr *w, const uint8_t addr[6], uint8_t func, uint8_t err);

/*
 * Encode values of the dictionary entry for di into data (the meter side of
 * a read): n values for a block, 1 otherwise. Returns the byte count.
 */
int dlt645_values_encode(uint32_t di, enum dlt645_edition ed, const struct dlt645_value *v, size_t n,
                         uint8_t *data, size_t cap);

#endif
