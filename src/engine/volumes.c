/* Engine side of the volumes domain: start-up hook (filled in by its module). */
#include "engine/engine-internal.h"

int engine_volumes_init(struct engine *e, struct berr *err)
{
    (void)e;
    (void)err;
    return 0;
}
