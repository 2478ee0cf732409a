/*
 * The normalized data vocabulary every codec maps into.
 *
 * An item is an OBIS code A-B:C.D.E (IEC 62056-61) packed into a uint32 by
 * MH_OBIS() (A 0..7 and B 0..15: meterhub uses A = 0 abstract and A = 1
 * electricity, B = 0), so it fits an int enum and a 4-byte column; F is
 * not part of it (a stored reading says when it applies by
 * its data time, not by F). Where OBIS has no code meterhub uses its
 * manufacturer-specific range C = 128..199, listed in items.def and
 * docs/items.md. Each item has one canonical unit: codecs convert (DL/T
 * 698.45 sends power in W with scaler -1; the item is in kW).
 *
 * Energy and demand registers take the tariff in E: E = 0 total, E = 1..63
 * tariff n (1.0.1.8.2 = import active energy, tariff 2). Only E = 0 is in
 * the table; mh_item_lookup() answers for the tariffs from that entry.
 */
#ifndef MH_PROTO_ITEM_H
#define MH_PROTO_ITEM_H

#include <stddef.h>
#include <stdint.h>

#define MH_OBIS(a, b, c, d, e)                                                                 \
    ((uint32_t)(a) << 28 | (uint32_t)(b) << 24 | (uint32_t)(c) << 16 | (uint32_t)(d) << 8 |    \
     (uint32_t)(e))
#define MH_OBIS_A(x) ((unsigned)((x) >> 28) & 0x7)
#define MH_OBIS_B(x) ((unsigned)((x) >> 24) & 0xF)
#define MH_OBIS_C(x) ((unsigned)((x) >> 16) & 0xFF)
#define MH_OBIS_D(x) ((unsigned)((x) >> 8) & 0xFF)
#define MH_OBIS_E(x) ((unsigned)(x) & 0xFF)
/* Same item, tariff t (0 = total). */
#define MH_OBIS_TARIFF(x, t) (((x) & ~(uint32_t)0xFF) | (uint32_t)((t) & 0xFF))

#define MH_UNIT_MAP(X)                                                                         \
    X(NONE, "")                                                                                \
    X(KWH, "kWh")                                                                              \
    X(KVARH, "kvarh")                                                                          \
    X(KVAH, "kVAh")                                                                            \
    X(KW, "kW")                                                                                \
    X(KVAR, "kvar")                                                                            \
    X(KVA, "kVA")                                                                              \
    X(V, "V")                                                                                  \
    X(A, "A")                                                                                  \
    X(HZ, "Hz")                                                                                \
    X(DEG, "deg")                                                                              \
    X(CELSIUS, "degC")                                                                         \
    X(PERCENT, "%")                                                                            \
    X(S, "s")                                                                                  \
    X(MIN, "min")                                                                              \
    X(IMP_KWH, "imp/kWh")                                                                      \
    X(IMP_KVARH, "imp/kvarh")                                                                  \
    X(YUAN, "CNY")                                                                             \
    X(COUNT, "count")                                                                          \
    X(BYTES, "B")                                                                              \
    X(DBM, "dBm")

enum mh_unit {
#define MH_UNIT_ENUM(sym, text) MH_UNIT_##sym,
    MH_UNIT_MAP(MH_UNIT_ENUM)
#undef MH_UNIT_ENUM
        MH_UNIT_COUNT_
};

/* "kWh" for MH_UNIT_KWH; "" for none or out of range. */
const char *mh_unit_name(enum mh_unit u);

enum mh_item_flags {
    MH_ITEM_TARIFFED = 1 << 0, /* E = 1..63 names tariff E of this register */
    MH_ITEM_SIGNED = 1 << 1,   /* may be negative */
    MH_ITEM_TIME = 1 << 2,     /* value is a date-time, not a number */
    MH_ITEM_TEXT = 1 << 3,     /* value is text / an identifier */
    MH_ITEM_BITS = 1 << 4,     /* value is a status bit field */
};

struct mh_item_def {
    uint32_t code;
    const char *sym;  /* C identifier, e.g. "AE_IMP" */
    const char *name; /* English description */
    enum mh_unit unit;
    unsigned flags;
};

/* Symbols for codec tables: MH_ITEM_AE_IMP etc. (the OBIS code itself). */
enum mh_item_code {
#define MH_ITEM(sym, a, b, c, d, e, unit, flags, name) MH_ITEM_##sym = MH_OBIS(a, b, c, d, e),
#include "meterhub/proto/items.def"
#undef MH_ITEM
};

/*
 * Definition of code, or NULL when unknown. For a tariffed register with
 * E = 1..63 the E = 0 entry is returned (its code field is the total's).
 */
const struct mh_item_def *mh_item_lookup(uint32_t code);

/* Every definition, in table order; *n receives the count. */
const struct mh_item_def *mh_item_table(size_t *n);

/* "1.0.1.8.0". Returns length or MH_ENOSPC; 24 bytes always suffice. */
int mh_item_format(uint32_t code, char *buf, size_t cap);

/* Parse "A.B.C.D.E" (also "A-B:C.D.E"). Returns 0 or MH_EINVAL. */
int mh_item_parse(const char *text, uint32_t *code);

#endif
