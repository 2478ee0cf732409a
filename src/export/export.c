/*
 * Day exports (meterhub/export.h, docs/export.md): rows read through
 * store.h, written as CSV (RFC 4180: CRLF-free, "\n" line ends, fields with
 * a comma, quote or line end quoted) or JSON (one array, one object per
 * line), into a temporary file renamed over the final one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "meterhub/base/err.h"
#include "meterhub/export.h"
#include "meterhub/proto/item.h"
#include "meterhub/proto/value.h"
#include "meterhub/store.h"

#define PAGE 256
#define TARIFFS 14 /* tariff registers a daily freeze may carry (1376.1 F161: M <= 14) */

static const char *const what_names[EXPORT_WHAT_COUNT_] = {"readings", "events", "collection"};

const char *export_what_name(enum export_what w)
{
    return (unsigned)w < EXPORT_WHAT_COUNT_ ? what_names[w] : "?";
}

int export_what_parse(const char *text)
{
    for (int k = 0; k < EXPORT_WHAT_COUNT_; k++)
        if (strcmp(text, what_names[k]) == 0)
            return k;
    return -1;
}

/* A field: text, a number (JSON unquoted), raw JSON (an event's payload), or null. */
enum fkind { F_TEXT, F_NUM, F_JSON, F_NULL };
struct field {
    const char *v;
    enum fkind k;
};

struct out {
    FILE *f;
    enum export_format fmt;
    const char *const *cols;
    size_t ncols;
    uint64_t rows;
};

static void csv_field(FILE *f, const char *v)
{
    if (!strpbrk(v, ",\"\n\r")) {
        fputs(v, f);
        return;
    }
    fputc('"', f);
    for (; *v; v++) {
        if (*v == '"')
            fputc('"', f);
        fputc(*v, f);
    }
    fputc('"', f);
}

static void json_text(FILE *f, const char *v)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/*
 * A JSON text in one canonical form (compact, keys sorted), or NULL when it
 * is not JSON: PostgreSQL keeps payloads as jsonb, which reorders keys and
 * adds blanks, and an export must not depend on the backend.
 */
static char *json_norm(const char *text)
{
    json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
    char *out = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
    json_decref(j);
    return out;
}

static void row(struct out *o, const struct field *fl)
{
    for (size_t i = 0; i < o->ncols; i++) {
        if (o->fmt == EXPORT_CSV) {
            if (i)
                fputc(',', o->f);
            char *norm = fl[i].k == F_JSON ? json_norm(fl[i].v) : NULL;
            if (fl[i].k != F_NULL)
                csv_field(o->f, norm ? norm : fl[i].v);
            free(norm);
            continue;
        }
        fputs(i ? "," : (o->rows ? ",\n{" : "\n{"), o->f);
        json_text(o->f, o->cols[i]);
        fputc(':', o->f);
        char *norm = fl[i].k == F_JSON ? json_norm(fl[i].v) : NULL;
        if (fl[i].k == F_NULL)
            fputs("null", o->f);
        else if (fl[i].k == F_NUM || norm)
            fputs(norm ? norm : fl[i].v, o->f);
        else
            json_text(o->f, fl[i].v); /* a payload that is not JSON travels as text */
        free(norm);
    }
    fputs(o->fmt == EXPORT_CSV ? "\n" : "}", o->f);
    o->rows++;
}

static void header(struct out *o)
{
    if (o->fmt == EXPORT_JSON) {
        fputc('[', o->f);
        return;
    }
    for (size_t i = 0; i < o->ncols; i++) {
        if (i)
            fputc(',', o->f);
        fputs(o->cols[i], o->f);
    }
    fputc('\n', o->f);
}

static void footer(struct out *o)
{
    if (o->fmt == EXPORT_JSON)
        fputs(o->rows ? "\n]\n" : "]\n", o->f);
}

static void ymd(int64_t day, char *buf, size_t cap)
{
    struct mh_tm t;
    mh_tm_from_epoch(day * 86400, &t);
    snprintf(buf, cap, "%04u-%02u-%02u", t.year, t.mon, t.day);
}

static void iso(int64_t s, char *buf, size_t cap)
{
    struct mh_tm t;
    mh_tm_from_epoch(s, &t);
    snprintf(buf, cap, "%04u-%02u-%02uT%02u:%02u:%02uZ", t.year, t.mon, t.day, t.hour, t.min,
             t.sec);
}

static const char *const qualities[] = {"valid", "estimated", "suspect", "missing"};

/* ---- readings: the day's freeze of every meter's energy registers ---- */

static const char *const readings_cols[] = {"date", "meter", "customer", "area", "item",
                                            "value", "unit", "quality", "time"};

