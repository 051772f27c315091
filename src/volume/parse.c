/* The volume side of container mounts: HostConfig.Binds entries and
 * HostConfig.Mounts objects parsed with dockerd's Linux rules. */
#include <string.h>

#include "util/json.h"
#include "util/mem.h"
#include "volume/volume.h"

static const char *const rw_modes[] = {"rw", "ro", "ro-non-recursive", "ro-force-recursive", "rro"};
static const char *const label_modes[] = {"z", "Z"};
static const char *const propagation_modes[] = {"private", "rprivate", "slave",
                                                "rslave",  "shared",   "rshared"};
static const char *const copy_modes[] = {"nocopy"};
static const char *const consistency_modes[] = {"consistent", "cached", "delegated"};

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(s, list[i]))
            return true;
    }
    return false;
}

#define IN(s, list) in_list((s), (list), ARRAY_SIZE(list))

/* Each kind of mode may appear once; unknown words make it invalid. */
static bool mode_valid(const char *mode)
{
    _cleanup_free_ char *copy = xstrdup(mode);
    int counts[5] = {0};
    char *save = NULL;

    if (!*mode)
        return true;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (IN(t, rw_modes))
            counts[0]++;
        else if (IN(t, label_modes))
            counts[1]++;
        else if (IN(t, propagation_modes))
            counts[2]++;
        else if (IN(t, copy_modes))
            counts[3]++;
        else if (IN(t, consistency_modes))
            counts[4]++;
        else
            return false;
    }
    for (size_t i = 0; i < ARRAY_SIZE(counts); i++) {
        if (counts[i] > 1)
            return false;
    }
    return *mode != ',' && mode[strlen(mode) - 1] != ',' && !strstr(mode, ",,");
}

static bool mode_has(const char *mode, const char *word)
{
    size_t n = strlen(word);

    for (const char *p = mode; (p = strstr(p, word)); p += n) {
        if ((p == mode || p[-1] == ',') && (p[n] == ',' || !p[n]))
            return true;
    }
    return false;
}

static bool mode_read_only(const char *mode)
{
    return mode_has(mode, "ro") || mode_has(mode, "rro") || strstr(mode, "ro-") != NULL;
}

/* path.Clean for absolute paths. */
static char *clean_path(const char *p)
{
    _cleanup_strv_ char **parts = NULL;
    _cleanup_free_ char *copy = xstrdup(p);
    char *out = xstrdup("");
    char *save = NULL;

    for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
        size_t n = strv_len(parts);

        if (!strcmp(t, "."))
            continue;
        if (!strcmp(t, "..")) {
            if (n) {
                free(parts[n - 1]);
                parts[n - 1] = NULL;
            }
            continue;
        }
        strv_push(&parts, t);
    }
    for (size_t i = 0; parts && parts[i]; i++) {
        char *next = xasprintf("%s/%s", out, parts[i]);

        free(out);
        out = next;
    }
    if (!*out) {
        free(out);
        out = xstrdup("/");
    }
    return out;
}

static int check_target(const char *type, const char *target, struct berr *err)
{
    if (!target || !*target)
        return berr_invalid(err,
                            "invalid mount config for type \"%s\": field Target must not "
                            "be empty",
                            type);
    if (target[0] != '/')
        return berr_invalid(err,
                            "invalid mount config for type \"%s\": invalid mount path: '%s' "
                            "mount path must be absolute",
                            type, target);
    if (!strcmp(target, "/") || strspn(target, "/") == strlen(target))
        return berr_invalid(err,
                            "invalid mount config for type \"%s\": invalid specification: "
                            "destination can't be '/'",
                            type);
    return 0;
}

static void spec_init(struct volume_mount_spec *s, const char *source, const char *target,
                      const char *mode)
{
    *s = (struct volume_mount_spec){0};
    s->type = xstrdup(source[0] == '/' ? "bind" : "volume");
    s->source = source[0] == '/' ? clean_path(source) : xstrdup(source);
    s->target = clean_path(target);
    s->mode = xstrdup(mode);
    s->rw = !mode_read_only(mode);
    s->copy = !mode_has(mode, "nocopy");
    s->driver = xstrdup("");
}

