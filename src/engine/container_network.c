/* The container side of POST /networks/{id}/connect and /disconnect: hand
 * the networks domain a stable view of one container and record what it
 * changed.  The network work itself lives in engine/networks.c. */
#include <string.h>

#include "engine/container-internal.h"
#include "engine/networks.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

/* The stored EndpointsConfig, as an object the caller owns. */
static json_t *endpoints_copy(struct container *c)
{
    json_t *netcfg = json_object_get(container_private(c), "NetworkingConfig");
    json_t *eps = json_object_get(netcfg, "EndpointsConfig");

    return json_is_object(eps) ? json_deep_copy(eps) : json_object();
}

static void view_fill(struct container *c, struct engine_container_net *v)
{
    json_t *settings = json_object_get(c->doc, "NetworkSettings");

    v->id = xstrdup(c->id);
    v->name = xstrdup(c->name[0] == '/' ? c->name + 1 : c->name);
    v->mode = xstrdup(json_get_str(container_host_config(c), "NetworkMode", "bridge"));
    v->running = container_running(c);
    v->settings = json_is_object(settings) ? json_deep_copy(settings) : json_object();
    v->endpoints = endpoints_copy(c);
}

static void view_release(struct engine_container_net *v)
{
    free(v->id);
    free(v->name);
    free(v->mode);
    json_decref(v->settings);
    json_decref(v->endpoints);
}

/* Put the view's settings and endpoints back into the document (lock held). */
static int view_record(struct engine *e, struct container *c, const struct engine_container_net *v,
                       struct berr *err)
{
    json_t *priv = container_private(c);
    json_t *netcfg = json_object_get(priv, "NetworkingConfig");

    if (!json_is_object(netcfg)) {
        netcfg = json_object();
        json_object_set_new(priv, "NetworkingConfig", netcfg);
    }
    json_object_set(netcfg, "EndpointsConfig", v->endpoints);
    json_object_set(c->doc, "NetworkSettings", v->settings);
    return container_save(e, c, err);
}

/* Take c for the change (lock held): wait for other operations, refuse a
 * container on its way out as dockerd does. */
static int change_begin(struct engine *e, struct container *c, struct berr *err)
{
    container_begin_locked(e, c);
    if (!c->removing && !c->gone)
        return 0;
    container_end_locked(e, c);
    return berr_system(err, 0,
                       "Container %s is marked for removal and cannot be connected or "
                       "disconnected to the network",
                       c->id);
}

int engine_container_net_change(struct engine *e, const char *ref, engine_container_net_fn fn,
                                void *ctx, struct berr *err)
{
    struct engine_container_net v = {0};
    struct container *c;
    int rc;

    containers_lock(e);
    c = container_get_locked(e, ref, err);
    if (!c || change_begin(e, c, err) < 0) {
        container_put_locked(c);
        containers_unlock(e);
        return -1;
    }
    view_fill(c, &v);
    containers_unlock(e);

    /* The container stays marked busy: start, stop and exit wait for us
     * while the slow network work runs without the lock. */
    rc = fn(e, &v, ctx, err);

    containers_lock(e);
    if (rc == 0 && view_record(e, c, &v, err) < 0) {
        log_error("container %.12s: network change not saved: %s", c->id, berr_msg(err));
        rc = -1;
    }
    container_end_locked(e, c);
    container_put_locked(c);
    containers_unlock(e);
    view_release(&v);
    return rc;
}
