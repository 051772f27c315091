/* network/: the seed's reconciliation, table-driven against the fake host
 * service (one case per rule), plus IPAM and published-port conflicts. */
#include <string.h>

#include "network/network.h"
#include "unit.h"
#include "util/json.h"
#include "util/mem.h"

/* ---- a persistence fake that records what was saved ---- */

static int rec_save(void *ctx, const char *id, const char *name, const char *driver,
                    const char *scope, const json_t *doc, struct berr *err)
{
    strv_push_take(ctx, xasprintf("save %s", name));
    return 0;
}

static int rec_delete(void *ctx, const char *id, struct berr *err)
{
    strv_push_take(ctx, xasprintf("delete %.8s", id));
    return 0;
}

static int rec_save_ep(void *ctx, const char *id, const char *nid, const char *cid,
                       const json_t *doc, struct berr *err)
{
    return 0;
}

static const struct net_persist_ops rec_ops = {rec_save, rec_delete, rec_save_ep, rec_delete};

/* ---- reconciliation cases ---- */

struct rc_case {
    const char *name;
    bool linux_mode;
    const char *stored;      /* JSON array of stored network documents */
    const char *host;        /* JSON array of host networks */
    const char *fixed_cidr;  /* --fixed-cidr */
    bool disable_bridge;     /* --bridge=none */
    const char *want_names;  /* "name/driver" sorted, comma-joined */
    const char *want_calls;  /* host service calls, "; "-joined */
    const char *check_net;   /* a network to look at closer, or NULL */
    const char *want_opts;   /* options it must have (null: key must be absent) */
    const char *want_id;     /* its ID; "!x": anything but x */
    const char *want_subnet; /* its IPAM subnet */
};

#define WIN_ID   NET_OPT_HNS_ID
#define WIN_NAME NET_OPT_HNS_NAME

