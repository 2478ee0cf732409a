/*
 * DL/T 698.45 link-layer fragmentation: captured fragment and confirm
 * frames, an APDU split and reassembled stop-and-wait through real frames
 * (encode, scan, parse), and the faults a receiver must refuse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "apdu_check.h"
#include "vectors.h"

static const uint8_t sa[6] = {0x02, 0, 0, 0, 0, 0};

/* Parse one whole frame from bytes. */
static void parse(const uint8_t *p, size_t n, struct dlt698_frame *f)
{
    struct mh_frame_span sp;
    assert_int_equal(dlt698_frame_scan(p, n, &sp), 1);
    assert_int_equal(sp.off, 0);
    assert_int_equal(sp.len, n);
    assert_int_equal(dlt698_frame_parse(p, n, f), 0);
}

static void test_confirm_matches_the_capture(void **state)
{
    (void)state;
    /* a server response fragment (C = E3), middle, index 0x105 */
    const uint8_t ud[] = {0x05, 0xC1, 0xAA, 0xBB};
    uint8_t fb[64], cb[64];
    struct mh_wr w;
    mh_wr_init(&w, fb, sizeof fb);
    assert_int_equal(dlt698_frame_encode(&w, 0xE3, 0x05, sa, 0x10, ud, sizeof ud), 0);
    struct dlt698_frame f;
    parse(fb, mh_wr_len(&w), &f);
    assert_int_equal(f.frag_index, 0x105);
    assert_int_equal(f.frag_type, DLT698_FRAG_MIDDLE);
    struct mh_wr cw;
    mh_wr_init(&cw, cb, sizeof cb);
    ac_expect(dlt698_frag_confirm_encode(&cw, &f), &cw,
              "68 11 00 63 05 02 00 00 00 00 00 10 06 5C 05 81 E7 17 16");
    /* the captured middle fragment with reserved bits set: they are ignored */
    uint8_t cap[64];
    size_t n = tv_hex("68 14 00 A3 05 02 00 00 00 00 00 10 76 75 06 F1 F1 01 02 5A 30 16", cap,
                      sizeof cap);
    parse(cap, n, &f);
    assert_int_equal(f.frag_index, 0x106);
    assert_int_equal(f.frag_type, DLT698_FRAG_MIDDLE);
    assert_int_equal(f.apdu_len, 3);
}

/*
 * Send apdu over frames of at most max_frame bytes, the receiver confirming
 * each; returns the number of frames. Every frame goes through the framer.
 */
static size_t transfer(const uint8_t *apdu, size_t len, size_t max_frame, uint8_t c, uint8_t *rbuf,
                       size_t rcap, size_t *rlen)
{
    struct dlt698_frag_tx tx;
    struct dlt698_frag_rx rx;
    assert_int_equal(dlt698_frag_tx_init(&tx, apdu, len, max_frame, c, 0x05, sa, 0x10), 1);
    dlt698_frag_rx_init(&rx, rbuf, rcap);
    size_t frames = 0;
    int done = 0;
    for (;;) {
        uint8_t fb[DLT698_MAX_FRAME + 2], cb[64];
        struct mh_wr w;
        mh_wr_init(&w, fb, sizeof fb);
        int rc = dlt698_frag_tx_next(&tx, &w);
        if (rc == 0)
            break;
        assert_int_equal(rc, 1);
        assert_true(mh_wr_len(&w) <= max_frame);
        assert_int_equal(dlt698_frag_tx_next(&tx, &w), MH_EBUSY);
        struct dlt698_frame f;
        parse(fb, mh_wr_len(&w), &f);
        assert_true(f.c & DLT698_C_FRAG);
        if (!(c & DLT698_C_SC)) {
            assert_int_equal(f.frag_index, frames);
            assert_int_equal(f.frag_type, frames == 0                ? DLT698_FRAG_FIRST
                                          : tx.off + tx.chunk >= len ? DLT698_FRAG_LAST
                                                                     : DLT698_FRAG_MIDDLE);
        }
        frames++;
        assert_false(done);
        rc = dlt698_frag_rx_push(&rx, &f);
        assert_true(rc == 0 || rc == 1);
        done = rc == 1;
        struct mh_wr cw;
        mh_wr_init(&cw, cb, sizeof cb);
        assert_int_equal(dlt698_frag_confirm_encode(&cw, &f), 0);
        struct dlt698_frame cf;
        parse(cb, mh_wr_len(&cw), &cf);
        assert_int_equal(dlt698_frag_tx_ack(&tx, &cf), 0);
        assert_int_equal(dlt698_frag_tx_ack(&tx, &cf), MH_EPROTO); /* nothing outstanding */
    }
    assert_true(done);
    *rlen = rx.len;
    return frames;
}

