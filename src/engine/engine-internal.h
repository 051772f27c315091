/* Hooks of the start-up sequence, one per module, each in the engine file
 * of its domain.  They run in the order of startup_steps in engine.c. */
#ifndef BERTH_ENGINE_INTERNAL_H
#define BERTH_ENGINE_INTERNAL_H

#include "engine/engine.h"

int engine_platform_check(struct engine *e, struct berr *err);     /* engine/platform.c */
int engine_platform_init(struct engine *e, struct berr *err);      /* engine/platform.c */
int engine_images_init(struct engine *e, struct berr *err);        /* engine/images.c */
int engine_runtime_init(struct engine *e, struct berr *err);       /* engine/runtime.c */
int engine_network_init(struct engine *e, struct berr *err);       /* engine/networks.c */
int engine_volumes_init(struct engine *e, struct berr *err);       /* engine/volumes.c */
int engine_containers_restore(struct engine *e, struct berr *err); /* engine/containers.c */

/* Wake event subscribers and waiters (engine/events.c). */
void engine_events_shutdown(struct engine *e);

/* Release what the module hooks set up, in reverse order (engine/modules.c). */
void engine_modules_release(struct engine *e);

/* Free the platform set up by engine_platform_check (engine/platform.c). */
void engine_platform_release(struct engine *e);

#endif
