#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api-internal.h"
#include "api/api.h"
#include "util/json.h"
#include "util/mem.h"

int api_version_number(const char *s)
{
    int major;
    int minor;
    char tail;

    if (sscanf(s, "%d.%d%c", &major, &minor, &tail) != 2 || major < 0 || minor < 0 || minor > 99)
        return -1;
    return major * 100 + minor;
}

int api_check_version(const char *text, int version, struct berr *err)
{
    if (version > api_version_number(API_VERSION_MAX))
        return berr_invalid(err,
                            "client version %s is too new. Maximum supported API version is %s",
                            text, API_VERSION_MAX);
    if (version < api_version_number(API_VERSION_MIN))
        return berr_invalid(err,
                            "client version %s is too old. Minimum supported API version is %s, "
                            "please upgrade your client to a newer version",
                            text, API_VERSION_MIN);
    return 0;
}

bool api_parse_bool(const char *v)
{
    static const char *const falsy[] = {"", "0", "no", "false", "none"};

    for (size_t i = 0; i < ARRAY_SIZE(falsy); i++)
        if (!strcasecmp(v, falsy[i]))
            return false;
    return true;
}

json_t *api_parse_filters(const char *text, struct berr *err)
{
    _cleanup_json_ json_t *raw = NULL;
    json_t *out;
    json_error_t jerr;
    const char *key;
    json_t *v;

    if (!text || !*text)
        return json_object();
    raw = json_loads(text, 0, &jerr);
    if (!json_is_object(raw)) {
        berr_invalid(err, "invalid filter '%s'", text);
        return NULL;
    }

    out = json_object();
    json_object_foreach(raw, key, v)
    {
        json_t *list = json_array();

        if (json_is_object(v)) {
            const char *val;
            json_t *flag;

            json_object_foreach(v, val, flag)
            {
                if (json_is_true(flag))
                    json_array_append_new(list, json_string(val));
            }
        } else if (json_is_array(v)) {
            size_t i;
            json_t *item;

            json_array_foreach(v, i, item)
            {
                if (json_is_string(item))
                    json_array_append(list, item);
            }
        } else {
            json_decref(list);
            json_decref(out);
            berr_invalid(err, "invalid filter '%s'", text);
            return NULL;
        }
        json_object_set_new(out, key, list);
    }
    return out;
}

static bool is_json_media_type(const char *ct)
{
    size_t n = strcspn(ct, ";");

    while (n > 0 && ct[n - 1] == ' ')
        n--;
    return n == strlen("application/json") && !strncasecmp(ct, "application/json", n);
}

json_t *api_parse_json_body(const char *body, size_t len, const char *content_type,
                            struct berr *err)
{
    json_error_t jerr;
    json_t *j;

    if (!body || len == 0)
        return json_object();
    if (content_type && *content_type && !is_json_media_type(content_type)) {
        berr_invalid(err, "unsupported Content-Type header (%s): must be 'application/json'",
                     content_type);
        return NULL;
    }

    j = json_loadb(body, len, JSON_DISABLE_EOF_CHECK, &jerr);
    if (!j) {
        if (jerr.position >= (int)len || strstr(jerr.text, "end of file"))
            berr_invalid(err, "invalid JSON: got EOF while reading request body");
        else
            berr_invalid(err, "invalid JSON: %s", jerr.text);
        return NULL;
    }
    for (size_t i = (size_t)jerr.position; i < len; i++) {
        if (body[i] != ' ' && body[i] != '\n' && body[i] != '\r' && body[i] != '\t') {
            json_decref(j);
            berr_invalid(err, "unexpected content after JSON");
            return NULL;
        }
    }
    return j;
}
