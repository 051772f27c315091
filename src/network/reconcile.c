/* Start-up reconciliation between the stored networks and the networks
 * the host service reports, following the seed's initNetworkController
 * and initBridgeDriver step by step:
 *   1. stored networks missing on the host are removed, except non-default
 *      networks of the default driver (NAT on Windows, bridge on Linux),
 *      which are re-created with their options minus the host-side name
 *      and id; global-scope networks are never removed here;
 *   2. "none" is created, never persisted;
 *   3. every host network of a usable kind is (re-)adopted: a known one
 *      keeps its name and persisted options, an unknown one of the default
 *      kind becomes the default network when that is missing;
 *   4. the default network is created (with FixedCIDR) unless the bridge
 *      is disabled.
 * On Linux, before all of this, labelled bridges that no stored network
 * owns (a crash between creating a bridge and storing its network) are
 * removed, and the predefined "host" network is made when missing. */
#include <string.h>
#include <strings.h>

#include "network/network-internal.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

struct host_list {
    struct net_host_network *v;
    size_t n;
};

static void host_list_release(struct host_list *h)
{
    net_host_networks_free(h->v, h->n);
}

#define _cleanup_hosts_ __attribute__((cleanup(host_list_release)))

static bool host_has(const struct host_list *h, const char *id)
{
    for (size_t i = 0; id && i < h->n; i++)
        if (h->v[i].id && !strcmp(h->v[i].id, id))
            return true;
    return false;
}

/* Options minus the host-side name and id. */
static json_t *options_without_host(struct netctl *c, const json_t *opts)
{
    json_t *out = json_deep_copy(opts);

    if (c->cfg.host_name_key)
        json_object_del(out, c->cfg.host_name_key);
    json_object_del(out, c->cfg.host_id_key);
    return out;
}

static void log_failure(const char *what, const char *name, struct berr *err)
{
    log_error("Error occurred when %s network %s: %s", what, name, berr_msg(err));
    berr_clear(err);
}

/* Rule 1 for one network of the default driver: delete, then re-create
 * under the same name and id with the same pool. */
static void recreate(struct netctl *c, struct net_network *n)
{
    struct berr err = BERR_INIT;
    _cleanup_json_ json_t *opts = options_without_host(c, n->options);
    _cleanup_json_ json_t *ipam = ipam_config_json(n);
    _cleanup_json_ json_t *labels = json_incref(n->labels);
    _cleanup_free_ char *name = xstrdup(n->name), *id = xstrdup(n->id),
                        *driver = xstrdup(n->driver);
    struct net_spec s = {.driver = driver,
                         .name = name,
                         .id = id,
                         .options = opts,
                         .ipam_conf = ipam,
                         .labels = labels,
                         .internal = n->internal,
                         .attachable = n->attachable,
                         .persist = true};

    log_info("network %s is missing on the host: re-creating it", name);
    if (net_delete(c, n, false, &err) < 0)
        log_failure("removing", name, &err);
    if (net_add(c, &s, NULL, &err) < 0)
        log_failure("creating", name, &err);
}

static void remove_missing(struct netctl *c, const struct host_list *hosts)
{
    _cleanup_strv_ char **ids = NULL;

    /* Walk a snapshot: re-creating a network changes the list. */
    for (struct net_network *n = c->nets; n; n = n->next)
        strv_push(&ids, n->id);
    for (size_t i = 0; ids && ids[i]; i++) {
        struct net_network *n = net_by_id(c, ids[i]);
        struct berr err = BERR_INIT;

        if (!n || !net_host_backed(n) || host_has(hosts, net_opt(n, c->cfg.host_id_key)))
            continue;
        if (!strcmp(n->driver, c->cfg.default_driver) && strcmp(n->name, c->cfg.default_name)) {
            recreate(c, n);
            continue;
        }
        if (!strcmp(n->scope, "global"))
            continue;
        log_info("network %s is missing on the host: removing it", n->name);
        if (net_delete(c, n, false, &err) < 0)
            log_failure("removing", n->name, &err);
    }
}

