/* conmon's k8s-file log: one record a line,
 * "<RFC 3339 time with offset> <stdout|stderr> <F|P> <bytes>". */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/runtime.h"

static int parse_digits(const char *s, size_t n, int *out)
{
    int v = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* The fraction and the zone after "YYYY-MM-DDTHH:MM:SS". */
static int parse_tail(const char *s, size_t len, long *nsec, int *offset)
{
    size_t i = 0;
    long frac = 0;
    int digits = 0, hh = 0, mm = 0;

    if (i < len && s[i] == '.') {
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++)
            if (digits < 9)
                frac = frac * 10 + (s[i] - '0');
        for (; digits < 9; digits++)
            frac *= 10;
    }
    *nsec = frac;
    if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
        *offset = 0;
        return i + 1 == len ? 0 : -1;
    }
    if (len - i != 6 || (s[i] != '+' && s[i] != '-') || s[i + 3] != ':' ||
        parse_digits(s + i + 1, 2, &hh) < 0 || parse_digits(s + i + 4, 2, &mm) < 0)
        return -1;
    *offset = (hh * 60 + mm) * 60 * (s[i] == '-' ? -1 : 1);
    return 0;
}

int runtime_time_parse(const char *s, size_t len, int64_t *sec, long *nsec)
{
    struct tm tm = {0};
    int y, mo, d, h, mi, se, offset = 0;

    if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
        s[16] != ':')
        return -1;
    if (parse_digits(s, 4, &y) < 0 || parse_digits(s + 5, 2, &mo) < 0 ||
        parse_digits(s + 8, 2, &d) < 0 || parse_digits(s + 11, 2, &h) < 0 ||
        parse_digits(s + 14, 2, &mi) < 0 || parse_digits(s + 17, 2, &se) < 0)
        return -1;
    if (parse_tail(s + 19, len - 19, nsec, &offset) < 0)
        return -1;

    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    *sec = (int64_t)timegm(&tm) - offset;
    return 0;
}

int runtime_log_parse(const char *line, size_t len, struct runtime_log_entry *out)
{
    const char *end = line + len;
    const char *sp1 = memchr(line, ' ', len);
    const char *p;

    if (!sp1 || runtime_time_parse(line, (size_t)(sp1 - line), &out->sec, &out->nsec) < 0)
        return -1;
    p = sp1 + 1;
    if (end - p >= 7 && !memcmp(p, "stdout ", 7))
        out->stream = RUNTIME_STDOUT;
    else if (end - p >= 7 && !memcmp(p, "stderr ", 7))
        out->stream = RUNTIME_STDERR;
    else
        return -1;
    p += 7;
    if (end - p < 1 || (*p != 'F' && *p != 'P'))
        return -1;
    out->partial = *p == 'P';
    p++;
    if (p < end && *p == ' ')
        p++;
    out->data = p;
    out->len = (size_t)(end - p);
    return 0;
}

/* A size as the docker CLI's units package reads it: decimal multiples,
 * an optional "i" and "b" after the unit ("1k", "10MB", "1.5m"). */
static int parse_human_size(const char *s, int64_t *out)
{
    static const char units[] = "kmgtp";
    char *end;
    double v = strtod(s, &end);
    const char *u;
    double mult = 1;

    if (end == s || *s < '0' || *s > '9')
        return -1;
    if (*end == ' ')
        end++;
    if (*end && (u = strchr(units, tolower((unsigned char)*end)))) {
        for (long i = 0; i <= u - units; i++)
            mult *= 1000;
        end++;
    }
    if (*end == 'i' || *end == 'I')
        end++;
    if (*end == 'b' || *end == 'B')
        end++;
    if (*end)
        return -1;
    *out = (int64_t)(v * mult);
    return 0;
}

static int parse_max_file(const char *s, int64_t *out, struct berr *err)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (!*s || *end || errno)
        return berr_invalid(err, "strconv.Atoi: parsing \"%s\": invalid syntax", s);
    if (v < 1)
        return berr_invalid(err, "max-file cannot be less than 1");
    *out = v;
    return 0;
}

int runtime_log_opts_check(const json_t *opts, int64_t *size_max, struct berr *err)
{
    static const char *const known[] = {"max-file",  "max-size",     "compress",
                                        "labels",    "labels-regex", "env",
                                        "env-regex", "tag",          NULL};
    const char *size = json_string_value(json_object_get(opts, "max-size"));
    const char *files = json_string_value(json_object_get(opts, "max-file"));
    int64_t bytes = -1, n = 1;
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)opts, key, v)
    {
        size_t i = 0;

        while (known[i] && strcmp(known[i], key))
            i++;
        if (!known[i])
            return berr_invalid(err, "unknown log opt '%s' for json-file log driver", key);
    }
    if (size && parse_human_size(size, &bytes) < 0)
        return berr_invalid(err, "invalid size: '%s'", size);
    if (size && bytes <= 0)
        return berr_invalid(err, "max-size must be a positive number");
    if (files && parse_max_file(files, &n, err) < 0)
        return -1;
    *size_max = bytes > 0 ? bytes * n : -1;
    return 0;
}
