/* Engine side of the networks domain: the network controller's start-up
 * (load from the store, reconcile with the kernel's bridges), its
 * persistence in the store, events, and what containers ask of it. */
#include <stdio.h>
#include <string.h>

#include "engine/engine-internal.h"
#include "engine/events.h"
#include "engine/networks.h"
#include "network/network.h"
#include "store/store.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

/* ---- persistence ---- */

static int save_row(struct engine *e, const char *sql, const char *const *vals, size_t n,
                    struct berr *err)
{
    sqlite3 *db = store_db(e->store);
    _cleanup_stmt_ sqlite3_stmt *st = NULL;
    int rc;

    store_lock(e->store);
    rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++)
        rc = sqlite3_bind_text(st, (int)i + 1, vals[i], -1, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    if (rc != SQLITE_OK)
        store_error(e->store, err, "save network state");
    store_unlock(e->store);
    return rc == SQLITE_OK ? 0 : -1;
}

static int save_network(void *ctx, const char *id, const char *name, const char *driver,
                        const char *scope, const json_t *doc, struct berr *err)
{
    _cleanup_free_ char *text = json_dumps_compact(doc);
    const char *vals[] = {id, name, driver, scope, text};

    return save_row(ctx,
                    "INSERT OR REPLACE INTO networks (id, name, driver, scope, doc)"
                    " VALUES (?, ?, ?, ?, ?)",
                    vals, 5, err);
}

static int delete_network(void *ctx, const char *id, struct berr *err)
{
    const char *vals[] = {id};

    return save_row(ctx, "DELETE FROM networks WHERE id = ?", vals, 1, err);
}

static int save_endpoint(void *ctx, const char *id, const char *network_id, const char *cid,
                         const json_t *doc, struct berr *err)
{
    _cleanup_free_ char *text = json_dumps_compact(doc);
    const char *vals[] = {id, network_id, cid, text};

    return save_row(ctx,
                    "INSERT OR REPLACE INTO endpoints (id, network_id, container_id, doc)"
                    " VALUES (?, ?, ?, ?)",
                    vals, 4, err);
}

static int delete_endpoint(void *ctx, const char *id, struct berr *err)
{
    const char *vals[] = {id};

    return save_row(ctx, "DELETE FROM endpoints WHERE id = ?", vals, 1, err);
}

static const struct net_persist_ops store_persist = {
    .save_network = save_network,
    .delete_network = delete_network,
    .save_endpoint = save_endpoint,
    .delete_endpoint = delete_endpoint,
};

/* Feed every doc of a table to load(). */
static int load_table(struct engine *e, const char *sql,
                      int (*load)(struct netctl *, const json_t *, struct berr *), struct berr *err)
{
    _cleanup_stmt_ sqlite3_stmt *st = NULL;
    int rc = 0;

    store_lock(e->store);
    if (sqlite3_prepare_v2(store_db(e->store), sql, -1, &st, NULL) != SQLITE_OK) {
        store_unlock(e->store);
        return store_error(e->store, err, "load networks");
    }
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        _cleanup_json_ json_t *doc = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);

        if (doc && load(e->net, doc, err) < 0) {
            log_warn("skipping a stored network record: %s", berr_msg(err));
            berr_clear(err);
        }
    }
    store_unlock(e->store);
    return rc;
}

/* ---- start-up ---- */

static void enable_forwarding(void)
{
    FILE *f = fopen("/proc/sys/net/ipv4/ip_forward", "we");

    if (!f || fputs("1", f) < 0 || fclose(f) != 0) {
        if (f)
            fclose(f);
        log_warn("could not enable IPv4 forwarding: containers will not reach other networks");
        return;
    }
    log_debug("net.ipv4.ip_forward=1");
}

