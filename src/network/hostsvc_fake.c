/* The fake host network service: a list the test fills, and a log of the
 * calls the controller made.  It also stands in for the Windows HNS. */
#include <stdio.h>
#include <string.h>

#include "network/network-internal.h"
#include "util/mem.h"

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

void net_host_fake_add(struct net_host_fake *f, const char *id, const char *name, const char *type,
                       const char *subnet, const char *gateway, const char *owner)
{
    struct net_host_network *h;

    f->nets = xrealloc(f->nets, (f->n + 1) * sizeof(*f->nets));
    h = &f->nets[f->n++];
    h->id = dup_or_null(id);
    h->name = dup_or_null(name);
    h->type = dup_or_null(type);
    h->subnet = dup_or_null(subnet);
    h->gateway = dup_or_null(gateway);
    h->owner = dup_or_null(owner);
}

void net_host_fake_release(struct net_host_fake *f)
{
    net_host_networks_free(f->nets, f->n);
    strv_free(f->calls);
    memset(f, 0, sizeof(*f));
}

static int fake_list(void *ctx, struct net_host_network **out, size_t *n, struct berr *err)
{
    struct net_host_fake *f = ctx;
    struct net_host_network *v = xcalloc(f->n + 1, sizeof(*v));

    for (size_t i = 0; i < f->n; i++) {
        const struct net_host_network *h = &f->nets[i];

        v[i] = (struct net_host_network){dup_or_null(h->id),      dup_or_null(h->name),
                                         dup_or_null(h->type),    dup_or_null(h->subnet),
                                         dup_or_null(h->gateway), dup_or_null(h->owner)};
    }
    *out = v;
    *n = f->n;
    strv_push(&f->calls, "list");
    return 0;
}

static int fake_create(void *ctx, const char *net_id, const char *type, const char *name,
                       const char *subnet, const char *gateway, int mtu, char **host_id,
                       struct berr *err)
{
    struct net_host_fake *f = ctx;
    _cleanup_free_ char *id = xasprintf("fake-%d", ++f->next_id);

    strv_push_take(&f->calls, xasprintf("create %s %s %s", type, name, subnet ? subnet : "-"));
    net_host_fake_add(f, id, name, type, subnet, gateway, net_id);
    *host_id = steal_ptr(id);
    return 0;
}

static int fake_remove(void *ctx, const char *host_id, struct berr *err)
{
    struct net_host_fake *f = ctx;

    strv_push_take(&f->calls, xasprintf("remove %s", host_id));
    for (size_t i = 0; i < f->n; i++) {
        if (f->nets[i].id && !strcmp(f->nets[i].id, host_id)) {
            net_host_network_release(&f->nets[i]);
            f->nets[i] = f->nets[--f->n];
            break;
        }
    }
    return 0;
}

const struct net_host_ops net_host_fake_ops = {
    .list = fake_list,
    .create = fake_create,
    .remove = fake_remove,
};
