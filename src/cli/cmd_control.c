/*
 * meterhub control: the load-management records in a store, without a
 * running station (commands themselves are sent by the station's engine,
 * meterhub/control.h).
 *
 * meterhub control protect add customer|meter|terminal REF --reason TEXT --by NAME --db URI
 * meterhub control protect remove customer|meter|terminal REF --db URI
 * meterhub control protect list --db URI
 * meterhub control list --db URI [--after ID]
 * meterhub control show ID --db URI
 * meterhub control plan show ID --db URI
 *
 * Lists print one tab-separated line per row; show prints the command and
 * one line per target with its result and why; plan show prints an
 * orderly-use plan's stored report (plan_report).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "meterhub/base/err.h"
#include "meterhub/control.h"
#include "meterhub/store.h"

static const char *const kind_names[] = {NULL, "customer", "meter", "terminal"};

static void control_usage(FILE *f)
{
    fputs("usage: meterhub control protect add customer|meter|terminal REF --reason TEXT --by NAME --db URI\n"
          "       meterhub control protect remove customer|meter|terminal REF --db URI\n"
          "       meterhub control protect list --db URI\n"
          "       meterhub control list --db URI [--after ID]\n"
          "       meterhub control show ID --db URI\n"
          "       meterhub control plan show ID --db URI\n",
          f);
}

struct args {
    const char *db, *reason, *by, *pos[4];
    int npos;
    int64_t after;
};

/* Options anywhere, positionals in order; -1 on a bad or missing one. */
static int parse(int argc, char **argv, struct args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 0; i < argc; i++) {
        const char **opt = strcmp(argv[i], "--db") == 0       ? &a->db
                           : strcmp(argv[i], "--reason") == 0 ? &a->reason
                           : strcmp(argv[i], "--by") == 0     ? &a->by
                                                              : NULL;
        if (strcmp(argv[i], "--after") == 0 && i + 1 < argc) {
            char *end;
            a->after = strtoll(argv[++i], &end, 10);
            if (*end)
                return -1;
        } else if (opt && i + 1 < argc) {
            *opt = argv[++i];
        } else if (argv[i][0] != '-' && a->npos < 4) {
            a->pos[a->npos++] = argv[i];
        } else {
            return -1;
        }
    }
    return a->db ? 0 : -1;
}

