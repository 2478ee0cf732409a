/*
 * Q/GDW 1376.1 for the front end: what an uplink frame is (login, heartbeat,
 * reply, active report), and the master's confirmations (AFN00 F1/F2).
 */
#include <stdio.h>

#include "fep_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/crc.h"
#include "meterhub/proto/gdw1376.h"

/* The DT of the first data unit as an Fn (0 when there is none or it covers several). */
static uint16_t first_fn(const struct gdw1376_frame *g)
{
    uint16_t fn[8];
    if (g->units_len < 4 || gdw1376_dt_decode(g->units[2], g->units[3], fn) != 1)
        return 0;
    return fn[0];
}

static int classify(const uint8_t *p, size_t n, unsigned pw_len, struct fep_frame_info *fi)
{
    struct gdw1376_frame g;
    int r = gdw1376_frame_parse(p, n, pw_len, &g);
    if (r != 0)
        return r;
    fi->kind = FK_OTHER;
    fi->seq = g.seq & 0x0F;
    fi->fir = (g.seq & GDW1376_SEQ_FIR) != 0;
    fi->fin = (g.seq & GDW1376_SEQ_FIN) != 0;
    fi->con = (g.seq & GDW1376_SEQ_CON) != 0;
    /* Region code: its BCD digits as read; terminal address: binary, as 4 hex digits (archive.h). */
    snprintf(fi->addr, sizeof fi->addr, "%04X%04X", (unsigned)g.a1, (unsigned)g.a2);
    if (!(g.c & GDW1376_C_DIR))
        return 0; /* a downlink frame (an echo, another master): nothing for us */
    fi->acd = g.has_ec;
    fi->ec1 = g.ec1;
    fi->ec2 = g.ec2;
    int prm = (g.c & GDW1376_C_PRM) != 0;
    uint16_t fn = first_fn(&g);
    if (g.afn == GDW1376_AFN_LINK) {
        /* 5.2.3.5 AFN02: F1 login, F2 logout, F3 heartbeat, all started by the terminal. */
        static const uint8_t kinds[4] = {FK_OTHER, FK_LOGIN, FK_LOGOUT, FK_HEARTBEAT};
        fi->kind = prm && fn >= 1 && fn <= 3 ? kinds[fn] : FK_OTHER;
    } else if (prm && (g.c & GDW1376_C_FUNC) != 11) {
        /*
         * PRM = 1 from the terminal: it starts the exchange, an active report
         * (C4: function 4, user data). Function 11 with PRM = 1 (CB) is the
         * known quirk of terminals that answer a request that way.
         */
        fi->kind = FK_REPORT;
    } else {
        fi->kind = FK_REPLY;
        fi->denied = g.afn == GDW1376_AFN_CONFIRM && fn == 2;
    }
    return 0;
}

static void frame_addr(const uint8_t *p, struct gdw1376_addr *a)
{
    a->a1 = (uint16_t)(p[7] | p[8] << 8);
    a->a2 = (uint16_t)(p[9] | p[10] << 8);
    a->msa = (uint8_t)(p[11] >> 1);
    a->group = p[11] & 1;
}

/*
 * 5.2.3.5 / session step 1: the master answers AFN02 with AFN00 F1 (F2 to
 * refuse), C = 0B, the terminal's address as received, RSEQ = its PSEQ.
 */
static int enc_link_ack(struct mh_wr *w, const uint8_t *p, size_t n, const struct fep_frame_info *fi,
                        int refuse, const struct mh_tm *now)
{
    (void)n;
    (void)now;
    struct gdw1376_addr a;
    frame_addr(p, &a);
    return gdw1376_enc_confirm(w, &a, refuse, fi->seq);
}

static int enc_report_ack(struct mh_wr *w, const uint8_t *p, size_t n, const struct fep_frame_info *fi)
{
    return enc_link_ack(w, p, n, fi, 0, NULL);
}

static int check_request(const uint8_t *p, size_t n)
{
    struct mh_frame_span sp;
    if (gdw1376_frame_scan(p, n, &sp) != 1 || sp.off != 0 || sp.len != n)
        return MH_EINVAL;
    return (p[6] & GDW1376_C_DIR) ? MH_EINVAL : 0;
}

/* SEQ is the 8th user-data byte (offset 13); CS sums the user data. */
static void stamp_seq(uint8_t *p, size_t n, unsigned seq)
{
    p[13] = (uint8_t)((p[13] & 0xF0) | (seq & 0x0F));
    p[n - 2] = mh_sum8(p + 6, n - 8);
}

/*
 * 5.2.3.4.3 Tp: PFC, send time (A.16 ss mm hh DD), allowed delay, right
 * before CS. The terminal discards a request whose send time is older than
 * the delay, so a request that waited in the queue or is retried minutes
 * later carries the time it is really sent.
 */
static int has_time_label(const uint8_t *p, size_t n)
{
    return n >= 6 + 8 + 6 + 2 && (p[13] & GDW1376_SEQ_TPV);
}

static void refresh_time_label(uint8_t *p, size_t n, const struct mh_tm *now)
{
    struct gdw1376_value v = {.kind = GDW1376_V_TIME, .time = *now};
    if (gdw1376_fmt_encode(GDW1376_A16, &v, p + n - 7, 4) == 0)
        p[n - 2] = mh_sum8(p + 6, n - 8);
}

const struct fep_proto fep_proto_gdw1376 = {
    .name = "gdw1376",
    .id = FEP_PROTO_GDW1376,
    .seq_mod = 16,
    .scan = gdw1376_frame_scan,
    .classify = classify,
    .enc_link_ack = enc_link_ack,
    .enc_report_ack = enc_report_ack,
    .check_request = check_request,
    .stamp_seq = stamp_seq,
    .has_time_label = has_time_label,
    .refresh_time_label = refresh_time_label,
};
