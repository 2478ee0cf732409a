/*
 * Transformer-area line loss and theft suspects (docs/app-lineloss.md).
 */
#include <math.h>
#include <string.h>

#include "meterhub/app/lineloss.h"
#include "meterhub/base/err.h"

static const struct lineloss_config defaults = {
    .negative_rate = -0.01,
    .high_rate = 0.10,
    .change_rate = 0.03,
    .min_supply_kwh = 1.0,
    .unregistered_min_kwh = 0.5,
};

void lineloss_config_default(struct lineloss_config *c)
{
    *c = defaults;
}

/*
 * How well a user's drop explains the rise of the loss: the drop itself,
 * less twice what it exceeds the rise by (a user who fell by far more than
 * went missing is on holiday, not stealing the difference).
 */
static double explains(double drop, double rise)
{
    if (drop <= 0 || rise <= 0)
        return -INFINITY;
    return drop > rise ? drop - 2 * (drop - rise) : drop;
}

/* Measured - registered net of a user, 0 when unknown or within noise. */
static double unregistered(const struct lineloss_config *c, const struct lineloss_user *u)
{
    if (isnan(u->measured_kwh) || u->import_kwh < 0)
        return 0;
    double m = u->measured_kwh - (u->import_kwh - u->export_kwh);
    return m >= c->unregistered_min_kwh ? m : 0;
}

static void rank(const struct lineloss_config *c, const struct lineloss_user *u, size_t n,
                 double rise, struct lineloss_result *out)
{
    double score[LINELOSS_SUSPECTS];
    out->n_suspects = 0;
    for (size_t i = 0; i < n; i++) {
        if (u[i].import_kwh < 0)
            continue;
        double drop = u[i].history_kwh < 0
                          ? 0
                          : u[i].history_kwh - (u[i].import_kwh - u[i].export_kwh);
        double s = explains(drop, rise), unreg = unregistered(c, &u[i]);
        if (!isnan(u[i].measured_kwh)) {
            /* the meter's own samples say whether the drop went missing or was never used */
            s = unreg > 0 ? unreg : -INFINITY;
            drop = unreg;
        }
        if (s == -INFINITY || s <= 0)
            continue;
        size_t k = out->n_suspects;
        while (k > 0 && score[k - 1] < s) {
            if (k < LINELOSS_SUSPECTS) {
                score[k] = score[k - 1];
                out->suspects[k] = out->suspects[k - 1];
                out->suspect_drop_kwh[k] = out->suspect_drop_kwh[k - 1];
            }
            k--;
        }
        if (k < LINELOSS_SUSPECTS) {
            score[k] = s;
            out->suspects[k] = u[i].meter;
            out->suspect_drop_kwh[k] = drop;
            if (out->n_suspects < LINELOSS_SUSPECTS)
                out->n_suspects++;
        }
    }
}

int lineloss_area_day(const struct lineloss_config *c, double supply_import_kwh,
                      double supply_export_kwh, const struct lineloss_user *users, size_t n,
                      double history_rate, struct lineloss_result *out)
{
    if (!c || !out || (n && !users))
        return MH_EINVAL;
    memset(out, 0, sizeof *out);
    out->supply_kwh = supply_import_kwh - supply_export_kwh;
    for (size_t i = 0; i < n; i++) {
        out->unregistered_kwh += unregistered(c, &users[i]);
        if (users[i].import_kwh < 0) {
            out->flags |= LINELOSS_INCOMPLETE;
            continue;
        }
        out->users_kwh += users[i].import_kwh - users[i].export_kwh;
    }
    out->loss_kwh = out->supply_kwh - out->users_kwh;
    out->rise_kwh = isnan(history_rate) ? NAN : out->loss_kwh - history_rate * out->supply_kwh;
    if (out->supply_kwh >= c->min_supply_kwh) {
        out->rate = out->loss_kwh / out->supply_kwh;
        if (out->rate < c->negative_rate)
            out->flags |= LINELOSS_NEGATIVE;
        if (out->rate > c->high_rate)
            out->flags |= LINELOSS_HIGH;
        if (!isnan(history_rate) && fabs(out->rate - history_rate) > c->change_rate)
            out->flags |= LINELOSS_SUDDEN;
    }
    if ((!isnan(out->rise_kwh) && out->rise_kwh > 0) || out->unregistered_kwh > 0)
        rank(c, users, n, isnan(out->rise_kwh) ? 0 : out->rise_kwh, out);
    return 0;
}
