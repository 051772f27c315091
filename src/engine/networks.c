/* Engine side of the networks domain: start-up hook (filled in by its module). */
#include "engine/engine-internal.h"

int engine_network_init(struct engine *e, struct berr *err)
{
    (void)e;
    (void)err;
    return 0;
}
