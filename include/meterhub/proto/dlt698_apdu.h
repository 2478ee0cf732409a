/*
 * DL/T 698.45 application layer (clause 8, docs/protocols/dlt698-apdu.md):
 * every APDU both ways (client = master, server = terminal or meter), and
 * link-layer fragmentation (clause 7, link layer).
 *
 * Invariants and ownership:
 * - Typed data is opaque here: a Data value is its encoded bytes (tag
 *   included), a struct dlt698_bytes. Encoders copy the bytes they are given
 *   verbatim; decoders return views found by walking each Data with
 *   dlt698_data_skip. A view points into the decoded buffer and is valid as
 *   long as that buffer is.
 * - Decoders never allocate and never read past the given length. A list is
 *   returned as a struct dlt698_items (kind, count, view of the encoded
 *   items), already validated in full by the decoder; walk it with
 *   dlt698_items_begin / dlt698_items_next.
 * - Encoders write to a bounded struct mh_wr and return its sticky error
 *   (MH_ENOSPC), or MH_EINVAL for arguments the wire cannot carry.
 * - Every client APDU ends with TimeTag OPTIONAL; every server APDU with
 *   FollowReport OPTIONAL + TimeTag OPTIONAL; LINK and SECURITY with neither
 *   (clause 8, application layer). struct dlt698_tail carries both (NULL = absent).
 */
#ifndef MH_PROTO_DLT698_APDU_H
#define MH_PROTO_DLT698_APDU_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/base/rd.h"
#include "meterhub/base/wr.h"
#include "meterhub/proto/dlt698.h"
#include "meterhub/proto/value.h"

/* APDU tags (clause 8, application layer). */
enum {
    DLT698_LINK_REQUEST = 0x01,
    DLT698_CONNECT_REQUEST = 0x02,
    DLT698_RELEASE_REQUEST = 0x03,
    DLT698_GET_REQUEST = 0x05,
    DLT698_SET_REQUEST = 0x06,
    DLT698_ACTION_REQUEST = 0x07,
    DLT698_REPORT_RESPONSE = 0x08,
    DLT698_PROXY_REQUEST = 0x09,
    DLT698_SECURITY_REQUEST = 0x10,
    DLT698_ERROR_RESPONSE_C = 0x6E,
    DLT698_LINK_RESPONSE = 0x81,
    DLT698_CONNECT_RESPONSE = 0x82,
    DLT698_RELEASE_RESPONSE = 0x83,
    DLT698_RELEASE_NOTIFICATION = 0x84,
    DLT698_GET_RESPONSE = 0x85,
    DLT698_SET_RESPONSE = 0x86,
    DLT698_ACTION_RESPONSE = 0x87,
    DLT698_REPORT_NOTIFICATION = 0x88,
    DLT698_PROXY_RESPONSE = 0x89,
    DLT698_SECURITY_RESPONSE = 0x90,
    DLT698_ERROR_RESPONSE_S = 0xEE,
};

/* PIID (client) and PIID-ACD (server): bit 7 priority, bit 6 ACD, bits 5..0 sequence. */
#define DLT698_PIID(seq, high) ((uint8_t)(((high) ? 0x80 : 0) | ((seq)&0x3F)))
#define DLT698_PIID_ACD 0x40

/* Encoded bytes (a Data, an RSD, an RCSD, an octet-string's content ...). */
struct dlt698_bytes {
    const uint8_t *p;
    size_t len;
};

/* TimeTag (clause 8): send time + allowed delay TI (unit 0 s .. 5 year, value). */
struct dlt698_timetag {
    struct mh_tm send; /* date_time_s; fields absent from has are sent as FF */
    uint8_t unit;
    uint16_t value;
};

/*
 * The optional end of an APDU. follow is the FollowReport's encoding after
 * its OPTIONAL marker: CHOICE (1 SEQUENCE OF A-ResultNormal, 2 SEQUENCE OF
 * A-ResultRecord) and the sequence; build it with dlt698_enc_follow_report.
 */
