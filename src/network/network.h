/* network: the network controller.
 *
 * It holds the networks and their endpoints in memory, allocates IPv4
 * addresses from each network's pool (IPAM), and drives three kinds of
 * host-side work through small tables of operations so that tests can
 * replace them:
 *   - the host network service (struct net_host_ops): the networks the host
 *     itself knows (Linux: kernel bridges berth labelled as its own; the
 *     fake: an in-memory list that also stands in for the Windows HNS);
 *   - persistence (struct net_persist_ops): the engine saves the records
 *     it is handed in the store, as JSON documents;
 *   - the sandbox and firewall work of the bridge driver (Linux only,
 *     switched off with net_cfg.host_links = false).
 *
 * Every netctl_* function is thread-safe: the controller has one lock.
 * Functions returning JSON give the caller a new reference.
 */
#ifndef BERTH_NETWORK_H
#define BERTH_NETWORK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct netctl;
struct net_network;

/* Option keys the daemon itself understands. */
#define NET_OPT_BRIDGE_NAME "com.docker.network.bridge.name"
#define NET_OPT_DEFAULT_BR  "com.docker.network.bridge.default_bridge"
#define NET_OPT_MTU         "com.docker.network.driver.mtu"
#define NET_OPT_MASQUERADE  "com.docker.network.bridge.enable_ip_masquerade"
#define NET_OPT_ICC         "com.docker.network.bridge.enable_icc"
#define NET_OPT_HOST_BIND   "com.docker.network.bridge.host_binding_ipv4"
/* Where berth keeps the host-side id of a Linux bridge (its ifindex). */
#define NET_OPT_LINUX_HOSTID "com.berth.network.hostid"
/* The keys the seed's Windows driver uses for the HNS network. */
#define NET_OPT_HNS_NAME "com.docker.network.windowsshim.networkname"
#define NET_OPT_HNS_ID   "com.docker.network.windowsshim.hnsid"

/* ---- host network service ---- */

/* One network as the host service reports it.  type is the driver name
 * ("bridge" on Linux; "nat", "transparent", "private", ... on Windows). */
struct net_host_network {
    char *id;
    char *name;
    char *type;
    char *subnet;  /* "a.b.c.d/n" or NULL */
    char *gateway; /* or NULL */
    char *owner;   /* network ID from berth's label, or NULL */
};

void net_host_network_release(struct net_host_network *h);
void net_host_networks_free(struct net_host_network *v, size_t n);

struct net_host_ops {
    /* All the host's networks berth may use; *out is freed with
     * net_host_networks_free. */
    int (*list)(void *ctx, struct net_host_network **out, size_t *n, struct berr *err);
    /* Create the host side of a network: name is the host-side name,
     * subnet/gateway may be NULL.  *host_id receives the new id. */
    int (*create)(void *ctx, const char *net_id, const char *type, const char *name,
                  const char *subnet, const char *gateway, int mtu, char **host_id,
                  struct berr *err);
    /* Remove a host network; a missing one is not an error. */
    int (*remove)(void *ctx, const char *host_id, struct berr *err);
};

/* The Linux implementation: bridges carrying the alias "berth:<id>" in
 * the daemon's network namespace.  ctx is NULL. */
extern const struct net_host_ops net_host_linux;

/* The fake: a list the test fills, recording each call made. */
struct net_host_fake {
    struct net_host_network *nets;
    size_t n;
    char **calls; /* "create <type> <name> <subnet>", "remove <id>" */
    int next_id;
};
extern const struct net_host_ops net_host_fake_ops;
/* Add a network to the fake's list (strings copied; NULLs allowed). */
void net_host_fake_add(struct net_host_fake *f, const char *id, const char *name, const char *type,
                       const char *subnet, const char *gateway, const char *owner);
void net_host_fake_release(struct net_host_fake *f);

/* ---- persistence ---- */

struct net_persist_ops {
    int (*save_network)(void *ctx, const char *id, const char *name, const char *driver,
                        const char *scope, const json_t *doc, struct berr *err);
    int (*delete_network)(void *ctx, const char *id, struct berr *err);
    int (*save_endpoint)(void *ctx, const char *id, const char *network_id, const char *cid,
                         const json_t *doc, struct berr *err);
    int (*delete_endpoint)(void *ctx, const char *id, struct berr *err);
};

/* ---- the controller ---- */

