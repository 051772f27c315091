/* Engine side of the runtime domain: start-up hook (filled in by its module). */
#include "engine/engine-internal.h"

int engine_runtime_init(struct engine *e, struct berr *err)
{
    (void)e;
    (void)err;
    return 0;
}