struct dlt698_tail {
    const struct dlt698_timetag *tt;   /* NULL: absent */
    const struct dlt698_bytes *follow; /* NULL: absent; servers only (MH_EINVAL on a client APDU) */
};

/* ---- list items ---- */

enum dlt698_item_kind {
    DLT698_ITEM_OAD = 1,           /* uint32_t: OAD, OMD */
    DLT698_ITEM_RESULT_NORMAL,     /* A-ResultNormal: OAD, Get-Result */
    DLT698_ITEM_RESULT_RECORD,     /* A-ResultRecord: OAD, RCSD, DAR or rows */
    DLT698_ITEM_GET_RECORD,        /* GetRecord: OAD, RSD, RCSD */
    DLT698_ITEM_OAD_DATA,          /* OAD/OMD, Data (SET, ACTION requests) */
    DLT698_ITEM_OAD_DAR,           /* OAD, DAR (SET responses) */
    DLT698_ITEM_THEN_GET,          /* OAD/OMD, Data, OAD, delay (set-then-get, action-then-get) */
    DLT698_ITEM_SET_GET_RESULT,    /* OAD, DAR, A-ResultNormal */
    DLT698_ITEM_ACTION_RESULT,     /* OMD, DAR, Data OPTIONAL */
    DLT698_ITEM_ACTION_GET_RESULT, /* OMD, DAR, Data OPTIONAL, A-ResultNormal */
    DLT698_ITEM_PROXY_REQ,         /* TSA, timeout, SEQUENCE OF <sub> */
    DLT698_ITEM_PROXY_RESP,        /* TSA, SEQUENCE OF <sub> */
    DLT698_ITEM_OCTETS,            /* octet-string (ReportNotificationTransData frames) */
    DLT698_ITEM_KIND_COUNT
};

/* A list as decoded: count, the encoded items, what each item is. */
struct dlt698_items {
    uint8_t kind;
    uint8_t sub; /* PROXY_REQ / PROXY_RESP: kind of the inner items */
    uint32_t n;
    struct dlt698_bytes raw;
};

/* A-ResultNormal. Get-Result is CHOICE {0 DAR, 1 Data}: data.p == NULL means DAR. */
struct dlt698_result_normal {
    uint32_t oad;
    uint8_t dar;
    struct dlt698_bytes data;
};

/*
 * A-ResultRecord. rcsd is the whole encoded RCSD (count + CSDs); columns its
 * CSD count. rows.p == NULL means DAR; otherwise nrows rows of exactly
 * `columns` Data each, concatenated in rows (no per-row length, clause 8).
 */
struct dlt698_result_record {
    uint32_t oad;
    struct dlt698_bytes rcsd;
    uint32_t columns;
    uint8_t dar;
    uint32_t nrows;
    struct dlt698_bytes rows;
};

/* GetRecord: rsd and rcsd are whole encodings (selector + content; count + CSDs). */
struct dlt698_get_record {
    uint32_t oad;
    struct dlt698_bytes rsd;
    struct dlt698_bytes rcsd;
};

struct dlt698_oad_data {
    uint32_t oad; /* OAD, or OMD for ACTION */
    struct dlt698_bytes data;
};

struct dlt698_oad_dar {
    uint32_t oad;
    uint8_t dar;
};

/* Set-then-get and action-then-get request items; delay in seconds before the read. */
struct dlt698_then_get {
    uint32_t oad; /* OAD to set, or OMD to act on */
    struct dlt698_bytes data;
    uint32_t get_oad;
    uint8_t delay;
};

struct dlt698_set_get_result {
    uint32_t oad;
    uint8_t dar;
    struct dlt698_result_normal get;
};

/* ACTION result: data.p == NULL when the OPTIONAL return Data is absent. */
struct dlt698_action_result {
    uint32_t omd;
    uint8_t dar;
    struct dlt698_bytes data;
    struct dlt698_result_normal get; /* ACTION_GET_RESULT only */
};

/* PROXY per-server entry: tsa is the TSA content (AF + address), sub the inner list. */
struct dlt698_proxy_entry {
    struct dlt698_bytes tsa;
    uint16_t timeout; /* PROXY_REQ only, seconds */
    struct dlt698_items sub;
};

