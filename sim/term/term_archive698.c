/*
 * A DL/T 698.45 terminal's meter archive (object 6000, attribute 2: the
 * collection configuration table, an array of configuration units). Until
 * the master sets one, the archive is the scenario's meters behind the
 * terminal, unit k + 1 for the k-th: its TSA, 2400 baud, DL/T 645-2007,
 * port RS-485 1 (F2010201), four tariffs. A SET replaces the whole table;
 * it is checked to be an array of configuration units (structure of at
 * least the number and the basic information, whose first member is a
 * TSA) and kept as sent, so a GET reads back exactly what was set.
 *
 * The bytes live in the terminal's control state (term_state.c).
 */
#include <stdlib.h>
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/dlt698_data.h"
#include "term.h"

#define ARCHIVE_NODES 1024 /* nodes one set table may decode to: about 40 units */
#define DAR_DENIED 3
#define DAR_TYPE 7

/* Unit k of the scenario's archive of t. */
static void default_unit(const struct scenario *s, const struct sim_terminal *t, uint32_t k, struct mh_wr *w)
{
    uint8_t a[6], none[6] = {0};
    sim_term_addr_wire(s->meters[t->first_meter + k].address, a);
    dlt698_put_struct(w, 4);
    dlt698_put_u16(w, (uint16_t)(k + 1));
    dlt698_put_struct(w, 10); /* basic information */
    dlt698_put_tsa(w, a, 6);
    dlt698_put_enum(w, 3);            /* 2400 baud */
    dlt698_put_enum(w, 2);            /* DL/T 645-2007 */
    dlt698_put_oad(w, 0xF2010201u);   /* RS-485 1 */
    dlt698_put_octets(w, NULL, 0);    /* no password */
    dlt698_put_u8(w, 4);              /* tariffs */
    dlt698_put_u8(w, 0);              /* user type */
    dlt698_put_enum(w, 3);            /* three-phase four-wire */
    dlt698_put_u16(w, 2200);          /* rated voltage 0.1 V */
    dlt698_put_u16(w, 150);           /* rated current 0.1 A */
    dlt698_put_struct(w, 4);          /* extended information */
    dlt698_put_tsa(w, none, 6);       /* no collector */
    dlt698_put_octets(w, NULL, 0);    /* asset number */
    dlt698_put_u16(w, 1);             /* PT */
    dlt698_put_u16(w, 1);             /* CT */
    dlt698_put_array(w, 0);           /* annex information */
}

void sim_term_698_archive_get(const struct scenario *s, const struct sim_terminal *t, struct mh_wr *w)
{
    const struct sim_term_blob *b = sim_term_archive_state(t, 0);
    if (b && b->p) {
        mh_wr_bytes(w, b->p, b->len);
        return;
    }
    dlt698_put_array(w, t->meter_count);
    for (uint32_t k = 0; k < t->meter_count; k++)
        default_unit(s, t, k, w);
}

uint8_t sim_term_698_archive_set(const struct sim_terminal *t, const uint8_t *data, size_t len)
{
    static struct dlt698_node nodes[ARCHIVE_NODES]; /* the loop thread only (term.h) */
    struct mh_rd r;
    mh_rd_init(&r, data, len);
    int n = dlt698_data_decode(&r, nodes, ARCHIVE_NODES);
    if (n < 1 || mh_rd_left(&r) != 0 || nodes[0].type != DLT698_ARRAY)
        return DAR_TYPE;
    for (size_t k = 0, u = 1; k < nodes[0].count; k++, u = nodes[u].next) {
        const struct dlt698_node *unit = &nodes[u];
        if (unit->type != DLT698_STRUCT || unit->count < 2 || nodes[u + 1].type != DLT698_LONG_U)
            return DAR_TYPE;
        size_t basic = nodes[u + 1].next;
        if (nodes[basic].type != DLT698_STRUCT || nodes[basic].count < 1 || nodes[basic + 1].type != DLT698_TSA)
            return DAR_TYPE;
    }
    struct sim_term_blob *b = sim_term_archive_state(t, 1);
    uint8_t *p = b ? malloc(len) : NULL;
    if (!p)
        return DAR_DENIED;
    memcpy(p, data, len);
    free(b->p);
    b->p = p;
    b->len = len;
    return 0;
}
