/* The OCI runtime-spec config.json of a container, with Docker's defaults:
 * capabilities, mounts, masked and read-only paths, device rules, seccomp. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "runtime/runtime-internal.h"
#include "runtime/runtime.h"
#include "util/caps.h"
#include "util/json.h"
#include "util/mem.h"

const char *const runtime_default_caps[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
    NULL,
};

static const char *const default_masked[] = {
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
    NULL,
};

static const char *const default_readonly[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

static int apply_cap_list(bool *set, char *const *list, bool value, const char *what,
                          struct berr *err)
{
    for (size_t i = 0; list && list[i]; i++) {
        int idx;

        if (!strcasecmp(list[i], "ALL")) {
            for (size_t j = 0; caps_all[j]; j++)
                set[j] = value;
            continue;
        }
        idx = caps_index(list[i]);
        if (idx < 0)
            return berr_invalid(err, "invalid %s: unknown capability: \"%s\"", what, list[i]);
        set[idx] = value;
    }
    return 0;
}

/* The capability set: Docker's defaults (or all when privileged), then
 * drops, then adds, as dockerd orders them (an add beats a drop). */
static int build_caps(const struct runtime_spec *s, json_t **out, struct berr *err)
{
    bool set[CAPS_COUNT + 1] = {false};
    json_t *list = json_array();
    json_t *caps;

    for (size_t i = 0; runtime_default_caps[i]; i++)
        set[caps_index(runtime_default_caps[i])] = true;
    if (s->privileged)
        for (size_t i = 0; caps_all[i]; i++)
            set[i] = true;
    if (apply_cap_list(set, s->cap_drop, false, "CapDrop", err) < 0 ||
        apply_cap_list(set, s->cap_add, true, "CapAdd", err) < 0) {
        json_decref(list);
        return -1;
    }

    for (size_t i = 0; caps_all[i]; i++)
        if (set[i])
            json_array_append_new(list, json_string(caps_all[i]));
    caps = json_pack("{s:O,s:O,s:O}", "bounding", list, "effective", list, "permitted", list);
    json_decref(list);
    *out = caps;
    return 0;
}

static json_t *build_user(const struct runtime_spec *s)
{
    json_t *user = json_pack("{s:I,s:I}", "uid", (json_int_t)s->uid, "gid", (json_int_t)s->gid);

    if (s->n_groups) {
        json_t *groups = json_array();

        for (size_t i = 0; i < s->n_groups; i++)
            json_array_append_new(groups, json_integer(s->groups[i]));
        json_object_set_new(user, "additionalGids", groups);
    }
    return user;
}

