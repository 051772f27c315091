/* volume: named volumes with the local driver, and the parsing of the
 * volume side of container mounts.
 *
 * A volume lives under <root>/<name>/_data (root is <data-root>/volumes)
 * and has one row in the store's volumes table; which containers use it is
 * in volume_refs.  Volumes created with the options type/device/o are
 * mounted on their _data directory while a container uses them, as
 * dockerd's local driver does.
 *
 * Every function may be called from any thread: the store serialises the
 * rows and an internal mutex guards the mount counts.  Functions return 0
 * or -1 with err set (kinds as the API answers them); JSON outputs are new
 * references in the Engine API's Volume shape.
 */
#ifndef BERTH_VOLUME_H
#define BERTH_VOLUME_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

struct store;
struct volume_store;

/* The label dockerd puts on anonymous volumes (prune removes only those
 * unless asked for all). */
#define VOLUME_LABEL_ANONYMOUS "com.docker.volume.anonymous"

/* Open the volumes kept in db with their data under root (created 0700). */
int volume_store_open(struct store *db, const char *root, struct volume_store **out,
                      struct berr *err);
/* Unmount what is still mounted and free vs (NULL is fine). */
void volume_store_free(struct volume_store *vs);

/* Create volume name (NULL or "": a new 64-hex name) with labels and
 * driver options (either may be NULL).  An existing name is returned as it
 * is, with *created false (created may be NULL).  Bad names and options
 * are BERR_INVALID with dockerd's messages ("create <name>: ..."). */
int volume_create(struct volume_store *vs, const char *name, const json_t *labels,
                  const json_t *opts, json_t **out, bool *created, struct berr *err);

/* The Volume object of name; unknown: 404 "get <name>: no such volume". */
int volume_inspect(struct volume_store *vs, const char *name, json_t **out, struct berr *err);

/* Every volume, as an array of Volume objects (no UsageData). */
int volume_list(struct volume_store *vs, json_t **out, struct berr *err);

/* Remove name and its data.  Used by a container: 409 "remove <name>:
 * volume is in use - [<cid>, ...]".  Unknown: 404, or 0 when force. */
int volume_remove(struct volume_store *vs, const char *name, bool force, struct berr *err);

/* Containers that use name, NULL-terminated (free with strv_free). */
int volume_users(struct volume_store *vs, const char *name, char ***out, struct berr *err);

/* Record that container cid uses name (idempotent). */
int volume_ref_add(struct volume_store *vs, const char *name, const char *cid, struct berr *err);
/* Forget every use by cid; *names_out (may be NULL) receives the volumes
 * it used, NULL-terminated. */
int volume_refs_drop(struct volume_store *vs, const char *cid, char ***names_out, struct berr *err);
/* Forget uses by containers that are not in keep_sql, a query listing the
 * IDs that exist (crash recovery at start-up). */
int volume_refs_sweep(struct volume_store *vs, const char *keep_sql, struct berr *err);

/* Container cid starts using name: *path_out is the data directory.  A
 * volume with device options is mounted on it by the first holder.
 * Holding twice is one hold. */
int volume_mount(struct volume_store *vs, const char *name, const char *cid, char **path_out,
                 struct berr *err);
/* Release every volume cid holds (NULL: every holder), unmounting devices
 * no one holds any more; *names_out (may be NULL) gets the names appended.
 * Returns how many holds were released. */
int volume_unmount_all(struct volume_store *vs, const char *cid, char ***names_out);

/* Bytes used under path (du, not crossing devices); -1 when unreadable. */
int64_t volume_path_size(const char *path);

/* Copy the tree at path inside the root file system root (symlinks
 * resolved inside it) into dst when dst is an empty directory, keeping
 * ownership, modes, times, symlinks, devices and fifos: dockerd's copy-up
 * of image content into a new volume.  A missing path is fine. */
int volume_copy_up(const char *root, const char *path, const char *dst, struct berr *err);

/* A container's mount of a volume or bind, parsed from a HostConfig.Binds
 * entry, a HostConfig.Mounts entry or an image's Config.Volumes key. */
struct volume_mount_spec {
    char *type;   /* "volume" or "bind" */
    char *source; /* volume name ("" = anonymous) or host path */
    char *target; /* absolute, cleaned */
    char *mode;   /* the Binds mode text ("" for Mounts) */
    bool rw;
    bool copy; /* copy image content into a new volume */
    json_t *labels;
    json_t *driver_opts;
    char *driver; /* "" unless set by the request */
};

/* Parse "src:dst[:mode]" or "dst" with dockerd's Linux rules; errors are
 * 400 "invalid volume specification: '<raw>'" or "invalid mode: <m>". */
int volume_parse_bind(const char *raw, struct volume_mount_spec *out, struct berr *err);
/* Parse one HostConfig.Mounts entry of type volume or bind; other types
 * give *out->type set and nothing else to do for the caller. */
int volume_parse_mount(const json_t *m, struct volume_mount_spec *out, struct berr *err);
void volume_mount_spec_release(struct volume_mount_spec *s);

/* Is name a valid local volume name? */
bool volume_name_valid(const char *name);

#endif
