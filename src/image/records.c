/* Image records in the store: images keyed by config digest, their refs
 * (tags and digests, stored as full references) and the layers they use,
 * with the layers' reference counts kept in the same transactions. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "image/image-internal.h"
#include "store/store.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

/* Run sql with up to two text parameters; collect column 0 of each row. */
static int query_strv(struct image_store *is, const char *sql, const char *a, const char *b,
                      char ***out, struct berr *err)
{
    _cleanup_stmt_ sqlite3_stmt *st = NULL;
    _cleanup_strv_ char **v = xcalloc(1, sizeof(char *));
    int rc;

    store_lock(is->db);
    if (sqlite3_prepare_v2(store_db(is->db), sql, -1, &st, NULL) != SQLITE_OK) {
        store_error(is->db, err, "query");
        store_unlock(is->db);
        return -1;
    }
    if (a)
        sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    if (b)
        sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        strv_push(&v, (const char *)sqlite3_column_text(st, 0));
    if (rc != SQLITE_DONE)
        store_error(is->db, err, "query");
    store_unlock(is->db);
    if (rc != SQLITE_DONE)
        return -1;
    *out = steal_ptr(v);
    return 0;
}

/* Run a statement with up to two text parameters and no result. */
static int exec2(struct image_store *is, const char *sql, const char *a, const char *b,
                 struct berr *err)
{
    _cleanup_stmt_ sqlite3_stmt *st = NULL;
    int rc;

    store_lock(is->db);
    rc = sqlite3_prepare_v2(store_db(is->db), sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        if (a)
            sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
        if (b)
            sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
    }
    if (rc != SQLITE_DONE)
        store_error(is->db, err, "update");
    store_unlock(is->db);
    return rc == SQLITE_DONE ? 0 : -1;
}

static char *query_one(struct image_store *is, const char *sql, const char *a)
{
    _cleanup_strv_ char **v = NULL;
    struct berr err = BERR_INIT;

    if (query_strv(is, sql, a, NULL, &v, &err) < 0) {
        log_warn("image: %s", berr_msg(&err));
        berr_clear(&err);
        return NULL;
    }
    return v[0] ? xstrdup(v[0]) : NULL;
}

/* ---- opening and collecting garbage ---- */

static void remove_quietly(const char *path)
{
    struct berr err = BERR_INIT;

    if (fs_remove_all(path, &err) < 0) {
        log_warn("image: cannot remove %s: %s", path, berr_msg(&err));
        berr_clear(&err);
    }
}

/* Drop what a crash left: layers no image uses, directories no record
 * names. */
static int collect_garbage(struct image_store *is, struct berr *err)
{
    _cleanup_closedir_ DIR *d = NULL;
    struct dirent *de;

    if (exec2(is,
              "UPDATE layers SET refs = (SELECT COUNT(*) FROM image_layers il"
              " WHERE il.chain_id = layers.chain_id)",
              NULL, NULL, err) < 0 ||
        exec2(is, "DELETE FROM layers WHERE refs <= 0", NULL, NULL, err) < 0)
        return -1;
    d = opendir(is->layers);
    if (!d)
        return berr_system(err, errno, "open %s", is->layers);
    while ((de = readdir(d))) {
        _cleanup_free_ char *chain = xasprintf("sha256:%s", de->d_name);
        _cleanup_free_ char *path = NULL;
        if (de->d_name[0] == '.' || image_layer_exists(is, chain))
            continue;
        path = xasprintf("%s/%s", is->layers, de->d_name);
        log_debug("image: removing stray layer directory %s", path);
        remove_quietly(path);
    }
    return 0;
}

int image_store_open(struct store *db, const char *data_root, const char *tmp_dir,
                     const char *driver, struct image_store **out, struct berr *err)
{
    struct image_store *is = xcalloc(1, sizeof(*is));

    is->db = db;
    is->driver = xstrdup(driver ? driver : "overlay2");
    is->root = xasprintf("%s/image", data_root);
    is->blobs = xasprintf("%s/blobs/sha256", is->root);
    is->layers = xasprintf("%s/%s", is->root, is->driver);
    is->tmp = xstrdup(tmp_dir);
    if (fs_mkdir_p(is->blobs, 0700, err) < 0 || fs_mkdir_p(is->layers, 0700, err) < 0 ||
        fs_mkdir_p(is->tmp, 0700, err) < 0 || collect_garbage(is, err) < 0) {
        image_store_free(is);
        return berr_wrap(err, "open image store");
    }
    log_debug("image: store at %s, driver %s", is->root, is->driver);
    *out = is;
    return 0;
}

