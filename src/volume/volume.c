/* Volume records: the volumes and volume_refs tables, the data
 * directories under <root>, and the recovery of what a crash left. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"
#include "volume/volume-internal.h"

char *volume_dir(const struct volume_store *vs, const char *name)
{
    return xasprintf("%s/%s", vs->root, name);
}

char *volume_data_dir(const struct volume_store *vs, const char *name)
{
    return xasprintf("%s/%s/_data", vs->root, name);
}

bool volume_name_valid(const char *name)
{
    static const char extra[] = "_.-";

    if (!name || strlen(name) < 2)
        return false;
    for (const char *p = name; *p; p++) {
        bool alnum =
            (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9');

        if (!alnum && (p == name || !strchr(extra, *p)))
            return false;
    }
    return true;
}

static char *random_name(void)
{
    unsigned char raw[32];
    char *hex = xmalloc(65);
    _cleanup_close_ int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

    if (fd < 0 || read(fd, raw, sizeof(raw)) != (ssize_t)sizeof(raw)) {
        /* Never expected; the time and pid still give a unique name. */
        for (size_t i = 0; i < sizeof(raw); i++)
            raw[i] = (unsigned char)(rand() ^ (int)time(NULL) ^ getpid());
    }
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    return hex;
}

/* ---- rows ---- */

/* Run sql with text parameters; *step_out (may be NULL) gets the rows of a
 * query as strings of column 0. */
static int run(struct volume_store *vs, const char *sql, const char *const *vals, size_t n,
               char ***rows_out, struct berr *err)
{
    sqlite3 *db = store_db(vs->db);
    _cleanup_stmt_ sqlite3_stmt *st = NULL;
    int rc;

    store_lock(vs->db);
    rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++)
        rc = sqlite3_bind_text(st, (int)i + 1, vals[i], -1, SQLITE_TRANSIENT);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (rows_out)
            strv_push(rows_out, (const char *)sqlite3_column_text(st, 0));
        rc = SQLITE_OK;
    }
    if (rc != SQLITE_DONE)
        store_error(vs->db, err, "volumes");
    store_unlock(vs->db);
    return rc == SQLITE_DONE ? 0 : -1;
}

int volume_load(struct volume_store *vs, const char *name, json_t **out, struct berr *err)
{
    const char *vals[] = {name};
    _cleanup_strv_ char **rows = NULL;
    _cleanup_free_ char *data = NULL;
    json_t *doc;

    *out = NULL;
    if (run(vs, "SELECT doc FROM volumes WHERE name = ?", vals, 1, &rows, err) < 0)
        return -1;
    if (!rows || !rows[0])
        return 0;
    doc = json_loads(rows[0], 0, NULL);
    if (!doc)
        return berr_system(err, 0, "volume %s: corrupt record", name);
    data = volume_data_dir(vs, name);
    json_object_set_new(doc, "Mountpoint", json_string(data));
    *out = doc;
    return 0;
}

static json_t *new_doc(const char *name, const json_t *labels, const json_t *opts)
{
    time_t now = time(NULL);
    struct tm tm;
    char created[32];

    gmtime_r(&now, &tm);
    strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_pack("{s:s,s:s,s:s,s:O,s:O,s:s}", "CreatedAt", created, "Driver", "local", "Name",
                     name, "Labels", labels ? labels : json_null(), "Options",
                     opts ? opts : json_null(), "Scope", "local");
}

static int insert(struct volume_store *vs, const char *name, const json_t *doc, struct berr *err)
{
    _cleanup_free_ char *text = json_dumps_compact(doc);
    const char *vals[] = {name, text};

    return run(vs, "INSERT OR IGNORE INTO volumes (name, doc) VALUES (?, ?)", vals, 2, NULL, err);
}

/* ---- create, inspect, list ---- */

