#include "meterhub/base/keymap.h"

#include <stdlib.h>
#include <string.h>

#include "meterhub/base/err.h"

/* FNV-1a: keys are short addresses; the table's quality matters less than its cost. */
static uint32_t key_hash(const uint8_t *k, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ k[i]) * 16777619u;
    return h;
}

void mh_keymap_init(struct mh_keymap *m)
{
    m->ents = NULL;
    m->cap = 0;
    m->n = 0;
}

void mh_keymap_release(struct mh_keymap *m)
{
    free(m->ents);
    mh_keymap_init(m);
}

static int ent_is(const struct mh_keymap_ent *e, uint32_t h, const void *key, size_t klen)
{
    return e->hash == h && e->klen == klen && memcmp(e->key, key, klen) == 0;
}

/* Slot holding key, or the empty slot where it would go. cap > 0. */
static size_t find_slot(const struct mh_keymap *m, uint32_t h, const void *key, size_t klen)
{
    size_t mask = m->cap - 1, i = h & mask;
    while (m->ents[i].val && !ent_is(&m->ents[i], h, key, klen))
        i = (i + 1) & mask;
    return i;
}

void *mh_keymap_get(const struct mh_keymap *m, const void *key, size_t klen)
{
    if (m->cap == 0 || klen > MH_KEYMAP_KEY_MAX)
        return NULL;
    return m->ents[find_slot(m, key_hash(key, klen), key, klen)].val;
}

static int grow(struct mh_keymap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 16;
    struct mh_keymap_ent *ents = calloc(cap, sizeof *ents);
    if (!ents)
        return MH_ENOMEM;
    struct mh_keymap old = *m;
    m->ents = ents;
    m->cap = cap;
    for (size_t i = 0; i < old.cap; i++) {
        const struct mh_keymap_ent *e = &old.ents[i];
        if (e->val)
            m->ents[find_slot(m, e->hash, e->key, e->klen)] = *e;
    }
    free(old.ents);
    return 0;
}

int mh_keymap_set(struct mh_keymap *m, const void *key, size_t klen, void *val)
{
    if (klen > MH_KEYMAP_KEY_MAX || !val)
        return MH_EINVAL;
    if ((m->n + 1) * 2 > m->cap && grow(m) != 0)
        return MH_ENOMEM;
    uint32_t h = key_hash(key, klen);
    struct mh_keymap_ent *e = &m->ents[find_slot(m, h, key, klen)];
    if (!e->val) {
        m->n++;
        e->hash = h;
        e->klen = (uint8_t)klen;
        memcpy(e->key, key, klen);
    }
    e->val = val;
    return 0;
}

int mh_keymap_del(struct mh_keymap *m, const void *key, size_t klen)
{
    if (m->cap == 0 || klen > MH_KEYMAP_KEY_MAX)
        return MH_ENOENT;
    size_t mask = m->cap - 1, i = find_slot(m, key_hash(key, klen), key, klen);
    if (!m->ents[i].val)
        return MH_ENOENT;
    /* Backward shift: pull later members of the probe run into the hole. */
    for (size_t j = (i + 1) & mask; m->ents[j].val; j = (j + 1) & mask) {
        size_t home = m->ents[j].hash & mask;
        int movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
        if (movable) {
            m->ents[i] = m->ents[j];
            i = j;
        }
    }
    m->ents[i].val = NULL;
    m->n--;
    return 0;
}
