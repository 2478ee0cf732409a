/*
 * The collector's decoder of DL/T 698.45 REPORT-Notification event records
 * on arbitrary APDUs: it never reads past them, hands over only records of
 * event objects with a start time, and hands over nothing or everything.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_event(void *ctx, const struct ctask_698_event *e)
{
    (*(int *)ctx)++;
    if (e->oi < 0x3000 || e->oi > 0x31FF || !(e->start.has & MH_TM_DAY))
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *apdu = malloc(size ? size : 1);
    if (!apdu)
        return 0;
    memcpy(apdu, data, size);
    int n = 0;
    int rc = ctask_dlt698_report_parse(apdu, size, on_event, &n);
    if ((rc < 0 && n != 0) || (rc >= 0 && rc != n))
        abort();
    free(apdu);
    return 0;
}
