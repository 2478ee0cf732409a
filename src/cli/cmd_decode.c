/*
 * meterhub decode [--proto dlt645|gdw1376|dlt698|auto] [--apdu] [--pretty] [HEX...]
 *
 * Hex from the arguments (joined: they may be one frame or many), or from
 * standard input when there are none. One JSON object per frame on stdout.
 * Exit status 0 when every frame decoded cleanly, 1 when any had an error,
 * 2 for a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "decode.h"
#include "json_out.h"
#include "meterhub/base/err.h"
#include "meterhub/base/hex.h"

#define DECODE_MAX_INPUT (16u << 20) /* 16 MiB of bytes: a day of a busy port's log */

static void decode_usage(FILE *f)
{
    fputs("usage: meterhub decode [--proto dlt645|gdw1376|dlt698|auto] [--apdu] [--pretty]"
          " [HEX...]\n"
          "  Decodes frames given as hex (arguments, or standard input when none) and prints\n"
          "  one JSON object per frame. Noise between frames is skipped.\n"
          "  --apdu   the input is a bare DL/T 698.45 APDU (no link layer)\n",
          f);
}

/* Read all of stdin as text; NULL on error. */
static char *read_all(FILE *in, size_t *n)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + len, 1, cap - len, in);
        len += got;
        if (got == 0)
            break;
        if (len == cap) {
            if (cap >= 2 * (size_t)DECODE_MAX_INPUT) {
                free(buf);
                return NULL;
            }
            char *bigger = realloc(buf, cap * 2);
            if (!bigger)
                free(buf);
            buf = bigger;
            cap *= 2;
        }
    }
    *n = len;
    return buf;
}

/* Strip "# comment" lines' comments so captures with notes can be piped in. */
static void strip_comments(char *text, size_t n)
{
    int in_comment = 0;
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '#')
            in_comment = 1;
        else if (text[i] == '\n')
            in_comment = 0;
        if (in_comment)
            text[i] = ' ';
    }
}

int cmd_decode(int argc, char **argv)
{
    const struct decode_proto *proto = NULL;
    struct decode_opts opts = {0};
    int pretty = 0;
    int first_hex = argc;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--proto") == 0 || strncmp(a, "--proto=", 8) == 0) {
            const char *name = a[7] == '=' ? a + 8 : (i + 1 < argc ? argv[++i] : "");
            proto = NULL;
            if (strcmp(name, "auto") != 0) {
                for (const struct decode_proto *const *pp = decode_protos; *pp; pp++)
                    if (strcmp((*pp)->name, name) == 0)
                        proto = *pp;
                if (!proto) {
                    fprintf(stderr, "meterhub decode: unknown protocol '%s'\n", name);
                    decode_usage(stderr);
                    return 2;
                }
            }
        } else if (strcmp(a, "--apdu") == 0) {
            opts.apdu = 1;
        } else if (strcmp(a, "--pretty") == 0) {
            pretty = 1;
        } else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            opts.verbose = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            decode_usage(stdout);
            return 0;
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "meterhub decode: unknown option '%s'\n", a);
            decode_usage(stderr);
            return 2;
        } else {
            first_hex = i;
            break;
        }
    }

    char *text = NULL;
    size_t text_len = 0;
    if (first_hex < argc) {
        for (int i = first_hex; i < argc; i++)
            text_len += strlen(argv[i]) + 1;
        text = malloc(text_len + 1);
        if (!text)
            return 1;
        size_t o = 0;
        for (int i = first_hex; i < argc; i++) {
            size_t l = strlen(argv[i]);
            memcpy(text + o, argv[i], l);
            o += l;
            text[o++] = ' ';
        }
        text_len = o;
    } else {
        text = read_all(stdin, &text_len);
        if (!text) {
            fprintf(stderr, "meterhub decode: cannot read standard input (or more than %u bytes)\n",
                    DECODE_MAX_INPUT);
            return 1;
        }
    }
    strip_comments(text, text_len);

    uint8_t *bytes = malloc(text_len / 2 + 1);
    size_t bad_at = 0;
    long n = bytes ? mh_hex_decode(text, text_len, bytes, text_len / 2 + 1, &bad_at) : MH_ENOMEM;
    if (n < 0) {
        if (n == MH_EINVAL)
            fprintf(stderr, "meterhub decode: not hex at character %zu ('%c'), or an odd number of digits\n",
                    bad_at + 1, bad_at < text_len ? text[bad_at] : ' ');
        else
            fprintf(stderr, "meterhub decode: %s\n", mh_strerror((int)n));
        free(text);
        free(bytes);
        return 2;
    }
    free(text);

    int rc;
    if (opts.apdu) {
        const struct decode_proto *ap = proto ? proto : &decode_proto_dlt698;
        if (!ap->apdu_json) {
            fprintf(stderr, "meterhub decode: --apdu is for dlt698\n");
            free(bytes);
            return 2;
        }
        json_t *obj = ap->apdu_json(bytes, (size_t)n, &opts);
        rc = json_object_get(obj, "error") != NULL;
        char *out = json_dumps(obj, JOUT_FLAGS | (pretty ? JSON_INDENT(2) : JSON_COMPACT));
        json_decref(obj);
        if (out)
            puts(out);
        free(out);
    } else {
        rc = decode_stream(bytes, (size_t)n, proto, &opts, pretty, stdout);
        if (n == 0) {
            fprintf(stderr, "meterhub decode: no input\n");
            rc = 1;
        }
    }
    free(bytes);
    if (rc < 0) {
        fprintf(stderr, "meterhub decode: %s\n", mh_strerror(rc));
        return 1;
    }
    return rc > 0 ? 1 : 0;
}
