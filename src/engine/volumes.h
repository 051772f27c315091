/* The volumes domain (engine/volumes.c): the /volumes API, and what the
 * containers domain asks of volumes when it creates, starts, stops and
 * removes a container.  All functions may be called from any thread and
 * return 0 or -1 with err (kinds as the API answers them); JSON outputs
 * are new references in the Engine API's shapes. */
#ifndef BERTH_ENGINE_VOLUMES_H
#define BERTH_ENGINE_VOLUMES_H

#include <jansson.h>
#include <stdbool.h>

#include "engine/engine.h"

/* POST /volumes/create: req is {"Name","Driver","DriverOpts","Labels"}. */
int engine_volume_create(struct engine *e, const json_t *req, json_t **out, struct berr *err);
/* GET /volumes/{name} */
int engine_volume_inspect(struct engine *e, const char *name, json_t **out, struct berr *err);
/* GET /volumes: {"Volumes":[...],"Warnings":null}; filters normalised. */
int engine_volume_list(struct engine *e, const json_t *filters, json_t **out, struct berr *err);
/* DELETE /volumes/{name}[?force=1] */
int engine_volume_remove(struct engine *e, const char *name, bool force, struct berr *err);
/* POST /volumes/prune: {"VolumesDeleted":[...]|null,"SpaceReclaimed":n}. */
int engine_volume_prune(struct engine *e, const json_t *filters, json_t **out, struct berr *err);

/* ---- for the containers domain ---- */

/* At create: resolve the volume mounts of container cid from hc's Binds
 * and Mounts and the image's cfg.Volumes, creating the volumes that do not
 * exist yet and recording that cid uses them.  *mounts_out is the
 * container's inspect "Mounts" array (volumes and binds).  On error
 * nothing stays recorded for cid. */
int engine_volumes_container_create(struct engine *e, const char *cid, const json_t *cfg,
                                    const json_t *hc, json_t **mounts_out, struct berr *err);

/* At start, with the container's root file system mounted at rootfs:
 * mount the volumes of mounts (the inspect "Mounts") and copy the image's
 * content into the empty ones unless hc asked for nocopy. */
int engine_volumes_container_start(struct engine *e, const char *cid, const json_t *mounts,
                                   const json_t *hc, const char *rootfs, struct berr *err);

/* When the container stopped: release its volumes (unmount events). */
void engine_volumes_container_stop(struct engine *e, const char *cid);

/* When the container is removed: forget its uses and, with
 * remove_anonymous, remove its anonymous volumes no one else uses. */
void engine_volumes_container_remove(struct engine *e, const char *cid, bool remove_anonymous);

/* Release the volume store (engine/modules.c). */
void engine_volumes_release(struct engine *e);

#endif
