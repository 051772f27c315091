/* Private structures and helpers of network/, shared by its files. */
#ifndef BERTH_NETWORK_INTERNAL_H
#define BERTH_NETWORK_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "network/network.h"

struct net_endpoint {
    char *id;
    char *nid;
    char *cid;
    char *cname;
    char *ifname;  /* inside the sandbox: eth0 */
    char *host_if; /* host end of the veth, or NULL */
    char **aliases;
    uint32_t addr; /* 0: no address (host, none) */
    json_t *ports; /* [{"Proto","Port","HostIp","HostPort"}] */
    struct net_endpoint *next;
};

struct net_network {
    char *id;
    char *name;
    char *driver;
    char *scope;
    char *created;
    bool internal;
    bool attachable;
    bool persist;
    json_t *options; /* object of strings */
    json_t *labels;
    bool has_pool;
    uint32_t subnet;
    int prefix;
    uint32_t gateway;
    uint32_t range_lo; /* first and last allocatable address */
    uint32_t range_hi;
    char *ip_range; /* IPRange as given, or NULL */
    struct net_network *next;
};

struct net_dns;

struct netctl {
    struct net_cfg cfg;
    pthread_mutex_t lock;
    struct net_network *nets;
    struct net_endpoint *eps;
    struct net_dns *dns;
    bool fw_dirty;
    struct nft_ctx *nft; /* firewall.c's context, made at first use */
    char *fw_applied;    /* the ruleset last programmed, or NULL */
};

/* A JSON string from an allocated C string, which is freed. */
json_t *net_json_take(char *s);

/* ipam.c */
int ipam_parse_ip(const char *s, uint32_t *out);
int ipam_parse_cidr(const char *s, uint32_t *addr, int *prefix);
uint32_t ipam_mask(int prefix);
char *ipam_fmt_ip(uint32_t a);
char *ipam_fmt_cidr(uint32_t a, int prefix);
bool ipam_overlap(uint32_t a, int pa, uint32_t b, int pb);
/* Set n's pool from an IPAM Config entry (NULL: the next free default
 * pool).  Checks overlap with the other networks of c. */
int ipam_configure(struct netctl *c, struct net_network *n, const json_t *conf, struct berr *err);
/* Pick an address for a new endpoint (want: requested, 0 for any). */
int ipam_allocate(struct netctl *c, const struct net_network *n, uint32_t want, uint32_t *out,
                  struct berr *err);
/* The IPAM "Config" array of n. */
json_t *ipam_config_json(const struct net_network *n);

/* controller.c */
struct net_network *net_by_id(struct netctl *c, const char *id);
struct net_network *net_by_name(struct netctl *c, const char *name);
struct net_network *net_find(struct netctl *c, const char *ref, struct berr *err);
bool net_host_backed(const struct net_network *n);
const char *net_opt(const struct net_network *n, const char *key);
/* The Linux bridge of a bridge network: its option, else br-<id12>. */
char *net_bridge_name(const struct net_network *n);
int net_mtu(const struct net_network *n);
/* Create a network: options and ipam_conf (an IPAM Config array, may be
 * NULL) are copied.  With options[host_id_key] set the host network is
 * adopted, otherwise created through the host service. */
struct net_spec {
    const char *driver;
    const char *name;
    const char *id; /* NULL or "": a new one */
    const json_t *options;
    const json_t *ipam_conf;
    const json_t *labels;
    bool internal;
    bool attachable;
    bool persist;
};
int net_add(struct netctl *c, const struct net_spec *s, struct net_network **out, struct berr *err);
/* Remove a network from the controller and the store; with host_remove
 * also its host side. */
int net_delete(struct netctl *c, struct net_network *n, bool host_remove, struct berr *err);
void net_endpoint_free(struct net_endpoint *ep);
int net_persist_endpoint(struct netctl *c, const struct net_endpoint *ep, struct berr *err);
char *net_random_id(void);

/* firewall.c: rebuild berth's nftables table from the controller. */
int net_fw_apply(struct netctl *c, struct berr *err);
void net_fw_remove(struct netctl *c);
/* Free the firewall's context and what it remembers (netctl_free). */
void net_fw_release(struct netctl *c);

/* sandbox.c: network namespaces and veth pairs (Linux), netlink helpers. */
struct nl_sock;
struct rtnl_link;
void cleanup_nl_sockp(struct nl_sock **s);
void cleanup_rtnl_linkp(struct rtnl_link **l);
#define _cleanup_nl_sock_   __attribute__((cleanup(cleanup_nl_sockp)))
#define _cleanup_rtnl_link_ __attribute__((cleanup(cleanup_rtnl_linkp)))
int net_nl_open(struct nl_sock **out, struct berr *err);
int net_nl_error(struct berr *err, int rc, const char *what, const char *name);
int net_link_up(struct nl_sock *s, const char *name, struct berr *err);
int net_addr_add(struct nl_sock *s, int ifindex, uint32_t addr, int prefix, struct berr *err);
int net_sb_create(const char *path, struct berr *err);
void net_sb_destroy(const char *path);
int net_sb_veth(const char *ns_path, const char *host_if, const char *bridge, const char *ifname,
                uint32_t addr, int prefix, uint32_t gw, int mtu, const uint8_t mac[6],
                struct berr *err);
void net_sb_link_del(const char *ifname);
int net_sysctl(const char *path, const char *value);

/* endpoints.c */
char *net_mac_string(uint32_t addr);
/* The address of name on the user network whose gateway is server
 * (lock held); -1 when unknown. */
int net_dns_lookup(struct netctl *c, uint32_t server, const char *name, uint32_t *out);

/* dns.c */
int net_dns_start(struct netctl *c, struct berr *err);
void net_dns_stop(struct netctl *c);
/* Re-read the listen addresses (after networks changed); lock held. */
void net_dns_refresh(struct netctl *c);

/* reconcile.c */
int net_reconcile(struct netctl *c, struct berr *err);

#endif
