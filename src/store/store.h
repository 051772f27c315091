/* store: berth's state in one SQLite database (WAL, foreign keys on).
 *
 * Every module keeps its rows here; every multi-step change runs inside
 * store_tx_begin()/store_tx_commit() so a daemon killed at any point
 * restarts into a consistent state.  The connection is shared by all
 * threads: a transaction holds the store's lock from begin to commit or
 * rollback, and single statements outside a transaction take it with
 * store_lock()/store_unlock().
 */
#ifndef BERTH_STORE_H
#define BERTH_STORE_H

#include <sqlite3.h>
#include <stdbool.h>

#include "util/err.h"

struct store;

/* Open (creating if needed) the database at path and migrate it to the
 * current schema version. */
int store_open(const char *path, struct store **out, struct berr *err);
void store_close(struct store *s);

/* The raw connection, for prepared statements of the modules' own. */
sqlite3 *store_db(struct store *s);

/* Schema version the database is at. */
int store_schema_version(struct store *s);

void store_lock(struct store *s);
void store_unlock(struct store *s);

/* BEGIN IMMEDIATE under the store lock; commit or rollback releases it. */
int store_tx_begin(struct store *s, struct berr *err);
int store_tx_commit(struct store *s, struct berr *err);
void store_tx_rollback(struct store *s);

/* Run SQL without results (takes the lock unless inside a transaction of
 * this thread). */
int store_exec(struct store *s, const char *sql, struct berr *err);

/* Small key/value table for daemon facts (the daemon ID, ...).
 * store_meta_get returns 0 and *val NULL when the key is absent. */
int store_meta_get(struct store *s, const char *key, char **val, struct berr *err);
int store_meta_set(struct store *s, const char *key, const char *val, struct berr *err);

/* Fill err from the connection's last error. */
int store_error(struct store *s, struct berr *err, const char *what);

void cleanup_sqlite_stmtp(sqlite3_stmt **st);
#define _cleanup_stmt_ __attribute__((cleanup(cleanup_sqlite_stmtp)))

#endif
