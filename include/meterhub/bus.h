/*
 * The message bus (information release, ARCHITECTURE.md): the station
 * publishes what it has made durable — readings, events, terminal link
 * changes, collection round summaries — on NATS subjects for other utility
 * systems (billing, marketing, GIS). Subjects and payloads: docs/bus.md.
 *
 * A publisher never blocks its producer. bus_send hands a message to a
 * bounded queue (messages and bytes) under a short mutex and returns; the
 * publisher's own thread takes it from there to the server. When the queue
 * is full, the message is dropped and counted: collection goes on whatever
 * the bus does. While the server is unreachable the thread waits for the
 * client's reconnection (every reconnect_wait_ms, for ever) and the queue
 * holds what it can.
 *
 * A JetStream publish carries a message id (Nats-Msg-Id: the bus's start
 * time and a sequence number). One that fails — lost with the connection,
 * not acknowledged within ack_wait_ms — is queued again, up to three
 * publishes, under the same id, so a stream stores it once whichever
 * attempt reached it (within the stream's duplicate window).
 *
 * Per class of message, the publisher asks JetStream which stream captures
 * the subject of the first message after a (re)connection
 * ($JS.API.STREAM.NAMES with a subject filter). With a stream, the class
 * goes out with js_PublishAsync and every acknowledgement (or failure) is
 * counted; without one (or without JetStream on the server) with a plain
 * PUBLISH, and it is asked again probe_s later, so a stream created while
 * the station runs is picked up.
 *
 * Threads: bus_send, bus_msg_done and bus_stats are safe from any thread;
 * bus_open, bus_flush and bus_close from one controlling thread.
 */
#ifndef MH_BUS_H
#define MH_BUS_H

#include <stddef.h>
#include <stdint.h>

struct bus;
struct bus_msg;

/* What a message is of; each class is probed for a stream on its own. */
enum bus_class { BUS_READINGS = 0, BUS_EVENTS, BUS_LINK, BUS_ROUND, BUS_CLASS_COUNT_ };

struct bus_cfg {
    const char *url;            /* "nats://127.0.0.1:4222"; several, comma-separated */
    const char *prefix;         /* first subject token; NULL: "meterhub" */
    size_t queue_max;           /* messages queued at most; 0: 65536 */
    size_t queue_bytes;         /* bytes queued at most; 0: 64 MiB */
    uint32_t reconnect_wait_ms; /* between reconnection attempts; 0: 500 */
    uint32_t probe_s;           /* a class without a stream is probed again after; 0: 30 */
    uint32_t ack_wait_ms;       /* a JetStream acknowledgement counts as failed after; 0: 5000 */
    uint32_t drain_ms;          /* bus_close publishes what is queued for at most; 0: 2000 */
};

/*
 * Start a publisher: the client connects in the background (a server down
 * now is retried for ever), so this returns at once.
 * Returns 0 with *out, MH_EINVAL (no URL), MH_ENOMEM, MH_EIO (the client
 * refused the options; err says why).
 */
int bus_open(const struct bus_cfg *cfg, struct bus **out, char *err, size_t cap);

/*
 * Stop: what is queued is published for up to drain_ms while connected,
 * the rest is dropped (counted), acknowledgements are awaited, the
 * connection closed and the bus freed. NULL is a no-op.
 */
void bus_close(struct bus *b);

/*
 * Release the NATS client library's process-wide threads and memory, once
 * every bus is closed, before the process exits (nats_Close). No bus may
 * be opened afterwards.
 */
void bus_library_release(void);

/* The subject prefix ("meterhub" by default). */
const char *bus_prefix(const struct bus *b);

/*
 * A message of cls on subject with payload data[0..len) (both copied).
 * The caller owns it until bus_send or bus_msg_free. NULL when out of memory.
 */
struct bus_msg *bus_msg_new(struct bus *b, enum bus_class cls, const char *subject,
                            const char *data, size_t len);
void bus_msg_free(struct bus_msg *m);

/*
 * Queue m (always taken over). 0, or MH_EAGAIN when the queue is full and
 * MH_ECLOSED when closing: m is then dropped and counted. Never waits.
 */
int bus_send(struct bus *b, struct bus_msg *m);

/*
 * A store_readings_append callback (meterhub/store.h) whose ctx is a
 * struct bus_msg: status 0 (the readings are committed) sends it, an
 * error frees it. Runs on any thread.
 */
void bus_msg_done(void *msg, int status);

/* bus_msg_new + bus_send. */
int bus_publish(struct bus *b, enum bus_class cls, const char *subject, const char *data,
                size_t len);

/*
 * Wait until everything queued before the call has been handed to the
 * server and every JetStream acknowledgement is in. 0 or MH_ETIMEDOUT.
 */
int bus_flush(struct bus *b, int timeout_ms);

/* Counters since bus_open. */
struct bus_stats {
    uint64_t queued;      /* messages accepted by bus_send */
    uint64_t published;   /* handed to the server with a plain PUBLISH */
    uint64_t js_acked;    /* stored by a JetStream stream (acknowledged) */
    uint64_t js_failed;   /* a JetStream publish that failed or was not acknowledged in time, for good */
    uint64_t js_retried;  /* a failed JetStream publish queued again (same message id) */
    uint64_t dropped;     /* refused by a full queue, or left at close */
    uint64_t failed;      /* a plain PUBLISH the client refused */
    uint64_t disconnects; /* connections lost */
    uint64_t reconnects;  /* connections re-established */
    size_t queue_len;     /* messages waiting now */
    size_t queue_bytes;   /* their bytes */
    int connected;        /* 1 when connected now */
    int jetstream[BUS_CLASS_COUNT_]; /* per class: 1 a stream, 0 plain, -1 not known yet */
};
void bus_stats(struct bus *b, struct bus_stats *out);

/* ==== information release: the station's messages (release.c, docs/bus.md) ==== */

struct store_terminal;
struct store_reading;
struct store_event;
struct collect_progress;
struct collect_observer;

/* "<prefix>.<what>.<region>.<terminal>": region as 4 hex digits, the address made a token. */
int bus_subject(const struct bus *b, const char *what, const struct store_terminal *t, char *buf,
                size_t cap);

/* "valid", "estimated", "suspect", "missing" for enum store_quality. */
const char *bus_quality_name(int q);

/*
 * The readings of one terminal reply as one message (not sent: pass it to
 * bus_send, or as the ctx of bus_msg_done to store_readings_append).
 * meter_addr[i] is r[i]'s meter address. NULL when n is 0 or out of memory.
 */
struct bus_msg *bus_readings_msg(struct bus *b, const struct store_terminal *t,
                                 const struct store_reading *r, const uint64_t *meter_addr,
                                 size_t n);
/* A stored event (meter_addr 0: a terminal event), a link change, a closed round: published. */
int bus_event_publish(struct bus *b, const struct store_terminal *t, const struct store_event *e,
                      uint64_t meter_addr);
int bus_link_publish(struct bus *b, const struct store_terminal *t, int online, int64_t t_ms,
                     const char *reason);
int bus_round_publish(struct bus *b, int64_t day, int64_t month, const struct collect_progress *p,
                      uint64_t offline);

/* The collector's observer (meterhub/collect.h) that publishes all of the above on b. */
void bus_observer(struct bus *b, struct collect_observer *o);

/* The message's subject and payload (views valid until it is sent or freed). */
const char *bus_msg_subject(const struct bus_msg *m);
const char *bus_msg_data(const struct bus_msg *m, size_t *len);

#endif