void image_store_free(struct image_store *is)
{
    if (!is)
        return;
    free(is->root);
    free(is->blobs);
    free(is->layers);
    free(is->tmp);
    free(is->driver);
    free(is);
}

const char *image_store_driver(const struct image_store *is)
{
    return is->driver;
}

const char *image_store_root(const struct image_store *is)
{
    return is->root;
}

/* ---- lookups ---- */

static bool image_exists(struct image_store *is, const char *id)
{
    _cleanup_free_ char *found = query_one(is, "SELECT id FROM images WHERE id = ?", id);

    return found != NULL;
}

static int resolve_id_prefix(struct image_store *is, const char *s, char **id_out)
{
    _cleanup_strv_ char **ids = NULL;
    _cleanup_free_ char *pattern = NULL;
    struct berr err = BERR_INIT;
    const char *hex = strncmp(s, "sha256:", 7) ? s : s + 7;

    if (!*hex || strspn(hex, "0123456789abcdef") != strlen(hex))
        return -1;
    pattern = xasprintf("sha256:%s%%", hex);
    if (query_strv(is, "SELECT id FROM images WHERE id LIKE ?", pattern, NULL, &ids, &err) < 0) {
        berr_clear(&err);
        return -1;
    }
    if (strv_len(ids) != 1)
        return -1;
    *id_out = xstrdup(ids[0]);
    return 0;
}

int image_resolve(struct image_store *is, const char *s, char **id_out, struct berr *err)
{
    struct image_ref r;
    _cleanup_free_ char *full = NULL;
    _cleanup_free_ char *familiar = NULL;

    if (image_digest_valid(s) || (strlen(s) == 64 && image_is_id_prefix(s, s))) {
        _cleanup_free_ char *id = s[0] == 's' ? xstrdup(s) : xasprintf("sha256:%s", s);
        if (!image_exists(is, id))
            return berr_not_found(err, "No such image: %s", id);
        *id_out = steal_ptr(id);
        return 0;
    }
    if (image_ref_parse(s, &r, err) < 0)
        return -1;
    image_ref_default_tag(&r);
    full = image_ref_full(&r);
    familiar = image_ref_familiar(&r);
    image_ref_release(&r);

    *id_out = query_one(is, "SELECT image_id FROM image_refs WHERE ref = ?", full);
    if (*id_out || resolve_id_prefix(is, s, id_out) == 0)
        return 0;
    return berr_not_found(err, "No such image: %s", familiar);
}

int image_list_ids(struct image_store *is, char ***out, struct berr *err)
{
    return query_strv(is, "SELECT id FROM images ORDER BY created DESC, id", NULL, NULL, out, err);
}

int image_refs_of(struct image_store *is, const char *id, char ***out, struct berr *err)
{
    return query_strv(is, "SELECT ref FROM image_refs WHERE image_id = ? ORDER BY ref", id, NULL,
                      out, err);
}

static int load_row(struct image_store *is, struct image_info *info, struct berr *err)
{
    _cleanup_stmt_ sqlite3_stmt *st = NULL;
    int rc;

    store_lock(is->db);
    rc = sqlite3_prepare_v2(store_db(is->db),
                            "SELECT config, created, size, last_tag_time FROM images WHERE id = ?",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, info->id, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_ROW) {
        size_t len = (size_t)sqlite3_column_bytes(st, 0);
        info->config = xmalloc(len + 1);
        memcpy(info->config, sqlite3_column_blob(st, 0), len);
        info->config[len] = '\0';
        info->config_len = len;
        info->created = sqlite3_column_int64(st, 1);
        info->size = sqlite3_column_int64(st, 2);
        info->last_tag_ns = sqlite3_column_int64(st, 3);
    } else if (rc == SQLITE_DONE) {
        berr_not_found(err, "No such image: %s", info->id);
    } else {
        store_error(is->db, err, "read image");
    }
    store_unlock(is->db);
    return rc == SQLITE_ROW ? 0 : -1;
}

