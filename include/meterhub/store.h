/*
 * The storage tier: the asset archive, readings, events, terminal link
 * history, collection status and audit, behind one interface whatever the
 * database.
 *
 * A store is opened from a URI; the scheme picks the backend ("sqlite:PATH"
 * or a plain path: an SQLite file; "postgres://..." or "postgresql://...":
 * a PostgreSQL database, the URI handed to libpq as it is). Nothing above
 * this header knows which backend it talks to.
 *
 * Readings are written by one writer thread per store: any thread appends
 * them to a bounded queue; the writer takes them in batches, one database
 * transaction per batch, and only after COMMIT returns (the batch is on
 * disk, see docs/store.md) runs the callback of every append whose readings
 * it held. A front-end confirms a terminal's report from that callback,
 * never earlier, so an acknowledged reading survives a crash or power loss.
 *
 * A reading's key is (meter, item, data time). Storing one is idempotent:
 * the same value read twice is stored once (a duplicate); a different value
 * for the same key is a conflict: it is counted, and the reading received
 * later replaces the earlier one.
 *
 * Every other call is synchronous and thread-safe; a backend serialises or
 * pools its connections. Calls return 0 or a count on success and a
 * negative MH_E* code on failure (meterhub/base/err.h).
 */
#ifndef MH_STORE_H
#define MH_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/proto/value.h"

struct store;
struct archive;

enum store_quality {
    STORE_Q_VALID = 0,
    STORE_Q_ESTIMATED = 1, /* filled in by validation or estimation, not read */
    STORE_Q_SUSPECT = 2,   /* read, but a check failed (clock error, implausible jump) */
    STORE_Q_MISSING = 3,   /* a placeholder: the device answered it has no value */
};

/* One normalized reading (ARCHITECTURE.md "Normalized data"). */
struct store_reading {
    int64_t meter;       /* meters.id, from store_terminal_points() */
    uint32_t item;       /* OBIS code packed by MH_OBIS(); the item implies the unit */
    uint8_t quality;     /* enum store_quality */
    uint8_t protocol;    /* enum archive_protocol the value came over */
    int64_t t;           /* data time: the freeze or sample time, epoch seconds UTC */
    struct mh_dec value; /* exact, in the item's canonical unit */
    int64_t terminal;    /* terminals.id it came through; 0 when unknown */
    int64_t received_ms; /* arrival at the master station, epoch milliseconds UTC */
};

/* How a store is opened. Zero fields take the defaults. */
struct store_options {
    size_t queue_capacity; /* readings the append queue holds (default 524288, 28 MiB) */
    /*
     * Readings per transaction at most (default 262144). Batches are as
     * large as the queue holds when the writer gets to it: small when the
     * station is quiet (low latency), large under load, where each
     * meter's leaf page is written once per commit for more readings.
     */
    size_t batch_max;
    /*
     * 0 (default): a commit is durable on power loss (SQLite: WAL with
     * synchronous=FULL; PostgreSQL: synchronous_commit=on). 1: durable
     * against a crash of the process only (synchronous=NORMAL; PostgreSQL:
     * synchronous_commit=off, the server may lose its last commits if it
     * crashes); for benchmarks and rebuildable data, never for readings
     * acknowledged to terminals.
     */
    int relaxed_durability;
    /*
     * PostgreSQL: the connections the writer spreads a large batch over
     * (default 0: 2; at most 8). Each takes a contiguous range of the
     * batch's keys and commits it in a transaction of its own, in
     * parallel, so the server's index inserts use more than one core; the
     * batch's callbacks run once all have committed. A batch that fails on
     * one connection fails whole (callbacks get the error) though another
     * connection's share may be stored: harmless, storing is idempotent
     * and the terminal resends. 1: one connection, one transaction per
     * batch. SQLite: ignored (one writer).
     */
    int writer_connections;
    /*
     * SQLite: how long a statement waits for another connection's (another
     * process's) lock before MH_EBUSY; 0: 10000. The writer then tries its
     * batch again (store_writer_stats.busy_retries).
     */
    uint32_t busy_timeout_ms;
};

/*
 * Open (creating when absent) the store at uri and bring its schema to the
 * current version, migrating an older one forward in one transaction per
 * step. A schema newer than this build knows is refused with MH_ENOTSUP and
 * the file is not touched. Starts the writer thread.
 * Returns 0 with *out set, or MH_EINVAL (bad URI or options), MH_ENOTSUP
 * (backend not built, newer schema), MH_EIO (cannot open or migrate),
 * MH_ENOMEM; err (may be NULL) receives a line saying why.
 */
int store_open(const char *uri, const struct store_options *opt, struct store **out, char *err,
               size_t cap);

/*
 * Flush and close: the writer commits everything appended before this call
 * and runs its callbacks, then the store is freed. The caller stops its
 * other threads' use of st first (as with any handle being freed); an
 * append made from a callback during close fails with MH_ECLOSED.
 * NULL is a no-op.
 */
void store_close(struct store *st);

/* "sqlite", "postgres": the backend serving st. */
const char *store_backend_name(const struct store *st);

/* Current schema version of this build for st's backend, and of the open database. */
int store_schema_version(struct store *st);

/* ---- readings: the writer ---- */

/*
 * Append n >= 1 readings (copied; the caller keeps r). All of them or none enter
 * the queue. done(ctx, status), when not NULL, runs on the writer thread
 * once every one of them is committed (status 0) or their batch failed
 * (status < 0: not stored, do not acknowledge). It must be short and must
 * not wait on the store (post to your own loop, e.g. uv_async_send).
 *
 * Back-pressure: when the queue has no room for n readings, append waits up
 * to timeout_ms for room (0: does not wait) and then returns MH_EAGAIN; an
 * event-loop thread passes 0 and retries later. From the writer thread
 * itself (inside a callback) it never waits.
 * Errors: MH_EAGAIN (full), MH_EOVERFLOW (n > queue capacity), MH_ECLOSED,
 * MH_EINVAL. A failed append never runs done.
 */
int store_readings_append(struct store *st, const struct store_reading *r, size_t n, int timeout_ms,
                          void (*done)(void *ctx, int status), void *ctx);

