/*
 * Line loss of a transformer area per day: what the area (supply) meter
 * passed minus what its users' meters registered, PV export counted as
 * supply coming back in (a user's net is import - export). Pure: the caller
 * brings each day's consumption (app/metering) and the history; nothing is
 * allocated, read or written here.
 *
 * When the loss rises against the area's own history, the users whose
 * consumption fell by about that much are ranked as suspects: energy that
 * stops being registered at a user still passes the supply meter.
 * Thresholds: docs/app-lineloss.md.
 */
#ifndef MH_APP_LINELOSS_H
#define MH_APP_LINELOSS_H

#include <stddef.h>
#include <stdint.h>

struct lineloss_config {
    double negative_rate;  /* rate below this is "negative" (metering or archive fault) */
    double high_rate;      /* rate above this is "too high" */
    double change_rate;    /* |rate - history median rate| above this is a "sudden change" */
    double min_supply_kwh; /* below this the rate is not judged */
    double unregistered_min_kwh; /* a user's measured - registered net below this is noise */
};

void lineloss_config_default(struct lineloss_config *c);

struct lineloss_user {
    uint32_t meter;
    double import_kwh;  /* the day's import; < 0: unknown */
    double export_kwh;  /* the day's export (PV) */
    double history_kwh; /* median of the user's net over previous days; < 0: unknown */
    double measured_kwh; /* net (import - export) the meter's instantaneous power accounts for
                            (negative: a PV user's net export); NAN: unknown */
};

enum {
    LINELOSS_NEGATIVE = 1 << 0,
    LINELOSS_HIGH = 1 << 1,
    LINELOSS_SUDDEN = 1 << 2,
    LINELOSS_INCOMPLETE = 1 << 3, /* a user's consumption is unknown: the loss is an upper bound */
};

#define LINELOSS_SUSPECTS 3

struct lineloss_result {
    double supply_kwh;
    double users_kwh; /* sum of the users' net */
    double loss_kwh;
    double rate;     /* loss / supply; 0 when supply is below min_supply_kwh */
    double rise_kwh; /* loss - history rate x supply: what went missing beyond the usual; NAN
                        without history */
    unsigned flags;
    size_t n_suspects;
    uint32_t suspects[LINELOSS_SUSPECTS]; /* meters, best explanation first */
    double suspect_drop_kwh[LINELOSS_SUSPECTS]; /* drop, or unregistered energy if larger */
    double unregistered_kwh; /* sum over users of measured - registered net beyond noise */
};

/*
 * One area's day. supply_import/export: the area meter's day (primary kWh).
 * history_rate: median loss rate over previous days (NAN: no history; then
 * no sudden-change flag, no rise and no suspects). Technical loss grows with
 * the load, so the expected loss is the usual rate times today's supply, and
 * suspects are ranked against the rise beyond it. A theft that was already
 * running before the history has no rise to explain: a user whose meter
 * was measured is ranked by the energy it measured but did not register
 * (its drop, if any, was measured too: real consumption), the others by
 * their drop as above. Returns 0 or MH_EINVAL.
 */
int lineloss_area_day(const struct lineloss_config *c, double supply_import_kwh,
                      double supply_export_kwh, const struct lineloss_user *users, size_t n,
                      double history_rate, struct lineloss_result *out);

#endif
