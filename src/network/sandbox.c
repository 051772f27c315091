/* Container sandboxes (named network namespaces) and veth pairs, through
 * netlink with libnl-route-3.
 *
 * Work inside a sandbox runs on a short-lived thread that enters the
 * namespace with setns(): a namespace switch is per thread, so the
 * daemon's other threads never see it and nothing has to be restored. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <net/if.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "network/network-internal.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/mem.h"

void cleanup_nl_sockp(struct nl_sock **s)
{
    if (*s)
        nl_socket_free(*s);
}

void cleanup_rtnl_linkp(struct rtnl_link **l)
{
    if (*l)
        rtnl_link_put(*l);
}

int net_nl_open(struct nl_sock **out, struct berr *err)
{
    struct nl_sock *s = nl_socket_alloc();
    int rc;

    if (!s)
        return berr_system(err, ENOMEM, "netlink socket");
    rc = nl_connect(s, NETLINK_ROUTE);
    if (rc < 0) {
        nl_socket_free(s);
        return berr_system(err, 0, "netlink connect: %s", nl_geterror(rc));
    }
    *out = s;
    return 0;
}

int net_nl_error(struct berr *err, int rc, const char *what, const char *name)
{
    return berr_system(err, 0, "%s %s: %s", what, name, nl_geterror(rc));
}

int net_sysctl(const char *path, const char *value)
{
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

    if (fd < 0 || write(fd, value, strlen(value)) < 0)
        return -1;
    return 0;
}

int net_link_up(struct nl_sock *s, const char *name, struct berr *err)
{
    _cleanup_rtnl_link_ struct rtnl_link *link = NULL, *change = rtnl_link_alloc();
    int rc = rtnl_link_get_kernel(s, 0, name, &link);

    if (rc < 0)
        return net_nl_error(err, rc, "find link", name);
    rtnl_link_set_flags(change, IFF_UP);
    rc = rtnl_link_change(s, link, change, 0);
    if (rc < 0)
        return net_nl_error(err, rc, "set up", name);
    return 0;
}

/* ---- running a function inside a namespace ---- */

struct ns_job {
    const char *ns_path; /* NULL: a new namespace bound to bind_to */
    const char *bind_to;
    int (*fn)(void *arg, struct berr *err);
    void *arg;
    struct berr err;
    int rc;
};

