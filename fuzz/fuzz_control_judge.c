/*
 * The control path's reply judges on arbitrary bytes: every kind, every
 * step, both protocols, as the fep would hand a terminal's reply over. A
 * judge reads only through the codecs' bounded readers and must return
 * one of its verdicts whatever it is given.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control_int.h"
#include "meterhub/archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ccmd cmd;
    static struct cjob job;
    char detail[128];
    /* the first byte picks the kind and turn / group, the rest is the reply */
    if (size < 1)
        return 0;
    int kind = 1 + data[0] % (CONTROL_KIND_COUNT_ - 1);
    memset(&cmd, 0, sizeof cmd);
    memset(&job, 0, sizeof job);
    cmd.kind = kind;
    cmd.k = ckind_of(kind);
    job.cmd = &cmd;
    job.tg.pn = cmd.k->target == CT_TERMINAL ? 0 : (uint16_t)(1 + (data[0] >> 5));
    for (int proto = 0; proto < 2; proto++) {
        const struct cproto *p = proto ? &cproto_dlt698 : &cproto_gdw1376;
        job.term.protocol = proto ? ARCHIVE_PROTO_DLT698 : ARCHIVE_PROTO_GDW1376;
        for (int step = CSTEP_PRE; step < CSTEP_END; step++) {
            int v = p->judge(&job, step, data + 1, size - 1, 1795523415000LL, 480, detail, sizeof detail);
            if (v < CJ_OK || v > CJ_BAD || memchr(detail, 0, sizeof detail) == NULL)
                abort();
        }
    }
    return 0;
}
