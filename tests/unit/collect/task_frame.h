/*
 * A request builder's frame against the bytes a test lays out from the
 * standard, for the 1376.1 task tests: the expected frame's checksum (the
 * sum of C .. the last data byte, 1376.1 5.2.1) is filled in here so the
 * test writes only the fields. Include after cmocka.h and collect_int.h.
 */
#ifndef MH_TEST_TASK_FRAME_H
#define MH_TEST_TASK_FRAME_H

static void expect_frame(const struct mh_wr *w, uint8_t *want, size_t n)
{
    unsigned cs = 0;
    for (size_t i = 6; i < n - 2; i++)
        cs += want[i];
    want[n - 2] = (uint8_t)cs;
    assert_int_equal(mh_wr_len(w), n);
    assert_memory_equal(w->p, want, n);
}

#endif