/* Wait until everything appended before this call is committed (or failed). MH_ETIMEDOUT. */
int store_readings_sync(struct store *st, int timeout_ms);

/* Totals since open. */
struct store_writer_stats {
    uint64_t appended;   /* readings accepted by append */
    uint64_t stored;     /* new keys committed */
    uint64_t duplicates; /* same key, same value: nothing changed */
    uint64_t conflicts;  /* same key, different value */
    uint64_t failed;     /* readings whose batch failed */
    uint64_t batches;    /* transactions committed */
    uint64_t rejected;   /* appends refused with MH_EAGAIN */
    size_t queued;       /* readings waiting now */
    uint64_t busy_retries; /* batches tried again after the database was busy (MH_EBUSY) */
    uint64_t yields;       /* times a batch gave way to a write someone waits on (SQLite) */
    size_t capacity;       /* readings the append queue holds */
};
void store_writer_stats(struct store *st, struct store_writer_stats *out);

/* ---- readings: queries ---- */

/*
 * Readings of (meter, item) with from <= t < to, oldest first, at most cap
 * into out. Returns the count. Paging: call again with from = last t + 1
 * until fewer than cap come back.
 */
int store_readings_range(struct store *st, int64_t meter, uint32_t item, int64_t from, int64_t to,
                         struct store_reading *out, size_t cap);

/* The reading of (meter, item) with the latest data time; MH_ENOENT when none. */
int store_reading_latest(struct store *st, int64_t meter, uint32_t item, struct store_reading *out);

/* A meter and where it is read (for patch collection). */
struct store_meter_ref {
    int64_t meter;
    int64_t terminal;
    uint16_t pn;
    uint64_t address; /* the meter's 12-digit address */
};

/*
 * Active meters with no reading of item with from <= t < to (usually one
 * day), by meter id, starting after meter id after (0 for the first page),
 * at most cap. Returns the count.
 */
int store_readings_missing(struct store *st, uint32_t item, int64_t from, int64_t to, int64_t after,
                           struct store_meter_ref *out, size_t cap);

/* ---- collection status ---- */

/* What a collection is of: the success rate is counted per class. */
enum store_item_class {
    STORE_CLASS_DAY_FREEZE = 0,
    STORE_CLASS_MONTH_FREEZE = 1,
    STORE_CLASS_CURVE = 2,
    STORE_CLASS_REALTIME = 3,
    STORE_CLASS_EVENTS = 4,
    STORE_CLASS_COUNT_
};

/* Why a collection failed; STORE_REASON_NONE for a success. Stored as numbers: append only. */
#define STORE_REASON_MAP(X)                                                                        \
    X(NONE, 0, "collected")                                                                        \
    X(TERMINAL_OFFLINE, 1, "terminal offline")                                                     \
    X(METER_NO_ANSWER, 2, "meter not answering")                                                   \
    X(NO_DATA, 3, "device has no data")                                                            \
    X(ARCHIVE_MISMATCH, 4, "archive mismatch")                                                     \
    X(CLOCK_ERROR, 5, "clock error")                                                               \
    X(CHANNEL_TIMEOUT, 6, "channel timeout")                                                       \
    X(DECODE_ERROR, 7, "decode error")                                                             \
    X(STORE_BUSY, 8, "store busy")

enum store_reason {
#define STORE_REASON_ENUM(sym, num, text) STORE_REASON_##sym = num,
    STORE_REASON_MAP(STORE_REASON_ENUM)
#undef STORE_REASON_ENUM
        STORE_REASON_COUNT_
};

/* "meter not answering"; "?" when out of range. */
const char *store_reason_text(int reason);

struct store_status {
    int64_t meter;
    uint8_t item_class; /* enum store_item_class */
    int64_t day;        /* day number: epoch seconds / 86400 of the day's UTC start */
    uint8_t reason;     /* enum store_reason; NONE = collected */
    uint16_t attempts;  /* tries so far that day */
    int64_t updated_ms; /* when this status was set, epoch ms */
};

/* Insert or replace the status of each (meter, item_class, day); one transaction. */
int store_status_upsert(struct store *st, const struct store_status *s, size_t n);
/*
 * The same through the writer thread, for an event loop that must not wait
 * for the database: the rows are copied and written in the writer's next
 * turn, in order, in one transaction with the others queued by then. Never
 * waits: MH_EAGAIN when the queue is full (the caller writes them itself
 * with store_status_upsert), MH_ECLOSED, MH_EINVAL. store_readings_sync
 * and store_close wait for them; a failed write is logged.
 */
int store_status_queue(struct store *st, const struct store_status *s, size_t n);

enum store_rate_group {
    STORE_GROUP_TERMINAL_KIND = 0, /* enum archive_terminal_kind */
    STORE_GROUP_TERMINAL_PROTOCOL, /* enum archive_protocol of the terminal */
    STORE_GROUP_METER_PROTOCOL,    /* enum archive_protocol of the meter */
    STORE_GROUP_CHANNEL_GROUP,     /* channel_group text */
    STORE_GROUP_REGION,            /* region code */
    STORE_GROUP_COUNT_
};

struct store_rate {
    char key[32];       /* the group: "0", "1" for enums and regions (decimal), text otherwise */
    uint64_t meters;    /* active meters in the group */
    uint64_t collected; /* of them, with reason NONE that day */
    uint64_t failed;    /* with a failure reason (never collected: meters - collected - failed) */
    uint64_t first_try; /* of them, collected at the day's first attempt (before any patch) */
};

/*
 * Success of item_class on day per group: one struct store_rate per group,
 * ordered by key, at most cap into out. Returns the number of groups.
 */
int store_success_rate(struct store *st, int64_t day, int item_class, int group,
                       struct store_rate *out, size_t cap);

/*
 * Failed status rows for (day, item_class) counted per reason: out[reason]
 * receives the count (out has STORE_REASON_COUNT_ entries).
 */
int store_failure_reasons(struct store *st, int64_t day, int item_class, uint64_t *out);

/* ---- archive ---- */

struct store_import_stats {
    uint64_t added, updated, unchanged, retired; /* meters */
    uint64_t terminals, areas, customers;        /* rows now in the file's archive */
};

