/* The network controller: networks and endpoints in memory, mirrored to
 * the store through the persistence hooks, and the API shapes of both. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "network/network-internal.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

json_t *net_json_take(char *s)
{
    json_t *j = json_string(s);

    free(s);
    return j;
}

char *net_random_id(void)
{
    unsigned char raw[32];
    char *hex = xmalloc(65);
    _cleanup_close_ int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

    if (fd < 0 || read(fd, raw, sizeof(raw)) != (ssize_t)sizeof(raw)) {
        /* Never expected on Linux; fall back to a weak source rather
         * than fail a network create. */
        for (size_t i = 0; i < sizeof(raw); i++)
            raw[i] = (unsigned char)rand();
    }
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    return hex;
}

void net_host_network_release(struct net_host_network *h)
{
    free(h->id);
    free(h->name);
    free(h->type);
    free(h->subnet);
    free(h->gateway);
    free(h->owner);
}

void net_host_networks_free(struct net_host_network *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        net_host_network_release(&v[i]);
    free(v);
}

static void network_free(struct net_network *n)
{
    if (!n)
        return;
    free(n->id);
    free(n->name);
    free(n->driver);
    free(n->scope);
    free(n->created);
    free(n->ip_range);
    json_decref(n->options);
    json_decref(n->labels);
    free(n);
}

void net_endpoint_free(struct net_endpoint *ep)
{
    if (!ep)
        return;
    free(ep->id);
    free(ep->nid);
    free(ep->cid);
    free(ep->cname);
    free(ep->ifname);
    free(ep->host_if);
    strv_free(ep->aliases);
    json_decref(ep->ports);
    free(ep);
}

const char *net_opt(const struct net_network *n, const char *key)
{
    return key ? json_get_str(n->options, key, NULL) : NULL;
}

bool net_host_backed(const struct net_network *n)
{
    return strcmp(n->driver, "null") && strcmp(n->driver, "host");
}

struct net_network *net_by_id(struct netctl *c, const char *id)
{
    for (struct net_network *n = c->nets; n; n = n->next)
        if (!strcmp(n->id, id))
            return n;
    return NULL;
}

struct net_network *net_by_name(struct netctl *c, const char *name)
{
    for (struct net_network *n = c->nets; n; n = n->next)
        if (!strcmp(n->name, name))
            return n;
    return NULL;
}

/* dockerd's lookup order: exact ID, exact name, unique ID prefix. */
struct net_network *net_find(struct netctl *c, const char *ref, struct berr *err)
{
    struct net_network *hit = NULL;
    size_t len = strlen(ref), matches = 0;

    if ((hit = net_by_id(c, ref)) || (hit = net_by_name(c, ref)))
        return hit;
    for (struct net_network *n = c->nets; n && len; n = n->next) {
        if (!strncmp(n->id, ref, len)) {
            hit = n;
            matches++;
        }
    }
    if (matches == 1)
        return hit;
    if (matches > 1)
        berr_invalid(err, "network %s is ambiguous (%zu matches found based on ID)", ref, matches);
    else
        berr_not_found(err, "network %s not found", ref);
    return NULL;
}

/* The Linux bridge of a bridge network: its option, else br-<id12>. */
char *net_bridge_name(const struct net_network *n)
{
    const char *opt = net_opt(n, NET_OPT_BRIDGE_NAME);

    return opt ? xstrdup(opt) : xasprintf("br-%.12s", n->id);
}

int net_mtu(const struct net_network *n)
{
    const char *mtu = net_opt(n, NET_OPT_MTU);
    int v = mtu ? atoi(mtu) : 0;

    return v >= 68 ? v : 1500;
}