static int protect_kind(const char *s)
{
    for (int k = STORE_PROTECT_CUSTOMER; s && k <= STORE_PROTECT_TERMINAL; k++)
        if (strcmp(s, kind_names[k]) == 0)
            return k;
    return -1;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* protect add KIND REF --reason --by | protect remove KIND REF | protect list */
static int protect(struct store *st, const struct args *a)
{
    const char *verb = a->npos >= 2 ? a->pos[1] : "";
    if (strcmp(verb, "list") == 0 && a->npos == 2) {
        struct store_protect *l = malloc(4096 * sizeof *l);
        int n = l ? store_protect_list(st, l, 4096) : MH_ENOMEM;
        for (int i = 0; i < n; i++)
            printf("%s\t%s\t%s\t%s\t%" PRId64 "\n", kind_names[l[i].kind], l[i].ref, l[i].reason,
                   l[i].added_by, l[i].added_ms);
        free(l);
        return n < 0 ? n : 0;
    }
    int kind = a->npos == 4 ? protect_kind(a->pos[2]) : -1;
    if (kind < 0)
        return MH_EINVAL;
    if (strcmp(verb, "remove") == 0)
        return store_protect_remove(st, kind, a->pos[3]);
    if (strcmp(verb, "add") != 0 || !a->reason || !a->by)
        return MH_EINVAL;
    struct store_protect p = {.kind = kind, .added_ms = wall_ms()};
    if ((size_t)snprintf(p.ref, sizeof p.ref, "%s", a->pos[3]) >= sizeof p.ref ||
        (size_t)snprintf(p.reason, sizeof p.reason, "%s", a->reason) >= sizeof p.reason ||
        (size_t)snprintf(p.added_by, sizeof p.added_by, "%s", a->by) >= sizeof p.added_by)
        return MH_ERANGE;
    return store_protect_add(st, &p);
}

static void print_command(const struct store_control *c)
{
    printf("%" PRId64 "\t%s\t%s\t%s\t%s\t%" PRId64 "\t%s\t%s\n", c->id, control_kind_name(c->kind),
           control_state_name(c->state), c->who, c->confirmer[0] ? c->confirmer : "-", c->created_ms, c->reason,
           c->params);
}

#define POINTS_MAX 2040 /* measuring points of one terminal (Q/GDW 1376.1 5.4.2.4.10) */

/* A meter kind's target is the meter at (terminal, pn): its id and address as the archive has them now. */
static void print_meter(struct store *st, const struct store_control_target *t)
{
    struct store_point *pts = malloc(POINTS_MAX * sizeof *pts);
    int n = pts ? store_terminal_points(st, t->terminal, pts, POINTS_MAX) : 0;
    for (int i = 0; i < n; i++)
        if (pts[i].pn == t->pn)
            printf("    meter %" PRId64 "\taddress %012" PRIu64 "\n", pts[i].meter, pts[i].address);
    free(pts);
}

/* list [--after ID] | show ID */
static int commands(struct store *st, const struct args *a)
{
    if (strcmp(a->pos[0], "list") == 0 && a->npos == 1) {
        struct store_control l[64];
        int64_t after = a->after;
        int n;
        do {
            n = store_control_list(st, after, l, 64);
            for (int i = 0; i < n; i++)
                print_command(&l[i]);
            if (n > 0)
                after = l[n - 1].id;
        } while (n == 64);
        return n < 0 ? n : 0;
    }
    char *end;
    int64_t id = a->npos == 2 ? strtoll(a->pos[1], &end, 10) : 0;
    if (strcmp(a->pos[0], "show") != 0 || id <= 0 || *end)
        return MH_EINVAL;
    struct store_control c;
    int rc = store_control_get(st, id, &c);
    if (rc != 0)
        return rc;
    print_command(&c);
    struct store_control_target *t = malloc(CONTROL_TARGETS_MAX * sizeof *t);
    int n = t ? store_control_targets(st, id, t, CONTROL_TARGETS_MAX) : MH_ENOMEM;
    for (int i = 0; i < n; i++) {
        printf("  terminal %" PRId64 "\tpn %u\t%s\t%s\t%" PRId64 "\n", t[i].terminal, t[i].pn,
               control_result_name(t[i].result), t[i].detail, t[i].updated_ms);
        if (control_kind_meter(c.kind))
            print_meter(st, &t[i]);
    }
    free(t);
    return n < 0 ? n : 0;
}

/* plan show ID: the plan's report as last saved */
static int plan_show(struct store *st, const struct args *a)
{
    char *end;
    int64_t id = a->npos == 3 ? strtoll(a->pos[2], &end, 10) : 0;
    if (a->npos != 3 || strcmp(a->pos[1], "show") != 0 || id <= 0 || *end)
        return MH_EINVAL;
    struct plan *p = malloc(sizeof *p);
    if (!p)
        return MH_ENOMEM;
    int rc = plan_load(st, id, p);
    if (rc == 0) {
        size_t need = plan_report(p, NULL, 0) + 1;
        char *out = malloc(need);
        if (out) {
            plan_report(p, out, need);
            fputs(out, stdout);
        }
        rc = out ? 0 : MH_ENOMEM;
        free(out);
    }
    free(p);
    return rc;
}

int cmd_control(int argc, char **argv)
{
    struct args a;
    if (argc < 2 || parse(argc - 1, argv + 1, &a) != 0 || a.npos < 1) {
        control_usage(stderr);
        return 2;
    }
    char err[256];
    struct store *st;
    if (store_open(a.db, NULL, &st, err, sizeof err) != 0) {
        fprintf(stderr, "meterhub control: %s\n", err);
        return 1;
    }
    int rc = MH_EINVAL;
    const char *what = a.pos[0];
    if (strcmp(what, "protect") == 0)
        rc = protect(st, &a);
    else if (strcmp(what, "list") == 0 || strcmp(what, "show") == 0)
        rc = commands(st, &a);
    else if (strcmp(what, "plan") == 0)
        rc = plan_show(st, &a);
    store_close(st);
    if (rc == MH_EINVAL)
        control_usage(stderr);
    else if (rc < 0)
        fprintf(stderr, "meterhub control: %s\n", mh_strerror(rc));
    return rc < 0 ? 1 : 0;
}