/*
 * PROXY per-server entry as the encoder takes it: items points to an array
 * of the inner kind's struct (uint32_t OADs for GetList; dlt698_oad_data,
 * dlt698_then_get for Set/Action lists; dlt698_result_normal,
 * dlt698_oad_dar, dlt698_set_get_result, dlt698_action_result for the
 * responses).
 */
struct dlt698_proxy_target {
    struct dlt698_bytes tsa;
    uint16_t timeout;
    const void *items;
    size_t n;
};

union dlt698_item {
    uint32_t oad;
    struct dlt698_result_normal rn;
    struct dlt698_result_record rr;
    struct dlt698_get_record gr;
    struct dlt698_oad_data od;
    struct dlt698_oad_dar dar;
    struct dlt698_then_get tg;
    struct dlt698_set_get_result sg;
    struct dlt698_action_result ar;
    struct dlt698_proxy_entry px;
    struct dlt698_bytes octets;
};

struct dlt698_iter {
    struct mh_rd r;
    uint8_t kind, sub;
    uint32_t left;
};

/*
 * Walk a list the decoder returned (its validation is what the iterator
 * relies on: e.g. the last A-ResultRecord's rows are taken as the rest of
 * the list without a second walk). Reads stay bounded by items->raw even
 * for a hand-built list; only the counts could then disagree.
 */
void dlt698_items_begin(const struct dlt698_items *items, struct dlt698_iter *it);

/* Next item into *out (the member named by the kind): 1, 0 at the end, or a negative MH_E*. */
int dlt698_items_next(struct dlt698_iter *it, union dlt698_item *out);

/* Walk each cell of record rows: one Data view per call; 1, 0 at the end, or MH_E*. */
int dlt698_data_view(struct mh_rd *r, struct dlt698_bytes *out);

/* ---- decoded APDU ---- */

struct dlt698_link_request {
    uint8_t type;       /* 0 login, 1 heartbeat, 2 logout */
    uint16_t heartbeat; /* seconds */
    struct mh_tm time;  /* date_time */
};

struct dlt698_link_response {
    uint8_t result; /* bit 7 clock trusted; bits 2..0: 0 ok, 1 address duplicated, 2 illegal device,
                       3 full */
    struct mh_tm request, receive, response; /* date_time each */
};

/* CONNECT negotiation fields common to request and response. */
struct dlt698_connect_params {
    uint16_t version;
    uint8_t protocol_conf[8];
    uint8_t function_conf[16];
    uint16_t max_send, max_recv; /* frame sizes, bytes of L */
    uint8_t window;
    uint16_t max_apdu;
    uint32_t timeout; /* seconds */
};

enum {
    DLT698_AUTH_NULL = 0,
    DLT698_AUTH_PASSWORD = 1,
    DLT698_AUTH_SYMMETRY = 2,
    DLT698_AUTH_SIGNATURE = 3
};

struct dlt698_connect_request {
    struct dlt698_connect_params params;
    uint8_t mechanism;                     /* DLT698_AUTH_* */
    struct dlt698_bytes password;          /* PASSWORD: visible-string content */
    struct dlt698_bytes cipher, signature; /* SYMMETRY / SIGNATURE: octet-string contents */
};

/* FactoryVersion: fixed-size visible-strings, no length prefix (clause 8). */
struct dlt698_factory_version {
    char vendor[4], sw_version[4], sw_date[6], hw_version[4], hw_date[6], extension[8];
};

struct dlt698_connect_response {
    struct dlt698_factory_version factory;
    struct dlt698_connect_params params;
    uint8_t result; /* 0 accepted, 1 password, 2 symmetric, 3 asymmetric, 4 signature, 5 version,
                       255 other */
    uint8_t has_security;
    struct dlt698_bytes server_rn, server_signature; /* SecurityData when has_security */
};

struct dlt698_release_notification {
    struct mh_tm connected, now; /* date_time_s each */
};