static void test_split_and_reassemble(void **state)
{
    (void)state;
    uint8_t apdu[1000], back[1000];
    for (size_t k = 0; k < sizeof apdu; k++)
        apdu[k] = (uint8_t)(k * 7 + 0x68);
    size_t n;
    /* 100-byte frames: 17 bytes of header and trailer and 2 of format leave 81 per fragment */
    assert_int_equal(transfer(apdu, 300, 100, 0xC3, back, sizeof back, &n), 4);
    assert_int_equal(n, 300);
    assert_memory_equal(back, apdu, 300);
    /* exactly two fragments, and one exact multiple of the slice */
    assert_int_equal(transfer(apdu, 162, 100, 0xC3, back, sizeof back, &n), 2);
    assert_memory_equal(back, apdu, 162);
    assert_int_equal(transfer(apdu, 163, 100, 0xC3, back, sizeof back, &n), 3);
    /* scrambled frames (C.SC) carry the same APDU */
    assert_int_equal(transfer(apdu, 1000, 200, 0x43 | DLT698_C_SC, back, sizeof back, &n), 6);
    assert_int_equal(n, 1000);
    assert_memory_equal(back, apdu, 1000);
    /* fits in one frame: no fragmentation */
    struct dlt698_frag_tx tx;
    assert_int_equal(dlt698_frag_tx_init(&tx, apdu, 80, 100, 0x43, 0x05, sa, 0x10), 0);
    assert_int_equal(dlt698_frag_tx_init(&tx, apdu, 80, 17, 0x43, 0x05, sa, 0x10), MH_EINVAL);
}

/* A fragment frame with the given format fields and payload. */
static void frag(uint8_t *fb, size_t cap, struct dlt698_frame *f, uint16_t index, uint8_t type,
                 size_t n)
{
    uint8_t ud[64] = {(uint8_t)index, (uint8_t)((index >> 8) | type << 6)};
    memset(ud + 2, 0x5A, n);
    struct mh_wr w;
    mh_wr_init(&w, fb, cap);
    assert_int_equal(dlt698_frame_encode(&w, 0xE3, 0x05, sa, 0x10, ud, n + 2), 0);
    parse(fb, mh_wr_len(&w), f);
}