/*
 * Import a parsed archive (archive_csv_parse) in one transaction: all of it
 * or, on any error, nothing. Rows are matched by their natural keys (meter
 * address, terminal region + address, area and customer codes), so an
 * import updates rather than duplicates and ids stay stable; measurement
 * points are replaced by the file's; meters the file no longer lists are
 * retired (kept, with their readings, but no longer collected).
 */
int store_archive_import(struct store *st, const struct archive *a, struct store_import_stats *out,
                         char *err, size_t cap);

struct store_terminal {
    int64_t id;
    uint16_t region;
    char address[16];
    uint8_t kind;     /* enum archive_terminal_kind */
    uint8_t protocol; /* enum archive_protocol */
    char channel_group[24];
};

/*
 * The terminal at (region, address); MH_ENOENT when the archive does not (or no longer) list it.
 * region STORE_REGION_ANY: the one terminal with that address in any
 * region (DL/T 698.45 logins carry no region); MH_ENOENT when none or
 * more than one region has it.
 */
#define STORE_REGION_ANY 0xFFFFu
int store_terminal_lookup(struct store *st, uint16_t region, const char *address,
                          struct store_terminal *out);

/* A measurement point of a terminal and its meter. */
struct store_point {
    uint16_t pn;
    int64_t meter;
    uint64_t address;
    uint8_t protocol; /* the meter's, enum archive_protocol */
    uint8_t phases;
    uint32_t ct, pt;
    uint16_t rated_voltage_v;
    int64_t area; /* 0: in no area */
    uint8_t area_meter;
};

/* Points of terminal id, by pn, at most cap. Returns the count (0: none). */
int store_terminal_points(struct store *st, int64_t terminal, struct store_point *out, size_t cap);

/* ---- events, link history, audit ---- */

struct store_event {
    int64_t meter;            /* 0: a terminal event */
    int64_t terminal;         /* 0: unknown */
    uint32_t code;            /* protocol event code (ERC, DI, OAD) normalized by collect */
    int64_t start_s;          /* epoch seconds UTC */
    int64_t end_s;            /* 0: still open */
    const char *payload_json; /* NULL or a JSON text (borrowed for the call) */
    /* Tells apart occurrences with the same meter, terminal, code and start (1376.1: pn << 8 | start flag) */
    int64_t seq;
};

/*
 * Record an event; returns 0. Events are few: written directly, not through the queue.
 * An event is stored once: one with the meter, terminal, code, start and seq of a stored
 * one (re-reported, or read again) is not stored again and returns 0 as well.
 */
int store_event_insert(struct store *st, const struct store_event *e);

/* A terminal went online (1) or offline (0) at epoch ms t, for reason (free text, may be NULL). */
int store_terminal_link(struct store *st, int64_t terminal, int online, int64_t t_ms,
                        const char *reason);
/* The same through the writer thread, as store_status_queue (reason cut at 95 bytes, as listings keep it). */
int store_terminal_link_queue(struct store *st, int64_t terminal, int online, int64_t t_ms,
                              const char *reason);

/* Online seconds of terminal within [from, to), from its link history. */
int store_terminal_online_seconds(struct store *st, int64_t terminal, int64_t from, int64_t to,
                                  int64_t *out);

/* who did what, when (epoch ms), with what result (0 or an MH_E* code); texts borrowed. */
int store_audit(struct store *st, const char *who, int64_t t_ms, const char *what, int result);

/* ==== listings (the HTTP API's queries) ==== */

/*
 * Paged reads of the archive, link history, events, audit and collection
 * status, the same on every backend. Each fills at most cap rows of out,
 * in ascending cursor order after `after` (exclusive; 0 for the first
 * page), and returns the count: when it equals cap, call again with the
 * last row's cursor. Filter fields set to -1 (integers), 0 (ids) or NULL
 * (texts) match everything.
 */

struct store_terminal_filter {
    int region;                /* -1: any; else the region code as a number (0x0171) */
    int kind;                  /* -1 or enum archive_terminal_kind */
    int protocol;              /* -1 or enum archive_protocol */
    const char *channel_group; /* NULL: any */
    int online;                /* -1, 0 (offline or never seen) or 1 (last link state) */
    int active;                /* -1, 0 (retired) or 1 */
};
#define STORE_TERMINAL_FILTER_ANY                                                                  \
    {                                                                                              \
        -1, -1, -1, NULL, -1, -1                                                                   \
    }

struct store_terminal_row {
    int64_t id; /* the cursor */
    uint16_t region;
    char address[16];
    uint8_t kind, protocol;
    char channel_group[24];
    uint8_t active;
    uint32_t points;  /* measurement points */
    int8_t online;    /* last link state: 1, 0, -1 when the link history is empty */
    int64_t since_ms; /* when it took that state (0 when online is -1) */
};

/*
 * Terminals by id with their last link state (an offline and an online
 * at the same millisecond are a reconnection: online).
 */
int store_terminals_list(struct store *st, const struct store_terminal_filter *f, int64_t after,
                         struct store_terminal_row *out, size_t cap);
/* Terminal id whatever its state; MH_ENOENT when none. */
int store_terminal_get(struct store *st, int64_t id, struct store_terminal_row *out);

struct store_link_row {
    int64_t t_ms; /* the cursor */
    uint8_t online;
    char reason[96]; /* "" when none was given; longer reasons are cut */
};

/* Link history of terminal with from_ms <= t < to_ms, after t_ms `after`, oldest first. */
int store_terminal_links(struct store *st, int64_t terminal, int64_t from_ms, int64_t to_ms,
                         int64_t after, struct store_link_row *out, size_t cap);

struct store_meter_filter {
    int64_t terminal;     /* 0: any; else read through this terminal */
    const char *area;     /* area code; NULL: any */
    const char *customer; /* customer code; NULL: any */
    int64_t address;      /* -1: any */
    int protocol;         /* -1 or enum archive_protocol */
    int active;           /* -1, 0 or 1 */
};
#define STORE_METER_FILTER_ANY                                                                     \
    {                                                                                              \
        0, NULL, NULL, -1, -1, -1                                                                  \
    }

