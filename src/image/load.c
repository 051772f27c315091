/* docker load: docker-save archives (manifest.json, with the v25+ blobs
 * layout or the older <id>/layer.tar one) and OCI image layouts
 * (index.json).  The outer archive is unpacked into a staging directory
 * with the same safe extractor the layers use; every file named by the
 * archive's own documents is then opened with in-root resolution, so a
 * symlink in the archive cannot point a layer or config outside it. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "image/image-internal.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

#define MEDIA_INDEX_OCI   "application/vnd.oci.image.index.v1+json"
#define MEDIA_LIST_DOCKER "application/vnd.docker.distribution.manifest.list.v2+json"
#define HOST_OS           "linux"

struct load_ctx {
    struct image_store *is;
    int root_fd;
    const struct image_load_cb *cb;
    struct image_loaded *out;
    size_t n;
    char **added; /* chain IDs of the layers this load added */
};

const char *image_host_arch(void)
{
#if defined(__x86_64__)
    return "amd64";
#elif defined(__aarch64__)
    return "arm64";
#else
    return "unknown";
#endif
}

static json_t *load_json_in_root(struct load_ctx *c, const char *path, char **raw, size_t *len,
                                 struct berr *err)
{
    _cleanup_free_ char *data = NULL;
    size_t n;
    json_error_t jerr;
    json_t *doc;

    if (read_in_root(c->root_fd, path, &data, &n, err) < 0)
        return NULL;
    doc = json_loadb(data, n, JSON_DECODE_ANY, &jerr);
    if (!doc) {
        berr_invalid(err, "invalid JSON in %s: %s", path, jerr.text);
        return NULL;
    }
    if (raw) {
        *raw = steal_ptr(data);
        *len = n;
    }
    return doc;
}

/* Add every layer not yet there; layers[i] is the path of layer i.  The
 * chain IDs of layers this call added go to c->added. */
static int load_layers(struct load_ctx *c, json_t *diff_ids, char **layers, struct berr *err)
{
    char parent[IMAGE_DIGEST_LEN + 1] = "";

    for (size_t i = 0; layers[i]; i++) {
        const char *diff = json_string_value(json_array_get(diff_ids, i));
        char chain[IMAGE_DIGEST_LEN + 1];
        char got[IMAGE_DIGEST_LEN + 1];
        _cleanup_close_ int fd = -1;

        if (!diff || !image_digest_valid(diff))
            return berr_invalid(err, "invalid image config: bad diff ID for layer %zu", i);
        image_chain_id(i ? parent : NULL, diff, chain);
        if (!image_layer_exists(c->is, chain)) {
            fd = open_in_root(c->root_fd, layers[i], err);
            if (fd < 0)
                return berr_wrap(err, "load layer %zu", i);
            if (image_layer_add(c->is, fd, i ? parent : NULL, diff, got, err) < 0) {
                if (!strncmp(berr_msg(err), "expected \"", 10))
                    return berr_wrap(err, "invalid diffID for layer %zu", i);
                return berr_wrap(err, "load layer %zu", i);
            }
            strv_push(&c->added, chain);
            if (c->cb && c->cb->layer_done)
                c->cb->layer_done(c->cb->ctx, diff + 7, 0);
        }
        memcpy(parent, chain, sizeof(parent));
    }
    return 0;
}

static struct image_loaded *new_result(struct load_ctx *c, const char *id)
{
    struct image_loaded *l;

    for (size_t i = 0; i < c->n; i++) {
        if (!strcmp(c->out[i].id, id))
            return &c->out[i];
    }
    c->out = xrealloc(c->out, (c->n + 1) * sizeof(*c->out));
    l = &c->out[c->n++];
    l->id = xstrdup(id);
    l->tags = xcalloc(1, sizeof(char *));
    l->replaced = xcalloc(1, sizeof(char *));
    return l;
}

static int tag_loaded(struct load_ctx *c, const char *id, const char *name, struct berr *err)
{
    struct image_ref r;
    _cleanup_free_ char *full = NULL;
    _cleanup_free_ char *prev = NULL;
    struct image_loaded *l = new_result(c, id);

    if (!name)
        return 0;
    if (image_ref_parse(name, &r, err) < 0)
        return berr_wrap(err, "invalid tag %s", name);
    image_ref_default_tag(&r);
    full = image_ref_full(&r);
    strv_push_take(&l->tags, image_ref_familiar(&r));
    image_ref_release(&r);
    if (image_tag(c->is, id, full, &prev, err) < 0)
        return -1;
    strv_push(&l->replaced, prev ? prev : "");
    return 0;
}

