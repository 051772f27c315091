/* berth's nftables table "ip berth": masquerade for bridge networks,
 * isolation of internal networks and DNAT for published ports.
 *
 * The table is rebuilt whole from the controller's state in one nft
 * transaction each time its rules change, so it can never drift from the
 * networks and endpoints it describes.  Ports are DNAT'ed from the output
 * hook too, so the host's own 127.0.0.1 reaches them without a userland
 * proxy (the bridges have route_localnet on, and the rewritten packets
 * leaving a bridge from 127.0.0.0/8 are masqueraded). */
#include <nftables/libnftables.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "network/network-internal.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

/* One nftables context for the controller's life: freeing one closes
 * its netlink socket, which costs the kernel more than the commit. */
static int nft_run(struct netctl *c, const char *text, struct berr *err)
{
    int rc;

    if (!c->nft) {
        c->nft = nft_ctx_new(NFT_CTX_DEFAULT);
        if (!c->nft)
            return berr_system(err, 0, "nftables: cannot create a context");
        nft_ctx_buffer_error(c->nft);
    }
    rc = nft_run_cmd_from_buffer(c->nft, text);
    if (rc != 0)
        berr_system(err, 0, "nftables: %s", nft_ctx_get_error_buffer(c->nft));
    return rc != 0 ? -1 : 0;
}

static void append(char **buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(char **buf, const char *fmt, ...)
{
    va_list ap;
    _cleanup_free_ char *line = NULL;
    char *next;

    va_start(ap, fmt);
    line = xvasprintf(fmt, ap);
    va_end(ap);
    next = xasprintf("%s%s", *buf ? *buf : "", line);
    free(*buf);
    *buf = next;
}

static void port_rules(struct netctl *c, const struct net_endpoint *ep, char **buf)
{
    struct net_network *n = net_by_id(c, ep->nid);
    _cleanup_free_ char *addr = NULL;
    size_t i;
    json_t *p;

    if (!n || !ep->addr)
        return;
    addr = ipam_fmt_ip(ep->addr);
    json_array_foreach(ep->ports, i, p)
    {
        const char *hip = json_get_str(p, "HostIp", "");
        bool any = !*hip || !strcmp(hip, "0.0.0.0");
        _cleanup_free_ char *match = any ? xstrdup("") : xasprintf("ip daddr %s ", hip);

        append(buf, "    %s%s dport %lld dnat to %s:%lld\n", match, json_get_str(p, "Proto", "tcp"),
               (long long)json_get_int(p, "HostPort", 0), addr,
               (long long)json_get_int(p, "Port", 0));
    }
}

static void network_rules(const struct net_network *n, char **nat, char **filter)
{
    _cleanup_free_ char *br = net_bridge_name(n);
    _cleanup_free_ char *subnet = ipam_fmt_cidr(n->subnet, n->prefix);
    const char *masq = net_opt(n, NET_OPT_MASQUERADE);

    if (!n->internal && (!masq || strcmp(masq, "false")))
        append(nat, "    ip saddr %s oifname != \"%s\" masquerade\n", subnet, br);
    append(nat, "    oifname \"%s\" ip saddr 127.0.0.0/8 masquerade\n", br);
    if (n->internal)
        append(filter,
               "    iifname \"%s\" oifname != \"%s\" drop\n"
               "    oifname \"%s\" iifname != \"%s\" drop\n",
               br, br, br, br);
}

static char *ruleset(struct netctl *c)
{
    _cleanup_free_ char *ports = NULL, *nat = NULL, *filter = NULL;
    char *text = NULL;

    for (struct net_network *n = c->nets; n; n = n->next)
        if (!strcmp(n->driver, "bridge") && n->has_pool)
            network_rules(n, &nat, &filter);
    for (struct net_endpoint *ep = c->eps; ep; ep = ep->next)
        port_rules(c, ep, &ports);

    append(&text,
           "add table ip berth\ndelete table ip berth\ntable ip berth {\n"
           "  chain ports {\n%s  }\n"
           "  chain prerouting {\n    type nat hook prerouting priority dstnat; policy accept;\n"
           "    fib daddr type local jump ports\n  }\n"
           "  chain output {\n    type nat hook output priority -100; policy accept;\n"
           "    fib daddr type local jump ports\n  }\n"
           "  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n"
           "%s  }\n"
           "  chain forward {\n    type filter hook forward priority filter; policy accept;\n"
           "%s  }\n}\n",
           ports ? ports : "", nat ? nat : "", filter ? filter : "");
    return text;
}

int net_fw_apply(struct netctl *c, struct berr *err)
{
    _cleanup_free_ char *text = ruleset(c);

    c->fw_dirty = false;
    /* Most endpoints publish no port: their coming and going changes no
     * rule, and the table stays as it is. */
    if (c->fw_applied && !strcmp(c->fw_applied, text))
        return 0;
    free(c->fw_applied);
    c->fw_applied = NULL;
    if (nft_run(c, text, err) < 0)
        return berr_wrap(err, "program the firewall");
    c->fw_applied = steal_ptr(text);
    log_debug("firewall table ip berth rebuilt");
    return 0;
}

void net_fw_remove(struct netctl *c)
{
    struct berr err = BERR_INIT;

    if (nft_run(c, "add table ip berth\ndelete table ip berth\n", &err) < 0)
        log_warn("could not remove the firewall table: %s", berr_msg(&err));
    berr_clear(&err);
    free(c->fw_applied);
    c->fw_applied = NULL;
}

void net_fw_release(struct netctl *c)
{
    if (c->nft)
        nft_ctx_free(c->nft);
    c->nft = NULL;
    free(c->fw_applied);
    c->fw_applied = NULL;
}
