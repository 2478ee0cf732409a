/*
 * meterhub api --db URI [--listen HOST:PORT] [--cert PEM --key PEM] [--threads N] [--web DIR]
 * meterhub api token add NAME --role viewer|operator|administrator --db URI
 * meterhub api token list --db URI
 * meterhub api token revoke NAME --db URI
 *
 * Serves the HTTP/JSON API (docs/api.md) over an existing store until
 * SIGINT or SIGTERM, or creates an API token and prints it once: only its
 * SHA-256 is kept.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "meterhub/api.h"
#include "meterhub/base/err.h"
#include "meterhub/store.h"

static void api_usage(FILE *f)
{
    fputs("usage: meterhub api --db URI [--listen HOST:PORT] [--cert PEM --key PEM] "
          "[--threads N] [--web DIR]\n"
          "       meterhub api token add NAME --role viewer|operator|administrator --db URI\n"
          "       meterhub api token list --db URI\n"
          "       meterhub api token revoke NAME --db URI\n"
          "  --listen  default 127.0.0.1:8080; IPv6 as [::1]:8080\n"
          "  --web     the dashboard's built files (default: web/dist of the source tree when "
          "built)\n",
          f);
}

/* "HOST:PORT" or "[V6]:PORT" into host (cap bytes) and port; 0 or -1. */
static int parse_listen(const char *s, char *host, size_t cap, uint16_t *port)
{
    const char *colon;
    const char *h = s;
    size_t hl;
    if (s[0] == '[') {
        const char *e = strchr(s, ']');
        if (!e || e[1] != ':')
            return -1;
        h = s + 1, hl = (size_t)(e - h), colon = e + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            return -1;
        hl = (size_t)(colon - s);
    }
    char *end;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (hl == 0 || hl >= cap || !colon[1] || *end || p > 65535)
        return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    *port = (uint16_t)p;
    return 0;
}

static int token_add(int argc, char **argv)
{
    const char *name = NULL, *role = NULL, *db = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--role") == 0 && i + 1 < argc)
            role = argv[++i];
        else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
            db = argv[++i];
        else if (!name && argv[i][0] != '-')
            name = argv[i];
        else
            name = NULL, i = argc;
    }
    int r = role ? api_role_parse(role) : MH_EINVAL;
    if (!name || !db || r < 0) {
        api_usage(stderr);
        return 2;
    }
    /* Open the store first: it creates or migrates the file the token table joins. */
    char err[512] = "", tok[80];
    struct store *st = NULL;
    if (store_open(db, NULL, &st, err, sizeof err) != 0) {
        fprintf(stderr, "meterhub api: %s\n", err);
        return 1;
    }
    store_close(st);
    if (api_token_add(db, name, r, tok, sizeof tok, err, sizeof err) != 0) {
        fprintf(stderr, "meterhub api: %s\n", err);
        return 1;
    }
    printf("%s\n", tok);
    fprintf(stderr, "token '%s' (%s) created; it is shown only this once\n", name,
            api_role_name(r));
    return 0;
}

static void print_token(void *ctx, const char *name, int role, int64_t created_ms, int revoked)
{
    (void)ctx;
    const char *r = api_role_name(role);
    printf("%-24s %-14s created %lld%s\n", name, r ? r : "?", (long long)created_ms,
           revoked ? " revoked" : "");
}

/* token list --db URI | token revoke NAME --db URI */
static int token_other(int argc, char **argv)
{
    const char *db = NULL, *name = NULL;
    int revoke = strcmp(argv[0], "revoke") == 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
            db = argv[++i];
        else if (revoke && !name && argv[i][0] != '-')
            name = argv[i];
        else
            db = NULL, i = argc;
    }
    if (!db || (revoke && !name)) {
        api_usage(stderr);
        return 2;
    }
    char err[512] = "";
    int rc = revoke ? api_token_revoke(db, name, err, sizeof err)
                    : api_token_list(db, print_token, NULL, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "meterhub api: %s\n", err);
        return 1;
    }
    if (revoke)
        fprintf(stderr, "token '%s' revoked\n", name);
    return 0;
}

static int serve(const char *db, const struct api_options *opt0)
{
    struct api_options opt = *opt0;
    opt.store_uri = db;
    char err[512] = "";
    struct store *st = NULL;
    if (store_open(db, NULL, &st, err, sizeof err) != 0) {
        fprintf(stderr, "meterhub api: %s\n", err);
        return 1;
    }
    /* Block the stop signals before any thread starts, then wait for one here. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    struct api *a = NULL;
    if (api_start(&opt, st, &a, err, sizeof err) != 0) {
        fprintf(stderr, "meterhub api: %s\n", err);
        store_close(st);
        return 1;
    }
    fprintf(stderr, "meterhub api: serving %s on %s://%s:%u/api/v1\n", db,
            opt.cert_file ? "https" : "http", opt.host, api_port(a));
    if (opt.web_dir)
        fprintf(stderr, "meterhub api: dashboard from %s at %s://%s:%u/\n", opt.web_dir,
                opt.cert_file ? "https" : "http", opt.host, api_port(a));
    int sig = 0;
    sigwait(&set, &sig);
    api_stop(a);
    store_close(st);
    return 0;
}

int cmd_api(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "token") == 0 && strcmp(argv[2], "add") == 0)
        return token_add(argc - 3, argv + 3);
    if (argc >= 3 && strcmp(argv[1], "token") == 0 &&
        (strcmp(argv[2], "list") == 0 || strcmp(argv[2], "revoke") == 0))
        return token_other(argc - 2, argv + 2);
    static char host[64] = "127.0.0.1";
    struct api_options opt = {.host = host, .port = 8080};
    const char *db = NULL;
    int bad = 0, help = 0;
    for (int i = 1; i < argc && !bad; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            help = 1;
        else if (!v)
            bad = 1;
        else if (strcmp(argv[i], "--db") == 0)
            db = v, i++;
        else if (strcmp(argv[i], "--listen") == 0)
            bad = parse_listen(v, host, sizeof host, &opt.port) != 0, i++;
        else if (strcmp(argv[i], "--cert") == 0)
            opt.cert_file = v, i++;
        else if (strcmp(argv[i], "--key") == 0)
            opt.key_file = v, i++;
        else if (strcmp(argv[i], "--web") == 0)
            opt.web_dir = v, i++;
        else if (strcmp(argv[i], "--threads") == 0)
            opt.threads = (unsigned)strtoul(v, NULL, 10), i++;
        else
            bad = 1;
    }
    if (help || bad || !db) {
        api_usage(help ? stdout : stderr);
        return help ? 0 : 2;
    }
    if (!opt.web_dir)
        opt.web_dir = api_web_default();
    return serve(db, &opt);
}
