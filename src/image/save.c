/* docker save: one tar holding both layouts dockerd v25+ writes.
 *   blobs/sha256/<hex>  configs, OCI manifests, uncompressed layer tars
 *   manifest.json       [{"Config","RepoTags","Layers"}]
 *   repositories        {"repo":{"tag":"<top layer hex>"}} when tagged
 *   index.json, oci-layout
 * Timestamps are zero, so saving the same images gives the same bytes. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive_entry.h>

#include "image/image-internal.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

#define MEDIA_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MEDIA_CONFIG   "application/vnd.oci.image.config.v1+json"
#define MEDIA_LAYER    "application/vnd.oci.image.layer.v1.tar"

struct save_ctx {
    struct image_store *is;
    struct archive *a;
    int (*write)(void *ctx, const void *buf, size_t len);
    void *wctx;
    json_t *written; /* blob digests already in the archive */
};

static la_ssize_t save_write(struct archive *a, void *data, const void *buf, size_t len)
{
    struct save_ctx *c = data;

    if (c->write(c->wctx, buf, len) < 0) {
        archive_set_error(a, EPIPE, "client went away");
        return -1;
    }
    return (la_ssize_t)len;
}

static struct archive_entry *new_entry(const char *path, mode_t type, int64_t size)
{
    struct archive_entry *e = archive_entry_new();

    archive_entry_set_pathname(e, path);
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
    archive_entry_set_size(e, size);
    archive_entry_set_mtime(e, 0, 0);
    return e;
}

static int put_header(struct save_ctx *c, struct archive_entry *e, struct berr *err)
{
    int r = archive_write_header(c->a, e);

    archive_entry_free(e);
    if (r != ARCHIVE_OK)
        return berr_system(err, 0, "write archive: %s", archive_error_string(c->a));
    return 0;
}

static int put_data(struct save_ctx *c, const void *data, size_t len, struct berr *err)
{
    if (len && archive_write_data(c->a, data, len) != (la_ssize_t)len)
        return berr_system(err, 0, "write archive: %s", archive_error_string(c->a));
    return 0;
}

static int put_file(struct save_ctx *c, const char *path, const void *data, size_t len,
                    struct berr *err)
{
    if (put_header(c, new_entry(path, AE_IFREG, (int64_t)len), err) < 0)
        return -1;
    return put_data(c, data, len, err);
}

static int put_blob(struct save_ctx *c, const char *digest, const void *data, size_t len,
                    struct berr *err)
{
    _cleanup_free_ char *path = xasprintf("blobs/sha256/%s", digest + 7);

    if (json_object_get(c->written, digest))
        return 0;
    json_object_set_new(c->written, digest, json_true());
    return put_file(c, path, data, len, err);
}

static int put_layer(struct save_ctx *c, const char *chain, const char *diff, int64_t *size,
                     struct berr *err)
{
    _cleanup_free_ char *dir = layer_path(c->is, chain);
    _cleanup_free_ char *tar = xasprintf("%s/layer.tar", dir);
    _cleanup_free_ char *path = xasprintf("blobs/sha256/%s", diff + 7);
    _cleanup_free_ char *buf = xmalloc(256 * 1024);
    _cleanup_close_ int fd = open(tar, O_RDONLY | O_CLOEXEC);
    struct stat st;
    ssize_t n;

    if (fd < 0 || fstat(fd, &st) < 0)
        return berr_system(err, errno, "open %s", tar);
    *size = st.st_size;
    if (json_object_get(c->written, diff))
        return 0;
    json_object_set_new(c->written, diff, json_true());
    if (put_header(c, new_entry(path, AE_IFREG, st.st_size), err) < 0)
        return -1;
    while ((n = read(fd, buf, 256 * 1024)) > 0) {
        if (put_data(c, buf, (size_t)n, err) < 0)
            return -1;
    }
    if (n < 0)
        return berr_system(err, errno, "read %s", tar);
    return 0;
}

static json_t *descriptor(const char *media, const char *digest, int64_t size)
{
    return json_pack("{s:s,s:s,s:I}", "mediaType", media, "digest", digest, "size",
                     (json_int_t)size);
}

static void add_refs(const struct image_save_item *it, const char *id, const char *top_diff,
                     json_t *tags, json_t *index, json_t *repos, const char *oci_digest,
                     size_t oci_len)
{
    for (size_t i = 0; it->refs && it->refs[i]; i++) {
        struct image_ref r;
        struct berr err = BERR_INIT;
        if (image_ref_parse(it->refs[i], &r, &err) < 0 || !r.tag) {
            if (!berr_is_set(&err))
                image_ref_release(&r);
            berr_clear(&err);
            continue;
        }
        _cleanup_free_ char *familiar = image_ref_familiar(&r);
        _cleanup_free_ char *name = image_ref_familiar_name(&r);
        json_t *d = descriptor(MEDIA_MANIFEST, oci_digest, (int64_t)oci_len);
        json_object_set_new(d, "annotations",
                            json_pack("{s:s,s:s}", "io.containerd.image.name", it->refs[i],
                                      "org.opencontainers.image.ref.name", r.tag));
        json_array_append_new(index, d);
        json_array_append_new(tags, json_string(familiar));
        if (top_diff) {
            if (!json_object_get(repos, name))
                json_object_set_new(repos, name, json_object());
            json_object_set_new(json_object_get(repos, name), r.tag, json_string(top_diff + 7));
        }
        image_ref_release(&r);
    }
    if (!it->refs || !it->refs[0]) {
        json_t *d = descriptor(MEDIA_MANIFEST, oci_digest, (int64_t)oci_len);
        json_object_set_new(d, "annotations", json_pack("{s:s}", "io.containerd.image.name", id));
        json_array_append_new(index, d);
    }
}