static int enter(struct ns_job *j)
{
    _cleanup_close_ int fd = -1;

    if (!j->ns_path) {
        if (unshare(CLONE_NEWNET) < 0)
            return berr_system(&j->err, errno, "unshare network namespace");
        if (mount("/proc/thread-self/ns/net", j->bind_to, NULL, MS_BIND, NULL) < 0)
            return berr_system(&j->err, errno, "bind-mount network namespace %s", j->bind_to);
        return 0;
    }
    fd = open(j->ns_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return berr_system(&j->err, errno, "open %s", j->ns_path);
    if (setns(fd, CLONE_NEWNET) < 0)
        return berr_system(&j->err, errno, "enter %s", j->ns_path);
    return 0;
}

static void *ns_thread(void *arg)
{
    struct ns_job *j = arg;

    j->rc = enter(j);
    if (j->rc == 0)
        j->rc = j->fn(j->arg, &j->err);
    return NULL;
}

static int run_in_ns(struct ns_job *j, struct berr *err)
{
    pthread_t t;
    int rc = pthread_create(&t, NULL, ns_thread, j);

    if (rc != 0)
        return berr_system(err, rc, "start namespace thread");
    pthread_join(t, NULL);
    if (j->rc < 0) {
        berr_move(err, &j->err);
        return -1;
    }
    return 0;
}

/* ---- sandboxes ---- */

static int lo_up(void *arg, struct berr *err)
{
    _cleanup_nl_sock_ struct nl_sock *s = NULL;

    if (net_nl_open(&s, err) < 0)
        return -1;
    return net_link_up(s, "lo", err);
}

static bool is_netns(const char *path)
{
    struct statfs fs;

    return statfs(path, &fs) == 0 && fs.f_type == NSFS_MAGIC;
}

int net_sb_create(const char *path, struct berr *err)
{
    _cleanup_free_ char *dir = xstrdup(path);
    _cleanup_close_ int fd = -1;
    struct ns_job j = {.bind_to = path, .fn = lo_up, .err = BERR_INIT};

    if (is_netns(path))
        return 0;
    *strrchr(dir, '/') = '\0';
    if (fs_mkdir_p(dir, 0700, err) < 0)
        return -1;
    fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return berr_system(err, errno, "create %s", path);
    if (run_in_ns(&j, err) < 0) {
        net_sb_destroy(path);
        return berr_wrap(err, "create sandbox");
    }
    log_debug("sandbox %s created", path);
    return 0;
}

void net_sb_destroy(const char *path)
{
    if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
        log_warn("unmount sandbox %s: %s", path, strerror(errno));
    if (unlink(path) < 0 && errno != ENOENT)
        log_warn("remove sandbox %s: %s", path, strerror(errno));
}

/* ---- veth pairs ---- */

struct veth_job {
    const char *ifname;
    uint32_t addr;
    int prefix;
    uint32_t gw;
};

static struct nl_addr *nl_ipv4(uint32_t a, int prefix)
{
    uint32_t be = htonl(a);
    struct nl_addr *n = nl_addr_build(AF_INET, &be, sizeof(be));

    nl_addr_set_prefixlen(n, prefix);
    return n;
}

static int add_default_route(struct nl_sock *s, int ifindex, uint32_t gw, struct berr *err)
{
    struct rtnl_route *r = rtnl_route_alloc();
    struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
    struct nl_addr *dst = nl_ipv4(0, 0), *via = nl_ipv4(gw, 32);
    int rc;

    rtnl_route_set_family(r, AF_INET);
    rtnl_route_set_dst(r, dst);
    rtnl_route_nh_set_gateway(nh, via);
    rtnl_route_nh_set_ifindex(nh, ifindex);
    rtnl_route_add_nexthop(r, nh);
    rc = rtnl_route_add(s, r, NLM_F_CREATE);
    rtnl_route_put(r);
    nl_addr_put(dst);
    nl_addr_put(via);
    if (rc < 0)
        return net_nl_error(err, rc, "add default route via", "gateway");
    return 0;
}

int net_addr_add(struct nl_sock *s, int ifindex, uint32_t addr, int prefix, struct berr *err)
{
    struct rtnl_addr *a = rtnl_addr_alloc();
    struct nl_addr *local = nl_ipv4(addr, prefix);
    int rc;

    rtnl_addr_set_ifindex(a, ifindex);
    rtnl_addr_set_family(a, AF_INET);
    rtnl_addr_set_local(a, local);
    rtnl_addr_set_prefixlen(a, prefix);
    rc = rtnl_addr_add(s, a, 0);
    rtnl_addr_put(a);
    nl_addr_put(local);
    if (rc < 0)
        return net_nl_error(err, rc, "add address to link", "");
    return 0;
}

static int link_index(struct nl_sock *s, const char *name, int *ifindex, struct berr *err)
{
    _cleanup_rtnl_link_ struct rtnl_link *link = NULL;
    int rc = rtnl_link_get_kernel(s, 0, name, &link);

    if (rc < 0)
        return net_nl_error(err, rc, "find link", name);
    *ifindex = rtnl_link_get_ifindex(link);
    return 0;
}

/* Inside the sandbox: address, up, default route. */
static int configure_peer(void *arg, struct berr *err)
{
    struct veth_job *v = arg;
    _cleanup_nl_sock_ struct nl_sock *s = NULL;
    int ifindex;

    if (net_nl_open(&s, err) < 0 || link_index(s, v->ifname, &ifindex, err) < 0)
        return -1;
    if (net_addr_add(s, ifindex, v->addr, v->prefix, err) < 0 || net_link_up(s, v->ifname, err) < 0)
        return -1;
    if (v->gw)
        return add_default_route(s, ifindex, v->gw, err);
    return 0;
}

/* Create host_if in the daemon's namespace and its peer directly inside
 * the sandbox under its final name. */
static int create_pair(struct nl_sock *s, const char *ns_path, const char *host_if,
                       const char *ifname, int mtu, const uint8_t mac[6], struct berr *err)
{
    _cleanup_close_ int nsfd = open(ns_path, O_RDONLY | O_CLOEXEC);
    _cleanup_rtnl_link_ struct rtnl_link *link = rtnl_link_veth_alloc();
    struct rtnl_link *peer = rtnl_link_veth_get_peer(link);
    struct nl_addr *lladdr = nl_addr_build(AF_LLC, mac, 6);
    int rc;

    if (nsfd < 0) {
        rtnl_link_put(peer);
        nl_addr_put(lladdr);
        return berr_system(err, errno, "open %s", ns_path);
    }
    rtnl_link_set_name(link, host_if);
    rtnl_link_set_mtu(link, (unsigned)mtu);
    rtnl_link_set_name(peer, ifname);
    rtnl_link_set_mtu(peer, (unsigned)mtu);
    rtnl_link_set_addr(peer, lladdr);
    rtnl_link_set_ns_fd(peer, nsfd);
    rc = rtnl_link_add(s, link, NLM_F_CREATE | NLM_F_EXCL);
    rtnl_link_put(peer);
    nl_addr_put(lladdr);
    if (rc < 0)
        return net_nl_error(err, rc, "create veth", host_if);
    return 0;
}

static int attach_to_bridge(struct nl_sock *s, const char *host_if, const char *bridge,
                            struct berr *err)
{
    _cleanup_rtnl_link_ struct rtnl_link *link = NULL, *change = rtnl_link_alloc();
    int br, rc;

    if (link_index(s, bridge, &br, err) < 0)
        return -1;
    rc = rtnl_link_get_kernel(s, 0, host_if, &link);
    if (rc < 0)
        return net_nl_error(err, rc, "find link", host_if);
    rtnl_link_set_master(change, br);
    rtnl_link_set_flags(change, IFF_UP);
    rc = rtnl_link_change(s, link, change, 0);
    if (rc < 0)
        return net_nl_error(err, rc, "attach to bridge", host_if);
    return 0;
}

int net_sb_veth(const char *ns_path, const char *host_if, const char *bridge, const char *ifname,
                uint32_t addr, int prefix, uint32_t gw, int mtu, const uint8_t mac[6],
                struct berr *err)
{
    _cleanup_nl_sock_ struct nl_sock *s = NULL;
    struct veth_job v = {ifname, addr, prefix, gw};
    struct ns_job j = {.ns_path = ns_path, .fn = configure_peer, .arg = &v, .err = BERR_INIT};

    if (net_nl_open(&s, err) < 0 || create_pair(s, ns_path, host_if, ifname, mtu, mac, err) < 0)
        return -1;
    if (attach_to_bridge(s, host_if, bridge, err) < 0 || run_in_ns(&j, err) < 0) {
        net_sb_link_del(host_if);
        return -1;
    }
    log_debug("veth %s on %s, %s in %s", host_if, bridge, ifname, ns_path);
    return 0;
}

void net_sb_link_del(const char *ifname)
{
    _cleanup_nl_sock_ struct nl_sock *s = NULL;
    _cleanup_rtnl_link_ struct rtnl_link *link = NULL;
    struct berr err = BERR_INIT;

    if (net_nl_open(&s, &err) < 0) {
        berr_clear(&err);
        return;
    }
    if (rtnl_link_get_kernel(s, 0, ifname, &link) == 0)
        rtnl_link_delete(s, link);
}