/* Linux: a labelled bridge whose network is not stored is a leftover. */
static void remove_strays(struct netctl *c, struct host_list *hosts)
{
    size_t kept = 0;

    for (size_t i = 0; i < hosts->n; i++) {
        struct net_host_network *h = &hosts->v[i];
        struct berr err = BERR_INIT;

        if (h->owner && net_by_id(c, h->owner)) {
            hosts->v[kept++] = *h;
            continue;
        }
        log_info("removing bridge %s left by an earlier run", h->name);
        if (c->cfg.host->remove(c->cfg.host_ctx, h->id, &err) < 0)
            log_failure("removing host", h->name, &err);
        net_host_network_release(h);
    }
    hosts->n = kept;
}

static bool default_exists(struct netctl *c, const struct host_list *hosts)
{
    struct net_network *d = net_by_name(c, c->cfg.default_name);

    return d && host_has(hosts, net_opt(d, c->cfg.host_id_key));
}

static json_t *host_ipam(const struct net_host_network *h, const struct net_network *old)
{
    json_t *conf;

    if (!h->subnet)
        return json_array();
    conf = json_pack("{s:s}", "Subnet", h->subnet);
    if (h->gateway)
        json_object_set_new(conf, "Gateway", json_string(h->gateway));
    /* A range only berth knew of survives when the pool is unchanged. */
    if (old && old->ip_range && old->has_pool) {
        _cleanup_free_ char *subnet = ipam_fmt_cidr(old->subnet, old->prefix);

        if (!strcmp(subnet, h->subnet))
            json_object_set_new(conf, "IPRange", json_string(old->ip_range));
    }
    return json_pack("[o]", conf);
}

struct adopted {
    char *name;
    char *id;
    json_t *opts;
    json_t *labels;
    bool internal;
};

/* Take n's name, id and options and delete it (not on the host). */
static void take_known(struct netctl *c, struct net_network *n, const struct net_host_network *h,
                       struct adopted *a)
{
    struct berr err = BERR_INIT;

    a->name = xstrdup(n->name);
    a->id = xstrdup(n->id);
    a->opts = options_without_host(c, n->options);
    a->labels = json_incref(n->labels);
    a->internal = n->internal;
    if (net_delete(c, n, false, &err) < 0)
        log_failure("removing", a->name, &err);
}

static void adopt_one(struct netctl *c, const struct net_host_network *h, bool *have_default)
{
    struct berr err = BERR_INIT;
    struct net_network *n = NULL;
    struct adopted a = {0};
    struct net_spec s = {.persist = true};
    _cleanup_free_ char *type = xstrdup(h->type ? h->type : "");
    _cleanup_json_ json_t *ipam = NULL;

    for (char *p = type; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    if (!strcmp(type, "private") || !strcmp(type, "internal"))
        return; /* kinds berth cannot use */
    for (struct net_network *cur = c->nets; cur && !n; cur = cur->next)
        if (net_opt(cur, c->cfg.host_id_key) && !strcmp(net_opt(cur, c->cfg.host_id_key), h->id))
            n = cur;
    if (n && !strcmp(n->scope, "global"))
        return;

    ipam = host_ipam(h, n);
    if (n)
        take_known(c, n, h, &a);
    else
        a = (struct adopted){.name = xstrdup(h->name), .opts = json_object()};
    if (c->cfg.host_name_key)
        json_object_set_new(a.opts, c->cfg.host_name_key, json_string(a.name));
    json_object_set_new(a.opts, c->cfg.host_id_key, json_string(h->id));
    if (!*have_default && !strcasecmp(c->cfg.default_name, type) && !n) {
        free(a.name);
        a.name = xstrdup(c->cfg.default_name);
        *have_default = true;
    }

    s = (struct net_spec){.driver = type,
                          .name = a.name,
                          .id = a.id,
                          .options = a.opts,
                          .ipam_conf = ipam,
                          .labels = a.labels,
                          .internal = a.internal,
                          .persist = true};
    if (net_add(c, &s, NULL, &err) < 0)
        log_failure("creating", a.name, &err);
    free(a.name);
    free(a.id);
    json_decref(a.opts);
    json_decref(a.labels);
}

static json_t *default_options(struct netctl *c)
{
    if (!c->cfg.linux_rules)
        return json_pack("{s:s}", c->cfg.host_name_key, c->cfg.default_name);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", NET_OPT_DEFAULT_BR, "true", NET_OPT_ICC,
                     "true", NET_OPT_MASQUERADE, "true", NET_OPT_HOST_BIND, "0.0.0.0",
                     NET_OPT_BRIDGE_NAME, c->cfg.default_bridge, NET_OPT_MTU, "1500");
}

