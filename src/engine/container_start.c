/* Start: root file system, network, the files berth manages, the OCI
 * spec, conmon and the runtime.  Exit: record, release, auto-remove. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "engine/container-internal.h"
#include "engine/images.h"
#include "engine/networks.h"
#include "engine/volumes.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

/* What start prepares before the runtime runs. */
struct start_ctx {
    struct container *c;
    json_t *cfg; /* copies taken under the lock */
    json_t *hc;
    json_t *netcfg;
    char *dir;
    char *rootfs;
    bool mounted;
    bool net_attached;
    struct engine_net_attach net;
    bool new_netns;
    char *netns_path;
    char *shared_dir; /* container:<id>: the other container's files */
    struct runtime_spec spec;
    struct runtime_resources res;
    struct container_user user;
    struct runtime_mount mounts[64];
    size_t n_mounts;
    struct runtime_device devices[32];
    size_t n_devices;
    char **strings; /* owned strings the spec points to */
    struct container_launch cl;
};

static const char *keep(struct start_ctx *x, char *s)
{
    strv_push_take(&x->strings, s);
    return s;
}

/* ---- root file system ---- */

static int mount_rootfs(struct engine *e, struct start_ctx *x, struct berr *err)
{
    _cleanup_strv_ char **layers = NULL;
    _cleanup_free_ char *lower = NULL;
    _cleanup_free_ char *opts = NULL;
    _cleanup_free_ char *empty = xasprintf("%s/empty", x->dir);
    const char *image = json_get_str(x->c->doc, "Image", "");

    if (engine_image_layer_dirs(e, image, &layers, err) < 0)
        return berr_wrap(err, "layers of %s", image);
    if (!layers || !layers[0]) {
        if (fs_mkdir_p(empty, 0755, err) < 0)
            return -1;
        lower = xstrdup(empty);
    }
    for (size_t i = 0; layers && layers[i]; i++) {
        char *joined = lower ? xasprintf("%s:%s", lower, layers[i]) : xstrdup(layers[i]);

        free(lower);
        lower = joined;
    }
    opts = xasprintf("lowerdir=%s,upperdir=%s/upper,workdir=%s/work", lower, x->dir, x->dir);
    if (mount("overlay", x->rootfs, "overlay", 0, opts) < 0)
        return berr_system(err, errno, "mount overlay on %s", x->rootfs);
    x->mounted = true;
    return 0;
}

static void unmount_rootfs(const char *rootfs)
{
    if (umount2(rootfs, 0) < 0 && errno != EINVAL && errno != ENOENT) {
        if (umount2(rootfs, MNT_DETACH) < 0)
            log_warn("unmount %s: %s", rootfs, strerror(errno));
    }
}

/* ---- network ---- */

static int join_container_net(struct engine *e, struct start_ctx *x, const char *ref,
                              struct berr *err)
{
    struct container *o = container_get_locked(e, ref, err);

    if (!o)
        return -1;
    if (!container_running(o)) {
        berr_conflict(err, "cannot join network of a non running container: %s", o->id);
        container_put_locked(o);
        return -1;
    }
    x->netns_path = xasprintf("/proc/%d/ns/net", (int)container_pid(o));
    x->shared_dir = container_dir(e, o->id);
    container_put_locked(o);
    return 0;
}

/* -P: the network controller publishes what Config.ExposedPorts lists,
 * handed over in the networking config it reads. */
static void publish_all_ports(struct start_ctx *x)
{
    json_t *exposed = json_object_get(x->cfg, "ExposedPorts");

    if (!json_get_bool(x->hc, "PublishAllPorts", false) || !json_is_object(exposed))
        return;
    if (!json_is_object(x->netcfg)) {
        json_decref(x->netcfg);
        x->netcfg = json_object();
    }
    json_object_set(x->netcfg, "ExposedPorts", exposed);
}

static int attach_network(struct engine *e, struct start_ctx *x, struct berr *err)
{
    const char *mode = json_get_str(x->hc, "NetworkMode", "bridge");
    const char *name = x->c->name + 1;
    struct berr nerr = BERR_INIT;

    if (!strcmp(mode, "host"))
        return 0;
    if (!strncmp(mode, "container:", 10)) {
        int rc;

        containers_lock(e);
        rc = join_container_net(e, x, mode + 10, err);
        containers_unlock(e);
        return rc;
    }
    publish_all_ports(x);
    if (engine_network_attach(e, x->c->id, name, x->hc, x->netcfg, &x->net, &nerr) < 0) {
        /* dockerd shows the network's refusal as it is. */
        if (nerr.kind != BERR_NOT_IMPLEMENTED) {
            berr_move(err, &nerr);
            return -1;
        }
        /* Without a network controller a container still gets a network
         * namespace of its own, with loopback only. */
        log_debug("container %.12s: %s; using an empty network namespace", x->c->id,
                  berr_msg(&nerr));
        berr_clear(&nerr);
        x->new_netns = true;
        return 0;
    }
    x->net_attached = true;
    if (x->net.netns_path)
        x->netns_path = xstrdup(x->net.netns_path);
    else
        x->new_netns = false;
    return 0;
}

/* ---- the files berth manages ---- */

/* Files that every start writes anew are replaced whole by a rename and
 * never synced: after a crash the next start writes them again, and a sync
 * would cost more than the rest of the step. */
static int write_scratch(const char *path, const char *text, mode_t mode, struct berr *err)
{
    return fs_write_replace(path, text, strlen(text), mode, err);
}

