/* DL/T 645 link layer: framing a byte stream, checksums, the +0x33 offset, addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/dlt645.h"
#include "vectors.h"

/* read 00010000 reply from 151230011061: 6.78 kWh */
static const char *const reply_hex = "68 61 10 01 30 12 15 68 91 08 33 33 34 33 AB 39 33 33 49 16";

/*
 * The reason each must-reject vector is rejected for. A new negative
 * vector fails here until someone says why it must be rejected.
 */
static const struct {
    const char *id;
    int err;
} rejects[] = {
    {"645-neg-demo-truncated", MH_ETRUNC}, /* L = 8 with four data bytes: CS and 16 land inside the frame */
};

static int expected_reject(const char *id)
{
    for (size_t i = 0; i < sizeof rejects / sizeof rejects[0]; i++)
        if (strcmp(rejects[i].id, id) == 0)
            return rejects[i].err;
    fail_msg("%s: a must-reject vector without an expected reason", id);
    return 0;
}

static void test_every_vector_frames_as_expected(void **state)
{
    (void)state;
    json_t *file = tv_load("dlt645.json");
    size_t i;
    json_t *v;
    json_array_foreach(tv_vectors(file), i, v) {
        uint8_t b[512];
        size_t n = tv_hex(tv_str(v, "hex"), b, sizeof b);
        json_t *e = json_object_get(v, "expect");
        struct mh_frame_span sp;
        int rc = dlt645_frame_scan(b, n, &sp);
        if (!json_is_true(json_object_get(e, "cs_valid"))) {
            /* A must-reject vector: never a frame, and rejected for the reason it was written for. */
            int want = expected_reject(tv_str(v, "id"));
            assert_true(rc <= 0);
            struct dlt645_frame f;
            size_t start = sp.off;
            int prc = dlt645_frame_parse(b + start, n - start, &f);
            if (prc != want)
                fail_msg("%s: rejected with %s, expected %s", tv_str(v, "id"), mh_err_name(prc), mh_err_name(want));
            if (want == MH_ETRUNC)
                assert_int_equal(rc, 0); /* the framer waits for the rest; the session times it out */
            else
                assert_int_equal(rc, want);
            continue;
        }
        assert_int_equal(rc, 1);
        assert_int_equal(sp.off, json_integer_value(json_object_get(e, "preamble_fe")));
        struct dlt645_frame f;
        assert_int_equal(dlt645_frame_parse(b + sp.off, sp.len, &f), 0);
        char addr[13];
        dlt645_addr_format(f.addr, addr);
        assert_string_equal(addr, tv_str(e, "address"));
        assert_int_equal(f.len, json_integer_value(json_object_get(e, "length")));
        uint8_t plain[255], want[255];
        dlt645_data_plain(&f, plain);
        size_t wn = tv_hex(tv_str(e, "data_minus33"), want, sizeof want);
        assert_int_equal(wn, f.len);
        assert_memory_equal(plain, want, wn);
        enum dlt645_edition ed = dlt645_edition_of(f.ctrl);
        assert_string_equal(ed == DLT645_1997 ? "1997" : "2007", tv_str(e, "version"));
        assert_string_equal(dlt645_func_name(f.ctrl, ed), tv_str(e, "function_name"));
        /* Each vector damaged four ways is rejected for each reason. */
        uint8_t bad[512];
        struct mh_frame_span bsp;
        memcpy(bad, b + sp.off, sp.len);
        bad[sp.len - 2] ^= 0x01;
        assert_int_equal(dlt645_frame_parse(bad, sp.len, &f), MH_EBADCS);
        assert_int_equal(dlt645_frame_scan(bad, sp.len, &bsp), MH_EBADCS);
        bad[sp.len - 2] ^= 0x01;
        bad[sp.len - 1] = 0x61;
        assert_int_equal(dlt645_frame_parse(bad, sp.len, &f), MH_EBADEND);
        assert_int_equal(dlt645_frame_scan(bad, sp.len, &bsp), MH_EBADEND);
        bad[sp.len - 1] = 0x16;
        assert_int_equal(dlt645_frame_parse(bad, sp.len - 1, &f), MH_ETRUNC);
        assert_int_equal(dlt645_frame_parse(bad, sp.len + 1, &f), MH_EBADLEN);
        /* Re-encoding the parsed frame gives the same bytes (without the preamble). */
        uint8_t again[512];
        struct mh_wr w;
        mh_wr_init(&w, again, sizeof again);
        assert_int_equal(dlt645_frame_encode(&w, 0, f.addr, f.ctrl, plain, f.len), 0);
        assert_int_equal(mh_wr_len(&w), sp.len);
        assert_memory_equal(again, b + sp.off, sp.len);
    }
    json_decref(file);
}

