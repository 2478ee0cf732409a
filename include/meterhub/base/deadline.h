/*
 * Deadlines for pthread_cond_timedwait on a CLOCK_MONOTONIC condition (a
 * wall-clock step does not stretch or cut a wait). Header-only.
 */
#ifndef MH_BASE_DEADLINE_H
#define MH_BASE_DEADLINE_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC now + ms. */
static inline struct timespec mh_deadline_ms(uint32_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

#endif
