/* Endpoints: a container's connection to a network, with its address,
 * its veth pair into the sandbox and its published ports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "network/network-internal.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

#define EPHEMERAL_FIRST 49153
#define EPHEMERAL_LAST  60999

static char *sandbox_path(struct netctl *c, const char *cid)
{
    return xasprintf("%s/netns/%s", c->cfg.exec_root, cid);
}

int netctl_sandbox(struct netctl *c, const char *cid, char **path, struct berr *err)
{
    _cleanup_free_ char *p = sandbox_path(c, cid);

    if (c->cfg.host_links && net_sb_create(p, err) < 0)
        return -1;
    *path = steal_ptr(p);
    return 0;
}

char *net_mac_string(uint32_t addr)
{
    if (!addr)
        return xstrdup("");
    return xasprintf("02:42:%02x:%02x:%02x:%02x", addr >> 24, (addr >> 16) & 0xff,
                     (addr >> 8) & 0xff, addr & 0xff);
}

static struct net_endpoint *endpoint_of(struct netctl *c, const char *nid, const char *cid)
{
    for (struct net_endpoint *ep = c->eps; ep; ep = ep->next)
        if (!strcmp(ep->nid, nid) && !strcmp(ep->cid, cid))
            return ep;
    return NULL;
}

/* ---- published ports ---- */

static bool ip_clash(const char *a, const char *b)
{
    bool any_a = !*a || !strcmp(a, "0.0.0.0"), any_b = !*b || !strcmp(b, "0.0.0.0");

    return any_a || any_b || !strcmp(a, b);
}

static bool port_taken(struct netctl *c, const char *proto, const char *hip, int64_t hport,
                       const json_t *pending)
{
    size_t i;
    json_t *p;

    for (struct net_endpoint *ep = c->eps; ep; ep = ep->next) {
        json_array_foreach(ep->ports, i, p)
        {
            if (!strcmp(json_get_str(p, "Proto", ""), proto) &&
                json_get_int(p, "HostPort", 0) == hport &&
                ip_clash(json_get_str(p, "HostIp", ""), hip))
                return true;
        }
    }
    json_array_foreach(pending, i, p)
    {
        if (!strcmp(json_get_str(p, "Proto", ""), proto) &&
            json_get_int(p, "HostPort", 0) == hport && ip_clash(json_get_str(p, "HostIp", ""), hip))
            return true;
    }
    return false;
}

static int add_binding(struct netctl *c, const struct net_endpoint *ep, const char *key,
                       const char *hip, const char *hport, json_t *out, struct berr *err)
{
    char proto[8] = "tcp";
    int port = 0;
    int64_t hp = hport && *hport ? atoi(hport) : 0;

    if (sscanf(key, "%d/%7s", &port, proto) < 1 || port <= 0 || port > 65535)
        return berr_invalid(err, "invalid port specification: \"%s\"", key);
    if (!hip)
        hip = "";
    if (hp == 0) {
        for (hp = EPHEMERAL_FIRST; hp <= EPHEMERAL_LAST; hp++)
            if (!port_taken(c, proto, hip, hp, out))
                break;
    } else if (port_taken(c, proto, hip, hp, out)) {
        return berr_system(err, 0,
                           "driver failed programming external connectivity on endpoint %s (%s): "
                           "Bind for %s:%lld failed: port is already allocated",
                           ep->cname, ep->id, *hip ? hip : "0.0.0.0", (long long)hp);
    }
    json_array_append_new(out, json_pack("{s:s, s:i, s:s, s:I}", "Proto", proto, "Port", port,
                                         "HostIp", hip, "HostPort", (json_int_t)hp));
    return 0;
}

