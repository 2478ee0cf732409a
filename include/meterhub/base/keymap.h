/*
 * A small hash map from short byte keys (at most MH_KEYMAP_KEY_MAX bytes) to
 * pointers: terminal address -> session, peer address -> connection count.
 *
 * Open addressing with linear probing and backward-shift deletion, so there
 * are no tombstones and a map that churns (terminals reconnecting all day)
 * never degrades. Keys are copied into the table; values are borrowed. The
 * table doubles when half full and never shrinks below its largest size
 * (a front end's terminal count is stable). Not thread-safe: one per loop.
 */
#ifndef MH_BASE_KEYMAP_H
#define MH_BASE_KEYMAP_H

#include <stddef.h>
#include <stdint.h>

#define MH_KEYMAP_KEY_MAX 32

struct mh_keymap_ent {
    void *val;   /* NULL: empty slot */
    uint32_t hash;
    uint8_t klen;
    uint8_t key[MH_KEYMAP_KEY_MAX];
};

struct mh_keymap {
    struct mh_keymap_ent *ents;
    size_t cap; /* 0 or a power of two */
    size_t n;
};

void mh_keymap_init(struct mh_keymap *m);

/* Free the table (not the values). The map is empty and reusable after. */
void mh_keymap_release(struct mh_keymap *m);

/* The value stored under key, or NULL. */
void *mh_keymap_get(const struct mh_keymap *m, const void *key, size_t klen);

/*
 * Store val (not NULL) under key, replacing any value there. Returns 0,
 * MH_EINVAL (key too long or val NULL) or MH_ENOMEM (the map is unchanged).
 */
int mh_keymap_set(struct mh_keymap *m, const void *key, size_t klen, void *val);

/* Remove key. Returns 0 or MH_ENOENT. */
int mh_keymap_del(struct mh_keymap *m, const void *key, size_t klen);

#endif