/* GetResponseNext / the Next block: DAR or a list of results. */
struct dlt698_get_next {
    uint8_t last; /* 1: this is the last block */
    uint16_t block;
    uint8_t dar; /* when items.n == 0 and items.kind == 0 */
};

/* PROXY TransCommandRequest: port OAD, COMDCB, timeouts, command frame. */
struct dlt698_trans_command {
    uint32_t port;
    uint8_t comdcb[5];      /* baud, parity, data bits, stop bits, flow */
    uint16_t frame_timeout; /* s */
    uint16_t byte_timeout;  /* ms */
    struct dlt698_bytes command;
};

/* SECURITY (clause 8). Verification CHOICE of the request. */
enum { DLT698_SEC_SID_MAC = 0, DLT698_SEC_RN = 1, DLT698_SEC_RN_MAC = 2, DLT698_SEC_SID = 3 };

struct dlt698_security {
    uint8_t kind;                  /* request: 0 plaintext, 1 ciphertext; response: also 2 DAR */
    struct dlt698_bytes body;      /* the plaintext APDU or ciphertext (octet-string content) */
    uint8_t dar;                   /* response kind 2 */
    int8_t verify;                 /* request: DLT698_SEC_*; response: 0 MAC, -1 absent */
    uint32_t sid;                  /* SID / SID_MAC: identifier */
    struct dlt698_bytes sid_extra; /* SID attached data */
    struct dlt698_bytes rn, mac;
};

/*
 * One APDU decoded. Which fields are set depends on tag and choice:
 * piid always (PIID or PIID-ACD) except SECURITY; items for every list or
 * single-item service (a Normal service is a list of one), with the kind
 * given in docs/protocols/dlt698-apdu.md; the union for the rest.
 */
struct dlt698_apdu {
    uint8_t tag;
    uint8_t choice; /* service CHOICE; 0 for LINK, CONNECT, RELEASE */
    uint8_t piid;
    struct dlt698_items items;
    union {
        struct dlt698_link_request link_req;
        struct dlt698_link_response link_resp;
        struct dlt698_connect_request connect_req;
        struct dlt698_connect_response connect_resp;
        struct dlt698_release_notification release_note;
        struct dlt698_get_next next;
        struct dlt698_trans_command trans; /* also ReportNotificationTransData: port */
        struct dlt698_security sec;
        uint16_t block;          /* GetRequestNext: last block received */
        uint8_t result;          /* RELEASE-Response result, ERROR-Response type */
        struct dlt698_bytes md5; /* GetResponseMD5 octet-string content (p NULL = DAR in items) */
    } u;
    uint16_t timeout;        /* PROXY requests: overall timeout (s) */
    struct dlt698_bytes tsa; /* PROXY GetRequestRecord / GetResponseRecord target */
    uint8_t dar;             /* single-DAR results (TransCommand, MD5, Next) */
    uint8_t has_follow, has_tt;
    uint8_t follow_choice; /* 1 A-ResultNormal, 2 A-ResultRecord */
    struct dlt698_items follow;
    struct dlt698_bytes follow_raw; /* choice + sequence, for re-encoding */
    struct dlt698_timetag tt;
};

/*
 * Decode one whole APDU (after the link layer and any reassembly). Fills a
 * (views into p). Returns 0; MH_ETRUNC when p ends inside a field;
 * MH_EUNKNOWN for an unknown tag or choice; MH_EPROTO for a bad CHOICE or
 * OPTIONAL byte; MH_EBADLEN for a count larger than the bytes left;
 * MH_EDEPTH for nesting beyond DLT698_MAX_DEPTH; MH_ETRAILING when bytes
 * follow the APDU.
 */
int dlt698_apdu_decode(const uint8_t *p, size_t len, struct dlt698_apdu *a);

/* ---- encoders: tail NULL = no FollowReport, no TimeTag ---- */

/* FollowReport content (after its marker): choice 1 with normals, or 2 with records. */
int dlt698_enc_follow_report(struct mh_wr *w, const struct dlt698_result_normal *normals,
                             const struct dlt698_result_record *records, size_t n);