static int check_create(const char *name, const json_t *opts, struct berr *err)
{
    if (!volume_name_valid(name)) {
        if (strlen(name) == 1)
            berr_invalid(err, "volume name is too short, names should be at least two "
                              "alphanumeric characters");
        else
            berr_invalid(err,
                         "\"%s\" includes invalid characters for a local volume name, only "
                         "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a "
                         "host directory, use absolute path",
                         name);
        return berr_wrap(err, "create %s", name);
    }
    if (volume_local_check_opts(opts, err) < 0)
        return berr_wrap(err, "create %s", name);
    return 0;
}

static int make_data_dir(struct volume_store *vs, const char *name, struct berr *err)
{
    _cleanup_free_ char *data = volume_data_dir(vs, name);

    return fs_mkdir_p(data, 0755, err);
}

int volume_create(struct volume_store *vs, const char *name, const json_t *labels,
                  const json_t *opts, json_t **out, bool *created, struct berr *err)
{
    _cleanup_free_ char *fresh = NULL;
    _cleanup_json_ json_t *doc = NULL;

    if (!name || !*name)
        name = fresh = random_name();
    /* Empty maps are stored as null, as dockerd shows them. */
    if (!json_is_object(opts) || json_object_size(opts) == 0)
        opts = NULL;
    if (!json_is_object(labels) || json_object_size(labels) == 0)
        labels = NULL;
    if (check_create(name, opts, err) < 0)
        return -1;
    if (volume_load(vs, name, out, err) < 0)
        return -1;
    if (*out) {
        if (created)
            *created = false;
        return 0;
    }

    doc = new_doc(name, labels, opts);
    if (make_data_dir(vs, name, err) < 0 || insert(vs, name, doc, err) < 0)
        return berr_wrap(err, "create %s", name);
    if (created)
        *created = true;
    log_debug("volume %s created", name);
    return volume_load(vs, name, out, err);
}

int volume_inspect(struct volume_store *vs, const char *name, json_t **out, struct berr *err)
{
    if (volume_load(vs, name, out, err) < 0)
        return -1;
    if (!*out)
        return berr_not_found(err, "get %s: no such volume", name);
    return 0;
}

int volume_list(struct volume_store *vs, json_t **out, struct berr *err)
{
    _cleanup_strv_ char **names = NULL;
    _cleanup_json_ json_t *arr = json_array();

    if (run(vs, "SELECT name FROM volumes ORDER BY name", NULL, 0, &names, err) < 0)
        return -1;
    for (size_t i = 0; names && names[i]; i++) {
        json_t *v = NULL;

        if (volume_load(vs, names[i], &v, err) < 0)
            return -1;
        if (v)
            json_array_append_new(arr, v);
    }
    *out = steal_ptr(arr);
    return 0;
}

/* ---- references ---- */

int volume_users(struct volume_store *vs, const char *name, char ***out, struct berr *err)
{
    const char *vals[] = {name};

    *out = NULL;
    return run(vs, "SELECT container_id FROM volume_refs WHERE volume = ? ORDER BY container_id",
               vals, 1, out, err);
}

int volume_ref_add(struct volume_store *vs, const char *name, const char *cid, struct berr *err)
{
    const char *vals[] = {name, cid};

    return run(vs, "INSERT OR IGNORE INTO volume_refs (volume, container_id) VALUES (?, ?)", vals,
               2, NULL, err);
}

int volume_refs_drop(struct volume_store *vs, const char *cid, char ***names_out, struct berr *err)
{
    const char *vals[] = {cid};
    _cleanup_strv_ char **names = NULL;

    if (run(vs, "SELECT volume FROM volume_refs WHERE container_id = ?", vals, 1, &names, err) <
            0 ||
        run(vs, "DELETE FROM volume_refs WHERE container_id = ?", vals, 1, NULL, err) < 0)
        return -1;
    if (names_out)
        *names_out = steal_ptr(names);
    return 0;
}

