#include "json_out.h"

#include <stdlib.h>

#include "meterhub/base/err.h"
#include "meterhub/base/hex.h"

json_t *jout_dec(struct mh_dec d)
{
    if (d.exp >= 0) {
        int64_t v = d.m;
        for (int i = 0; i < d.exp; i++) {
            if (v > INT64_MAX / 10 || v < INT64_MIN / 10)
                return json_real(mh_dec_to_double(d));
            v *= 10;
        }
        return json_integer(v);
    }
    /* Parse our own exact text: strtod rounds once to the nearest double, and
     * printing that with 15 significant digits gives the decimal back. */
    char text[48];
    if (mh_dec_format(d, text, sizeof text) < 0)
        return json_real(mh_dec_to_double(d));
    return json_real(strtod(text, NULL));
}

json_t *jout_tm(const struct mh_tm *t)
{
    char text[40];
    if (mh_tm_format(t, text, sizeof text) < 0)
        return json_null();
    return json_string(text);
}

json_t *jout_item_code(uint32_t code)
{
    char text[24];
    mh_item_format(code, text, sizeof text);
    return json_string(text);
}

json_t *jout_reading(uint32_t item, struct mh_dec v, int has_value)
{
    json_t *o = json_object();
    const struct mh_item_def *def = mh_item_lookup(item);
    json_object_set_new(o, "item", jout_item_code(item));
    if (def)
        json_object_set_new(o, "name", json_string(def->name));
    json_object_set_new(o, "value", has_value ? jout_dec(v) : json_null());
    json_object_set_new(o, "unit", json_string(def ? mh_unit_name(def->unit) : ""));
    return o;
}

json_t *jout_hex(const uint8_t *p, size_t n, char sep)
{
    size_t cap = n * 3 + 1;
    char *text = malloc(cap);
    if (!text)
        return json_null();
    mh_hex_encode(p, n, sep, text, cap);
    json_t *s = json_string(text);
    free(text);
    return s;
}

json_t *jout_hexnum(unsigned long v, int width)
{
    char text[24];
    snprintf(text, sizeof text, "%0*lX", width, v);
    return json_string(text);
}

void jout_error(json_t *obj, int err, const char *reason)
{
    json_object_set_new(obj, "error", json_string(mh_err_name(err)));
    json_object_set_new(obj, "reason", json_string(reason ? reason : mh_strerror(err)));
}