static void test_frame_rejects_bad_checksum_and_end_byte(void **state)
{
    (void)state;
    uint8_t b[64];
    size_t n = tv_hex(reply_hex, b, sizeof b);
    struct dlt645_frame f;
    struct mh_frame_span sp;
    b[n - 2] ^= 1;
    assert_int_equal(dlt645_frame_parse(b, n, &f), MH_EBADCS);
    assert_int_equal(dlt645_frame_scan(b, n, &sp), MH_EBADCS);
    assert_int_equal(sp.off, 0);
    assert_int_equal(sp.len, 1); /* resume at the next byte: a real frame may start inside */
    b[n - 2] ^= 1;
    b[n - 1] = 0x17;
    assert_int_equal(dlt645_frame_parse(b, n, &f), MH_EBADEND);
    assert_int_equal(dlt645_frame_scan(b, n, &sp), MH_EBADEND);
    assert_int_equal(dlt645_frame_parse(b, n - 1, &f), MH_ETRUNC);
    b[7] = 0x69;
    assert_int_equal(dlt645_frame_parse(b, n, &f), MH_EBADSTART);
}

static void test_scan_handles_noise_split_reads_and_run_together_frames(void **state)
{
    (void)state;
    uint8_t one[64], stream[256];
    size_t n = tv_hex(reply_hex, one, sizeof one);
    /* noise, a frame, a broken copy, FE FE, the frame again */
    size_t s = 0;
    const uint8_t noise[] = {0x00, 0x68, 0x12, 0x16, 0xFE};
    memcpy(stream + s, noise, sizeof noise);
    s += sizeof noise;
    memcpy(stream + s, one, n);
    s += n;
    memcpy(stream + s, one, n);
    stream[s + 12] ^= 0x40; /* damage a data byte of the copy */
    s += n;
    stream[s++] = 0xFE;
    stream[s++] = 0xFE;
    memcpy(stream + s, one, n);
    s += n;
    /* Every split point: feed the stream in two reads as a session would. */
    for (size_t cut = 0; cut <= s; cut++) {
        uint8_t buf[256];
        size_t have = 0, fed = 0, frames = 0, bad = 0;
        while (fed < s || have > 0) {
            size_t chunk = fed < cut ? cut - fed : s - fed;
            memcpy(buf + have, stream + fed, chunk);
            have += chunk;
            fed += chunk;
            for (;;) {
                struct mh_frame_span sp;
                int rc = dlt645_frame_scan(buf, have, &sp);
                size_t drop = rc == 0 ? sp.off : sp.off + sp.len;
                if (rc == 1) {
                    assert_int_equal(sp.len, n);
                    assert_memory_equal(buf + sp.off, one, n);
                    frames++;
                } else if (rc < 0) {
                    bad++;
                }
                memmove(buf, buf + drop, have - drop);
                have -= drop;
                if (rc == 0)
                    break;
            }
            if (fed == s)
                break;
        }
        assert_int_equal(frames, 2);
        assert_int_equal(bad, 1);
    }
}

static void test_scan_needs_more_when_a_frame_is_incomplete(void **state)
{
    (void)state;
    uint8_t b[64];
    size_t n = tv_hex(reply_hex, b, sizeof b);
    for (size_t k = 0; k < n; k++) {
        struct mh_frame_span sp;
        assert_int_equal(dlt645_frame_scan(b, k, &sp), 0);
        assert_int_equal(sp.off, 0); /* nothing may be dropped: the frame has begun */
    }
}

static void test_address_text_round_trip_and_wildcards(void **state)
{
    (void)state;
    uint8_t a[6];
    char text[13];
    assert_int_equal(dlt645_addr_parse("151230011061", a), 0);
    const uint8_t wire[6] = {0x61, 0x10, 0x01, 0x30, 0x12, 0x15};
    assert_memory_equal(a, wire, 6);
    dlt645_addr_format(a, text);
    assert_string_equal(text, "151230011061");
    assert_int_equal(dlt645_addr_parse("AAAAAA789012", a), 0);
    assert_int_equal(a[5], 0xAA);
    assert_int_equal(a[0], 0x12);
    assert_int_equal(dlt645_addr_parse("15123001106", a), MH_EINVAL);
    assert_int_equal(dlt645_addr_parse("1512300110612", a), MH_EINVAL);
    assert_int_equal(dlt645_addr_parse("15123001106X", a), MH_EINVAL);
}

static void test_encode_applies_offset_and_checksum(void **state)
{
    (void)state;
    /* the reference's worked example: read address, wildcard */
    uint8_t b[32];
    struct mh_wr w;
    mh_wr_init(&w, b, sizeof b);
    assert_int_equal(dlt645_enc_read_address(&w), 0);
    uint8_t want[32];
    size_t n = tv_hex("FE FE FE FE 68 AA AA AA AA AA AA 68 13 00 DF 16", want, sizeof want);
    assert_int_equal(mh_wr_len(&w), n);
    assert_memory_equal(b, want, n);
    mh_wr_init(&w, b, 10);
    assert_int_equal(dlt645_enc_read_address(&w), MH_ENOSPC);
    uint8_t big[300] = {0};
    mh_wr_init(&w, b, sizeof b);
    assert_int_equal(dlt645_frame_encode(&w, 0, b, 0x11, big, 256), MH_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_vector_frames_as_expected),
        cmocka_unit_test(test_frame_rejects_bad_checksum_and_end_byte),
        cmocka_unit_test(test_scan_handles_noise_split_reads_and_run_together_frames),
        cmocka_unit_test(test_scan_needs_more_when_a_frame_is_incomplete),
        cmocka_unit_test(test_address_text_round_trip_and_wildcards),
        cmocka_unit_test(test_encode_applies_offset_and_checksum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