static int readings(struct store *st, const struct export_req *r, struct out *o)
{
    static const uint32_t regs[] = {MH_ITEM_AE_IMP, MH_ITEM_AE_EXP};
    /* Daily freezes are stamped 24:00 local of the day (docs/collect.md). */
    int64_t t0 = (r->day + 1) * 86400 - (int64_t)r->utc_offset_min * 60;
    struct store_meter_filter f = STORE_METER_FILTER_ANY;
    struct store_meter_row *m = malloc(PAGE * sizeof *m);
    if (!m)
        return MH_ENOMEM;
    char date[16], meter[16], item[24], val[40], when[32];
    ymd(r->day, date, sizeof date);
    iso(t0, when, sizeof when);
    int64_t after = 0;
    int got, rc = 0;
    do {
        got = store_meters_list(st, &f, after, m, PAGE);
        for (int i = 0; i < got && rc >= 0; i++) {
            snprintf(meter, sizeof meter, "%012llu", (unsigned long long)m[i].address);
            for (size_t k = 0; k < sizeof regs / sizeof regs[0] && rc >= 0; k++)
                for (unsigned tariff = 0; tariff <= TARIFFS; tariff++) {
                    struct store_reading v;
                    uint32_t code = MH_OBIS_TARIFF(regs[k], tariff);
                    rc = store_readings_range(st, m[i].id, code, t0, t0 + 1, &v, 1);
                    if (rc < 0)
                        break;
                    if (rc == 0)
                        continue;
                    const struct mh_item_def *d = mh_item_lookup(code);
                    mh_item_format(code, item, sizeof item);
                    mh_dec_format(v.value, val, sizeof val);
                    struct field fl[] = {{date, F_TEXT},
                                         {meter, F_TEXT},
                                         {m[i].customer, m[i].customer[0] ? F_TEXT : F_NULL},
                                         {m[i].area, m[i].area[0] ? F_TEXT : F_NULL},
                                         {item, F_TEXT},
                                         {val, F_TEXT},
                                         {d ? mh_unit_name(d->unit) : "", F_TEXT},
                                         {v.quality < 4 ? qualities[v.quality] : "?", F_TEXT},
                                         {when, F_TEXT}};
                    row(o, fl);
                }
        }
        if (got > 0)
            after = m[got - 1].id;
    } while (got == PAGE && rc >= 0);
    free(m);
    return got < 0 ? got : rc < 0 ? rc : 0;
}

/* ---- events that started during the local day ---- */

static const char *const events_cols[] = {"id", "start", "end", "region", "terminal",
                                          "meter", "code", "payload"};

static int events(struct store *st, const struct export_req *r, struct out *o)
{
    int64_t from = r->day * 86400 - (int64_t)r->utc_offset_min * 60;
    struct store_event_filter f = {.code = -1, .from_s = from, .to_s = from + 86400};
    struct store_event_row *e = malloc(PAGE * sizeof *e);
    if (!e)
        return MH_ENOMEM;
    struct store_terminal_row term = {0};
    struct store_meter_row meter = {0};
    int64_t after = 0;
    int got;
    do {
        got = store_events_list(st, &f, after, e, PAGE);
        for (int i = 0; i < got; i++) {
            char id[24], start[32], end[32], region[8], maddr[16], code[16];
            snprintf(id, sizeof id, "%lld", (long long)e[i].id);
            snprintf(code, sizeof code, "%u", e[i].code);
            iso(e[i].start_s, start, sizeof start);
            iso(e[i].end_s, end, sizeof end);
            if (e[i].terminal && term.id != e[i].terminal &&
                store_terminal_get(st, e[i].terminal, &term) != 0)
                term.id = 0;
            if (e[i].meter && meter.id != e[i].meter && store_meter_get(st, e[i].meter, &meter) != 0)
                meter.id = 0;
            int has_t = e[i].terminal && term.id == e[i].terminal;
            int has_m = e[i].meter && meter.id == e[i].meter;
            snprintf(region, sizeof region, "%04x", has_t ? term.region : 0);
            snprintf(maddr, sizeof maddr, "%012llu", (unsigned long long)(has_m ? meter.address : 0));
            struct field fl[] = {{id, F_NUM},
                                 {start, F_TEXT},
                                 {end, e[i].end_s ? F_TEXT : F_NULL},
                                 {region, has_t ? F_TEXT : F_NULL},
                                 {term.address, has_t ? F_TEXT : F_NULL},
                                 {maddr, has_m ? F_TEXT : F_NULL},
                                 {code, F_NUM},
                                 {e[i].payload_json, e[i].payload_json ? F_JSON : F_NULL}};
            row(o, fl);
        }
        if (got > 0)
            after = e[got - 1].id;
        store_event_rows_free(e, got > 0 ? (size_t)got : 0);
    } while (got == PAGE);
    free(e);
    return got < 0 ? got : 0;
}

/* ---- the collection report: every meter's status for the day ---- */

static const char *const collection_cols[] = {"date", "meter", "customer", "area", "class",
                                              "status", "reason", "attempts", "updated"};

