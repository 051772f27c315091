/* Engine side of the images domain: the start-up hook, the contract the
 * containers code uses (engine_image_get, engine_image_layer_dirs), and
 * the operations behind the images API: list, inspect, history, tag,
 * delete, prune (archives are in images_archive.c). */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine-internal.h"
#include "engine/events.h"
#include "engine/images-internal.h"
#include "engine/images.h"
#include "image/image.h"
#include "store/store.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

int engine_images_init(struct engine *e, struct berr *err)
{
    const char *driver = e->cfg->storage_driver;

    if (driver && strcmp(driver, "overlay2") != 0 && strcmp(driver, "vfs") != 0)
        return berr_invalid(err, "unsupported storage-driver %s: use overlay2 or vfs", driver);
    return image_store_open(e->store, engine_data_root(e), e->tmp_dir, driver, &e->images, err);
}

void engine_images_release(struct engine *e)
{
    image_store_free(e->images);
    e->images = NULL;
}

void engine_image_event(struct engine *e, const char *action, const char *id, const char *name)
{
    engine_event_emit(e, "image", action, id, json_pack("{s:s}", "name", name ? name : id));
}

int engine_image_get(struct engine *e, const char *ref, char **id_out, json_t **config_out,
                     struct berr *err)
{
    _cleanup_free_ char *id = NULL;
    _cleanup_info_ struct image_info *info = NULL;
    json_error_t jerr;
    json_t *config;

    if (image_resolve(e->images, ref, &id, err) < 0 ||
        image_info_get(e->images, id, &info, err) < 0)
        return -1;
    config = json_loadb(info->config, info->config_len, 0, &jerr);
    if (!config)
        return berr_system(err, 0, "image %s: bad config: %s", id, jerr.text);
    *id_out = steal_ptr(id);
    *config_out = config;
    return 0;
}

int engine_image_layer_dirs(struct engine *e, const char *image_id, char ***dirs_out,
                            struct berr *err)
{
    return image_layer_dirs(e->images, image_id, dirs_out, err);
}

/* ---- shapes ---- */

static json_t *familiar_list(char **refs)
{
    json_t *arr = json_array();

    for (size_t i = 0; refs && refs[i]; i++) {
        _cleanup_free_ char *fam = image_ref_familiarize(refs[i]);
        json_array_append_new(arr, json_string(fam));
    }
    return arr;
}

static json_t *parse_config(const struct image_info *info)
{
    json_t *doc = json_loadb(info->config, info->config_len, 0, NULL);

    return doc ? doc : json_object();
}

/* Config as the CLI expects it: below API 1.50 with the zero-valued
 * container fields as well. */
static json_t *inspect_config(const json_t *cfg, int version)
{
    json_t *out = json_object();
    const char *key;
    json_t *v;

    if (version < 150) {
        static const char *const strings[] = {"Hostname", "Domainname", "User",
                                              "Image",    "WorkingDir", NULL};
        static const char *const bools[] = {
            "AttachStdin", "AttachStdout", "AttachStderr", "Tty", "OpenStdin", "StdinOnce", NULL};
        static const char *const nulls[] = {"Env",     "Cmd",    "Volumes", "Entrypoint",
                                            "OnBuild", "Labels", NULL};
        for (size_t i = 0; strings[i]; i++)
            json_object_set_new(out, strings[i], json_string(""));
        for (size_t i = 0; bools[i]; i++)
            json_object_set_new(out, bools[i], json_false());
        for (size_t i = 0; nulls[i]; i++)
            json_object_set_new(out, nulls[i], json_null());
    }
    json_object_foreach((json_t *)cfg, key, v) json_object_set(out, key, v);
    return out;
}

static json_t *graph_driver(struct engine *e, const struct image_info *info)
{
    _cleanup_strv_ char **dirs = NULL;
    struct berr err = BERR_INIT;
    json_t *data = json_object();
    size_t n;

    if (image_layer_dirs(e->images, info->id, &dirs, &err) < 0 || !dirs[0]) {
        berr_clear(&err);
        return json_pack("{s:s,s:o}", "Name", image_store_driver(e->images), "Data", data);
    }
    n = strv_len(dirs);
    if (n > 1) {
        _cleanup_free_ char *lower = xstrdup(dirs[1]);
        for (size_t i = 2; i < n; i++) {
            char *next = xasprintf("%s:%s", lower, dirs[i]);
            free(lower);
            lower = next;
        }
        json_object_set_new(data, "LowerDir", json_string(lower));
    }
    _cleanup_free_ char *top = xstrndup(dirs[0], strlen(dirs[0]) - strlen("/diff"));
    json_object_set_new(data, "MergedDir", json_sprintf("%s/merged", top));
    json_object_set_new(data, "UpperDir", json_string(dirs[0]));
    json_object_set_new(data, "WorkDir", json_sprintf("%s/work", top));
    return json_pack("{s:s,s:o}", "Name", image_store_driver(e->images), "Data", data);
}

