/*
 * Q/GDW 1376.1 application frames: request and response builders, the data
 * units of AFN 00/01/02/04/05/06/09/0A/0E/0F/10, event records (ERC) and a
 * multi-frame reassembler (docs/protocols/gdw1376-afn.md lists every Fn).
 *
 * Contracts shared by everything below:
 * - Pure code: no I/O, no clock, no allocation. Encoders write through a
 *   struct mh_wr (sticky MH_ENOSPC); decoders read through a struct mh_rd
 *   and never past what they were given.
 * - Decoded views (pointers into text, PW, forwarded frames, meter tables)
 *   borrow the caller's buffer and are valid while it is.
 * - "Data" means one (pn, Fn)'s bytes after DA/DT; "units" means a frame's
 *   whole data-unit area (DA DT data, repeated), as struct gdw1376_frame's
 *   units / units_len.
 * - Decoders return 0 or MH_E*: MH_ETRUNC when the bytes end inside a field,
 *   MH_ERANGE / MH_EPROTO for a value the standard does not allow,
 *   MH_EUNKNOWN for an Fn this module does not lay out.
 */
#ifndef MH_PROTO_GDW1376_AFN_H
#define MH_PROTO_GDW1376_AFN_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/base/rd.h"
#include "meterhub/base/wr.h"
#include "meterhub/proto/gdw1376.h"

/* ========================= framing (frame.c) ============================ */

/*
 * A frame written in two steps, so units can be laid out straight into
 * the output: begin writes 68 L L 68 C A AFN SEQ (L left open) and gives
 * the frame's start offset; the caller appends units to w; end appends
 * AUX (PW, EC, Tp; sets SEQ.TpV when tp) and fills L, CS and 16.
 * gdw1376_frame_encode is begin + units + end. A failure in end (bad Tp
 * time, user data past 16383 bytes) also marks w failed, as the frame in
 * it is incomplete.
 */
int gdw1376_frame_begin(struct mh_wr *w, uint8_t c, const struct gdw1376_addr *a, uint8_t afn,
                        uint8_t seq, size_t *start);
int gdw1376_frame_end(struct mh_wr *w, size_t start, const uint8_t *pw, size_t pw_len,
                      const uint8_t ec[2], const struct gdw1376_tp *tp);

/* ======================= data units (afn_build.c) ======================= */

/* One data unit: DA (Pn set) and DT (Fn set) as sent, plus its data. */
struct gdw1376_unit {
    uint8_t da1, da2, dt1, dt2;
    const uint8_t *data; /* borrowed; NULL when len is 0 */
    size_t len;
};

/*
 * DA for a set of Pn that share one group of eight (5.2.3.3.2): MH_EINVAL
 * when they do not, when n is 0 or 9+, or for p0 mixed with others.
 * FFFF alone is "all measuring points" (FF 00).
 */
int gdw1376_da_set(const uint16_t *pn, size_t n, uint8_t *da1, uint8_t *da2);
/* DT for a set of Fn in one group of eight; MH_EINVAL otherwise. */
int gdw1376_dt_set(const uint16_t *fn, size_t n, uint8_t *dt1, uint8_t *dt2);

/* Write DA DT (one pn, one fn) and data: the usual single-item unit. */
int gdw1376_unit_put(struct mh_wr *w, uint16_t pn, uint16_t fn, const uint8_t *data, size_t len);

/*
 * Walks a units area in the order the standard lays data out (5.2.3.3: pn
 * ascending, within a pn Fn ascending), one (pn, fn) at a time. After
 * gdw1376_units_next returns 1 the caller consumes that item's data from
 * it->r (it knows the layout of fn); the next call reads the next DA/DT
 * when the current set is exhausted.
 */
struct gdw1376_units_it {
    struct mh_rd r;
    uint16_t pn[8], fn[8];
    int np, nf, ip, jf;
};
void gdw1376_units_begin(struct gdw1376_units_it *it, const uint8_t *units, size_t len);
/* 1 with pn and fn set, 0 at the end, or MH_E* (bad DA/DT, truncated). */
int gdw1376_units_next(struct gdw1376_units_it *it, uint16_t *pn, uint16_t *fn);

