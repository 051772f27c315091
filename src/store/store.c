#include "store/store.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "store/store-internal.h"
#include "util/log.h"
#include "util/mem.h"

struct store {
    sqlite3 *db;
    pthread_mutex_t lock; /* recursive: a transaction may run store_exec */
    int version;
};

void cleanup_sqlite_stmtp(sqlite3_stmt **st)
{
    if (*st)
        sqlite3_finalize(*st);
}

int store_error(struct store *s, struct berr *err, const char *what)
{
    return berr_set(err, BERR_SYSTEM, 0, "store: %s: %s", what, sqlite3_errmsg(s->db));
}

sqlite3 *store_db(struct store *s)
{
    return s->db;
}

int store_schema_version(struct store *s)
{
    return s->version;
}

void store_lock(struct store *s)
{
    pthread_mutex_lock(&s->lock);
}

void store_unlock(struct store *s)
{
    pthread_mutex_unlock(&s->lock);
}

int store_exec(struct store *s, const char *sql, struct berr *err)
{
    char *msg = NULL;
    int rc;

    store_lock(s);
    rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
    store_unlock(s);
    if (rc != SQLITE_OK) {
        berr_set(err, BERR_SYSTEM, 0, "store: %s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int store_tx_begin(struct store *s, struct berr *err)
{
    store_lock(s);
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        store_error(s, err, "begin");
        store_unlock(s);
        return -1;
    }
    return 0;
}

int store_tx_commit(struct store *s, struct berr *err)
{
    int rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);

    if (rc != SQLITE_OK) {
        store_error(s, err, "commit");
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    }
    store_unlock(s);
    return rc == SQLITE_OK ? 0 : -1;
}

void store_tx_rollback(struct store *s)
{
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    store_unlock(s);
}

static int read_version(struct store *s, struct berr *err)
{
    _cleanup_stmt_ sqlite3_stmt *st = NULL;

    if (store_exec(s, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", err) <
        0)
        return -1;
    if (sqlite3_prepare_v2(s->db, "SELECT MAX(version) FROM schema_version", -1, &st, NULL))
        return store_error(s, err, "read schema version");
    s->version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    return 0;
}

static int migrate(struct store *s, struct berr *err)
{
    if (s->version > store_migration_count)
        return berr_set(err, BERR_SYSTEM, 0,
                        "store: database schema version %d is newer than this berthd knows (%d)",
                        s->version, store_migration_count);

    while (s->version < store_migration_count) {
        const char *const *steps = store_migrations[s->version];
        _cleanup_free_ char *mark = NULL;

        if (store_tx_begin(s, err) < 0)
            return -1;
        for (size_t i = 0; steps[i]; i++) {
            if (sqlite3_exec(s->db, steps[i], NULL, NULL, NULL) != SQLITE_OK) {
                store_error(s, err, "migrate");
                store_tx_rollback(s);
                return -1;
            }
        }
        mark = xasprintf("INSERT INTO schema_version VALUES (%d)", s->version + 1);
        if (sqlite3_exec(s->db, mark, NULL, NULL, NULL) != SQLITE_OK) {
            store_error(s, err, "migrate");
            store_tx_rollback(s);
            return -1;
        }
        if (store_tx_commit(s, err) < 0)
            return -1;
        s->version++;
        log_info("store: migrated schema to version %d", s->version);
    }
    return 0;
}

int store_open(const char *path, struct store **out, struct berr *err)
{
    struct store *s = xcalloc(1, sizeof(*s));
    pthread_mutexattr_t attr;

    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&s->lock, &attr);
    pthread_mutexattr_destroy(&attr);

    if (sqlite3_open_v2(path, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK) {
        berr_set(err, BERR_SYSTEM, 0, "store: open %s: %s", path,
                 s->db ? sqlite3_errmsg(s->db) : "out of memory");
        store_close(s);
        return -1;
    }
    sqlite3_busy_timeout(s->db, 5000);

    /* WAL with synchronous=NORMAL keeps every committed transaction across a
     * daemon crash (only a power cut can lose the last ones) and is what
     * makes a commit cheap enough for the container hot path. */
    if (store_exec(s,
                   "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                   " PRAGMA foreign_keys=ON;",
                   err) < 0 ||
        read_version(s, err) < 0 || migrate(s, err) < 0) {
        store_close(s);
        return -1;
    }

    *out = s;
    return 0;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    if (s->db)
        sqlite3_close_v2(s->db);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

int store_meta_get(struct store *s, const char *key, char **val, struct berr *err)
{
    _cleanup_stmt_ sqlite3_stmt *st = NULL;
    int rc;

    *val = NULL;
    store_lock(s);
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL)) {
        store_unlock(s);
        return store_error(s, err, "read meta");
    }
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *val = xstrdup((const char *)sqlite3_column_text(st, 0));
    store_unlock(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_error(s, err, "read meta");
    return 0;
}

int store_meta_set(struct store *s, const char *key, const char *val, struct berr *err)
{
    _cleanup_stmt_ sqlite3_stmt *st = NULL;
    int rc;

    store_lock(s);
    if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", -1, &st,
                           NULL)) {
        store_unlock(s);
        return store_error(s, err, "write meta");
    }
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, val, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    store_unlock(s);
    if (rc != SQLITE_DONE)
        return store_error(s, err, "write meta");
    return 0;
}
