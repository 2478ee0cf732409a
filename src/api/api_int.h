/*
 * Private to src/api: the server, a request as handlers see it, the route
 * table and the database queries behind the handlers.
 *
 * A request is handled on one libmicrohttpd thread from start to end: the
 * handler reads struct api_req and fills struct api_resp (a body it owns,
 * freed by the server after sending). Nothing a handler does is seen by
 * another request until it returns: writes are one store transaction.
 */
#ifndef MH_API_INT_H
#define MH_API_INT_H

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "meterhub/api.h"
#include "meterhub/store.h"

struct api {
    struct MHD_Daemon *mhd;
    struct store *st; /* every query and the tokens (store.h) */
    size_t body_max;
    uint16_t port;
    char *cert, *key; /* PEM texts, kept while the daemon runs */
    char *web_root;   /* real path of the dashboard's files, or NULL: none served (static.c) */
    struct station_bridge *station; /* NULL: no station behind the API (on-demand reads 503) */
    struct collect *collect;        /* touched only on the station's loop, through station */
    char **cors;                    /* allowed origins (copies), n_cors of them */
    size_t n_cors;
    struct api_hub *hub;   /* event streams (stream.c) */
    struct api_jobs *jobs; /* on-demand read jobs (h_reads.c) */
    struct control *control;        /* load management, touched only on the station's loop */
    struct fep *fep;       /* the station's front end, loop only (h_stats.c) */
    struct fep_port **ports;
    size_t n_ports;
    int64_t started_ms;    /* CLOCK_MONOTONIC at api_start: the uptime's origin */
};

#define API_MAX_PARAMS 2 /* {id} captures in one path */

struct api_req {
    struct api *api;
    struct MHD_Connection *conn;
    const char *method, *path;
    int64_t params[API_MAX_PARAMS]; /* the path's {..} segments, in order */
    const char *body;               /* NUL-terminated; NULL when none */
    size_t body_len;
    const char *token_name; /* who: the token's name */
    int role;
    char audit_what[256]; /* a write handler says what it did, for the audit row */
};

struct api_resp {
    unsigned status;
    char *body; /* malloc'ed, owned by the response */
    size_t len;
    const char *ctype;
    const char *disposition; /* Content-Disposition, or NULL */
    struct MHD_Response *stream; /* set by a streaming handler: sent instead of body */
    int no_cache_header;         /* the handler set its own headers on stream */
};

typedef void (*api_handler)(struct api_req *rq, struct api_resp *rs);

struct api_route {
    struct api_route_info info; /* first: api_route() hands it out */
    int role_min;               /* enum api_role */
    int write;                  /* audited */
    api_handler fn;
};

/* The route table (routes.c). */
extern const struct api_route api_route_table[];
extern const size_t api_route_table_len;

/*
 * Match path against pattern ("{x}" segments take a decimal id >= 1 into
 * params; a "{name}" segment takes 1..32 of [a-z0-9_], its param the offset
 * where it starts in path; a "{code}" segment likewise 1..23 of
 * [A-Za-z0-9_.-], an archive code). Returns 1 on a match, 0 otherwise.
 */
int api_path_match(const char *pattern, const char *path, int64_t *params);

/* ---- responses (reply.c) ---- */

