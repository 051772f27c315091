/* What containers ask of the network controller (implemented in
 * networks.c). */
#ifndef BERTH_ENGINE_NETWORKS_H
#define BERTH_ENGINE_NETWORKS_H

#include <jansson.h>
#include <stdbool.h>

#include "engine/engine.h"

struct engine_net_attach {
    char *netns_path;     /* the sandbox for the OCI spec; NULL: host netns */
    json_t *settings;     /* NetworkSettings for inspect (Networks, Ports, IPAddress...) */
    char **dns;           /* nameservers for resolv.conf; NULL: the host's */
    char **hosts_entries; /* extra "ip name alias" lines for /etc/hosts */
};

/* Check HostConfig.NetworkMode, PortBindings and NetworkingConfig at create
 * time (unknown network: 404 "network x not found"). */
int engine_network_validate(struct engine *e, const json_t *host_config,
                            const json_t *networking_config, struct berr *err);

/* At start: make the container's sandbox and connect it as NetworkMode and
 * NetworkingConfig say (bridge, user networks, none, host), publishing
 * HostConfig.PortBindings.  "container:<id>" is handled by the caller.
 * For PublishAllPorts the caller may copy Config.ExposedPorts into
 * networking_config as "ExposedPorts" (ignored when absent).  On failure
 * everything made so far is released and *out is left empty. */
int engine_network_attach(struct engine *e, const char *cid, const char *name,
                          const json_t *host_config, const json_t *networking_config,
                          struct engine_net_attach *out, struct berr *err);

/* At stop and at remove: release endpoints, addresses, ports and the
 * sandbox.  Idempotent. */
int engine_network_detach(struct engine *e, const char *cid, struct berr *err);

void engine_net_attach_release(struct engine_net_attach *a);

/* ---- the /networks API (engine/networks.c), emitting network events ---- */

/* POST /networks/create: {"Id", "Warning"}. */
json_t *engine_network_create(struct engine *e, const json_t *req, struct berr *err);
int engine_network_remove(struct engine *e, const char *ref, struct berr *err);
json_t *engine_network_list(struct engine *e, const json_t *filters, struct berr *err);
json_t *engine_network_inspect(struct engine *e, const char *ref, struct berr *err);
json_t *engine_network_prune(struct engine *e, const json_t *filters, struct berr *err);
/* POST /networks/{id}/connect and /disconnect (body as the API sends):
 * a running container is hot-plugged (or unplugged) at once; a created or
 * stopped one only has its record changed, which its next start follows. */
int engine_network_connect(struct engine *e, const char *ref, const json_t *req, struct berr *err);
int engine_network_disconnect(struct engine *e, const char *ref, const json_t *req,
                              struct berr *err);

/* ---- what connect and disconnect ask of the containers domain
 * (engine/container_network.c) ---- */

/* One container as a network change sees it; all fields owned by the view. */
struct engine_container_net {
    char *id;
    char *name; /* without the leading slash */
    char *mode; /* HostConfig.NetworkMode */
    bool running;
    json_t *settings;  /* a copy of NetworkSettings: fn may change it */
    json_t *endpoints; /* a copy of the EndpointsConfig the next start attaches */
};

typedef int (*engine_container_net_fn)(struct engine *e, struct engine_container_net *v, void *ctx,
                                       struct berr *err);

/* Resolve ref (404 "No such container: x"), keep every other operation on
 * the container waiting while fn runs (without the containers lock, so fn
 * may do slow network work), and when fn succeeds store its settings and
 * endpoints in the container's record.  Any thread. */
int engine_container_net_change(struct engine *e, const char *ref, engine_container_net_fn fn,
                                void *ctx, struct berr *err);

/* Shutdown: stop the DNS server and remove the firewall table; bridges
 * and the endpoints of running containers stay (engine/modules.c). */
void engine_network_release(struct engine *e);

#endif
