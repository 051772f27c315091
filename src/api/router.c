/* Route matching and version-prefix parsing: pure functions, unit-tested. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "util/mem.h"

static const struct api_route *const route_tables[] = {
    api_routes_system, api_routes_images,   api_routes_containers,
    api_routes_exec,   api_routes_networks, api_routes_volumes,
};

int api_split_version(const char *path, int *version, const char **rest)
{
    const char *p = path;
    long major;
    long minor = 0;
    char *end;

    if (strncmp(p, "/v", 2) != 0 || p[2] < '0' || p[2] > '9')
        return 0;
    major = strtol(p + 2, &end, 10);
    if (*end == '.') {
        const char *m = end + 1;

        if (*m < '0' || *m > '9')
            return -1;
        minor = strtol(m, &end, 10);
    }
    if (*end != '/' && *end != '\0')
        return 0;
    if (major > 99 || minor > 99)
        return -1;
    *version = (int)(major * 100 + minor);
    *rest = *end ? end : "/";
    return 1;
}

/* Split "/a/b/c" into segments (empty segments dropped). */
static char **split_path(const char *path)
{
    char **segs = NULL;
    const char *p = path;

    while (*p) {
        const char *start;

        while (*p == '/')
            p++;
        if (!*p)
            break;
        start = p;
        while (*p && *p != '/')
            p++;
        strv_push_take(&segs, xstrndup(start, (size_t)(p - start)));
    }
    if (!segs)
        segs = xcalloc(1, sizeof(char *));
    return segs;
}

static bool is_capture(const char *seg)
{
    size_t n = strlen(seg);

    return n >= 2 && seg[0] == '{' && seg[n - 1] == '}';
}

static bool match_from(char **pat, size_t pi, size_t np, char **segs, size_t si, size_t ns,
                       char ***names, char ***values)
{
    if (pi == np)
        return si == ns;
    if (si == ns)
        return false;

    if (!is_capture(pat[pi])) {
        if (strcmp(pat[pi], segs[si]) != 0)
            return false;
        return match_from(pat, pi + 1, np, segs, si + 1, ns, names, values);
    }

    size_t len = strlen(pat[pi]);
    bool greedy = pat[pi][len - 2] == '*';
    _cleanup_free_ char *name = xstrndup(pat[pi] + 1, len - (greedy ? 3 : 2));

    /* A greedy capture takes as many segments as it can while the rest of
     * the pattern still matches the tail. */
    size_t max_take = greedy ? ns - si - (np - pi - 1) : 1;

    for (size_t take = max_take; take >= 1; take--) {
        if (si + take > ns)
            continue;
        if (match_from(pat, pi + 1, np, segs, si + take, ns, names, values)) {
            char *value = xstrdup(segs[si]);

            for (size_t k = 1; k < take; k++) {
                char *joined = xasprintf("%s/%s", value, segs[si + k]);

                free(value);
                value = joined;
            }
            strv_push(names, name);
            strv_push_take(values, value);
            return true;
        }
    }
    return false;
}

const struct api_route *api_route_match(const char *method, const char *path, char ***names,
                                        char ***values)
{
    _cleanup_strv_ char **segs = split_path(path);
    size_t ns = strv_len(segs);

    for (size_t t = 0; t < ARRAY_SIZE(route_tables); t++) {
        for (const struct api_route *r = route_tables[t]; r->method; r++) {
            _cleanup_strv_ char **pat = NULL;

            if (strcmp(r->method, method) != 0)
                continue;
            pat = split_path(r->pattern);
            if (match_from(pat, 0, strv_len(pat), segs, 0, ns, names, values))
                return r;
        }
    }
    return NULL;
}