static const struct rc_case rc_cases[] = {
    {
        .name = "stored network missing on the host is removed",
        .stored = "[{\"Name\":\"t1\",\"Id\":\"aaaa1\",\"Driver\":\"transparent\","
                  "\"Options\":{\"" WIN_ID "\":\"h9\"},\"IPAM\":{\"Config\":[{\"Subnet\":"
                  "\"10.7.0.0/24\",\"Gateway\":\"10.7.0.1\"}]}}]",
        .host = "[]",
        .want_names = "nat/nat,none/null",
        .want_calls = "list; create nat nat 172.17.0.0/16",
    },
    {
        .name = "non-default NAT network missing on the host is re-created",
        .stored = "[{\"Name\":\"mynat\",\"Id\":\"bbbb1\",\"Driver\":\"nat\",\"Options\":{\"" WIN_ID
                  "\":\"old\",\"" WIN_NAME "\":\"oldname\",\"custom\":\"x\"},"
                  "\"IPAM\":{\"Config\":[{\"Subnet\":\"10.1.0.0/24\",\"Gateway\":\"10.1.0.1\"}]}}]",
        .host = "[]",
        .want_names = "mynat/nat,nat/nat,none/null",
        .want_calls = "list; create nat mynat 10.1.0.0/24; create nat nat 172.17.0.0/16",
        .check_net = "mynat",
        .want_opts = "{\"custom\":\"x\",\"" WIN_ID "\":\"fake-1\",\"" WIN_NAME "\":\"mynat\"}",
        .want_id = "bbbb1",
        .want_subnet = "10.1.0.0/24",
    },
    {
        .name = "the default NAT network missing on the host is not re-created as it was",
        .stored = "[{\"Name\":\"nat\",\"Id\":\"cccc1\",\"Driver\":\"nat\",\"Options\":{\"" WIN_ID
                  "\":\"gone\"},\"IPAM\":{\"Config\":[{\"Subnet\":\"10.3.0.0/24\","
                  "\"Gateway\":\"10.3.0.1\"}]}}]",
        .host = "[]",
        .want_names = "nat/nat,none/null",
        .want_calls = "list; create nat nat 172.17.0.0/16",
        .check_net = "nat",
        .want_id = "!cccc1",
        .want_subnet = "172.17.0.0/16",
    },
    {
        .name = "global-scope networks are never deleted by local state",
        .stored = "[{\"Name\":\"ov\",\"Id\":\"dddd1\",\"Driver\":\"overlay\",\"Scope\":\"global\","
                  "\"Options\":{\"" WIN_ID "\":\"h7\"}}]",
        .host = "[]",
        .want_names = "nat/nat,none/null,ov/overlay",
        .want_calls = "list; create nat nat 172.17.0.0/16",
    },
    {
        .name = "none always exists and is never persisted",
        .stored = "[]",
        .host = "[]",
        .want_names = "nat/nat,none/null",
        .want_calls = "list; create nat nat 172.17.0.0/16",
        .check_net = "none",
        .want_subnet = "",
    },
    {
        .name = "host networks of unsupported kinds are skipped",
        .stored = "[]",
        .host = "[{\"id\":\"p1\",\"name\":\"priv\",\"type\":\"Private\"},"
                "{\"id\":\"i1\",\"name\":\"int\",\"type\":\"internal\"}]",
        .want_names = "nat/nat,none/null",
        .want_calls = "list; create nat nat 172.17.0.0/16",
    },
    {
        .name = "a known host network is re-adopted with its persisted options",
        .stored = "[{\"Name\":\"mine\",\"Id\":\"eeee1\",\"Driver\":\"nat\",\"Options\":{\"" WIN_ID
                  "\":\"h1\",\"custom\":\"y\"},\"IPAM\":{\"Config\":[{\"Subnet\":\"10.2.0.0/24\","
                  "\"Gateway\":\"10.2.0.1\"}]}}]",
        .host = "[{\"id\":\"h1\",\"name\":\"HNS name\",\"type\":\"nat\",\"subnet\":\"10.2.0.0/24\","
                "\"gateway\":\"10.2.0.1\"}]",
        .want_names = "mine/nat,nat/nat,none/null",
        .want_calls = "list; create nat nat 172.17.0.0/16",
        .check_net = "mine",
        .want_opts = "{\"custom\":\"y\",\"" WIN_ID "\":\"h1\",\"" WIN_NAME "\":\"mine\"}",
        .want_id = "eeee1",
        .want_subnet = "10.2.0.0/24",
    },
    {
        .name = "the default network is created from the first suitable host network",
        .stored = "[]",
        .host = "[{\"id\":\"h5\",\"name\":\"HNS NAT\",\"type\":\"NAT\",\"subnet\":\"10.5.0.0/16\","
                "\"gateway\":\"10.5.0.1\"},{\"id\":\"h6\",\"name\":\"second\",\"type\":\"nat\","
                "\"subnet\":\"10.6.0.0/16\",\"gateway\":\"10.6.0.1\"}]",
        .want_names = "nat/nat,none/null,second/nat",
        .want_calls = "list",
        .check_net = "nat",
        .want_opts = "{\"" WIN_ID "\":\"h5\",\"" WIN_NAME "\":\"HNS NAT\"}",
        .want_subnet = "10.5.0.0/16",
    },
    {
        .name = "the default network honours FixedCIDR",
        .stored = "[]",
        .host = "[]",
        .fixed_cidr = "10.50.0.0/16",
        .want_names = "nat/nat,none/null",
        .want_calls = "list; create nat nat 10.50.0.0/16",
        .check_net = "nat",
        .want_subnet = "10.50.0.0/16",
    },
    {
        .name = "no default network when the bridge is disabled",
        .stored = "[]",
        .host = "[]",
        .fixed_cidr = "10.50.0.0/16",
        .disable_bridge = true,
        .want_names = "none/null",
        .want_calls = "list",
    },
    {
        .name = "linux: a labelled bridge with no stored network is removed",
        .linux_mode = true,
        .stored = "[]",
        .host = "[{\"id\":\"9\",\"name\":\"br-stray\",\"type\":\"bridge\",\"subnet\":"
                "\"172.30.0.0/16\",\"gateway\":\"172.30.0.1\",\"owner\":\"deadbeef\"}]",
        .want_names = "bridge/bridge,host/host,none/null",
        .want_calls = "list; remove 9; create bridge berth0 172.17.0.0/16",
        .check_net = "bridge",
        .want_opts =
            "{\"" NET_OPT_BRIDGE_NAME "\":\"berth0\",\"" NET_OPT_LINUX_HOSTID "\":\"fake-1\"}",
    },
    {
        .name = "linux: a deleted user bridge is re-created with its subnet and name",
        .linux_mode = true,
        .stored = "[{\"Name\":\"foo\",\"Id\":\"abcdef0123456789\",\"Driver\":\"bridge\","
                  "\"Labels\":{\"k\":\"v\"},\"Options\":{\"" NET_OPT_LINUX_HOSTID "\":\"7\"},"
                  "\"IPAM\":{\"Config\":[{\"Subnet\":\"172.20.0.0/16\","
                  "\"Gateway\":\"172.20.0.1\"}]}}]",
        .host = "[]",
        .want_names = "bridge/bridge,foo/bridge,host/host,none/null",
        .want_calls = "list; create bridge br-abcdef012345 172.20.0.0/16; "
                      "create bridge berth0 172.17.0.0/16",
        .check_net = "foo",
        .want_opts = "{\"" NET_OPT_LINUX_HOSTID "\":\"fake-1\"}",
        .want_id = "abcdef0123456789",
        .want_subnet = "172.20.0.0/16",
    },
    {
        .name = "linux: the default bridge still on the host is adopted as it was",
        .linux_mode = true,
        .stored = "[{\"Name\":\"bridge\",\"Id\":\"ffff1\",\"Driver\":\"bridge\",\"Options\":{"
                  "\"" NET_OPT_BRIDGE_NAME "\":\"berth0\",\"" NET_OPT_LINUX_HOSTID
                  "\":\"3\"},\"IPAM\":{\"Config\":"
                  "[{\"Subnet\":\"172.17.0.0/16\",\"Gateway\":\"172.17.0.1\"}]}}]",
        .host = "[{\"id\":\"3\",\"name\":\"berth0\",\"type\":\"bridge\",\"subnet\":"
                "\"172.17.0.0/16\",\"gateway\":\"172.17.0.1\",\"owner\":\"ffff1\"}]",
        .want_names = "bridge/bridge,host/host,none/null",
        .want_calls = "list",
        .check_net = "bridge",
        .want_opts = "{\"" NET_OPT_BRIDGE_NAME "\":\"berth0\",\"" NET_OPT_LINUX_HOSTID "\":\"3\"}",
        .want_id = "ffff1",
        .want_subnet = "172.17.0.0/16",
    },
};

