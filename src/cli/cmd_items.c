/*
 * meterhub items [--json]: the normalized data vocabulary, for operators and
 * for systems that consume meterhub's readings. --gdw1376 prints the
 * Q/GDW 1376.1 Fn dictionary with its items instead (Markdown),
 * --gdw1376-afn its application functions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "decode_gdw1376_doc.h"
#include "json_out.h"
#include "meterhub/proto/item.h"

int cmd_items(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--gdw1376") == 0)
        return gdw1376_doc_fn_table(stdout) == 0 ? 0 : 1;
    if (argc > 1 && strcmp(argv[1], "--gdw1376-afn") == 0)
        return gdw1376_doc_afn_table(stdout) == 0 ? 0 : 1;
    int as_json = argc > 1 && strcmp(argv[1], "--json") == 0;
    if (argc > 1 && !as_json) {
        fputs("usage: meterhub items [--json | --gdw1376 | --gdw1376-afn]\n", strcmp(argv[1], "--help") == 0 ? stdout : stderr);
        return strcmp(argv[1], "--help") == 0 ? 0 : 2;
    }
    size_t n;
    const struct mh_item_def *t = mh_item_table(&n);
    json_t *arr = as_json ? json_array() : NULL;
    for (size_t i = 0; i < n; i++) {
        char code[24];
        mh_item_format(t[i].code, code, sizeof code);
        const char *tariffs = (t[i].flags & MH_ITEM_TARIFFED) ? "E=tariff" : "";
        if (arr) {
            json_t *o = json_object();
            json_object_set_new(o, "item", json_string(code));
            json_object_set_new(o, "symbol", json_string(t[i].sym));
            json_object_set_new(o, "name", json_string(t[i].name));
            json_object_set_new(o, "unit", json_string(mh_unit_name(t[i].unit)));
            json_object_set_new(o, "tariffed", json_boolean(t[i].flags & MH_ITEM_TARIFFED));
            json_array_append_new(arr, o);
        } else {
            printf("%-14s %-8s %-9s %s\n", code, mh_unit_name(t[i].unit), tariffs, t[i].name);
        }
    }
    if (arr) {
        char *text = json_dumps(arr, JOUT_FLAGS | JSON_INDENT(2));
        json_decref(arr);
        if (!text)
            return 1;
        puts(text);
        free(text);
    }
    return 0;
}
