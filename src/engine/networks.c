/* Engine side of the networks domain: start-up hook (filled in by its module). */
#include "engine/engine-internal.h"
#include "engine/networks.h"

int engine_network_init(struct engine *e, struct berr *err)
{
    (void)e;
    (void)err;
    return 0;
}

int engine_network_validate(struct engine *e, const json_t *host_config,
                            const json_t *networking_config, struct berr *err)
{
    (void)e;
    (void)host_config;
    (void)networking_config;
    (void)err;
    return 0;
}

int engine_network_attach(struct engine *e, const char *cid, const char *name,
                          const json_t *host_config, const json_t *networking_config,
                          struct engine_net_attach *out, struct berr *err)
{
    (void)e;
    (void)cid;
    (void)name;
    (void)host_config;
    (void)networking_config;
    (void)out;
    return berr_set(err, BERR_NOT_IMPLEMENTED, 0, "networking is not implemented yet");
}

int engine_network_detach(struct engine *e, const char *cid, struct berr *err)
{
    (void)e;
    (void)cid;
    (void)err;
    return 0;
}

void engine_net_attach_release(struct engine_net_attach *a)
{
    (void)a;
}
