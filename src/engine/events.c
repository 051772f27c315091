/* The event bus that /events and the internal waiters read. */
#include "engine/engine-internal.h"

void engine_events_shutdown(struct engine *e)
{
    (void)e;
}
