/* Placeholder until the gdw1376 codec lands: recognises nothing. */
#include "decode.h"
#include "json_out.h"
#include "meterhub/base/err.h"

static int scan_none(const uint8_t *buf, size_t len, struct mh_frame_span *out)
{
    (void)buf;
    out->off = len;
    out->len = 0;
    return 0;
}

static json_t *frame_none(const uint8_t *frame, size_t len, int scan_err,
                          const struct decode_opts *opts)
{
    (void)frame;
    (void)len;
    (void)scan_err;
    (void)opts;
    json_t *o = json_object();
    json_object_set_new(o, "proto", json_string("gdw1376"));
    json_object_set_new(o, "valid", json_false());
    jout_error(o, MH_ENOTSUP, NULL);
    return o;
}

const struct decode_proto decode_proto_gdw1376 = {"gdw1376", scan_none, frame_none, NULL};