static json_t *network_json(struct netctl *c, const struct net_network *n, bool containers)
{
    json_t *ipam =
        json_pack("{s:s, s:n, s:o}", "Driver", "default", "Options", "Config", ipam_config_json(n));
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:o, s:b, s:b, s:b, s:{s:s}, s:b}",
                          "Name", n->name, "Id", n->id, "Created", n->created, "Scope", n->scope,
                          "Driver", n->driver, "EnableIPv4", 1, "EnableIPv6", 0, "IPAM", ipam,
                          "Internal", n->internal, "Attachable", n->attachable, "Ingress", 0,
                          "ConfigFrom", "Network", "", "ConfigOnly", 0);
    json_t *ctrs = json_object();

    for (struct net_endpoint *ep = c->eps; containers && ep; ep = ep->next) {
        if (strcmp(ep->nid, n->id))
            continue;
        json_object_set_new(ctrs, ep->cid,
                            json_pack("{s:s, s:s, s:o, s:o, s:s}", "Name", ep->cname, "EndpointID",
                                      ep->id, "MacAddress", net_json_take(net_mac_string(ep->addr)),
                                      "IPv4Address",
                                      ep->addr ? net_json_take(ipam_fmt_cidr(ep->addr, n->prefix))
                                               : json_string(""),
                                      "IPv6Address", ""));
    }
    json_object_set_new(j, "Containers", ctrs);
    json_object_set(j, "Options", n->options);
    json_object_set(j, "Labels", n->labels);
    return j;
}

static int persist_network(struct netctl *c, const struct net_network *n, struct berr *err)
{
    _cleanup_json_ json_t *doc = NULL;

    if (!n->persist || !c->cfg.persist)
        return 0;
    doc = network_json(c, n, false);
    json_object_del(doc, "Containers");
    return c->cfg.persist->save_network(c->cfg.persist_ctx, n->id, n->name, n->driver, n->scope,
                                        doc, err);
}

static int check_new_name(struct netctl *c, const char *name, struct berr *err)
{
    if (!name || !*name)
        return berr_invalid(err, "invalid name: name is empty");
    if (net_by_name(c, name))
        return berr_conflict(err, "network with name %s already exists", name);
    return 0;
}

static struct net_network *network_new(const struct net_spec *s)
{
    struct net_network *n = xcalloc(1, sizeof(*n));
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    n->id = s->id && *s->id ? xstrdup(s->id) : net_random_id();
    n->name = xstrdup(s->name);
    n->driver = xstrdup(s->driver);
    n->scope = xstrdup("local");
    n->created = json_time_format(ts.tv_sec, ts.tv_nsec);
    n->internal = s->internal;
    n->attachable = s->attachable;
    n->persist = s->persist;
    n->options = json_is_object(s->options) ? json_deep_copy(s->options) : json_object();
    n->labels = json_is_object(s->labels) ? json_deep_copy(s->labels) : json_object();
    return n;
}

/* Create the host side unless the options already name it (adoption). */
static int host_create(struct netctl *c, struct net_network *n, struct berr *err)
{
    const struct net_cfg *cfg = &c->cfg;
    _cleanup_free_ char *hname = NULL, *subnet = NULL, *gw = NULL;
    char *hid = NULL;

    if (!net_host_backed(n) || !cfg->host || net_opt(n, cfg->host_id_key))
        return 0;
    if (net_opt(n, cfg->host_name_key))
        hname = xstrdup(net_opt(n, cfg->host_name_key));
    else
        hname = !strcmp(n->driver, "bridge") ? net_bridge_name(n) : xstrdup(n->name);
    if (n->has_pool) {
        subnet = ipam_fmt_cidr(n->subnet, n->prefix);
        gw = ipam_fmt_cidr(n->gateway, n->prefix);
    }
    if (cfg->host->create(cfg->host_ctx, n->id, n->driver, hname, subnet, gw, net_mtu(n), &hid,
                          err) < 0)
        return berr_wrap(err, "create host network %s", hname);

    json_object_set_new(n->options, cfg->host_id_key, net_json_take(hid));
    if (cfg->host_name_key)
        json_object_set_new(n->options, cfg->host_name_key, json_string(hname));
    log_debug("network %s: host network %s created", n->name, hname);
    return 0;
}

