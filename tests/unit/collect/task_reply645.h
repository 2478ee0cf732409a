/*
 * A DL/T 645-2007 meter's normal read reply, for the DTU task tests.
 * Include after cmocka.h and meterhub/proto/dlt645.h.
 */
#ifndef MH_TEST_TASK_REPLY645_H
#define MH_TEST_TASK_REPLY645_H

/* The meter a's normal reply to di carrying plain data (the codec adds 33h). */
static inline size_t reply(uint8_t *out, size_t cap, const uint8_t a[6], uint32_t di, const uint8_t *data,
                    size_t len)
{
    struct mh_wr w;
    mh_wr_init(&w, out, cap);
    assert_int_equal(dlt645_enc_read_response(&w, a, DLT645_2007, di, data, len, 0, -1), 0);
    return mh_wr_len(&w);
}

/* A request built into buf[0..len): FE preambles, then want with its CS (computed here). */
static inline void request_bytes_are(const uint8_t *buf, size_t len, const uint8_t *want, size_t n)
{
    uint8_t exp[64];
    assert_true(n <= sizeof exp && n >= 2 && len >= n);
    memcpy(exp, want, n);
    unsigned cs = 0;
    for (size_t i = 0; i < n - 2; i++)
        cs += want[i];
    exp[n - 2] = (uint8_t)cs;
    size_t off = len - n;
    for (size_t i = 0; i < off; i++)
        assert_int_equal(buf[i], 0xFE);
    assert_memory_equal(buf + off, exp, n);
}

#endif
