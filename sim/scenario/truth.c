/*
 * Ground truth of one day, without any network: what every simulated meter
 * would answer and what the field really did, so collection and analytics
 * can be checked value by value.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/value.h"
#include "scenario.h"

/* 0.1 Wh as kWh with four decimals, exact ("-12.3456"), into p; returns the end. */
static char *fmt_kwh(char *p, int64_t wh10)
{
    uint64_t mag = wh10 < 0 ? (uint64_t)0 - (uint64_t)wh10 : (uint64_t)wh10;
    char tmp[24];
    int n = 0;
    uint64_t ip = mag / 10000;
    do {
        tmp[n++] = (char)('0' + ip % 10);
        ip /= 10;
    } while (ip);
    if (wh10 < 0)
        *p++ = '-';
    while (n)
        *p++ = tmp[--n];
    unsigned fp = (unsigned)(mag % 10000);
    *p++ = '.';
    *p++ = (char)('0' + fp / 1000);
    *p++ = (char)('0' + fp / 100 % 10);
    *p++ = (char)('0' + fp / 10 % 10);
    *p++ = (char)('0' + fp % 10);
    return p;
}

static void put_kwh(FILE *f, int64_t wh10)
{
    char buf[32];
    char *e = fmt_kwh(buf, wh10);
    fwrite(buf, 1, (size_t)(e - buf), f);
}

static void put_local_time(FILE *f, const struct scenario *s, int64_t t)
{
    struct mh_tm tm;
    char text[40];
    mh_tm_from_epoch(t + s->tz_offset_s, &tm);
    tm.has = MH_TM_FULL;
    mh_tm_format(&tm, text, sizeof text);
    fputs(text, f);
}

static FILE *open_in(const char *dir, const char *name, char *err, size_t cap)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        snprintf(err, cap, "%s: %s", path, strerror(errno));
    return f;
}

/* One row: the meter's import and export registers (total, tariffs 1-4) at t. */
static void write_registers(FILE *f, const struct scenario *s, size_t i, int64_t t,
                            const struct sim_registers *rp)
{
    struct sim_registers r = *rp;
    fprintf(f, "%012llu,", (unsigned long long)s->meters[i].address);
    put_local_time(f, s, t);
    char line[512], *p = line;
    for (int dir = 0; dir < 2; dir++)
        for (int tr = 0; tr < 5; tr++) {
            *p++ = ',';
            p = fmt_kwh(p, dir ? r.export_wh10[tr] : r.import_wh10[tr]);
        }
    *p++ = '\n';
    fwrite(line, 1, (size_t)(p - line), f);
}