/* Master -> terminal request header. */
struct gdw1376_req {
    struct gdw1376_addr addr; /* A3 = msa and group bit */
    uint8_t afn;
    uint8_t pseq;     /* 0..15 */
    uint8_t con;      /* ask the terminal to confirm */
    uint8_t func;     /* C function code; 0 = the usual one for the AFN (4A/4B/41) */
    uint8_t fcb;      /* FCB/FCV bits (C D5, D4) as wanted; usually 0 */
    const uint8_t *pw; /* PW to append on AFNs that carry it; NULL = zeros */
    uint8_t pw_len;   /* 16 (standard) or 2 (Q/GDW 130 profiles); ignored on other AFNs */
    const struct gdw1376_tp *tp; /* NULL: no Tp */
};

/* One request frame: units in order, PW when the AFN carries it, Tp. */
int gdw1376_req_encode(struct mh_wr *w, const struct gdw1376_req *r, const struct gdw1376_unit *u,
                       size_t n);

/* Terminal -> master response header. */
struct gdw1376_rsp {
    struct gdw1376_addr addr; /* the request's address (MSA echoed); msa 0 for reports */
    uint8_t afn;
    uint8_t rseq;     /* the request's PSEQ; +1 per further frame of a multi-frame reply */
    uint8_t func;     /* 0 = 8 (user data), 0 for AFN00, 4 when prm (report) */
    uint8_t prm;      /* 1 for a frame the terminal starts (active report, C4) */
    uint8_t con;      /* ask the master to confirm (reports) */
    const uint8_t *ec; /* EC1 EC2: sets ACD and appends EC; NULL: none */
    const struct gdw1376_tp *tp;
};

/*
 * The response, split over as many frames as needed so that no frame is
 * longer than max_frame bytes (whole frame, 68 .. 16), never splitting a
 * unit. Frames are written back to back into w; ends[i] receives the end
 * offset (in w) of frame i, up to max_ends. SEQ: FIR on the first, FIN on
 * the last, RSEQ rising by one per frame (mod 16). Returns the number of
 * frames, MH_EOVERFLOW when one unit alone does not fit max_frame or more
 * than max_ends frames are needed, MH_ENOSPC when w is full.
 */
int gdw1376_rsp_encode(struct mh_wr *w, const struct gdw1376_rsp *r, const struct gdw1376_unit *u,
                       size_t n, size_t max_frame, size_t *ends, size_t max_ends);

/* ================ AFN00 / AFN01 / AFN02 (afn_confirm.c) ================ */

struct gdw1376_ack_item {
    uint8_t da1, da2, dt1, dt2;
    uint8_t err; /* 0 confirmed, 1 error / denied (others kept as sent) */
};

/* A parsed AFN00: F1 all confirmed, F2 all denied, F3 per item. */
struct gdw1376_ack {
    uint16_t fn;   /* 1, 2 or 3 */
    uint8_t afn;   /* F3: the AFN being answered */
    size_t n_items;
    const uint8_t *items; /* F3: n_items x 5 bytes, view into the frame */
};

/* Units of an AFN00 F1/F2 (deny != 0) on p0. */
int gdw1376_ack_all_put(struct mh_wr *w, int deny);
/* Units of an AFN00 F3: answered AFN, then DA DT ERR per item. */
int gdw1376_ack_items_put(struct mh_wr *w, uint8_t afn, const struct gdw1376_ack_item *it, size_t n);
/*
 * Parse an AFN00 units area. Accepts F3 coded as DT 03 00 as some
 * terminals send it (12 quirks). Trailing bytes after F1/F2 are ignored,
 * as real terminals append them; F3 items must be whole.
 */
int gdw1376_ack_parse(const uint8_t *units, size_t n, struct gdw1376_ack *a);
int gdw1376_ack_item_get(const struct gdw1376_ack *a, size_t i, struct gdw1376_ack_item *it);

/* Terminal side: the confirm/deny of a master frame (C 80, PRM 0 function 0). */
int gdw1376_enc_ack(struct mh_wr *w, const struct gdw1376_addr *a, uint8_t rseq, const uint8_t *units,
                    size_t n, const uint8_t ec[2]);

/* AFN01 F1..F4 (hardware, data area, factory, parameters-except-comms) on p0. */
int gdw1376_enc_reset(struct mh_wr *w, const struct gdw1376_req *r, uint16_t fn);
/* Terminal side: the reset Fn requested (1..4), or MH_EUNKNOWN / MH_EPROTO. */
int gdw1376_reset_parse(const uint8_t *units, size_t n, uint16_t *fn);

/*
 * AFN02 units: login F1 / logout F2 / heartbeat F3 on p0. Some provincial
 * variants append the terminal clock (A.1) to F3: *clock_present says so.
 */
