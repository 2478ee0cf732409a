/*
 * Prepayment (meterhub/control.h): balances debited with metered
 * consumption at TOU prices; the urge-fee alarm below the warning
 * threshold, a trip at zero, a close on payment, each through
 * control_submit so every safety rule applies. The account keeps the
 * registers it last settled, so a settlement charges exactly the energy
 * registered since, whenever it runs; a register that went down is never
 * charged (app/metering reports it instead).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "meterhub/proto/item.h"
#include "control_int.h"

#define WHO "prepay"

/* The value of d in units of 10^-4 (kWh x 10^4), truncated. */
static int64_t e4_of(struct mh_dec d)
{
    int64_t m = d.m;
    for (int e = d.exp + 4; e > 0; e--)
        m *= 10;
    for (int e = d.exp + 4; e < 0; e++)
        m /= 10;
    return m;
}

/* The meter's latest registers of tariffs 1..4 and their newest data time: 0 or MH_ENOENT. */
static int registers(struct store *st, int64_t meter, int64_t reg[4], int64_t *t)
{
    *t = 0;
    for (unsigned k = 0; k < 4; k++) {
        struct store_reading r;
        int rc = store_reading_latest(st, meter, MH_OBIS(1, 0, 1, 8, k + 1), &r);
        if (rc != 0)
            return rc;
        reg[k] = e4_of(r.value);
        if (r.t > *t)
            *t = r.t;
    }
    return 0;
}

/*
 * What cuts the meter's supply: a special-transformer terminal's turn 1,
 * or the meter's own relay when it is a DL/T 645-2007 meter behind a
 * concentrator or a DTU (a residential customer; tg->meter set). MH_ENOTSUP
 * for anything else.
 */
static int target_of(struct store *st, int64_t meter, struct control_target *tg, struct store_meter_row *m)
{
    int rc = store_meter_get(st, meter, m);
    if (rc != 0)
        return rc;
    struct store_terminal_row t;
    if (m->terminal <= 0 || store_terminal_get(st, m->terminal, &t) != 0)
        return MH_ENOENT;
    if (t.kind == ARCHIVE_KIND_SPECIAL_TRANSFORMER) {
        *tg = (struct control_target){.terminal = m->terminal, .pn = 1};
        return 0;
    }
    if ((t.kind == ARCHIVE_KIND_CONCENTRATOR || t.kind == ARCHIVE_KIND_DTU) &&
        m->protocol == ARCHIVE_PROTO_DLT645_2007) {
        *tg = (struct control_target){.terminal = m->terminal, .pn = (uint16_t)m->pn, .meter = meter};
        return 0;
    }
    return MH_ENOTSUP;
}

/*
 * Submit kind to the meter's turn (or terminal) with the balance as the
 * reason; the command id, 0 when the target has no such switch, or MH_E*.
 * A meter's own relay takes the trip and close as meter_trip / meter_close
 * (direct close: the supply comes back without the customer's hand); it
 * has no urge-fee alarm on this path.
 */
static int64_t command(struct control *c, int kind, const struct control_target *tg, const struct store_prepay *a)
{
    if (tg->meter > 0) {
        if (kind != CONTROL_TRIP && kind != CONTROL_CLOSE)
            return 0;
        kind = kind == CONTROL_TRIP ? CONTROL_METER_TRIP : CONTROL_METER_CLOSE;
    }
    char reason[128];
    /* The sign apart: a debt under one yuan has a zero quotient (-1 e-4 is "-0.0001", not "0.0001"). */
    int64_t abs_e4 = a->balance_e4 < 0 ? -a->balance_e4 : a->balance_e4;
    snprintf(reason, sizeof reason, "prepayment: meter %" PRId64 " balance %s%" PRId64 ".%04" PRId64 " yuan", a->meter,
             a->balance_e4 < 0 ? "-" : "", abs_e4 / 10000, abs_e4 % 10000);
    struct control_target t = *tg;
    if (kind != CONTROL_TRIP && kind != CONTROL_CLOSE && !t.meter)
        t.pn = 0;
    struct control_request r = {.kind = kind, .who = WHO, .reason = reason, .targets = &t, .n_targets = 1};
    int64_t id = control_submit(c, &r);
    if (id < 0)
        mh_warn("control", "prepayment: %s for meter %" PRId64 " not submitted: %s", control_kind_name(kind),
                a->meter, mh_strerror((int)id));
    return id;
}