static void net_cfg_fill(struct engine *e, struct net_cfg *c)
{
    const char *bridge = e->cfg->bridge;
    bool none = bridge && !strcmp(bridge, "none");

    *c = (struct net_cfg){
        .host = &net_host_linux,
        .persist = &store_persist,
        .persist_ctx = e,
        .host_id_key = NET_OPT_LINUX_HOSTID,
        .default_name = "bridge",
        .default_driver = "bridge",
        .default_bridge = bridge && *bridge && !none ? bridge : "berth0",
        .bip = e->cfg->bip,
        .fixed_cidr = e->cfg->fixed_cidr,
        .disable_bridge = none,
        .linux_rules = true,
        .host_links = true,
        .firewall = e->cfg->iptables,
        .exec_root = e->cfg->exec_root,
    };
}

int engine_network_init(struct engine *e, struct berr *err)
{
    struct net_cfg cfg;

    enable_forwarding();
    net_cfg_fill(e, &cfg);
    if (netctl_new(&cfg, &e->net, err) < 0)
        return berr_wrap(err, "network controller");
    if (load_table(e, "SELECT doc FROM networks", netctl_load_network, err) < 0 ||
        load_table(e, "SELECT doc FROM endpoints", netctl_load_endpoint, err) < 0)
        return -1;
    if (netctl_reconcile(e->net, err) < 0)
        return berr_wrap(err, "error initializing network controller");
    log_info("network controller ready (firewall %s)", cfg.firewall ? "managed" : "left alone");
    return 0;
}

void engine_network_release(struct engine *e)
{
    netctl_free(e->net);
    e->net = NULL;
}

/* ---- API operations with their events ---- */

static void emit(struct engine *e, const char *action, const char *nid, const char *name,
                 const char *container)
{
    json_t *attrs = json_pack("{s:s, s:s}", "name", name, "type", "bridge");

    if (container)
        json_object_set_new(attrs, "container", json_string(container));
    engine_event_emit(e, "network", action, nid, attrs);
}

json_t *engine_network_create(struct engine *e, const json_t *req, struct berr *err)
{
    _cleanup_free_ char *id = NULL;

    if (netctl_create(e->net, req, &id, err) < 0)
        return NULL;
    emit(e, "create", id, json_get_str(req, "Name", ""), NULL);
    return json_pack("{s:s, s:s}", "Id", id, "Warning", "");
}

int engine_network_remove(struct engine *e, const char *ref, struct berr *err)
{
    _cleanup_free_ char *id = NULL, *name = NULL;

    if (netctl_lookup(e->net, ref, &id, &name, err) < 0 || netctl_remove(e->net, id, err) < 0)
        return -1;
    emit(e, "destroy", id, name, NULL);
    return 0;
}

json_t *engine_network_list(struct engine *e, const json_t *filters, struct berr *err)
{
    return netctl_list(e->net, filters, err);
}

json_t *engine_network_inspect(struct engine *e, const char *ref, struct berr *err)
{
    return netctl_inspect(e->net, ref, err);
}

json_t *engine_network_prune(struct engine *e, const json_t *filters, struct berr *err)
{
    json_t *out = netctl_prune(e->net, filters, err);
    size_t i;
    json_t *name;

    json_array_foreach(json_object_get(out, "NetworksDeleted"), i, name)
        emit(e, "destroy", "", json_string_value(name), NULL);
    return out;
}

/* ---- containers ---- */

static const char *network_mode(const json_t *host_config)
{
    const char *mode = json_get_str(host_config, "NetworkMode", "");

    return !*mode || !strcmp(mode, "default") ? "bridge" : mode;
}

int engine_network_validate(struct engine *e, const json_t *host_config,
                            const json_t *networking_config, struct berr *err)
{
    const char *mode = network_mode(host_config);
    const json_t *eps = json_object_get(networking_config, "EndpointsConfig");
    const char *key;
    json_t *v;

    if (!strncmp(mode, "container:", 10))
        return 0;
    if (netctl_lookup(e->net, mode, NULL, NULL, err) < 0)
        return -1;
    json_object_foreach((json_t *)eps, key, v)
    {
        if (strcmp(key, "default") && netctl_lookup(e->net, key, NULL, NULL, err) < 0)
            return -1;
    }
    return 0;
}

