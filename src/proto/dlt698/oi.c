/*
 * DL/T 698.45 objects (appendix B) mapped to normalized items: device
 * scaler and unit as the standard gives them, and the decimal shift to the
 * item's unit. Element semantics: energy and power arrays start with the
 * total, voltage and current arrays with phase A.
 */
#include "meterhub/proto/dlt698.h"
#include "meterhub/proto/item.h"

enum { PHASES = 1, TOTAL_PHASES = 2, TOTAL_TARIFFS = 3 };

static const struct dlt698_oi_def table[] = {
    {0x0000, 0xFFFF, 2, -2, "kWh", MH_ITEM_AE_COMB, TOTAL_TARIFFS, 0, "combined active energy"},
    {0x0010, 0xFFFF, 2, -2, "kWh", MH_ITEM_AE_IMP, TOTAL_TARIFFS, 0, "forward active energy"},
    {0x0011, 0xFFFF, 2, -2, "kWh", MH_ITEM_AE_IMP_L1, 0, 0, "phase A forward active energy"},
    {0x0012, 0xFFFF, 2, -2, "kWh", MH_ITEM_AE_IMP_L2, 0, 0, "phase B forward active energy"},
    {0x0013, 0xFFFF, 2, -2, "kWh", MH_ITEM_AE_IMP_L3, 0, 0, "phase C forward active energy"},
    {0x0020, 0xFFFF, 2, -2, "kWh", MH_ITEM_AE_EXP, TOTAL_TARIFFS, 0, "reverse active energy"},
    {0x0021, 0xFFFF, 2, -2, "kWh", MH_ITEM_AE_EXP_L1, 0, 0, "phase A reverse active energy"},
    {0x0022, 0xFFFF, 2, -2, "kWh", MH_ITEM_AE_EXP_L2, 0, 0, "phase B reverse active energy"},
    {0x0023, 0xFFFF, 2, -2, "kWh", MH_ITEM_AE_EXP_L3, 0, 0, "phase C reverse active energy"},
    {0x0030, 0xFFFF, 2, -2, "kvarh", MH_ITEM_RE_IMP, TOTAL_TARIFFS, 0, "combined reactive energy 1"},
    {0x0040, 0xFFFF, 2, -2, "kvarh", MH_ITEM_RE_EXP, TOTAL_TARIFFS, 0, "combined reactive energy 2"},
    {0x0050, 0xFFFF, 2, -2, "kvarh", MH_ITEM_RE_Q1, TOTAL_TARIFFS, 0, "quadrant I reactive energy"},
    {0x0060, 0xFFFF, 2, -2, "kvarh", MH_ITEM_RE_Q2, TOTAL_TARIFFS, 0, "quadrant II reactive energy"},
    {0x0070, 0xFFFF, 2, -2, "kvarh", MH_ITEM_RE_Q3, TOTAL_TARIFFS, 0, "quadrant III reactive energy"},
    {0x0080, 0xFFFF, 2, -2, "kvarh", MH_ITEM_RE_Q4, TOTAL_TARIFFS, 0, "quadrant IV reactive energy"},
    {0x0090, 0xFFFF, 2, -2, "kVAh", MH_ITEM_SE_IMP, TOTAL_TARIFFS, 0, "forward apparent energy"},
    {0x00A0, 0xFFFF, 2, -2, "kVAh", MH_ITEM_SE_EXP, TOTAL_TARIFFS, 0, "reverse apparent energy"},
    {0x0010, 0xFFFF, 4, -4, "kWh", MH_ITEM_AE_IMP, TOTAL_TARIFFS, 0, "forward active energy (high precision)"},
    {0x0020, 0xFFFF, 4, -4, "kWh", MH_ITEM_AE_EXP, TOTAL_TARIFFS, 0, "reverse active energy (high precision)"},
    {0x1010, 0xFFFF, 2, -4, "kW", MH_ITEM_MD_AE_IMP, TOTAL_TARIFFS, 0, "forward active maximum demand"},
    {0x1020, 0xFFFF, 2, -4, "kW", MH_ITEM_MD_AE_EXP, TOTAL_TARIFFS, 0, "reverse active maximum demand"},
    {0x2000, 0xFFFF, 2, -1, "V", MH_ITEM_U_L1, PHASES, 0, "voltage"},
    {0x2001, 0xFFFF, 2, -3, "A", MH_ITEM_I_L1, PHASES, 0, "current"},
    {0x2001, 0xFFFF, 4, -3, "A", MH_ITEM_I_N, 0, 0, "neutral current"},
    {0x2003, 0xFFFF, 2, -1, "deg", MH_ITEM_ANG_I1_U1, PHASES, 0, "voltage-current phase angle"},
    {0x2004, 0xFFFF, 2, -1, "W", MH_ITEM_P, TOTAL_PHASES, -3, "active power"},
    {0x2005, 0xFFFF, 2, -1, "var", MH_ITEM_Q, TOTAL_PHASES, -3, "reactive power"},
    {0x2006, 0xFFFF, 2, -1, "VA", MH_ITEM_S, TOTAL_PHASES, -3, "apparent power"},
    {0x200A, 0xFFFF, 2, -3, "", MH_ITEM_PF, TOTAL_PHASES, 0, "power factor"},
    {0x200F, 0xFFFF, 2, -2, "Hz", MH_ITEM_FREQ, 0, 0, "grid frequency"},
    {0x2010, 0xFFFF, 2, -1, "degC", MH_ITEM_TEMPERATURE, 0, 0, "meter temperature"},
    {0x2011, 0xFFFF, 2, -2, "V", MH_ITEM_BATTERY_V, 0, 0, "clock battery voltage"},
    {0x2017, 0xFFFF, 2, -4, "kW", MH_ITEM_DEM_AE_IMP, 0, 0, "current active demand"},
    {0x2026, 0xFFFF, 2, -2, "%", MH_ITEM_U_UNBALANCE, 0, 0, "voltage unbalance"},
    {0x2027, 0xFFFF, 2, -2, "%", MH_ITEM_I_UNBALANCE, 0, 0, "current unbalance"},
    {0x4000, 0xFFFF, 2, 0, "", MH_ITEM_CLOCK, 0, 0, "date-time"},
    {0x4001, 0xFFFF, 2, 0, "", MH_ITEM_DEVICE_ADDR, 0, 0, "communication address"},
    {0x4002, 0xFFFF, 2, 0, "", MH_ITEM_METER_NUMBER, 0, 0, "meter number"},
    {0x4003, 0xFFFF, 2, 0, "", MH_ITEM_CUSTOMER_NUMBER, 0, 0, "customer number"},
};

