/* Image removal as dockerd decides it: untag a name, delete by ID, the
 * conflicts with containers and other references, and prune. */
#include <stdlib.h>
#include <string.h>

#include "engine/images-internal.h"
#include "engine/images.h"
#include "store/store.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

#define SHORT_ID 12

/* The first running and the first stopped container using the image
 * (IDs as stored, 64 hex), either may be NULL. */
static int image_users(struct engine *e, const char *id, char **running, char **stopped,
                       struct berr *err)
{
    _cleanup_stmt_ sqlite3_stmt *st = NULL;
    int rc;

    *running = *stopped = NULL;
    store_lock(e->store);
    rc = sqlite3_prepare_v2(store_db(e->store),
                            "SELECT id, CASE WHEN json_valid(doc) THEN"
                            " json_extract(doc, '$.State.Running') ELSE 0 END"
                            " FROM containers WHERE image_id = ? ORDER BY created",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            char **slot = sqlite3_column_int(st, 1) ? running : stopped;
            if (!*slot)
                *slot = xstrdup((const char *)sqlite3_column_text(st, 0));
        }
    }
    if (rc != SQLITE_DONE)
        store_error(e->store, err, "containers of image");
    store_unlock(e->store);
    return rc == SQLITE_DONE ? 0 : -1;
}

static const char *short_id(const char *id)
{
    static __thread char buf[SHORT_ID + 1];
    const char *hex = strncmp(id, "sha256:", 7) ? id : id + 7;

    snprintf(buf, sizeof(buf), "%s", hex);
    return buf;
}

/* dockerd's checkImageDeleteConflict: hard conflicts (a running
 * container) always, soft ones (other references, stopped containers)
 * unless forced. */
static int check_conflict(struct engine *e, const char *id, bool force, bool ignore_refs,
                          struct berr *err)
{
    _cleanup_free_ char *running = NULL;
    _cleanup_free_ char *stopped = NULL;
    _cleanup_strv_ char **refs = NULL;
    char img[SHORT_ID + 1];

    snprintf(img, sizeof(img), "%s", short_id(id));
    if (image_users(e, id, &running, &stopped, err) < 0)
        return -1;
    if (running)
        return berr_conflict(err,
                             "conflict: unable to delete %s (cannot be forced) - image is being "
                             "used by running container %s",
                             img, short_id(running));
    if (force)
        return 0;
    if (!ignore_refs) {
        if (image_refs_of(e->images, id, &refs, err) < 0)
            return -1;
        if (refs[0])
            return berr_conflict(err,
                                 "conflict: unable to delete %s (must be forced) - image is "
                                 "referenced in multiple repositories",
                                 img);
    }
    if (stopped)
        return berr_conflict(err,
                             "conflict: unable to delete %s (must be forced) - image is being "
                             "used by stopped container %s",
                             img, short_id(stopped));
    return 0;
}

static void add_record(json_t *records, const char *kind, const char *value)
{
    json_array_append_new(records, json_pack("{s:s}", kind, value));
}

static int untag_all(struct engine *e, const char *id, json_t *records, struct berr *err)
{
    _cleanup_strv_ char **refs = NULL;

    if (image_refs_of(e->images, id, &refs, err) < 0)
        return -1;
    for (size_t i = 0; refs[i]; i++) {
        _cleanup_free_ char *fam = image_ref_familiarize(refs[i]);
        if (image_untag(e->images, refs[i], err) < 0)
            return -1;
        add_record(records, "Untagged", fam);
        engine_image_event(e, "untag", id, id);
    }
    return 0;
}

static int delete_image(struct engine *e, const char *id, bool force, json_t *records,
                        struct berr *err)
{
    _cleanup_strv_ char **layers = NULL;

    if (check_conflict(e, id, force, true, err) < 0 || untag_all(e, id, records, err) < 0 ||
        image_delete(e->images, id, &layers, err) < 0)
        return -1;
    engine_image_event(e, "delete", id, id);
    add_record(records, "Deleted", id);
    for (size_t i = 0; layers[i]; i++) {
        if (strcmp(layers[i], id) != 0)
            add_record(records, "Deleted", layers[i]);
    }
    return 0;
}

/* Are all refs in one repository (at most one tag, any digests)? */
static bool single_reference(char **refs)
{
    size_t tags = 0;
    _cleanup_free_ char *repo = NULL;

    for (size_t i = 0; refs[i]; i++) {
        size_t n = strcspn(refs[i], "@");
        char *colon = memrchr(refs[i], ':', n);
        char *slash = memrchr(refs[i], '/', n);
        if (colon && colon > slash) {
            n = (size_t)(colon - refs[i]);
            tags++;
        }
        if (!repo)
            repo = xstrndup(refs[i], n);
        else if (strlen(repo) != n || strncmp(repo, refs[i], n))
            return false;
    }
    return tags <= 1;
}

/* Remove the name the user gave; the image itself only goes with its last
 * reference. */