static int write_text(const char *path, const char *text, struct berr *err)
{
    return write_scratch(path, text, 0644, err);
}

static bool loopback_ns(const char *ip)
{
    return !strncmp(ip, "127.", 4) || !strcmp(ip, "::1");
}

/* The host's resolv.conf without loopback resolvers, as dockerd makes it,
 * or the nameservers the network or the request asks for. */
static char *resolv_conf(struct start_ctx *x)
{
    _cleanup_free_ char *host = NULL;
    struct berr err = BERR_INIT;
    char *out = xstrdup("");
    char **dns = json_to_strv(json_object_get(x->hc, "Dns"));
    bool any = false;

    /* The CLI always sends "Dns": [] : an empty list means "not given". */
    if (dns && !dns[0]) {
        strv_free(dns);
        dns = NULL;
    }
    if (fs_read_file("/etc/resolv.conf", &host, NULL, &err) < 0) {
        berr_clear(&err);
        host = xstrdup("");
    }
    if (!dns && x->net.dns)
        dns = strv_dup(x->net.dns);
    for (char *save = NULL, *line = strtok_r(host, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char ip[128];
        char *next;

        if (sscanf(line, "nameserver %127s", ip) == 1 && (dns || loopback_ns(ip)))
            continue;
        if (sscanf(line, "nameserver %127s", ip) == 1)
            any = true;
        next = xasprintf("%s%s\n", out, line);
        free(out);
        out = next;
    }
    for (size_t i = 0; dns && dns[i]; i++) {
        char *next = xasprintf("%snameserver %s\n", out, dns[i]);

        free(out);
        out = next;
        any = true;
    }
    if (!any) {
        char *next = xasprintf("%snameserver 8.8.8.8\nnameserver 8.8.4.4\n", out);

        free(out);
        out = next;
    }
    strv_free(dns);
    return out;
}

/* dockerd's "host-gateway": the default bridge's gateway address. */
static char *host_gateway(struct engine *e)
{
    struct berr err = BERR_INIT;
    _cleanup_json_ json_t *net = engine_network_inspect(e, "bridge", &err);
    json_t *ipam = json_array_get(json_object_get(json_object_get(net, "IPAM"), "Config"), 0);
    const char *gw = json_get_str(ipam, "Gateway", "");

    if (!net)
        log_warn("host-gateway: %s", berr_msg(&err));
    berr_clear(&err);
    return *gw ? xstrdup(gw) : NULL;
}

/* HostConfig.ExtraHosts: "name:ip" or "name=ip", one line each. */
static char *extra_hosts(struct engine *e, struct start_ctx *x)
{
    _cleanup_free_ char *gw = NULL;
    char *out = xstrdup("");
    size_t i;
    json_t *v;

    json_array_foreach(json_object_get(x->hc, "ExtraHosts"), i, v)
    {
        _cleanup_free_ char *entry = xstrdup(json_is_string(v) ? json_string_value(v) : "");
        char *sep = strchr(entry, '=') ? strchr(entry, '=') : strchr(entry, ':');
        const char *ip;
        char *next;

        if (!sep || sep == entry || !sep[1])
            continue;
        *sep = '\0';
        ip = sep + 1;
        if (!strcmp(ip, "host-gateway")) {
            if (!gw)
                gw = host_gateway(e);
            if (!gw)
                continue;
            ip = gw;
        }
        next = xasprintf("%s%s\t%s\n", out, ip, entry);
        free(out);
        out = next;
    }
    return out;
}

static char *hosts_file(struct engine *e, struct start_ctx *x, const char *hostname)
{
    _cleanup_free_ char *extra = extra_hosts(e, x);
    const char *ip = json_get_str(
        json_object_get(x->net.settings, "IPAddress") ? x->net.settings : NULL, "IPAddress", "");
    char *out = xasprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                          "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\n"
                          "ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n");

    for (size_t i = 0; x->net.hosts_entries && x->net.hosts_entries[i]; i++) {
        char *next = xasprintf("%s%s\n", out, x->net.hosts_entries[i]);

        free(out);
        out = next;
    }
    if (*extra) {
        char *next = xasprintf("%s%s", out, extra);

        free(out);
        out = next;
    }
    if (*ip) {
        char *next = xasprintf("%s%s\t%s\n", out, ip, hostname);

        free(out);
        out = next;
    }
    return out;
}

static int write_files(struct engine *e, struct start_ctx *x, struct berr *err)
{
    const char *hostname = json_get_str(x->cfg, "Hostname", "");
    _cleanup_free_ char *hn_path = xasprintf("%s/hostname", x->dir);
    _cleanup_free_ char *hosts_path = xasprintf("%s/hosts", x->dir);
    _cleanup_free_ char *resolv_path = xasprintf("%s/resolv.conf", x->dir);
    _cleanup_free_ char *hn = xasprintf("%s\n", hostname);
    _cleanup_free_ char *hosts = hosts_file(e, x, hostname);
    _cleanup_free_ char *resolv = resolv_conf(x);

    if (write_text(hn_path, hn, err) < 0 || write_text(hosts_path, hosts, err) < 0 ||
        write_text(resolv_path, resolv, err) < 0)
        return -1;
    return 0;
}

/* ---- user ---- */

static bool numeric(const char *s)
{
    return *s && strspn(s, "0123456789") == strlen(s);
}