static const json_t *endpoint_config(const json_t *networking_config, const char *net)
{
    const json_t *eps = json_object_get(networking_config, "EndpointsConfig");
    const json_t *c = json_object_get(eps, net);

    return c ? c : json_object_get(eps, "default");
}

static void fill_request(struct net_endpoint_req *r, const json_t *epc, const char *net,
                         const char *cid, const char *name, char **aliases)
{
    r->network = net;
    r->cid = cid;
    r->cname = name[0] == '/' ? name + 1 : name;
    r->aliases = aliases;
    r->ipv4 = json_get_str(json_object_get(epc, "IPAMConfig"), "IPv4Address", NULL);
}

/* Top-level fields of NetworkSettings from the default bridge's endpoint. */
static json_t *settings_json(const char *netns, json_t *networks, json_t *ports,
                             const json_t *primary, bool legacy)
{
    const char *fields[] = {"EndpointID", "Gateway", "IPAddress", "MacAddress"};
    json_t *s =
        json_pack("{s:s, s:s, s:s, s:o, s:b, s:s, s:i, s:n, s:n, s:s, s:i, s:s, s:i}", "Bridge", "",
                  "SandboxID", "", "SandboxKey", netns ? netns : "", "Ports",
                  ports ? ports : json_object(), "HairpinMode", 0, "LinkLocalIPv6Address", "",
                  "LinkLocalIPv6PrefixLen", 0, "SecondaryIPAddresses", "SecondaryIPv6Addresses",
                  "IPv6Gateway", "", "GlobalIPv6PrefixLen", 0, "GlobalIPv6Address", "",
                  "IPPrefixLen", legacy ? (int)json_get_int(primary, "IPPrefixLen", 0) : 0);

    for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
        json_object_set_new(s, fields[i],
                            json_string(legacy ? json_get_str(primary, fields[i], "") : ""));
    json_object_set_new(s, "Networks", networks);
    return s;
}

static int connect_one(struct engine *e, struct net_endpoint_req *r, json_t *networks,
                       json_t **ports, struct berr *err)
{
    _cleanup_free_ char *nid = NULL, *nname = NULL;
    json_t *settings = NULL;

    if (netctl_lookup(e->net, r->network, &nid, &nname, err) < 0 ||
        netctl_connect(e->net, r, &settings, ports, err) < 0)
        return -1;
    json_object_set_new(networks, nname, settings);
    emit(e, "connect", nid, nname, r->cid);
    return 0;
}

static int attach_extra(struct engine *e, const char *cid, const char *name, const char *mode,
                        const json_t *networking_config, json_t *networks, struct berr *err)
{
    const json_t *eps = json_object_get(networking_config, "EndpointsConfig");
    const char *key;
    json_t *epc;

    json_object_foreach((json_t *)eps, key, epc)
    {
        _cleanup_strv_ char **aliases = json_to_strv(json_object_get(epc, "Aliases"));
        struct net_endpoint_req r = {0};

        if (!strcmp(key, "default") || !strcmp(key, mode) || json_is_null(epc))
            continue;
        fill_request(&r, epc, key, cid, name, aliases);
        if (connect_one(e, &r, networks, NULL, err) < 0)
            return -1;
    }
    return 0;
}

static int attach_primary(struct engine *e, const char *cid, const char *name,
                          const json_t *host_config, const json_t *networking_config,
                          json_t *networks, json_t **ports, struct berr *err)
{
    const char *mode = network_mode(host_config);
    const json_t *epc = endpoint_config(networking_config, mode);
    _cleanup_strv_ char **aliases = json_to_strv(json_object_get(epc, "Aliases"));
    struct net_endpoint_req r = {
        .ifname = "eth0",
        .port_bindings = json_object_get(host_config, "PortBindings"),
        .exposed = json_object_get(networking_config, "ExposedPorts"),
        .publish_all = json_get_bool(host_config, "PublishAllPorts", false),
    };

    fill_request(&r, epc, mode, cid, name, aliases);
    if (!strcmp(mode, "host") || !strcmp(mode, "none")) {
        r.port_bindings = NULL;
        r.publish_all = false;
    }
    return connect_one(e, &r, networks, ports, err);
}

