/* Release of what the start-up hooks set up, in reverse order. */
#include "engine/container-internal.h"
#include "engine/engine-internal.h"
#include "engine/images.h"
#include "engine/networks.h"
#include "engine/volumes.h"

void engine_modules_release(struct engine *e)
{
    engine_containers_release(e);
    engine_volumes_release(e);
    engine_network_release(e);
    engine_runtime_release(e);
    engine_images_release(e);
    engine_platform_release(e);
    engine_events_release(e);
}