int net_add(struct netctl *c, const struct net_spec *s, struct net_network **out, struct berr *err)
{
    struct net_network *n;

    if (check_new_name(c, s->name, err) < 0)
        return -1;
    n = network_new(s);
    if ((net_host_backed(n) && ipam_configure(c, n, json_array_get(s->ipam_conf, 0), err) < 0) ||
        host_create(c, n, err) < 0 || persist_network(c, n, err) < 0) {
        network_free(n);
        return -1;
    }

    n->next = c->nets;
    c->nets = n;
    c->fw_dirty = true;
    log_debug("network %s (%.12s, %s) added", n->name, n->id, n->driver);
    if (out)
        *out = n;
    return 0;
}

static void unlink_network(struct netctl *c, struct net_network *n)
{
    for (struct net_network **p = &c->nets; *p; p = &(*p)->next) {
        if (*p == n) {
            *p = n->next;
            return;
        }
    }
}

int net_delete(struct netctl *c, struct net_network *n, bool host_remove, struct berr *err)
{
    const char *hid = net_opt(n, c->cfg.host_id_key);

    if (n->persist && c->cfg.persist &&
        c->cfg.persist->delete_network(c->cfg.persist_ctx, n->id, err) < 0)
        return -1;
    if (host_remove && hid && c->cfg.host && c->cfg.host->remove(c->cfg.host_ctx, hid, err) < 0) {
        log_warn("network %s: could not remove its host network: %s", n->name, berr_msg(err));
        berr_clear(err);
    }
    unlink_network(c, n);
    c->fw_dirty = true;
    log_debug("network %s (%.12s) deleted", n->name, n->id);
    network_free(n);
    return 0;
}

/* ---- lifecycle and loading ---- */

int netctl_new(const struct net_cfg *cfg, struct netctl **out, struct berr *err)
{
    struct netctl *c = xcalloc(1, sizeof(*c));

    c->cfg = *cfg;
    pthread_mutex_init(&c->lock, NULL);
    *out = c;
    return 0;
}

void netctl_free(struct netctl *c)
{
    if (!c)
        return;
    net_dns_stop(c);
    if (c->cfg.firewall)
        net_fw_remove(c);
    net_fw_release(c);
    while (c->nets) {
        struct net_network *n = c->nets;

        c->nets = n->next;
        network_free(n);
    }
    while (c->eps) {
        struct net_endpoint *ep = c->eps;

        c->eps = ep->next;
        net_endpoint_free(ep);
    }
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static int load_pool(struct net_network *n, const json_t *conf, struct berr *err)
{
    const char *subnet = json_get_str(conf, "Subnet", NULL);
    const char *gw = json_get_str(conf, "Gateway", NULL);
    const char *range = json_get_str(conf, "IPRange", NULL);
    uint32_t a;
    int p;

    if (!subnet)
        return 0;
    if (ipam_parse_cidr(subnet, &n->subnet, &n->prefix) < 0 || !gw ||
        ipam_parse_ip(gw, &n->gateway) < 0)
        return berr_invalid(err, "stored network %s: bad IPAM config", n->name);
    n->has_pool = true;
    n->range_lo = n->subnet + 1;
    n->range_hi = (n->subnet | ~ipam_mask(n->prefix)) - 1;
    if (range && ipam_parse_cidr(range, &a, &p) == 0) {
        n->ip_range = xstrdup(range);
        n->range_lo = (a & ipam_mask(p)) == n->subnet ? n->subnet + 1 : (a & ipam_mask(p));
        n->range_hi = (a | ~ipam_mask(p)) - ((a | ~ipam_mask(p)) == n->range_hi + 1);
    }
    return 0;
}

int netctl_load_network(struct netctl *c, const json_t *doc, struct berr *err)
{
    struct net_spec s = {
        .driver = json_get_str(doc, "Driver", "bridge"),
        .name = json_get_str(doc, "Name", ""),
        .id = json_get_str(doc, "Id", ""),
        .options = json_object_get(doc, "Options"),
        .labels = json_object_get(doc, "Labels"),
        .internal = json_get_bool(doc, "Internal", false),
        .attachable = json_get_bool(doc, "Attachable", false),
        .persist = true,
    };
    struct net_network *n;

    pthread_mutex_lock(&c->lock);
    n = network_new(&s);
    free(n->created);
    n->created = xstrdup(json_get_str(doc, "Created", "0001-01-01T00:00:00Z"));
    free(n->scope);
    n->scope = xstrdup(json_get_str(doc, "Scope", "local"));
    if (load_pool(n, json_array_get(json_object_get(json_object_get(doc, "IPAM"), "Config"), 0),
                  err) < 0) {
        network_free(n);
        pthread_mutex_unlock(&c->lock);
        return -1;
    }
    n->next = c->nets;
    c->nets = n;
    pthread_mutex_unlock(&c->lock);
    return 0;
}

static json_t *endpoint_doc(const struct net_endpoint *ep)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "Id", ep->id, "NetworkID", ep->nid,
                          "ContainerID", ep->cid, "Name", ep->cname, "IfName",
                          ep->ifname ? ep->ifname : "", "Aliases", json_strv(ep->aliases), "Ports",
                          ep->ports ? json_incref(ep->ports) : json_array());

    json_object_set_new(j, "IPv4Address",
                        ep->addr ? net_json_take(ipam_fmt_ip(ep->addr)) : json_string(""));
    json_object_set_new(j, "HostIf", json_string(ep->host_if ? ep->host_if : ""));
    return j;
}

