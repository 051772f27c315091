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
/* POST /networks/{id}/connect and /disconnect (body as the API sends). */
int engine_network_connect(struct engine *e, const char *ref, const json_t *req, struct berr *err);
int engine_network_disconnect(struct engine *e, const char *ref, const json_t *req,
                              struct berr *err);

/* Shutdown: stop the DNS server and remove the firewall table; bridges
 * and the endpoints of running containers stay (engine/modules.c). */
void engine_network_release(struct engine *e);

#endif