static json_t *last_tag_time(int64_t ns)
{
    _cleanup_free_ char *s = NULL;

    if (ns <= 0)
        return json_string("0001-01-01T00:00:00Z");
    s = json_time_format(ns / 1000000000LL, (long)(ns % 1000000000LL));
    return json_string(s);
}

static json_t *inspect_doc(struct engine *e, const struct image_info *info, int version)
{
    _cleanup_json_ json_t *doc = parse_config(info);
    json_t *cfg = json_object_get(doc, "config");
    json_t *out = json_object();

    json_object_set_new(out, "Id", json_string(info->id));
    json_object_set_new(out, "RepoTags", familiar_list(info->tags));
    json_object_set_new(out, "RepoDigests", familiar_list(info->digests));
    json_object_set_new(out, "Parent", json_string(json_get_str(doc, "parent", "")));
    json_object_set_new(out, "Comment", json_string(json_get_str(doc, "comment", "")));
    json_object_set_new(out, "Created", json_string(json_get_str(doc, "created", "")));
    if (version < 145) {
        json_object_set_new(out, "Container", json_string(""));
        json_object_set_new(out, "ContainerConfig", inspect_config(json_object(), version));
    }
    json_object_set_new(out, "DockerVersion",
                        json_string(json_get_str(doc, "docker_version", NULL) ?: ""));
    json_object_set_new(out, "Author", json_string(json_get_str(doc, "author", "")));
    json_object_set_new(out, "Config", inspect_config(json_is_object(cfg) ? cfg : NULL, version));
    json_object_set_new(out, "Architecture", json_string(json_get_str(doc, "architecture", "")));
    if (json_get_str(doc, "variant", NULL))
        json_object_set_new(out, "Variant", json_string(json_get_str(doc, "variant", "")));
    json_object_set_new(out, "Os", json_string(json_get_str(doc, "os", "")));
    if (json_get_str(doc, "os.version", NULL))
        json_object_set_new(out, "OsVersion", json_string(json_get_str(doc, "os.version", "")));
    json_object_set_new(out, "Size", json_integer(info->size));
    if (version < 144)
        json_object_set_new(out, "VirtualSize", json_integer(info->size));
    json_object_set_new(out, "GraphDriver", graph_driver(e, info));
    json_object_set_new(
        out, "RootFS",
        json_pack("{s:s,s:o}", "Type", "layers", "Layers", json_strv(info->diff_ids)));
    json_object_set_new(out, "Metadata",
                        json_pack("{s:o}", "LastTagTime", last_tag_time(info->last_tag_ns)));
    return out;
}

int engine_image_inspect(struct engine *e, const char *name, int version, json_t **out,
                         struct berr *err)
{
    _cleanup_free_ char *id = NULL;
    _cleanup_info_ struct image_info *info = NULL;

    if (image_resolve(e->images, name, &id, err) < 0 ||
        image_info_get(e->images, id, &info, err) < 0)
        return -1;
    *out = inspect_doc(e, info, version);
    return 0;
}

/* ---- history ---- */

static json_t *history_entry(const char *id, const json_t *h, int64_t size, json_t *tags)
{
    int64_t sec = 0;
    long nsec;
    const char *created = json_get_str(h, "created", NULL);

    if (created)
        json_time_parse(created, &sec, &nsec);
    json_int_t created_at = sec;

    return json_pack("{s:s,s:I,s:s,s:o,s:I,s:s}", "Id", id, "Created", created_at, "CreatedBy",
                     json_get_str(h, "created_by", ""), "Tags", tags, "Size", (json_int_t)size,
                     "Comment", json_get_str(h, "comment", ""));
}