int netctl_load_endpoint(struct netctl *c, const json_t *doc, struct berr *err)
{
    struct net_endpoint *ep = xcalloc(1, sizeof(*ep));
    const char *addr = json_get_str(doc, "IPv4Address", "");
    const char *host_if = json_get_str(doc, "HostIf", "");

    ep->id = xstrdup(json_get_str(doc, "Id", ""));
    ep->nid = xstrdup(json_get_str(doc, "NetworkID", ""));
    ep->cid = xstrdup(json_get_str(doc, "ContainerID", ""));
    ep->cname = xstrdup(json_get_str(doc, "Name", ""));
    ep->ifname = xstrdup(json_get_str(doc, "IfName", "eth0"));
    ep->host_if = *host_if ? xstrdup(host_if) : NULL;
    ep->aliases = json_to_strv(json_object_get(doc, "Aliases"));
    ep->ports = json_incref(json_object_get(doc, "Ports"));
    if (*addr && ipam_parse_ip(addr, &ep->addr) < 0) {
        net_endpoint_free(ep);
        return berr_invalid(err, "stored endpoint: bad address %s", addr);
    }

    pthread_mutex_lock(&c->lock);
    ep->next = c->eps;
    c->eps = ep;
    pthread_mutex_unlock(&c->lock);
    return 0;
}

int net_persist_endpoint(struct netctl *c, const struct net_endpoint *ep, struct berr *err)
{
    _cleanup_json_ json_t *doc = NULL;

    if (!c->cfg.persist)
        return 0;
    doc = endpoint_doc(ep);
    return c->cfg.persist->save_endpoint(c->cfg.persist_ctx, ep->id, ep->nid, ep->cid, doc, err);
}

/* ---- API operations ---- */

static bool is_predefined(struct netctl *c, const char *name)
{
    return !strcmp(name, "bridge") || !strcmp(name, "host") || !strcmp(name, "none") ||
           !strcmp(name, "default") || !strcmp(name, c->cfg.default_name);
}

static int check_create_request(struct netctl *c, const json_t *req, struct berr *err)
{
    const char *name = json_get_str(req, "Name", "");
    const char *driver = json_get_str(req, "Driver", "bridge");
    const json_t *configs = json_object_get(json_object_get(req, "IPAM"), "Config");

    if (is_predefined(c, name))
        return berr_forbidden(err, "operation is not permitted on predefined %s network ", name);
    if (!strcmp(driver, "host") || !strcmp(driver, "null"))
        return berr_forbidden(err, "only one instance of \"%s\" network is allowed", driver);
    if (*driver && strcmp(driver, "bridge"))
        return berr_not_found(err,
                              "could not find plugin %s in v1 plugin registry: plugin not "
                              "found",
                              driver);
    if (json_array_size(configs) > 1)
        return berr_invalid(err, "berth supports one IPv4 subnet a network");
    return check_new_name(c, name, err);
}