/* Find name (or uid when numeric) in a passwd-format file: fields 0, 2, 3. */
static int lookup_passwd(const char *rootfs, const char *who, long *uid, long *gid)
{
    _cleanup_free_ char *path = xasprintf("%s/etc/passwd", rootfs);
    _cleanup_fclose_ FILE *f = fopen(path, "re");
    char line[1024];

    while (f && fgets(line, sizeof(line), f)) {
        char name[256];
        long u, g;

        if (sscanf(line, "%255[^:]:%*[^:]:%ld:%ld:", name, &u, &g) != 3)
            continue;
        if (!strcmp(name, who) || (numeric(who) && atol(who) == u)) {
            *uid = u;
            *gid = g;
            return 0;
        }
    }
    return -1;
}

static int lookup_group(const char *rootfs, const char *who, long *gid)
{
    _cleanup_free_ char *path = xasprintf("%s/etc/group", rootfs);
    _cleanup_fclose_ FILE *f = fopen(path, "re");
    char line[4096];

    while (f && fgets(line, sizeof(line), f)) {
        char name[256];
        long g;

        if (sscanf(line, "%255[^:]:%*[^:]:%ld", name, &g) != 2)
            continue;
        if (!strcmp(name, who) || (numeric(who) && atol(who) == g)) {
            *gid = g;
            return 0;
        }
    }
    return -1;
}

/* Supplementary groups: those listing user as a member. */
static void member_groups(const char *rootfs, const char *user, struct container_user *u)
{
    _cleanup_free_ char *path = xasprintf("%s/etc/group", rootfs);
    _cleanup_fclose_ FILE *f = fopen(path, "re");
    char line[4096];

    while (f && fgets(line, sizeof(line), f) && u->n_groups < ARRAY_SIZE(u->groups)) {
        char *members = strrchr(line, ':');
        long g;

        if (!members || sscanf(line, "%*[^:]:%*[^:]:%ld", &g) != 1)
            continue;
        members[strcspn(members, "\n")] = '\0';
        for (char *save = NULL, *m = strtok_r(members + 1, ",", &save); m;
             m = strtok_r(NULL, ",", &save))
            if (!strcmp(m, user) && (gid_t)g != u->gid)
                u->groups[u->n_groups++] = (gid_t)g;
    }
}

int container_user_resolve(const char *rootfs, const char *user_spec, struct container_user *u,
                           struct berr *err)
{
    _cleanup_free_ char *spec = xstrdup(user_spec ? user_spec : "");
    char *colon = strchr(spec, ':');
    const char *user = spec;
    long uid = 0, gid = 0;
    char name[256] = "root";

    memset(u, 0, sizeof(*u));
    if (colon)
        *colon = '\0';
    if (!*user)
        user = "0";
    if (lookup_passwd(rootfs, user, &uid, &gid) < 0) {
        if (!numeric(user))
            return berr_system(err, 0,
                               "unable to find user %s: no matching entries in passwd "
                               "file",
                               user);
        uid = atol(user);
        gid = 0;
    }
    if (colon && lookup_group(rootfs, colon + 1, &gid) < 0) {
        if (!numeric(colon + 1))
            return berr_system(err, 0,
                               "unable to find group %s: no matching entries in group "
                               "file",
                               colon + 1);
        gid = atol(colon + 1);
    }
    u->uid = (uid_t)uid;
    u->gid = (gid_t)gid;
    snprintf(name, sizeof(name), "%s", numeric(user) && uid == 0 ? "root" : user);
    if (!colon)
        member_groups(rootfs, name, u);
    return 0;
}

/* HostConfig.GroupAdd: group names (from the image's /etc/group) or ids. */
static int add_groups(struct start_ctx *x, struct berr *err)
{
    size_t i;
    json_t *v;

    json_array_foreach(json_object_get(x->hc, "GroupAdd"), i, v)
    {
        const char *g = json_is_string(v) ? json_string_value(v) : "";
        long gid;

        if (lookup_group(x->rootfs, g, &gid) < 0) {
            if (!numeric(g))
                return berr_system(err, 0,
                                   "unable to find group %s: no matching entries in group file", g);
            gid = atol(g);
        }
        if (x->user.n_groups < ARRAY_SIZE(x->user.groups))
            x->user.groups[x->user.n_groups++] = (gid_t)gid;
    }
    return 0;
}

static int resolve_user(struct start_ctx *x, struct berr *err)
{
    if (container_user_resolve(x->rootfs, json_get_str(x->cfg, "User", ""), &x->user, err) < 0)
        return -1;
    return add_groups(x, err);
}

/* HostConfig.Devices: the host node's type and numbers, made anew in the
 * container and allowed in its device cgroup. */
static int add_devices(struct start_ctx *x, struct berr *err)
{
    size_t i;
    json_t *d;

    json_array_foreach(json_object_get(x->hc, "Devices"), i, d)
    {
        const char *host = json_get_str(d, "PathOnHost", "");
        const char *in = json_get_str(d, "PathInContainer", "");
        struct stat st;

        if (stat(host, &st) < 0)
            return berr_system(err, errno,
                               "error gathering device information while adding custom "
                               "device \"%s\"",
                               host);
        if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
            return berr_invalid(err,
                                "error gathering device information while adding custom "
                                "device \"%s\": not a device node",
                                host);
        if (x->n_devices >= ARRAY_SIZE(x->devices))
            break;
        x->devices[x->n_devices++] = (struct runtime_device){
            .path = keep(x, xstrdup(*in ? in : host)),
            .type = S_ISCHR(st.st_mode) ? 'c' : 'b',
            .major = major(st.st_rdev),
            .minor = minor(st.st_rdev),
            .mode = st.st_mode & 07777,
            .access = keep(x, xstrdup(json_get_str(d, "CgroupPermissions", "rwm"))),
        };
    }
    return 0;
}

