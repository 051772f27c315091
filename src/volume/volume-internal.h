/* Shared by the files of volume/: the store handle and the mount counts. */
#ifndef BERTH_VOLUME_INTERNAL_H
#define BERTH_VOLUME_INTERNAL_H

#include <pthread.h>

#include "volume/volume.h"

/* One container's use of a mounted volume; a volume with device options
 * is mounted on its _data while any container holds it. */
struct volume_active {
    char *name;
    char *cid;
    bool device;
    struct volume_active *next;
};

struct volume_store {
    struct store *db;
    char *root;
    pthread_mutex_t lock; /* guards active */
    struct volume_active *active;
};

/* <root>/<name> and <root>/<name>/_data. */
char *volume_dir(const struct volume_store *vs, const char *name);
char *volume_data_dir(const struct volume_store *vs, const char *name);

/* The stored Volume object of name (Mountpoint filled), or NULL with 0
 * when there is none. */
int volume_load(struct volume_store *vs, const char *name, json_t **out, struct berr *err);

/* Mount a volume's device options on dir (local.c). */
int volume_local_mount(const json_t *opts, const char *dir, struct berr *err);
/* Check driver options as dockerd's local driver does. */
int volume_local_check_opts(const json_t *opts, struct berr *err);

#endif