const struct dlt698_oi_def *dlt698_oi_table(size_t *n)
{
    *n = sizeof table / sizeof table[0];
    return table;
}

const struct dlt698_oi_def *dlt698_oi_lookup(uint16_t oi, uint8_t attr)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if ((oi & table[i].mask) == table[i].oi && (attr & 0x1F) == table[i].attr)
            return &table[i];
    return NULL;
}

uint32_t dlt698_oi_item(const struct dlt698_oi_def *d, unsigned element)
{
    uint32_t item = d->item;
    unsigned c = MH_OBIS_C(item);
    switch (d->per_phase) {
    case PHASES: /* element 1..3 = phases A..C */
        if (element < 1 || element > 3)
            return 0;
        if (item == MH_ITEM_ANG_I1_U1)
            return element == 1 ? MH_ITEM_ANG_I1_U1 : element == 2 ? MH_ITEM_ANG_I2_U2 : MH_ITEM_ANG_I3_U3;
        return (item & ~(0xFFu << 16)) | (uint32_t)(c + 20 * (element - 1)) << 16;
    case TOTAL_PHASES: /* 1 total, 2..4 phases A..C */
        if (element < 1 || element > 4)
            return 0;
        return element == 1 ? item : (item & ~(0xFFu << 16)) | (uint32_t)(c + 20 * (element - 1)) << 16;
    case TOTAL_TARIFFS: /* 1 total, 2.. tariffs 1.. */
        if (element < 1 || element > 64)
            return 0;
        return MH_OBIS_TARIFF(item, element - 1);
    default:
        return element <= 1 ? item : 0;
    }
}