int engine_image_history(struct engine *e, const char *name, json_t **out, struct berr *err)
{
    _cleanup_free_ char *id = NULL;
    _cleanup_info_ struct image_info *info = NULL;
    _cleanup_json_ json_t *doc = NULL;
    json_t *hist, *h, *res = json_array();
    size_t i, layer = 0, n;

    if (image_resolve(e->images, name, &id, err) < 0 ||
        image_info_get(e->images, id, &info, err) < 0) {
        json_decref(res);
        return -1;
    }
    doc = parse_config(info);
    hist = json_object_get(doc, "history");
    n = json_array_size(hist);
    json_array_foreach(hist, i, h)
    {
        int64_t size = 0;
        bool last = i + 1 == n;
        if (!json_get_bool(h, "empty_layer", false) && info->chain_ids[layer])
            size = info->layer_sizes[layer++];
        json_array_insert_new(res, 0,
                              history_entry(last ? id : "<missing>", h, size,
                                            last ? familiar_list(info->tags) : json_null()));
    }
    if (n == 0)
        json_array_append_new(res, history_entry(id, doc, info->size, familiar_list(info->tags)));
    *out = res;
    return 0;
}

/* ---- list ---- */

struct list_filter {
    char **refs;
    char **labels;
    int dangling;          /* -1 any, 0 tagged only, 1 untagged only */
    int64_t before, since; /* created bounds; 0 none */
};

static int filter_time(struct engine *e, const json_t *filters, const char *key, int64_t *out,
                       struct berr *err)
{
    const char *ref = json_string_value(json_array_get(json_object_get(filters, key), 0));
    _cleanup_free_ char *id = NULL;
    _cleanup_info_ struct image_info *info = NULL;

    *out = 0;
    if (!ref)
        return 0;
    if (image_resolve(e->images, ref, &id, err) < 0 ||
        image_info_get(e->images, id, &info, err) < 0)
        return -1;
    *out = info->created;
    return 0;
}

static int parse_filters(struct engine *e, const json_t *filters, struct list_filter *f,
                         struct berr *err)
{
    static const char *const known[] = {"reference", "dangling", "label", "before",
                                        "since",     "until",    NULL};
    const char *key;
    json_t *v;
    const char *d;

    json_object_foreach((json_t *)filters, key, v)
    {
        bool ok = false;
        for (size_t i = 0; known[i]; i++)
            ok = ok || !strcmp(known[i], key);
        if (!ok)
            return berr_invalid(err, "invalid filter '%s'", key);
    }
    f->refs = json_to_strv(json_object_get(filters, "reference"));
    f->labels = json_to_strv(json_object_get(filters, "label"));
    f->dangling = -1;
    d = json_string_value(json_array_get(json_object_get(filters, "dangling"), 0));
    if (d) {
        if (strcasecmp(d, "true") && strcmp(d, "1") && strcasecmp(d, "false") && strcmp(d, "0"))
            return berr_invalid(err, "Invalid filter 'dangling=%s'", d);
        f->dangling = !strcasecmp(d, "true") || !strcmp(d, "1");
    }
    if (filter_time(e, filters, "before", &f->before, err) < 0 ||
        filter_time(e, filters, "since", &f->since, err) < 0)
        return -1;
    return 0;
}

static bool labels_match(char **want, const json_t *labels)
{
    for (size_t i = 0; want && want[i]; i++) {
        _cleanup_free_ char *k = xstrdup(want[i]);
        char *eq = strchr(k, '=');
        const char *have;
        if (eq)
            *eq = '\0';
        have = json_string_value(json_object_get(labels, k));
        if (!have || (eq && strcmp(have, eq + 1) != 0))
            return false;
    }
    return true;
}

/* Familiar tags of the image that match one of the reference patterns. */
static json_t *match_refs(char **patterns, char **tags)
{
    json_t *out = json_array();

    for (size_t i = 0; tags[i]; i++) {
        struct image_ref r;
        struct berr err = BERR_INIT;
        if (image_ref_parse(tags[i], &r, &err) < 0) {
            berr_clear(&err);
            continue;
        }
        _cleanup_free_ char *fam = image_ref_familiar(&r);
        _cleanup_free_ char *name = image_ref_familiar_name(&r);
        image_ref_release(&r);
        for (size_t j = 0; patterns[j]; j++) {
            if (!fnmatch(patterns[j], fam, FNM_PATHNAME) ||
                !fnmatch(patterns[j], name, FNM_PATHNAME)) {
                json_array_append_new(out, json_string(fam));
                break;
            }
        }
    }
    return out;
}