/* A primary network the container was disconnected from is recorded as
 * null, so that its next start leaves it out. */
static bool primary_dropped(const json_t *networking_config, const char *mode, const char *nname)
{
    const json_t *eps = json_object_get(networking_config, "EndpointsConfig");

    return json_is_null(json_object_get(eps, mode)) || json_is_null(json_object_get(eps, nname));
}

/* The embedded DNS of the first user network the container joined, so that
 * names resolve even when its primary network is the default bridge. */
static char *resolver_for(struct engine *e, const json_t *networks)
{
    const char *key;
    json_t *ep;

    json_object_foreach((json_t *)networks, key, ep)
    {
        char *dns = netctl_dns_for(e->net, json_get_str(ep, "NetworkID", key));

        if (*dns)
            return dns;
        free(dns);
    }
    return xstrdup("");
}

static int attach(struct engine *e, const char *cid, const char *name, const json_t *host_config,
                  const json_t *networking_config, struct engine_net_attach *out, struct berr *err)
{
    const char *mode = network_mode(host_config);
    _cleanup_free_ char *nid = NULL, *nname = NULL, *dns = NULL;
    json_t *networks = json_object(), *ports = NULL;
    bool host = false;

    if (netctl_lookup(e->net, mode, &nid, &nname, err) < 0) {
        json_decref(networks);
        return -1;
    }
    host = !strcmp(nname, "host");
    if ((!host && netctl_sandbox(e->net, cid, &out->netns_path, err) < 0) ||
        (!primary_dropped(networking_config, mode, nname) &&
         attach_primary(e, cid, name, host_config, networking_config, networks, &ports, err) < 0) ||
        attach_extra(e, cid, name, nname, networking_config, networks, err) < 0) {
        json_decref(networks);
        json_decref(ports);
        return -1;
    }

    out->settings = settings_json(out->netns_path, networks, ports,
                                  json_object_get(networks, nname), !strcmp(nname, "bridge"));
    dns = resolver_for(e, networks);
    if (*dns)
        strv_push(&out->dns, dns);
    return 0;
}

int engine_network_attach(struct engine *e, const char *cid, const char *name,
                          const json_t *host_config, const json_t *networking_config,
                          struct engine_net_attach *out, struct berr *err)
{
    struct berr ignored = BERR_INIT;

    memset(out, 0, sizeof(*out));
    if (attach(e, cid, name, host_config, networking_config, out, err) == 0)
        return 0;
    netctl_release_container(e->net, cid, &ignored);
    berr_clear(&ignored);
    engine_net_attach_release(out);
    return -1;
}

int engine_network_detach(struct engine *e, const char *cid, struct berr *err)
{
    if (!e->net)
        return 0;
    return netctl_release_container(e->net, cid, err);
}

/* ---- connect and disconnect of existing containers ---- */

#define ERR_HOST_NET                                                                               \
    "container cannot be disconnected from host network or connected to host network"
#define ERR_SHARED_NET                                                                             \
    "container sharing network namespace with another container or host cannot be connected to "   \
    "any other network"
#define ERR_NONE_NET                                                                               \
    "container cannot be connected to multiple networks with one of the networks in private "      \
    "(none) mode"

struct net_change {
    const char *ref;   /* the network as the client wrote it */
    const json_t *epc; /* connect's EndpointConfig, or NULL */
    char *nid, *nname;
    char *primary; /* the name of the container's NetworkMode network */
};

