/* Private parts of the image module, shared by its files. */
#ifndef BERTH_IMAGE_INTERNAL_H
#define BERTH_IMAGE_INTERNAL_H

#include <archive.h>
#include <stdbool.h>
#include <stdint.h>

#include "image/image.h"

struct image_store {
    struct store *db;
    char *root;   /* <data-root>/image */
    char *blobs;  /* <root>/blobs/sha256 */
    char *layers; /* <root>/<driver> */
    char *tmp;    /* staging, same file system */
    char *driver;
};

/* An incremental sha256. */
struct image_hash;
struct image_hash *image_hash_new(void);
void image_hash_update(struct image_hash *h, const void *data, size_t len);
/* Finish into out ("sha256:<hex>") and free h. */
void image_hash_finish(struct image_hash *h, char *out);
void image_hash_free(struct image_hash *h);

/* What an extraction does besides writing files. */
struct extract_opts {
    bool layer;            /* whiteouts to overlay form, owners, xattrs, times */
    int64_t *content_size; /* sum of regular file sizes, may be NULL */
};

/* Extract every entry of a (for tar) into the directory root_fd, resolving
 * each path beneath it without following symlinks. */
int extract_archive(struct archive *a, int root, const struct extract_opts *o, struct berr *err);

/* Open path beneath root_fd for reading, following symlinks only inside
 * root (RESOLVE_IN_ROOT). */
int open_in_root(int root_fd, const char *path, struct berr *err);

/* Read a whole file beneath root_fd (in-root resolution). */
int read_in_root(int root_fd, const char *path, char **out, size_t *len, struct berr *err);

/* Put bytes in the content store under their digest. */
int blob_put(struct image_store *is, const void *data, size_t len, char *digest_out,
             struct berr *err);

/* Directory of a layer: <layers>/<chain hex>. */
char *layer_path(struct image_store *is, const char *chain_id);

/* A new staging directory under tmp; the caller removes it. */
char *staging_dir(struct image_store *is, const char *what, struct berr *err);

/* Record one layer whose files are ready in staging (diff/, layer.tar):
 * rename into place and insert in one transaction. */
int layer_register(struct image_store *is, const char *staging, const char *chain_id,
                   const char *diff_id, const char *parent, int64_t size, struct berr *err);

/* Remove a layer no image uses (refs 0), record and directory. */
void layer_drop_unused(struct image_store *is, const char *chain_id);

void cleanup_archive_readp(struct archive **a);
#define _cleanup_archive_ __attribute__((cleanup(cleanup_archive_readp)))

#endif
