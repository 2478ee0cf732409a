/*
 * A terminal's meter configuration table (Q/GDW 1376.1 AFN04 F10, 5.4.2.4.10):
 * which measuring point pn the terminal reads at which meter address. Until
 * the master downloads a table, a terminal is configured with the scenario's
 * meters behind it, record k + 1 for the k-th with its pn. A download
 * replaces records by their number (pn 0 deletes one): a meter whose record
 * is gone is no longer read, one added is read under its new pn when it is
 * wired to the terminal (among the scenario's meters behind it), and is
 * configured but never answers otherwise. The records are kept as they came
 * (27 bytes each) for the AFN0A F10 read-back.
 *
 * The table lives in the terminal's control state (term_state.c), created on
 * the first download; callbacks run on the loop thread only (term.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/base/err.h"
#include "term.h"

/* The record the scenario gives the k-th meter behind t. */
static void default_cfg(const struct scenario *s, const struct sim_terminal *t, uint32_t k,
                        struct gdw1376_meter_cfg *m)
{
    const struct sim_meter_info *mi = &s->meters[t->first_meter + k];
    memset(m, 0, sizeof *m);
    m->seq = (uint16_t)(k + 1);
    m->pn = mi->pn;
    m->baud = 3; /* 2400 */
    m->port = t->kind == SIM_TERM_CONCENTRATOR ? 31 : 2; /* carrier behind a concentrator, else RS-485 */
    m->protocol = mi->protocol == SIM_PROTO_DLT645_1997 ? 1 : 30;
    snprintf(m->addr, sizeof m->addr, "%012llu", (unsigned long long)mi->address);
    m->tariffs = 4;
    m->int_digits = 6;
    m->dec_digits = 2;
    memcpy(m->collector, "000000000000", 13);
}

/* The scenario meter behind t at a 12-digit address; -1 when none is wired there. */
static long wired(const struct scenario *s, const struct sim_terminal *t, const char addr[13])
{
    uint64_t a = 0;
    for (int i = 0; i < 12; i++) {
        if (addr[i] < '0' || addr[i] > '9')
            return -1;
        a = a * 10 + (uint64_t)(addr[i] - '0');
    }
    uint8_t wire[6];
    sim_term_addr_wire(a, wire);
    return sim_term_meter_by_addr(s, t, wire);
}

/* The table of t, made from the scenario on first use; NULL on MH_ENOMEM. */
static struct sim_term_meters *table_of(const struct scenario *s, const struct sim_terminal *t)
{
    struct sim_term_meters *tb = sim_term_meters_state(t, 1);
    if (!tb || tb->loaded)
        return tb;
    tb->recs = calloc(t->meter_count ? t->meter_count : 1, sizeof *tb->recs);
    if (!tb->recs)
        return NULL;
    tb->cap = t->meter_count ? t->meter_count : 1;
    for (uint32_t k = 0; k < t->meter_count; k++) {
        struct gdw1376_meter_cfg m;
        struct mh_wr w;
        default_cfg(s, t, k, &m);
        mh_wr_init(&w, tb->recs[k].raw, sizeof tb->recs[k].raw);
        gdw1376_meter_cfg_put(&w, &m);
        tb->recs[k].seq = m.seq;
        tb->recs[k].pn = m.pn;
        tb->recs[k].meter = (int32_t)(t->first_meter + k);
    }
    tb->n = t->meter_count;
    tb->loaded = 1;
    return tb;
}

int sim_term_meter_cfg_set(const struct scenario *s, const struct sim_terminal *t, const struct gdw1376_meter_cfg *m)
{
    struct sim_term_meters *tb = table_of(s, t);
    if (!tb)
        return MH_ENOMEM;
    size_t i = 0;
    while (i < tb->n && tb->recs[i].seq != m->seq)
        i++;
    if (m->pn == 0) { /* delete the record */
        if (i < tb->n)
            tb->recs[i] = tb->recs[--tb->n];
        return 0;
    }
    for (size_t j = 0; j < tb->n; j++)
        if (j != i && tb->recs[j].pn == m->pn)
            return MH_EEXIST; /* one record per measuring point */
    uint8_t raw[27];
    struct mh_wr w;
    mh_wr_init(&w, raw, sizeof raw);
    int rc = gdw1376_meter_cfg_put(&w, m);
    if (rc != 0)
        return rc; /* nothing changes for a record the standard does not allow */
    if (i == tb->n) {
        if (tb->n == tb->cap) {
            size_t cap = tb->cap * 2;
            void *p = realloc(tb->recs, cap * sizeof *tb->recs);
            if (!p)
                return MH_ENOMEM;
            tb->recs = p;
            tb->cap = cap;
        }
        tb->n++;
    }
    memcpy(tb->recs[i].raw, raw, sizeof raw);
    tb->recs[i].seq = m->seq;
    tb->recs[i].pn = m->pn;
    tb->recs[i].meter = (int32_t)wired(s, t, m->addr);
    return 0;
}

long sim_term_meter_of_pn(const struct scenario *s, const struct sim_terminal *t, uint16_t pn)
{
    const struct sim_term_meters *tb = sim_term_meters_state(t, 0);
    if (!tb || !tb->loaded) {
        for (uint32_t k = 0; k < t->meter_count; k++)
            if (s->meters[t->first_meter + k].pn == pn)
                return (long)(t->first_meter + k);
        return -1;
    }
    for (size_t i = 0; i < tb->n; i++)
        if (tb->recs[i].pn == pn)
            return tb->recs[i].meter;
    return -1;
}

size_t sim_term_pns(const struct scenario *s, const struct sim_terminal *t, uint16_t *out, size_t max)
{
    const struct sim_term_meters *tb = sim_term_meters_state(t, 0);
    size_t n = tb && tb->loaded ? tb->n : t->meter_count;
    for (size_t i = 0; i < n && i < max; i++)
        out[i] = tb && tb->loaded ? tb->recs[i].pn : s->meters[t->first_meter + i].pn;
    return n;
}

int sim_term_meter_cfg_raw(const struct scenario *s, const struct sim_terminal *t, uint16_t seq, uint8_t out[27])
{
    const struct sim_term_meters *tb = sim_term_meters_state(t, 0);
    if (!tb || !tb->loaded) {
        if (seq < 1 || seq > t->meter_count)
            return MH_ENOENT;
        struct gdw1376_meter_cfg m;
        struct mh_wr w;
        default_cfg(s, t, seq - 1u, &m);
        mh_wr_init(&w, out, 27);
        return gdw1376_meter_cfg_put(&w, &m);
    }
    for (size_t i = 0; i < tb->n; i++)
        if (tb->recs[i].seq == seq) {
            memcpy(out, tb->recs[i].raw, 27);
            return 0;
        }
    return MH_ENOENT;
}