/* LINK (function code 1): request from the server, response from the client. */
int dlt698_enc_link_request(struct mh_wr *w, uint8_t piid_acd, uint8_t type, uint16_t heartbeat,
                            const struct mh_tm *time);

/* GET requests (client). */
int dlt698_enc_get_normal(struct mh_wr *w, uint8_t piid, uint32_t oad,
                          const struct dlt698_tail *tail);
int dlt698_enc_get_normal_list(struct mh_wr *w, uint8_t piid, const uint32_t *oads, size_t n,
                               const struct dlt698_tail *tail);
int dlt698_enc_get_record(struct mh_wr *w, uint8_t piid, const struct dlt698_get_record *rec,
                          const struct dlt698_tail *tail);
int dlt698_enc_get_record_list(struct mh_wr *w, uint8_t piid, const struct dlt698_get_record *recs,
                               size_t n, const struct dlt698_tail *tail);
int dlt698_enc_get_next(struct mh_wr *w, uint8_t piid, uint16_t last_block,
                        const struct dlt698_tail *tail);
int dlt698_enc_get_md5(struct mh_wr *w, uint8_t piid, uint32_t oad, const struct dlt698_tail *tail);

/* GET responses (server). */
int dlt698_enc_get_response_normal(struct mh_wr *w, uint8_t piid_acd,
                                   const struct dlt698_result_normal *res,
                                   const struct dlt698_tail *tail);
int dlt698_enc_get_response_list(struct mh_wr *w, uint8_t piid_acd,
                                 const struct dlt698_result_normal *res, size_t n,
                                 const struct dlt698_tail *tail);
int dlt698_enc_get_response_record(struct mh_wr *w, uint8_t piid_acd,
                                   const struct dlt698_result_record *rec,
                                   const struct dlt698_tail *tail);
int dlt698_enc_get_response_record_list(struct mh_wr *w, uint8_t piid_acd,
                                        const struct dlt698_result_record *recs, size_t n,
                                        const struct dlt698_tail *tail);
/* Next block: normals (choice 1) or records (choice 2), or neither: choice 0 with dar. */
int dlt698_enc_get_response_next(struct mh_wr *w, uint8_t piid_acd, int last, uint16_t block,
                                 uint8_t dar, const struct dlt698_result_normal *normals,
                                 const struct dlt698_result_record *records, size_t n,
                                 const struct dlt698_tail *tail);
/* MD5: digest NULL sends dar. */
int dlt698_enc_get_response_md5(struct mh_wr *w, uint8_t piid_acd, uint32_t oad, uint8_t dar,
                                const struct dlt698_bytes *digest, const struct dlt698_tail *tail);

/* SET (client requests, server responses). */
int dlt698_enc_set_normal(struct mh_wr *w, uint8_t piid, const struct dlt698_oad_data *item,
                          const struct dlt698_tail *tail);
int dlt698_enc_set_list(struct mh_wr *w, uint8_t piid, const struct dlt698_oad_data *items,
                        size_t n, const struct dlt698_tail *tail);
int dlt698_enc_set_then_get(struct mh_wr *w, uint8_t piid, const struct dlt698_then_get *items,
                            size_t n, const struct dlt698_tail *tail);
int dlt698_enc_set_response_normal(struct mh_wr *w, uint8_t piid_acd,
                                   const struct dlt698_oad_dar *item,
                                   const struct dlt698_tail *tail);
int dlt698_enc_set_response_list(struct mh_wr *w, uint8_t piid_acd,
                                 const struct dlt698_oad_dar *items, size_t n,
                                 const struct dlt698_tail *tail);
int dlt698_enc_set_then_get_response(struct mh_wr *w, uint8_t piid_acd,
                                     const struct dlt698_set_get_result *items, size_t n,
                                     const struct dlt698_tail *tail);

/* ACTION (client requests with OMD, server responses). */
int dlt698_enc_action_normal(struct mh_wr *w, uint8_t piid, const struct dlt698_oad_data *item,
                             const struct dlt698_tail *tail);