/* ---- spec ---- */

static int make_cwd(struct start_ctx *x, struct berr *err)
{
    const char *wd = json_get_str(x->cfg, "WorkingDir", "");
    _cleanup_free_ char *path = NULL;

    if (!*wd || strstr(wd, ".."))
        return 0;
    path = xasprintf("%s%s", x->rootfs, wd);
    if (fs_mkdir_p(path, 0755, err) < 0)
        return berr_wrap(err, "create working directory");
    return 0;
}

static char **process_env(struct start_ctx *x)
{
    char **env = NULL;
    bool has_path = false;
    size_t i;
    json_t *v;

    json_array_foreach(json_object_get(x->cfg, "Env"), i, v)
    {
        if (!strncmp(json_string_value(v), "PATH=", 5))
            has_path = true;
    }
    if (!has_path)
        strv_push(&env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    strv_push_take(&env, xasprintf("HOSTNAME=%s", json_get_str(x->cfg, "Hostname", "")));
    if (json_get_bool(x->cfg, "Tty", false))
        strv_push(&env, "TERM=xterm");
    json_array_foreach(json_object_get(x->cfg, "Env"), i, v)
    {
        if (json_is_string(v) && strchr(json_string_value(v), '='))
            strv_push(&env, json_string_value(v));
    }
    return env;
}

static char **process_args(struct start_ctx *x)
{
    char **args = NULL;
    size_t i;
    json_t *v;

    strv_push(&args, json_string_value(json_object_get(x->c->doc, "Path")));
    json_array_foreach(json_object_get(x->c->doc, "Args"), i, v)
        strv_push(&args, json_string_value(v));
    return args;
}

static void add_mount(struct start_ctx *x, const char *dst, const char *type, const char *src,
                      const char *opts)
{
    if (x->n_mounts >= ARRAY_SIZE(x->mounts))
        return;
    x->mounts[x->n_mounts++] = (struct runtime_mount){dst, type, src, opts};
}

static int add_binds(struct start_ctx *x, struct berr *err)
{
    size_t i;
    json_t *v;

    json_array_foreach(json_object_get(x->hc, "Binds"), i, v)
    {
        _cleanup_strv_ char **parts = NULL;
        _cleanup_free_ char *copy = xstrdup(json_string_value(v));
        char *save = NULL;
        bool ro;

        for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save))
            strv_push(&parts, t);
        /* Volumes ("name:/dst", "/dst") are add_volumes' work; create
         * validated every entry. */
        if (strv_len(parts) < 2 || parts[0][0] != '/')
            continue;
        ro = parts[2] && strstr(parts[2], "ro");
        /* dockerd makes a -v bind's missing host directory. */
        if (access(parts[0], F_OK) < 0 && fs_mkdir_p(parts[0], 0755, err) < 0)
            return berr_wrap(err, "create bind source %s", parts[0]);
        add_mount(x, keep(x, xstrdup(parts[1])), "bind", keep(x, xstrdup(parts[0])),
                  ro ? "rbind,ro" : "rbind");
    }
    return 0;
}

/* Named and anonymous volumes: mounted (and filled from the image) by
 * the volumes domain, then bound like host paths. */
static int add_volumes(struct engine *e, struct start_ctx *x, struct berr *err)
{
    json_t *mounts = json_object_get(x->c->doc, "Mounts");
    size_t i;
    json_t *m;

    if (engine_volumes_container_start(e, x->c->id, mounts, x->hc, x->rootfs, err) < 0)
        return -1;
    json_array_foreach(mounts, i, m)
    {
        if (strcmp(json_get_str(m, "Type", ""), "volume"))
            continue;
        add_mount(x, keep(x, xstrdup(json_get_str(m, "Destination", ""))), "bind",
                  keep(x, xstrdup(json_get_str(m, "Source", ""))),
                  json_get_bool(m, "RW", true) ? "rbind" : "rbind,ro");
    }
    return 0;
}

static void add_tmpfs(struct start_ctx *x)
{
    const char *key;
    json_t *v;

    json_object_foreach(json_object_get(x->hc, "Tmpfs"), key, v)
    {
        const char *opts = json_string_value(v);

        add_mount(x, keep(x, xstrdup(key)), "tmpfs", "tmpfs",
                  keep(x, xasprintf("noexec,nosuid,nodev%s%s", opts && *opts ? "," : "",
                                    opts ? opts : "")));
    }
}

static const char *bind_options(struct start_ctx *x, const json_t *m)
{
    const json_t *bo = json_object_get(m, "BindOptions");
    const char *prop = json_get_str(bo, "Propagation", "");

    return keep(x, xasprintf("%s,%s%s", json_get_bool(bo, "NonRecursive", false) ? "bind" : "rbind",
                             *prop ? prop : "rprivate",
                             json_get_bool(m, "ReadOnly", false) ? ",ro" : ""));
}

