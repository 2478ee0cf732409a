/*
 * A DL/T 645-2007 meter's normal read reply, for the DTU task tests.
 * Include after cmocka.h and meterhub/proto/dlt645.h.
 */
#ifndef MH_TEST_TASK_REPLY645_H
#define MH_TEST_TASK_REPLY645_H

/* The meter a's normal reply to di carrying plain data (the codec adds 33h). */
static size_t reply(uint8_t *out, size_t cap, const uint8_t a[6], uint32_t di, const uint8_t *data,
                    size_t len)
{
    struct mh_wr w;
    mh_wr_init(&w, out, cap);
    assert_int_equal(dlt645_enc_read_response(&w, a, DLT645_2007, di, data, len, 0, -1), 0);
    return mh_wr_len(&w);
}

#endif
