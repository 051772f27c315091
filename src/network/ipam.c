/* IPAM: IPv4 pools, gateways, ranges and address allocation.
 *
 * Addresses are kept in host byte order.  An address is in use when an
 * endpoint of the network holds it, so releasing an endpoint releases its
 * address with no bookkeeping of its own. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "network/network-internal.h"
#include "util/json.h"
#include "util/mem.h"

int ipam_parse_ip(const char *s, uint32_t *out)
{
    struct in_addr a;

    if (!s || inet_pton(AF_INET, s, &a) != 1)
        return -1;
    *out = ntohl(a.s_addr);
    return 0;
}

int ipam_parse_cidr(const char *s, uint32_t *addr, int *prefix)
{
    _cleanup_free_ char *copy = xstrdup(s ? s : "");
    char *slash = strchr(copy, '/');
    char *end = NULL;
    long p;

    if (!slash)
        return -1;
    *slash = '\0';
    p = strtol(slash + 1, &end, 10);
    if (*end || end == slash + 1 || p < 0 || p > 32)
        return -1;
    *prefix = (int)p;
    return ipam_parse_ip(copy, addr);
}

uint32_t ipam_mask(int prefix)
{
    return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

char *ipam_fmt_ip(uint32_t a)
{
    return xasprintf("%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

char *ipam_fmt_cidr(uint32_t a, int prefix)
{
    return xasprintf("%u.%u.%u.%u/%d", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff,
                     prefix);
}

bool ipam_overlap(uint32_t a, int pa, uint32_t b, int pb)
{
    int p = pa < pb ? pa : pb;

    return (a & ipam_mask(p)) == (b & ipam_mask(p));
}

static bool pool_taken(struct netctl *c, const struct net_network *self, uint32_t net, int prefix)
{
    for (struct net_network *n = c->nets; n; n = n->next)
        if (n != self && n->has_pool && ipam_overlap(n->subnet, n->prefix, net, prefix))
            return true;
    return false;
}

/* The default pools, as dockerd orders them: 172.17-31.0.0/16, then the
 * /20s of 192.168.0.0/16. */
static int next_free_pool(struct netctl *c, const struct net_network *self, uint32_t *net,
                          int *prefix, struct berr *err)
{
    for (uint32_t b = 17; b <= 31; b++) {
        uint32_t cand = (172u << 24) | (b << 16);

        if (!pool_taken(c, self, cand, 16)) {
            *net = cand;
            *prefix = 16;
            return 0;
        }
    }
    for (uint32_t s = 0; s < 256; s += 16) {
        uint32_t cand = (192u << 24) | (168u << 16) | (s << 8);

        if (!pool_taken(c, self, cand, 20)) {
            *net = cand;
            *prefix = 20;
            return 0;
        }
    }
    return berr_set(err, BERR_UNAVAILABLE, 0,
                    "could not find an available, non-overlapping IPv4 address pool among the "
                    "defaults to assign to the network");
}

static int set_range(struct net_network *n, const char *range, struct berr *err)
{
    uint32_t a, mask;
    int p;

    if (!range) {
        n->range_lo = n->subnet + 1;
        n->range_hi = (n->subnet | ~ipam_mask(n->prefix)) - 1;
        return 0;
    }
    if (ipam_parse_cidr(range, &a, &p) < 0)
        return berr_invalid(err, "invalid ip-range %s", range);
    mask = ipam_mask(p);
    if (p < n->prefix || (a & ipam_mask(n->prefix)) != n->subnet)
        return berr_invalid(err, "invalid ip-range %s: it is not within the subnet", range);
    n->range_lo = (a & mask) == n->subnet ? n->subnet + 1 : (a & mask);
    n->range_hi =
        (a | ~mask) == (n->subnet | ~ipam_mask(n->prefix)) ? (a | ~mask) - 1 : (a | ~mask);
    n->ip_range = xstrdup(range);
    return 0;
}

static int configure_subnet(struct netctl *c, struct net_network *n, const char *subnet,
                            uint32_t *net, int *prefix, struct berr *err)
{
    if (!subnet)
        return next_free_pool(c, n, net, prefix, err);
    if (ipam_parse_cidr(subnet, net, prefix) < 0 || *prefix > 30)
        return berr_invalid(err, "invalid subnet %s : invalid CIDR address: %s", subnet, subnet);
    *net &= ipam_mask(*prefix);
    if (pool_taken(c, n, *net, *prefix))
        return berr_set(err, BERR_FORBIDDEN, 0,
                        "invalid pool request: Pool overlaps with other one on this address space");
    return 0;
}

int ipam_configure(struct netctl *c, struct net_network *n, const json_t *conf, struct berr *err)
{
    const char *gw = json_get_str(conf, "Gateway", NULL);
    const char *subnet = json_get_str(conf, "Subnet", NULL);
    uint32_t net = 0, g = 0;
    int prefix = 0;

    if (subnet && !*subnet)
        subnet = NULL;
    if (configure_subnet(c, n, subnet, &net, &prefix, err) < 0)
        return -1;
    n->subnet = net;
    n->prefix = prefix;

    if (gw && *gw) {
        if (ipam_parse_ip(gw, &g) < 0 || (g & ipam_mask(prefix)) != net)
            return berr_invalid(err, "invalid gateway %s for subnet %s", gw, subnet);
    } else {
        g = net + 1;
    }
    n->gateway = g;
    n->has_pool = true;
    return set_range(n, json_get_str(conf, "IPRange", NULL), err);
}

static bool addr_used(struct netctl *c, const struct net_network *n, uint32_t a)
{
    if (a == n->gateway)
        return true;
    for (struct net_endpoint *ep = c->eps; ep; ep = ep->next)
        if (ep->addr == a && !strcmp(ep->nid, n->id))
            return true;
    return false;
}

int ipam_allocate(struct netctl *c, const struct net_network *n, uint32_t want, uint32_t *out,
                  struct berr *err)
{
    if (want) {
        if ((want & ipam_mask(n->prefix)) != n->subnet)
            return berr_invalid(err, "no configured subnet contains IP address %u.%u.%u.%u",
                                want >> 24, (want >> 16) & 0xff, (want >> 8) & 0xff, want & 0xff);
        if (addr_used(c, n, want))
            return berr_conflict(err, "Address already in use");
        *out = want;
        return 0;
    }
    for (uint32_t a = n->range_lo; a <= n->range_hi && a != 0; a++) {
        if (!addr_used(c, n, a)) {
            *out = a;
            return 0;
        }
    }
    return berr_set(err, BERR_UNAVAILABLE, 0,
                    "no available IPv4 addresses on this network's "
                    "address pools: %s (%s)",
                    n->name, n->id);
}

json_t *ipam_config_json(const struct net_network *n)
{
    json_t *arr = json_array();
    json_t *o;

    if (!n->has_pool)
        return arr;
    o = json_object();
    json_object_set_new(o, "Subnet", net_json_take(ipam_fmt_cidr(n->subnet, n->prefix)));
    json_object_set_new(o, "Gateway", net_json_take(ipam_fmt_ip(n->gateway)));
    if (n->ip_range)
        json_object_set_new(o, "IPRange", json_string(n->ip_range));
    json_array_append_new(arr, o);
    return arr;
}