static const char *tmpfs_options(struct start_ctx *x, const json_t *m)
{
    const json_t *to = json_object_get(m, "TmpfsOptions");
    char *opts = xstrdup("noexec,nosuid,nodev");
    int64_t size = json_get_int(to, "SizeBytes", 0);
    int64_t mode = json_get_int(to, "Mode", 0);
    char *next;

    if (size > 0) {
        next = xasprintf("%s,size=%lld", opts, (long long)size);
        free(opts);
        opts = next;
    }
    if (mode > 0) {
        next = xasprintf("%s,mode=%llo", opts, (unsigned long long)(mode & 07777));
        free(opts);
        opts = next;
    }
    if (json_get_bool(m, "ReadOnly", false)) {
        next = xasprintf("%s,ro", opts);
        free(opts);
        opts = next;
    }
    return keep(x, opts);
}

/* HostConfig.Mounts of type bind and tmpfs (create checked them); those
 * of type volume are add_volumes' work. */
static void add_host_mounts(struct start_ctx *x)
{
    size_t i;
    json_t *m;

    json_array_foreach(json_object_get(x->hc, "Mounts"), i, m)
    {
        const char *type = json_get_str(m, "Type", "");
        const char *dst = keep(x, xstrdup(json_get_str(m, "Target", "")));

        if (!strcmp(type, "bind"))
            add_mount(x, dst, "bind", keep(x, xstrdup(json_get_str(m, "Source", ""))),
                      bind_options(x, m));
        else if (!strcmp(type, "tmpfs"))
            add_mount(x, dst, "tmpfs", "tmpfs", tmpfs_options(x, m));
    }
}

static bool security_opt(struct start_ctx *x, const char *name, const char *value)
{
    size_t i;
    json_t *v;
    size_t n = strlen(name);

    json_array_foreach(json_object_get(x->hc, "SecurityOpt"), i, v)
    {
        const char *s = json_string_value(v);

        if (!s || strncmp(s, name, n))
            continue;
        if (!s[n])
            return !value || !strcmp(value, "true");
        if ((s[n] == '=' || s[n] == ':') && (!value || !strcmp(s + n + 1, value)))
            return true;
    }
    return false;
}

static void fill_resources(struct start_ctx *x)
{
    json_t *hc = x->hc;

    x->res = (struct runtime_resources){
        .memory = json_get_int(hc, "Memory", 0),
        .memory_swap = json_get_int(hc, "MemorySwap", 0),
        .memory_reservation = json_get_int(hc, "MemoryReservation", 0),
        .memory_swappiness = json_get_int(hc, "MemorySwappiness", -1),
        .nano_cpus = json_get_int(hc, "NanoCpus", 0),
        .cpu_shares = json_get_int(hc, "CpuShares", 0),
        .cpu_period = json_get_int(hc, "CpuPeriod", 0),
        .cpu_quota = json_get_int(hc, "CpuQuota", 0),
        .cpuset_cpus = json_get_str(hc, "CpusetCpus", NULL),
        .cpuset_mems = json_get_str(hc, "CpusetMems", NULL),
        .pids_limit = json_get_int(hc, "PidsLimit", 0),
        .blkio_weight = json_get_int(hc, "BlkioWeight", 0),
        .oom_kill_disable = json_get_bool(hc, "OomKillDisable", false),
    };
}

static void fill_file_paths(struct start_ctx *x)
{
    const char *dir = x->shared_dir ? x->shared_dir : x->dir;

    x->spec.hosts_path = keep(x, xasprintf("%s/hosts", dir));
    x->spec.hostname_path = keep(x, xasprintf("%s/hostname", dir));
    x->spec.resolv_path = keep(x, xasprintf("%s/resolv.conf", dir));
}

static int fill_spec(struct engine *e, struct start_ctx *x, struct berr *err)
{
    json_t *console = json_object_get(x->hc, "ConsoleSize");
    char **args = process_args(x);
    char **env = process_env(x);

    strv_push_take(&x->strings, NULL);
    fill_resources(x);
    add_tmpfs(x);
    add_host_mounts(x);
    if (add_binds(x, err) < 0 || add_volumes(e, x, err) < 0 || add_devices(x, err) < 0) {
        strv_free(args);
        strv_free(env);
        return -1;
    }
    x->spec = (struct runtime_spec){
        .rootfs = x->rootfs,
        .readonly_rootfs = json_get_bool(x->hc, "ReadonlyRootfs", false),
        .args = args,
        .env = env,
        .cwd =
            *json_get_str(x->cfg, "WorkingDir", "") ? json_get_str(x->cfg, "WorkingDir", "/") : "/",
        .uid = x->user.uid,
        .gid = x->user.gid,
        .groups = x->user.groups,
        .n_groups = x->user.n_groups,
        .hostname = json_get_str(x->cfg, "Hostname", ""),
        .domainname = json_get_str(x->cfg, "Domainname", ""),
        .tty = json_get_bool(x->cfg, "Tty", false),
        .console_h = (unsigned)json_integer_value(json_array_get(console, 0)),
        .console_w = (unsigned)json_integer_value(json_array_get(console, 1)),
        .privileged = json_get_bool(x->hc, "Privileged", false),
        .no_new_privileges = security_opt(x, "no-new-privileges", NULL),
        .seccomp = !security_opt(x, "seccomp", "unconfined"),
        .cap_add = json_to_strv(json_object_get(x->hc, "CapAdd")),
        .cap_drop = json_to_strv(json_object_get(x->hc, "CapDrop")),
        .shm_size = json_get_int(x->hc, "ShmSize", 67108864),
        .init_path = json_get_bool(x->hc, "Init", false) ? e->runtime->init_path : NULL,
        .mounts = x->mounts,
        .n_mounts = x->n_mounts,
        .devices = x->devices,
        .n_devices = x->n_devices,
        .netns_path = x->netns_path,
        .new_netns = x->new_netns,
        .cgroups_path = keep(x, xasprintf("/berth/%s", x->c->id)),
        .resources = &x->res,
        .ulimits = json_object_get(x->hc, "Ulimits"),
        .sysctls = json_object_get(x->hc, "Sysctls"),
        .oom_score_adj = (int)json_get_int(x->hc, "OomScoreAdj", 0),
    };
    fill_file_paths(x);
    return 0;
}