static json_t *networks_of(json_t *settings)
{
    json_t *nets = json_object_get(settings, "Networks");

    if (!json_is_object(nets)) {
        nets = json_object();
        json_object_set_new(settings, "Networks", nets);
    }
    return nets;
}

/* The legacy top-level fields mirror the default bridge's endpoint. */
static void set_legacy(json_t *settings, const json_t *ep)
{
    const char *fields[] = {"EndpointID", "Gateway", "IPAddress", "MacAddress"};

    for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
        json_object_set_new(settings, fields[i], json_string(json_get_str(ep, fields[i], "")));
    json_object_set_new(settings, "IPPrefixLen", json_integer(json_get_int(ep, "IPPrefixLen", 0)));
}

/* dockerd's rules: a container sharing another namespace joins nothing,
 * only host containers are on host, none stands alone. */
static int connect_allowed(const struct engine_container_net *v, const struct net_change *x,
                           struct berr *err)
{
    const char *key;
    json_t *ep;

    if (!strncmp(v->mode, "container:", 10))
        return berr_invalid(err, ERR_SHARED_NET);
    if (strcmp(v->mode, "host") && !strcmp(x->nname, "host"))
        return berr_invalid(err, ERR_HOST_NET);
    json_object_foreach(json_object_get(v->settings, "Networks"), key, ep)
    {
        if (!strcmp(key, x->nname))
            continue;
        if (!strcmp(key, "host") || !strcmp(x->nname, "host"))
            return berr_invalid(err, ERR_SHARED_NET);
        if (!strcmp(key, "none") || !strcmp(x->nname, "none"))
            return berr_invalid(err, ERR_NONE_NET);
    }
    return 0;
}

/* What inspect shows for a network a stopped container joins at its next
 * start: the request's settings, no address yet. */
static json_t *pending_settings(const json_t *epc, const char *nid)
{
    json_t *s =
        json_pack("{s:n, s:n, s:n, s:s, s:n, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:i, s:n}",
                  "IPAMConfig", "Links", "Aliases", "MacAddress", "", "DriverOpts", "NetworkID",
                  nid, "EndpointID", "", "Gateway", "", "IPAddress", "", "IPPrefixLen", 0,
                  "IPv6Gateway", "", "GlobalIPv6Address", "", "GlobalIPv6PrefixLen", 0, "DNSNames");
    const char *keep[] = {"IPAMConfig", "Links", "Aliases", "DriverOpts"};

    for (size_t i = 0; i < ARRAY_SIZE(keep); i++) {
        json_t *val = json_object_get(epc, keep[i]);

        if (val && !json_is_null(val))
            json_object_set(s, keep[i], val);
    }
    return s;
}

static int connect_running(struct engine *e, struct engine_container_net *v,
                           const struct net_change *x, struct berr *err)
{
    _cleanup_strv_ char **aliases = json_to_strv(json_object_get(x->epc, "Aliases"));
    struct net_endpoint_req r = {0};
    json_t *settings = NULL;

    fill_request(&r, x->epc, x->nid, v->id, v->name, aliases);
    if (netctl_connect(e->net, &r, &settings, NULL, err) < 0)
        return -1;
    if (!strcmp(x->nname, "bridge"))
        set_legacy(v->settings, settings);
    json_object_set_new(networks_of(v->settings), x->nname, settings);
    emit(e, "connect", x->nid, x->nname, v->id);
    log_debug("container %.12s hot-plugged into network %s", v->id, x->nname);
    return 0;
}

static int connect_fn(struct engine *e, struct engine_container_net *v, void *ctx, struct berr *err)
{
    struct net_change *x = ctx;
    const json_t *epc = json_is_object(x->epc) ? x->epc : NULL;

    if (connect_allowed(v, x, err) < 0)
        return -1;
    if (json_object_get(networks_of(v->settings), x->nname)) {
        /* dockerd refuses a second endpoint of a running container and
         * takes the same request for a stopped one as already done. */
        if (v->running)
            return berr_forbidden(err, "endpoint with name %s already exists in network %s",
                                  v->name, x->nname);
        return 0;
    }
    if (v->running && connect_running(e, v, x, err) < 0)
        return -1;
    if (!v->running)
        json_object_set_new(networks_of(v->settings), x->nname, pending_settings(epc, x->nid));
    json_object_set_new(v->endpoints, x->nname, epc ? json_deep_copy(epc) : json_object());
    return 0;
}

