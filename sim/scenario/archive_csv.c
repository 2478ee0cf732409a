/* The scenario's asset archive as the CSV the master station imports. */
#include <stdio.h>

#include "meterhub/base/err.h"
#include "scenario.h"

int scenario_write_archive_csv(const struct scenario *s, FILE *out)
{
    fputs("area,region,terminal_address,terminal_kind,terminal_protocol,channel_group,pn,"
          "meter_address,meter_protocol,phases,ct,pt,rated_voltage_v,contract_kw,tariff,pv,"
          "pv_peak_kw,customer,customer_class,area_meter\n",
          out);
    for (size_t i = 0; i < s->n_meters; i++) {
        const struct sim_meter_info *m = &s->meters[i];
        const struct sim_terminal *t = &s->terminals[m->terminal];
        char taddr[24], area[16] = "";
        scenario_terminal_address(t, taddr, sizeof taddr);
        if (m->area != UINT32_MAX)
            snprintf(area, sizeof area, "A%06u", m->area + 1);
        int is_area = m->model.customer == SIM_CUST_AREA;
        fprintf(out, "%s,%04X,%s,%s,%s,G%05u,%u,%012llu,%s,%u,%u,1,%s,%u.%03u,%s,%u,%u.%03u,C%08zu,%s,%u\n",
                area, t->region, taddr, sim_terminal_kind_name(t->kind), sim_protocol_name(t->protocol),
                t->channel_group, m->pn, (unsigned long long)m->address, sim_protocol_name(m->protocol),
                m->model.phases, m->ct, m->model.phases == 3 ? "220/380" : "220",
                m->model.contract_w / 1000, m->model.contract_w % 1000, is_area ? "" : "TOU4",
                m->model.customer == SIM_CUST_PV, m->model.pv_peak_w / 1000, m->model.pv_peak_w % 1000,
                is_area ? (size_t)0 : i + 1, sim_customer_name(m->model.customer), is_area);
    }
    return ferror(out) ? MH_EIO : 0;
}