int netctl_create(struct netctl *c, const json_t *req, char **id_out, struct berr *err)
{
    struct net_network *n = NULL;
    struct net_spec s = {
        .driver = "bridge",
        .name = json_get_str(req, "Name", ""),
        .options = json_object_get(req, "Options"),
        .ipam_conf = json_object_get(json_object_get(req, "IPAM"), "Config"),
        .labels = json_object_get(req, "Labels"),
        .internal = json_get_bool(req, "Internal", false),
        .attachable = json_get_bool(req, "Attachable", false),
        .persist = true,
    };
    int rc;

    pthread_mutex_lock(&c->lock);
    rc = check_create_request(c, req, err);
    if (rc == 0)
        rc = net_add(c, &s, &n, err);
    if (rc == 0) {
        *id_out = xstrdup(n->id);
        if (c->cfg.firewall && net_fw_apply(c, err) < 0) {
            log_warn("network %s: firewall: %s", n->name, berr_msg(err));
            berr_clear(err);
        }
        net_dns_refresh(c);
    }
    pthread_mutex_unlock(&c->lock);
    return rc;
}

static char *endpoint_names(struct netctl *c, const struct net_network *n)
{
    char *names = NULL;

    for (struct net_endpoint *ep = c->eps; ep; ep = ep->next) {
        char *next;

        if (strcmp(ep->nid, n->id))
            continue;
        next = names ? xasprintf("%s, %s", names, ep->cname) : xstrdup(ep->cname);
        free(names);
        names = next;
    }
    return names;
}

static int remove_locked(struct netctl *c, struct net_network *n, struct berr *err)
{
    _cleanup_free_ char *users = NULL;

    if (is_predefined(c, n->name))
        return berr_forbidden(err, "%s is a pre-defined network and cannot be removed", n->name);
    users = endpoint_names(c, n);
    if (users)
        return berr_conflict(err,
                             "error while removing network: network %s has active endpoints (%s)",
                             n->name, users);
    if (net_delete(c, n, true, err) < 0)
        return -1;
    if (c->cfg.firewall && net_fw_apply(c, err) < 0) {
        log_warn("firewall: %s", berr_msg(err));
        berr_clear(err);
    }
    net_dns_refresh(c);
    return 0;
}

int netctl_remove(struct netctl *c, const char *ref, struct berr *err)
{
    struct net_network *n;
    int rc = -1;

    pthread_mutex_lock(&c->lock);
    n = net_find(c, ref, err);
    if (n)
        rc = remove_locked(c, n, err);
    pthread_mutex_unlock(&c->lock);
    return rc;
}

static bool has_endpoints(struct netctl *c, const struct net_network *n)
{
    for (struct net_endpoint *ep = c->eps; ep; ep = ep->next)
        if (!strcmp(ep->nid, n->id))
            return true;
    return false;
}

static bool label_matches(const struct net_network *n, const char *want)
{
    _cleanup_free_ char *key = xstrdup(want);
    char *eq = strchr(key, '=');
    const char *have;

    if (eq)
        *eq = '\0';
    have = json_get_str(n->labels, key, NULL);
    return have && (!eq || !strcmp(have, eq + 1));
}

/* Does n pass filter key (values OR'ed)? */
static bool filter_key_matches(struct netctl *c, const struct net_network *n, const char *key,
                               const json_t *vals)
{
    size_t i;
    json_t *v;

    json_array_foreach(vals, i, v)
    {
        const char *s = json_string_value(v);
        bool custom = !is_predefined(c, n->name);

        if (!s)
            continue;
        if ((!strcmp(key, "name") && strstr(n->name, s)) ||
            (!strcmp(key, "id") && !strncmp(n->id, s, strlen(s))) ||
            (!strcmp(key, "driver") && !strcmp(n->driver, s)) ||
            (!strcmp(key, "scope") && !strcmp(n->scope, s)) ||
            (!strcmp(key, "label") && label_matches(n, s)) ||
            (!strcmp(key, "type") && (!strcmp(s, "custom") ? custom : !custom)) ||
            (!strcmp(key, "dangling") &&
             (!strcmp(s, "true") || !strcmp(s, "1")) == !has_endpoints(c, n)))
            return true;
    }
    return false;
}