static int load_layers(struct image_store *is, struct image_info *info, struct berr *err)
{
    _cleanup_stmt_ sqlite3_stmt *st = NULL;
    size_t n = 0;
    int rc;

    info->chain_ids = xcalloc(1, sizeof(char *));
    info->diff_ids = xcalloc(1, sizeof(char *));
    store_lock(is->db);
    rc = sqlite3_prepare_v2(store_db(is->db),
                            "SELECT l.chain_id, l.diff_id, l.size FROM image_layers il"
                            " JOIN layers l ON l.chain_id = il.chain_id"
                            " WHERE il.image_id = ? ORDER BY il.idx",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, info->id, -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            strv_push(&info->chain_ids, (const char *)sqlite3_column_text(st, 0));
            strv_push(&info->diff_ids, (const char *)sqlite3_column_text(st, 1));
            info->layer_sizes = xrealloc(info->layer_sizes, (n + 1) * sizeof(int64_t));
            info->layer_sizes[n++] = sqlite3_column_int64(st, 2);
        }
    }
    if (rc != SQLITE_DONE)
        store_error(is->db, err, "read layers");
    store_unlock(is->db);
    return rc == SQLITE_DONE ? 0 : -1;
}

static void split_refs(struct image_info *info, char **refs)
{
    info->tags = xcalloc(1, sizeof(char *));
    info->digests = xcalloc(1, sizeof(char *));
    for (size_t i = 0; refs[i]; i++)
        strv_push(strchr(refs[i], '@') ? &info->digests : &info->tags, refs[i]);
}

int image_info_get(struct image_store *is, const char *id, struct image_info **out,
                   struct berr *err)
{
    struct image_info *info = xcalloc(1, sizeof(*info));
    _cleanup_strv_ char **refs = NULL;

    info->id = xstrdup(id);
    if (load_row(is, info, err) < 0 || load_layers(is, info, err) < 0 ||
        image_refs_of(is, id, &refs, err) < 0) {
        image_info_free(info);
        return -1;
    }
    split_refs(info, refs);
    *out = info;
    return 0;
}

void image_info_free(struct image_info *info)
{
    if (!info)
        return;
    free(info->id);
    free(info->config);
    strv_free(info->tags);
    strv_free(info->digests);
    strv_free(info->chain_ids);
    strv_free(info->diff_ids);
    free(info->layer_sizes);
    free(info);
}

int image_layer_dirs(struct image_store *is, const char *id, char ***out, struct berr *err)
{
    _cleanup_strv_ char **chains = NULL;
    _cleanup_strv_ char **dirs = xcalloc(1, sizeof(char *));
    size_t n;

    if (!image_exists(is, id))
        return berr_not_found(err, "No such image: %s", id);
    if (query_strv(is, "SELECT chain_id FROM image_layers WHERE image_id = ? ORDER BY idx", id,
                   NULL, &chains, err) < 0)
        return -1;
    n = strv_len(chains);
    for (size_t i = n; i > 0; i--) {
        _cleanup_free_ char *base = layer_path(is, chains[i - 1]);
        strv_push_take(&dirs, xasprintf("%s/diff", base));
    }
    *out = steal_ptr(dirs);
    return 0;
}

/* ---- tags ---- */

