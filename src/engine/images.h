/* What the rest of the engine asks of images (implemented in images.c). */
#ifndef BERTH_ENGINE_IMAGES_H
#define BERTH_ENGINE_IMAGES_H

#include <jansson.h>

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

#endif