struct store_meter_row {
    int64_t id; /* the cursor */
    uint64_t address;
    uint8_t protocol, phases;
    uint32_t ct, pt;
    uint16_t rated_voltage_v;
    int64_t contract_w;
    char tariff[16];
    uint8_t pv;
    int64_t pv_peak_w;
    char customer[24]; /* code; "" when none */
    char area[24];     /* code; "" when in no area */
    uint8_t area_meter, active;
    int64_t terminal; /* the point reading it; 0 when none */
    int32_t pn;       /* -1 when none */
};

int store_meters_list(struct store *st, const struct store_meter_filter *f, int64_t after,
                      struct store_meter_row *out, size_t cap);
/* Meter id whatever its state; MH_ENOENT when none. */
int store_meter_get(struct store *st, int64_t id, struct store_meter_row *out);

/* One row of the active archive, as archive_csv_parse reads it back (docs/archive-csv.md). */
struct store_export_row {
    char area[24];
    uint16_t region;
    char terminal_address[16];
    uint8_t terminal_kind, terminal_protocol;
    char channel_group[24];
    uint16_t pn;
    uint64_t meter_address;
    uint8_t meter_protocol, phases;
    uint32_t ct, pt;
    uint16_t rated_voltage_v;
    int64_t contract_w;
    char tariff[16];
    uint8_t pv;
    int64_t pv_peak_w;
    char customer[24];  /* "" when none */
    int customer_class; /* enum archive_customer_class; ARCHIVE_CLASS_AREA when no customer */
    uint8_t area_meter;
};

/*
 * Every active point of every active terminal, ordered by region,
 * terminal address and pn, one fn(ctx, row) call each from one snapshot.
 * fn returns 0 to go on, or a negative code that stops and is returned.
 * fn must not call the store (the backend may hold a lock). Returns the
 * number of rows.
 */
int store_archive_export(struct store *st, int (*fn)(void *ctx, const struct store_export_row *r),
                         void *ctx);

struct store_event_filter {
    int64_t meter, terminal; /* 0: any */
    int64_t code;            /* -1: any */
    int64_t from_s, to_s;    /* from_s <= start < to_s */
};

struct store_event_row {
    int64_t id;              /* the cursor */
    int64_t meter, terminal; /* 0: none */
    uint32_t code;
    int64_t start_s, end_s; /* end 0: still open */
    char *payload_json;     /* malloc'ed, or NULL; store_event_rows_free frees them */
};

int store_events_list(struct store *st, const struct store_event_filter *f, int64_t after,
                      struct store_event_row *out, size_t cap);
/* Free the payloads of n rows (the array itself is the caller's). */
void store_event_rows_free(struct store_event_row *r, size_t n);

struct store_audit_row {
    int64_t id; /* the cursor */
    char who[128];
    int64_t t_ms;
    char what[512]; /* longer texts are cut */
    int result;
};

/* Audit rows with from_ms <= t < to_ms, by who (NULL: anyone). */
int store_audit_list(struct store *st, const char *who, int64_t from_ms, int64_t to_ms,
                     int64_t after, struct store_audit_row *out, size_t cap);

/*
 * Status of each meter for (day, item_class), by meter id after `after`:
 * reason -1 any or one enum store_reason; failed_only 1 leaves out the
 * collected ones.
 */
int store_status_list(struct store *st, int64_t day, int item_class, int reason, int failed_only,
                      int64_t after, struct store_status *out, size_t cap);

/* ==== API tokens ==== */

/*
 * Tokens of the HTTP API (meterhub/api.h), kept in the api_tokens table.
 * The store never sees a secret: the caller passes a digest of the token
 * text (SHA-256, STORE_TOKEN_HASH bytes) and looks tokens up by it.
 */
#define STORE_TOKEN_HASH 32
#define STORE_TOKEN_NAME_MAX 48

struct store_token {
    char name[STORE_TOKEN_NAME_MAX + 1];
    int role;           /* enum api_role, stored as is */
    int64_t created_ms; /* epoch ms */
    int revoked;        /* 1: refused from then on */
};

/*
 * Add token name (1..STORE_TOKEN_NAME_MAX characters) with role and the
 * digest of its text. MH_EEXIST when a token of that name exists (revoked
 * or not: names are never reused, so the audit trail stays unambiguous).
 */
int store_token_add(struct store *st, const char *name, int role,
                    const unsigned char hash[STORE_TOKEN_HASH], int64_t created_ms);

/* The live (not revoked) token with this digest: 0 with *out, or MH_ENOENT. */
int store_token_check(struct store *st, const unsigned char hash[STORE_TOKEN_HASH],
                      struct store_token *out);

/* Tokens by name, at most cap into out. Returns the count (more may exist when == cap). */
int store_token_list(struct store *st, struct store_token *out, size_t cap);

/* Revoke token name: 0, or MH_ENOENT when no token has that name. */
int store_token_revoke(struct store *st, const char *name);

/* ---- transformer areas (listings) ---- */

/* A transformer area with what the active archive holds in it. */
struct store_area_row {
    int64_t id; /* the cursor */
    char code[24];
    uint16_t region;
    uint32_t terminals;   /* active terminals reading an active meter of the area */
    uint32_t meters;      /* active meters of the area */
    int64_t supply_meter; /* the area's supply meter (area_meter), 0 when none */
};

/* Areas by id after `after` (region -1: any), at most cap. Returns the count. */
int store_areas_list(struct store *st, int region, int64_t after, struct store_area_row *out,
                     size_t cap);
/* Area id: 0, MH_ENOENT. */
int store_area_get(struct store *st, int64_t id, struct store_area_row *out);
/* ==== load management: protect list and control commands (docs/control.md) ==== */

/*
 * The protect list (保电名单): customers, meters or terminals that a
 * remote trip or a supply-cutting control must never reach (hospitals,
 * water works ...). ref is the customer code, the meter's 12-digit address
 * or the terminal's address as the archive writes them.
 */
enum store_protect_kind { STORE_PROTECT_CUSTOMER = 1, STORE_PROTECT_METER = 2, STORE_PROTECT_TERMINAL = 3 };

struct store_protect {
    int kind;          /* enum store_protect_kind */
    char ref[33];
    char reason[128];
    char added_by[64];
    int64_t added_ms;
};