int image_tag(struct image_store *is, const char *id, const char *full_ref, char **previous_out,
              struct berr *err)
{
    _cleanup_free_ char *prev = NULL;
    _cleanup_free_ char *now = NULL;
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    now = xasprintf("%lld", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
    if (store_tx_begin(is->db, err) < 0)
        return -1;
    prev = query_one(is, "SELECT image_id FROM image_refs WHERE ref = ?", full_ref);
    if (exec2(is,
              "INSERT OR REPLACE INTO image_refs (ref, image_id, kind) VALUES (?, ?,"
              " CASE WHEN instr(?1, '@') > 0 THEN 'digest' ELSE 'tag' END)",
              full_ref, id, err) < 0 ||
        exec2(is, "UPDATE images SET last_tag_time = CAST(?1 AS INTEGER) WHERE id = ?2", now, id,
              err) < 0) {
        store_tx_rollback(is->db);
        return -1;
    }
    if (store_tx_commit(is->db, err) < 0)
        return -1;
    if (previous_out)
        *previous_out = prev && strcmp(prev, id) ? steal_ptr(prev) : NULL;
    log_debug("image: %s now points at %s", full_ref, id);
    return 0;
}

int image_untag(struct image_store *is, const char *full_ref, struct berr *err)
{
    _cleanup_free_ char *found =
        query_one(is, "SELECT image_id FROM image_refs WHERE ref = ?", full_ref);

    if (!found)
        return berr_not_found(err, "No such image: %s", full_ref);
    return exec2(is, "DELETE FROM image_refs WHERE ref = ?", full_ref, NULL, err);
}

/* ---- delete ---- */

static int delete_rows(struct image_store *is, const char *id, char **chains, char ***removed,
                       struct berr *err)
{
    _cleanup_strv_ char **gone = xcalloc(1, sizeof(char *));