int volume_parse_bind(const char *raw, struct volume_mount_spec *out, struct berr *err)
{
    _cleanup_strv_ char **arr = NULL;
    const char *source = "", *target, *mode = "";
    const char *p = raw;
    size_t n;

    for (int i = 0; i < 3 && strchr(p, ':'); i++) {
        const char *c = strchr(p, ':');

        strv_push_take(&arr, xstrndup(p, (size_t)(c - p)));
        p = c + 1;
    }
    strv_push(&arr, p);
    n = strv_len(arr);
    if (!*arr[0] || n > 3 || (n == 2 && mode_valid(arr[1])))
        return berr_invalid(err, "invalid volume specification: '%s'", raw);
    target = arr[n == 1 ? 0 : 1];
    if (n >= 2)
        source = arr[0];
    if (n == 3)
        mode = arr[2];
    if (!mode_valid(mode))
        return berr_invalid(err, "invalid mode: %s", mode);
    if (check_target(source[0] == '/' ? "bind" : "volume", target, err) < 0)
        return berr_wrap(err, "invalid volume specification: '%s'", raw);
    if ((strstr(mode, "ro-") || mode_has(mode, "rro")) && source[0] != '/')
        return berr_invalid(err,
                            "mount mode \"%s\" requires a bind mount: invalid volume "
                            "specification: '%s'",
                            mode, raw);
    spec_init(out, source, target, mode);
    return 0;
}

static int parse_volume_options(const json_t *m, struct volume_mount_spec *out, struct berr *err)
{
    const json_t *vo = json_object_get(m, "VolumeOptions");
    const json_t *dc = json_object_get(vo, "DriverConfig");
    const json_t *opts = json_object_get(dc, "Options");

    if (json_get_bool(vo, "NoCopy", false))
        out->copy = false;
    if (json_is_object(json_object_get(vo, "Labels")))
        out->labels = json_deep_copy(json_object_get(vo, "Labels"));
    if (json_is_object(opts) && json_object_size(opts))
        out->driver_opts = json_deep_copy(opts);
    free(out->driver);
    out->driver = xstrdup(json_get_str(dc, "Name", ""));
    if (*json_get_str(vo, "Subpath", ""))
        return berr_invalid(err, "invalid mount config for type \"volume\": volume subpath is "
                                 "not supported");
    return 0;
}

int volume_parse_mount(const json_t *m, struct volume_mount_spec *out, struct berr *err)
{
    const char *type = json_get_str(m, "Type", "");
    const char *source = json_get_str(m, "Source", "");
    const char *target = json_get_str(m, "Target", "");

    *out = (struct volume_mount_spec){0};
    if (strcmp(type, "volume")) {
        out->type = xstrdup(type);
        return 0;
    }
    if (check_target(type, target, err) < 0)
        return -1;
    if (json_is_object(json_object_get(m, "BindOptions")))
        return berr_invalid(err, "invalid mount config for type \"volume\": field BindOptions "
                                 "must not be specified");
    if (!*source && json_get_bool(m, "ReadOnly", false))
        return berr_invalid(err, "invalid mount config for type \"volume\": must not set "
                                 "ReadOnly mode when using anonymous volumes");
    spec_init(out, "", target, "");
    free(out->source);
    out->source = xstrdup(source);
    out->rw = !json_get_bool(m, "ReadOnly", false);
    if (parse_volume_options(m, out, err) < 0) {
        volume_mount_spec_release(out);
        return -1;
    }
    return 0;
}

void volume_mount_spec_release(struct volume_mount_spec *s)
{
    free(s->type);
    free(s->source);
    free(s->target);
    free(s->mode);
    free(s->driver);
    json_decref(s->labels);
    json_decref(s->driver_opts);
    *s = (struct volume_mount_spec){0};
}
