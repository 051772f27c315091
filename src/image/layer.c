/* The layer store: one directory per layer, keyed by chain ID.
 *
 * A layer is read through two libarchive readers: the first only undoes
 * the compression (raw format), the second reads the tar from the first's
 * output.  Between them every uncompressed byte is hashed (the diff ID)
 * and, for compressed input, teed into layer.tar.  Everything happens in a
 * staging directory under tmp/; the layer appears under its chain ID by one
 * rename, in the same transaction that records it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive_entry.h>

#include "image/image-internal.h"
#include "store/store.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/mem.h"

#define READ_BLOCK (256 * 1024)

struct pipe_ctx {
    struct archive *raw;
    struct image_hash *hash;
    int tee_fd;
    char *buf;
    bool failed;
    char *tee_error;
};

char *layer_path(struct image_store *is, const char *chain_id)
{
    const char *hex = strchr(chain_id, ':');

    return xasprintf("%s/%s", is->layers, hex ? hex + 1 : chain_id);
}

char *staging_dir(struct image_store *is, const char *what, struct berr *err)
{
    char *dir = xasprintf("%s/%s-XXXXXX", is->tmp, what);

    if (!mkdtemp(dir)) {
        berr_system(err, errno, "create staging directory %s", dir);
        free(dir);
        return NULL;
    }
    return dir;
}

static int tee_write(struct pipe_ctx *p, const void *buf, size_t len)
{
    const char *c = buf;

    while (len > 0) {
        ssize_t w = write(p->tee_fd, c, len);
        if (w < 0) {
            p->tee_error = xasprintf("write layer.tar: %s", strerror(errno));
            return -1;
        }
        c += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Read callback of the tar reader: the next uncompressed bytes. */
static la_ssize_t pipe_read(struct archive *a, void *data, const void **buf)
{
    struct pipe_ctx *p = data;
    la_ssize_t n = archive_read_data(p->raw, p->buf, READ_BLOCK);

    if (n < 0) {
        archive_set_error(a, EIO, "%s", archive_error_string(p->raw));
        p->failed = true;
        return -1;
    }
    image_hash_update(p->hash, p->buf, (size_t)n);
    if (p->tee_fd >= 0 && n > 0 && tee_write(p, p->buf, (size_t)n) < 0) {
        archive_set_error(a, EIO, "%s", p->tee_error);
        return -1;
    }
    *buf = p->buf;
    return n;
}

/* The tar reader may stop at the end-of-archive blocks: the rest of the
 * stream still counts for the diff ID. */
static int pipe_drain(struct pipe_ctx *p, struct berr *err)
{
    la_ssize_t n;

    while ((n = archive_read_data(p->raw, p->buf, READ_BLOCK)) > 0) {
        image_hash_update(p->hash, p->buf, (size_t)n);
        if (p->tee_fd >= 0 && tee_write(p, p->buf, (size_t)n) < 0)
            return berr_system(err, 0, "%s", p->tee_error);
    }
    if (n < 0)
        return berr_invalid(err, "read layer: %s", archive_error_string(p->raw));
    return 0;
}

static int open_raw(int fd, struct archive **out, bool *compressed, struct berr *err)
{
    _cleanup_archive_ struct archive *raw = archive_read_new();
    struct archive_entry *ent;

    archive_read_support_filter_all(raw);
    archive_read_support_format_raw(raw);
    archive_read_support_format_empty(raw);
    if (archive_read_open_fd(raw, fd, READ_BLOCK) != ARCHIVE_OK)
        return berr_invalid(err, "read layer: %s", archive_error_string(raw));
    if (archive_read_next_header(raw, &ent) != ARCHIVE_OK)
        return berr_invalid(err, "read layer: %s", archive_error_string(raw));
    *compressed = archive_filter_code(raw, 0) != ARCHIVE_FILTER_NONE;
    *out = steal_ptr(raw);
    return 0;
}

/* Extract fd into staging/diff; tee into staging/layer.tar when the input
 * is compressed or always_tee. *teed tells whether layer.tar was written. */