static void spec_release(struct runtime_spec *s)
{
    strv_free(s->args);
    strv_free(s->env);
    strv_free(s->cap_add);
    strv_free(s->cap_drop);
}

static int write_bundle(struct start_ctx *x, struct berr *err)
{
    _cleanup_json_ json_t *doc = NULL;
    _cleanup_free_ char *text = NULL;
    _cleanup_free_ char *path = xasprintf("%s/config.json", x->cl.bundle);

    if (runtime_spec_build(&x->spec, &doc, err) < 0)
        return -1;
    text = json_dumps(doc, JSON_COMPACT);
    if (fs_remove_all(x->cl.bundle, err) < 0 || fs_mkdir_p(x->cl.bundle, 0700, err) < 0)
        return -1;
    return write_scratch(path, text, 0600, err);
}

/* ---- the steps, with undo ---- */

static void start_ctx_release(struct engine *e, struct start_ctx *x)
{
    json_decref(x->cfg);
    json_decref(x->hc);
    json_decref(x->netcfg);
    free(x->dir);
    free(x->rootfs);
    free(x->netns_path);
    free(x->shared_dir);
    engine_net_attach_release(&x->net);
    spec_release(&x->spec);
    strv_free(x->strings);
    container_launch_release(&x->cl);
    (void)e;
}

static void undo(struct engine *e, struct start_ctx *x)
{
    struct berr err = BERR_INIT;

    if (x->cl.bundle && runtime_delete(&x->cl.l, &err) < 0)
        log_warn("container %.12s: %s", x->c->id, berr_msg(&err));
    berr_clear(&err);
    if (x->net_attached && engine_network_detach(e, x->c->id, &err) < 0)
        log_warn("container %.12s: detach network: %s", x->c->id, berr_msg(&err));
    berr_clear(&err);
    if (x->mounted)
        unmount_rootfs(x->rootfs);
}

/* The root file system, the network and berth's files: their errors are
 * shown as they are, not as the runtime's. */
static int prepare_host(struct engine *e, struct start_ctx *x, struct berr *err)
{
    if (!e->runtime->conmon_path)
        return berr_system(err, 0, "conmon is not installed");
    if (mount_rootfs(e, x, err) < 0 || attach_network(e, x, err) < 0)
        return -1;
    if (!x->shared_dir && write_files(e, x, err) < 0)
        return -1;
    return 0;
}

static int prepare(struct engine *e, struct start_ctx *x, struct berr *err)
{
    if (resolve_user(x, err) < 0 || make_cwd(x, err) < 0)
        return -1;
    if (fill_spec(e, x, err) < 0 || write_bundle(x, err) < 0)
        return -1;
    return 0;
}

/* Connect every attach session waiting for this start; the process has
 * not run yet, so they see all its output. */
static void connect_pending(struct engine *e, struct start_ctx *x)
{
    containers_lock(e);
    for (struct attach_pending *p = x->c->pending; p; p = p->next) {
        struct berr err = BERR_INIT;

        if (p->done)
            continue;
        if (runtime_attach_connect(&x->cl.l, &p->conmon_fd, &err) < 0)
            log_warn("container %.12s: attach: %s", x->c->id, berr_msg(&err));
        berr_clear(&err);
        p->done = true;
    }
    containers_broadcast(e);
    containers_unlock(e);
}

static int run(struct engine *e, struct start_ctx *x, struct runtime_proc *proc, struct berr *err)
{
    if (runtime_create(&x->cl.l, proc, err) < 0)
        return -1;
    connect_pending(e, x);
    return runtime_start(&x->cl.l, proc->pid, err);
}

static void record_started(struct engine *e, struct start_ctx *x, const struct runtime_proc *p)
{
    struct container *c = x->c;
    json_t *st = container_state(c);
    struct timespec ts;
    struct berr err = BERR_INIT;
    _cleanup_free_ char *started = NULL;

    clock_gettime(CLOCK_REALTIME, &ts);
    started = json_time_format(ts.tv_sec, ts.tv_nsec);
    json_object_set_new(st, "Status", json_string("running"));
    json_object_set_new(st, "Running", json_true());
    json_object_set_new(st, "Restarting", json_false());
    json_object_set_new(st, "Pid", json_integer(p->pid));
    json_object_set_new(st, "ExitCode", json_integer(0));
    json_object_set_new(st, "OOMKilled", json_false());
    json_object_set_new(st, "Error", json_string(""));
    json_object_set_new(st, "StartedAt", json_string(started));
    json_object_set_new(container_private(c), "ConmonPid", json_integer(p->conmon_pid));
    json_object_set_new(container_private(c), "Started", json_true());
    c->started_ms = containers_now_ms();
    c->released = false;
    json_object_set_new(container_private(c), "Mounted", json_true());
    json_object_set_new(container_private(c), "NetAttached", json_boolean(x->net_attached));
    if (x->net.settings)
        json_object_set(c->doc, "NetworkSettings", x->net.settings);
    if (container_save(e, c, &err) < 0)
        log_error("container %.12s: %s", c->id, berr_msg(&err));
    berr_clear(&err);
}