int gdw1376_link_parse(const uint8_t *units, size_t n, uint16_t *fn, struct mh_tm *clock,
                       int *clock_present);

/* ======================== AFN05 control (afn_control.c) ================= */

struct gdw1376_ctrl {
    uint16_t pn; /* turn (F1/F2), total-add group (F9..F24), measuring point (F41/F42), else 0 */
    uint16_t fn;
    union {
        struct {
            uint8_t alarm_delay_min; /* 0..15 */
            uint8_t limit_half_h;    /* 0..15, 0 = until close is allowed */
        } trip;                      /* F1 */
        struct {
            uint8_t periods; /* D0..D7 = periods 1..8 under control */
            uint8_t scheme;  /* 0..2 */
        } period;            /* F9 */
        struct {
            uint8_t slip_min;
            int8_t float_pct;   /* A.4: -79..79, negative = downward */
            uint8_t freeze_delay_min;
            uint8_t ctrl_half_h;
            uint8_t alarm_min[4]; /* turns 1..4 */
        } down;                  /* F12 */
        uint8_t protect_half_h;  /* F25: 0 = keep until released */
        uint32_t urge_hours;     /* F26: D0..D23 = hours 0..23 with the alarm */
        struct mh_tm clock;      /* F31 (A.1) */
        struct {
            uint8_t kind;   /* 0 normal, 1 important */
            uint8_t number; /* 0..15 */
            uint8_t len;    /* bytes of GB2312 text, at most 200 */
            const uint8_t *text;
        } msg;               /* F32 */
        uint16_t capacitors; /* F41/F42: D0..D15 = capacitor groups */
        uint8_t port;        /* F49..F53 */
    } u;
};

/* Name ("remote_trip", ...) of an AFN05 Fn, NULL when unknown. */
const char *gdw1376_ctrl_name(uint16_t fn);
/* Append one command (DA DT data). MH_EUNKNOWN, MH_ERANGE on a bad field. */
int gdw1376_ctrl_put(struct mh_wr *w, const struct gdw1376_ctrl *c);
/*
 * Terminal side: every command of an AFN05 units area into out[0..max).
 * Returns the count, MH_EOVERFLOW when there are more than max.
 */
int gdw1376_ctrl_parse(const uint8_t *units, size_t n, struct gdw1376_ctrl *out, size_t max);

/* ==================== AFN04 / AFN0A parameters (afn_param.c) ============ */

/* F10: one meter / measuring point configuration record (27 bytes). */
struct gdw1376_meter_cfg {
    uint16_t seq;        /* 1..2040 */
    uint16_t pn;         /* 0..2040, 0 = delete this record */
    uint8_t baud;        /* 0 default, 1..7 = 600..19200 */
    uint8_t port;        /* 1..31 */
    uint8_t protocol;    /* 1 DL/T 645-1997, 30 DL/T 645-2007, 2 AC sampling, 31 carrier */
    char addr[13];       /* 12 digits (A.12) */
    uint8_t password[6];
    uint8_t tariffs;     /* 0..63 */
    uint8_t int_digits;  /* 4..7 */
    uint8_t dec_digits;  /* 1..4 */
    char collector[13];  /* 12 digits, "000000000000" when none */
    uint8_t user_class;  /* big class D7..D4 */
    uint8_t user_sub;    /* small class D3..D0 */
};

struct gdw1376_report_task {
    uint8_t unit;        /* 0 minute, 1 hour, 2 day, 3 month */
    uint8_t period;      /* 1..63 */
    struct mh_tm base;   /* A.1 */
    uint8_t ratio;       /* curve extraction ratio R */
    uint8_t n_ids;       /* at most 64 */
    const uint8_t *ids;  /* n_ids x DA DT (4 bytes), view */
};