static json_t *summary(const struct image_info *info, const struct list_filter *f, int version)
{
    _cleanup_json_ json_t *doc = parse_config(info);
    json_t *labels = json_object_get(json_object_get(doc, "config"), "Labels");
    json_t *tags = f->refs ? match_refs(f->refs, info->tags) : familiar_list(info->tags);
    json_t *digests = familiar_list(info->digests);
    json_t *s;

    if (f->refs && json_array_size(tags) == 0) {
        json_decref(tags);
        json_decref(digests);
        return NULL;
    }
    if (version < 143 && !json_array_size(tags))
        json_array_append_new(tags, json_string("<none>:<none>"));
    if (version < 143 && !json_array_size(digests))
        json_array_append_new(digests, json_string("<none>@<none>"));
    s = json_pack("{s:i,s:I,s:s,s:O,s:s,s:o,s:o,s:i,s:I}", "Containers", -1, "Created",
                  (json_int_t)info->created, "Id", info->id, "Labels",
                  json_is_object(labels) ? labels : json_null(), "ParentId", "", "RepoDigests",
                  digests, "RepoTags", tags, "SharedSize", -1, "Size", (json_int_t)info->size);
    if (version < 144)
        json_object_set_new(s, "VirtualSize", json_integer(info->size));
    return s;
}

static bool keep_image(const struct image_info *info, const struct list_filter *f)
{
    _cleanup_json_ json_t *doc = NULL;
    bool dangling = !info->tags[0] && !info->digests[0];

    if (f->dangling == 1 && !dangling)
        return false;
    if (f->dangling == 0 && dangling)
        return false;
    if (f->before && info->created >= f->before)
        return false;
    if (f->since && info->created <= f->since)
        return false;
    if (!f->labels)
        return true;
    doc = parse_config(info);
    return labels_match(f->labels, json_object_get(json_object_get(doc, "config"), "Labels"));
}

int engine_image_list(struct engine *e, const json_t *filters, bool all, int version, json_t **out,
                      struct berr *err)
{
    struct list_filter f = {0};
    _cleanup_strv_ char **ids = NULL;
    json_t *list = json_array();
    int rc = -1;

    (void)all; /* no image here has hidden intermediate parents */
    if (parse_filters(e, filters, &f, err) == 0 && image_list_ids(e->images, &ids, err) == 0) {
        rc = 0;
        for (size_t i = 0; ids[i] && rc == 0; i++) {
            _cleanup_info_ struct image_info *info = NULL;
            json_t *s;
            if (image_info_get(e->images, ids[i], &info, err) < 0) {
                rc = -1;
                break;
            }
            if (keep_image(info, &f) && (s = summary(info, &f, version)))
                json_array_append_new(list, s);
        }
    }
    strv_free(f.refs);
    strv_free(f.labels);
    if (rc < 0) {
        json_decref(list);
        return -1;
    }
    *out = list;
    return 0;
}

/* ---- tag ---- */

int engine_image_tag(struct engine *e, const char *name, const char *repo, const char *tag,
                     struct berr *err)
{
    _cleanup_free_ char *id = NULL;
    _cleanup_free_ char *full = NULL;
    _cleanup_free_ char *familiar = NULL;
    struct image_ref r;

    if (!repo || !*repo)
        return berr_invalid(err, "repository name must have at least one component");
    if (image_resolve(e->images, name, &id, err) < 0)
        return -1;
    if (image_ref_parse(repo, &r, err) < 0)
        return -1;
    if (r.digest) {
        image_ref_release(&r);
        return berr_invalid(err, "refusing to create a tag with a digest reference");
    }
    if (tag && *tag) {
        free(r.tag);
        r.tag = xstrdup(tag);
    }
    image_ref_default_tag(&r);
    full = image_ref_full(&r);
    familiar = image_ref_familiar(&r);
    image_ref_release(&r);
    if (tag && *tag &&
        strspn(tag, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789_.-") != strlen(tag))
        return berr_invalid(err, "invalid tag format");
    if (image_tag(e->images, id, full, NULL, err) < 0)
        return -1;
    engine_image_event(e, "tag", id, familiar);
    return 0;
}
