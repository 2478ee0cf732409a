#include "meterhub/proto/item.h"

#include <stdio.h>
#include <stdlib.h>

#include "meterhub/base/err.h"

static const char *const unit_names[] = {
#define MH_UNIT_NAME(sym, text) text,
    MH_UNIT_MAP(MH_UNIT_NAME)
#undef MH_UNIT_NAME
};

const char *mh_unit_name(enum mh_unit u)
{
    if ((unsigned)u >= MH_UNIT_COUNT_)
        return "";
    return unit_names[u];
}

static const struct mh_item_def item_table[] = {
#define MH_ITEM(sym, a, b, c, d, e, unit, flags, name)                                             \
    {MH_OBIS(a, b, c, d, e), #sym, name, MH_UNIT_##unit, flags},
#include "meterhub/proto/items.def"
#undef MH_ITEM
};

#define ITEM_COUNT (sizeof item_table / sizeof item_table[0])

const struct mh_item_def *mh_item_table(size_t *n)
{
    *n = ITEM_COUNT;
    return item_table;
}

/* Linear search: about a hundred entries, looked up when printing, not per reading. */
static const struct mh_item_def *item_find_exact(uint32_t code)
{
    for (size_t i = 0; i < ITEM_COUNT; i++)
        if (item_table[i].code == code)
            return &item_table[i];
    return NULL;
}

const struct mh_item_def *mh_item_lookup(uint32_t code)
{
    const struct mh_item_def *def = item_find_exact(code);
    if (def)
        return def;
    unsigned e = MH_OBIS_E(code);
    if (e >= 1 && e <= 63) {
        def = item_find_exact(MH_OBIS_TARIFF(code, 0));
        if (def && (def->flags & MH_ITEM_TARIFFED))
            return def;
    }
    return NULL;
}

int mh_item_format(uint32_t code, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%u.%u.%u.%u.%u", MH_OBIS_A(code), MH_OBIS_B(code),
                     MH_OBIS_C(code), MH_OBIS_D(code), MH_OBIS_E(code));
    if (n < 0 || (size_t)n >= cap)
        return MH_ENOSPC;
    return n;
}

int mh_item_parse(const char *text, uint32_t *code)
{
    unsigned long part[5];
    const char *s = text;
    for (int i = 0; i < 5; i++) {
        char *end;
        if (*s < '0' || *s > '9')
            return MH_EINVAL;
        part[i] = strtoul(s, &end, 10);
        if (part[i] > (i == 0 ? 7ul : i == 1 ? 15ul : 255ul))
            return MH_EINVAL;
        s = end;
        if (i < 4) {
            char want = i == 0 ? '-' : (i == 1 ? ':' : '.');
            if (*s != '.' && *s != want)
                return MH_EINVAL;
            s++;
        }
    }
    if (*s != '\0')
        return MH_EINVAL;
    *code = MH_OBIS(part[0], part[1], part[2], part[3], part[4]);
    return 0;
}
