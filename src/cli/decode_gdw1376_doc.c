/*
 * `meterhub items --gdw1376`: every AFN/Fn the dictionary knows, with its
 * items; `meterhub items --gdw1376-afn`: every application function of the
 * codec (its catalogue, the ERC table, the dictionary's AFNs in brief).
 */
#include "decode_gdw1376_doc.h"

#include <string.h>

#include "meterhub/proto/gdw1376.h"
#include "meterhub/proto/gdw1376_afn.h"
#include "meterhub/proto/item.h"

static const char *dir_text(unsigned dir)
{
    return dir == (GDW1376_DIR_UP | GDW1376_DIR_DOWN) ? "both" : dir == GDW1376_DIR_UP ? "terminal->master"
                                                                                         : "master->terminal";
}

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
        const char *dir = dir_text(t[i].dir);
        fprintf(out, "| %02X | F%u | %s | %s | %s | ", t[i].afn, t[i].fn, dir, label_text(t[i].request_label),
                t[i].name);
        print_items(out, &t[i]);
        fputs(" |\n", out);
    }
    return ferror(out) ? -1 : 0;
}

/* One ERC field as "name FORMAT". */
static void print_erc_field(FILE *out, const struct gdw1376_erc_field *f)
{
    static const char *const kinds[] = {
        [GDW1376_ERC_PN] = "pn D11..D0, D15 start",
        [GDW1376_ERC_BIN1] = "BIN1",
        [GDW1376_ERC_BIN3] = "BIN3",
        [GDW1376_ERC_ASCII4] = "ASCII4",
        [GDW1376_ERC_PW16] = "PW 16 bytes",
        [GDW1376_ERC_UNITS] = "DA DT list",
    };
    const char *k = f->kind == GDW1376_ERC_FMT ? gdw1376_fmt_name((enum gdw1376_fmt)f->fmt)
                    : f->kind < sizeof kinds / sizeof kinds[0] && kinds[f->kind] ? kinds[f->kind]
                                                                                  : "?";
    fprintf(out, "%s %s", f->name, k);
}

/* The Fn of the dictionary under one AFN as ranges ("F2, F25-F28, F31"), and their directions. */
static unsigned print_dictionary_fns(FILE *out, uint8_t afn)
{
    size_t n;
    const struct gdw1376_fn_def *t = gdw1376_fn_table(&n);
    unsigned dir = 0, any = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i].afn != afn)
            continue;
        dir |= t[i].dir;
        size_t j = i;
        while (j + 1 < n && t[j + 1].afn == afn && t[j + 1].fn == t[j].fn + 1)
            j++;
        fprintf(out, "%sF%u", any++ ? ", " : "", t[i].fn);
        if (j > i)
            fprintf(out, "-F%u", t[j].fn);
        i = j;
    }
    return dir;
}

int gdw1376_doc_afn_table(FILE *out)
{
    size_t n;
    const struct gdw1376_afn_fn *t = gdw1376_afn_fn_table(&n);
    fputs("| AFN | Fn | direction | content | normalized items |\n", out);
    fputs("|---|---|---|---|---|\n", out);
    static const uint8_t dictionary[] = {0x09, 0x0C, 0x0D};
    size_t d = 0;
    for (size_t i = 0; i <= n; i++) {
        /* the dictionary's AFNs in their place in AFN order, in brief */
        while (d < sizeof dictionary && (i == n || dictionary[d] < t[i].afn)) {
            fprintf(out, "| %02X | ", dictionary[d]);
            unsigned dir = print_dictionary_fns(out, dictionary[d]);
            fprintf(out, " | %s | data blocks of the Fn dictionary: each Fn's layout, request data and items are in "
                         "[gdw1376.md](gdw1376.md#fn-dictionary) | per Fn, there |\n",
                    dir_text(dir));
            d++;
        }
        if (i == n)
            break;
        fprintf(out, "| %02X", t[i].afn);
        if (t[i].also != 0xFF)
            fprintf(out, " / %02X", t[i].also);
        if (t[i].fn)
            fprintf(out, " | F%u | ", t[i].fn);
        else
            fputs(" | any | ", out);
        if (t[i].also != 0xFF)
            fprintf(out, "master->terminal (%02X set), terminal->master (%02X reply)", t[i].afn, t[i].also);
        else
            fputs(dir_text(t[i].dir), out);
        fprintf(out, " | %s | - |\n", t[i].what);
        if (t[i].afn != 0x0E || t[i].fn != 2)
            continue;
        /* the event records the AFN0E replies carry */
        for (unsigned erc = 1; erc < 256; erc++) {
            size_t nf;
            const char *name;
            const struct gdw1376_erc_field *f = gdw1376_erc_fields((uint8_t)erc, &nf, &name);
            if (!f)
                continue;
            fprintf(out, "| 0E | ERC%u | terminal->master | %s: ", erc, name);
            for (size_t k = 0; k < nf; k++) {
                fputs(k ? ", " : "", out);
                print_erc_field(out, &f[k]);
            }
            fputs(" | - |\n", out);
        }
    }
    return ferror(out) ? -1 : 0;
}
