/*
 * DL/T 645-2007 realtime values of the meter behind a DTU, once a round:
 * one read a step (645 has no list read), of the blocks of A.4 (variables,
 * DI3 02, DI1 FF: every phase) and A.1 (energy, DI1 FF: total and
 * tariffs):
 *   0201FF00 voltages XXX.X V        0202FF00 currents XXX.XXX A
 *   0203FF00 active power XX.XXXX kW 0204FF00 reactive power XX.XXXX kvar
 *   0206FF00 power factors X.XXX     0001FF00 / 0002FF00 forward / reverse
 *                                    active energy XXXXXX.XX kWh
 * mapped to items by the codec's dictionary (U_L1..3, I_L1..3, P,
 * P_L1..3, Q, Q_L1..3, PF, PF_L1..3, AE_IMP, AE_EXP with tariffs).
 *
 * The data time of each value is the master station's time when the reply
 * of its block arrived, to the second: a 645 read reply carries no time,
 * the DTU is a transparent channel with no clock of its own, and the
 * master's clock is the synchronised one (a meter's clock drifts until a
 * broadcast time set corrects it, which is why the daily freeze checks it
 * and a realtime value should not depend on it). Reading the meter's clock
 * 0400010C as well would cost another round trip on the slowest channel
 * the station has, for a time that is worse. The collector keeps the time
 * off the freezes' keys (realtime_time.c).
 */
#include "collect_int.h"
#include "meterhub/base/err.h"
#include "meterhub/fep.h"
#include "meterhub/proto/dlt645.h"

/* The blocks, in the order they are read: the energy registers last, as the 698.45 list. */
static const uint32_t rt645_di[] = {0x0201FF00u, 0x0202FF00u, 0x0203FF00u, 0x0204FF00u,
                                    0x0206FF00u, 0x0001FF00u, 0x0002FF00u};
#define N_DI (sizeof rt645_di / sizeof rt645_di[0])

/* Two bits, as 698.45's realtime task: the import total and the other values (value_at). */
const struct ctask_kind ctask_dlt645_realtime = {STORE_CLASS_REALTIME, {0x0010, 0x0020}, 2, 0, 0, 0, 0};

unsigned ctask_dlt645_realtime_last(void)
{
    return (unsigned)N_DI - 1;
}

uint32_t ctask_dlt645_realtime_di(unsigned step)
{
    return step < N_DI ? rt645_di[step] : 0;
}

int ctask_dlt645_realtime_request(struct mh_wr *w, const uint8_t addr[6], unsigned step)
{
    if (step >= N_DI)
        return MH_ERANGE;
    return dlt645_enc_read(w, addr, DLT645_2007, rt645_di[step]);
}

int ctask_dlt645_realtime_parse(const uint8_t *frame, size_t len, const uint8_t addr[6],
                                unsigned step, uint16_t pn, ctask_value_fn fn, void *ctx)
{
    if (step >= N_DI)
        return MH_ERANGE;
    return ctask_now_parse(FEP_PROTO_DLT645, frame, len, addr, rt645_di[step], pn, fn, ctx);
}
