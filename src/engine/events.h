/* The event bus: every domain publishes here; GET /events and internal
 * waiters read it. */
#ifndef BERTH_ENGINE_EVENTS_H
#define BERTH_ENGINE_EVENTS_H

#include <jansson.h>

#include "engine/engine.h"

/* Publish an event: type "container", "image", "network", "volume";
 * action as dockerd names it ("create", "start", "die", "tag", ...);
 * attributes is taken (may be NULL).  Never blocks on slow readers. */
void engine_event_emit(struct engine *e, const char *type, const char *action, const char *actor_id,
                       json_t *attributes);

#endif