/* Add an entry: 0, MH_EEXIST when (kind, ref) is listed, MH_EINVAL for an empty ref or bad kind. */
int store_protect_add(struct store *st, const struct store_protect *p);
/* Remove (kind, ref): 0 or MH_ENOENT. */
int store_protect_remove(struct store *st, int kind, const char *ref);
/* The entry (kind, ref): 0 with *out, or MH_ENOENT. */
int store_protect_get(struct store *st, int kind, const char *ref, struct store_protect *out);
/* Entries by kind then ref, at most cap; the count. */
int store_protect_list(struct store *st, struct store_protect *out, size_t cap);

/* A command's life: pending a second operator, confirmed, sent, finished (every target has a result). */
enum store_control_state {
    STORE_CTL_PENDING = 0,
    STORE_CTL_SENT = 1,
    STORE_CTL_FINISHED = 2,
    STORE_CTL_REFUSED = 3,   /* refused before anything was sent (every target refused) */
    STORE_CTL_CANCELLED = 4, /* withdrawn while pending */
};

struct store_control {
    int64_t id;         /* set by store_control_insert */
    int kind;           /* enum control_kind (meterhub/control.h) */
    char params[512];   /* JSON: the command's parameters */
    char who[64];       /* operator who asked */
    char reason[256];   /* why */
    int64_t created_ms;
    int state;          /* enum store_control_state */
    char confirmer[64]; /* second operator; "" when none */
    int64_t confirmed_ms, finished_ms;
};

/* Per target: what happened. */
enum store_control_result {
    STORE_CTR_QUEUED = 0,      /* not yet sent */
    STORE_CTR_SENT = 1,        /* sent, awaiting the device and the read-back */
    STORE_CTR_DONE = 2,        /* the device confirmed and its state read back agrees */
    STORE_CTR_REFUSED = 3,     /* refused by the station's safety rules (detail says which) */
    STORE_CTR_DENIED = 4,      /* the device denied the command */
    STORE_CTR_UNCONFIRMED = 5, /* no confirmation or no read-back from the device (silent, offline) */
    STORE_CTR_FAILED = 6,      /* the device confirmed but its read-back state disagrees */
    STORE_CTR_ACKED = 7,       /* the device confirmed; it has no state to read back (text message) */
};

struct store_control_target {
    int64_t terminal; /* terminals.id */
    uint16_t pn;      /* control turn or total-add group; 0 for the terminal itself */
    int result;       /* enum store_control_result */
    char detail[160];
    int64_t updated_ms;
};

/* Insert c (its id is set). */
int store_control_insert(struct store *st, struct store_control *c);
/* Update state, confirmer, confirmed_ms and finished_ms of command c->id: 0 or MH_ENOENT. */
int store_control_update(struct store *st, const struct store_control *c);
/* Command id: 0 with *out, or MH_ENOENT. */
int store_control_get(struct store *st, int64_t id, struct store_control *out);
/* Commands by id after `after`, at most cap; the count. */
int store_control_list(struct store *st, int64_t after, struct store_control *out, size_t cap);
/* Insert or replace the row of (command, t->terminal, t->pn). */
int store_control_target_put(struct store *st, int64_t command, const struct store_control_target *t);
/* Targets of a command by terminal and pn, at most cap; the count. */
int store_control_targets(struct store *st, int64_t command, struct store_control_target *out, size_t cap);

/* ==== prepayment (docs/control.md "Prepayment") ==== */

enum store_prepay_state { STORE_PREPAY_NORMAL = 0, STORE_PREPAY_WARNED = 1, STORE_PREPAY_CUT = 2 };

/* A meter's prepaid account. Money in yuan x 10^4, energy in kWh x 10^4. */
struct store_prepay {
    int64_t meter;
    int64_t balance_e4;
    int64_t warn_e4;   /* below it the urge-fee alarm is switched on */
    int state;         /* enum store_prepay_state */
    int64_t settled_t; /* data time of the registers settled, epoch s */
    int64_t reg_e4[4]; /* import active energy of tariffs 1..4 (sharp, peak, flat, valley) settled */
    int64_t command;   /* the last control command the account caused, 0 none */
    int64_t updated_ms;
};

/* Insert or replace the account of a->meter. */
int store_prepay_put(struct store *st, const struct store_prepay *a);
/* The account of meter: 0 with *out, or MH_ENOENT. */
int store_prepay_get(struct store *st, int64_t meter, struct store_prepay *out);
/* Record a payment of amount_e4 to meter's account (the ledger; the balance is the caller's). */
int store_prepay_payment(struct store *st, int64_t meter, int64_t amount_e4, const char *who, const char *ref,
                         int64_t t_ms);
/* Accounts by meter id after `after` (0: from the first), at most cap; the count. */
int store_prepay_list(struct store *st, int64_t after, struct store_prepay *out, size_t cap);
/* ==== analytics results (meterhub analyze, app/analyze.h) ==== */

/*
 * The application tier's daily results over stored readings: consumption
 * per meter and day, line loss per transformer area and day, and alarms.
 * Energies are kept as integers of 0.1 Wh (kWh with four decimals, the
 * resolution every protocol's registers have, A.14 of Q/GDW 1376.1), so
 * they stay exact and read alike on every backend. "day" is a local day
 * number (as in collection status: days since 1970-01-01 of the local
 * calendar date). Writing a result again for the same key replaces it, so
 * running the analysis of a day twice stores the same rows.
 */

/* The key a bulk scan of readings resumes after. */
struct store_reading_key {
    int64_t meter;
    uint32_t item;
    int64_t t;
};

/*
 * Readings of every meter with from <= t < to, in key order (meter, item,
 * data time), strictly after the key `after` (NULL or all zero: from the
 * first), at most cap into out, in one ordered scan of the readings' key.
 * Returns the count; when it equals cap call again with the last row's key.
 */
int store_readings_scan(struct store *st, int64_t from, int64_t to,
                        const struct store_reading_key *after, struct store_reading *out,
                        size_t cap);

#define STORE_WH10_NONE INT64_MIN /* a value that is not known */

/* One meter's consumption of one day (primary energy: register difference x CT x PT). */
struct store_consumption {
    int64_t meter;
    int64_t day;
    uint8_t quality; /* STORE_Q_VALID (from two read registers) or STORE_Q_ESTIMATED */
    uint8_t status;  /* enum metering_status (app/metering.h) of the import total */
    int64_t import_wh10[5]; /* total, tariffs 1..4; STORE_WH10_NONE where unknown */
    int64_t export_wh10[5];
};

