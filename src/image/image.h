/* image: the content store, the layer store and the image records.
 *
 * Layout under the data root:
 *   image/blobs/sha256/<hex>          content store: image configs, by digest
 *   image/overlay2/<chainhex>/diff    one extracted layer (overlayfs form)
 *   image/overlay2/<chainhex>/layer.tar  its uncompressed tar (diff ID = sha256)
 * Records live in the store's tables images, image_refs, layers and
 * image_layers.  Image IDs are "sha256:<hex>" of the exact config bytes;
 * layers are keyed by chain ID and shared between images, counted in
 * layers.refs.
 *
 * Every function may be called from any thread: the store serialises the
 * records, and files only appear under their final name by rename().
 * Functions return 0 or -1 with err set (kind chosen for the API).
 */
#ifndef BERTH_IMAGE_H
#define BERTH_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct store;
struct image_store;

/* ---- digests ---- */

/* "sha256:<64 hex>" of data; out holds at least IMAGE_DIGEST_LEN + 1. */
#define IMAGE_DIGEST_LEN 71
void image_digest(const void *data, size_t len, char *out);
/* Is s "sha256:" followed by 64 lower-case hex digits? */
bool image_digest_valid(const char *s);
/* Chain ID of a layer: its diff ID for the bottom layer, else
 * sha256(parent_chain + " " + diff_id).  out as for image_digest. */
void image_chain_id(const char *parent_chain, const char *diff_id, char *out);

/* ---- references ---- */

/* A normalised reference: domain "docker.io", path "library/busybox",
 * tag "latest" or NULL, digest "sha256:..." or NULL. */
struct image_ref {
    char *domain;
    char *path;
    char *tag;
    char *digest;
};

/* Parse as the docker CLI does (ParseNormalizedNamed).  Errors are
 * BERR_INVALID with distribution's messages ("invalid reference format"). */
int image_ref_parse(const char *s, struct image_ref *out, struct berr *err);
/* Add the tag "latest" when there is neither tag nor digest. */
void image_ref_default_tag(struct image_ref *r);
void image_ref_release(struct image_ref *r);
/* "docker.io/library/busybox:latest" (tag or digest as present). */
char *image_ref_full(const struct image_ref *r);
/* The short form users type: "busybox:latest", "localhost:5000/x:1". */
char *image_ref_familiar(const struct image_ref *r);
/* Familiar name without tag or digest: "busybox". */
char *image_ref_familiar_name(const struct image_ref *r);
/* Familiar string of a stored full reference ("docker.io/library/a:1" gives
 * "a:1"); returns a copy. */
char *image_ref_familiarize(const char *full);

/* ---- the store ---- */

/* Open the image store under data_root (creating its directories) with
 * staging under tmp_dir (same file system), collect what a crash left
 * behind (unreferenced layers, stray directories).  driver is "overlay2"
 * or "vfs" (NULL: overlay2). */
int image_store_open(struct store *db, const char *data_root, const char *tmp_dir,
                     const char *driver, struct image_store **out, struct berr *err);
void image_store_free(struct image_store *is);
const char *image_store_driver(const struct image_store *is);
const char *image_store_root(const struct image_store *is);

/* Resolve a user's reference or ID (as dockerd's GetImage): full digest
 * ID, name[:tag] or name@digest, else a unique ID prefix.  Not found: 404
 * "No such image: <familiar ref>".  *id_out "sha256:<hex>". */
int image_resolve(struct image_store *is, const char *ref_or_id, char **id_out, struct berr *err);

/* Is s a (possibly short) image ID rather than a name: hex prefix of id,
 * or id itself, or "sha256:" + hex prefix? */
bool image_is_id_prefix(const char *id, const char *s);

struct image_info {
    char *id;     /* sha256:<hex> */
    char *config; /* exact config bytes, NUL-terminated */
    size_t config_len;
    int64_t created;      /* unix seconds, from the config */
    int64_t size;         /* sum of the layers' content sizes */
    int64_t last_tag_ns;  /* 0 when never tagged */
    char **tags;          /* full refs with a tag, sorted; never NULL */
    char **digests;       /* full refs with a digest, sorted; never NULL */
    char **chain_ids;     /* bottom first; never NULL */
    char **diff_ids;      /* bottom first; never NULL */
    int64_t *layer_sizes; /* per layer, bottom first */
};