static bool filters_match(struct netctl *c, const struct net_network *n, const json_t *filters)
{
    const char *key;
    json_t *vals;

    json_object_foreach((json_t *)filters, key, vals)
    {
        if (json_array_size(vals) && !filter_key_matches(c, n, key, vals))
            return false;
    }
    return true;
}

static int check_filters(const json_t *filters, const char *const *allowed, struct berr *err)
{
    const char *key;
    json_t *vals;

    json_object_foreach((json_t *)filters, key, vals)
    {
        bool ok = false;

        for (size_t i = 0; allowed[i]; i++)
            ok |= !strcmp(allowed[i], key);
        if (!ok)
            return berr_invalid(err, "invalid filter '%s'", key);
    }
    return 0;
}

json_t *netctl_list(struct netctl *c, const json_t *filters, struct berr *err)
{
    static const char *const keys[] = {"dangling", "driver", "id",   "label",
                                       "name",     "scope",  "type", NULL};
    json_t *arr;

    if (check_filters(filters, keys, err) < 0)
        return NULL;
    arr = json_array();
    pthread_mutex_lock(&c->lock);
    for (struct net_network *n = c->nets; n; n = n->next)
        if (filters_match(c, n, filters))
            json_array_append_new(arr, network_json(c, n, false));
    pthread_mutex_unlock(&c->lock);
    return arr;
}

json_t *netctl_inspect(struct netctl *c, const char *ref, struct berr *err)
{
    struct net_network *n;
    json_t *j = NULL;

    pthread_mutex_lock(&c->lock);
    n = net_find(c, ref, err);
    if (n)
        j = network_json(c, n, true);
    pthread_mutex_unlock(&c->lock);
    return j;
}

json_t *netctl_network_json(struct netctl *c, const char *ref)
{
    struct berr err = BERR_INIT;
    json_t *j = netctl_inspect(c, ref, &err);

    berr_clear(&err);
    return j;
}

json_t *netctl_prune(struct netctl *c, const json_t *filters, struct berr *err)
{
    static const char *const keys[] = {"label", "until", NULL};
    json_t *deleted;
    struct net_network *next;

    if (check_filters(filters, keys, err) < 0)
        return NULL;
    deleted = json_array();
    pthread_mutex_lock(&c->lock);
    for (struct net_network *n = c->nets; n; n = next) {
        struct berr e = BERR_INIT;
        _cleanup_free_ char *name = xstrdup(n->name);

        next = n->next;
        if (is_predefined(c, n->name) || has_endpoints(c, n) ||
            !filters_match(c, n, json_object_get(filters, "label") ? filters : NULL))
            continue;
        if (remove_locked(c, n, &e) == 0)
            json_array_append_new(deleted, json_string(name));
        berr_clear(&e);
    }
    pthread_mutex_unlock(&c->lock);
    return json_pack("{s:o}", "NetworksDeleted", deleted);
}

int netctl_lookup(struct netctl *c, const char *ref, char **id, char **name, struct berr *err)
{
    struct net_network *n;

    pthread_mutex_lock(&c->lock);
    n = net_find(c, ref, err);
    if (n && id)
        *id = xstrdup(n->id);
    if (n && name)
        *name = xstrdup(n->name);
    pthread_mutex_unlock(&c->lock);
    return n ? 0 : -1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **netctl_names(struct netctl *c)
{
    char **v = NULL;

    pthread_mutex_lock(&c->lock);
    for (struct net_network *n = c->nets; n; n = n->next)
        strv_push_take(&v, xasprintf("%s/%s", n->name, n->driver));
    pthread_mutex_unlock(&c->lock);
    if (v)
        qsort(v, strv_len(v), sizeof(*v), cmp_str);
    return v;
}

int netctl_reconcile(struct netctl *c, struct berr *err)
{
    int rc;

    pthread_mutex_lock(&c->lock);
    rc = net_reconcile(c, err);
    if (rc == 0 && c->cfg.firewall)
        rc = net_fw_apply(c, err);
    pthread_mutex_unlock(&c->lock);
    if (rc == 0 && c->cfg.host_links)
        rc = net_dns_start(c, err);
    return rc;
}
