/* Engine side of the platform domain: start-up hook (filled in by its module). */
#include "engine/engine-internal.h"

int engine_platform_check(struct engine *e, struct berr *err)
{
    (void)e;
    (void)err;
    return 0;
}

int engine_platform_init(struct engine *e, struct berr *err)
{
    (void)e;
    (void)err;
    return 0;
}
