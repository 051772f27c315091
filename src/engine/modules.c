/* Release of what the start-up hooks set up, in reverse order. */
#include "engine/engine-internal.h"

void engine_modules_release(struct engine *e)
{
    engine_platform_release(e);
}
