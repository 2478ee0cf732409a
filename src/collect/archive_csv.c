/*
 * The archive CSV reader. Two passes: every row is parsed and checked on
 * its own (syntax, ranges), then the file is checked as a whole (unique
 * meter addresses, unique measurement points, consistent terminals, one
 * supply meter per area). Nothing is returned unless everything passed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/archive.h"
#include "meterhub/base/err.h"

#define ARCHIVE_MAX_FILE (512u << 20)

static const char *const columns[ARCHIVE_COLUMNS] = {
    "area", "region", "terminal_address", "terminal_kind", "terminal_protocol", "channel_group",
    "pn", "meter_address", "meter_protocol", "phases", "ct", "pt", "rated_voltage_v",
    "contract_kw", "tariff", "pv", "pv_peak_kw", "customer", "customer_class", "area_meter"};

static const char *const proto_names[] = {"gdw1376", "dlt698", "dlt645-2007", "dlt645-1997"};
static const char *const kind_names[] = {"concentrator", "special_transformer",
                                         "transformer_monitor", "dtu"};
static const char *const class_names[] = {"residential", "commercial", "industrial", "pv", "area"};

const char *archive_protocol_name(int proto)
{
    return proto >= 0 && proto < 4 ? proto_names[proto] : "?";
}

const char *archive_kind_name(int kind)
{
    return kind >= 0 && kind < 4 ? kind_names[kind] : "?";
}

const char *archive_class_name(int cls)
{
    return cls >= 0 && cls < 5 ? class_names[cls] : "?";
}

struct field {
    const char *p;
    size_t n;
};

struct csv_err {
    char *buf;
    size_t cap;
    const char *const *names; /* the fields' names in messages by column, or NULL: the CSV's */
};