/* Insert or replace (meter, day) rows, one transaction. Returns 0. */
int store_consumption_put(struct store *st, const struct store_consumption *c, size_t n);

/*
 * Consumption rows with from_day <= day < to_day of meter (0: every meter),
 * in (meter, day) order after (after_meter, after_day), at most cap.
 */
int store_consumption_list(struct store *st, int64_t meter, int64_t from_day, int64_t to_day,
                           int64_t after_meter, int64_t after_day, struct store_consumption *out,
                           size_t cap);

/* Line loss of one transformer area and day (app/lineloss.h). */
struct store_lineloss {
    int64_t area; /* areas.id, filled by the listing (put finds it by area_code) */
    int64_t day;
    int64_t supply_wh10; /* the area meter's net (import - export) */
    int64_t users_wh10;  /* the users' net, summed */
    int64_t loss_wh10;   /* supply - users */
    int64_t rate_ppm;    /* loss / supply x 1e6; 0 when supply is too small to judge */
    int64_t rise_wh10;   /* loss beyond the area's usual rate; STORE_WH10_NONE without history */
    uint32_t flags;      /* LINELOSS_* bits */
    uint32_t users;      /* users of the area */
    uint32_t missing;    /* of them, without a consumption that day (flags INCOMPLETE) */
    int64_t suspects[3]; /* meters ranked as the best explanation of a rise; 0: none */
    char area_code[24];  /* the area's code */
};

/* Insert or replace (area, day) rows, one transaction. Returns 0. */
int store_lineloss_put(struct store *st, const struct store_lineloss *l, size_t n);

/*
 * Line loss rows with from_day <= day < to_day of the area with code area
 * (NULL: every area), in (area id, day) order after (after_area, after_day).
 */
int store_lineloss_list(struct store *st, const char *area, int64_t from_day, int64_t to_day,
                        int64_t after_area, int64_t after_day, struct store_lineloss *out,
                        size_t cap);

/*
 * An alarm: one episode of one condition (enum anomaly_type) on one
 * subject. Its natural key is (type, meter, terminal, phase, start_s):
 * an alarm that continues into the next day keeps its start and is
 * written again with a later end (or still open), never as a second row.
 */
struct store_alarm {
    int64_t id; /* the cursor; set by the store */
    uint8_t type;
    uint8_t phase;     /* 0..2, 255 when not a phase's */
    int64_t meter;     /* 0: a terminal's or an area's alarm */
    int64_t terminal;  /* the terminal it concerns or the meter is read through; 0: none */
    char area[24];     /* area code; "": none */
    int64_t start_s;   /* epoch seconds UTC */
    int64_t end_s;     /* 0: still holds */
    int64_t first_day; /* local day the analysis first raised it */
    int64_t last_day;  /* last local day the analysis saw it hold */
    int64_t value_milli, limit_milli; /* evidence figure and threshold x 1000 */
    char evidence[128];
    char ack_who[48]; /* "" until acknowledged */
    int64_t ack_ms;   /* 0 until acknowledged */
};

/* Insert each alarm, or update the one with its natural key (end, days, value, evidence). */
int store_alarm_put(struct store *st, const struct store_alarm *a, size_t n);

struct store_alarm_filter {
    int type;            /* -1: any */
    int64_t meter;       /* 0: any */
    int64_t terminal;    /* 0: any */
    const char *area;    /* area code; NULL: any */
    int open;            /* -1 any, 1 still holding, 0 ended */
    int64_t from_s, to_s; /* the alarm overlaps [from_s, to_s): start < to_s, end 0 or > from_s */
};
#define STORE_ALARM_FILTER_ANY                                                                     \
    {                                                                                              \
        -1, 0, 0, NULL, -1, 0, INT64_MAX                                                           \
    }

/* Alarms by id after `after`, at most cap. */
int store_alarms_list(struct store *st, const struct store_alarm_filter *f, int64_t after,
                      struct store_alarm *out, size_t cap);
/* Alarm id; MH_ENOENT when none. */
int store_alarm_get(struct store *st, int64_t id, struct store_alarm *out);

/*
 * Acknowledge alarm id by who (1..47 characters) at t_ms: 0, or MH_ENOENT
 * when there is no such alarm. A second acknowledgement keeps the first.
 */
int store_alarm_ack(struct store *st, int64_t id, const char *who, int64_t t_ms);

/* Voltage quality of one meter's day (app/quality.h), from its stored voltage curve. */
struct store_quality_day {
    int64_t meter;
    int64_t day;
    uint32_t samples;       /* supplied samples judged, all phases */
    int64_t qualified_ppm;  /* share of supplied time within limits x 10^6 */
    int64_t above_s, below_s; /* time above / below the limits, phases summed */
    int64_t vmax_mv, t_vmax, vmin_mv, t_vmin; /* extremes (mV) and when */
    int64_t unbalance_ppm;  /* largest three-phase unbalance x 10^6 */
    uint32_t outages;
    int64_t outage_s;
};

/* Insert or replace (meter, day) rows, one transaction. Returns 0. */
int store_quality_put(struct store *st, const struct store_quality_day *q, size_t n);

/* Rows with from_day <= day < to_day of meter (0: all), in (meter, day) order after the pair. */
int store_quality_list(struct store *st, int64_t meter, int64_t from_day, int64_t to_day,
                       int64_t after_meter, int64_t after_day, struct store_quality_day *out,
                       size_t cap);
/* ==== an area's daily totals ==== */

/*
 * One day of store_area_daily_totals: what the area's users consumed,
 * from their daily frozen registers.
 */
struct store_area_day {
    int64_t t;           /* the day's closing freeze: data time from + (k + 1) * 86400 for day k */
    struct mh_dec total; /* sum of the counted meters' differences, exact, in the item's unit */
    uint32_t meters;     /* the area's active user meters (not its area meter) */
    uint32_t counted;    /* of them, summed: both freezes present and closing >= opening */
    uint32_t missing;    /* without the opening or the closing freeze: not summed */
    uint32_t decreased;  /* closing < opening (meter replaced, register rolled over): not summed */
};