static int parse_bindings(struct netctl *c, const struct net_endpoint_req *r,
                          const struct net_endpoint *ep, json_t **out, struct berr *err)
{
    _cleanup_json_ json_t *ports = json_array();
    const char *key;
    json_t *list, *b;
    size_t i;

    json_object_foreach((json_t *)r->port_bindings, key, list)
    {
        if (json_array_size(list) == 0 && add_binding(c, ep, key, "", "", ports, err) < 0)
            return -1;
        json_array_foreach(list, i, b)
        {
            if (add_binding(c, ep, key, json_get_str(b, "HostIp", ""),
                            json_get_str(b, "HostPort", ""), ports, err) < 0)
                return -1;
        }
    }
    json_object_foreach((json_t *)(r->publish_all ? r->exposed : NULL), key, list)
    {
        if (!json_object_get(r->port_bindings, key) &&
            add_binding(c, ep, key, "", "", ports, err) < 0)
            return -1;
    }
    *out = steal_ptr(ports);
    return 0;
}

static json_t *ports_json(const struct net_endpoint *ep)
{
    json_t *map = json_object();
    size_t i;
    json_t *p;

    json_array_foreach(ep->ports, i, p)
    {
        _cleanup_free_ char *key = xasprintf("%lld/%s", (long long)json_get_int(p, "Port", 0),
                                             json_get_str(p, "Proto", "tcp"));
        const char *hip = json_get_str(p, "HostIp", "");
        json_t *list = json_object_get(map, key);

        if (!list) {
            list = json_array();
            json_object_set_new(map, key, list);
        }
        json_array_append_new(
            list,
            json_pack("{s:s, s:o}", "HostIp", *hip ? hip : "0.0.0.0", "HostPort",
                      net_json_take(xasprintf("%lld", (long long)json_get_int(p, "HostPort", 0)))));
    }
    return map;
}

/* ---- connect and disconnect ---- */

static bool user_network(struct netctl *c, const struct net_network *n)
{
    return !strcmp(n->driver, "bridge") && strcmp(n->name, c->cfg.default_name);
}

static json_t *endpoint_settings(struct netctl *c, const struct net_network *n,
                                 const struct net_endpoint *ep, const char *ipv4)
{
    json_t *dns = json_null();
    json_t *j = json_pack(
        "{s:o, s:n, s:o, s:o, s:n, s:s, s:s, s:o, s:o, s:i, s:s, s:s, s:i}", "IPAMConfig",
        ipv4 ? json_pack("{s:s}", "IPv4Address", ipv4) : json_null(), "Links", "Aliases",
        ep->aliases ? json_strv(ep->aliases) : json_null(), "MacAddress",
        net_json_take(net_mac_string(ep->addr)), "DriverOpts", "NetworkID", n->id, "EndpointID",
        ep->id, "Gateway", ep->addr ? net_json_take(ipam_fmt_ip(n->gateway)) : json_string(""),
        "IPAddress", ep->addr ? net_json_take(ipam_fmt_ip(ep->addr)) : json_string(""),
        "IPPrefixLen", ep->addr ? n->prefix : 0, "IPv6Gateway", "", "GlobalIPv6Address", "",
        "GlobalIPv6PrefixLen", 0);

    if (user_network(c, n)) {
        dns = json_pack("[s]", ep->cname);
        for (char **a = ep->aliases; a && *a; a++)
            json_array_append_new(dns, json_string(*a));
        json_array_append_new(dns, net_json_take(xstrndup(ep->cid, 12)));
    }
    json_object_set_new(j, "DNSNames", dns);
    return j;
}

static void drop_endpoint(struct netctl *c, struct net_endpoint *ep)
{
    struct berr err = BERR_INIT;

    if (ep->host_if && c->cfg.host_links)
        net_sb_link_del(ep->host_if);
    if (c->cfg.persist && c->cfg.persist->delete_endpoint(c->cfg.persist_ctx, ep->id, &err) < 0) {
        log_warn("endpoint %.12s: %s", ep->id, berr_msg(&err));
        berr_clear(&err);
    }
    for (struct net_endpoint **p = &c->eps; *p; p = &(*p)->next) {
        if (*p == ep) {
            *p = ep->next;
            break;
        }
    }
    log_debug("endpoint %.12s of container %.12s released", ep->id, ep->cid);
    net_endpoint_free(ep);
}

