/* Engine side of the images domain: start-up hook (filled in by its module). */
#include "engine/engine-internal.h"

int engine_images_init(struct engine *e, struct berr *err)
{
    (void)e;
    (void)err;
    return 0;
}