struct gdw1376_param {
    uint16_t pn, fn;
    union {
        struct {
            uint8_t rts_20ms;
            uint8_t delay_min;
            uint16_t timeout_s; /* 0..4095 */
            uint8_t retries;    /* 0..3 */
            uint8_t con_flags;  /* D0 class 1, D1 class 2, D2 class 3 reports need confirm */
            uint8_t heartbeat_min;
        } comm; /* F1 */
        struct {
            uint8_t ip[4];
            uint16_t port;
            uint8_t ip2[4];
            uint16_t port2;
            char apn[17];
        } master; /* F3 */
        struct {
            uint16_t n;          /* records */
            const uint8_t *recs; /* n x 27 bytes, view: gdw1376_meter_cfg_get */
        } meters;  /* F10 (AFN04 and AFN0A response) */
        struct {
            uint16_t pt, ct;            /* transformer ratios */
            struct gdw1376_value rated_v;   /* A.7 V */
            struct gdw1376_value rated_i;   /* A.22 A */
            struct gdw1376_value rated_kva; /* A.23 */
            uint8_t wiring; /* D1..D0 1 3-phase 3-wire, 2 3-phase 4-wire, 3 single; D3..D2 phase */
        } point;  /* F25 measuring-point base parameters */
        struct gdw1376_value value; /* F17 (A.2), F46 (A.3) */
        struct {
            uint8_t schemes;       /* D0..D2 schemes 1..3 present */
            uint8_t periods[3];    /* per scheme: D0..D7 periods with a value */
            struct gdw1376_value limit[3][8]; /* A.2, [scheme][period] */
        } period_ctrl; /* F41 */
        struct {
            struct gdw1376_value limit; /* A.2 */
            struct mh_tm start;         /* A.19 hh mm */
            uint8_t duration_half_h;
            uint8_t weekdays;           /* D1..D7 Monday..Sunday */
        } rest;  /* F42 */
        struct {
            uint64_t valid;     /* D0..D63 = ERC1..ERC64 recorded */
            uint64_t important; /* D0..D63 = ERC1..ERC64 important (EC1, F1 query) */
        } events; /* F9 */
        uint8_t byte; /* F43 slip min, F45 / F48 turn mask, F49 alarm min, F67 / F68 55/AA */
        struct {
            struct mh_tm from, to;      /* A.20 */
            struct gdw1376_value limit; /* A.2 */
        } stop;  /* F44 */
        struct {
            uint32_t order_no;
            uint8_t flag; /* 0x55 add, 0xAA refresh */
            struct gdw1376_value amount, alarm, trip; /* A.3 */
        } purchase; /* F47 */
        struct gdw1376_report_task task; /* F65 / F66 */
    } u;
};

/* Name of an AFN04/0A Fn this module lays out, NULL otherwise. */
const char *gdw1376_param_name(uint16_t fn);
/* Append one parameter (DA DT data) as AFN04 sets it or AFN0A returns it. */
int gdw1376_param_put(struct mh_wr *w, const struct gdw1376_param *p);
/* Encode one F10 record (27 bytes) / decode record i of a view. */
int gdw1376_meter_cfg_put(struct mh_wr *w, const struct gdw1376_meter_cfg *m);
int gdw1376_meter_cfg_get(const struct gdw1376_param *p, size_t i, struct gdw1376_meter_cfg *m);
/*
 * Every parameter of an AFN04 units area (or an AFN0A response) into
 * out[0..max). Returns the count, MH_EOVERFLOW past max, MH_EUNKNOWN for
 * an Fn not laid out here (its length cannot be known).
 */
int gdw1376_param_parse(const uint8_t *units, size_t n, struct gdw1376_param *out, size_t max);

/* AFN0A F10 query data: count then the record numbers asked for. */
int gdw1376_query_f10_put(struct mh_wr *w, const uint16_t *seq, uint16_t n);
/* The data it reads is 2 + 2 x *count bytes; bytes after that are left to the caller. */
int gdw1376_query_f10_parse(const uint8_t *data, size_t n, uint16_t *seq, size_t max, size_t *count);

/* One item of an AFN0A query as the terminal receives it. */
struct gdw1376_query_item {
    uint16_t pn, fn;
    const uint8_t *data; /* F10: count + record numbers; NULL for the others */
    size_t len;
};

/*
 * Terminal side: every (pn, fn) an AFN0A request asks for. Only F10
 * carries data in the Fn laid out here; an Fn this module does not know
 * is taken to carry none (the standard's query units are bare DA/DT
 * except F10, F38, F39 and the F11x group), so a following unit still
 * parses. Returns the count or MH_E*.
 */
int gdw1376_query_parse(const uint8_t *units, size_t n, struct gdw1376_query_item *out, size_t max);

/* =========================== AFN0E events (afn_event.c) ================= */

/* AFN0E F1/F2 request data: start and end pointers. */
int gdw1376_event_req_put(struct mh_wr *w, uint16_t fn, uint8_t pm, uint8_t pn);