/* The lowest ethN none of the container's endpoints uses: an interface
 * hot-plugged after a disconnect takes the name that was freed. */
static char *free_ifname(struct netctl *c, const char *cid)
{
    for (int i = 0;; i++) {
        _cleanup_free_ char *name = xasprintf("eth%d", i);
        bool used = false;

        for (struct net_endpoint *ep = c->eps; ep && !used; ep = ep->next)
            used = !strcmp(ep->cid, cid) && !strcmp(ep->ifname, name);
        if (!used)
            return steal_ptr(name);
    }
}

static struct net_endpoint *endpoint_new(struct netctl *c, const struct net_network *n,
                                         const struct net_endpoint_req *r)
{
    struct net_endpoint *ep = xcalloc(1, sizeof(*ep));

    ep->id = net_random_id();
    ep->nid = xstrdup(n->id);
    ep->cid = xstrdup(r->cid);
    ep->cname = xstrdup(r->cname);
    ep->ifname = r->ifname ? xstrdup(r->ifname) : free_ifname(c, r->cid);
    ep->aliases = strv_dup(r->aliases);
    ep->ports = json_array();
    return ep;
}

static int plan_endpoint(struct netctl *c, const struct net_network *n,
                         const struct net_endpoint_req *r, struct net_endpoint *ep,
                         struct berr *err)
{
    uint32_t want = 0;

    if (!n->has_pool)
        return 0;
    if (r->ipv4 && *r->ipv4 && ipam_parse_ip(r->ipv4, &want) < 0)
        return berr_invalid(err, "invalid IPv4 address: %s", r->ipv4);
    if (ipam_allocate(c, n, want, &ep->addr, err) < 0)
        return -1;
    json_decref(ep->ports);
    ep->ports = NULL;
    if (parse_bindings(c, r, ep, &ep->ports, err) < 0)
        return -1;
    ep->host_if = xasprintf("veth%.7s", ep->id);
    return 0;
}

/* A container has one default gateway, as with dockerd: that of the first
 * of its endpoints on a network with a way out. */
static bool has_gateway(struct netctl *c, const struct net_endpoint *ep)
{
    for (struct net_endpoint *o = c->eps; o; o = o->next) {
        const struct net_network *on;

        if (o == ep || strcmp(o->cid, ep->cid) || !o->addr)
            continue;
        on = net_by_id(c, o->nid);
        if (on && !on->internal)
            return true;
    }
    return false;
}

/* Links and firewall for an endpoint already in the list and the store. */
static int wire_endpoint(struct netctl *c, const struct net_network *n,
                         const struct net_endpoint *ep, struct berr *err)
{
    _cleanup_free_ char *ns = sandbox_path(c, ep->cid);
    _cleanup_free_ char *br = net_bridge_name(n);
    uint8_t mac[6] = {
        0x02,           0x42, ep->addr >> 24, (ep->addr >> 16) & 0xff, (ep->addr >> 8) & 0xff,
        ep->addr & 0xff};

    if (c->cfg.host_links && ep->host_if &&
        (net_sb_create(ns, err) < 0 ||
         net_sb_veth(ns, ep->host_if, br, ep->ifname, ep->addr, n->prefix,
                     n->internal || has_gateway(c, ep) ? 0 : n->gateway, net_mtu(n), mac, err) < 0))
        return -1;
    if (c->cfg.firewall && json_array_size(ep->ports) && net_fw_apply(c, err) < 0)
        return -1;
    return 0;
}