int dlt698_enc_action_list(struct mh_wr *w, uint8_t piid, const struct dlt698_oad_data *items,
                           size_t n, const struct dlt698_tail *tail);
int dlt698_enc_action_then_get(struct mh_wr *w, uint8_t piid, const struct dlt698_then_get *items,
                               size_t n, const struct dlt698_tail *tail);
int dlt698_enc_action_response_normal(struct mh_wr *w, uint8_t piid_acd,
                                      const struct dlt698_action_result *item,
                                      const struct dlt698_tail *tail);
int dlt698_enc_action_response_list(struct mh_wr *w, uint8_t piid_acd,
                                    const struct dlt698_action_result *items, size_t n,
                                    const struct dlt698_tail *tail);
int dlt698_enc_action_then_get_response(struct mh_wr *w, uint8_t piid_acd,
                                        const struct dlt698_action_result *items, size_t n,
                                        const struct dlt698_tail *tail);

/* REPORT: notifications from the server, the client's response listing the OADs it took. */
int dlt698_enc_report_list(struct mh_wr *w, uint8_t piid_acd,
                           const struct dlt698_result_normal *res, size_t n,
                           const struct dlt698_tail *tail);
int dlt698_enc_report_record_list(struct mh_wr *w, uint8_t piid_acd,
                                  const struct dlt698_result_record *recs, size_t n,
                                  const struct dlt698_tail *tail);
/* ReportNotificationTransData: transparent frames received on port (an OAD such as F2010201). */
int dlt698_enc_report_trans_data(struct mh_wr *w, uint8_t piid_acd, uint32_t port,
                                 const struct dlt698_bytes *frames, size_t n,
                                 const struct dlt698_tail *tail);
/* choice 1 (answer to a List) or 2 (answer to a RecordList). */
int dlt698_enc_report_response(struct mh_wr *w, uint8_t choice, uint8_t piid, const uint32_t *oads,
                               size_t n, const struct dlt698_tail *tail);

/* CONNECT / RELEASE (clause 8). */
int dlt698_enc_connect_request(struct mh_wr *w, uint8_t piid,
                               const struct dlt698_connect_request *req,
                               const struct dlt698_tail *tail);
int dlt698_enc_connect_response(struct mh_wr *w, uint8_t piid_acd,
                                const struct dlt698_connect_response *resp,
                                const struct dlt698_tail *tail);
int dlt698_enc_release_request(struct mh_wr *w, uint8_t piid, const struct dlt698_tail *tail);
int dlt698_enc_release_response(struct mh_wr *w, uint8_t piid_acd, uint8_t result,
                                const struct dlt698_tail *tail);
int dlt698_enc_release_notification(struct mh_wr *w, uint8_t piid_acd,
                                    const struct mh_tm *connected, const struct mh_tm *now,
                                    const struct dlt698_tail *tail);

/* ERROR-Response from the client (tag 6E) or the server (EE): type 1 unparsable, 2 unsupported, 255
 * other. */
int dlt698_enc_error_response(struct mh_wr *w, int server, uint8_t piid, uint8_t type,
                              const struct dlt698_tail *tail);

/*
 * PROXY (clause 8). choice 1 GetList, 3 SetList, 4 SetThenGetList,
 * 5 ActionList, 6 ActionThenGetList: one dlt698_proxy_target per server
 * (items typed as that header comment says); the overall timeout is for
 * requests only. GetRecord (2) and TransCommand (7) have their own calls.
 */
int dlt698_enc_proxy_request(struct mh_wr *w, uint8_t choice, uint8_t piid, uint16_t timeout,
                             const struct dlt698_proxy_target *targets, size_t n,
                             const struct dlt698_tail *tail);
int dlt698_enc_proxy_response(struct mh_wr *w, uint8_t choice, uint8_t piid_acd,
                              const struct dlt698_proxy_target *targets, size_t n,
                              const struct dlt698_tail *tail);