static json_t *build_rlimits(const json_t *ulimits)
{
    json_t *out = json_array();
    size_t i;
    json_t *u;

    json_array_foreach(ulimits, i, u)
    {
        _cleanup_free_ char *type = NULL;
        const char *name = json_get_str(u, "Name", "");

        type = xasprintf("RLIMIT_%s", name);
        for (char *p = type; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        json_array_append_new(out, json_pack("{s:s,s:I,s:I}", "type", type, "soft",
                                             json_get_int(u, "Soft", 0), "hard",
                                             json_get_int(u, "Hard", 0)));
    }
    return out;
}

static json_t *build_process(const struct runtime_spec *s, json_t *caps)
{
    json_t *proc;
    json_t *args = json_array();

    if (s->init_path) {
        json_array_append_new(args, json_string("/sbin/docker-init"));
        json_array_append_new(args, json_string("--"));
    }
    for (size_t i = 0; s->args[i]; i++)
        json_array_append_new(args, json_string(s->args[i]));

    proc = json_pack("{s:b,s:o,s:o,s:o,s:s,s:o,s:b,s:i}", "terminal", s->tty, "user", build_user(s),
                     "args", args, "env", json_strv(s->env), "cwd", s->cwd ? s->cwd : "/",
                     "capabilities", json_incref(caps), "noNewPrivileges", s->no_new_privileges,
                     "oomScoreAdj", s->oom_score_adj);
    if (s->tty && s->console_h && s->console_w)
        json_object_set_new(proc, "consoleSize",
                            json_pack("{s:i,s:i}", "height", s->console_h, "width", s->console_w));
    if (s->ulimits && json_array_size(s->ulimits))
        json_object_set_new(proc, "rlimits", build_rlimits(s->ulimits));
    return proc;
}

static json_t *mount_new(const char *dst, const char *type, const char *src, const char *opts)
{
    _cleanup_free_ char *copy = xstrdup(opts ? opts : "");
    json_t *options = json_array();
    char *save = NULL;

    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        json_array_append_new(options, json_string(tok));
    return json_pack("{s:s,s:s,s:s,s:o}", "destination", dst, "type", type, "source", src,
                     "options", options);
}

static bool has_mount_at(const struct runtime_spec *s, const char *dst)
{
    for (size_t i = 0; i < s->n_mounts; i++)
        if (!strcmp(s->mounts[i].destination, dst))
            return true;
    return false;
}

static void add_file_binds(const struct runtime_spec *s, json_t *mounts)
{
    const char *ro = s->readonly_rootfs ? "rbind,rprivate,ro" : "rbind,rprivate";

    if (s->resolv_path && !has_mount_at(s, "/etc/resolv.conf"))
        json_array_append_new(mounts, mount_new("/etc/resolv.conf", "bind", s->resolv_path, ro));
    if (s->hostname_path && !has_mount_at(s, "/etc/hostname"))
        json_array_append_new(mounts, mount_new("/etc/hostname", "bind", s->hostname_path, ro));
    if (s->hosts_path && !has_mount_at(s, "/etc/hosts"))
        json_array_append_new(mounts, mount_new("/etc/hosts", "bind", s->hosts_path, ro));
    if (s->init_path)
        json_array_append_new(
            mounts, mount_new("/sbin/docker-init", "bind", s->init_path, "rbind,rprivate,ro"));
}

/* The number of components of a path, by which dockerd orders mounts. */
static size_t path_depth(const char *path)
{
    size_t n = 0;

    for (const char *p = path; *p; p++)
        if (*p != '/' && (p == path || p[-1] == '/'))
            n++;
    return n;
}

/* The request's mounts and the files berth manages, parents before what
 * they contain: a stable sort by depth, so "-v vol:/etc" does not hide
 * /etc/hosts and "-v /b:/data/sub" lands on top of "-v /a:/data". */
static void add_user_mounts(const struct runtime_spec *s, json_t *out)
{
    _cleanup_json_ json_t *list = json_array();
    size_t n;

    for (size_t i = 0; i < s->n_mounts; i++) {
        const struct runtime_mount *rm = &s->mounts[i];

        json_array_append_new(list, mount_new(rm->destination, rm->type, rm->source, rm->options));
    }
    add_file_binds(s, list);
    n = json_array_size(list);
    for (size_t i = 1; i < n; i++) {
        json_t *cur = json_incref(json_array_get(list, i));
        size_t d = path_depth(json_get_str(cur, "destination", ""));
        size_t j = i;

        while (j > 0 &&
               path_depth(json_get_str(json_array_get(list, j - 1), "destination", "")) > d) {
            json_array_set(list, j, json_array_get(list, j - 1));
            j--;
        }
        json_array_set_new(list, j, cur);
    }
    json_array_extend(out, list);
}

static json_t *build_mounts(const struct runtime_spec *s)
{
    json_t *m = json_array();
    const char *sys_opts = s->privileged ? "nosuid,noexec,nodev,rw" : "nosuid,noexec,nodev,ro";

    json_array_append_new(m, mount_new("/proc", "proc", "proc", "nosuid,noexec,nodev"));
    json_array_append_new(
        m, mount_new("/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k"));
    json_array_append_new(m, mount_new("/dev/pts", "devpts", "devpts",
                                       "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5"));
    json_array_append_new(m, mount_new("/sys", "sysfs", "sysfs", sys_opts));
    json_array_append_new(m, mount_new("/sys/fs/cgroup", "cgroup", "cgroup",
                                       s->privileged ? "nosuid,noexec,nodev,relatime,rw"
                                                     : "nosuid,noexec,nodev,relatime,ro"));
    json_array_append_new(m, mount_new("/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev"));
    if (s->shm_size > 0 && !has_mount_at(s, "/dev/shm")) {
        _cleanup_free_ char *opts =
            xasprintf("nosuid,noexec,nodev,mode=1777,size=%lld", (long long)s->shm_size);

        json_array_append_new(m, mount_new("/dev/shm", "tmpfs", "shm", opts));
    }
    add_user_mounts(s, m);
    return m;
}

static json_t *build_namespaces(const struct runtime_spec *s)
{
    json_t *ns = json_pack("[{s:s},{s:s},{s:s},{s:s}]", "type", "pid", "type", "ipc", "type", "uts",
                           "type", "mount");

    if (s->netns_path)
        json_array_append_new(ns, json_pack("{s:s,s:s}", "type", "network", "path", s->netns_path));
    else if (s->new_netns)
        json_array_append_new(ns, json_pack("{s:s}", "type", "network"));
    return ns;
}

static json_t *device_rule(bool allow, const char *type, int64_t major, int64_t minor,
                           const char *access)
{
    json_t *r = json_pack("{s:b,s:s}", "allow", allow, "access", access);

    if (type)
        json_object_set_new(r, "type", json_string(type));
    if (major >= 0)
        json_object_set_new(r, "major", json_integer(major));
    if (minor >= 0)
        json_object_set_new(r, "minor", json_integer(minor));
    return r;
}

/* Docker's device cgroup allowlist; privileged containers get all. */
static json_t *build_device_rules(const struct runtime_spec *s)
{
    static const struct {
        const char *type;
        int major, minor;
        const char *access;
    } allowed[] = {
        {"c", -1, -1, "m"},    {"b", -1, -1, "m"}, {"c", 1, 3, "rwm"},    {"c", 1, 8, "rwm"},
        {"c", 1, 7, "rwm"},    {"c", 5, 0, "rwm"}, {"c", 1, 5, "rwm"},    {"c", 1, 9, "rwm"},
        {"c", 136, -1, "rwm"}, {"c", 5, 2, "rwm"}, {"c", 10, 200, "rwm"},
    };
    json_t *rules = json_array();

    if (s->privileged) {
        json_array_append_new(rules, device_rule(true, NULL, -1, -1, "rwm"));
        return rules;
    }
    json_array_append_new(rules, device_rule(false, NULL, -1, -1, "rwm"));
    for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
        json_array_append_new(rules, device_rule(true, allowed[i].type, allowed[i].major,
                                                 allowed[i].minor, allowed[i].access));
    for (size_t i = 0; i < s->n_devices; i++) {
        const struct runtime_device *d = &s->devices[i];
        char type[2] = {d->type, '\0'};

        json_array_append_new(rules, device_rule(true, type, d->major, d->minor, d->access));
    }
    return rules;
}

static json_t *build_devices(const struct runtime_spec *s)
{
    json_t *list = json_array();

    for (size_t i = 0; i < s->n_devices; i++) {
        const struct runtime_device *d = &s->devices[i];
        char type[2] = {d->type, '\0'};

        json_array_append_new(list, json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I}", "path", d->path,
                                              "type", type, "major", (json_int_t)d->major, "minor",
                                              (json_int_t)d->minor, "fileMode", (json_int_t)d->mode,
                                              "uid", (json_int_t)0, "gid", (json_int_t)0));
    }
    return list;
}