static int connect_locked(struct netctl *c, const struct net_endpoint_req *r, json_t **settings,
                          json_t **ports, struct berr *err)
{
    struct net_network *n = net_find(c, r->network, err);
    struct net_endpoint *ep;

    if (!n)
        return -1;
    if (endpoint_of(c, n->id, r->cid))
        return berr_forbidden(err, "endpoint with name %s already exists in network %s", r->cname,
                              n->name);
    ep = endpoint_new(c, n, r);
    if (plan_endpoint(c, n, r, ep, err) < 0 || net_persist_endpoint(c, ep, err) < 0) {
        net_endpoint_free(ep);
        return -1;
    }
    ep->next = c->eps;
    c->eps = ep;
    if (wire_endpoint(c, n, ep, err) < 0) {
        drop_endpoint(c, ep);
        return berr_wrap(err, "connect %s to network %s", r->cname, n->name);
    }

    *settings = endpoint_settings(c, n, ep, r->ipv4);
    if (ports)
        *ports = ports_json(ep);
    log_debug("container %.12s connected to %s as %.12s", r->cid, n->name, ep->id);
    return 0;
}

int netctl_connect(struct netctl *c, const struct net_endpoint_req *r, json_t **settings,
                   json_t **ports, struct berr *err)
{
    int rc;

    pthread_mutex_lock(&c->lock);
    rc = connect_locked(c, r, settings, ports, err);
    pthread_mutex_unlock(&c->lock);
    return rc;
}

static void refresh_firewall(struct netctl *c)
{
    struct berr err = BERR_INIT;

    if (c->cfg.firewall && net_fw_apply(c, &err) < 0)
        log_warn("%s", berr_msg(&err));
    berr_clear(&err);
}

int netctl_disconnect(struct netctl *c, const char *network, const char *cid, struct berr *err)
{
    struct net_network *n;
    struct net_endpoint *ep;

    pthread_mutex_lock(&c->lock);
    n = net_find(c, network, err);
    ep = n ? endpoint_of(c, n->id, cid) : NULL;
    if (ep) {
        drop_endpoint(c, ep);
        refresh_firewall(c);
    }
    pthread_mutex_unlock(&c->lock);
    return n ? 0 : -1;
}

int netctl_release_container(struct netctl *c, const char *cid, struct berr *err)
{
    _cleanup_free_ char *ns = sandbox_path(c, cid);
    struct net_endpoint *next;
    bool dropped = false;

    pthread_mutex_lock(&c->lock);
    for (struct net_endpoint *ep = c->eps; ep; ep = next) {
        next = ep->next;
        if (!strcmp(ep->cid, cid)) {
            drop_endpoint(c, ep);
            dropped = true;
        }
    }
    if (dropped)
        refresh_firewall(c);
    pthread_mutex_unlock(&c->lock);
    if (c->cfg.host_links)
        net_sb_destroy(ns);
    return 0;
}

char *netctl_dns_for(struct netctl *c, const char *network)
{
    struct berr err = BERR_INIT;
    struct net_network *n;
    char *out;

    pthread_mutex_lock(&c->lock);
    n = net_find(c, network, &err);
    out = n && user_network(c, n) && n->has_pool ? ipam_fmt_ip(n->gateway) : xstrdup("");
    pthread_mutex_unlock(&c->lock);
    berr_clear(&err);
    return out;
}

int net_dns_lookup(struct netctl *c, uint32_t server, const char *name, uint32_t *out)
{
    struct net_network *n = NULL;

    for (struct net_network *cur = c->nets; cur && !n; cur = cur->next)
        if (cur->has_pool && cur->gateway == server && user_network(c, cur))
            n = cur;
    for (struct net_endpoint *ep = c->eps; n && ep; ep = ep->next) {
        bool hit = !strcasecmp(ep->cname, name) || !strncmp(ep->cid, name, 12);

        for (char **a = ep->aliases; a && *a && !hit; a++)
            hit = !strcasecmp(*a, name);
        if (hit && ep->addr && !strcmp(ep->nid, n->id)) {
            *out = ep->addr;
            return 0;
        }
    }
    return -1;
}
