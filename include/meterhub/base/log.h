/*
 * Logging: one line per event on stderr (or a file set by mh_log_open),
 * "2026-11-24T02:40:00.123Z level module: text". Thread-safe: one write(2)
 * per line. Library code logs through here, never printf.
 */
#ifndef MH_BASE_LOG_H
#define MH_BASE_LOG_H

enum mh_log_level { MH_LOG_DEBUG, MH_LOG_INFO, MH_LOG_WARN, MH_LOG_ERROR, MH_LOG_OFF };

/* Lines below level are dropped. Default MH_LOG_INFO, or MH_LOG from the environment. */
void mh_log_set_level(enum mh_log_level level);
enum mh_log_level mh_log_get_level(void);

/* Parse "debug", "info", "warn", "error", "off"; returns -1 when unknown. */
int mh_log_level_parse(const char *name);

void mh_log(enum mh_log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define mh_debug(mod, ...) mh_log(MH_LOG_DEBUG, mod, __VA_ARGS__)
#define mh_info(mod, ...) mh_log(MH_LOG_INFO, mod, __VA_ARGS__)
#define mh_warn(mod, ...) mh_log(MH_LOG_WARN, mod, __VA_ARGS__)
#define mh_error(mod, ...) mh_log(MH_LOG_ERROR, mod, __VA_ARGS__)

#endif