/* Layers' parent chain ids are derived by image_layer_add itself. */
static int load_image(struct load_ctx *c, const char *config_path, char **layers, char **tags,
                      struct berr *err)
{
    _cleanup_free_ char *raw = NULL;
    _cleanup_free_ char *id = NULL;
    size_t len;
    _cleanup_json_ json_t *config = load_json_in_root(c, config_path, &raw, &len, err);
    json_t *diffs;
    const char *os;
    bool existed;

    if (!config)
        return -1;
    diffs = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
    os = json_get_str(config, "os", HOST_OS);
    if (strcmp(os, HOST_OS) != 0)
        return berr_invalid(err, "cannot load %s image on %s", os, HOST_OS);
    if (json_array_size(diffs) != strv_len(layers))
        return berr_invalid(err, "invalid manifest, layers length mismatch: expected %zu, got %zu",
                            json_array_size(diffs), strv_len(layers));
    if (load_layers(c, diffs, layers, err) < 0 ||
        image_create(c->is, raw, len, &id, &existed, err) < 0)
        return -1;
    new_result(c, id);
    for (size_t i = 0; tags && tags[i]; i++) {
        if (tag_loaded(c, id, tags[i], err) < 0)
            return -1;
    }
    log_debug("image: loaded %s (%zu layers)", id, strv_len(layers));
    return 0;
}

static int load_manifest(struct load_ctx *c, json_t *manifest, struct berr *err)
{
    size_t i;
    json_t *entry;

    if (json_is_null(manifest))
        return berr_invalid(err, "invalid manifest, manifest cannot be null (but can be [])");
    if (!json_is_array(manifest))
        return berr_invalid(err, "invalid manifest: not a list");
    json_array_foreach(manifest, i, entry)
    {
        _cleanup_strv_ char **layers = json_to_strv(json_object_get(entry, "Layers"));
        _cleanup_strv_ char **tags = json_to_strv(json_object_get(entry, "RepoTags"));
        const char *config = json_get_str(entry, "Config", NULL);
        if (!config)
            return berr_invalid(err, "invalid manifest: entry %zu has no Config", i);
        if (!layers)
            layers = xcalloc(1, sizeof(char *));
        if (load_image(c, config, layers, tags, err) < 0)
            return -1;
    }
    return 0;
}

/* ---- OCI layouts ---- */

static char *blob_path(const char *digest, struct berr *err)
{
    const char *colon = digest ? strchr(digest, ':') : NULL;

    if (!colon || strchr(colon, '/') || strstr(digest, ".."))
        return berr_invalid(err, "invalid digest %s", digest ? digest : "(none)"), NULL;
    return xasprintf("blobs/%.*s/%s", (int)(colon - digest), digest, colon + 1);
}

static int load_oci_manifest(struct load_ctx *c, const char *digest, const char *name,
                             struct berr *err)
{
    _cleanup_free_ char *path = blob_path(digest, err);
    _cleanup_json_ json_t *m = path ? load_json_in_root(c, path, NULL, NULL, err) : NULL;
    _cleanup_free_ char *config = NULL;
    _cleanup_strv_ char **layers = xcalloc(1, sizeof(char *));
    _cleanup_strv_ char **tags = xcalloc(1, sizeof(char *));
    size_t i;
    json_t *l;

    if (!m)
        return -1;
    config = blob_path(json_get_str(json_object_get(m, "config"), "digest", NULL), err);
    if (!config)
        return -1;
    json_array_foreach(json_object_get(m, "layers"), i, l)
    {
        char *p = blob_path(json_get_str(l, "digest", NULL), err);
        if (!p)
            return -1;
        strv_push_take(&layers, p);
    }
    if (name)
        strv_push(&tags, name);
    return load_image(c, config, layers, tags, err);
}

