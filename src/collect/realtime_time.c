/*
 * The data time a realtime value is stored under.
 *
 * A reading's key is (meter, item, data time) and a later reading of the
 * same key replaces the earlier one (store.h). Frozen values sit on whole
 * minutes: the daily freeze at 24:00 of its day (00:00 of the next), the
 * monthly at 00:00 of the 1st, curve points at the end of each interval.
 * A register read now by a device whose clock shows exactly such a minute
 * (1376.1 Td_c at 00:00, A.15 has no seconds; a 698.45 clock at 00:00)
 * would take the key of that freeze and overwrite it with a value read
 * later, by another service, that need not equal the frozen one.
 *
 * So a realtime value never sits on second 0 of a minute: a read time at
 * second 0 (every time a device gives to the minute only) is stored one
 * second later. That keeps it off every freeze's and curve point's key and
 * still inside the minute the device dated it. Two realtime reads of the
 * same key: the later replaces the earlier, as it should. Whoever compares
 * a realtime value with its time uses the minute (t - t % 60).
 */
#include "collect_int.h"

int64_t ctask_realtime_time(int64_t read_utc)
{
    return (read_utc % 60 + 60) % 60 == 0 ? read_utc + 1 : read_utc;
}
