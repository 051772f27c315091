/* What the rest of the engine asks of images (implemented in images.c). */
#ifndef BERTH_ENGINE_IMAGES_H
#define BERTH_ENGINE_IMAGES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "engine/engine.h"

/* Resolve ref (name[:tag], name@digest, full or unique short ID) to an
 * image.  *id_out is "sha256:<hex>"; *config_out is the whole image config
 * document (architecture, os, config{...}, rootfs, history).  Unknown: 404
 * "No such image: <normalised ref>" (e.g. "busybox:latest"). */
int engine_image_get(struct engine *e, const char *ref, char **id_out, json_t **config_out,
                     struct berr *err);

/* The layer directories of an image for overlayfs lowerdir, top-most
 * first, NULL-terminated (free with strv_free).  An image with no layers
 * gives an empty vector. */
int engine_image_layer_dirs(struct engine *e, const char *image_id, char ***dirs_out,
                            struct berr *err);

/* ---- the images API (engine/images.c), called by api/routes_images.c ----
 * Each returns 0 or -1 with err (kinds as the API answers them); JSON
 * outputs are new references in the Engine API's shapes.  version is the
 * client's API version as major*100+minor. */

/* GET /images/json: filters normalised {"key":["v",...]}. */
int engine_image_list(struct engine *e, const json_t *filters, bool all, int version, json_t **out,
                      struct berr *err);
/* GET /images/{name}/json */
int engine_image_inspect(struct engine *e, const char *name, int version, json_t **out,
                         struct berr *err);
/* GET /images/{name}/history */
int engine_image_history(struct engine *e, const char *name, json_t **out, struct berr *err);
/* POST /images/{name}/tag?repo=&tag= */
int engine_image_tag(struct engine *e, const char *name, const char *repo, const char *tag,
                     struct berr *err);
/* DELETE /images/{name}: the list of {"Untagged"} / {"Deleted"} records. */
int engine_image_delete(struct engine *e, const char *name, bool force, bool noprune, json_t **out,
                        struct berr *err);
/* POST /images/prune: {"ImagesDeleted":[...]|null,"SpaceReclaimed":N}. */
int engine_image_prune(struct engine *e, const json_t *filters, json_t **out, struct berr *err);

/* Streamed messages of load and import: one JSON object a call, taken. */
typedef void (*engine_image_emit_fn)(void *ctx, json_t *msg);

/* POST /images/load: body read from fd; messages ("Loaded image: ...")
 * through emit.  An error returned after a message was emitted must be
 * sent in the stream by the caller. */
int engine_image_load(struct engine *e, int fd, bool quiet, engine_image_emit_fn emit, void *ctx,
                      struct berr *err);

struct engine_import_opts {
    const char *src;      /* fromSrc ("-") */
    const char *repo;     /* may be NULL */
    const char *tag;      /* may be NULL */
    const char *message;  /* may be NULL */
    const char *platform; /* may be NULL */
    char *const *changes;
};
/* POST /images/create?fromSrc=-: ends with {"status":"sha256:<id>"}. */
int engine_image_import(struct engine *e, int fd, const struct engine_import_opts *o,
                        engine_image_emit_fn emit, void *ctx, struct berr *err);

/* GET /images/get: resolve names first (404 before anything is sent),
 * then write the archive. */
struct engine_save_plan;
int engine_image_save_plan(struct engine *e, char *const *names, struct engine_save_plan **out,
                           struct berr *err);
int engine_image_save(struct engine *e, struct engine_save_plan *plan,
                      int (*write)(void *ctx, const void *buf, size_t len), void *ctx,
                      struct berr *err);
void engine_save_plan_free(struct engine_save_plan *plan);

/* Release the image store (engine/modules.c). */
void engine_images_release(struct engine *e);

#endif