static int delete_by_name(struct engine *e, const char *name, const char *id, bool force,
                          json_t *records, bool *done, struct berr *err)
{
    _cleanup_strv_ char **refs = NULL;
    _cleanup_free_ char *full = NULL;
    _cleanup_free_ char *fam = NULL;
    _cleanup_free_ char *running = NULL;
    _cleanup_free_ char *stopped = NULL;
    struct image_ref r;

    if (image_refs_of(e->images, id, &refs, err) < 0 || image_ref_parse(name, &r, err) < 0)
        return -1;
    image_ref_default_tag(&r);
    full = image_ref_full(&r);
    fam = image_ref_familiar(&r);
    image_ref_release(&r);

    if (strv_len(refs) == 1 && !force) {
        if (image_users(e, id, &running, &stopped, err) < 0)
            return -1;
        if (running || stopped)
            return berr_conflict(err,
                                 "conflict: unable to remove repository reference \"%s\" (must "
                                 "force) - container %s is using its referenced image %.12s",
                                 name, short_id(running ? running : stopped), id + 7);
    }
    if (image_untag(e->images, full, err) < 0)
        return -1;
    add_record(records, "Untagged", fam);
    engine_image_event(e, "untag", id, id);
    *done = strv_len(refs) > 1;
    return 0;
}

int engine_image_delete(struct engine *e, const char *name, bool force, bool noprune, json_t **out,
                        struct berr *err)
{
    _cleanup_free_ char *id = NULL;
    _cleanup_strv_ char **refs = NULL;
    json_t *records = json_array();
    bool done = false;
    int rc;

    (void)noprune; /* images here have no parent chain to prune */
    if (image_resolve(e->images, name, &id, err) < 0) {
        json_decref(records);
        return -1;
    }
    if (!image_is_id_prefix(id, name)) {
        rc = delete_by_name(e, name, id, force, records, &done, err);
    } else {
        rc = image_refs_of(e->images, id, &refs, err);
        if (rc == 0 && single_reference(refs)) {
            rc = check_conflict(e, id, force, true, err);
            if (rc == 0)
                rc = untag_all(e, id, records, err);
        }
        if (rc == 0)
            rc = check_conflict(e, id, force, false, err);
    }
    if (rc == 0 && !done)
        rc = delete_image(e, id, force, records, err);
    if (rc < 0) {
        json_decref(records);
        return -1;
    }
    *out = records;
    return 0;
}

/* ---- prune ---- */

static bool prune_candidate(struct engine *e, const struct image_info *info, bool dangling_only,
                            char **labels)
{
    _cleanup_free_ char *running = NULL;
    _cleanup_free_ char *stopped = NULL;
    struct berr err = BERR_INIT;

    if (dangling_only && (info->tags[0] || info->digests[0]))
        return false;
    if (image_users(e, info->id, &running, &stopped, &err) < 0) {
        berr_clear(&err);
        return false;
    }
    if (running || stopped)
        return false;
    for (size_t i = 0; labels && labels[i]; i++) {
        _cleanup_json_ json_t *doc = json_loadb(info->config, info->config_len, 0, NULL);
        json_t *l = json_object_get(json_object_get(doc, "config"), "Labels");
        _cleanup_free_ char *k = xstrdup(labels[i]);
        char *eq = strchr(k, '=');
        const char *have;
        if (eq)
            *eq = '\0';
        have = json_string_value(json_object_get(l, k));
        if (!have || (eq && strcmp(have, eq + 1)))
            return false;
    }
    return true;
}

static int prune_filters(const json_t *filters, bool *dangling_only, char ***labels,
                         struct berr *err)
{
    const char *key;
    json_t *v;
    const char *d = json_string_value(json_array_get(json_object_get(filters, "dangling"), 0));

    json_object_foreach((json_t *)filters, key, v)
    {
        if (strcmp(key, "dangling") && strcmp(key, "label"))
            return berr_invalid(err, "invalid filter '%s'", key);
    }
    *dangling_only = true;
    if (d) {
        if (strcasecmp(d, "true") && strcmp(d, "1") && strcasecmp(d, "false") && strcmp(d, "0"))
            return berr_invalid(err, "Invalid filter 'dangling=%s'", d);
        *dangling_only = !strcasecmp(d, "true") || !strcmp(d, "1");
    }
    *labels = json_to_strv(json_object_get(filters, "label"));
    return 0;
}

int engine_image_prune(struct engine *e, const json_t *filters, json_t **out, struct berr *err)
{
    _cleanup_strv_ char **ids = NULL;
    _cleanup_strv_ char **labels = NULL;
    json_t *records = json_array();
    json_t *deleted;
    int64_t reclaimed = 0;
    bool dangling_only;

    if (prune_filters(filters, &dangling_only, &labels, err) < 0 ||
        image_list_ids(e->images, &ids, err) < 0) {
        json_decref(records);
        return -1;
    }
    for (size_t i = 0; ids[i]; i++) {
        _cleanup_info_ struct image_info *info = NULL;
        struct berr one = BERR_INIT;
        if (image_info_get(e->images, ids[i], &info, &one) < 0 ||
            !prune_candidate(e, info, dangling_only, labels)) {
            berr_clear(&one);
            continue;
        }
        if (delete_image(e, ids[i], true, records, &one) < 0) {
            log_warn("image prune: %s: %s", ids[i], berr_msg(&one));
            berr_clear(&one);
            continue;
        }
        reclaimed += info->size;
    }
    deleted = json_array_size(records) ? records : json_null();
    *out =
        json_pack("{s:o,s:I}", "ImagesDeleted", deleted, "SpaceReclaimed", (json_int_t)reclaimed);
    if (deleted != records)
        json_decref(records);
    return 0;
}
