/*
 * Power quality, VEE and PV summaries of meterhub score (score_more.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "meterhub/app/der.h"
#include "meterhub/app/vee.h"
#include "score_more.h"

void score_more_meter(struct score_more *m, const struct scenario *s, size_t i, int64_t t0,
                      const double *reg, const struct quality_sample *samples, const double *imax)
{
    const struct sim_meter *mo = &s->meters[i].model;
    if (samples) {
        struct quality_config qc;
        struct quality_day qd;
        quality_config_220v(&qc);
        qc.lower_ratio = mo->phases == 3 ? 0.07 : qc.lower_ratio; /* 380 V three-phase: +-7 % */
        if (quality_compute(&qc, samples, 96, mo->phases == 3 ? 3 : 1, &qd) == 0) {
            m->q_points++;
            m->q_rate_sum += qd.qualified_rate;
            if (qd.qualified_rate < 1) {
                m->q_below++;
                m->q_below_injected +=
                    mo->anomaly == SIM_ANOM_VOLTAGE_LOSS || mo->anomaly == SIM_ANOM_PHASE_FAILURE;
            }
        }
    }
    struct vee_config vc;
    vee_config_default(&vc);
    struct vee_reading rd[97];
    uint16_t f[97], fd[97];
    uint8_t present[97];
    for (int j = 0; j <= 96; j++) {
        rd[j] = (struct vee_reading){t0 + (int64_t)j * 900, reg[j]};
        present[j] = 1;
    }
    int n = vee_validate_readings(&vc, rd, 97, t0 + 86400, 0, f);
    n += vee_validate_day(&vc, reg, present, imax, NULL, fd);
    int injected = mo->anomaly == SIM_ANOM_STOPPED || mo->anomaly == SIM_ANOM_REVERSED;
    injected = injected && mo->anomaly_start < t0 + 86400;
    m->v_injected += (size_t)injected;
    if (n > 0) {
        m->v_flagged++;
        m->v_flagged_injected += (size_t)injected;
        m->v_injected_flagged += (size_t)injected;
    }
}

int score_more_der(struct score_more *m, const struct scenario *s, int64_t day, const double *imp,
                   const double *exp)
{
    struct der_config c;
    der_config_default(&c);
    size_t maxu = 0;
    for (size_t a = 0; a < s->n_areas; a++)
        maxu = s->areas[a].user_count > maxu ? s->areas[a].user_count : maxu;
    struct der_system_day *sys = calloc(maxu + 1, sizeof *sys);
    struct der_result *res = calloc(maxu + 1, sizeof *res);
    double *scratch = calloc(maxu + 1, sizeof *scratch);
    int rc = sys && res && scratch ? 0 : -2;
    for (size_t a = 0; a < s->n_areas && rc == 0; a++) {
        size_t k = 0;
        for (uint32_t u = 0; u < s->areas[a].user_count; u++) {
            size_t i = s->areas[a].first_user + u;
            const struct sim_meter *mo = &s->meters[i].model;
            if (mo->customer != SIM_CUST_PV)
                continue;
            int64_t load[SIM_INTERVALS_PER_DAY], pv[SIM_INTERVALS_PER_DAY], gen = 0;
            sim_day_flows(mo, day, load, pv);
            for (int j = 0; j < SIM_INTERVALS_PER_DAY; j++)
                gen += pv[j];
            sys[k++] = (struct der_system_day){(uint32_t)i, mo->pv_peak_w / 1000.0,
                                               (double)gen / 1e4, imp[i] < 0 ? 0 : imp[i], exp[i]};
        }
        int low = der_day(&c, sys, k, scratch, res);
        m->pv_low += low > 0 ? (size_t)low : 0;
        for (size_t j = 0; j < k; j++) {
            m->pv++;
            m->pv_gen += sys[j].generation_kwh;
            m->pv_exp += sys[j].export_kwh;
            m->pv_self += res[j].self_kwh;
        }
    }
    free(sys);
    free(res);
    free(scratch);
    return rc;
}

void score_more_print(const struct score_more *m)
{
    printf("voltage quality: %zu points, mean qualified rate %.4f, %zu below 100 %% (%zu with "
           "injected "
           "voltage loss / phase failure)\n",
           m->q_points, m->q_points ? m->q_rate_sum / (double)m->q_points : 1.0, m->q_below,
           m->q_below_injected);
    printf("vee: %zu meters with suspect readings (%zu injected stopped/reversed); %zu of %zu "
           "injected "
           "stopped/reversed flagged\n",
           m->v_flagged, m->v_flagged_injected, m->v_injected_flagged, m->v_injected);
    printf("pv: %zu systems, generation %.3f kWh, export %.3f kWh, self-consumed %.3f kWh, %zu far "
           "below "
           "their neighbours (none injected)\n",
           m->pv, m->pv_gen, m->pv_exp, m->pv_self, m->pv_low);
}

json_t *score_more_json(const struct score_more *m)
{
    return json_pack("{s:{s:I,s:f,s:I,s:I},s:{s:I,s:I,s:I,s:I},s:{s:I,s:f,s:f,s:f,s:I}}", "quality",
                     "points", (json_int_t)m->q_points, "mean_rate",
                     m->q_points ? m->q_rate_sum / (double)m->q_points : 1.0, "below",
                     (json_int_t)m->q_below, "below_injected", (json_int_t)m->q_below_injected,
                     "vee", "flagged", (json_int_t)m->v_flagged, "flagged_injected",
                     (json_int_t)m->v_flagged_injected, "injected", (json_int_t)m->v_injected,
                     "injected_flagged", (json_int_t)m->v_injected_flagged, "pv", "systems",
                     (json_int_t)m->pv, "generation_kwh", m->pv_gen, "export_kwh", m->pv_exp,
                     "self_kwh", m->pv_self, "low", (json_int_t)m->pv_low);
}