static void fake_from_json(struct net_host_fake *f, const char *text)
{
    _cleanup_json_ json_t *arr = json_loads(text, 0, NULL);
    size_t i;
    json_t *h;

    assert_non_null(arr);
    json_array_foreach(arr, i, h)
    {
        net_host_fake_add(f, json_get_str(h, "id", NULL), json_get_str(h, "name", NULL),
                          json_get_str(h, "type", NULL), json_get_str(h, "subnet", NULL),
                          json_get_str(h, "gateway", NULL), json_get_str(h, "owner", NULL));
    }
}

static char *join(char **v, const char *sep)
{
    char *out = xstrdup("");

    for (size_t i = 0; v && v[i]; i++) {
        char *next = xasprintf("%s%s%s", out, i ? sep : "", v[i]);

        free(out);
        out = next;
    }
    return out;
}

static struct net_cfg case_cfg(const struct rc_case *t, struct net_host_fake *f, char ***saved)
{
    struct net_cfg cfg = {
        .host = &net_host_fake_ops,
        .host_ctx = f,
        .persist = &rec_ops,
        .persist_ctx = saved,
        .fixed_cidr = t->fixed_cidr,
        .disable_bridge = t->disable_bridge,
        .exec_root = "/nonexistent",
    };

    if (t->linux_mode) {
        cfg.host_id_key = NET_OPT_LINUX_HOSTID;
        cfg.default_name = cfg.default_driver = "bridge";
        cfg.default_bridge = "berth0";
        cfg.linux_rules = true;
    } else {
        cfg.host_name_key = NET_OPT_HNS_NAME;
        cfg.host_id_key = NET_OPT_HNS_ID;
        cfg.default_name = cfg.default_driver = "nat";
    }
    return cfg;
}

