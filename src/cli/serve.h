/*
 * The master station process: store, front end and collector on one loop.
 * `meterhub serve` and `meterhub demo` both run it.
 */
#ifndef MH_CLI_SERVE_H
#define MH_CLI_SERVE_H

#include <stdint.h>

#include "exchange.h"
#include "meterhub/collect.h"
#include "meterhub/control.h"

struct serve_opts {
    const char *db;       /* store URI */
    const char *host;     /* listen address; NULL: 0.0.0.0 */
    uint16_t port;        /* 0: ephemeral (printed) */
    const char *archive;  /* CSV imported before listening; NULL: none */
    int64_t round_day;    /* on-demand round of this local day at start; -1: none */
    int64_t round_month;  /* and/or of the month starting on this day; -1: none */
    int once;             /* exit once the round is done (after grace_s for logins) */
    unsigned grace_s;     /* seconds logins may take before an idle round counts as done */
    unsigned max_s;       /* with once: stop after this many seconds whatever is left; 0: none */
    int progress;         /* a progress line on stderr every second */
    size_t store_queue;   /* readings the store's append queue holds; 0: the store's default */
    struct collect_cfg collect;
    uint32_t request_timeout_ms; /* the fep's first attempt; 0: its default */
    uint32_t login_timeout_ms;   /* a connection's time to log in; 0: the fep's (30 s) */
    /* Called once listening (port known), e.g. to start a simulator beside the station. */
    int (*on_listening)(void *ctx, uint16_t port);
    /* Without once: called when the round is done (closed first), the station running on. */
    void (*on_round_done)(void *ctx, const struct collect_progress *p, double secs);
    void *hook_ctx;
    /* Filled on return: the round's figures and how long it took. */
    struct collect_progress result;
    double round_s;
    /*
     * The HTTP/JSON API inside the station (docs/api.md): served when
     * api_port_set, over the station's own store, with on-demand reads and
     * the event stream going through the station's loop (station.h).
     */
    int api_port_set;
    int api_optional; /* 1: a station whose API cannot listen runs on without it (demo) */
    char api_host[64];
    uint16_t api_port;          /* 0: any free port (printed) */
    const char *web_dir;        /* the dashboard; NULL: web/dist of the source tree when built */
    const char *cert, *key;     /* HTTPS */
    const char *cors[8];        /* --cors ORIGIN, repeatable */
    size_t n_cors;
    /*
     * Called once the API listens, with its base URL ("http://127.0.0.1:8080")
     * and the dashboard's directory it serves (NULL: none, not built).
     */
    void (*on_api)(void *ctx, const char *url, const char *web_dir);
    /* Analyse a round's day once its collection is idle (app/analyze.h), with this many days
     * of history; 0: not. Again when later collections of the day stored more. */
    int analyze_history;
    struct exchange_opts exchange; /* --nats, --export-dir: the data exchange (exchange.h) */
    /* Load management (control.h): --confirm-over N, --no-trip HH:MM-HH:MM (repeatable). The
     * engine's utc_offset_min is the station's; its timeout the fep's when 0. */
    struct control_cfg control;
    /*
     * serve --procs N (serve_procs.h): N front-end workers under a parent;
     * 0 or 1: this process alone. In a worker, mesh is the workers' sockets
     * (its index in mesh->self) and collect.part_n/part_i its partition.
     */
    unsigned procs;
    struct serve_mesh *mesh;
    int no_settle; /* 1: prepaid accounts are settled by another process */
};

/* Run until SIGINT/SIGTERM (or the round, with once). 0, or 1 with a message on stderr. */
int serve_run(struct serve_opts *o);

struct store;
/* Import an archive CSV into st, logging its figures. 0, or -1 with a message on stderr. */
int serve_import_archive(struct store *st, const char *file);

/* The "round done in ..." line of o->result and o->round_s on stdout. */
void serve_print_round(const struct serve_opts *o);

/* "HOST:PORT" or "[V6]:PORT" -> host (static buffer) and port. -1 when malformed. */
int serve_parse_hostport(const char *text, const char **host, uint16_t *port);

/* "YYYY-MM-DD" or "yesterday" -> local day number (utc_offset_min for "yesterday"). -1 bad. */
int serve_parse_day(const char *text, int utc_offset_min, int64_t *day);
/* "YYYY-MM" or "last" -> day number of that month's first day. -1 bad. */
int serve_parse_month(const char *text, int utc_offset_min, int64_t *day);

#endif
