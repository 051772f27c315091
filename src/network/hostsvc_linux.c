/* The Linux host network service: kernel bridges in the daemon's network
 * namespace that berth labelled as its own.
 *
 * Bridges carry no free-form labels, so berth marks its bridges with the
 * interface alias (IFLA_IFALIAS) "berth:<network-id>", which netlink
 * reads back with the link.  A bridge without that alias is never touched.
 * The host-side id of a network is the bridge's ifindex. */
#include <errno.h>
#include <net/if.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "network/network-internal.h"
#include "util/log.h"
#include "util/mem.h"

#define LABEL_PREFIX "berth:"

static void cleanup_nl_cachep(struct nl_cache **c)
{
    if (*c)
        nl_cache_free(*c);
}
#define _cleanup_nl_cache_ __attribute__((cleanup(cleanup_nl_cachep)))

/* The first IPv4 address of ifindex, as subnet and gateway. */
static void bridge_address(struct nl_cache *addrs, int ifindex, struct net_host_network *h)
{
    for (struct nl_object *o = nl_cache_get_first(addrs); o; o = nl_cache_get_next(o)) {
        struct rtnl_addr *a = (struct rtnl_addr *)o;
        struct nl_addr *local = rtnl_addr_get_local(a);
        uint32_t be, ip;
        int p = rtnl_addr_get_prefixlen(a);

        if (rtnl_addr_get_ifindex(a) != ifindex || rtnl_addr_get_family(a) != AF_INET || !local)
            continue;
        memcpy(&be, nl_addr_get_binary_addr(local), sizeof(be));
        ip = ntohl(be);
        h->subnet = ipam_fmt_cidr(ip & ipam_mask(p), p);
        h->gateway = ipam_fmt_ip(ip);
        return;
    }
}

static void add_bridge(struct rtnl_link *link, struct nl_cache *addrs, struct net_host_network **v,
                       size_t *n)
{
    const char *alias = rtnl_link_get_ifalias(link);
    const char *type = rtnl_link_get_type(link);
    struct net_host_network *h;

    if (!type || strcmp(type, "bridge") || !alias || strncmp(alias, LABEL_PREFIX, 6))
        return;
    *v = xrealloc(*v, (*n + 1) * sizeof(**v));
    h = &(*v)[(*n)++];
    memset(h, 0, sizeof(*h));
    h->id = xasprintf("%d", rtnl_link_get_ifindex(link));
    h->name = xstrdup(rtnl_link_get_name(link));
    h->type = xstrdup("bridge");
    h->owner = xstrdup(alias + strlen(LABEL_PREFIX));
    bridge_address(addrs, rtnl_link_get_ifindex(link), h);
}

static int linux_list(void *ctx, struct net_host_network **out, size_t *n, struct berr *err)
{
    _cleanup_nl_sock_ struct nl_sock *s = NULL;
    _cleanup_nl_cache_ struct nl_cache *links = NULL, *addrs = NULL;
    int rc;

    *out = NULL;
    *n = 0;
    if (net_nl_open(&s, err) < 0)
        return -1;
    rc = rtnl_link_alloc_cache(s, AF_UNSPEC, &links);
    if (rc == 0)
        rc = rtnl_addr_alloc_cache(s, &addrs);
    if (rc < 0)
        return net_nl_error(err, rc, "list", "links");
    for (struct nl_object *o = nl_cache_get_first(links); o; o = nl_cache_get_next(o))
        add_bridge((struct rtnl_link *)o, addrs, out, n);
    log_debug("host service: %zu labelled bridges", *n);
    return 0;
}

static int set_alias_up(struct nl_sock *s, const char *name, const char *alias, struct berr *err)
{
    _cleanup_rtnl_link_ struct rtnl_link *link = NULL, *change = rtnl_link_alloc();
    int rc = rtnl_link_get_kernel(s, 0, name, &link);

    if (rc < 0)
        return net_nl_error(err, rc, "find bridge", name);
    rtnl_link_set_ifalias(change, alias);
    rtnl_link_set_flags(change, IFF_UP);
    rc = rtnl_link_change(s, link, change, 0);
    if (rc < 0)
        return net_nl_error(err, rc, "label bridge", name);
    return 0;
}

static int create_bridge(struct nl_sock *s, const char *name, int mtu, struct berr *err)
{
    _cleanup_rtnl_link_ struct rtnl_link *link = rtnl_link_bridge_alloc();
    int rc;

    rtnl_link_set_name(link, name);
    rtnl_link_set_mtu(link, (unsigned)mtu);
    rc = rtnl_link_add(s, link, NLM_F_CREATE | NLM_F_EXCL);
    if (rc < 0)
        return net_nl_error(err, rc, "create bridge", name);
    return 0;
}

static int linux_create(void *ctx, const char *net_id, const char *type, const char *name,
                        const char *subnet, const char *gateway, int mtu, char **host_id,
                        struct berr *err)
{
    _cleanup_nl_sock_ struct nl_sock *s = NULL;
    _cleanup_rtnl_link_ struct rtnl_link *link = NULL;
    _cleanup_free_ char *alias = xasprintf(LABEL_PREFIX "%s", net_id);
    _cleanup_free_ char *localnet = xasprintf("/proc/sys/net/ipv4/conf/%s/route_localnet", name);
    uint32_t gw;
    int prefix;

    if (net_nl_open(&s, err) < 0 || create_bridge(s, name, mtu, err) < 0)
        return -1;
    if (set_alias_up(s, name, alias, err) < 0 || rtnl_link_get_kernel(s, 0, name, &link) < 0)
        return -1;
    if (gateway && ipam_parse_cidr(gateway, &gw, &prefix) == 0 &&
        net_addr_add(s, rtnl_link_get_ifindex(link), gw, prefix, err) < 0)
        return -1;
    /* Published ports answer on the host's loopback too: DNAT of
     * 127.0.0.1 towards the bridge needs route_localnet. */
    if (net_sysctl(localnet, "1") < 0)
        log_warn("could not enable route_localnet on %s: ports published on 127.0.0.1 will not "
                 "answer",
                 name);
    *host_id = xasprintf("%d", rtnl_link_get_ifindex(link));
    log_debug("bridge %s (ifindex %s) created for network %.12s", name, *host_id, net_id);
    return 0;
}

static int linux_remove(void *ctx, const char *host_id, struct berr *err)
{
    _cleanup_nl_sock_ struct nl_sock *s = NULL;
    _cleanup_rtnl_link_ struct rtnl_link *link = NULL;
    const char *alias;
    int rc;

    if (net_nl_open(&s, err) < 0)
        return -1;
    rc = rtnl_link_get_kernel(s, atoi(host_id), NULL, &link);
    if (rc < 0)
        return 0; /* already gone */
    alias = rtnl_link_get_ifalias(link);
    if (!alias || strncmp(alias, LABEL_PREFIX, strlen(LABEL_PREFIX)))
        return 0; /* not ours: never touch it */
    rc = rtnl_link_delete(s, link);
    if (rc < 0)
        return net_nl_error(err, rc, "delete bridge", rtnl_link_get_name(link));
    log_debug("bridge %s removed", rtnl_link_get_name(link));
    return 0;
}

const struct net_host_ops net_host_linux = {
    .list = linux_list,
    .create = linux_create,
    .remove = linux_remove,
};