static void check_network(const struct rc_case *t, struct netctl *c)
{
    _cleanup_json_ json_t *j = netctl_network_json(c, t->check_net);
    _cleanup_json_ json_t *want = t->want_opts ? json_loads(t->want_opts, 0, NULL) : NULL;
    json_t *opts = json_object_get(j, "Options");
    json_t *conf = json_array_get(json_object_get(json_object_get(j, "IPAM"), "Config"), 0);
    const char *id = json_get_str(j, "Id", "");
    const char *key;
    json_t *v;

    assert_non_null(j);
    json_object_foreach(want, key, v)
    {
        if (json_is_null(v))
            assert_null(json_object_get(opts, key));
        else
            assert_string_equal(json_get_str(opts, key, "(absent)"), json_string_value(v));
    }
    if (t->want_id && t->want_id[0] == '!')
        assert_string_not_equal(id, t->want_id + 1);
    else if (t->want_id)
        assert_string_equal(id, t->want_id);
    if (t->want_subnet)
        assert_string_equal(json_get_str(conf, "Subnet", ""), t->want_subnet);
}

static void run_case(const struct rc_case *t)
{
    struct net_host_fake f = {0};
    _cleanup_strv_ char **saved = NULL, **names = NULL;
    _cleanup_json_ json_t *stored = json_loads(t->stored, 0, NULL);
    _cleanup_free_ char *got_names = NULL, *got_calls = NULL;
    struct net_cfg cfg = case_cfg(t, &f, &saved);
    struct berr err = BERR_INIT;
    struct netctl *c = NULL;
    size_t i;
    json_t *doc;

    print_message("case: %s\n", t->name);
    fake_from_json(&f, t->host);
    assert_int_equal(netctl_new(&cfg, &c, &err), 0);
    json_array_foreach(stored, i, doc) assert_int_equal(netctl_load_network(c, doc, &err), 0);
    assert_int_equal(netctl_reconcile(c, &err), 0);

    names = netctl_names(c);
    got_names = join(names, ",");
    got_calls = join(f.calls, "; ");
    assert_string_equal(got_names, t->want_names);
    assert_string_equal(got_calls, t->want_calls);
    for (i = 0; saved && saved[i]; i++)
        assert_string_not_equal(saved[i], "save none");
    if (t->check_net)
        check_network(t, c);

    netctl_free(c);
    net_host_fake_release(&f);
}

static void reconcile_rules(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(rc_cases); i++)
        run_case(&rc_cases[i]);
}

/* ---- IPAM and ports, on a controller without host links ---- */

static struct netctl *linux_ctl(struct net_host_fake *f)
{
    struct net_cfg cfg = {
        .host = &net_host_fake_ops,
        .host_ctx = f,
        .host_id_key = NET_OPT_LINUX_HOSTID,
        .default_name = "bridge",
        .default_driver = "bridge",
        .default_bridge = "berth0",
        .linux_rules = true,
        .exec_root = "/nonexistent",
    };
    struct berr err = BERR_INIT;
    struct netctl *c = NULL;

    assert_int_equal(netctl_new(&cfg, &c, &err), 0);
    assert_int_equal(netctl_reconcile(c, &err), 0);
    return c;
}

static char *create(struct netctl *c, const char *body, struct berr *err)
{
    _cleanup_json_ json_t *req = json_loads(body, 0, NULL);
    char *id = NULL;

    assert_non_null(req);
    if (netctl_create(c, req, &id, err) < 0)
        return NULL;
    return id;
}