/*
 * An AFN0E F1/F2 reply: counters, pointers, (pn - pm) mod 256 records.
 * The reply parser delimits the records by their Le only, so one record
 * whose fields do not match its ERC's row never hides the others.
 */
struct gdw1376_event_reply {
    uint16_t fn;
    uint8_t ec1, ec2, pm, pn;
    const uint8_t *recs; /* records, view */
    size_t recs_len;
};

/* Parse one reply unit (DA DT and data); *used is the bytes it took. */
int gdw1376_event_reply_parse(const uint8_t *units, size_t n, struct gdw1376_event_reply *e,
                              size_t *used);
/* Write a reply unit: header then the records already encoded (count checked). */
int gdw1376_event_reply_put(struct mh_wr *w, uint16_t fn, uint8_t ec1, uint8_t ec2, uint8_t pm,
                            uint8_t pn, const uint8_t *recs, size_t recs_len);

/* Field kinds of an ERC record. */
enum gdw1376_erc_kind {
    GDW1376_ERC_FMT = 1, /* an appendix A format (fmt) */
    GDW1376_ERC_PN,      /* 2 bytes: D11..D0 pn, D15 1 = start, 0 = restore */
    GDW1376_ERC_BIN1,    /* plain byte (flags, counts, MSA) */
    GDW1376_ERC_BIN3,    /* 3-byte binary */
    GDW1376_ERC_ASCII4,  /* version text */
    GDW1376_ERC_PW16,    /* message authentication code */
    GDW1376_ERC_UNITS,   /* the rest: DA DT identifiers (ERC3) */
};

struct gdw1376_erc_field {
    uint8_t kind; /* enum gdw1376_erc_kind */
    uint8_t fmt;  /* enum gdw1376_fmt for GDW1376_ERC_FMT */
    const char *name;
};

#define GDW1376_ERC_MAX_FIELDS 32

/* A decoded record. Fields decoded per the ERC's table row. */
struct gdw1376_erc {
    uint8_t erc, le;
    const uint8_t *data;  /* le bytes, view */
    uint8_t known;        /* 0: unknown ERC, skipped by its length */
    const char *name;
    uint8_t n_fields;
    const struct gdw1376_erc_field *fields;
    /* Per field: a decoded value (num for BIN/PN, time, text for ASCII/addr) and its bytes. */
    struct gdw1376_value v[GDW1376_ERC_MAX_FIELDS];
    const uint8_t *raw[GDW1376_ERC_MAX_FIELDS];
    uint16_t pn;          /* when the ERC has a PN field */
    uint8_t start;        /* D15 of the PN field */
};

/*
 * Decode the next record from r ({ERC Le data}). A known ERC whose Le is
 * shorter than its fields is MH_ETRUNC; a longer Le is accepted (later
 * editions append fields) and the rest is left in data. When the record
 * itself is whole (ERC, Le and Le bytes present) r is past it even on a
 * field error, so a caller can count the bad record and go on to the
 * next; MH_ETRUNC with r unmoved means the records area itself ends.
 */
int gdw1376_erc_next(struct mh_rd *r, struct gdw1376_erc *e);
/*
 * Encode a known ERC record (ERC Le data) from v[0..n), one per table
 * field in order, n equal to the row's field count. PN fields take
 * num = pn and the start flag from `start`; BIN fields num; ASCII4
 * text. ERC3's identifier list (4 bytes each) and ERC20's 16-byte PW come
 * from blob (their v entries are ignored). MH_EUNKNOWN for an ERC without
 * a row, MH_EINVAL for a wrong n or blob, MH_ERANGE for a value that
 * does not fit its format.
 */
int gdw1376_erc_put(struct mh_wr *w, uint8_t erc, const struct gdw1376_value *v, size_t n, int start,
                    const uint8_t *blob, size_t blob_len);
/* The table row of an ERC (NULL unknown). */
const struct gdw1376_erc_field *gdw1376_erc_fields(uint8_t erc, size_t *n, const char **name);

/* ================= AFN10 / AFN09 / AFN06 (afn_relay.c) ================= */

struct gdw1376_forward {
    uint8_t port;
    uint8_t ctrl;        /* baud D7..D5, stop D4, parity enable D3, odd D2, data bits D1..D0 */
    uint8_t timeout;     /* D7 1 = seconds, 0 = 10 ms; D6..D0 value */
    uint8_t byte_timeout_10ms;
    uint16_t len;
    const uint8_t *frame; /* view */
};

