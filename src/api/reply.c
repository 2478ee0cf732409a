/*
 * Responses: JSON bodies, error bodies {"error", "detail"}, text bodies.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"

static const struct {
    unsigned status;
    const char *reason;
} reasons[] = {
    {200, "ok"},
    {400, "bad request"},
    {401, "unauthorized"},
    {403, "forbidden"},
    {404, "not found"},
    {405, "method not allowed"},
    {409, "conflict"},
    {413, "payload too large"},
    {415, "unsupported media type"},
    {422, "unprocessable content"},
    {500, "internal error"},
    {503, "unavailable"},
    {202, "accepted"},
    {204, "no content"},
    {502, "bad gateway"},
    {504, "gateway timeout"},
};

const char *api_status_reason(unsigned status)
{
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (reasons[i].status == status)
            return reasons[i].reason;
    return status < 400 ? "ok" : status < 500 ? "bad request" : "internal error";
}

void api_reply_text(struct api_resp *rs, unsigned status, const char *ctype, char *body, size_t len)
{
    free(rs->body);
    rs->status = status;
    rs->ctype = ctype;
    rs->body = body;
    rs->len = len;
}

void api_reply_json(struct api_resp *rs, unsigned status, json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!s) {
        /* Out of memory: a fixed body rather than none. */
        static const char oom[] = "{\"error\":\"internal error\",\"detail\":\"out of memory\"}";
        s = malloc(sizeof oom);
        if (s)
            memcpy(s, oom, sizeof oom);
        status = 500;
    }
    api_reply_text(rs, status, "application/json", s, s ? strlen(s) : 0);
}

void api_reply_error(struct api_resp *rs, unsigned status, const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    api_reply_json(rs, status,
                   json_pack("{s:s, s:s}", "error", api_status_reason(status), "detail", detail));
}

void api_text_add(struct api_text *t, const char *fmt, ...)
{
    for (int tries = 0; tries < 2 && !t->oom; tries++) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->oom = 1;
            return;
        }
        if (t->p && (size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t ncap = t->cap ? t->cap * 2 : 65536;
        while (ncap < t->len + (size_t)n + 1)
            ncap *= 2;
        char *np = realloc(t->p, ncap);
        if (!np) {
            t->oom = 1;
            return;
        }
        t->p = np, t->cap = ncap;
    }
}