/* A start that failed: record the exit code the CLI will show. */
static void record_failed(struct engine *e, struct container *c, const struct berr *why)
{
    json_t *st = container_state(c);
    struct berr err = BERR_INIT;
    int code = runtime_error_exit_code(berr_msg(why));

    json_object_set_new(st, "ExitCode", json_integer(code));
    json_object_set_new(st, "Error", json_string(berr_msg(why)));
    json_object_set_new(container_private(c), "Started", json_true());
    if (container_save(e, c, &err) < 0)
        log_error("container %.12s: %s", c->id, berr_msg(&err));
    berr_clear(&err);
}

static int start_locked_checks(struct container *c, struct berr *err)
{
    if (c->removing)
        return berr_conflict(err, "container is marked for removal and cannot be started");
    if (json_get_bool(container_state(c), "Paused", false))
        return berr_conflict(err, "cannot start a paused container, try unpause instead");
    if (container_running(c))
        return berr_set(err, BERR_NOT_MODIFIED, 0, "container is already running");
    return 0;
}

/* The runtime's refusal as dockerd words it; 126/127 cases are 400s. */
static void wrap_runtime_error(struct berr *err)
{
    int code = runtime_error_exit_code(berr_msg(err));

    berr_wrap(err, "failed to create task for container: OCI runtime create failed");
    if (code == 126 || code == 127)
        err->kind = BERR_INVALID;
}

static int do_start(struct engine *e, struct start_ctx *x, struct berr *err)
{
    struct runtime_proc proc = {0};

    if (prepare_host(e, x, err) < 0) {
        undo(e, x);
        return -1;
    }
    if (prepare(e, x, err) < 0 || run(e, x, &proc, err) < 0) {
        undo(e, x);
        wrap_runtime_error(err);
        return -1;
    }
    containers_lock(e);
    record_started(e, x, &proc);
    containers_unlock(e);
    return 0;
}

/* A client's start begins the restart policy anew; the policy's own start
 * is off when a client cancelled it meanwhile. */
static int start_policy_locked(struct engine *e, struct container *c, bool manual, struct berr *err)
{
    if (!manual && !json_get_bool(container_state(c), "Restarting", false))
        return berr_set(err, BERR_NOT_MODIFIED, 0, "restart of container %s cancelled", c->id);
    if (!manual)
        return 0;
    container_restart_cancel_locked(e, c, false);
    json_object_set_new(container_private(c), "ManuallyStopped", json_false());
    json_object_set_new(c->doc, "RestartCount", json_integer(0));
    c->restart_delay_ms = 0;
    return 0;
}

static int start_begin(struct engine *e, struct container *c, struct start_ctx *x, bool manual,
                       struct berr *err)
{
    container_begin_locked(e, c);
    if (start_locked_checks(c, err) < 0 || start_policy_locked(e, c, manual, err) < 0 ||
        container_launch_init(e, c, &x->cl, err) < 0) {
        container_end_locked(e, c);
        return -1;
    }
    x->c = c;
    x->cfg = json_deep_copy(container_config(c));
    x->hc = json_deep_copy(container_host_config(c));
    x->netcfg = json_deep_copy(json_object_get(container_private(c), "NetworkingConfig"));
    x->dir = container_dir(e, c->id);
    x->rootfs = xasprintf("%s/merged", x->dir);
    return 0;
}

int engine_container_start(struct engine *e, const char *ref, struct berr *err)
{
    return container_start(e, ref, true, err);
}

int container_start(struct engine *e, const char *ref, bool manual, struct berr *err)
{
    struct start_ctx x = {0};
    struct container *c;
    int rc;

    containers_lock(e);
    c = container_get_locked(e, ref, err);
    if (!c || start_begin(e, c, &x, manual, err) < 0) {
        container_put_locked(c);
        containers_unlock(e);
        return -1;
    }
    containers_unlock(e);

    rc = do_start(e, &x, err);
    start_ctx_release(e, &x);

    containers_lock(e);
    if (rc < 0) {
        json_object_set_new(container_state(c), "Restarting", json_false());
        record_failed(e, c, err);
        c->exit_seq++;
    } else {
        container_event(e, c, "start", NULL);
    }
    container_end_locked(e, c);
    if (rc < 0 && json_get_bool(container_host_config(c), "AutoRemove", false)) {
        struct berr rerr = BERR_INIT;

        container_remove_locked(e, c, &rerr);
        berr_clear(&rerr);
    }
    container_put_locked(c);
    containers_unlock(e);
    return rc;
}

/* ---- exit ---- */

struct container_detach {
    struct engine *e;
    char *id;
    pthread_t thread;
    bool threaded;
};

static void *detach_network(void *arg)
{
    struct container_detach *j = arg;
    struct berr err = BERR_INIT;

    if (engine_network_detach(j->e, j->id, &err) < 0)
        log_warn("container %.12s: detach network: %s", j->id, berr_msg(&err));
    berr_clear(&err);
    return NULL;
}

/* Deleting a veth waits for the kernel to unregister both ends (~15 ms),
 * time the runtime state, rootfs, volumes and a removal's files need too:
 * run it beside them on a thread of its own, or here when no thread can be
 * had. */
