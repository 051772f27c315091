/* The event bus: every domain publishes here; GET /events and internal
 * waiters read it. */
#ifndef BERTH_ENGINE_EVENTS_H
#define BERTH_ENGINE_EVENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/engine.h"

/* Publish an event: type "container", "image", "network", "volume";
 * action as dockerd names it ("create", "start", "die", "tag", ...);
 * attributes is taken (may be NULL).  Never blocks on slow readers. */
void engine_event_emit(struct engine *e, const char *type, const char *action, const char *actor_id,
                       json_t *attributes);

/* Readers (GET /events).  A cursor is a position in the bus: from now
 * (since_ns < 0) or from the oldest kept event at or after since_ns. */
uint64_t engine_events_cursor(struct engine *e, int64_t since_ns);
/* The next event after *cursor (a new reference), waiting up to wait_ms;
 * NULL on timeout or once the bus is closed. */
json_t *engine_events_next(struct engine *e, uint64_t *cursor, int wait_ms);
bool engine_events_closed(struct engine *e);
/* Does ev pass filters ({"type":["container"],"event":[..],"container":[..],
 * "image":[..],"label":["k=v"]})? */
bool engine_event_match(const json_t *ev, const json_t *filters);

#endif