int volume_refs_sweep(struct volume_store *vs, const char *keep_sql, struct berr *err)
{
    _cleanup_free_ char *sql =
        xasprintf("DELETE FROM volume_refs WHERE container_id NOT IN (%s)", keep_sql);

    return run(vs, sql, NULL, 0, NULL, err);
}

/* ---- remove ---- */

static int in_use_error(const char *name, char **users, struct berr *err)
{
    _cleanup_free_ char *list = xstrdup("");

    for (size_t i = 0; users[i]; i++) {
        char *next = xasprintf("%s%s%s", list, i ? ", " : "", users[i]);

        free(list);
        list = next;
    }
    return berr_conflict(err, "remove %s: volume is in use - [%s]", name, list);
}

int volume_remove(struct volume_store *vs, const char *name, bool force, struct berr *err)
{
    _cleanup_json_ json_t *doc = NULL;
    _cleanup_strv_ char **users = NULL;
    _cleanup_free_ char *dir = volume_dir(vs, name);
    const char *vals[] = {name};

    if (volume_load(vs, name, &doc, err) < 0)
        return -1;
    if (!doc)
        return force ? 0 : berr_not_found(err, "get %s: no such volume", name);
    if (volume_users(vs, name, &users, err) < 0)
        return -1;
    if (users && users[0])
        return in_use_error(name, users, err);

    /* The row goes first: a crash before the directory is gone leaves a
     * stray directory, which the next start-up removes. */
    if (run(vs, "DELETE FROM volumes WHERE name = ?", vals, 1, NULL, err) < 0)
        return berr_wrap(err, "remove %s", name);
    if (fs_remove_all(dir, err) < 0)
        return berr_wrap(err, "remove %s", name);
    log_debug("volume %s removed", name);
    return 0;
}

/* ---- open ---- */

/* Directories without a row are what a crash left between mkdir and
 * insert, or between delete and rm -rf: remove them. */
static void sweep_dirs(struct volume_store *vs)
{
    _cleanup_closedir_ DIR *d = opendir(vs->root);
    struct dirent *de;

    while (d && (de = readdir(d))) {
        _cleanup_json_ json_t *doc = NULL;
        _cleanup_free_ char *dir = NULL;
        struct berr err = BERR_INIT;

        if (de->d_name[0] == '.' || volume_load(vs, de->d_name, &doc, &err) < 0 || doc) {
            berr_clear(&err);
            continue;
        }
        dir = volume_dir(vs, de->d_name);
        log_info("removing %s: no volume record", dir);
        if (fs_remove_all(dir, &err) < 0)
            log_warn("%s", berr_msg(&err));
        berr_clear(&err);
    }
}

/* Rows whose directory vanished get an empty one again. */
static int restore_dirs(struct volume_store *vs, struct berr *err)
{
    _cleanup_strv_ char **names = NULL;

    if (run(vs, "SELECT name FROM volumes", NULL, 0, &names, err) < 0)
        return -1;
    for (size_t i = 0; names && names[i]; i++) {
        if (make_data_dir(vs, names[i], err) < 0)
            return -1;
    }
    return 0;
}

int volume_store_open(struct store *db, const char *root, struct volume_store **out,
                      struct berr *err)
{
    struct volume_store *vs;

    if (fs_mkdir_p(root, 0700, err) < 0)
        return -1;
    vs = xcalloc(1, sizeof(*vs));
    vs->db = db;
    vs->root = xstrdup(root);
    pthread_mutex_init(&vs->lock, NULL);
    sweep_dirs(vs);
    if (restore_dirs(vs, err) < 0) {
        volume_store_free(vs);
        return -1;
    }
    *out = vs;
    return 0;
}

void volume_store_free(struct volume_store *vs)
{
    if (!vs)
        return;
    /* Containers outlive the daemon: their volumes stay mounted. */
    while (vs->active) {
        struct volume_active *a = vs->active;

        vs->active = a->next;
        free(a->name);
        free(a->cid);
        free(a);
    }
    pthread_mutex_destroy(&vs->lock);
    free(vs->root);
    free(vs);
}
