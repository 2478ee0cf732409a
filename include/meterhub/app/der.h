/*
 * Distributed generation (rooftop PV) per system per day: generation,
 * export, self-consumption and the customer's load, and systems producing
 * far less than their neighbours on the same day (same sun, same clouds:
 * a fault, soiling or shading, not weather). Pure: arrays in, results out.
 * Thresholds: docs/app-der.md.
 */
#ifndef MH_APP_DER_H
#define MH_APP_DER_H

#include <stddef.h>
#include <stdint.h>

struct der_config {
    double low_yield_ratio; /* specific yield below this x the neighbours' median is flagged */
    double min_peer_yield;  /* neighbours' median yield (kWh/kWp) below this: too dark to judge */
    size_t min_peers;       /* systems needed for a median */
};

void der_config_default(struct der_config *c);

struct der_system_day {
    uint32_t meter;
    double peak_kw;        /* installed capacity, kWp */
    double generation_kwh; /* generation meter or inverter; < 0: unknown */
    double import_kwh;     /* the customer's bidirectional meter */
    double export_kwh;
};

struct der_result {
    double self_kwh;   /* generation used on site: generation - export (>= 0) */
    double self_ratio; /* self_kwh / generation; 0 without generation */
    double load_kwh;   /* what the customer used: import + self_kwh */
    double yield;      /* kWh per kWp */
    uint8_t low;       /* 1: far below the neighbours */
};

/*
 * One day of n neighbouring systems (an area, a feeder). scratch: n doubles.
 * out[i] for system i. Returns the number flagged low, or MH_EINVAL.
 */
int der_day(const struct der_config *c, const struct der_system_day *s, size_t n, double *scratch,
            struct der_result *out);

#endif
