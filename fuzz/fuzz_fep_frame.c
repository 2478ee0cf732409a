/*
 * The front end's protocol adapters on arbitrary bytes, as a session meets
 * a stream: each framer finds frames, the adapter classifies each one and
 * builds the answers the fep would send (login/heartbeat confirmation,
 * report confirmation, including the 698.45 REPORT-Response walk of the
 * notification, fragment confirmation and rebuild), and a frame that passes
 * the request check is stamped and, where the protocol continues replies
 * (DL/T 645), its follow-up request built.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fep_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one_frame(const struct fep_proto *p, const uint8_t *f, size_t n)
{
    struct fep_frame_info fi;
    memset(&fi, 0, sizeof fi);
    if (p->classify(f, n, 16, &fi) != 0)
        return;
    if (memchr(fi.addr, 0, sizeof fi.addr) == NULL)
        abort(); /* the address is always a terminated string */
    uint8_t out[FEP_ACK_MAX];
    struct mh_wr w;
    struct mh_tm now = {.year = 2026, .mon = 11, .day = 24, .hour = 9, .min = 30};
    mh_wr_init(&w, out, sizeof out);
    if (fi.kind == FK_LOGIN || fi.kind == FK_HEARTBEAT || fi.kind == FK_LOGOUT)
        p->enc_link_ack(&w, f, n, &fi, 0, &now);
    else if (fi.con)
        p->enc_report_ack(&w, f, n, &fi);
    if (fi.frag && p->frag_payload) {
        uint8_t payload[64];
        mh_wr_init(&w, out, sizeof out);
        p->enc_frag_ack(&w, f, n, &fi);
        int k = p->frag_payload(f, n, payload, sizeof payload);
        if (k >= 0) {
            mh_wr_init(&w, out, sizeof out);
            p->frag_rebuild(&w, f, n, payload, (size_t)k);
        }
    }
    if (p->check_request(f, n) == 0) {
        uint8_t *copy = malloc(n);
        memcpy(copy, f, n);
        p->stamp_seq(copy, n, 5);
        if (p->check_request(copy, n) != 0)
            abort(); /* stamping keeps the frame valid */
        uint8_t fol[FEP_FOLLOW_LEN];
        mh_wr_init(&w, fol, sizeof fol);
        if (p->enc_follow && p->enc_follow(&w, copy, n, 1) == 0 && p->check_request(fol, mh_wr_len(&w)) != 0)
            abort(); /* a follow-up request is one the fep can send */
        free(copy);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fep_proto *const protos[] = {&fep_proto_gdw1376, &fep_proto_dlt698, &fep_proto_dlt645};
    for (size_t k = 0; k < 3; k++) {
        size_t pos = 0;
        while (pos < size) {
            struct mh_frame_span sp;
            int rc = protos[k]->scan(data + pos, size - pos, &sp);
            if (rc == 0)
                break;
            if (rc == 1)
                one_frame(protos[k], data + pos + sp.off, sp.len);
            pos += sp.off + (sp.len ? sp.len : 1);
        }
    }
    return 0;
}
