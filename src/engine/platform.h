/* What containers ask of the platform layer (implemented in platform.c). */
#ifndef BERTH_ENGINE_PLATFORM_H
#define BERTH_ENGINE_PLATFORM_H

#include <jansson.h>
#include <stdbool.h>

#include "engine/engine.h"

/* Validate and adapt a create (update: true for POST /update) request's
 * HostConfig in place by the platform's rules: discarded values are
 * zeroed, each warning string is appended to `warnings` (a JSON array),
 * the first error is BERR_INVALID with the exact reference message. */
int engine_platform_verify_host_config(struct engine *e, json_t *host_config, json_t *warnings,
                                       bool update, struct berr *err);

/* How many of n start or restore jobs to run at once (Linux: 128 per
 * CPU, fewer when the open-files limit is small). */
int engine_platform_parallel_limit(struct engine *e, int n);

/* Whether the container's rootfs is mounted on the host when it starts
 * (and unmounted at clean-up); host_config may be NULL. */
bool engine_platform_mount_on_start(struct engine *e, const json_t *host_config);

/* Where plugins keep their state; the caller frees. */
char *engine_platform_plugin_exec_root(struct engine *e);

#endif
