/*
 * The collector's decoder of DL/T 698.45 realtime replies (GET-Response
 * NormalList of the own meter, PROXY-Response GetList of the meters behind)
 * on arbitrary APDUs: it never reads past them, and every value it reports
 * is of a meter that was asked for, dated to a whole minute. The same bytes
 * go to the terminal clock's parsers (GET-Response and SET-Response of
 * 4000 0200): a clock they give is a valid date and time.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_value(void *ctx, uint16_t pn, unsigned fi, uint32_t item, const struct mh_tm *at,
                     const struct mh_dec *v)
{
    (void)ctx;
    (void)fi;
    (void)item;
    (void)v;
    if (pn < 1 || pn > 2 || at->sec != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *apdu = malloc(size ? size : 1);
    if (!apdu)
        return 0;
    memcpy(apdu, data, size);
    static const uint64_t addr[2] = {100000000391ull, 12ull};
    static const uint16_t pn[2] = {1, 2};
    ctask_dlt698_realtime_parse(apdu, size, addr, pn, 2, on_value, NULL);
    struct mh_tm clock;
    if (ctask_dlt698_clock_parse(apdu, size, &clock) == 0 && mh_tm_check(&clock) != 0)
        abort();
    ctask_dlt698_clock_set_parse(apdu, size);
    free(apdu);
    return 0;
}