static const char *subnet_of(json_t *j)
{
    return json_get_str(json_array_get(json_object_get(json_object_get(j, "IPAM"), "Config"), 0),
                        "Subnet", "");
}

static void ipam_pools(void **state)
{
    struct net_host_fake f = {0};
    struct netctl *c = linux_ctl(&f);
    struct berr err = BERR_INIT;
    _cleanup_free_ char *a = create(c, "{\"Name\":\"a\"}", &err);
    _cleanup_free_ char *b =
        create(c, "{\"Name\":\"b\",\"IPAM\":{\"Config\":[{\"Subnet\":\"172.18.5.0/24\"}]}}", &err);
    _cleanup_json_ json_t *ja = netctl_network_json(c, "a");

    (void)state;
    assert_non_null(a);
    assert_string_equal(subnet_of(ja), "172.18.0.0/16");
    assert_null(b);
    assert_string_equal(berr_msg(&err),
                        "invalid pool request: Pool overlaps with other one on this address space");
    berr_clear(&err);
    assert_null(create(c, "{\"Name\":\"bridge\"}", &err));
    assert_string_equal(berr_msg(&err), "operation is not permitted on predefined bridge network ");
    berr_clear(&err);
    assert_null(create(c, "{\"Name\":\"a\"}", &err));
    assert_string_equal(berr_msg(&err), "network with name a already exists");
    berr_clear(&err);
    assert_int_equal(netctl_remove(c, "none", &err), -1);
    assert_string_equal(berr_msg(&err), "none is a pre-defined network and cannot be removed");
    berr_clear(&err);
    assert_int_equal(netctl_remove(c, "nope", &err), -1);
    assert_string_equal(berr_msg(&err), "network nope not found");
    berr_clear(&err);
    netctl_free(c);
    net_host_fake_release(&f);
}

static int connect(struct netctl *c, const char *net, const char *cid, const char *ipv4,
                   const char *ports, json_t **settings, struct berr *err)
{
    _cleanup_json_ json_t *pb = ports ? json_loads(ports, 0, NULL) : NULL;
    struct net_endpoint_req r = {
        .network = net, .cid = cid, .cname = cid, .ipv4 = ipv4, .port_bindings = pb};

    return netctl_connect(c, &r, settings, NULL, err);
}

static void endpoints_addresses_and_ports(void **state)
{
    struct net_host_fake f = {0};
    struct netctl *c = linux_ctl(&f);
    struct berr err = BERR_INIT;
    _cleanup_free_ char *id =
        create(c,
               "{\"Name\":\"r\",\"IPAM\":{\"Config\":[{\"Subnet\":\"10.9.0.0/24\","
               "\"IPRange\":\"10.9.0.128/25\"}]}}",
               &err);
    _cleanup_json_ json_t *s1 = NULL, *s2 = NULL, *s3 = NULL, *s4 = NULL, *net = NULL;
    const char *p8080 = "{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8080\"}]}";

    (void)state;
    assert_non_null(id);
    assert_int_equal(connect(c, "r", "c1", NULL, p8080, &s1, &err), 0);
    assert_string_equal(json_get_str(s1, "IPAddress", ""), "10.9.0.128");
    assert_string_equal(json_get_str(s1, "Gateway", ""), "10.9.0.1");
    assert_string_equal(json_get_str(s1, "MacAddress", ""), "02:42:0a:09:00:80");
    assert_int_equal(connect(c, "r", "c2", "10.9.0.7", NULL, &s2, &err), 0);
    assert_string_equal(json_get_str(s2, "IPAddress", ""), "10.9.0.7");

    assert_int_equal(connect(c, "bridge", "c3", NULL, p8080, &s3, &err), -1);
    assert_non_null(strstr(berr_msg(&err), "driver failed programming external connectivity on "
                                           "endpoint c3 ("));
    assert_non_null(strstr(berr_msg(&err), "): Bind for 0.0.0.0:8080 failed: port is already "
                                           "allocated"));
    berr_clear(&err);

    assert_int_equal(netctl_remove(c, "r", &err), -1);
    assert_string_equal(berr_msg(&err),
                        "error while removing network: network r has active endpoints (c2, c1)");
    berr_clear(&err);

    /* Releasing c1 frees its address and its port. */
    assert_int_equal(netctl_release_container(c, "c1", &err), 0);
    assert_int_equal(connect(c, "bridge", "c3", NULL, p8080, &s3, &err), 0);
    assert_int_equal(connect(c, "r", "c4", NULL, NULL, &s4, &err), 0);
    assert_string_equal(json_get_str(s4, "IPAddress", ""), "10.9.0.128");
    net = netctl_network_json(c, "r");
    assert_int_equal(json_object_size(json_object_get(net, "Containers")), 2);
    netctl_free(c);
    net_host_fake_release(&f);
}