    if (exec2(is, "DELETE FROM image_refs WHERE image_id = ?", id, NULL, err) < 0 ||
        exec2(is, "DELETE FROM images WHERE id = ?", id, NULL, err) < 0)
        return -1;
    for (size_t i = 0; chains[i]; i++) {
        _cleanup_free_ char *left = NULL;
        if (exec2(is, "UPDATE layers SET refs = refs - 1 WHERE chain_id = ?", chains[i], NULL,
                  err) < 0)
            return -1;
        left = query_one(is, "SELECT refs FROM layers WHERE chain_id = ?", chains[i]);
        if (left && atoll(left) > 0)
            continue;
        if (exec2(is, "DELETE FROM layers WHERE chain_id = ?", chains[i], NULL, err) < 0)
            return -1;
        strv_push(&gone, chains[i]);
    }
    *removed = steal_ptr(gone);
    return 0;
}

int image_delete(struct image_store *is, const char *id, char ***removed_layers, struct berr *err)
{
    _cleanup_strv_ char **chains = NULL;
    _cleanup_strv_ char **removed = NULL;
    _cleanup_free_ char *blob = xasprintf("%s/%s", is->blobs, id + 7);

    if (store_tx_begin(is->db, err) < 0)
        return -1;
    if (query_strv(is, "SELECT chain_id FROM image_layers WHERE image_id = ?", id, NULL, &chains,
                   err) < 0 ||
        delete_rows(is, id, chains, &removed, err) < 0) {
        store_tx_rollback(is->db);
        return berr_wrap(err, "delete image %s", id);
    }
    if (store_tx_commit(is->db, err) < 0)
        return berr_wrap(err, "delete image %s", id);

    /* The records are gone: what follows only frees disk space, and a
     * crash here leaves strays that the next start-up collects. */
    for (size_t i = 0; removed[i]; i++) {
        _cleanup_free_ char *path = layer_path(is, removed[i]);
        remove_quietly(path);
    }
    remove_quietly(blob);
    log_debug("image: deleted %s and %zu layers", id, strv_len(removed));
    if (removed_layers)
        *removed_layers = steal_ptr(removed);
    return 0;
}

void layer_drop_unused(struct image_store *is, const char *chain_id)
{
    _cleanup_free_ char *path = layer_path(is, chain_id);
    struct berr err = BERR_INIT;
    int changes;

    store_lock(is->db);
    if (exec2(is, "DELETE FROM layers WHERE chain_id = ? AND refs <= 0", chain_id, NULL, &err) <
        0) {
        store_unlock(is->db);
        log_warn("image: drop layer %s: %s", chain_id, berr_msg(&err));
        berr_clear(&err);
        return;
    }
    changes = sqlite3_changes(store_db(is->db));
    store_unlock(is->db);
    if (changes > 0) {
        log_debug("image: dropped unused layer %s", chain_id);
        remove_quietly(path);
    }
}

/* ---- create ---- */

struct new_image {
    const char *id;
    json_t *config;
    char **chains;
    int64_t size;
    int64_t created;
};

static int chains_from_config(struct image_store *is, struct new_image *ni, struct berr *err)
{
    json_t *diffs = json_object_get(json_object_get(ni->config, "rootfs"), "diff_ids");
    char parent[IMAGE_DIGEST_LEN + 1] = "";
    size_t i;
    json_t *d;

    if (!json_is_array(diffs))
        return berr_invalid(err, "invalid image config: rootfs.diff_ids missing");
    ni->chains = xcalloc(1, sizeof(char *));
    json_array_foreach(diffs, i, d)
    {
        char chain[IMAGE_DIGEST_LEN + 1];
        _cleanup_free_ char *size = NULL;
        if (!json_is_string(d) || !image_digest_valid(json_string_value(d)))
            return berr_invalid(err, "invalid image config: bad diff ID at %zu", i);
        image_chain_id(i ? parent : NULL, json_string_value(d), chain);
        size = query_one(is, "SELECT size FROM layers WHERE chain_id = ?", chain);
        if (!size)
            return berr_system(err, 0, "layer %s of the image is missing", chain);
        ni->size += atoll(size);
        strv_push(&ni->chains, chain);
        memcpy(parent, chain, sizeof(parent));
    }
    return 0;
}

static int insert_image(struct image_store *is, const struct new_image *ni, const char *config,
                        size_t len, struct berr *err)
{
    _cleanup_stmt_ sqlite3_stmt *st = NULL;
    sqlite3 *db = store_db(is->db);
    size_t n = strv_len(ni->chains);

    if (sqlite3_prepare_v2(db,
                           "INSERT INTO images (id, config, created, size, top_chain)"
                           " VALUES (?, ?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return store_error(is->db, err, "insert image");
    sqlite3_bind_text(st, 1, ni->id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, config, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, ni->created);
    sqlite3_bind_int64(st, 4, ni->size);
    if (n)
        sqlite3_bind_text(st, 5, ni->chains[n - 1], -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        return store_error(is->db, err, "insert image");

    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *sql = xasprintf("INSERT INTO image_layers (image_id, idx, chain_id)"
                                             " VALUES (?1, %zu, ?2)",
                                             i);
        if (exec2(is, sql, ni->id, ni->chains[i], err) < 0 ||
            exec2(is, "UPDATE layers SET refs = refs + 1 WHERE chain_id = ?", ni->chains[i], NULL,
                  err) < 0)
            return -1;
    }
    return 0;
}

static int64_t config_created(const json_t *config)
{
    const char *s = json_get_str(config, "created", NULL);
    int64_t sec = 0;
    long nsec;

    if (!s || json_time_parse(s, &sec, &nsec) < 0)
        return 0;
    return sec;
}

int image_create(struct image_store *is, const char *config, size_t len, char **id_out,
                 bool *existed, struct berr *err)
{
    char id[IMAGE_DIGEST_LEN + 1];
    json_error_t jerr;
    _cleanup_json_ json_t *doc = json_loadb(config, len, 0, &jerr);
    struct new_image ni = {.id = id, .config = doc};
    int rc = -1;

    if (!json_is_object(doc))
        return berr_invalid(err, "invalid image config: %s", doc ? "not an object" : jerr.text);
    if (blob_put(is, config, len, id, err) < 0)
        return -1;
    ni.created = config_created(doc);
    *existed = false;
    if (store_tx_begin(is->db, err) < 0)
        return -1;
    if (image_exists(is, id)) {
        *existed = true;
        rc = 0;
    } else if (chains_from_config(is, &ni, err) == 0 &&
               insert_image(is, &ni, config, len, err) == 0) {
        rc = 0;
    }
    if (rc < 0)
        store_tx_rollback(is->db);
    else if (store_tx_commit(is->db, err) < 0)
        rc = -1;
    strv_free(ni.chains);
    if (rc == 0)
        *id_out = xstrdup(id);
    return rc;
}