int scenario_write_truth(const struct scenario *s, int64_t day, const char *dir, char *err,
                         size_t cap)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, cap, "%s: %s", dir, strerror(errno));
        return MH_EIO;
    }
    FILE *reg = open_in(dir, "registers.csv", err, cap);
    FILE *cur = reg ? open_in(dir, "curves.csv", err, cap) : NULL;
    FILE *con = cur ? open_in(dir, "consumption.csv", err, cap) : NULL;
    FILE *are = con ? open_in(dir, "areas.csv", err, cap) : NULL;
    FILE *ano = are ? open_in(dir, "anomalies.csv", err, cap) : NULL;
    int rc = 0;
    if (!ano) {
        rc = MH_EIO;
        goto done;
    }
    int64_t t0 = scenario_day_start(s, day), t1 = scenario_day_start(s, day + 1);
    fputs("meter_address,frozen_at,import_kwh,import_t1_kwh,import_t2_kwh,import_t3_kwh,import_t4_kwh,"
          "export_kwh,export_t1_kwh,export_t2_kwh,export_t3_kwh,export_t4_kwh\n", reg);
    fputs("meter_address,day,direction", cur);
    for (int j = 0; j < SIM_INTERVALS_PER_DAY; j++)
        fprintf(cur, ",%02d:%02d", j / 4, j % 4 * 15);
    fputc('\n', cur);
    fputs("meter_address,day,import_kwh,import_t1_kwh,import_t2_kwh,import_t3_kwh,import_t4_kwh,export_kwh\n", con);
    fputs("area,area_meter_address,users,supply_kwh,users_metered_kwh,loss_kwh,loss_permille\n", are);
    fputs("meter_address,anomaly,start,factor,phase\n", ano);
    char dayname[16];
    {
        struct mh_tm tm;
        mh_tm_from_epoch(t0 + s->tz_offset_s, &tm);
        tm.has = MH_TM_DATE;
        mh_tm_format(&tm, dayname, sizeof dayname);
    }
    int64_t *metered = calloc(2 * (s->n_areas ? s->n_areas : 1), sizeof *metered);
    int64_t *area_supply = metered ? metered + (s->n_areas ? s->n_areas : 1) : NULL;
    if (!metered) {
        snprintf(err, cap, "out of memory");
        rc = MH_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < s->n_meters; i++) {
        const struct sim_meter_info *m = &s->meters[i];
        /* Primary registers once (for an area meter that sums every user since the
         * scenario start); the day's intervals give the end; what the meter shows
         * follows from both. */
        struct sim_interval iv[SIM_INTERVALS_PER_DAY];
        scenario_meter_day(s, i, day, iv);
        struct sim_registers p0, p1;
        scenario_meter_primary_at(s, i, t0, &p0);
        p1 = p0;
        int64_t k0 = sim_day_first_interval(day);
        for (int j = 0; j < SIM_INTERVALS_PER_DAY; j++)
            sim_registers_add(&p1, k0 + j, &iv[j], 1, 1);
        struct sim_registers start = p0, end = p1;
        scenario_meter_secondary(s, i, &start);
        scenario_meter_secondary(s, i, &end);
        write_registers(reg, s, i, t0, &start);
        write_registers(reg, s, i, t1, &end);
        unsigned ct = m->ct > 1 ? m->ct : 1;
        int64_t rimp[SIM_INTERVALS_PER_DAY + 1], rexp[SIM_INTERVALS_PER_DAY + 1];
        int64_t imp[5] = {0}, exp = 0;
        scenario_meter_day_registers_from(s, i, &p0, iv, rimp, rexp);
        char line_i[96 * 16 + 64], line_e[96 * 16 + 64];
        char *pi = line_i, *pe = line_e;
        int any_export = 0;
        for (int j = 0; j < SIM_INTERVALS_PER_DAY; j++) {
            *pi++ = ',';
            pi = fmt_kwh(pi, scenario_register_delta(rimp[j], rimp[j + 1]));
            *pe++ = ',';
            pe = fmt_kwh(pe, scenario_register_delta(rexp[j], rexp[j + 1]));
            any_export |= rexp[j + 1] != rexp[j];
        }
        fprintf(cur, "%012llu,%s,import", (unsigned long long)m->address, dayname);
        fwrite(line_i, 1, (size_t)(pi - line_i), cur);
        fputc('\n', cur);
        if (any_export) {
            fprintf(cur, "%012llu,%s,export", (unsigned long long)m->address, dayname);
            fwrite(line_e, 1, (size_t)(pe - line_e), cur);
            fputc('\n', cur);
        }
        /* Consumption as metering computes it: register differences (across a rollover)
         * times ct. */
        for (int tr = 0; tr < 5; tr++)
            imp[tr] = scenario_register_delta(start.import_wh10[tr], end.import_wh10[tr]) * (int64_t)ct;
        exp = scenario_register_delta(start.export_wh10[0], end.export_wh10[0]) * (int64_t)ct;
        fprintf(con, "%012llu,%s", (unsigned long long)m->address, dayname);
        for (int tr = 0; tr < 5; tr++) {
            fputc(',', con);
            put_kwh(con, imp[tr]);
        }
        fputc(',', con);
        put_kwh(con, exp);
        fputc('\n', con);
        if (m->area != UINT32_MAX && m->model.customer != SIM_CUST_AREA)
            metered[m->area] += imp[0] - exp;
        else if (m->model.customer == SIM_CUST_AREA)
            area_supply[m->area] = imp[0] - exp; /* supply: the area meter's registers times its CT */
        if (m->model.anomaly != SIM_ANOM_NONE && m->model.anomaly_start < t1) {
            fprintf(ano, "%012llu,%s,", (unsigned long long)m->address, sim_anomaly_name(m->model.anomaly));
            put_local_time(ano, s, m->model.anomaly_start);
            fprintf(ano, ",%d,%u\n", m->model.factor, m->model.anomaly_phase);
        }
    }
    for (size_t a = 0; a < s->n_areas; a++) {
        const struct sim_area *ar = &s->areas[a];
        /* Supply as line-loss analysis computes it: the area meter's registers times its CT. */
        int64_t supply = area_supply[a];
        int64_t loss = supply - metered[a];
        fprintf(are, "A%06zu,%012llu,%u,", a + 1, (unsigned long long)s->meters[ar->area_meter].address,
                ar->user_count);
        put_kwh(are, supply);
        fputc(',', are);
        put_kwh(are, metered[a]);
        fputc(',', are);
        put_kwh(are, loss);
        fprintf(are, ",%lld\n", supply > 0 ? (long long)(loss * 1000 / supply) : 0LL);
    }
    free(metered);
    if (ferror(reg) || ferror(cur) || ferror(con) || ferror(are) || ferror(ano)) {
        snprintf(err, cap, "%s: write failed", dir);
        rc = MH_EIO;
    }
done:
    if (reg && fclose(reg) != 0)
        rc = MH_EIO;
    if (cur && fclose(cur) != 0)
        rc = MH_EIO;
    if (con && fclose(con) != 0)
        rc = MH_EIO;
    if (are && fclose(are) != 0)
        rc = MH_EIO;
    if (ano && fclose(ano) != 0)
        rc = MH_EIO;
    return rc;
}
