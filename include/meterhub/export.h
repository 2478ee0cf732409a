/*
 * Exports for other utility systems (billing, marketing): one local day of
 * a store as files a consumer reads without knowing meterhub's database
 * (layout: docs/export.md).
 *
 * A file is written whole or not at all: into a temporary name beside its
 * final one, flushed to disk (fsync), then renamed over it and the
 * directory synced, so a consumer that polls the directory never reads a
 * half-written file and an export run again replaces the last one.
 * The same store gives the same bytes: rows are in a fixed order and
 * nothing depends on the time of the export.
 */
#ifndef MH_EXPORT_H
#define MH_EXPORT_H

#include <stddef.h>
#include <stdint.h>

struct store;

enum export_what {
    EXPORT_READINGS = 0, /* daily frozen registers per meter (freeze at the end of the day) */
    EXPORT_EVENTS,       /* events that started during the day */
    EXPORT_COLLECTION,   /* the collection status of every meter for the day */
    EXPORT_WHAT_COUNT_
};

enum export_format { EXPORT_CSV = 0, EXPORT_JSON };

struct export_req {
    int64_t day;            /* local day number (days since 1970-01-01 of the local date) */
    int16_t utc_offset_min; /* the local time of day boundaries (480: China Standard Time) */
    enum export_what what;
    enum export_format format;
    const char *dir;        /* the export root; DIR/YYYY-MM-DD/ is created */
};

/* "readings", "events", "collection"; -1 from the parse for another word. */
const char *export_what_name(enum export_what w);
int export_what_parse(const char *text);

/*
 * Write DIR/YYYY-MM-DD/<what>.<csv|json> from st. Returns the number of
 * rows written, or MH_EINVAL, MH_EIO (a file or directory could not be
 * written; nothing replaced), MH_ENOMEM or the store's error; err (may be
 * NULL) says why. path (may be NULL) receives the file written.
 */
int export_run(struct store *st, const struct export_req *r, char *path, size_t path_cap,
               char *err, size_t err_cap);

#endif