/* --bip gives the pool and gateway, --fixed-cidr the allocation range
 * within it; --fixed-cidr alone is the pool (the seed's PreferredPool). */
static int default_ipam(struct netctl *c, json_t **out, struct berr *err)
{
    uint32_t a;
    int p;
    json_t *conf;

    *out = json_array();
    if (c->cfg.bip) {
        if (ipam_parse_cidr(c->cfg.bip, &a, &p) < 0)
            return berr_invalid(err, "invalid bip %s", c->cfg.bip);
        conf = json_pack("{s:o, s:o}", "Subnet", net_json_take(ipam_fmt_cidr(a & ipam_mask(p), p)),
                         "Gateway", net_json_take(ipam_fmt_ip(a)));
        if (c->cfg.fixed_cidr)
            json_object_set_new(conf, "IPRange", json_string(c->cfg.fixed_cidr));
        json_array_append_new(*out, conf);
    } else if (c->cfg.fixed_cidr) {
        json_array_append_new(*out, json_pack("{s:s}", "Subnet", c->cfg.fixed_cidr));
    }
    return 0;
}

static int init_bridge(struct netctl *c, struct berr *err)
{
    _cleanup_json_ json_t *opts = NULL, *ipam = NULL;
    struct net_spec s = {
        .driver = c->cfg.default_driver, .name = c->cfg.default_name, .persist = true};

    if (net_by_name(c, c->cfg.default_name))
        return 0;
    if (default_ipam(c, &ipam, err) < 0)
        return berr_wrap(err, "error creating default network");
    opts = default_options(c);
    s.options = opts;
    s.ipam_conf = ipam;
    if (net_add(c, &s, NULL, err) < 0)
        return berr_wrap(err, "error creating default network");
    return 0;
}

static int add_predefined(struct netctl *c, const char *driver, const char *name, bool persist,
                          struct berr *err)
{
    struct net_spec s = {.driver = driver, .name = name, .persist = persist};

    if (net_by_name(c, name))
        return 0;
    return net_add(c, &s, NULL, err);
}

int net_reconcile(struct netctl *c, struct berr *err)
{
    _cleanup_hosts_ struct host_list hosts = {0};
    bool have_default;

    if (c->cfg.host->list(c->cfg.host_ctx, &hosts.v, &hosts.n, err) < 0)
        return berr_wrap(err, "list host networks");
    if (c->cfg.linux_rules)
        remove_strays(c, &hosts);
    remove_missing(c, &hosts);

    if (add_predefined(c, "null", "none", false, err) < 0)
        return -1;
    if (c->cfg.linux_rules && add_predefined(c, "host", "host", true, err) < 0)
        return -1;

    have_default = default_exists(c, &hosts);
    for (size_t i = 0; i < hosts.n; i++)
        adopt_one(c, &hosts.v[i], &have_default);

    return c->cfg.disable_bridge ? 0 : init_bridge(c, err);
}
