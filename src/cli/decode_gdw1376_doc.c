/* `meterhub items --gdw1376`: every AFN/Fn the dictionary knows, with its items. */
#include "decode_gdw1376_doc.h"

#include <string.h>

#include "meterhub/proto/gdw1376.h"
#include "meterhub/proto/item.h"

static const char *label_text(unsigned label)
{
    switch (label) {
    case GDW1376_A20: return "Td_d (A.20)";
    case GDW1376_A21: return "Td_m (A.21)";
    case GDW1376_A15: return "Td_c, density, points";
    default: return "-";
    }
}

/* The distinct items of a layout, in field order; tariff registers marked "+T". */
static void print_items(FILE *out, const struct gdw1376_fn_def *d)
{
    int any = 0;
    for (unsigned k = 0; k < d->n_fields; k++) {
        const struct gdw1376_field *f = &d->fields[k];
        if (!f->item || f->role != GDW1376_R_VALUE)
            continue;
        int seen = 0;
        for (unsigned j = 0; j < k; j++)
            seen |= d->fields[j].item == f->item && d->fields[j].role == GDW1376_R_VALUE;
        if (seen)
            continue;
        char code[24];
        mh_item_format(f->item, code, sizeof code);
        fprintf(out, "%s%s%s", any ? ", " : "", code, f->rep == GDW1376_REP_TARIFFS ? "+T" : "");
        any = 1;
    }
    if (!any)
        fputs("-", out);
}

int gdw1376_doc_fn_table(FILE *out)
{
    size_t n;
    const struct gdw1376_fn_def *t = gdw1376_fn_table(&n);
    fputs("| AFN | Fn | direction | request data | content | normalized items |\n", out);
    fputs("|---|---|---|---|---|---|\n", out);
    for (size_t i = 0; i < n; i++) {
        const char *dir = t[i].dir == (GDW1376_DIR_UP | GDW1376_DIR_DOWN) ? "both"
                          : t[i].dir == GDW1376_DIR_UP                    ? "terminal->master"
                                                                          : "master->terminal";
        fprintf(out, "| %02X | F%u | %s | %s | %s | ", t[i].afn, t[i].fn, dir, label_text(t[i].request_label),
                t[i].name);
        print_items(out, &t[i]);
        fputs(" |\n", out);
    }
    return ferror(out) ? -1 : 0;
}