int image_info_get(struct image_store *is, const char *id, struct image_info **out,
                   struct berr *err);
void image_info_free(struct image_info *info);

/* All image IDs, NULL-terminated. */
int image_list_ids(struct image_store *is, char ***out, struct berr *err);

/* Full refs (tags and digests) pointing at id, sorted. */
int image_refs_of(struct image_store *is, const char *id, char ***out, struct berr *err);

/* Point full_ref (from image_ref_full) at id.  *previous_out receives the
 * image it pointed at before when that was another image (else NULL;
 * previous_out may be NULL). */
int image_tag(struct image_store *is, const char *id, const char *full_ref, char **previous_out,
              struct berr *err);
/* Remove one full ref; 404 when absent. */
int image_untag(struct image_store *is, const char *full_ref, struct berr *err);

/* Delete the record of id and its refs; layers no longer used are removed
 * from disk.  *removed_layers (may be NULL) receives their chain IDs. */
int image_delete(struct image_store *is, const char *id, char ***removed_layers, struct berr *err);

/* Overlay lowerdirs of id, top-most first. */
int image_layer_dirs(struct image_store *is, const char *id, char ***out, struct berr *err);

/* ---- layers ---- */

/* Extract one layer tar (plain, gzip, bzip2, xz or zstd) read from fd into
 * a directory in overlayfs form, refusing any entry that would land
 * outside it.  When expect_diff_id is not NULL the uncompressed stream
 * must hash to it.  The layer is registered under its chain ID on top of
 * parent_chain (NULL for the bottom layer); an existing layer is kept and
 * the new copy discarded.  *diff_id_out (IMAGE_DIGEST_LEN + 1) gets the
 * diff ID.  On error nothing is left behind. */
int image_layer_add(struct image_store *is, int fd, const char *parent_chain,
                    const char *expect_diff_id, char *diff_id_out, struct berr *err);
bool image_layer_exists(struct image_store *is, const char *chain_id);

/* ---- creating images ---- */

/* Record an image from its config bytes; every layer of rootfs.diff_ids
 * must be registered.  The config goes to the content store.  *id_out is
 * the image ID; *existed tells whether it was already there. */
int image_create(struct image_store *is, const char *config, size_t len, char **id_out,
                 bool *existed, struct berr *err);

struct image_import_opts {
    char *const *changes; /* Dockerfile instructions: CMD, ENV, ... */
    const char *comment;  /* history comment and config comment */
    const char *arch;
    const char *os;
    const char *variant; /* may be NULL */
};

/* docker import: one layer from fd plus a config made from opts. */
int image_import(struct image_store *is, int fd, const struct image_import_opts *opts,
                 char **id_out, struct berr *err);

/* Apply Dockerfile-style changes to a container config object (jansson
 * json_t *, given as void * to keep jansson out of this header). */
int image_apply_changes(void *config, char *const *changes, struct berr *err);

/* ---- archives ---- */

struct image_loaded {
    char *id;
    char **tags;     /* familiar refs tagged by this load; never NULL */
    char **replaced; /* per tag, the image ID the tag left, or "" */
};

struct image_load_cb {
    /* A layer finished (id12 = short diff ID); may be NULL. */
    void (*layer_done)(void *ctx, const char *id12, int64_t size);
    void *ctx;
};

/* docker load: a docker-save archive (manifest.json; both the v25+ and
 * the older layout) or an OCI image layout (index.json), optionally
 * compressed, read from fd.  *out gets n entries (free with
 * image_loaded_free). */
int image_load(struct image_store *is, int fd, const struct image_load_cb *cb,
               struct image_loaded **out, size_t *n, struct berr *err);
void image_loaded_free(struct image_loaded *l, size_t n);

struct image_save_item {
    const char *id;
    char **refs; /* full tag refs to record for it; may be NULL */
};

/* docker save: write a docker-save archive (manifest.json, repositories,
 * oci-layout, index.json, blobs/sha256/) of items through write; write
 * returns -1 when the reader is gone. */
int image_save(struct image_store *is, const struct image_save_item *items, size_t n,
               int (*write)(void *ctx, const void *buf, size_t len), void *ctx, struct berr *err);

/* This host's architecture in Go's naming ("amd64", "arm64"), as image
 * configs and platform strings spell it. */
const char *image_host_arch(void);

#endif
