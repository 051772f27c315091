/* Engine side of the volumes domain: the start-up hook, the /volumes API
 * with its filters and events, and the volume mounts of containers. */
#include <string.h>

#include "engine/engine-internal.h"
#include "engine/events.h"
#include "engine/volumes.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"
#include "volume/volume.h"

int engine_volumes_init(struct engine *e, struct berr *err)
{
    _cleanup_free_ char *root = xasprintf("%s/volumes", engine_data_root(e));

    if (volume_store_open(e->store, root, &e->volumes, err) < 0)
        return berr_wrap(err, "volumes");

    /* Uses recorded for containers that were never saved (a crash in the
     * middle of a create) must not keep volumes "in use". */
    if (volume_refs_sweep(e->volumes, "SELECT id FROM containers", err) < 0)
        return berr_wrap(err, "volumes");
    log_debug("volumes under %s", root);
    return 0;
}

void engine_volumes_release(struct engine *e)
{
    volume_store_free(e->volumes);
    e->volumes = NULL;
}

static void emit(struct engine *e, const char *action, const char *name, json_t *attrs)
{
    if (!attrs)
        attrs = json_object();
    json_object_set_new(attrs, "driver", json_string("local"));
    engine_event_emit(e, "volume", action, name, attrs);
}

/* ---- create, inspect, remove ---- */

static int check_driver(const char *name, const char *driver, struct berr *err)
{
    if (!driver || !*driver || !strcmp(driver, "local"))
        return 0;
    return berr_not_found(err,
                          "create %s: error looking up volume plugin %s: plugin \"%s\" not "
                          "found",
                          name, driver, driver);
}

/* Create (or find) a volume and announce it when it is new. */
static int create_volume(struct engine *e, const char *name, const char *driver,
                         const json_t *labels, const json_t *opts, json_t **out, struct berr *err)
{
    bool created = false;

    if (check_driver(name, driver, err) < 0)
        return -1;
    if (volume_create(e->volumes, name, labels, opts, out, &created, err) < 0)
        return -1;
    if (created)
        emit(e, "create", json_get_str(*out, "Name", ""), NULL);
    return 0;
}

int engine_volume_create(struct engine *e, const json_t *req, json_t **out, struct berr *err)
{
    const char *name = json_get_str(req, "Name", "");
    const json_t *labels = json_object_get(req, "Labels");
    const json_t *opts = json_object_get(req, "DriverOpts");

    if ((labels && !json_is_object(labels) && !json_is_null(labels)) ||
        (opts && !json_is_object(opts) && !json_is_null(opts)))
        return berr_invalid(err, "invalid JSON: Labels and DriverOpts must be objects");
    return create_volume(e, name, json_get_str(req, "Driver", ""), labels, opts, out, err);
}

int engine_volume_inspect(struct engine *e, const char *name, json_t **out, struct berr *err)
{
    return volume_inspect(e->volumes, name, out, err);
}

int engine_volume_remove(struct engine *e, const char *name, bool force, struct berr *err)
{
    _cleanup_json_ json_t *doc = NULL;
    struct berr missing = BERR_INIT;

    if (volume_inspect(e->volumes, name, &doc, &missing) < 0 && missing.kind != BERR_NOT_FOUND) {
        berr_move(err, &missing);
        return -1;
    }
    berr_clear(&missing);
    if (volume_remove(e->volumes, name, force, err) < 0)
        return -1;
    if (doc)
        emit(e, "destroy", name, NULL);
    return 0;
}

/* ---- list and prune filters ---- */

static bool label_match(const json_t *labels, const char *want)
{
    const char *eq = strchr(want, '=');
    _cleanup_free_ char *key = eq ? xstrndup(want, (size_t)(eq - want)) : xstrdup(want);
    const json_t *v = json_object_get(labels, key);

    return v && (!eq || !strcmp(json_string_value(v) ? json_string_value(v) : "", eq + 1));
}

static bool all_labels(const json_t *labels, const json_t *wants, bool negate)
{
    size_t i;
    json_t *w;

    json_array_foreach(wants, i, w)
    {
        if (label_match(labels, json_string_value(w)) == negate)
            return false;
    }
    return true;
}

static bool any_substring(const char *s, const json_t *wants)
{
    size_t i;
    json_t *w;

    if (!json_array_size(wants))
        return true;
    json_array_foreach(wants, i, w)
    {
        if (strstr(s, json_string_value(w)))
            return true;
    }
    return false;
}

/* A boolean filter value as dockerd reads it; -1 when it is neither. */
static int bool_value(const char *v)
{
    if (!strcmp(v, "true") || !strcmp(v, "1"))
        return 1;
    if (!strcmp(v, "false") || !strcmp(v, "0"))
        return 0;
    return -1;
}