#define STORE_AREA_DAYS_MAX 366

/*
 * Daily totals of the transformer area with code `area` for the `days`
 * days (1..STORE_AREA_DAYS_MAX) that start at epoch second `from`: the
 * data time of the freeze that opens the first day (the collector stores
 * a day's frozen register at the day's end, 24:00 local time in UTC,
 * docs/collect.md; so `from` is the freeze closing the day before).
 *
 * item is a cumulative register (D = 8), usually MH_ITEM_AE_IMP (total
 * forward active energy). Day k's consumption of a meter is its reading of
 * item at data time from + (k + 1) * 86400 minus the one at from + k * 86400,
 * exactly those data times; a reading of quality STORE_Q_MISSING counts
 * as absent. The meters are the area's active meters that are not its
 * area (supply) meter, as the archive lists them now; each is counted in
 * exactly one of counted, missing and decreased every day, so an
 * incomplete total (missing + decreased > 0) is never mistaken for a
 * complete one. Rollover and meter replacement are the metering layer's
 * (meterhub/app/metering.h), not this sum's.
 *
 * out receives `days` entries, oldest first. Returns days, MH_ENOENT
 * (no area has that code), MH_EINVAL, MH_ERANGE (a total beyond 64 bits
 * of mantissa) or MH_E*.
 */
int store_area_daily_totals(struct store *st, const char *area, uint32_t item, int64_t from,
                            size_t days, struct store_area_day *out);

/* ==== orderly-use plans (有序用电, meterhub/control.h plan_*) ==== */

struct store_plan {
    int64_t id; /* 0: a new plan, set by store_plan_put */
    char name[64];
    char who[32];
    char area[24];
    int64_t target_w, from_ms, to_ms, created_ms;
    int64_t max_pct;
    int64_t expect_w, short_w, baseline_w, after_w;
};

struct store_plan_user {
    int64_t seq; /* place in the plan's list, from 0 */
    int64_t meter;
    int64_t priority;
    char customer[24];
    int64_t terminal;
    int64_t state, pct; /* enum plan_user_state, percent shed */
    int64_t contract_w, current_w, expect_w;
    int64_t command, released; /* control_commands ids, 0 none */
    int64_t baseline_w, after_w; /* STORE_PLAN_W_NONE: not measured */
    char detail[96];
};
#define STORE_PLAN_W_NONE INT64_MIN

/* Insert (id 0: p->id is set) or replace a plan's header. 0 or MH_E*. */
int store_plan_put(struct store *st, struct store_plan *p);
/* 0 with *out, MH_ENOENT. */
int store_plan_get(struct store *st, int64_t id, struct store_plan *out);
/* Insert or replace users u[0..n) of plan (by seq), one transaction. 0 or MH_E*. */
int store_plan_users_put(struct store *st, int64_t plan, const struct store_plan_user *u, size_t n);
/* The plan's users by seq, at most cap; the count. */
int store_plan_users(struct store *st, int64_t plan, struct store_plan_user *out, size_t cap);
/* Plans by id after `after`, at most cap; the count. */
int store_plans(struct store *st, int64_t after, struct store_plan *out, size_t cap);

/*
 * A plan the station carries out by its clock (meterhub/control.h
 * "Plans by the clock"): where it stands and who moved it there. A plan
 * without one was carried out by hand (plan_execute directly).
 */
struct store_plan_run {
    int64_t plan;       /* plans.id */
    int64_t state;      /* enum plan_run_state */
    char reason[256];   /* why the plan was made */
    char confirmer[32]; /* the second operator, "" none */
    char ended_by[32];  /* who cancelled or released it early, "" the clock */
    int64_t updated_ms, started_ms, ended_ms; /* 0: not yet */
    char detail[160];   /* the last step's outcome */
};
/* Insert or replace the run of r->plan (the plan must exist). 0 or MH_E*. */
int store_plan_run_put(struct store *st, const struct store_plan_run *r);
/* 0 with *out, MH_ENOENT. */
int store_plan_run_get(struct store *st, int64_t plan, struct store_plan_run *out);
/* Runs of plans after `after` whose state is in [state_lo, state_hi], by plan, at most cap; the count. */
int store_plan_runs(struct store *st, int64_t after, int state_lo, int state_hi, struct store_plan_run *out,
                    size_t cap);

/* ==== customers and measurement points (the HTTP API's archive resources) ==== */

/* Listings as in "listings" above: ascending cursor after `after`, at most cap, the count. */

struct store_customer_filter {
    const char *code; /* exact code; NULL: any */
    int class_;       /* -1 or enum archive_customer_class */
    const char *area; /* customers with a meter in this area (code); NULL: any */
    const char *name; /* a part of the name (bytes, case as given); NULL: any */
};
#define STORE_CUSTOMER_FILTER_ANY                                                                  \
    {                                                                                              \
        NULL, -1, NULL, NULL                                                                       \
    }

struct store_customer_row {
    int64_t id; /* the cursor */
    char code[24];
    uint8_t class_;  /* enum archive_customer_class */
    uint32_t meters; /* active meters */
    char name[64];   /* "" when none was given (the archive CSV has none) */
};

int store_customers_list(struct store *st, const struct store_customer_filter *f, int64_t after,
                         struct store_customer_row *out, size_t cap);
/* The customer with this code; MH_ENOENT when none. */
int store_customer_get(struct store *st, const char *code, struct store_customer_row *out);

/*
 * A measurement point has no row id of its own: it is (terminal, pn), and
 * the archive replaces points on import. Its id is STORE_POINT_ID, stable
 * as long as the terminal keeps that pn (pn <= 2040 < 4096).
 */
#define STORE_POINT_ID(terminal, pn) ((int64_t)(terminal) * 4096 + (int64_t)(pn))

struct store_point_filter {
    int64_t terminal; /* 0: any */
    int64_t meter;    /* 0: any */
    const char *area; /* the meter's area code; NULL: any */
    int protocol;     /* -1 or the meter's enum archive_protocol (what the terminal speaks to it) */
};
#define STORE_POINT_FILTER_ANY                                                                     \
    {                                                                                              \
        0, 0, NULL, -1                                                                             \
    }

