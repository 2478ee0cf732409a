/*
 * Active reports: handed to the sink at once, confirmed only when the layer
 * above says they are durable (ARCHITECTURE.md: "a reading is acknowledged
 * to a terminal only after it is durable"). The confirmation frame is built
 * when the report arrives (the report's bytes are gone by the time it is
 * stored) and waits under a token; a session keeps at most reports_max of
 * them, and a report beyond that is neither delivered nor confirmed, so the
 * terminal sends it again later instead of it being lost.
 */
#include <stdlib.h>
#include <string.h>

#include "fep_int.h"
#include "meterhub/base/err.h"
#include "meterhub/base/log.h"

static void ack_unlink(struct fep_ack *a)
{
    struct fep_session *s = a->s;
    for (struct fep_ack **pp = &s->acks; *pp; pp = &(*pp)->next) {
        if (*pp == a) {
            *pp = a->next;
            s->n_acks--;
            break;
        }
    }
    mh_keymap_del(&s->fep->acks, &a->token, sizeof a->token);
}

void fep_report_on_frame(struct fep_session *s, const uint8_t *p, size_t n, const struct fep_frame_info *fi)
{
    struct fep *f = s->fep;
    s->st.reports++;
    uint64_t token = 0;
    if (fi->con) {
        if (s->n_acks >= f->cfg.reports_max) {
            s->st.rate_dropped++;
            s->port->st.rate_dropped++;
            mh_warn("fep", "terminal %s: %u reports await storage, report dropped unconfirmed", s->addr,
                    (unsigned)s->n_acks);
            return;
        }
        uint8_t buf[FEP_ACK_MAX];
        struct mh_wr w;
        mh_wr_init(&w, buf, sizeof buf);
        int r = s->proto->enc_report_ack(&w, p, n, fi);
        if (r != 0) {
            s->st.bad_frames++;
            s->port->st.bad_frames++;
            mh_warn("fep", "terminal %s: report not confirmable (%s), dropped", s->addr, mh_strerror(r));
            return;
        }
        struct fep_ack *a = malloc(sizeof *a + mh_wr_len(&w));
        if (!a)
            return;
        a->s = s;
        a->token = ++f->next_token;
        a->len = (uint16_t)mh_wr_len(&w);
        memcpy(a->frame, buf, a->len);
        if (mh_keymap_set(&f->acks, &a->token, sizeof a->token, a) != 0) {
            free(a);
            return;
        }
        a->next = s->acks;
        s->acks = a;
        s->n_acks++;
        token = a->token;
    }
    if (f->sink.on_report)
        f->sink.on_report(f->sink.ctx, s->addr, token, p, n);
}

int fep_report_stored(struct fep *f, uint64_t token)
{
    struct fep_ack *a = mh_keymap_get(&f->acks, &token, sizeof token);
    if (!a)
        return MH_ENOENT;
    struct fep_session *s = a->s;
    ack_unlink(a);
    int r = fep_session_send(s, a->frame, a->len);
    free(a);
    return r == 0 ? 0 : MH_ENOENT;
}

void fep_report_drop_all(struct fep_session *s)
{
    while (s->acks) {
        struct fep_ack *a = s->acks;
        ack_unlink(a);
        free(a);
    }
}
