/*
 * Private to the 1376.1 terminal (term_gdw1376*.c): one reply being built
 * and cut into frames, and the command handlers kept in their own file.
 * Callbacks run on the sim_net loop thread only (term.h).
 */
#ifndef MH_SIM_TERM_GDW1376_INT_H
#define MH_SIM_TERM_GDW1376_INT_H

#include "meterhub/proto/gdw1376.h"
#include "meterhub/proto/gdw1376_afn.h"
#include "term.h"

#define UNITS_PER_FRAME 1024u  /* data-unit bytes per reply frame before a new frame starts */
#define UNIT_MAX 1600u         /* one data unit: DA DT + curve label + 255 points x 5 bytes */

/* Uplink control fields (5.2.2.1): DIR=1, PRM=0 and the function code. */
#define C_UP_CONFIRM 0x80 /* 0: confirm */
#define C_UP_DATA 0x88    /* 8: response with user data */
#define C_UP_NODATA 0x89  /* 9: deny, no data requested */

struct reply {
    const struct scenario *s;
    const struct sim_terminal *t;
    struct sim_emit *em;
    const struct gdw1376_frame *req;
    int64_t now;
    uint8_t afn;
    uint8_t frames;   /* frames sent so far */
    size_t len;       /* pending data units */
    uint8_t buf[UNITS_PER_FRAME + UNIT_MAX];
};

/* Emit the pending units as one frame (c, afn; fin: the last frame). */
void gdw_reply_emit(struct reply *r, uint8_t c, uint8_t afn, int fin);
/* Append one data unit; a full frame goes out first (not the last: no FIN). */
void gdw_reply_unit(struct reply *r, const uint8_t *unit, size_t n);
/* AFN00 F1 (all confirmed) or F2 (all denied / no data) on p0. */
void gdw_reply_ack(struct reply *r, int deny);
/* F1 when every item was done, F2 when none was, else F3 with each item's result. */
void gdw_reply_items(struct reply *r, const struct gdw1376_ack_item *items, size_t n, int denied);

/* term_gdw1376_cmd.c: AFN05 control, AFN04 parameter download, AFN0A read-back. */
void gdw_on_control(struct reply *r, int64_t now);
void gdw_on_param_set(struct reply *r);
void gdw_on_param_query(struct reply *r);

#endif