/* ---- interface names of hot-plugged endpoints ---- */

static int rec_ifname(void *ctx, const char *id, const char *nid, const char *cid,
                      const json_t *doc, struct berr *err)
{
    strv_push_take(ctx, xasprintf("%s %s", cid, json_get_str(doc, "IfName", "?")));
    return 0;
}

static const struct net_persist_ops ifname_ops = {rec_save, rec_delete, rec_ifname, rec_delete};

static const char *last(char **v)
{
    size_t n = strv_len(v);

    return n ? v[n - 1] : "";
}

static void endpoints_take_the_lowest_free_interface(void **state)
{
    struct net_host_fake f = {0};
    _cleanup_strv_ char **saved = NULL;
    struct net_cfg cfg = {
        .host = &net_host_fake_ops,
        .host_ctx = &f,
        .persist = &ifname_ops,
        .persist_ctx = &saved,
        .host_id_key = NET_OPT_LINUX_HOSTID,
        .default_name = "bridge",
        .default_driver = "bridge",
        .default_bridge = "berth0",
        .linux_rules = true,
        .exec_root = "/nonexistent",
    };
    struct berr err = BERR_INIT;
    struct netctl *c = NULL;
    _cleanup_free_ char *a = NULL, *b = NULL, *d = NULL;
    _cleanup_json_ json_t *s1 = NULL, *s2 = NULL, *s3 = NULL, *s4 = NULL, *s5 = NULL;

    (void)state;
    assert_int_equal(netctl_new(&cfg, &c, &err), 0);
    assert_int_equal(netctl_reconcile(c, &err), 0);
    a = create(c, "{\"Name\":\"a\"}", &err);
    b = create(c, "{\"Name\":\"b\"}", &err);
    d = create(c, "{\"Name\":\"d\"}", &err);
    assert_non_null(d);

    assert_int_equal(connect(c, "bridge", "c1", NULL, NULL, &s1, &err), 0);
    assert_string_equal(last(saved), "c1 eth0");
    assert_int_equal(connect(c, "a", "c1", NULL, NULL, &s2, &err), 0);
    assert_string_equal(last(saved), "c1 eth1");
    assert_int_equal(connect(c, "b", "c1", NULL, NULL, &s3, &err), 0);
    assert_string_equal(last(saved), "c1 eth2");
    assert_int_equal(connect(c, "a", "c2", NULL, NULL, &s4, &err), 0);
    assert_string_equal(last(saved), "c2 eth0");

    /* A disconnect frees its name for the next hot-plug. */
    assert_int_equal(netctl_disconnect(c, "a", "c1", &err), 0);
    assert_int_equal(connect(c, "d", "c1", NULL, NULL, &s5, &err), 0);
    assert_string_equal(last(saved), "c1 eth1");

    assert_int_equal(connect(c, "b", "c1", NULL, NULL, &s5, &err), -1);
    assert_int_equal(err.kind, BERR_FORBIDDEN);
    assert_string_equal(berr_msg(&err), "endpoint with name c1 already exists in network b");
    berr_clear(&err);
    netctl_free(c);
    net_host_fake_release(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reconcile_rules),
        cmocka_unit_test(ipam_pools),
        cmocka_unit_test(endpoints_addresses_and_ports),
        cmocka_unit_test(endpoints_take_the_lowest_free_interface),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
