#include "meterhub/base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_level = -1; /* -1: not yet read from the environment */

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

int mh_log_level_parse(const char *name)
{
    for (int i = 0; i <= MH_LOG_OFF; i++)
        if (name && strcmp(name, level_names[i]) == 0)
            return i;
    return -1;
}

void mh_log_set_level(enum mh_log_level level)
{
    log_level = (int)level;
}

enum mh_log_level mh_log_get_level(void)
{
    if (log_level < 0) {
        int env = mh_log_level_parse(getenv("MH_LOG"));
        log_level = env >= 0 ? env : MH_LOG_INFO;
    }
    return (enum mh_log_level)log_level;
}

void mh_log(enum mh_log_level level, const char *module, const char *fmt, ...)
{
    if (level < mh_log_get_level() || level >= MH_LOG_OFF)
        return;
    char line[1024];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, level_names[level], module);
    if (n < 0 || (size_t)n >= sizeof line)
        return;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2)
        len = sizeof line - 2; /* truncated line: keep what fits */
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w; /* nowhere left to report a failed log write */
}
