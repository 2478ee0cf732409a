/* The bench_gdw1376 frame mix (gdw1376_mix.h). */
#include <stdint.h>
#include <string.h>

#include "gdw1376_mix.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376.h"

static const struct gdw1376_addr term = {0x0171, 0x0822, 1, 0};

/* Append DA DT and `blocks` copies of one pn's data (the same block for every pn of the DA). */
static size_t unit(uint8_t *u, size_t at, uint8_t da1, uint8_t da2, uint16_t fn, const uint8_t *block, size_t n,
                   int blocks)
{
    uint8_t dt1, dt2;
    gdw1376_dt_encode(fn, &dt1, &dt2);
    u[at++] = da1;
    u[at++] = da2;
    u[at++] = dt1;
    u[at++] = dt2;
    for (int k = 0; k < blocks; k++, at += n)
        memcpy(u + at, block, n);
    return at;
}

int gdw1376_mix_build(struct mh_wr *w)
{
    static uint8_t u[1 << 14];
    /* F129: Td_c, M = 4, 5 x A.14 */
    static const uint8_t f129[] = {0x30, 0x14, 0x24, 0x11, 0x26, 0x04, 0x00, 0x00, 0x45, 0x23, 0x01, 0x00, 0x00,
                                   0x12, 0x23, 0x00, 0x00, 0x00, 0x33, 0x44, 0x00, 0x00, 0x00, 0x00, 0x55, 0x00,
                                   0x00, 0x00, 0x00, 0x66, 0x00};
    uint8_t f25[67] = {0x30, 0x14, 0x24, 0x11, 0x26};
    for (size_t k = 5; k < sizeof f25; k++)
        f25[k] = (uint8_t)(0x10 + k % 0x50);
    uint8_t f33[5 + 1 + 5 * 17] = {0x30, 0x14, 0x24, 0x11, 0x26, 4};
    for (size_t k = 6; k < sizeof f33; k++)
        f33[k] = (uint8_t)(k % 10 * 0x11);
    uint8_t f161[3 + 5 + 1 + 25] = {0x23, 0x11, 0x26, 0x05, 0x00, 0x24, 0x11, 0x26, 4};
    for (size_t k = 9; k < sizeof f161; k++)
        f161[k] = (uint8_t)(k % 10 * 0x10);
    uint8_t c81[7 + 96 * 3] = {0x00, 0x00, 0x23, 0x11, 0x26, 1, 96};
    for (size_t k = 7; k < sizeof c81; k++)
        c81[k] = (uint8_t)(k % 3 == 0 ? 0x01 : 0x25);
    uint8_t c89[7 + 24 * 2] = {0x00, 0x00, 0x23, 0x11, 0x26, 3, 24};
    for (size_t k = 7; k < sizeof c89; k++)
        c89[k] = (uint8_t)(k % 2 ? 0x22 : 0x15);
    uint8_t d27[96] = {0x23, 0x11, 0x26};
    for (size_t k = 3; k < sizeof d27; k++)
        d27[k] = (uint8_t)(k % 7 == 0 ? 0x01 : 0x20);
    static const uint8_t erc1[] = {0x01, 0x01, 0x00, 0x01, 0x01, 0x0E, 0x35, 0x10, 0x16, 0x01, 0x14,
                                   0x02, 0x32, 0x2E, 0x30, 0x31, 0x32, 0x2E, 0x30, 0x32};
    static const uint8_t p0_f1[4] = {0, 0, 0x01, 0}, p0_f3[4] = {0, 0, 0x04, 0};
    const uint8_t ec[2] = {3, 0};
    const struct gdw1376_tp tp = {1, {.day = 24, .hour = 14, .min = 30, .sec = 5, .has = MH_TM_DAY | MH_TM_HMS}, 0};
    size_t n[10];
    /* {C, AFN, SEQ, units, EC and Tp}: one row per frame */
    n[0] = unit(u, 0, 0x01, 0x01, 129, f129, sizeof f129, 1); /* 1 pn */
    n[1] = unit(u, n[0], 0xFF, 0x01, 129, f129, sizeof f129, 8); /* 8 pn */
    n[2] = n[1];
    for (uint8_t g = 1; g <= 8; g++) /* 64 pn */
        n[2] = unit(u, n[2], 0xFF, g, 129, f129, sizeof f129, 8);
    n[3] = unit(u, n[2], 0x01, 0x01, 25, f25, sizeof f25, 1);
    n[4] = unit(u, n[3], 0x01, 0x01, 33, f33, sizeof f33, 1);
    n[5] = unit(u, n[4], 0xFF, 0x01, 161, f161, sizeof f161, 8); /* daily frozen, 16 pn */
    n[5] = unit(u, n[5], 0xFF, 0x02, 161, f161, sizeof f161, 8);
    n[6] = unit(u, n[5], 0x01, 0x01, 81, c81, sizeof c81, 1); /* 96-point curve */
    n[7] = unit(u, n[6], 0x01, 0x01, 89, c89, sizeof c89, 1);
    n[8] = unit(u, n[7], 0x01, 0x01, 27, d27, sizeof d27, 1);
    n[9] = unit(u, n[8], 0x00, 0x00, 1, erc1, sizeof erc1, 1); /* event, ACD + EC + Tp */
    const struct {
        uint8_t c, afn, seq;
        const uint8_t *units;
        size_t from, to;
        const uint8_t *ec;
        const struct gdw1376_tp *tp;
    } frames[] = {
        {0xC9, GDW1376_AFN_LINK, 0x71, p0_f1, 0, 4, NULL, NULL}, /* login */
        {0xC9, GDW1376_AFN_LINK, 0x72, p0_f3, 0, 4, NULL, NULL}, /* heartbeat */
        {0x88, GDW1376_AFN_CLASS1, 0x61, u, 0, n[0], NULL, NULL},
        {0x88, GDW1376_AFN_CLASS1, 0x62, u, n[0], n[1], NULL, NULL},
        {0x88, GDW1376_AFN_CLASS1, 0x63, u, n[1], n[2], NULL, NULL},
        {0x88, GDW1376_AFN_CLASS1, 0x64, u, n[2], n[4], NULL, NULL},
        {0x88, GDW1376_AFN_CLASS2, 0x65, u, n[4], n[5], NULL, NULL},
        {0x88, GDW1376_AFN_CLASS2, 0x66, u, n[5], n[6], NULL, NULL},
        {0x88, GDW1376_AFN_CLASS2, 0x67, u, n[6], n[8], NULL, NULL},
        {0xA8, GDW1376_AFN_CLASS3, 0xE8, u, n[8], n[9], ec, &tp},
    };
    for (size_t k = 0; k < sizeof frames / sizeof frames[0]; k++) {
        int rc = gdw1376_frame_encode(w, frames[k].c, &term, frames[k].afn, frames[k].seq,
                                      frames[k].units + frames[k].from, frames[k].to - frames[k].from, NULL, 0,
                                      frames[k].ec, frames[k].tp);
        if (rc != 0)
            return rc;
    }
    return (int)(sizeof frames / sizeof frames[0]);
}