struct store_point_row {
    int64_t id; /* the cursor: STORE_POINT_ID(terminal, pn) */
    int64_t terminal;
    uint16_t pn;
    uint16_t region;
    char terminal_address[16];
    uint8_t terminal_protocol; /* enum archive_protocol */
    int64_t meter;
    uint64_t meter_address;
    uint8_t protocol; /* the meter's */
    char area[24];     /* "" when none */
    char customer[24]; /* "" when none */
    uint8_t active;    /* meter and terminal both active */
};

int store_points_list(struct store *st, const struct store_point_filter *f, int64_t after,
                      struct store_point_row *out, size_t cap);
/* Point id (STORE_POINT_ID); MH_ENOENT when none. */
int store_point_get(struct store *st, int64_t id, struct store_point_row *out);

/* ==== single-row edits of the archive (the HTTP API's POST and PATCH) ==== */

struct archive_row; /* meterhub/archive.h */

/*
 * Each is one transaction, all or nothing, and leaves the archive as an
 * import of the same rows would: codes, addresses and (terminal, pn) stay
 * unique (MH_EEXIST), a row changed or referred to must exist (MH_ENOENT),
 * one active supply meter per area (MH_EEXIST). err (cap bytes, may be
 * NULL) says which. The values are checked by the caller
 * (archive_row_check). The collector sees an edit as it sees an import:
 * it reads a terminal's points at every round and the terminal at login.
 */
int store_area_insert(struct store *st, const char *code, uint16_t region, int64_t *id, char *err,
                      size_t cap);
int store_area_update(struct store *st, int64_t id, const char *code, uint16_t region, char *err,
                      size_t cap);
/* name: up to 63 bytes ("" none). */
int store_customer_insert(struct store *st, const char *code, int class_, const char *name,
                          int64_t *id, char *err, size_t cap);
/* The customer `code` gets new_code (may be the same), class_ and name. */
int store_customer_update(struct store *st, const char *code, const char *new_code, int class_,
                          const char *name, char *err, size_t cap);
/* t's fields but its id (the new one goes to *id), active. */
int store_terminal_insert(struct store *st, const struct store_terminal *t, int64_t *id, char *err,
                          size_t cap);
/* Terminal t->id takes t's fields; active 0 retires it: MH_EPERM while it has points. */
int store_terminal_update(struct store *st, const struct store_terminal *t, int active, char *err,
                          size_t cap);
/*
 * A meter of r's meter columns (meter_address .. area_meter; area and
 * customer by code, "" for none), read at point r->pn of terminal (an
 * active one), active.
 */
int store_meter_insert(struct store *st, const struct archive_row *r, int64_t terminal,
                       int64_t *id, char *err, size_t cap);
/*
 * Meter id takes r's values. active 1: it is read at (terminal, r->pn),
 * moved there if it was elsewhere; active 0: retired, its point removed
 * (as an import that no longer lists it), readings kept.
 */
int store_meter_update(struct store *st, int64_t id, const struct archive_row *r,
                       int64_t terminal, int active, char *err, size_t cap);

/* ==== event counters (docs/collect.md "Events read by counter") ==== */

/* A terminal's event counters: Q/GDW 1376.1 EC1 (important events) and EC2 (normal events). */
enum store_event_counter { STORE_EC_IMPORTANT = 1, STORE_EC_NORMAL = 2 };

/*
 * The value (0..255) of terminal's counter up to which its event records
 * are stored: 0 with *value, MH_ENOENT when none was ever put, MH_EINVAL.
 */
int store_event_counter_get(struct store *st, int64_t terminal, int counter, int *value);
/* Set it (value 0..255) at epoch ms t_ms, synchronously. 0, MH_EINVAL or MH_E*. */
int store_event_counter_put(struct store *st, int64_t terminal, int counter, int value,
                            int64_t t_ms);
/*
 * The same through the writer thread, as store_status_queue: for a value
 * no event record depends on (where a terminal's counter stands when
 * nothing is to be read), since it may be written before events queued
 * earlier. MH_EAGAIN when the queue is full, MH_EINVAL, MH_ECLOSED.
 */
int store_event_counter_queue(struct store *st, int64_t terminal, int counter, int value,
                              int64_t t_ms);

/* ==== events through the writer (docs/store.md "Events in a storm") ==== */

/*
 * Append n >= 1 events (copied, payloads too; the caller keeps e) to the
 * writer's event queue, all or none. The writer stores everything queued
 * at once in one transaction, each event once as store_event_insert does
 * (a copy of a stored one is no error), and runs done(ctx, status) on its
 * thread after COMMIT (status 0) or when the transaction failed (< 0:
 * nothing of it stored, do not acknowledge). Active reports come by the
 * thousand after an outage: this way a terminal is confirmed after a
 * commit shared by every report queued with its own, instead of one
 * commit (one fsync) per event on the caller's thread.
 * done must be short and must not wait on the store (post to your loop).
 * Back-pressure as store_readings_append: waits up to timeout_ms for room
 * (0: does not wait), then MH_EAGAIN; from the writer thread it never waits.
 * Errors: MH_EAGAIN, MH_EOVERFLOW (n > the queue), MH_ECLOSED, MH_ENOMEM,
 * MH_EINVAL. A failed append never runs done. store_readings_sync and
 * store_close wait for queued events as for readings.
 */
int store_events_append(struct store *st, const struct store_event *e, size_t n, int timeout_ms,
                        void (*done)(void *ctx, int status), void *ctx);

/* Readings the urgent queue holds at most. */
#define STORE_URGENT_MAX 4096
/*
 * store_readings_append for the few readings someone waits on (an
 * on-demand read answered with its values once they are durable): they go
 * to a small queue of their own that the writer commits whole, in a
 * transaction of its own, before its next batch of the readings queued
 * earlier; the wait is at most the batch being written, not the whole
 * queue of a round. Same idempotence (the later-received reading of a key
 * wins, whichever queue it came by), same done contract, back-pressure and
 * errors; MH_EOVERFLOW for n > STORE_URGENT_MAX. store_readings_sync and
 * store_close wait for these too.
 */
int store_readings_append_urgent(struct store *st, const struct store_reading *r, size_t n,
                                 int timeout_ms, void (*done)(void *ctx, int status), void *ctx);

#endif