int dlt698_enc_proxy_get_record(struct mh_wr *w, uint8_t piid, uint16_t timeout,
                                const struct dlt698_bytes *tsa, const struct dlt698_get_record *rec,
                                const struct dlt698_tail *tail);
int dlt698_enc_proxy_get_record_response(struct mh_wr *w, uint8_t piid_acd,
                                         const struct dlt698_bytes *tsa,
                                         const struct dlt698_result_record *rec,
                                         const struct dlt698_tail *tail);
int dlt698_enc_proxy_trans_command(struct mh_wr *w, uint8_t piid,
                                   const struct dlt698_trans_command *cmd,
                                   const struct dlt698_tail *tail);
/* reply NULL sends dar. */
int dlt698_enc_proxy_trans_response(struct mh_wr *w, uint8_t piid_acd, uint32_t port, uint8_t dar,
                                    const struct dlt698_bytes *reply,
                                    const struct dlt698_tail *tail);

/*
 * SECURITY (clause 8). The raw envelope both ways from struct
 * dlt698_security (kind, body, verification); then the hooked helpers that
 * wrap / unwrap an APDU through an ESAM or software implementation.
 */
int dlt698_enc_security_request(struct mh_wr *w, const struct dlt698_security *s);
int dlt698_enc_security_response(struct mh_wr *w, const struct dlt698_security *s);

/*
 * Security hook: the cryptography the envelope needs, supplied by an ESAM
 * driver or a software implementation. Each call writes its output to the
 * bounded writer and returns 0 or a negative MH_E*; a NULL member means the
 * mode is not available (MH_ENOTSUP).
 */
struct dlt698_security_ops {
    void *ctx;
    /* CONNECT mechanisms 2 / 3: the client's ciphertext and signature. */
    int (*connect_auth)(void *ctx, uint8_t mechanism, struct mh_wr *cipher,
                        struct mh_wr *signature);
    /* CONNECT-Response SecurityData: verify the server's random number and signature. */
    int (*connect_verify)(void *ctx, const struct dlt698_bytes *rn,
                          const struct dlt698_bytes *signature);
    int (*encrypt)(void *ctx, const struct dlt698_bytes *plain, struct mh_wr *out);
    int (*decrypt)(void *ctx, const struct dlt698_bytes *cipher, struct mh_wr *out);
    /* MAC over body (as carried) with the request's RN when given. */
    int (*mac)(void *ctx, const struct dlt698_bytes *body, const struct dlt698_bytes *rn,
               struct mh_wr *out);
    /* The random number for RN / RN_MAC requests. */
    int (*random)(void *ctx, struct mh_wr *out);
};

/*
 * Wrap apdu in a SECURITY-Request: plaintext (cipher 0) or ciphertext
 * (cipher 1, through ops->encrypt), verification DLT698_SEC_RN or
 * DLT698_SEC_RN_MAC (ops->random, ops->mac). scratch holds the ciphertext,
 * RN and MAC while encoding (borrowed; 2 × apdu_len + 64 is enough). The RN
 * sent is copied to rn_out (when not NULL; up to rn_cap bytes) so the
 * response's MAC can be checked against it. Returns 0 or MH_E*.
 */
int dlt698_security_wrap(struct mh_wr *w, const struct dlt698_security_ops *ops, int cipher,
                         int verify, const uint8_t *apdu, size_t apdu_len, uint8_t *scratch,
                         size_t scratch_cap, uint8_t *rn_out, size_t rn_cap, size_t *rn_len);

/*
 * Unwrap a decoded SECURITY APDU (request or response): the inner APDU
 * into out (decrypted through ops->decrypt when ciphertext), then, when it
 * carries a MAC, check it with ops->mac against rn (the request's RN for a
 * response; NULL uses the envelope's own). Returns the inner length; MH_EPROTO
 * for a DAR response (dar in the envelope), MH_EBADCS for a MAC mismatch,
 * MH_ENOTSUP without the needed hook.
 */
int dlt698_security_unwrap(const struct dlt698_apdu *a, const struct dlt698_security_ops *ops,
                           const struct dlt698_bytes *rn, uint8_t *out, size_t cap);