/* AFN10 F1 request data / reply data (reply: port, length, frame). */
int gdw1376_forward_put(struct mh_wr *w, const struct gdw1376_forward *f);
int gdw1376_forward_parse(const uint8_t *data, size_t n, struct gdw1376_forward *f, size_t *used);
int gdw1376_forward_reply_put(struct mh_wr *w, uint8_t port, const uint8_t *frame, uint16_t len);
int gdw1376_forward_reply_parse(const uint8_t *data, size_t n, struct gdw1376_forward *f,
                                size_t *used);
/* Baud rate of a control word (300..19200). */
unsigned gdw1376_forward_baud(uint8_t ctrl);
/*
 * The meter's answer in a parsed AFN10 F1 reply (p0 F1 the first unit):
 * 0 with *f (f->frame a view into fr's bytes); MH_EPROTO for another AFN
 * or unit, MH_ETIMEDOUT when the terminal reports no answer (length 0),
 * or the codec's MH_E*.
 */
int gdw1376_forward_answer(const struct gdw1376_frame *fr, struct gdw1376_forward *f);

/* AFN09 F1 terminal version information (41 bytes). */
struct gdw1376_version {
    char vendor[5];   /* ASCII 4 */
    char device[9];   /* ASCII 8 */
    char sw[5];       /* ASCII 4 */
    struct mh_tm sw_date; /* A.20 */
    char capacity[12];    /* ASCII 11: configuration capacity code */
    char proto[5];        /* ASCII 4: protocol version */
    char hw[5];           /* ASCII 4 */
    struct mh_tm hw_date; /* A.20 */
};
int gdw1376_version_put(struct mh_wr *w, const struct gdw1376_version *v);
int gdw1376_version_parse(const uint8_t *data, size_t n, struct gdw1376_version *v);

/*
 * AFN06 authentication: the blobs are vendor/key specific (ESAM), so only
 * the framing is coded here: one unit (p0, fn) whose data is a 2-byte
 * length then the bytes (random number, ciphertext, signature).
 */
int gdw1376_auth_put(struct mh_wr *w, uint16_t fn, const uint8_t *blob, uint16_t len);
int gdw1376_auth_parse(const uint8_t *units, size_t n, uint16_t *fn, const uint8_t **blob,
                       uint16_t *len);

/* ====================== AFN0F file transfer (afn_file.c) ================ */

struct gdw1376_file_seg {
    uint8_t file_id;   /* 0 = clear transfer, 1..: file kind */
    uint8_t attr;      /* 0 start/middle, 1 last */
    uint8_t cmd;       /* 0 message, 1 FTP, 2 group */
    uint16_t total;    /* segments in the file */
    uint32_t index;    /* this segment, 0-based */
    uint16_t len;
    const uint8_t *data; /* view */
};
int gdw1376_file_put(struct mh_wr *w, const struct gdw1376_file_seg *s);
int gdw1376_file_parse(const uint8_t *data, size_t n, struct gdw1376_file_seg *s, size_t *used);
/* Reply: the segment index the terminal received (4 bytes). */
int gdw1376_file_reply_put(struct mh_wr *w, uint32_t index);
int gdw1376_file_reply_parse(const uint8_t *data, size_t n, uint32_t *index);

/* ======================= multi-frame reassembly (reasm.c) =============== */

/*
 * Collects the units of a multi-frame reply in the caller's buffer.
 * Frames must arrive FIR first, then RSEQ + 1 each (mod 16), FIN last; a
 * frame with FIR restarts the message. A single frame (FIR FIN) or a lone
 * FIN frame with nothing pending (12 quirks) completes at once.
 */
struct gdw1376_reasm {
    uint8_t *buf;
    size_t cap, len;
    uint8_t afn;
    uint8_t next_seq;
    uint8_t active;
    uint16_t frames;
};
void gdw1376_reasm_init(struct gdw1376_reasm *m, uint8_t *buf, size_t cap);
void gdw1376_reasm_reset(struct gdw1376_reasm *m);
/*
 * Feed one parsed frame. Returns 1 when the message is complete (units in
 * m->buf[0..m->len)), 0 when more frames are expected, MH_EBADSEQ for a
 * frame out of order, duplicated or without a started message (state
 * kept, the frame ignored), MH_EPROTO for an AFN change mid-message,
 * MH_EOVERFLOW when the units exceed cap (message dropped).
 */
