/*
 * fep internals: the fep, its ports, sessions, requests, pending report
 * confirmations, and the protocol adapters (one const struct per protocol).
 */
#ifndef MH_FEP_INT_H
#define MH_FEP_INT_H

#include "meterhub/base/keymap.h"
#include "meterhub/base/wr.h"
#include "meterhub/fep.h"
#include "meterhub/proto/framer.h"
#include "meterhub/proto/value.h"

/* What a protocol adapter makes of one uplink frame. */
enum fep_kind { FK_OTHER, FK_LOGIN, FK_HEARTBEAT, FK_LOGOUT, FK_REPLY, FK_REPORT };

enum fep_frag { FRAG_NONE, FRAG_FIRST, FRAG_MIDDLE, FRAG_LAST };

struct fep_frame_info {
    uint8_t kind;        /* enum fep_kind */
    uint8_t seq;         /* 1376.1 RSEQ / PSEQ; 698.45 PIID bits 5..0 */
    uint8_t fir, fin;    /* multi-frame position (698.45: always 1, 1) */
    uint8_t con;         /* the terminal wants a confirmation */
    uint8_t denied;      /* 1376.1 AFN00 F2; 698.45 ERROR-Response */
    uint8_t acd, ec1, ec2;
    uint16_t heartbeat_s; /* 698.45 LINK-Request heartbeat period */
    uint8_t frag;         /* 698.45 link-layer fragment: 0 none, FRAG_FIRST/MIDDLE/LAST */
    uint16_t frag_index;
    char addr[FEP_ADDR_MAX];
};

#define FEP_ACK_MAX 512 /* largest confirmation frame the fep builds */

struct fep_proto {
    const char *name;
    uint8_t id;      /* enum fep_proto_id */
    uint8_t seq_mod; /* 16 (PSEQ) or 64 (PIID) */
    mh_frame_scan_fn scan;
    /* Classify one complete frame (already through scan). 0 or MH_E*. */
    int (*classify)(const uint8_t *p, size_t n, unsigned pw_len, struct fep_frame_info *fi);
    /* Answer to a login/heartbeat/logout; refuse: unknown terminal. */
    int (*enc_link_ack)(struct mh_wr *w, const uint8_t *p, size_t n, const struct fep_frame_info *fi,
                        int refuse, const struct mh_tm *now);
    /* Confirmation of a report or of one frame of a multi-frame reply. */
    int (*enc_report_ack)(struct mh_wr *w, const uint8_t *p, size_t n, const struct fep_frame_info *fi);
    /* Is p one whole downlink request frame the fep can stamp? 0 or MH_EINVAL. */
    int (*check_request)(const uint8_t *p, size_t n);
    /* Write seq into a checked request and fix its checksum(s). */
    void (*stamp_seq)(uint8_t *p, size_t n, unsigned seq);
    /*
     * Link-layer fragments (may be NULL): the confirmation of one fragment;
     * its payload appended to dst (descrambled; returns the bytes, or
     * MH_ENOSPC past cap); and the whole frame rebuilt around the
     * reassembled payload, addressed as the last fragment p.
     */
    int (*enc_frag_ack)(struct mh_wr *w, const uint8_t *p, size_t n, const struct fep_frame_info *fi);
    int (*frag_payload)(const uint8_t *p, size_t n, uint8_t *dst, size_t cap);
    int (*frag_rebuild)(struct mh_wr *w, const uint8_t *p, size_t n, const uint8_t *payload, size_t len);
    /*
     * Protocols without login or heartbeat (DL/T 645): the question whose
     * answer (FK_LOGIN) identifies the device and proves it alive. NULL
     * for the others.
     */
    int (*enc_probe)(struct mh_wr *w);
    /* Does the request carry a send time to refresh before each transmission? (may be NULL) */
    int (*has_time_label)(const uint8_t *p, size_t n);
    /* Set that send time to now and fix the checksum. */
    void (*refresh_time_label)(uint8_t *p, size_t n, const struct mh_tm *now);
    /*
     * Replies the master continues frame by frame (DL/T 645 0x12, may be
     * NULL): the request for frame seq (1, 2 ...) of the reply to req.
     * 0, MH_ENOTSUP (req's reply cannot be continued) or the writer's.
     * With it, a reply is a first frame (fir) then follow-ups whose seq
     * counts 1, 2 ...; fin marks the last.
     */
    int (*enc_follow)(struct mh_wr *w, const uint8_t *req, size_t req_n, unsigned seq);
};

/* Follow-up frames of one reply at most (DL/T 645 SEQ is one byte) and the largest such request. */
#define FEP_FOLLOW_MAX 255
#define FEP_FOLLOW_LEN 32

extern const struct fep_proto fep_proto_gdw1376;
extern const struct fep_proto fep_proto_dlt698;
extern const struct fep_proto fep_proto_dlt645;

enum fep_req_state { RQ_QUEUED, RQ_PENDING };

