/*
 * Ground truth agrees with itself: curves sum to frozen register
 * differences, consumption is register difference times CT, and an area's
 * loss is its supply less what its users' meters registered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "scenario.h"

#define SCEN                                                                                       \
    "{\"seed\":5,\"start\":\"2026-11-01\",\"populations\":["                                    \
    "{\"kind\":\"concentrator\",\"count\":2,\"meters_each\":6,\"customers\":{\"residential\":1,\"pv\":1}},"\
    "{\"kind\":\"special_transformer\",\"count\":1}],"                                           \
    "\"anomalies\":[{\"type\":\"theft\",\"count\":1,\"factor\":50},{\"type\":\"reversed\",\"count\":1}]}"

/* "123.4567" -> 1234567 (0.1 Wh) */
static int64_t wh10(const char *text)
{
    int neg = *text == '-';
    if (neg)
        text++;
    char *end;
    int64_t ip = strtoll(text, &end, 10);
    assert_true(*end == '.');
    int64_t fp = strtoll(end + 1, NULL, 10);
    return (neg ? -1 : 1) * (ip * 10000 + fp);
}

/* Split a CSV line in place into at most n fields. */
static int fields(char *line, char **f, int n)
{
    int k = 0;
    f[k++] = line;
    for (char *p = line; *p && k < n; p++)
        if (*p == ',') {
            *p = '\0';
            f[k++] = p + 1;
        }
    line[strcspn(line, "\n")] = '\0';
    return k;
}

static FILE *open_csv(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char header[4096];
    assert_non_null(fgets(header, sizeof header, f));
    return f;
}

static void test_truth_is_consistent(void **state)
{
    (void)state;
    char err[256], dir[] = "/tmp/mh-truth-XXXXXX";
    struct scenario *s = NULL;
    assert_int_equal(scenario_parse(SCEN, &s, err, sizeof err), 0);
    assert_non_null(mkdtemp(dir));
    int64_t day = scenario_local_day(s, s->start) + 4;
    assert_int_equal(scenario_write_truth(s, day, dir, err, sizeof err), 0);

    size_t n = s->n_meters;
    int64_t *start = calloc(n, sizeof *start), *end = calloc(n, sizeof *end), *curve = calloc(n, sizeof *curve);
    static char line[4096];
    char *f[100];
    FILE *reg = open_csv(dir, "registers.csv");
    int rows = 0;
    while (fgets(line, sizeof line, reg)) {
        assert_int_equal(fields(line, f, 100), 12);
        size_t i = (size_t)(strtoull(f[0], NULL, 10) - 100000000000ull);
        assert_true(i < n);
        (rows++ % 2 == 0 ? start : end)[i] = wh10(f[2]);
        /* total = sum of tariffs, except where a CT truncates each on its own */
        if (s->meters[i].ct <= 1)
            assert_true(wh10(f[2]) == wh10(f[3]) + wh10(f[4]) + wh10(f[5]) + wh10(f[6]));
    }
    fclose(reg);
    assert_int_equal(rows, (int)(2 * n));
    FILE *cur = open_csv(dir, "curves.csv");
    int curves = 0;
    while (fgets(line, sizeof line, cur)) {
        assert_int_equal(fields(line, f, 100), 3 + 96);
        if (strcmp(f[2], "import") != 0)
            continue;
        size_t i = (size_t)(strtoull(f[0], NULL, 10) - 100000000000ull);
        for (int j = 0; j < 96; j++)
            curve[i] += wh10(f[3 + j]);
        curves++;
    }
    fclose(cur);
    assert_int_equal(curves, (int)n);
    FILE *con = open_csv(dir, "consumption.csv");
    while (fgets(line, sizeof line, con)) {
        fields(line, f, 100);
        size_t i = (size_t)(strtoull(f[0], NULL, 10) - 100000000000ull);
        int64_t ct = s->meters[i].ct > 1 ? s->meters[i].ct : 1;
        assert_true(curve[i] == end[i] - start[i]);
        assert_true(wh10(f[2]) == (end[i] - start[i]) * ct);
        assert_true(wh10(f[2]) == wh10(f[3]) + wh10(f[4]) + wh10(f[5]) + wh10(f[6]) ||
                    ct > 1); /* tariff registers truncate on their own behind a CT */
    }
    fclose(con);
    FILE *are = open_csv(dir, "areas.csv");
    int areas = 0;
    while (fgets(line, sizeof line, are)) {
        fields(line, f, 100);
        assert_true(wh10(f[5]) == wh10(f[3]) - wh10(f[4]));
        assert_true(wh10(f[5]) > 0);
        areas++;
    }
    fclose(are);
    assert_int_equal(areas, 2);
    FILE *ano = open_csv(dir, "anomalies.csv");
    int anomalies = 0;
    while (fgets(line, sizeof line, ano))
        anomalies++;
    fclose(ano);
    assert_int_equal(anomalies, 2);

    free(start);
    free(end);
    free(curve);
    scenario_free(s);
    const char *names[] = {"registers.csv", "curves.csv", "consumption.csv", "areas.csv", "anomalies.csv"};
    for (int i = 0; i < 5; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void test_truth_reports_unwritable_directory(void **state)
{
    (void)state;
    char err[256];
    struct scenario *s = NULL;
    assert_int_equal(scenario_parse(SCEN, &s, err, sizeof err), 0);
    assert_int_not_equal(scenario_write_truth(s, 20400, "/proc/no-such/dir", err, sizeof err), 0);
    assert_non_null(strstr(err, "/proc/no-such/dir"));
    scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truth_is_consistent),
        cmocka_unit_test(test_truth_reports_unwritable_directory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