struct net_cfg {
    const struct net_host_ops *host;
    void *host_ctx;
    const struct net_persist_ops *persist;
    void *persist_ctx;
    /* Names of the options holding the host-side name and id (the seed's
     * networkname and hnsid).  name_key may be NULL: on Linux the bridge
     * name is the user's choice, not the host's. */
    const char *host_name_key;
    const char *host_id_key;
    const char *default_name;   /* "bridge" (Linux), "nat" (Windows) */
    const char *default_driver; /* driver of the default network */
    const char *default_bridge; /* Linux bridge name of the default network */
    const char *bip;            /* --bip, or NULL */
    const char *fixed_cidr;     /* --fixed-cidr, or NULL */
    bool disable_bridge;        /* --bridge=none */
    bool linux_rules;           /* remove stray labelled bridges; "host" network */
    bool host_links;            /* do sandbox/veth work (Linux, real kernel) */
    bool firewall;              /* manage the nftables table */
    const char *exec_root;      /* netns files go to <exec_root>/netns */
};

int netctl_new(const struct net_cfg *cfg, struct netctl **out, struct berr *err);
/* Stop DNS, remove the firewall table; bridges and endpoints stay. */
void netctl_free(struct netctl *c);

/* Load a stored record (at start-up, before netctl_reconcile). */
int netctl_load_network(struct netctl *c, const json_t *doc, struct berr *err);
int netctl_load_endpoint(struct netctl *c, const json_t *doc, struct berr *err);

/* The seed's start-up reconciliation against the host service, then the
 * predefined networks, the firewall and DNS. */
int netctl_reconcile(struct netctl *c, struct berr *err);

/* A network request in the shape of POST /networks/create. */
int netctl_create(struct netctl *c, const json_t *req, char **id_out, struct berr *err);
/* Remove by name, ID or prefix: 403 for predefined networks, 409 while
 * endpoints are attached. */
int netctl_remove(struct netctl *c, const char *ref, struct berr *err);
/* Network objects as GET /networks returns them (Containers {}), filtered. */
json_t *netctl_list(struct netctl *c, const json_t *filters, struct berr *err);
/* GET /networks/{id}; names of containers come from the endpoints. */
json_t *netctl_inspect(struct netctl *c, const char *ref, struct berr *err);
/* Remove unused user networks; returns {"NetworksDeleted": [...]}. */
json_t *netctl_prune(struct netctl *c, const json_t *filters, struct berr *err);
/* Resolve a reference to the network's ID and name (either out may be
 * NULL); 404 "network x not found". */
int netctl_lookup(struct netctl *c, const char *ref, char **id, char **name, struct berr *err);
/* Names of all networks, for tests and logs: "name/driver" sorted. */
char **netctl_names(struct netctl *c);
/* A network's options and IPAM config, new references (tests). */
json_t *netctl_network_json(struct netctl *c, const char *ref);

/* ---- containers ---- */

struct net_endpoint_req {
    const char *network; /* name, ID or prefix */
    const char *cid;
    const char *cname;
    char **aliases;              /* may be NULL */
    const char *ipv4;            /* IPAMConfig.IPv4Address or NULL */
    const json_t *port_bindings; /* HostConfig.PortBindings or NULL */
    const json_t *exposed;       /* Config.ExposedPorts for PublishAllPorts */
    bool publish_all;
    const char *ifname; /* "eth0", "eth1", ...; NULL: the lowest one free */
};

/* The container's sandbox: <exec_root>/netns/<cid>, created if missing,
 * with lo up.  *path is owned by the caller. */
int netctl_sandbox(struct netctl *c, const char *cid, char **path, struct berr *err);

/* Connect a container to a network: address, veth into the sandbox,
 * published ports.  *settings receives its EndpointSettings JSON and
 * *ports its Ports map (may be NULL). */
int netctl_connect(struct netctl *c, const struct net_endpoint_req *r, json_t **settings,
                   json_t **ports, struct berr *err);
/* Disconnect one container from one network (idempotent). */
int netctl_disconnect(struct netctl *c, const char *network, const char *cid, struct berr *err);
/* Release every endpoint of the container and its sandbox (idempotent). */
int netctl_release_container(struct netctl *c, const char *cid, struct berr *err);

/* The network's DNS address for containers ("" for networks without the
 * embedded DNS); owned by the caller. */
char *netctl_dns_for(struct netctl *c, const char *network);

#endif