int gdw1376_reasm_feed(struct gdw1376_reasm *m, const struct gdw1376_frame *f);

/* =========== AFN0C F5 / F6 terminal control state (afn_ctrl_state.c) ========== */

/*
 * What a load-management terminal reports of its control (Q/GDW 1376.1-2013
 * 5.12, AFN0C F5 "control settings state" and F6 "current control state"),
 * the read-back a master verifies its AFN05 commands with. Groups are the
 * total-add groups whose bit is set in the valid mask, in ascending order,
 * each with a fixed-size block. Data only (after DA DT).
 */
#define GDW1376_CS_PROTECT 0x01 /* F5 byte 1 D0: protect (保电) on */
#define GDW1376_CS_REJECT 0x02  /* D1: reject (剔除) on */
#define GDW1376_CS_URGE 0x04    /* D2: urge-fee alarm on */
#define GDW1376_PC_PERIOD 0x01  /* power control state D0 period, D1 plant rest, D2 business stop, D3 float-down */
#define GDW1376_PC_REST 0x02
#define GDW1376_PC_STOP 0x04
#define GDW1376_PC_DOWN 0x08
#define GDW1376_EC_MONTH 0x01 /* energy control state D0 monthly, D1 purchased */
#define GDW1376_EC_BUY 0x02

struct gdw1376_ctrl_set_group {
    uint8_t group;        /* 1..8 */
    uint8_t scheme;       /* period control scheme 0..2 */
    uint8_t periods;      /* D0..D7 periods under period control */
    uint8_t power;        /* GDW1376_PC_* on */
    uint8_t energy;       /* GDW1376_EC_* on */
    uint8_t power_turns;  /* D0..D7 turns power control may trip */
    uint8_t energy_turns; /* D0..D7 turns energy control may trip */
};

/* F5: flags, then 6 bytes per valid group. */
struct gdw1376_ctrl_settings {
    uint8_t flags; /* GDW1376_CS_* */
    uint8_t n;     /* groups in g, ascending */
    struct gdw1376_ctrl_set_group g[8];
};

struct gdw1376_ctrl_now_group {
    uint8_t group;
    uint8_t limit[2];    /* current power limit, A.2 as sent */
    uint8_t float_a4;    /* float-down coefficient, A.4 as sent */
    uint8_t power_trip;  /* D0..D7 turns tripped by power control */
    uint8_t month_trip;  /* ... by monthly energy control */
    uint8_t buy_trip;    /* ... by purchased energy control */
    uint8_t power_alarm; /* GDW1376_PC_* over the limit */
    uint8_t energy_alarm; /* GDW1376_EC_* over the limit */
};

/* F6: remote trip output, urge-fee alarm, then 8 bytes per valid group. */
struct gdw1376_ctrl_now {
    uint8_t trip_turns; /* D0..D7 turns held open by a remote trip */
    uint8_t urge_fee;   /* D0: the urge-fee alarm is sounding */
    uint8_t n;
    struct gdw1376_ctrl_now_group g[8];
};

/* Write F5 / F6 data; MH_EINVAL for groups not ascending in 1..8 or n > 8. */
int gdw1376_ctrl_settings_put(struct mh_wr *w, const struct gdw1376_ctrl_settings *s);
int gdw1376_ctrl_now_put(struct mh_wr *w, const struct gdw1376_ctrl_now *s);
/* Parse F5 / F6 data from r (r left after it): 0, or r's error (MH_ETRUNC). */
int gdw1376_ctrl_settings_get(struct mh_rd *r, struct gdw1376_ctrl_settings *s);
int gdw1376_ctrl_now_get(struct mh_rd *r, struct gdw1376_ctrl_now *s);
/* ================ catalogue of the functions (afn_catalog.c) ============= */

/*
 * One application function the codec implements: AFN and Fn (0: any Fn),
 * `also` the AFN that carries the same data back (0x0A for the AFN04
 * parameters, 0xFF none), which way it travels (enum gdw1376_dir bits),
 * and what it carries. Ordered by AFN then Fn. The AFN09/0C/0D data is the
 * Fn dictionary (gdw1376_fn_table), the ERC records gdw1376_erc_fields.
 */
struct gdw1376_afn_fn {
    uint8_t afn, also;
    uint16_t fn;
    uint8_t dir;
    const char *what;
};
const struct gdw1376_afn_fn *gdw1376_afn_fn_table(size_t *n);

#endif