static int row_fail(struct csv_err *e, uint32_t line, const char *col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int row_fail(struct csv_err *e, uint32_t line, const char *col, const char *fmt, ...)
{
    for (int i = 0; col && e->names && i < ARCHIVE_COLUMNS; i++)
        if (strcmp(col, columns[i]) == 0 && e->names[i])
            col = e->names[i];
    /* line 0: a single row checked on its own (archive_row_check), named by field */
    int n = col && line == 0 ? snprintf(e->buf, e->cap, "field '%s': ", col)
            : col            ? snprintf(e->buf, e->cap, "line %u: column '%s': ", line, col)
                             : snprintf(e->buf, e->cap, "line %u: ", line);
    if (n >= 0 && (size_t)n < e->cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->buf + n, e->cap - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return MH_EINVAL;
}

static int lookup(struct field f, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strlen(names[i]) == f.n && memcmp(names[i], f.p, f.n) == 0)
            return i;
    return -1;
}

/* Decimal integer of at most max_digits digits, no sign, no spaces. */
static int parse_uint(struct field f, int max_digits, uint64_t *out)
{
    if (f.n == 0 || f.n > (size_t)max_digits)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < f.n; i++) {
        if (f.p[i] < '0' || f.p[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(f.p[i] - '0');
    }
    *out = v;
    return 0;
}

/* "12.345" kW -> 12345 W (up to three decimals). */
static int parse_kw(struct field f, uint32_t *out_w)
{
    size_t dot = f.n;
    for (size_t i = 0; i < f.n; i++)
        if (f.p[i] == '.')
            dot = i;
    uint64_t ip = 0, fp = 0;
    struct field a = {f.p, dot}, b = {f.p + dot + 1, dot < f.n ? f.n - dot - 1 : 0};
    if (parse_uint(a, 7, &ip) != 0)
        return -1;
    if (dot < f.n && (b.n == 0 || parse_uint(b, 3, &fp) != 0))
        return -1;
    for (size_t i = b.n; i < 3; i++)
        fp *= 10;
    *out_w = (uint32_t)(ip * 1000 + fp);
    return 0;
}

static int copy_text(struct field f, char *dst, size_t cap)
{
    if (f.n >= cap)
        return -1;
    for (size_t i = 0; i < f.n; i++)
        if ((unsigned char)f.p[i] < 0x20)
            return -1;
    memcpy(dst, f.p, f.n);
    dst[f.n] = '\0';
    return 0;
}

/*
 * Split one line into fields (RFC 4180 quotes allowed, "" inside quotes).
 * Quoted fields point at the raw text with the quotes stripped; doubled
 * quotes inside are rejected as this format never needs them.
 */
static int split(const char *p, size_t n, struct field *f, int max)
{
    int k = 0;
    size_t i = 0;
    for (;;) {
        if (k == max)
            return -1;
        if (i < n && p[i] == '"') {
            size_t j = i + 1;
            while (j < n && p[j] != '"')
                j++;
            if (j >= n || (j + 1 < n && p[j + 1] != ','))
                return -1;
            f[k].p = p + i + 1;
            f[k].n = j - i - 1;
            i = j + 1;
        } else {
            size_t j = i;
            while (j < n && p[j] != ',')
                j++;
            f[k].p = p + i;
            f[k].n = j - i;
            i = j;
        }
        k++;
        if (i >= n)
            return k;
        i++; /* the comma */
        if (i == n) {
            f[k].p = p + n;
            f[k].n = 0;
            return k + 1 <= max ? k + 1 : -1;
        }
    }
}

static int parse_row(struct csv_err *e, uint32_t line, struct field *f, struct archive_row *r,
                     unsigned parts)
{
    uint64_t v;
    memset(r, 0, sizeof *r);
    r->line = line;
    if (parts & ARCHIVE_PART_AREA_REGION) {
        if (copy_text(f[0], r->area, sizeof r->area))
            return row_fail(e, line, "area", "longer than %zu characters or not text", sizeof r->area - 1);
        if (f[1].n != 4 || parse_uint(f[1], 4, &v))
            return row_fail(e, line, "region", "must be 4 decimal digits, got '%.*s'", (int)f[1].n, f[1].p);
        r->region = (uint16_t)((f[1].p[0] - '0') << 12 | (f[1].p[1] - '0') << 8 | (f[1].p[2] - '0') << 4 | (f[1].p[3] - '0'));
    }
    if (parts & ARCHIVE_PART_TERMINAL) {
        int kind = lookup(f[3], kind_names, 4);
        if (kind < 0)
            return row_fail(e, line, "terminal_kind", "'%.*s' is not concentrator, special_transformer, transformer_monitor or dtu", (int)f[3].n, f[3].p);
        r->terminal_kind = (uint8_t)kind;
        int tp = lookup(f[4], proto_names, 4);
        if (tp < 0)
            return row_fail(e, line, "terminal_protocol", "'%.*s' is not gdw1376, dlt698, dlt645-2007 or dlt645-1997", (int)f[4].n, f[4].p);
        if ((kind == ARCHIVE_KIND_DTU) != (tp >= ARCHIVE_PROTO_DLT645_2007))
            return row_fail(e, line, "terminal_protocol", "%s does not fit a %s (terminals speak gdw1376 or dlt698, a dtu carries dlt645)", proto_names[tp], kind_names[kind]);
        r->terminal_protocol = (uint8_t)tp;
        /* Q/GDW 1376.1 terminals: A1 (BCD) + A2 (binary, 1..65535) as 8 hex digits. */
        if (copy_text(f[2], r->terminal_address, sizeof r->terminal_address))
            return row_fail(e, line, "terminal_address", "too long");
        if (tp == ARCHIVE_PROTO_GDW1376) {
            int ok = f[2].n == 8;
            for (size_t i = 0; ok && i < 8; i++) {
                char c = f[2].p[i];
                ok = (c >= '0' && c <= '9') || (i >= 4 && ((c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f')));
            }
            if (!ok || strncmp(f[2].p + 4, "0000", 4) == 0)
                return row_fail(e, line, "terminal_address", "a gdw1376 terminal is A1 (4 digits) + A2 (4 hex digits, not 0000), got '%.*s'", (int)f[2].n, f[2].p);
        } else if (f[2].n != 12 || parse_uint(f[2], 12, &v)) {
            return row_fail(e, line, "terminal_address", "must be 12 decimal digits, got '%.*s'", (int)f[2].n, f[2].p);
    }
    if (copy_text(f[5], r->channel_group, sizeof r->channel_group))
        return row_fail(e, line, "channel_group", "longer than %zu characters", sizeof r->channel_group - 1);
    }
    if (parts & ARCHIVE_PART_METER) {
        if (parse_uint(f[6], 4, &v) || v < 1 || v > 2040)
            return row_fail(e, line, "pn", "must be 1..2040, got '%.*s'", (int)f[6].n, f[6].p);
        r->pn = (uint16_t)v;
        if (f[7].n != 12 || parse_uint(f[7], 12, &r->meter_address))
            return row_fail(e, line, "meter_address", "must be 12 decimal digits, got '%.*s'", (int)f[7].n, f[7].p);
        int mp = lookup(f[8], proto_names, 4);
        if (mp < 1)
            return row_fail(e, line, "meter_protocol", "'%.*s' is not dlt645-2007, dlt645-1997 or dlt698", (int)f[8].n, f[8].p);
        r->meter_protocol = (uint8_t)mp;
        if (parse_uint(f[9], 1, &v) || (v != 1 && v != 3))
            return row_fail(e, line, "phases", "must be 1 or 3, got '%.*s'", (int)f[9].n, f[9].p);
        r->phases = (uint8_t)v;
        if (parse_uint(f[10], 6, &v) || v < 1)
            return row_fail(e, line, "ct", "must be a ratio 1..999999, got '%.*s'", (int)f[10].n, f[10].p);
        r->ct = (uint32_t)v;
        if (parse_uint(f[11], 6, &v) || v < 1)
            return row_fail(e, line, "pt", "must be a ratio 1..999999, got '%.*s'", (int)f[11].n, f[11].p);
        r->pt = (uint32_t)v;
        /* "220", "220/380", "57.7/100" -> phase voltage, whole volts */
        struct field ph = f[12];
        for (size_t i = 0; i < ph.n; i++)
            if (ph.p[i] == '/')
                ph.n = i;
        uint32_t mv;
        if (parse_kw(ph, &mv) || mv < 1000 || mv > 1000000)
            return row_fail(e, line, "rated_voltage_v", "must be a phase voltage like 220 or 220/380, got '%.*s'", (int)f[12].n, f[12].p);
        r->rated_voltage_v = (uint16_t)(mv / 1000);
        if (parse_kw(f[13], &r->contract_w))
            return row_fail(e, line, "contract_kw", "must be a number of kW with up to 3 decimals, got '%.*s'", (int)f[13].n, f[13].p);
        if (copy_text(f[14], r->tariff, sizeof r->tariff))
            return row_fail(e, line, "tariff", "longer than %zu characters", sizeof r->tariff - 1);
        if (f[15].n != 1 || (f[15].p[0] != '0' && f[15].p[0] != '1'))
            return row_fail(e, line, "pv", "must be 0 or 1, got '%.*s'", (int)f[15].n, f[15].p);
        r->pv = (uint8_t)(f[15].p[0] - '0');
        if (parse_kw(f[16], &r->pv_peak_w))
            return row_fail(e, line, "pv_peak_kw", "must be a number of kW, got '%.*s'", (int)f[16].n, f[16].p);
    }
    if (parts & (ARCHIVE_PART_METER | ARCHIVE_PART_CUSTOMER)) {
        if (copy_text(f[17], r->customer, sizeof r->customer))
            return row_fail(e, line, "customer", "longer than %zu characters", sizeof r->customer - 1);
        int cl = lookup(f[18], class_names, 5);
        if (cl < 0)
            return row_fail(e, line, "customer_class", "'%.*s' is not residential, commercial, industrial, pv or area", (int)f[18].n, f[18].p);
        r->customer_class = (uint8_t)cl;
    }
    if (parts & ARCHIVE_PART_METER) {
        if (f[19].n != 1 || (f[19].p[0] != '0' && f[19].p[0] != '1'))
            return row_fail(e, line, "area_meter", "must be 0 or 1, got '%.*s'", (int)f[19].n, f[19].p);
        r->area_meter = (uint8_t)(f[19].p[0] - '0');
        if (r->area_meter && r->area[0] == '\0')
            return row_fail(e, line, "area_meter", "an area supply meter needs an area");
        if (r->customer_class != ARCHIVE_CLASS_AREA && r->customer[0] == '\0')
            return row_fail(e, line, "customer", "a user meter needs a customer");
    }
    return 0;
}

int archive_row_check(const char *const text[ARCHIVE_COLUMNS], const char *const *names,
                      unsigned parts, struct archive_row *r, char *err, size_t cap)
{
    struct csv_err e = {err, cap, names};
    struct field f[ARCHIVE_COLUMNS];
    for (int i = 0; i < ARCHIVE_COLUMNS; i++) {
        f[i].p = text[i] ? text[i] : "";
        f[i].n = strlen(f[i].p);
    }
    return parse_row(&e, 0, f, r, parts);
}

static int cmp_meter(const void *a, const void *b)
{
    const struct archive_row *x = *(const struct archive_row *const *)a, *y = *(const struct archive_row *const *)b;
    return x->meter_address < y->meter_address ? -1 : x->meter_address > y->meter_address;
}

static int cmp_point(const void *a, const void *b)
{
    const struct archive_row *x = *(const struct archive_row *const *)a, *y = *(const struct archive_row *const *)b;
    int c = strcmp(x->terminal_address, y->terminal_address);
    if (c)
        return c;
    return x->pn < y->pn ? -1 : (x->pn > y->pn ? 1 : (x->line < y->line ? -1 : x->line > y->line));
}

static int cmp_area(const void *a, const void *b)
{
    const struct archive_row *x = *(const struct archive_row *const *)a, *y = *(const struct archive_row *const *)b;
    int c = strcmp(x->area, y->area);
    return c ? c : (x->line < y->line ? -1 : x->line > y->line);
}

/* Whole-file rules. */
static int check_file(struct csv_err *e, struct archive *a)
{
    size_t n = a->n_rows;
    if (n == 0)
        return row_fail(e, 1, NULL, "the archive has a header but no rows");
    const struct archive_row **idx = malloc(n * sizeof *idx);
    if (!idx)
        return MH_ENOMEM;
    for (size_t i = 0; i < n; i++)
        idx[i] = &a->rows[i];
    int rc = 0;
    qsort(idx, n, sizeof *idx, cmp_meter);
    for (size_t i = 1; i < n && !rc; i++)
        if (idx[i]->meter_address == idx[i - 1]->meter_address)
            rc = row_fail(e, idx[i]->line > idx[i - 1]->line ? idx[i]->line : idx[i - 1]->line, "meter_address",
                          "%012llu appears again (also on line %u)", (unsigned long long)idx[i]->meter_address,
                          idx[i]->line > idx[i - 1]->line ? idx[i - 1]->line : idx[i]->line);
    qsort(idx, n, sizeof *idx, cmp_point);
    for (size_t i = 1; i < n && !rc; i++) {
        const struct archive_row *p = idx[i - 1], *q = idx[i];
        if (strcmp(p->terminal_address, q->terminal_address) != 0)
            continue;
        if (p->pn == q->pn)
            rc = row_fail(e, q->line, "pn", "terminal %s has pn %u already (line %u)", q->terminal_address, q->pn, p->line);
        else if (p->terminal_kind != q->terminal_kind || p->terminal_protocol != q->terminal_protocol)
            rc = row_fail(e, q->line, "terminal_kind", "terminal %s is %s/%s on line %u but %s/%s here", q->terminal_address,
                          kind_names[p->terminal_kind], proto_names[p->terminal_protocol], p->line,
                          kind_names[q->terminal_kind], proto_names[q->terminal_protocol]);
    }
    qsort(idx, n, sizeof *idx, cmp_area);
    for (size_t i = 0; i < n && !rc;) {
        size_t j = i, supply = 0;
        uint32_t first_supply = 0;
        while (j < n && strcmp(idx[j]->area, idx[i]->area) == 0) {
            if (idx[j]->area_meter && supply++ == 0)
                first_supply = idx[j]->line;
            else if (idx[j]->area_meter)
                rc = row_fail(e, idx[j]->line, "area_meter", "area %s has a supply meter already (line %u)", idx[j]->area, first_supply);
            j++;
        }
        i = j;
    }
    free(idx);
    return rc;
}

int archive_csv_parse(const char *text, size_t len, struct archive **out, char *err, size_t cap)
{
    struct csv_err e = {err, cap, NULL};
    struct archive *a = calloc(1, sizeof *a);
    if (!a)
        return MH_ENOMEM;
    size_t rows_cap = 1024;
    a->rows = malloc(rows_cap * sizeof *a->rows);
    if (!a->rows) {
        free(a);
        return MH_ENOMEM;
    }
    int rc = 0;
    uint32_t line = 0;
    size_t pos = 0;
    int header_seen = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3; /* a UTF-8 byte order mark, as spreadsheets write */
    while (pos < len && rc == 0) {
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        line++;
        size_t n = end - pos;
        if (n > 0 && text[pos + n - 1] == '\r')
            n--;
        struct field f[ARCHIVE_COLUMNS + 1];
        if (n == 0) {
            pos = end + 1;
            continue; /* blank lines are allowed */
        }
        int k = split(text + pos, n, f, ARCHIVE_COLUMNS + 1);
        if (k < 0 || memchr(text + pos, '\0', n)) {
            rc = row_fail(&e, line, NULL, "not a CSV line (bad quoting or more than %d columns)", ARCHIVE_COLUMNS);
        } else if (!header_seen) {
            for (int c = 0; c < ARCHIVE_COLUMNS && rc == 0; c++)
                if (c >= k || f[c].n != strlen(columns[c]) || memcmp(f[c].p, columns[c], f[c].n) != 0)
                    rc = row_fail(&e, line, NULL, "the header must be %s,...; column %d should be '%s'", columns[0], c + 1, columns[c]);
            if (rc == 0 && k != ARCHIVE_COLUMNS)
                rc = row_fail(&e, line, NULL, "the header has %d columns, expected %d", k, ARCHIVE_COLUMNS);
            header_seen = 1;
        } else if (k != ARCHIVE_COLUMNS) {
            rc = row_fail(&e, line, NULL, "%d columns, expected %d", k, ARCHIVE_COLUMNS);
        } else {
            if (a->n_rows == rows_cap) {
                struct archive_row *bigger = realloc(a->rows, 2 * rows_cap * sizeof *a->rows);
                if (!bigger) {
                    rc = MH_ENOMEM;
                    break;
                }
                a->rows = bigger;
                rows_cap *= 2;
            }
            rc = parse_row(&e, line, f, &a->rows[a->n_rows], ARCHIVE_PART_ALL);
            if (rc == 0)
                a->n_rows++;
        }
        pos = end + 1;
    }
    if (rc == 0 && !header_seen)
        rc = row_fail(&e, 1, NULL, "empty file: no header");
    if (rc == 0)
        rc = check_file(&e, a);
    if (rc != 0) {
        archive_free(a);
        return rc;
    }
    *out = a;
    return 0;
}

int archive_csv_load(const char *path, struct archive **out, char *err, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        return MH_EIO;
    }
    size_t bufcap = 1 << 16, len = 0;
    char *buf = malloc(bufcap);
    int rc = 0;
    while (buf) {
        size_t got = fread(buf + len, 1, bufcap - len, f);
        len += got;
        if (len < bufcap)
            break;
        if (bufcap >= ARCHIVE_MAX_FILE) {
            snprintf(err, cap, "%s: larger than %u MiB", path, ARCHIVE_MAX_FILE >> 20);
            rc = MH_EOVERFLOW;
            break;
        }
        char *bigger = realloc(buf, bufcap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        bufcap *= 2;
    }
    int read_error = ferror(f);
    fclose(f);
    if (!buf)
        return MH_ENOMEM;
    if (rc == 0 && read_error) {
        snprintf(err, cap, "%s: read error", path);
        rc = MH_EIO;
    }
    if (rc == 0) {
        char inner[512];
        rc = archive_csv_parse(buf, len, out, inner, sizeof inner);
        if (rc != 0)
            snprintf(err, cap, "%s: %s", path, inner);
    }
    free(buf);
    return rc;
}

void archive_free(struct archive *a)
{
    if (!a)
        return;
    free(a->rows);
    free(a);
}
