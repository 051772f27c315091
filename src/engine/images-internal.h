/* Helpers shared by the engine's images files (images*.c). */
#ifndef BERTH_ENGINE_IMAGES_INTERNAL_H
#define BERTH_ENGINE_IMAGES_INTERNAL_H

#include "engine/engine.h"
#include "image/image.h"

/* Publish an image event with the attribute name (the ID when NULL). */
void engine_image_event(struct engine *e, const char *action, const char *id, const char *name);

static inline void cleanup_image_infop(struct image_info **p)
{
    image_info_free(*p);
}
#define _cleanup_info_ __attribute__((cleanup(cleanup_image_infop)))

#endif
