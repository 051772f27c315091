/* Engine side of the platform domain: start-up hook (filled in by its module). */
#include "engine/engine-internal.h"
#include "engine/platform.h"

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

int engine_platform_verify_host_config(struct engine *e, json_t *host_config, json_t *warnings,
                                       bool update, struct berr *err)
{
    (void)e;
    (void)host_config;
    (void)warnings;
    (void)update;
    (void)err;
    return 0;
}
