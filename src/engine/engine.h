/* engine: the daemon core.  It owns the start-up order, the domain objects
 * and their state machines, and calls down into platform/, image/,
 * runtime/, network/, volume/ and store/.  It knows nothing of HTTP: the
 * api/ layer calls the engine_* functions of each domain file
 * (engine/info.c, engine/images.c, engine/containers.c, ...), which return
 * JSON values in the Engine API's shapes or a struct berr. */
#ifndef BERTH_ENGINE_H
#define BERTH_ENGINE_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "engine/config.h"
#include "util/err.h"

struct store;
struct platform;
struct image_store;
struct netctl;
struct runtime;
struct container_set;
struct event_bus;
struct volume_store;

struct engine {
    struct berth_config *cfg;
    struct store *store;
    struct platform *platform; /* platform/platform.h */
    struct image_store *images;
    struct netctl *net;
    struct runtime *runtime;
    struct container_set *containers;
    struct event_bus *events;
    struct volume_store *volumes;

    char *id;        /* daemon ID, stable across restarts */
    char *tmp_dir;   /* <data-root>/tmp: spooled uploads, staging */
    int pidfile_fd;  /* holds the pidfile lock */
    int rootlock_fd; /* holds the data-root lock */
    time_t started;
    volatile bool stopping;
};

/* Run the start-up sequence (system check, roots, store, platform,
 * runtime, network, restore).  cfg stays owned by the caller and must
 * outlive the engine. */
int engine_new(struct berth_config *cfg, struct engine **out, struct berr *err);

/* Wake every waiter and streamer so requests in flight can finish. */
void engine_begin_shutdown(struct engine *e);

/* Release everything; containers keep running (conmon outlives us). */
void engine_free(struct engine *e);

const char *engine_data_root(const struct engine *e);

/* GET /info and GET /version bodies. */
json_t *engine_info(struct engine *e);
json_t *engine_version(struct engine *e);

#endif