int prepay_open(struct control *c, int64_t meter, int64_t balance_e4, int64_t warn_e4)
{
    struct store *st = control_store(c);
    struct control_target tg;
    struct store_meter_row m;
    int rc = target_of(st, meter, &tg, &m);
    if (rc != 0)
        return rc;
    struct store_prepay a = {.meter = meter, .balance_e4 = balance_e4, .warn_e4 = warn_e4,
                             .updated_ms = control_now_ms(c)};
    rc = registers(st, meter, a.reg_e4, &a.settled_t);
    return rc ? rc : store_prepay_put(st, &a);
}

/*
 * Did the account's last command take effect, or is it still under way? A
 * trip refused (protect list, window), denied or unconfirmed is issued
 * again at the next settlement, each attempt a command of its own.
 */
static int last_command_holds(struct control *c, const struct store_prepay *a)
{
    struct store_control cmd;
    struct store_control_target t;
    if (a->command <= 0 || store_control_get(control_store(c), a->command, &cmd) != 0)
        return 0;
    if (cmd.state == STORE_CTL_PENDING || cmd.state == STORE_CTL_SENT)
        return 1;
    return store_control_targets(control_store(c), a->command, &t, 1) == 1 && t.result == STORE_CTR_DONE;
}

/* Switch what the balance calls for: alarm below the threshold, trip at zero. */
static void act_on_debit(struct control *c, struct store_prepay *a, const struct control_target *tg)
{
    int64_t id = 0;
    if (a->balance_e4 <= 0 && (a->state != STORE_PREPAY_CUT || !last_command_holds(c, a))) {
        id = command(c, CONTROL_TRIP, tg, a);
        a->state = STORE_PREPAY_CUT; /* the command's own result says whether the turn opened */
    } else if (a->balance_e4 < a->warn_e4 && a->state == STORE_PREPAY_NORMAL) {
        id = command(c, CONTROL_URGE_ON, tg, a);
        a->state = STORE_PREPAY_WARNED;
    }
    if (id > 0)
        a->command = id;
}

int prepay_settle(struct control *c, int64_t meter)
{
    struct store *st = control_store(c);
    const struct control_cfg *cfg = control_config(c);
    struct store_prepay a;
    struct control_target tg;
    struct store_meter_row m;
    int rc = store_prepay_get(st, meter, &a);
    if (rc == 0)
        rc = target_of(st, meter, &tg, &m);
    int64_t reg[4], t;
    if (rc == 0)
        rc = registers(st, meter, reg, &t);
    if (rc != 0)
        return rc;
    if (t > a.settled_t) {
        int64_t cost = 0;
        for (int k = 0; k < 4; k++) {
            int64_t d = reg[k] - a.reg_e4[k];
            if (d < 0) {
                mh_warn("control", "prepayment: meter %" PRId64 " tariff %d register went down; not charged", meter,
                        k + 1);
                continue; /* the old start stays: the energy is charged once the register is right again */
            }
            /* kWh x 10^4 x CT x PT x yuan/kWh x 10^4 / 10^4 = yuan x 10^4 */
            cost += d * (int64_t)m.ct * (int64_t)m.pt * cfg->price_e4[k] / 10000;
            a.reg_e4[k] = reg[k];
        }
        a.balance_e4 -= cost;
        a.settled_t = t;
    }
    act_on_debit(c, &a, &tg);
    a.updated_ms = control_now_ms(c);
    return store_prepay_put(st, &a);
}

int prepay_topup(struct control *c, int64_t meter, int64_t amount_e4, const char *who, const char *ref)
{
    struct store *st = control_store(c);
    struct store_prepay a;
    struct control_target tg;
    struct store_meter_row m;
    if (amount_e4 <= 0 || !who || !*who)
        return MH_EINVAL;
    int rc = store_prepay_get(st, meter, &a);
    if (rc == 0)
        rc = target_of(st, meter, &tg, &m);
    if (rc == 0)
        rc = store_prepay_payment(st, meter, amount_e4, who, ref, control_now_ms(c));
    if (rc != 0)
        return rc;
    a.balance_e4 += amount_e4;
    int64_t id = 0;
    if (a.state == STORE_PREPAY_CUT && a.balance_e4 > 0) {
        id = command(c, CONTROL_CLOSE, &tg, &a);
        a.state = STORE_PREPAY_WARNED; /* the alarm is still on until the balance clears the threshold */
    }
    if (a.state == STORE_PREPAY_WARNED && a.balance_e4 >= a.warn_e4) {
        int64_t off = command(c, CONTROL_URGE_OFF, &tg, &a);
        id = id > 0 ? id : off;
        a.state = STORE_PREPAY_NORMAL;
    }
    if (id > 0)
        a.command = id;
    a.updated_ms = control_now_ms(c);
    return store_prepay_put(st, &a);
}
