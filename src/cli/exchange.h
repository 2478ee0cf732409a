/*
 * The station's data exchange with other systems, beside `meterhub serve`:
 * the NATS publisher (meterhub/bus.h) fed by the collector's observer, and
 * the day exports (meterhub/export.h) run after every collection round.
 * serve.c starts it once the collector exists and stops it after the
 * store is closed (the store's last callbacks still publish).
 */
#ifndef MH_CLI_EXCHANGE_H
#define MH_CLI_EXCHANGE_H

#include <stdint.h>
#include <uv.h>

struct store;
struct collect;
struct exchange;

struct exchange_opts {
    const char *nats;       /* --nats URL; NULL: no bus */
    const char *export_dir; /* --export-dir DIR; NULL: no exports after rounds */
    int export_json;        /* --export-format json (default csv) */
};

/* --nats URL, --export-dir DIR, --export-format csv|json: 1 taken (and *i moved), 0 not mine, -1 bad. */
int exchange_option(struct exchange_opts *o, int argc, char **argv, int *i);

/*
 * Start what o asks for on loop (NULL *out and 0 when nothing). The
 * collector's observer is installed. 0, or -1 with a message on stderr.
 */
int exchange_start(uv_loop_t *loop, struct store *st, struct collect *c,
                   const struct exchange_opts *o, int16_t utc_offset_min, struct exchange **out);

/* Close the bus (what is queued is drained) and free. After store_close. NULL is a no-op. */
void exchange_stop(struct exchange *x);

#endif
