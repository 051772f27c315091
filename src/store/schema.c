/* The schema, one migration a version.  A database at version N runs
 * migrations N+1.. in one transaction each.  Never edit a migration that has
 * shipped: add the next one. */
#include <stddef.h>

#include "store/store-internal.h"

static const char *const migration_1[] = {
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",

    /* images: the config JSON is the image; its sha256 is the ID. */
    "CREATE TABLE images (id TEXT PRIMARY KEY, config BLOB NOT NULL, created INTEGER NOT NULL,"
    " size INTEGER NOT NULL DEFAULT 0, top_chain TEXT, last_tag_time INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE image_refs (ref TEXT PRIMARY KEY, image_id TEXT NOT NULL"
    " REFERENCES images(id) ON DELETE CASCADE, kind TEXT NOT NULL DEFAULT 'tag')",
    "CREATE INDEX image_refs_image ON image_refs(image_id)",
    "CREATE TABLE layers (chain_id TEXT PRIMARY KEY, diff_id TEXT NOT NULL, parent TEXT,"
    " size INTEGER NOT NULL DEFAULT 0, refs INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE image_layers (image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
    " idx INTEGER NOT NULL, chain_id TEXT NOT NULL REFERENCES layers(chain_id),"
    " PRIMARY KEY (image_id, idx))",

    /* containers: indexed columns plus the whole record as JSON. */
    "CREATE TABLE containers (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " image_id TEXT, created INTEGER NOT NULL, doc TEXT NOT NULL)",

    /* networks and their endpoints. */
    "CREATE TABLE networks (id TEXT PRIMARY KEY, name TEXT NOT NULL, driver TEXT NOT NULL,"
    " scope TEXT NOT NULL DEFAULT 'local', doc TEXT NOT NULL)",
    /* No foreign key: reconciliation re-creates a network under the same
     * ID, which must not drop the endpoints of running containers. */
    "CREATE TABLE endpoints (id TEXT PRIMARY KEY, network_id TEXT NOT NULL,"
    " container_id TEXT NOT NULL, doc TEXT NOT NULL)",
    "CREATE INDEX endpoints_container ON endpoints(container_id)",

    /* volumes: the Volume object; volume_refs: which containers use one. */
    "CREATE TABLE volumes (name TEXT PRIMARY KEY, doc TEXT NOT NULL)",
    "CREATE TABLE volume_refs (volume TEXT NOT NULL, container_id TEXT NOT NULL,"
    " PRIMARY KEY (volume, container_id))",
    "CREATE INDEX volume_refs_container ON volume_refs(container_id)",
    NULL,
};

const char *const *const store_migrations[] = {
    migration_1,
};

const int store_migration_count = sizeof(store_migrations) / sizeof(store_migrations[0]);