static void build_cpu(const struct runtime_resources *r, json_t *res)
{
    json_t *cpu = json_object();

    if (r->cpu_shares > 0)
        json_object_set_new(cpu, "shares", json_integer(r->cpu_shares));
    if (r->nano_cpus > 0) {
        json_object_set_new(cpu, "period", json_integer(100000));
        json_object_set_new(cpu, "quota", json_integer(r->nano_cpus * 100000 / 1000000000));
    } else {
        if (r->cpu_period > 0)
            json_object_set_new(cpu, "period", json_integer(r->cpu_period));
        if (r->cpu_quota > 0)
            json_object_set_new(cpu, "quota", json_integer(r->cpu_quota));
    }
    if (r->cpuset_cpus && *r->cpuset_cpus)
        json_object_set_new(cpu, "cpus", json_string(r->cpuset_cpus));
    if (r->cpuset_mems && *r->cpuset_mems)
        json_object_set_new(cpu, "mems", json_string(r->cpuset_mems));
    if (json_object_size(cpu))
        json_object_set(res, "cpu", cpu);
    json_decref(cpu);
}

static void build_memory(const struct runtime_resources *r, json_t *res)
{
    json_t *mem = json_object();

    if (r->memory > 0)
        json_object_set_new(mem, "limit", json_integer(r->memory));
    if (r->memory > 0 && r->memory_swap != 0)
        json_object_set_new(mem, "swap", json_integer(r->memory_swap));
    if (r->memory_reservation > 0)
        json_object_set_new(mem, "reservation", json_integer(r->memory_reservation));
    if (r->memory_swappiness >= 0)
        json_object_set_new(mem, "swappiness", json_integer(r->memory_swappiness));
    if (r->oom_kill_disable)
        json_object_set_new(mem, "disableOOMKiller", json_true());
    if (json_object_size(mem))
        json_object_set(res, "memory", mem);
    json_decref(mem);
}