struct fep_req {
    struct fep_req *next;
    struct fep_session *s;
    int64_t id;
    uint8_t prio, state, seq, attempts, retries;
    uint8_t frag_active;  /* a fragmented reply is being reassembled */
    uint16_t frag_next;   /* the fragment index expected next */
    uint32_t timeout_ms;
    uint64_t deadline;
    uint64_t sent;   /* loop time of the last transmission */
    uint64_t first_ns; /* uv_hrtime() of the first transmission (fep_reply.wire_ms) */
    uint32_t rtt_ms; /* first frame of the reply after the first transmission (fep_reply) */
    fep_done_fn done;
    void *ctx;
    uint8_t fol_len;      /* a follow-up request (enc_follow) is out: its bytes in fol */
    uint8_t fol_attempts; /* transmissions of it */
    uint8_t fol[FEP_FOLLOW_LEN];
    uint8_t *reply;  /* frames collected so far (multi-frame) */
    uint32_t *ends;
    uint32_t reply_len;
    uint16_t n_frames, ends_cap;
    uint32_t len;
    uint8_t frame[];
};

/* A report confirmation waiting for fep_report_stored. */
struct fep_ack {
    struct fep_ack *next;
    struct fep_session *s;
    uint64_t token;
    uint16_t len;
    uint8_t frame[];
};

enum fep_state { SS_WAIT_LOGIN, SS_ONLINE, SS_CLOSING };

struct fep_session {
    struct fep *fep;
    struct fep_port *port;
    struct chan *chan;
    const struct fep_proto *proto; /* NULL until recognised */
    struct fep_session *prev, *next;
    uv_timer_t timer;
    uint8_t state;
    uint8_t off_reason;
    uint8_t next_seq;
    uint8_t pw_len;
    uint8_t warned_bad; /* one log line per session for malformed input */
    uint8_t probed;     /* the probe question was asked (WAIT_LOGIN) */
    uint8_t probing;    /* ONLINE, silent: a probe is out, due at probe_due */
    uint16_t handoff;   /* WAIT_LOGIN: 1 + the process the login belongs to (fep_cfg.handoff) */
    uint64_t probe_due;
    uint16_t heartbeat_s;
    uint16_t fps_n;
    uint64_t fps_sec;
    uint64_t opened_ms, last_rx_ms, timer_due;
    uint8_t *rx;         /* partial frame tail only; NULL when none */
    uint32_t rx_len;
    struct fep_req *q_head[FEP_PRIO_COUNT_], *q_tail[FEP_PRIO_COUNT_];
    struct fep_req *pending;
    struct fep_ack *acks;
    uint16_t n_acks;
    struct fep_session_stats st;
    char addr[FEP_ADDR_MAX];
};

struct fep_port {
    struct fep_port *next;
    struct fep *fep;
    struct chan_events ev;
    uint8_t proto; /* enum fep_proto_id */
    struct fep_port_stats st;
};

struct fep {
    uv_loop_t *loop;
    struct fep_cfg cfg;
    struct fep_directory dir;
    struct fep_sink sink;
    struct fep_port *ports;
    struct fep_session *sessions;
    struct mh_keymap terminals; /* addr -> online session */
    struct mh_keymap requests;  /* id -> struct fep_req */
    struct mh_keymap acks;      /* token -> struct fep_ack */
    size_t n_sessions, n_online;
    int64_t next_id;
    uint64_t next_token;
    uint8_t closing;
    void (*done)(void *arg);
    void *done_arg;
};

/* session.c */
void fep_session_close(struct fep_session *s, enum fep_offline_reason reason);
void fep_session_arm(struct fep_session *s);
int fep_session_send(struct fep_session *s, const uint8_t *p, size_t n);
void fep_session_open(struct fep_port *port, struct chan *c);
void fep_session_data(struct fep_session *s, const uint8_t *p, size_t n);
void fep_session_closed(struct fep_session *s, int reason);

/* request.c */
void fep_req_pump(struct fep_session *s);
void fep_req_on_reply(struct fep_session *s, const uint8_t *p, size_t n, const struct fep_frame_info *fi);
/* Retry or fail what is due; returns the earliest remaining deadline (UINT64_MAX: none). */
uint64_t fep_req_expire(struct fep_session *s, uint64_t now);
uint64_t fep_req_next_deadline(const struct fep_session *s);
/* Move every request of from (replaced) to to, re-queued. */
void fep_req_move(struct fep_session *from, struct fep_session *to);
void fep_req_fail_all(struct fep_session *s, enum fep_status status);

/* report.c */
void fep_report_on_frame(struct fep_session *s, const uint8_t *p, size_t n, const struct fep_frame_info *fi);
void fep_report_drop_all(struct fep_session *s);

/* fep.c */
void fep_maybe_free(struct fep *f);
uint64_t fep_now(const struct fep *f);
void fep_wall_tm(const struct fep *f, struct mh_tm *tm);

#endif