static int extract_layer(int fd, const char *staging, bool tee_all, char *out, int64_t *size,
                         bool *teed, struct berr *err)
{
    _cleanup_archive_ struct archive *raw = NULL;
    _cleanup_archive_ struct archive *tar = archive_read_new();
    _cleanup_free_ char *diff = xasprintf("%s/diff", staging);
    _cleanup_free_ char *tee = xasprintf("%s/layer.tar", staging);
    _cleanup_free_ char *buf = xmalloc(READ_BLOCK);
    _cleanup_close_ int root_fd = -1;
    _cleanup_close_ int tee_fd = -1;
    struct extract_opts o = {.layer = true, .content_size = size};
    struct pipe_ctx p = {0};
    bool compressed = false;
    int rc;

    if (open_raw(fd, &raw, &compressed, err) < 0)
        return -1;
    if (mkdir(diff, 0755) < 0 || (root_fd = open(diff, O_RDONLY | O_DIRECTORY)) < 0)
        return berr_system(err, errno, "create %s", diff);
    *teed = compressed || tee_all;
    if (*teed && (tee_fd = open(tee, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
        return berr_system(err, errno, "create %s", tee);

    p = (struct pipe_ctx){.raw = raw, .hash = image_hash_new(), .tee_fd = tee_fd, .buf = buf};
    archive_read_support_format_tar(tar);
    archive_read_support_format_empty(tar);
    rc = archive_read_open(tar, &p, NULL, pipe_read, NULL) == ARCHIVE_OK ? 0 : -1;
    if (rc < 0)
        berr_invalid(err, "read layer: %s", archive_error_string(tar));
    if (rc == 0)
        rc = extract_archive(tar, root_fd, &o, err);
    if (rc == 0)
        rc = pipe_drain(&p, err);
    free(p.tee_error);
    if (rc < 0) {
        image_hash_free(p.hash);
        return -1;
    }
    image_hash_finish(p.hash, out);
    return 0;
}

static int link_source(int fd, const char *staging, struct berr *err)
{
    _cleanup_free_ char *tar = xasprintf("%s/layer.tar", staging);

    if (linkat(fd, "", AT_FDCWD, tar, AT_EMPTY_PATH) < 0)
        return berr_system(err, errno, "link %s", tar);
    return 0;
}

static int add_staged(struct image_store *is, int fd, const char *staging, const char *parent,
                      const char *expect, bool can_link, char *diff_id, struct berr *err)
{
    char chain[IMAGE_DIGEST_LEN + 1];
    int64_t size = 0;
    bool teed = false;

    if (extract_layer(fd, staging, !can_link, diff_id, &size, &teed, err) < 0)
        return -1;
    if (expect && strcmp(expect, diff_id) != 0)
        return berr_invalid(err, "expected \"%s\", got \"%s\"", expect, diff_id);
    if (!teed && link_source(fd, staging, err) < 0)
        return -1;
    image_chain_id(parent, diff_id, chain);
    return layer_register(is, staging, chain, diff_id, parent, size, err);
}

int image_layer_add(struct image_store *is, int fd, const char *parent_chain,
                    const char *expect_diff_id, char *diff_id_out, struct berr *err)
{
    _cleanup_free_ char *staging = staging_dir(is, "layer", err);
    struct berr cleanup_err = BERR_INIT;
    struct stat st;
    int rc;

    if (!staging)
        return -1;
    /* A regular file we may hard-link as layer.tar when not compressed; a
     * spooled, already unlinked body cannot be linked and is copied. */
    bool can_link = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink > 0;
    rc = add_staged(is, fd, staging, parent_chain, expect_diff_id, can_link, diff_id_out, err);
    if (fs_remove_all(staging, &cleanup_err) < 0) {
        log_warn("image: cannot remove %s: %s", staging, berr_msg(&cleanup_err));
        berr_clear(&cleanup_err);
    }
    return rc;
}

bool image_layer_exists(struct image_store *is, const char *chain_id)
{
    _cleanup_stmt_ sqlite3_stmt *st = NULL;
    bool found = false;

    store_lock(is->db);
    if (sqlite3_prepare_v2(store_db(is->db), "SELECT 1 FROM layers WHERE chain_id = ?", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, chain_id, -1, SQLITE_STATIC);
        found = sqlite3_step(st) == SQLITE_ROW;
    }
    store_unlock(is->db);
    return found;
}

static int insert_layer(struct image_store *is, const char *chain_id, const char *diff_id,
                        const char *parent, int64_t size, struct berr *err)
{
    _cleanup_stmt_ sqlite3_stmt *st = NULL;
    sqlite3 *db = store_db(is->db);

    if (sqlite3_prepare_v2(db,
                           "INSERT INTO layers (chain_id, diff_id, parent, size, refs)"
                           " VALUES (?, ?, ?, ?, 0)",
                           -1, &st, NULL) != SQLITE_OK)
        return store_error(is->db, err, "insert layer");
    sqlite3_bind_text(st, 1, chain_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, diff_id, -1, SQLITE_STATIC);
    if (parent)
        sqlite3_bind_text(st, 3, parent, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, size);
    if (sqlite3_step(st) != SQLITE_DONE)
        return store_error(is->db, err, "insert layer");
    return 0;
}

int layer_register(struct image_store *is, const char *staging, const char *chain_id,
                   const char *diff_id, const char *parent, int64_t size, struct berr *err)
{
    _cleanup_free_ char *dest = layer_path(is, chain_id);

    if (store_tx_begin(is->db, err) < 0)
        return -1;
    if (image_layer_exists(is, chain_id)) {
        /* Loaded meanwhile by someone else: keep theirs. */
        store_tx_rollback(is->db);
        return 0;
    }
    if (rename(staging, dest) < 0) {
        berr_system(err, errno, "rename layer into %s", dest);
        store_tx_rollback(is->db);
        return -1;
    }
    if (insert_layer(is, chain_id, diff_id, parent, size, err) < 0) {
        store_tx_rollback(is->db);
        rename(dest, staging);
        return -1;
    }
    if (store_tx_commit(is->db, err) < 0) {
        rename(dest, staging);
        return -1;
    }
    /* The staging path is gone now; recreate it so the caller's removal
     * finds an empty directory. */
    mkdir(staging, 0700);
    log_debug("image: layer %s (diff %s, %lld bytes) at %s", chain_id, diff_id, (long long)size,
              dest);
    return 0;
}
