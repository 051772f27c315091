#include "util/json.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/mem.h"

void cleanup_json_decrefp(json_t **j)
{
    if (*j)
        json_decref(*j);
}

const char *json_get_str(const json_t *obj, const char *key, const char *dflt)
{
    json_t *v = json_object_get(obj, key);

    return json_is_string(v) ? json_string_value(v) : dflt;
}

int64_t json_get_int(const json_t *obj, const char *key, int64_t dflt)
{
    json_t *v = json_object_get(obj, key);

    if (json_is_integer(v))
        return json_integer_value(v);
    if (json_is_real(v))
        return (int64_t)json_real_value(v);
    return dflt;
}

bool json_get_bool(const json_t *obj, const char *key, bool dflt)
{
    json_t *v = json_object_get(obj, key);

    return json_is_boolean(v) ? json_is_true(v) : dflt;
}

int json_opt_str(const json_t *obj, const char *key, const char **out)
{
    json_t *v = json_object_get(obj, key);

    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return -1;
    *out = json_string_value(v);
    return 1;
}

int json_opt_int(const json_t *obj, const char *key, int64_t *out)
{
    json_t *v = json_object_get(obj, key);

    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v))
        return -1;
    *out = json_integer_value(v);
    return 1;
}

int json_opt_bool(const json_t *obj, const char *key, bool *out)
{
    json_t *v = json_object_get(obj, key);

    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v))
        return -1;
    *out = json_is_true(v);
    return 1;
}

json_t *json_strv(char *const *v)
{
    json_t *arr = json_array();

    for (size_t i = 0; v && v[i]; i++)
        json_array_append_new(arr, json_string(v[i]));
    return arr;
}

char **json_to_strv(const json_t *arr)
{
    char **out;
    size_t n = 0;
    size_t i;
    json_t *v;

    if (!json_is_array(arr))
        return NULL;
    out = xcalloc(json_array_size(arr) + 1, sizeof(char *));
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v))
            out[n++] = xstrdup(json_string_value(v));
    }
    return out;
}

char *json_dumps_compact(const json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);

    return s ? s : xstrdup("null");
}

char *json_time_format(int64_t sec, long nsec)
{
    char buf[64];
    char frac[24] = "";
    struct tm tm;
    time_t t = (time_t)sec;

    if (sec <= -62135596800LL)
        return xstrdup("0001-01-01T00:00:00Z");
    gmtime_r(&t, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
    if (nsec > 0) {
        int len;

        /* Go trims trailing zeros of the fraction. */
        snprintf(frac, sizeof(frac), ".%09ld", nsec);
        len = (int)strlen(frac);
        while (len > 1 && frac[len - 1] == '0')
            frac[--len] = '\0';
    }
    return xasprintf("%s%sZ", buf, frac);
}

int json_time_parse(const char *s, int64_t *sec, long *nsec)
{
    struct tm tm = {0};
    const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    long frac = 0;
    int digits = 0;
    long off = 0;

    if (!p)
        return -1;
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++) {
            if (digits < 9) {
                frac = frac * 10 + (*p - '0');
                digits++;
            }
        }
        while (digits < 9) {
            frac *= 10;
            digits++;
        }
    }
    if (*p == '+' || *p == '-') {
        int hh = 0;
        int mm = 0;

        if (sscanf(p + 1, "%d:%d", &hh, &mm) != 2)
            return -1;
        off = (hh * 3600L + mm * 60L) * (*p == '-' ? -1 : 1);
    } else if (*p != 'Z') {
        return -1;
    }
    *sec = (int64_t)timegm(&tm) - off;
    *nsec = frac;
    return 0;
}