static int collection(struct store *st, const struct export_req *r, struct out *o)
{
    static const char *const classes[] = {"day", "month"};
    struct store_status *s = malloc(PAGE * sizeof *s);
    if (!s)
        return MH_ENOMEM;
    char date[16];
    ymd(r->day, date, sizeof date);
    int got = 0;
    for (int cls = STORE_CLASS_DAY_FREEZE; cls <= STORE_CLASS_MONTH_FREEZE && got >= 0; cls++) {
        int64_t after = 0;
        do {
            got = store_status_list(st, r->day, cls, -1, 0, after, s, PAGE);
            for (int i = 0; i < got; i++) {
                struct store_meter_row m;
                if (store_meter_get(st, s[i].meter, &m) != 0)
                    continue; /* a status without its meter cannot be named to a consumer */
                char meter[16], status[8], attempts[8], updated[48];
                snprintf(meter, sizeof meter, "%012llu", (unsigned long long)m.address);
                snprintf(status, sizeof status, "%u", s[i].reason);
                snprintf(attempts, sizeof attempts, "%u", s[i].attempts);
                iso(s[i].updated_ms / 1000, updated, sizeof updated);
                struct field fl[] = {{date, F_TEXT},
                                     {meter, F_TEXT},
                                     {m.customer, m.customer[0] ? F_TEXT : F_NULL},
                                     {m.area, m.area[0] ? F_TEXT : F_NULL},
                                     {classes[cls], F_TEXT},
                                     {status, F_NUM},
                                     {store_reason_text(s[i].reason), F_TEXT},
                                     {attempts, F_NUM},
                                     {updated, F_TEXT}};
                row(o, fl);
            }
            if (got > 0)
                after = s[got - 1].meter;
        } while (got == PAGE);
    }
    free(s);
    return got < 0 ? got : 0;
}

/* ---- the file: temporary, synced, renamed ---- */

static const struct {
    int (*fn)(struct store *, const struct export_req *, struct out *);
    const char *const *cols;
    size_t ncols;
} kinds[EXPORT_WHAT_COUNT_] = {
    {readings, readings_cols, sizeof readings_cols / sizeof readings_cols[0]},
    {events, events_cols, sizeof events_cols / sizeof events_cols[0]},
    {collection, collection_cols, sizeof collection_cols / sizeof collection_cols[0]},
};

static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static int fail(char *err, size_t cap, int rc, const char *fmt, const char *what)
{
    if (err && cap)
        snprintf(err, cap, fmt, what, strerror(errno));
    return rc;
}

int export_run(struct store *st, const struct export_req *r, char *path, size_t path_cap,
               char *err, size_t err_cap)
{
    if (!st || !r || !r->dir || (unsigned)r->what >= EXPORT_WHAT_COUNT_ ||
        (r->format != EXPORT_CSV && r->format != EXPORT_JSON) || r->day < 0) {
        if (err && err_cap)
            snprintf(err, err_cap, "bad export request");
        return MH_EINVAL;
    }
    char date[16], dir[4096], final[4200], tmp[4300];
    ymd(r->day, date, sizeof date);
    if (snprintf(dir, sizeof dir, "%s/%s", r->dir, date) >= (int)sizeof dir)
        return MH_EINVAL;
    snprintf(final, sizeof final, "%s/%s.%s", dir, what_names[r->what],
             r->format == EXPORT_CSV ? "csv" : "json");
    snprintf(tmp, sizeof tmp, "%s/.%s.%s.tmp.%ld", dir, what_names[r->what],
             r->format == EXPORT_CSV ? "csv" : "json", (long)getpid());
    if ((mkdir(r->dir, 0755) != 0 && errno != EEXIST) || (mkdir(dir, 0755) != 0 && errno != EEXIST))
        return fail(err, err_cap, MH_EIO, "cannot create %s: %s", dir);
    struct out o = {.fmt = r->format, .cols = kinds[r->what].cols, .ncols = kinds[r->what].ncols};
    if (!(o.f = fopen(tmp, "w")))
        return fail(err, err_cap, MH_EIO, "cannot write %s: %s", tmp);
    header(&o);
    int rc = kinds[r->what].fn(st, r, &o);
    footer(&o);
    int bad = ferror(o.f) | fflush(o.f) | fsync(fileno(o.f));
    bad |= fclose(o.f);
    if (rc < 0 || bad) {
        unlink(tmp);
        if (rc < 0) {
            if (err && err_cap)
                snprintf(err, err_cap, "%s: %s", what_names[r->what], mh_strerror(rc));
            return rc;
        }
        return fail(err, err_cap, MH_EIO, "cannot write %s: %s", tmp);
    }
    if (rename(tmp, final) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return fail(err, err_cap, MH_EIO, "cannot rename to %s: %s", final);
    }
    sync_dir(dir);
    if (path && path_cap)
        snprintf(path, path_cap, "%s", final);
    return o.rows > INT32_MAX ? INT32_MAX : (int)o.rows;
}