/*
 * CONNECT through the hook. dlt698_connect_secure sets req's mechanism
 * (DLT698_AUTH_SYMMETRY or DLT698_AUTH_SIGNATURE) and fills its ciphertext
 * and signature from ops->connect_auth, as views into scratch (borrowed,
 * split in halves; must outlive the encoding). dlt698_connect_check
 * accepts a CONNECT-Response: 0 when the result is 0 and SecurityData,
 * when present, verifies through ops->connect_verify; MH_EPROTO for a
 * refusal (resp->result says why); MH_ENOTSUP without the hook needed.
 */
int dlt698_connect_secure(struct dlt698_connect_request *req, const struct dlt698_security_ops *ops,
                          uint8_t mechanism, uint8_t *scratch, size_t scratch_cap);
int dlt698_connect_check(const struct dlt698_connect_response *resp,
                         const struct dlt698_security_ops *ops);

/* ---- link-layer fragmentation (clause 7, link layer, C.D5) ---- */

enum {
    DLT698_FRAG_FIRST = 0,
    DLT698_FRAG_LAST = 1,
    DLT698_FRAG_CONFIRM = 2,
    DLT698_FRAG_MIDDLE = 3
};

/*
 * Sender, stop-and-wait: dlt698_frag_tx_next writes the next frame, then the
 * caller waits for the confirm and passes it to dlt698_frag_tx_ack before
 * the next. The APDU is borrowed until done.
 */
struct dlt698_frag_tx {
    const uint8_t *apdu;
    size_t len, off, chunk;
    uint16_t index; /* of the frame being sent */
    uint8_t c, af, ca, sa[16];
    uint8_t waiting; /* a frame is out, its confirm not yet in */
};

/*
 * max_frame: the largest frame the peer accepts (CONNECT's max receive,
 * bytes of L + 2). c is the control byte without D5. Returns 1 when the APDU
 * needs fragments, 0 when it fits one frame (send it with
 * dlt698_frame_encode), MH_EINVAL when max_frame leaves no room.
 */
int dlt698_frag_tx_init(struct dlt698_frag_tx *tx, const uint8_t *apdu, size_t len,
                        size_t max_frame, uint8_t c, uint8_t af, const uint8_t *sa, uint8_t ca);
/* Write the next fragment frame: 1 written, 0 all sent and confirmed, MH_EBUSY awaiting a confirm.
 */
int dlt698_frag_tx_next(struct dlt698_frag_tx *tx, struct mh_wr *w);
/* Take a parsed confirm frame: 0 accepted, MH_EBADSEQ for another index, MH_EPROTO not a confirm.
 */
int dlt698_frag_tx_ack(struct dlt698_frag_tx *tx, const struct dlt698_frame *f);

/* Receiver: reassembles into a caller buffer of fixed capacity. */
struct dlt698_frag_rx {
    uint8_t *buf; /* borrowed */
    size_t cap, len;
    uint16_t next;  /* index expected next */
    uint8_t active; /* between a first fragment and the last */
    uint8_t taken;  /* a fragment was taken: next - 1 is its index (repeat detection) */
};

void dlt698_frag_rx_init(struct dlt698_frag_rx *rx, uint8_t *buf, size_t cap);
/*
 * Take a parsed fragment frame (f->c has D5). Returns 1 when the APDU is
 * complete (rx->buf, rx->len; the next push starts a new one), 0 when more
 * are expected, MH_EEXIST for a repeat of the fragment just taken (confirm
 * it again, nothing changes), MH_EBADSEQ for a fragment out of order (the
 * reassembly is dropped), MH_EOVERFLOW when the APDU exceeds cap (dropped),
 * MH_EPROTO for a confirm or a frame without D5.
 */
int dlt698_frag_rx_push(struct dlt698_frag_rx *rx, const struct dlt698_frame *f);
/* The confirm frame for a received fragment: DIR inverted, D5 set, type CONFIRM, same index. */
int dlt698_frag_confirm_encode(struct mh_wr *w, const struct dlt698_frame *f);

#endif
