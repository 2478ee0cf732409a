/*
 * The command path of a meter's own relay (control.h CONTROL_METER_*): a
 * residential meter behind a concentrator (or alone behind a DTU) trips,
 * closes and keeps power on its own DL/T 645-2007 remote control (7.10),
 * which its terminal forwards (meter_frame.c). The steps are the engine's:
 *   PRE   (meter_trip) read status word 3; keep-power on ──► REFUSED
 *   CMD   0x1C with N1; the meter's 0x9C confirms, 0xDC + ERR denies
 *   READ  status word 3 again: bit 4 (relay open) must say what was
 *         commanded (bit 6, the command state, for an allow-close 1B,
 *         whose relay stays open until the customer presses the button);
 *         bit 12 for keep-power
 * A forward the meter never answered is UNCONFIRMED, never DONE.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/dlt645.h"
#include "control_int.h"

#define DEFAULT_VALID_MIN 5 /* the command's validity, as a 1376.1 command's Tp */

int control_meter_resolve(struct store *st, struct cjob *j)
{
    int rc = store_meter_get(st, j->tg.meter, &j->meter);
    if (rc != 0)
        return rc;
    if (!j->meter.active || j->meter.terminal <= 0 || j->meter.pn < 0)
        return MH_ENOENT; /* no terminal reads it: nothing can forward the command */
    if (j->meter.protocol != ARCHIVE_PROTO_DLT645_2007)
        return MH_ENOTSUP; /* the remote control of 645-1997 and of 698.45 meters is not carried */
    rc = store_terminal_get(st, j->meter.terminal, &j->term);
    if (rc != 0)
        return rc;
    if (j->term.protocol != ARCHIVE_PROTO_GDW1376 && j->term.protocol != ARCHIVE_PROTO_DLT698 &&
        j->term.protocol != ARCHIVE_PROTO_DLT645_2007)
        return MH_ENOTSUP;
    j->tg.terminal = j->meter.terminal;
    j->tg.pn = (uint16_t)j->meter.pn;
    snprintf(j->addr, sizeof j->addr, "%s", j->term.address);
    return 0;
}

static int link_of(const struct cjob *j, struct meter_link *l)
{
    char text[24];
    memset(l, 0, sizeof *l);
    l->proto = j->term.protocol;
    l->concentrator = j->term.kind == ARCHIVE_KIND_CONCENTRATOR;
    snprintf(l->addr, sizeof l->addr, "%s", j->addr);
    snprintf(text, sizeof text, "%012" PRIu64, j->meter.address);
    return strlen(text) == 12 && dlt645_addr_parse(text, l->maddr) == 0 ? 0 : MH_EBADADDR;
}

static uint8_t n1_of(const struct cjob *j)
{
    if (j->cmd->kind == CONTROL_METER_CLOSE && j->cmd->p.meter.allow_close)
        return DLT645_RC_CLOSE_ALLOWED;
    return (uint8_t)j->cmd->k->fn;
}

static int build(const struct cjob *j, int step, int64_t now_ms, int16_t utc_off, struct mh_wr *w)
{
    struct meter_link l;
    int rc = link_of(j, &l);
    if (rc != 0)
        return rc;
    if (step == CSTEP_PARAMS)
        return 1;
    if (step != CSTEP_CMD)
        return control_meter_status_read(w, &l);
    /* N3..N8: the meter drops the command once its own clock passes this (7.10.1) */
    unsigned valid = j->cmd->p.meter.valid_min ? j->cmd->p.meter.valid_min : DEFAULT_VALID_MIN;
    struct mh_tm until;
    struct dlt645_auth a;
    control_local_tm(now_ms + (int64_t)valid * 60000, utc_off, &until);
    until.has = MH_TM_FULL;
    control_meter_auth(control_config(j->cmd->c), &a);
    return control_meter_command(w, &l, &a, n1_of(j), &until);
}

/* The ERR byte's bits by name ("password wrong, other"). */
static void err_text(uint8_t err, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (unsigned b = 0; b < 8; b++) {
        const char *name = (err >> b) & 1 ? dlt645_err_bit_name(b, DLT645_2007) : NULL;
        if (!name)
            continue;
        int k = snprintf(out + n, n < cap ? cap - n : 0, "%s%s", n ? ", " : "", name);
        if (k > 0)
            n += (size_t)k;
    }
}

static int judge(const struct cjob *j, int step, const uint8_t *frame, size_t len, int64_t now_ms, int16_t utc_off,
                 char *detail, size_t cap)
{
    (void)now_ms, (void)utc_off;
    struct meter_link l;
    struct meter_answer a;
    int rc = link_of(j, &l);
    if (rc == 0)
        rc = control_meter_answer(&l, frame, len, &a);
    switch (rc) {
    case 0: break;
    case MH_ETIMEDOUT:
        snprintf(detail, cap, "the terminal forwarded the %s, the meter did not answer",
                 step == CSTEP_CMD ? "command" : "status word read");
        return CJ_SILENT;
    case MH_EPERM: snprintf(detail, cap, "the terminal refused to forward it"); return CJ_DENIED;
    case MH_EBADADDR: snprintf(detail, cap, "an answer from another meter"); return CJ_BAD;
    default: snprintf(detail, cap, "%s", mh_strerror(rc)); return CJ_BAD;
    }
    uint8_t want = step == CSTEP_CMD ? DLT645_REMOTE_CONTROL : DLT645_READ;
    if (a.func != want) {
        snprintf(detail, cap, "645 function %02X where %02X was expected", a.func, want);
        return CJ_BAD;
    }
    if (a.abnormal) {
        char why[96];
        err_text(a.err, why, sizeof why);
        snprintf(detail, cap, "meter answered %02X, ERR %02X (%s)", 0xC0 | a.func, a.err, why[0] ? why : "?");
        return CJ_DENIED;
    }
    if (step == CSTEP_CMD)
        return CJ_OK;
    if (step == CSTEP_PRE) {
        snprintf(detail, cap, "meter keep-power on (status word 3 %04X)", a.status3);
        return a.status3 & METER_ST3_KEEP_POWER ? CJ_PROTECTED : CJ_OK;
    }
    const struct ckind *k = j->cmd->k;
    uint16_t bit = k->expect == CX_KEEP ? METER_ST3_KEEP_POWER
                   : n1_of(j) == DLT645_RC_CLOSE_ALLOWED ? METER_ST3_TRIP_CMD
                                                          : METER_ST3_RELAY_OPEN;
    int on = (a.status3 & bit) != 0;
    if (on != k->on) {
        snprintf(detail, cap, "status word 3 %04X: %s", a.status3,
                 bit == METER_ST3_KEEP_POWER ? (on ? "keep-power on" : "keep-power off")
                 : bit == METER_ST3_TRIP_CMD ? (on ? "trip still commanded" : "close commanded")
                                             : (on ? "relay open" : "relay closed"));
        return CJ_MISMATCH;
    }
    return CJ_OK;
}

const struct cproto cproto_meter = {build, judge};
