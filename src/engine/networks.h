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
 * HostConfig.PortBindings.  "container:<id>" is handled by the caller. */
int engine_network_attach(struct engine *e, const char *cid, const char *name,
                          const json_t *host_config, const json_t *networking_config,
                          struct engine_net_attach *out, struct berr *err);

/* At stop and at remove: release endpoints, addresses, ports and the
 * sandbox.  Idempotent. */
int engine_network_detach(struct engine *e, const char *cid, struct berr *err);

void engine_net_attach_release(struct engine_net_attach *a);

#endif