static void test_receiver_refuses_disorder_repeats_and_overflow(void **state)
{
    (void)state;
    uint8_t rb[40], fb[6][128];
    struct dlt698_frame f[6];
    struct dlt698_frag_rx rx;
    frag(fb[0], sizeof fb[0], &f[0], 0, DLT698_FRAG_FIRST, 10);
    frag(fb[1], sizeof fb[1], &f[1], 1, DLT698_FRAG_MIDDLE, 10);
    frag(fb[2], sizeof fb[2], &f[2], 2, DLT698_FRAG_LAST, 10);
    frag(fb[3], sizeof fb[3], &f[3], 2, DLT698_FRAG_CONFIRM, 0);
    dlt698_frag_rx_init(&rx, rb, sizeof rb);
    assert_int_equal(dlt698_frag_rx_push(&rx, &f[1]), MH_EBADSEQ); /* no first */
    assert_int_equal(dlt698_frag_rx_push(&rx, &f[0]), 0);
    assert_int_equal(dlt698_frag_rx_push(&rx, &f[0]), MH_EEXIST);  /* repeat: confirm again */
    assert_int_equal(dlt698_frag_rx_push(&rx, &f[2]), MH_EBADSEQ); /* 1 skipped */
    assert_int_equal(rx.len, 0);
    assert_int_equal(dlt698_frag_rx_push(&rx, &f[1]), MH_EBADSEQ); /* dropped above */
    assert_int_equal(dlt698_frag_rx_push(&rx, &f[0]), 0);
    assert_int_equal(dlt698_frag_rx_push(&rx, &f[1]), 0);
    assert_int_equal(dlt698_frag_rx_push(&rx, &f[3]), MH_EPROTO);
    assert_int_equal(dlt698_frag_rx_push(&rx, &f[2]), 1);
    assert_int_equal(rx.len, 30);
    assert_int_equal(dlt698_frag_rx_push(&rx, &f[2]),
                     MH_EEXIST); /* last repeated after completion */
    /* 40 bytes of room, 45 sent */
    frag(fb[4], sizeof fb[4], &f[4], 3, DLT698_FRAG_LAST, 15);
    assert_int_equal(dlt698_frag_rx_push(&rx, &f[0]), 0);
    assert_int_equal(dlt698_frag_rx_push(&rx, &f[1]), 0);
    frag(fb[5], sizeof fb[5], &f[5], 2, DLT698_FRAG_MIDDLE, 10);
    assert_int_equal(dlt698_frag_rx_push(&rx, &f[5]), 0);
    assert_int_equal(dlt698_frag_rx_push(&rx, &f[4]), MH_EOVERFLOW);
    assert_int_equal(rx.len, 0);
    /* the index wraps after 4095 */
    frag(fb[0], sizeof fb[0], &f[0], 4095, DLT698_FRAG_FIRST, 4);
    frag(fb[1], sizeof fb[1], &f[1], 0, DLT698_FRAG_LAST, 4);
    assert_int_equal(dlt698_frag_rx_push(&rx, &f[0]), 0);
    assert_int_equal(dlt698_frag_rx_push(&rx, &f[1]), 1);
    assert_int_equal(rx.len, 8);
    /* a frame without D5 */
    struct dlt698_frame plain = f[1];
    plain.c = 0xC3;
    assert_int_equal(dlt698_frag_rx_push(&rx, &plain), MH_EPROTO);
    assert_int_equal(dlt698_frag_confirm_encode(NULL, &plain), MH_EINVAL);
}

static void test_sender_checks_confirms(void **state)
{
    (void)state;
    uint8_t apdu[200] = {0}, fb[128], cb[128];
    struct dlt698_frag_tx tx;
    assert_int_equal(dlt698_frag_tx_init(&tx, apdu, sizeof apdu, 100, 0x43, 0x05, sa, 0x10), 1);
    struct mh_wr w;
    mh_wr_init(&w, fb, sizeof fb);
    assert_int_equal(dlt698_frag_tx_next(&tx, &w), 1);
    struct dlt698_frame f, cf;
    parse(fb, mh_wr_len(&w), &f);
    /* a confirm for another index */
    frag(cb, sizeof cb, &cf, 7, DLT698_FRAG_CONFIRM, 0);
    assert_int_equal(dlt698_frag_tx_ack(&tx, &cf), MH_EBADSEQ);
    /* a data fragment is no confirm; the sender's own direction neither */
    frag(cb, sizeof cb, &cf, 0, DLT698_FRAG_MIDDLE, 1);
    assert_int_equal(dlt698_frag_tx_ack(&tx, &cf), MH_EPROTO);
    struct dlt698_frame own = f;
    own.frag_type = DLT698_FRAG_CONFIRM;
    assert_int_equal(dlt698_frag_tx_ack(&tx, &own), MH_EPROTO);
    assert_int_equal(dlt698_frag_tx_next(&tx, &w), MH_EBUSY);
    /* no room for the frame */
    frag(cb, sizeof cb, &cf, 0, DLT698_FRAG_CONFIRM, 0);
    assert_int_equal(dlt698_frag_tx_ack(&tx, &cf), 0);
    mh_wr_init(&w, fb, 10);
    assert_int_equal(dlt698_frag_tx_next(&tx, &w), MH_ENOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_confirm_matches_the_capture),
        cmocka_unit_test(test_split_and_reassemble),
        cmocka_unit_test(test_receiver_refuses_disorder_repeats_and_overflow),
        cmocka_unit_test(test_sender_checks_confirms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