static json_t *build_resources(const struct runtime_spec *s)
{
    json_t *res = json_object();
    const struct runtime_resources *r = s->resources;

    json_object_set_new(res, "devices", build_device_rules(s));
    if (!r)
        return res;
    build_memory(r, res);
    build_cpu(r, res);
    if (r->pids_limit > 0)
        json_object_set_new(res, "pids", json_pack("{s:I}", "limit", (json_int_t)r->pids_limit));
    if (r->blkio_weight > 0)
        json_object_set_new(res, "blockIO",
                            json_pack("{s:I}", "weight", (json_int_t)r->blkio_weight));
    return res;
}

static json_t *path_list(char *const *given, const char *const *dflt)
{
    if (given)
        return json_strv(given);
    return json_strv((char *const *)dflt);
}

static json_t *build_linux(const struct runtime_spec *s, const json_t *caps)
{
    json_t *lx = json_object();

    json_object_set_new(lx, "namespaces", build_namespaces(s));
    json_object_set_new(lx, "resources", build_resources(s));
    if (s->n_devices)
        json_object_set_new(lx, "devices", build_devices(s));
    if (s->cgroups_path)
        json_object_set_new(lx, "cgroupsPath", json_string(s->cgroups_path));
    if (s->sysctls && json_object_size(s->sysctls))
        json_object_set(lx, "sysctl", (json_t *)s->sysctls);
    if (!s->privileged) {
        json_object_set_new(lx, "maskedPaths", path_list(s->masked_paths, default_masked));
        json_object_set_new(lx, "readonlyPaths", path_list(s->readonly_paths, default_readonly));
        if (s->seccomp)
            json_object_set_new(lx, "seccomp",
                                runtime_seccomp_default(json_object_get(caps, "bounding")));
    }
    return lx;
}

int runtime_spec_build(const struct runtime_spec *s, json_t **out, struct berr *err)
{
    _cleanup_json_ json_t *caps = NULL;
    json_t *spec;

    if (!s->args || !s->args[0])
        return berr_invalid(err, "no command specified");
    if (build_caps(s, &caps, err) < 0)
        return -1;

    spec = json_pack("{s:s,s:o,s:{s:s,s:b},s:s,s:o,s:o}", "ociVersion", "1.0.2", "process",
                     build_process(s, caps), "root", "path", s->rootfs, "readonly",
                     s->readonly_rootfs, "hostname", s->hostname ? s->hostname : "", "mounts",
                     build_mounts(s), "linux", build_linux(s, caps));
    if (s->domainname && *s->domainname)
        json_object_set_new(spec, "domainname", json_string(s->domainname));
    *out = spec;
    return 0;
}
