#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

enum log_level log_current_level = LOG_LEVEL_INFO;

static const char *const level_names[] = {"debug", "info", "warning", "error", "fatal"};

void log_set_level(enum log_level level)
{
    log_current_level = level;
}

int log_level_parse(const char *name)
{
    if (!strcasecmp(name, "warn"))
        return LOG_LEVEL_WARN;
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
        if (!strcasecmp(name, level_names[i]))
            return (int)i;
    return -1;
}

void log_write(enum log_level level, const char *fmt, ...)
{
    char stamp[40];
    struct timespec ts;
    struct tm tm;
    va_list ap;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);

    /* One fprintf per line under the stream lock, so threads never
     * interleave inside a line. */
    flockfile(stderr);
    fprintf(stderr, "time=\"%s.%06ldZ\" level=%s msg=\"", stamp, ts.tv_nsec / 1000,
            level_names[level]);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\"\n", stderr);
    funlockfile(stderr);
}