static void cleanup_infop(struct image_info **p)
{
    image_info_free(*p);
}

/* The blobs of one image, its manifest.json entry and index.json
 * descriptors. */
static int save_image(struct save_ctx *c, const struct image_save_item *it, json_t *manifest,
                      json_t *index, json_t *repos, struct berr *err)
{
    __attribute__((cleanup(cleanup_infop))) struct image_info *info = NULL;
    _cleanup_json_ json_t *layers = json_array();
    _cleanup_json_ json_t *descs = json_array();
    _cleanup_json_ json_t *oci = NULL;
    _cleanup_free_ char *oci_text = NULL;
    char oci_digest[IMAGE_DIGEST_LEN + 1];
    json_t *tags = json_array();
    size_t n, len;

    if (image_info_get(c->is, it->id, &info, err) < 0 ||
        put_blob(c, info->id, info->config, info->config_len, err) < 0) {
        json_decref(tags);
        return -1;
    }
    for (n = 0; info->chain_ids[n]; n++) {
        int64_t size = 0;
        if (put_layer(c, info->chain_ids[n], info->diff_ids[n], &size, err) < 0) {
            json_decref(tags);
            return -1;
        }
        json_array_append_new(layers, json_sprintf("blobs/sha256/%s", info->diff_ids[n] + 7));
        json_array_append_new(descs, descriptor(MEDIA_LAYER, info->diff_ids[n], size));
    }
    len = info->config_len;
    oci = json_pack("{s:i,s:s,s:o,s:O}", "schemaVersion", 2, "mediaType", MEDIA_MANIFEST, "config",
                    descriptor(MEDIA_CONFIG, info->id, (int64_t)len), "layers", descs);
    oci_text = json_dumps_compact(oci);
    image_digest(oci_text, strlen(oci_text), oci_digest);
    if (put_blob(c, oci_digest, oci_text, strlen(oci_text), err) < 0) {
        json_decref(tags);
        return -1;
    }
    add_refs(it, info->id, n ? info->diff_ids[n - 1] : NULL, tags, index, repos, oci_digest,
             strlen(oci_text));
    json_array_append_new(
        manifest, json_pack("{s:s+,s:o,s:O}", "Config", "blobs/sha256/", info->id + 7, "RepoTags",
                            json_array_size(tags) ? tags : json_null(), "Layers", layers));
    if (!json_array_size(tags))
        json_decref(tags);
    return 0;
}

static int put_json(struct save_ctx *c, const char *path, json_t *doc, struct berr *err)
{
    _cleanup_free_ char *text = json_dumps(doc, JSON_COMPACT);
    _cleanup_free_ char *line = xasprintf("%s\n", text);

    return put_file(c, path, line, strlen(line), err);
}

static int save_all(struct save_ctx *c, const struct image_save_item *items, size_t n,
                    struct berr *err)
{
    _cleanup_json_ json_t *manifest = json_array();
    _cleanup_json_ json_t *index_list = json_array();
    _cleanup_json_ json_t *repos = json_object();
    _cleanup_json_ json_t *index = NULL;
    static const char layout[] = "{\"imageLayoutVersion\": \"1.0.0\"}";

    if (put_header(c, new_entry("blobs", AE_IFDIR, 0), err) < 0 ||
        put_header(c, new_entry("blobs/sha256", AE_IFDIR, 0), err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (save_image(c, &items[i], manifest, index_list, repos, err) < 0)
            return berr_wrap(err, "save %s", items[i].id);
    }
    index = json_pack("{s:i,s:s,s:O}", "schemaVersion", 2, "mediaType",
                      "application/vnd.oci.image.index.v1+json", "manifests", index_list);
    if (put_json(c, "index.json", index, err) < 0 ||
        put_json(c, "manifest.json", manifest, err) < 0 ||
        put_file(c, "oci-layout", layout, strlen(layout), err) < 0)
        return -1;
    if (json_object_size(repos) && put_json(c, "repositories", repos, err) < 0)
        return -1;
    return 0;
}

int image_save(struct image_store *is, const struct image_save_item *items, size_t n,
               int (*write)(void *ctx, const void *buf, size_t len), void *ctx, struct berr *err)
{
    struct save_ctx c = {.is = is, .write = write, .wctx = ctx, .written = json_object()};
    int rc;

    c.a = archive_write_new();
    archive_write_set_format_pax_restricted(c.a);
    archive_write_set_bytes_per_block(c.a, 10240);
    if (archive_write_open(c.a, &c, NULL, save_write, NULL) != ARCHIVE_OK) {
        rc = berr_system(err, 0, "write archive: %s", archive_error_string(c.a));
    } else {
        rc = save_all(&c, items, n, err);
        if (archive_write_close(c.a) != ARCHIVE_OK && rc == 0)
            rc = berr_system(err, 0, "write archive: %s", archive_error_string(c.a));
    }
    archive_write_free(c.a);
    json_decref(c.written);
    return rc;
}