/* JSON body (steals j) with status. */
void api_reply_json(struct api_resp *rs, unsigned status, json_t *j);
/* {"error": reason text of status, "detail": printf(fmt, ...)}. */
void api_reply_error(struct api_resp *rs, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Body text taken over (malloc'ed). */
void api_reply_text(struct api_resp *rs, unsigned status, const char *ctype, char *body,
                    size_t len);
/* A growing text (CSV bodies), capped only by memory; oom sticks. */
struct api_text {
    char *p;
    size_t len, cap;
    int oom;
};
void api_text_add(struct api_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Short reason of an HTTP status ("bad request"). */
const char *api_status_reason(unsigned status);

/* ---- query parameters (params.c) ---- */

/* The query argument name, or NULL. */
const char *api_arg(struct api_req *rq, const char *name);
/*
 * Integer argument in [lo, hi]; *out keeps def when absent. Returns 0, or
 * -1 after replying 400 naming the argument.
 */
int api_arg_int(struct api_req *rq, struct api_resp *rs, const char *name, int64_t lo, int64_t hi,
                int64_t def, int64_t *out);
/*
 * Time argument: epoch seconds, "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS][Z]"
 * (UTC). Same contract as api_arg_int.
 */
int api_arg_time(struct api_req *rq, struct api_resp *rs, const char *name, int64_t def,
                 int64_t *out);
/* Paging: limit (1..1000, default 100) and after (id cursor, default 0). */
int api_arg_page(struct api_req *rq, struct api_resp *rs, int64_t *limit, int64_t *after);
/* A value from a const name table (index), or -1 after replying 400 listing the names. */
int api_arg_enum(struct api_req *rq, struct api_resp *rs, const char *name,
                 const char *const *names, size_t n, int def);
/* A filter by an archive enum's name (archive_kind_name ...; "?" ends the names): *out -1 when
 * absent. 0, or -1 after replying 400 listing the names. (h_archive.c) */
int api_arg_named(struct api_req *rq, struct api_resp *rs, const char *name,
                  const char *(*namefn)(int), int *out);
/* Parse a time text as api_arg_time does (1970..9999); 0 or -1. */
int api_parse_time(const char *s, int64_t *out);
/* "2026-11-24T02:40:00Z" */
void api_format_time(int64_t t, char *buf, size_t cap);
/* Milliseconds as "2026-11-24T02:40:00.123Z" */
void api_format_time_ms(int64_t t_ms, char *buf, size_t cap);
/* ?region=0171: four hex digits as the archive writes them; *out -1 when absent. As api_arg_int. */
int api_arg_region(struct api_req *rq, struct api_resp *rs, int *out);
/* An item as "1.0.1.8.0" or a meterhub item name ("AE_IMP", any case); 0 or -1. */
int api_item_parse(const char *s, uint32_t *code);

/*
 * The body as a JSON object (the caller's), or NULL after replying 415 (not
 * application/json) or 400 (not an object; shape says what is expected). (h_control.c)
 */
json_t *api_body_object(struct api_req *rq, struct api_resp *rs, const char *shape);

/* ---- tokens (tokens.c) ---- */

/* Look a token up in the store: 0 with name (cap bytes) and role, MH_ENOENT, MH_EIO. */
int api_token_check(struct api *a, const char *token, char *name, size_t cap, int *role);

/* ---- store rows to JSON (rows.c) ---- */

/*
 * Each row as people read it: protocol and kind names, region "0171",
 * 12-digit meter addresses, times in ISO 8601, flags as booleans, absent
 * values as null.
 */
struct api_row_kind {
    size_t size;                        /* sizeof the store's row struct */
    json_t *(*json)(const void *row);   /* the row as a JSON object */
    int64_t (*cursor)(const void *row); /* its paging cursor ("id") */
};
extern const struct api_row_kind api_rows_terminal; /* struct store_terminal_row */
extern const struct api_row_kind api_rows_link;     /* struct store_link_row */
extern const struct api_row_kind api_rows_meter;    /* struct store_meter_row */
extern const struct api_row_kind api_rows_event;    /* struct store_event_row */
extern const struct api_row_kind api_rows_audit;    /* struct store_audit_row */
extern const struct api_row_kind api_rows_status;   /* struct store_status */
extern const struct api_row_kind api_rows_area;     /* struct store_area_row */
extern const struct api_row_kind api_rows_customer; /* struct store_customer_row */
extern const struct api_row_kind api_rows_point;    /* struct store_point_row */

/*
 * A listing's reply: n rows of kind k in out (n < 0: the store failed,
 * 500). {"items": rows, "next": the last row's cursor when limit rows
 * came back, else null}.
 */
void api_reply_rows(struct api_resp *rs, const struct api_row_kind *k, const void *out, int n,
                    int64_t limit);
/* One row (rc 0), 404 naming what and id (MH_ENOENT), or 500. */
void api_reply_row(struct api_resp *rs, const struct api_row_kind *k, const void *row, int rc,
                   const char *what, int64_t id);

/* ---- handlers ---- */

void api_h_health(struct api_req *rq, struct api_resp *rs);
void api_h_terminals(struct api_req *rq, struct api_resp *rs);
void api_h_terminal(struct api_req *rq, struct api_resp *rs);
void api_h_terminal_links(struct api_req *rq, struct api_resp *rs);
void api_h_meters(struct api_req *rq, struct api_resp *rs);
void api_h_meter(struct api_req *rq, struct api_resp *rs);
void api_h_readings(struct api_req *rq, struct api_resp *rs);
void api_h_archive_import(struct api_req *rq, struct api_resp *rs);
void api_h_archive_export(struct api_req *rq, struct api_resp *rs);
void api_h_rates(struct api_req *rq, struct api_resp *rs);
void api_h_failures(struct api_req *rq, struct api_resp *rs);
void api_h_status(struct api_req *rq, struct api_resp *rs);
void api_h_events(struct api_req *rq, struct api_resp *rs);
void api_h_audit(struct api_req *rq, struct api_resp *rs);
/* the daily analysis's results (h_analytics.c) */
void api_h_alarms(struct api_req *rq, struct api_resp *rs);
void api_h_alarm_ack(struct api_req *rq, struct api_resp *rs);
void api_h_consumption(struct api_req *rq, struct api_resp *rs);
void api_h_lineloss(struct api_req *rq, struct api_resp *rs);

void api_h_reads(struct api_req *rq, struct api_resp *rs);
void api_h_job(struct api_req *rq, struct api_resp *rs);
void api_h_stream(struct api_req *rq, struct api_resp *rs);
void api_h_areas(struct api_req *rq, struct api_resp *rs);
void api_h_area(struct api_req *rq, struct api_resp *rs);
/* load management (h_control.c) */
void api_h_command_submit(struct api_req *rq, struct api_resp *rs);
void api_h_command_confirm(struct api_req *rq, struct api_resp *rs);
void api_h_command_cancel(struct api_req *rq, struct api_resp *rs);
void api_h_commands(struct api_req *rq, struct api_resp *rs);
void api_h_command(struct api_req *rq, struct api_resp *rs);
void api_h_protect(struct api_req *rq, struct api_resp *rs);
void api_h_protect_add(struct api_req *rq, struct api_resp *rs);
void api_h_protect_remove(struct api_req *rq, struct api_resp *rs);
void api_h_prepay(struct api_req *rq, struct api_resp *rs);
void api_h_prepay_topup(struct api_req *rq, struct api_resp *rs);
void api_h_prepay_open(struct api_req *rq, struct api_resp *rs);
void api_h_stats(struct api_req *rq, struct api_resp *rs);
/* CLOCK_MONOTONIC in milliseconds (h_stats.c): the uptime's clock. */
int64_t api_mono_ms(void);
/* the collector's tasks (h_tasks.c) */
void api_h_tasks(struct api_req *rq, struct api_resp *rs);
void api_h_task_run(struct api_req *rq, struct api_resp *rs);
void api_h_task_enable(struct api_req *rq, struct api_resp *rs);
void api_h_task_disable(struct api_req *rq, struct api_resp *rs);
/* several meters' readings at once (h_data.c) */
void api_h_readings_many(struct api_req *rq, struct api_resp *rs);
/* customers and measurement points (h_customers.c) */
void api_h_customers(struct api_req *rq, struct api_resp *rs);
void api_h_customer(struct api_req *rq, struct api_resp *rs);
void api_h_points(struct api_req *rq, struct api_resp *rs);
void api_h_point(struct api_req *rq, struct api_resp *rs);
/* single-row archive edits (h_edit.c) */
void api_h_terminal_add(struct api_req *rq, struct api_resp *rs);
void api_h_terminal_edit(struct api_req *rq, struct api_resp *rs);
void api_h_meter_add(struct api_req *rq, struct api_resp *rs);
void api_h_meter_edit(struct api_req *rq, struct api_resp *rs);
void api_h_customer_add(struct api_req *rq, struct api_resp *rs);
void api_h_customer_edit(struct api_req *rq, struct api_resp *rs);
void api_h_area_add(struct api_req *rq, struct api_resp *rs);
void api_h_area_edit(struct api_req *rq, struct api_resp *rs);
/* orderly-use plans (h_plans.c) */
void api_h_plan_submit(struct api_req *rq, struct api_resp *rs);
void api_h_plans(struct api_req *rq, struct api_resp *rs);
void api_h_plan(struct api_req *rq, struct api_resp *rs);
void api_h_plan_confirm(struct api_req *rq, struct api_resp *rs);
void api_h_plan_cancel(struct api_req *rq, struct api_resp *rs);
void api_h_plan_release(struct api_req *rq, struct api_resp *rs);
/* Shared by the load-management handlers (h_control.c). */
/* A required non-empty string member into buf (cap bytes); NULL when absent, empty or too long. */
const char *api_member_text(json_t *o, const char *name, char *buf, size_t cap);
/* Unix ms as the API's time text; null for 0 or less. */
json_t *api_time_json(int64_t ms);
/* An engine's MH_E* as HTTP: the map's status and why (" (what id)" when id > 0), else 500. */
struct api_rc_map {
    int rc;
    unsigned status;
    const char *why;
};
void api_reply_rc(struct api_resp *rs, const struct api_rc_map *map, size_t n, int rc, const char *what, int64_t id);
/*
 * A plan's step on the station's loop (control.h plan_run_*), waited for:
 * 0 with the engine's answer in *engine_rc (the new plan's id in *id_out
 * after a submit), or -1 after replying 503/500. p (heap, submit only) is taken.
 */
enum api_plan_op { API_PLAN_SUBMIT, API_PLAN_CONFIRM, API_PLAN_CANCEL, API_PLAN_RELEASE };
struct plan;
int api_plan_call(struct api_req *rq, struct api_resp *rs, enum api_plan_op op, int64_t id, struct plan *p,
                  const char *reason, int64_t *id_out, int *engine_rc);

/* ---- event streams (stream.c) ---- */

/* The hub: max clients at once, a comment line every heartbeat_ms. 0 or MH_ENOMEM. */
int api_hub_new(unsigned max, unsigned heartbeat_ms, struct api_hub **out);
/* Before MHD_stop_daemon: end every stream (resumes suspended connections), stop the heartbeat. */
void api_hub_stop(struct api_hub *h);
void api_hub_free(struct api_hub *h);

/* ---- on-demand read jobs (h_reads.c) ---- */

int api_jobs_new(struct api_jobs **out);
void api_jobs_free(struct api_jobs *j);

/* ---- the dashboard's files outside /api/ (static.c) ---- */

/* Take dir's real path as a->web_root; MH_EINVAL (err says why) when it is not a directory. */
int api_static_init(struct api *a, const char *dir, char *err, size_t cap);
/* Serve url (percent-decoded) from a->web_root: 200, 400 (refused path), 404, 405. */
enum MHD_Result api_static_serve(struct api *a, struct MHD_Connection *c, const char *method,
                                 const char *url);
/* 1 when url may name a file: absolute, no "." or ".." segment, no '\\', '%' or control byte. */
int api_static_path_ok(const char *url);
/* The Content-Type for a file name. */
const char *api_static_ctype(const char *path);

#endif