/* The record of the next start: a dropped primary network stays as null
 * (its NetworkMode still names it), any other one goes. */
static void forget_endpoint(struct engine_container_net *v, const struct net_change *x)
{
    json_object_del(v->endpoints, x->nname);
    if (x->primary && !strcmp(x->primary, x->nname)) {
        json_object_del(v->endpoints, "default");
        json_object_del(v->endpoints, v->mode);
        json_object_set_new(v->endpoints, x->nname, json_null());
    }
}

static int disconnect_fn(struct engine *e, struct engine_container_net *v, void *ctx,
                         struct berr *err)
{
    struct net_change *x = ctx;
    json_t *nets = networks_of(v->settings);

    if (!strcmp(v->mode, "host") && !strcmp(x->nname, "host"))
        return berr_invalid(err, ERR_HOST_NET);
    if (!json_object_get(nets, x->nname) && v->running)
        return berr_system(err, 0, "container %s is not connected to network %s", v->id, x->nname);
    if (!json_object_get(nets, x->nname))
        return berr_system(err, 0, "container %s is not connected to the network %s", v->id,
                           x->nname);
    if (v->running && netctl_disconnect(e->net, x->nid, v->id, err) < 0)
        return -1;

    json_object_del(nets, x->nname);
    if (!strcmp(x->nname, "bridge"))
        set_legacy(v->settings, NULL);
    forget_endpoint(v, x);
    emit(e, "disconnect", x->nid, x->nname, v->id);
    log_debug("container %.12s disconnected from network %s", v->id, x->nname);
    return 0;
}

/* Resolve the network once the container is known (dockerd's order), then
 * hand over to the containers domain. */
static int change_fn(struct engine *e, struct engine_container_net *v, void *ctx, struct berr *err)
{
    struct net_change *x = ctx;
    struct berr ignored = BERR_INIT;

    if (netctl_lookup(e->net, x->ref, &x->nid, &x->nname, err) < 0)
        return -1;
    if (strncmp(v->mode, "container:", 10) &&
        netctl_lookup(e->net, v->mode, NULL, &x->primary, &ignored) < 0)
        berr_clear(&ignored);
    return x->epc ? connect_fn(e, v, x, err) : disconnect_fn(e, v, x, err);
}

static int change(struct engine *e, const char *ref, const json_t *req, const json_t *epc,
                  struct berr *err)
{
    const char *container = json_get_str(req, "Container", "");
    struct net_change x = {.ref = ref, .epc = epc};
    int rc;

    if (!e->net)
        return berr_set(err, BERR_UNAVAILABLE, 0, "the network controller is not running");
    rc = engine_container_net_change(e, container, change_fn, &x, err);
    free(x.nid);
    free(x.nname);
    free(x.primary);
    return rc;
}

int engine_network_connect(struct engine *e, const char *ref, const json_t *req, struct berr *err)
{
    const json_t *epc = json_object_get(req, "EndpointConfig");

    return change(e, ref, req, epc && json_is_object(epc) ? epc : json_null(), err);
}

int engine_network_disconnect(struct engine *e, const char *ref, const json_t *req,
                              struct berr *err)
{
    return change(e, ref, req, NULL, err);
}

void engine_net_attach_release(struct engine_net_attach *a)
{
    if (!a)
        return;
    free(a->netns_path);
    json_decref(a->settings);
    strv_free(a->dns);
    strv_free(a->hosts_entries);
    memset(a, 0, sizeof(*a));
}