static bool platform_matches(const json_t *desc)
{
    const json_t *p = json_object_get(desc, "platform");

    if (!p)
        return true;
    return !strcmp(json_get_str(p, "os", HOST_OS), HOST_OS) &&
           !strcmp(json_get_str(p, "architecture", image_host_arch()), image_host_arch());
}

static int load_oci_index(struct load_ctx *c, json_t *index, const char *name, int depth,
                          struct berr *err)
{
    size_t i;
    json_t *desc;

    if (depth > 4)
        return berr_invalid(err, "invalid OCI layout: indexes nested too deep");
    json_array_foreach(json_object_get(index, "manifests"), i, desc)
    {
        json_t *ann = json_object_get(desc, "annotations");
        const char *ref = json_get_str(ann, "io.containerd.image.name", NULL);
        const char *media = json_get_str(desc, "mediaType", "");
        const char *digest = json_get_str(desc, "digest", NULL);
        if (!ref)
            ref = name ? name : json_get_str(ann, "org.opencontainers.image.ref.name", NULL);
        if (!strcmp(media, MEDIA_INDEX_OCI) || !strcmp(media, MEDIA_LIST_DOCKER)) {
            _cleanup_free_ char *path = blob_path(digest, err);
            _cleanup_json_ json_t *sub = path ? load_json_in_root(c, path, NULL, NULL, err) : NULL;
            if (!sub || load_oci_index(c, sub, ref, depth + 1, err) < 0)
                return -1;
            continue;
        }
        if (!platform_matches(desc))
            continue;
        if (load_oci_manifest(c, digest, ref, err) < 0)
            return -1;
        if (depth > 0)
            break; /* one platform of a multi-platform index */
    }
    return 0;
}

/* ---- the archive ---- */

static int unpack_outer(int fd, int root_fd, struct berr *err)
{
    _cleanup_archive_ struct archive *a = archive_read_new();
    struct extract_opts o = {.layer = false};

    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    if (archive_read_open_fd(a, fd, 256 * 1024) != ARCHIVE_OK)
        return berr_invalid(err, "read archive: %s", archive_error_string(a));
    return extract_archive(a, root_fd, &o, err);
}

static int load_unpacked(struct load_ctx *c, struct berr *err)
{
    struct berr probe = BERR_INIT;
    _cleanup_json_ json_t *doc = load_json_in_root(c, "manifest.json", NULL, NULL, &probe);

    if (doc || probe.errnum != ENOENT) {
        if (!doc) {
            berr_move(err, &probe);
            return -1;
        }
        return load_manifest(c, doc, err);
    }
    berr_clear(&probe);
    doc = load_json_in_root(c, "index.json", NULL, NULL, &probe);
    if (!doc) {
        berr_clear(&probe);
        return berr_invalid(err, "invalid archive: it has neither manifest.json nor index.json");
    }
    return load_oci_index(c, doc, NULL, 0, err);
}

int image_load(struct image_store *is, int fd, const struct image_load_cb *cb,
               struct image_loaded **out, size_t *n, struct berr *err)
{
    _cleanup_free_ char *staging = staging_dir(is, "load", err);
    struct load_ctx c = {.is = is, .root_fd = -1, .cb = cb};
    struct berr rm_err = BERR_INIT;
    int rc = -1;

    if (!staging)
        return -1;
    c.root_fd = open(staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (c.root_fd < 0)
        berr_system(err, errno, "open %s", staging);
    else if (unpack_outer(fd, c.root_fd, err) == 0)
        rc = load_unpacked(&c, err);
    if (c.root_fd >= 0)
        close(c.root_fd);
    if (fs_remove_all(staging, &rm_err) < 0) {
        log_warn("image: cannot remove %s: %s", staging, berr_msg(&rm_err));
        berr_clear(&rm_err);
    }
    if (rc < 0) {
        /* Layers this load added that no image took are not kept. */
        for (size_t i = 0; c.added && c.added[i]; i++)
            layer_drop_unused(is, c.added[i]);
        strv_free(c.added);
        image_loaded_free(c.out, c.n);
        return -1;
    }
    strv_free(c.added);
    *out = c.out;
    *n = c.n;
    return 0;
}

void image_loaded_free(struct image_loaded *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(l[i].id);
        strv_free(l[i].tags);
        strv_free(l[i].replaced);
    }
    free(l);
}