static struct container_detach *detach_begin(struct engine *e, const char *id)
{
    struct container_detach *j = xcalloc(1, sizeof(*j));

    j->e = e;
    j->id = xstrdup(id);
    j->threaded = pthread_create(&j->thread, NULL, detach_network, j) == 0;
    if (!j->threaded)
        detach_network(j);
    return j;
}

void container_release_join(struct container *c)
{
    struct container_detach *j = steal_ptr(c->detach);

    if (!j)
        return;
    if (j->threaded)
        pthread_join(j->thread, NULL);
    free(j->id);
    free(j);
}

/* As container_release_resources, but the network may still be on its
 * way out when this returns: container_release_join waits for it. */
static void release_begin(struct engine *e, struct container *c)
{
    struct container_launch cl = {0};
    struct berr err = BERR_INIT;
    _cleanup_free_ char *dir = container_dir(e, c->id);
    _cleanup_free_ char *merged = xasprintf("%s/merged", dir);
    _cleanup_free_ char *exit_file = xasprintf("%s/%s", e->runtime->exits_dir, c->id);

    container_release_join(c);
    c->detach = detach_begin(e, c->id);
    if (container_launch_init(e, c, &cl, &err) == 0 && runtime_delete(&cl.l, &err) < 0)
        log_warn("container %.12s: %s", c->id, berr_msg(&err));
    berr_clear(&err);
    unmount_rootfs(merged);
    engine_volumes_container_stop(e, c->id);
    unlink(exit_file);
    container_launch_release(&cl);
}

void container_release_resources(struct engine *e, struct container *c)
{
    release_begin(e, c);
    container_release_join(c);
}

/* The cgroup lives until the runtime deletes the container, so the
 * kernel's OOM count is still there when the exit is handled. */
static bool container_oom_killed(struct container *c)
{
    _cleanup_free_ char *path = xasprintf("/berth/%s", c->id);
    bool oom = runtime_oom_killed(path);

    if (oom)
        log_debug("container %.12s: killed by the OOM killer", c->id);
    return oom;
}

static void record_exit(struct engine *e, struct container *c, int code, bool oom)
{
    json_t *st = container_state(c);
    struct timespec ts;
    _cleanup_free_ char *t = NULL;
    struct berr err = BERR_INIT;

    clock_gettime(CLOCK_REALTIME, &ts);
    t = json_time_format(ts.tv_sec, ts.tv_nsec);
    json_object_set_new(st, "Status", json_string("exited"));
    json_object_set_new(st, "Running", json_false());
    json_object_set_new(st, "Paused", json_false());
    json_object_set_new(st, "Pid", json_integer(0));
    json_object_set_new(st, "ExitCode", json_integer(code));
    json_object_set_new(st, "OOMKilled", json_boolean(oom));
    json_object_set_new(st, "FinishedAt", json_string(t));
    json_object_set_new(container_private(c), "ConmonPid", json_integer(0));
    json_object_set_new(container_private(c), "Mounted", json_false());
    if (container_save(e, c, &err) < 0)
        log_error("container %.12s: %s", c->id, berr_msg(&err));
    berr_clear(&err);
}

static void emit_die(struct engine *e, struct container *c, int code)
{
    char text[16];

    snprintf(text, sizeof(text), "%d", code);
    container_event(e, c, "die", json_pack("{s:s}", "exitCode", text));
}

/* Not running, yet its exit file is still there: a release that did not
 * finish (the daemon died during it) or a failed start.  Release again,
 * which is harmless when done, so a later start finds nothing in its way. */
static void release_leftovers(struct engine *e, struct container *c)
{
    containers_unlock(e);
    container_release_resources(e, c);
    containers_lock(e);
    c->released = true;
}

/* Record the exit and wake those waiting for it (wait, stop, attach)
 * first; the release of the runtime state, network and rootfs comes after,
 * with c still busy, so a start or a removal waits for it to finish. */
void container_handle_exit(struct engine *e, const char *id, int code)
{
    struct berr err = BERR_INIT;
    struct container *c;
    bool auto_remove, oom;

    containers_lock(e);
    c = container_get_locked(e, id, &err);
    berr_clear(&err);
    if (!c) {
        _cleanup_free_ char *path = xasprintf("%s/%s", e->runtime->exits_dir, id);

        containers_unlock(e);
        unlink(path);
        return;
    }
    container_begin_locked(e, c);
    if (!container_running(c)) {
        release_leftovers(e, c);
        container_end_locked(e, c);
        container_put_locked(c);
        containers_unlock(e);
        return;
    }
    oom = container_oom_killed(c);
    record_exit(e, c, code, oom);
    c->exit_seq++;
    c->releasing = true;
    if (oom)
        container_event(e, c, "oom", NULL);
    emit_die(e, c, code);
    containers_broadcast(e);
    log_debug("container %.12s exited with %d", c->id, code);
    auto_remove = json_get_bool(container_host_config(c), "AutoRemove", false);
    containers_unlock(e);

    /* A container about to be removed lets its removal's files go while
     * the network detaches; the removal joins the two. */
    release_begin(e, c);
    if (!auto_remove)
        container_release_join(c);

    containers_lock(e);
    c->releasing = false;
    c->released = true;
    container_restart_after_exit_locked(e, c, code);
    container_end_locked(e, c);
    if (auto_remove) {
        container_remove_locked(e, c, &err);
        berr_clear(&err);
        container_release_join(c);
    }
    container_put_locked(c);
    containers_unlock(e);
}