static int check_filters(const json_t *filters, const char *const *allowed, struct berr *err)
{
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)filters, key, v)
    {
        bool ok = false;

        for (size_t i = 0; allowed[i]; i++)
            ok = ok || !strcmp(key, allowed[i]);
        if (!ok)
            return berr_invalid(err, "invalid filter '%s'", key);
    }
    return 0;
}

static int in_use(struct engine *e, const char *name, bool *used, struct berr *err)
{
    _cleanup_strv_ char **users = NULL;

    if (volume_users(e->volumes, name, &users, err) < 0)
        return -1;
    *used = users && users[0];
    return 0;
}

static int list_match(struct engine *e, const json_t *vol, const json_t *filters, bool *match,
                      struct berr *err)
{
    const json_t *dangling = json_object_get(filters, "dangling");
    const json_t *labels = json_object_get(vol, "Labels");
    bool used;

    *match = any_substring(json_get_str(vol, "Name", ""), json_object_get(filters, "name")) &&
             any_substring("local", json_object_get(filters, "driver")) &&
             all_labels(labels, json_object_get(filters, "label"), false);
    if (!*match || !json_array_size(dangling))
        return 0;
    for (size_t i = 0; i < json_array_size(dangling); i++) {
        const char *v = json_string_value(json_array_get(dangling, i));

        if (bool_value(v ? v : "") < 0)
            return berr_invalid(err, "invalid filter 'dangling=%s'", v ? v : "");
    }
    if (in_use(e, json_get_str(vol, "Name", ""), &used, err) < 0)
        return -1;
    *match = used != (bool)bool_value(json_string_value(json_array_get(dangling, 0)));
    return 0;
}

int engine_volume_list(struct engine *e, const json_t *filters, json_t **out, struct berr *err)
{
    static const char *const allowed[] = {"name", "label", "dangling", "driver", NULL};
    _cleanup_json_ json_t *all = NULL;
    json_t *vols = json_array();
    size_t i;
    json_t *v;

    if (check_filters(filters, allowed, err) < 0 || volume_list(e->volumes, &all, err) < 0) {
        json_decref(vols);
        return -1;
    }
    json_array_foreach(all, i, v)
    {
        bool match;

        if (list_match(e, v, filters, &match, err) < 0) {
            json_decref(vols);
            return -1;
        }
        if (match)
            json_array_append(vols, v);
    }
    *out = json_pack("{s:o,s:n}", "Volumes", vols, "Warnings");
    return 0;
}

static int prune_all_flag(const json_t *filters, bool *all, struct berr *err)
{
    const json_t *vals = json_object_get(filters, "all");
    const char *v = json_string_value(json_array_get(vals, 0));
    int b;

    *all = false;
    if (!v)
        return 0;
    b = bool_value(v);
    if (b < 0)
        return berr_invalid(err, "invalid filter 'all=%s': invalid value", v);
    *all = b;
    return 0;
}

static bool prunable(const json_t *vol, const json_t *filters, bool all)
{
    const json_t *labels = json_object_get(vol, "Labels");

    if (!all && !json_object_get(labels, VOLUME_LABEL_ANONYMOUS))
        return false;
    return all_labels(labels, json_object_get(filters, "label"), false) &&
           all_labels(labels, json_object_get(filters, "label!"), true);
}

static void prune_one(struct engine *e, const json_t *vol, json_t *deleted, int64_t *space)
{
    const char *name = json_get_str(vol, "Name", "");
    int64_t size = volume_path_size(json_get_str(vol, "Mountpoint", ""));
    struct berr err = BERR_INIT;

    if (engine_volume_remove(e, name, false, &err) < 0) {
        log_debug("prune: keeping volume %s: %s", name, berr_msg(&err));
        berr_clear(&err);
        return;
    }
    json_array_append_new(deleted, json_string(name));
    if (size > 0)
        *space += size;
}

int engine_volume_prune(struct engine *e, const json_t *filters, json_t **out, struct berr *err)
{
    static const char *const allowed[] = {"label", "label!", "all", NULL};
    _cleanup_json_ json_t *vols = NULL;
    _cleanup_json_ json_t *deleted = json_array();
    int64_t space = 0;
    bool all;
    size_t i;
    json_t *v;

    if (check_filters(filters, allowed, err) < 0 || prune_all_flag(filters, &all, err) < 0 ||
        volume_list(e->volumes, &vols, err) < 0)
        return -1;
    json_array_foreach(vols, i, v)
    {
        bool used;

        if (!prunable(v, filters, all) || in_use(e, json_get_str(v, "Name", ""), &used, err) < 0)
            continue;
        if (!used)
            prune_one(e, v, deleted, &space);
    }
    berr_clear(err);
    *out =
        json_pack("{s:O,s:I}", "VolumesDeleted", json_array_size(deleted) ? deleted : json_null(),
                  "SpaceReclaimed", (json_int_t)space);
    return 0;
}
