/*
 * Splits an input into frames with the codecs' framers and prints each as
 * JSON. With a fixed protocol it is that protocol's framer alone; with auto
 * every framer looks at the same window and the frame that starts first
 * wins (a valid frame beats a rejected candidate at the same place), so
 * frames of different protocols may follow each other in one input.
 */
#include <stdio.h>
#include <stdlib.h>

#include "decode.h"
#include "json_out.h"
#include "meterhub/base/err.h"

const struct decode_proto *const decode_protos[] = {
    &decode_proto_dlt645,
    &decode_proto_gdw1376,
    &decode_proto_dlt698,
    NULL,
};

struct scan_pick {
    const struct decode_proto *proto;
    int rc;
    struct mh_frame_span span;
};

/* Is a better than b? Valid frames first, then the earliest start, then rejections. */
static int pick_better(const struct scan_pick *a, const struct scan_pick *b)
{
    if (!b->proto)
        return 1;
    int a_valid = a->rc == 1, b_valid = b->rc == 1;
    if (a_valid != b_valid)
        return a_valid;
    return a->span.off < b->span.off;
}

static int emit(json_t *obj, int pretty, FILE *out)
{
    int has_error = json_object_get(obj, "error") != NULL;
    char *text = json_dumps(obj, JOUT_FLAGS | (pretty ? JSON_INDENT(2) : JSON_COMPACT));
    json_decref(obj);
    if (!text)
        return MH_ENOMEM;
    fputs(text, out);
    fputc('\n', out);
    free(text);
    return has_error;
}

static json_t *leftover_json(const struct decode_proto *proto, const uint8_t *p, size_t n,
                             size_t at)
{
    json_t *o = json_object();
    json_object_set_new(o, "proto", json_string(proto ? proto->name : "auto"));
    json_object_set_new(o, "valid", json_false());
    json_object_set_new(o, "offset", json_integer((json_int_t)at));
    jout_error(o, MH_ETRUNC, "input ends without a complete frame");
    json_object_set_new(o, "hex", jout_hex(p, n, ' '));
    return o;
}

int decode_stream(const uint8_t *buf, size_t len, const struct decode_proto *proto,
                  const struct decode_opts *opts, int pretty, FILE *out)
{
    int errors = 0;
    size_t pos = 0;
    while (pos < len) {
        struct scan_pick best = {0};
        for (const struct decode_proto *const *pp = decode_protos; *pp; pp++) {
            if (proto && *pp != proto)
                continue;
            struct scan_pick cur = {*pp, 0, {0, 0}};
            cur.rc = (*pp)->scan(buf + pos, len - pos, &cur.span);
            if (cur.rc == 0)
                continue; /* needs more than the input holds */
            if (pick_better(&cur, &best))
                best = cur;
        }
        if (!best.proto) {
            /* No framer sees a frame or a bad candidate: what remains is truncated
             * or pure noise. Noise alone (no start byte) is not worth a report. */
            size_t noise = len - pos;
            for (const struct decode_proto *const *pp = decode_protos; *pp; pp++) {
                if (proto && *pp != proto)
                    continue;
                struct mh_frame_span sp = {0, 0};
                (*pp)->scan(buf + pos, len - pos, &sp);
                if (sp.off < noise)
                    noise = sp.off;
            }
            if (pos + noise < len) {
                int r = emit(leftover_json(proto, buf + pos + noise, len - pos - noise, pos + noise),
                             pretty, out);
                if (r < 0)
                    return r;
                errors += r;
            }
            break;
        }
        const uint8_t *frame = buf + pos + best.span.off;
        size_t avail = best.rc == 1 ? best.span.len : len - pos - best.span.off;
        json_t *obj = best.proto->frame_json(frame, avail, best.rc == 1 ? 0 : best.rc, opts);
        if (!obj)
            return MH_ENOMEM;
        json_object_set_new(obj, "offset", json_integer((json_int_t)(pos + best.span.off)));
        int r = emit(obj, pretty, out);
        if (r < 0)
            return r;
        errors += r;
        pos += best.span.off + (best.span.len ? best.span.len : 1);
    }
    return errors;
}
