/* The Linux platform: dockerd's Linux rules for HostConfig, exec-opts and
 * runtimes, over the host facts of struct platform_linux_facts. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "platform/platform-internal.h"
#include "util/log.h"
#include "util/mem.h"

#define MIN_MEMORY         6291456 /* 6MB */
#define MIN_CPU_SHARES     2
#define MAX_CPU_SHARES     262144
#define DEFAULT_SHM_SIZE   67108864
#define MAX_CPUSET_DEFAULT 8192
#define KERNEL_MIN_MAJOR   4
#define KERNEL_MIN_MINOR   0

struct linux_platform {
    struct platform base; /* first: a struct platform * is one of these */
    struct platform_linux_facts facts;
};

static const struct platform_linux_facts *facts(const struct platform *p)
{
    return &((const struct linux_platform *)p)->facts;
}

/* ---- system check ---------------------------------------------------- */

static int check_kernel(const struct platform_linux_facts *f, struct berr *err)
{
    int major = 0, minor = 0;

    if (sscanf(f->kernel, "%d.%d", &major, &minor) != 2)
        return berr_set(err, BERR_SYSTEM, 0, "cannot parse the kernel version '%s'", f->kernel);
    if (major > KERNEL_MIN_MAJOR || (major == KERNEL_MIN_MAJOR && minor >= KERNEL_MIN_MINOR))
        return 0;
    return berr_set(err, BERR_SYSTEM, 0,
                    "Your Linux kernel version %s is not supported for running berth. Please "
                    "upgrade your kernel to %d.%d.0 or newer.",
                    f->kernel, KERNEL_MIN_MAJOR, KERNEL_MIN_MINOR);
}

static const char *cgroup_layout(const struct platform_linux_facts *f)
{
    if (f->cgroup_v1 && f->cgroup_v2)
        return "hybrid";
    return f->cgroup_v2 ? "v2" : "v1";
}

static int check_monitor(const struct platform_linux_facts *f, struct berr *err)
{
    _cleanup_free_ char *conmon = f->find_binary("conmon");

    if (!conmon)
        return berr_set(err, BERR_SYSTEM, 0,
                        "conmon, the container monitor, was not found on PATH: install it "
                        "(apt-get install conmon)");
    if (!f->binary_runs(conmon))
        return berr_set(err, BERR_SYSTEM, 0,
                        "conmon at %s does not run ('%s --version' failed): reinstall it "
                        "(apt-get install --reinstall conmon)",
                        conmon, conmon);
    log_debug("container monitor %s", conmon);
    return 0;
}

static int linux_check_system(struct platform *p, struct berr *err)
{
    const struct platform_linux_facts *f = facts(p);

    if (check_kernel(f, err) < 0)
        return -1;

    if (!f->overlayfs)
        return berr_set(err, BERR_SYSTEM, 0,
                        "overlayfs is not available: load the overlay module (modprobe overlay) "
                        "or use a kernel built with CONFIG_OVERLAY_FS");

    if (!f->cgroup_v1 && !f->cgroup_v2)
        return berr_set(err, BERR_SYSTEM, 0,
                        "no cgroup hierarchy is mounted under /sys/fs/cgroup: mount cgroup2 "
                        "there (or the cgroup v1 controllers)");
    log_debug("kernel %s, cgroup layout %s, %d CPUs", f->kernel, cgroup_layout(f), f->ncpu);

    return check_monitor(f, err);
}

/* ---- exec-opts and isolation ---------------------------------------- */

static bool linux_isolation_valid(const char *iso)
{
    return platform_isolation_is_default(iso) || platform_isolation_is_process(iso);
}

static int apply_exec_opt(struct platform *p, const char *opt, struct berr *err)
{
    _cleanup_free_ char *key = NULL;
    _cleanup_free_ char *val = NULL;

    if (platform_parse_kv(opt, &key, &val, err) < 0)
        return -1;

    if (!strcasecmp(key, "native.cgroupdriver")) {
        if (strcmp(val, "cgroupfs") && strcmp(val, "systemd"))
            return berr_invalid(err, "native.cgroupdriver option %s not supported", val);
        p->systemd_cgroup = !strcmp(val, "systemd");
        return 0;
    }
    if (!strcasecmp(key, "isolation")) {
        if (!linux_isolation_valid(val))
            return berr_invalid(err, "Invalid exec-opt value for 'isolation':'%s'", val);
        return 0;
    }
    return berr_invalid(err, "Unrecognised exec-opt '%s'", key);
}

static int linux_set_default_isolation(struct platform *p, char *const *exec_opts, struct berr *err)
{
    p->default_isolation = PLATFORM_ISOLATION_PROCESS;
    for (size_t i = 0; exec_opts && exec_opts[i]; i++)
        if (apply_exec_opt(p, exec_opts[i], err) < 0)
            return -1;
    log_debug("isolation process, cgroup driver %s", p->systemd_cgroup ? "systemd" : "cgroupfs");
    return 0;
}

/* ---- runtimes -------------------------------------------------------- */

bool platform_linux_crun_blocked(const struct platform_linux_facts *f)
{
    return f->cgroup_v1 && f->cgroup_v2 && f->unified_controllers[0] != '\0';
}

static void register_found(const struct platform_linux_facts *f, struct platform_runtimes *rt)
{
    static const char *const names[] = {"crun", "runc"};

    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        _cleanup_free_ char *path = NULL;

        if (platform_runtimes_find(rt, names[i]))
            continue;
        path = f->find_binary(names[i]);
        if (path) {
            log_debug("runtime %s found at %s", names[i], path);
            platform_runtimes_add(rt, names[i], path);
        }
    }
}

/* crun by default; runc where crun cannot run containers on this host. */
static int choose_default(const struct platform_linux_facts *f, struct platform_runtimes *rt,
                          struct berr *err)
{
    bool crun = platform_runtimes_find(rt, "crun") != NULL;
    bool runc = platform_runtimes_find(rt, "runc") != NULL;

    if (crun && (!platform_linux_crun_blocked(f) || !runc)) {
        rt->default_name = xstrdup("crun");
        return 0;
    }
    if (!runc)
        return berr_set(err, BERR_SYSTEM, 0,
                        "no OCI runtime was found on PATH: install crun or runc "
                        "(apt-get install runc)");
    if (crun)
        log_info("default runtime runc: crun cannot run containers on this hybrid cgroup "
                 "layout (the cgroup2 mount holds the controllers '%s')",
                 f->unified_controllers);
    rt->default_name = xstrdup("runc");
    return 0;
}

static int linux_select_runtime(struct platform *p, struct platform_runtimes *rt, struct berr *err)
{
    const struct platform_linux_facts *f = facts(p);
    const struct platform_runtime *chosen;

    register_found(f, rt);

    if (rt->default_name && *rt->default_name) {
        if (!platform_runtimes_find(rt, rt->default_name))
            return berr_invalid(err, "specified default runtime '%s' does not exist",
                                rt->default_name);
    } else {
        free(rt->default_name);
        rt->default_name = NULL;
        if (choose_default(f, rt, err) < 0)
            return -1;
    }

    chosen = platform_runtimes_find(rt, rt->default_name);
    if (!f->binary_runs(chosen->path))
        return berr_set(err, BERR_SYSTEM, 0,
                        "OCI runtime %s at %s does not run ('%s --version' failed): reinstall "
                        "it or choose another with --default-runtime",
                        chosen->name, chosen->path, chosen->path);
    log_debug("default runtime %s (%s)", chosen->name, chosen->path);
    return 0;
}

/* ---- cpuset lists ---------------------------------------------------- */

struct int_range {
    long lo, hi;
};

static bool parse_num(const char *s, size_t len, long *out)
{
    long v = 0;

    if (len == 0 || len > 9)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Parse "0-3,5" into ranges; every value must be at most max (0: no
 * bound).  *why is the reason on failure, as dockerd words it. */
static int parse_list(const char *val, long max, struct int_range **out, size_t *n, char **why)
{
    _cleanup_free_ struct int_range *v = NULL;
    size_t count = 0;

    for (const char *s = val; *val;) {
        size_t len = strcspn(s, ",");
        const char *dash = memchr(s, '-', len);
        struct int_range r;

        if (!(dash ? parse_num(s, (size_t)(dash - s), &r.lo) &&
                         parse_num(dash + 1, len - (size_t)(dash - s) - 1, &r.hi) && r.hi >= r.lo
                   : parse_num(s, len, &r.lo))) {
            *why = xasprintf("invalid format: %s", val);
            return -1;
        }
        if (!dash)
            r.hi = r.lo;
        if (max && r.hi > max) {
            *why = xasprintf("value of out range, maximum is %ld", max);
            return -1;
        }
        v = xrealloc(v, (count + 1) * sizeof(*v));
        v[count++] = r;
        if (!s[len])
            break;
        s += len + 1;
    }
    *out = steal_ptr(v);
    *n = count;
    return 0;
}

static bool in_ranges(const struct int_range *v, size_t n, long x)
{
    for (size_t i = 0; i < n; i++)
        if (x >= v[i].lo && x <= v[i].hi)
            return true;
    return false;
}

/* 1: every listed value is available, 0: some is not, -1: bad list. */
static int list_available(const char *provided, const char *available, char **why)
{
    _cleanup_free_ struct int_range *avail = NULL;
    _cleanup_free_ struct int_range *req = NULL;
    size_t n_avail = 0, n_req = 0;
    long max = MAX_CPUSET_DEFAULT;

    if (parse_list(available, 0, &avail, &n_avail, why) < 0)
        return -1;
    /* Accept up to the usual kernel maximum, or more on a bigger host. */
    for (size_t i = 0; i < n_avail; i++)
        if (avail[i].hi > max)
            max = avail[i].hi;
    if (parse_list(provided, max, &req, &n_req, why) < 0)
        return -1;

    for (size_t i = 0; i < n_req; i++)
        for (long x = req[i].lo; x <= req[i].hi; x++)
            if (!in_ranges(avail, n_avail, x))
                return 0;
    return 1;
}

static int check_cpuset(const struct platform_linux_facts *f, const struct platform_resources *r,
                        struct berr *err)
{
    const char *cpus = r->cpuset_cpus ? r->cpuset_cpus : "";
    const char *mems = r->cpuset_mems ? r->cpuset_mems : "";
    _cleanup_free_ char *why = NULL;
    int ok = list_available(cpus, f->cpus, &why);

    if (ok < 0)
        return berr_invalid(err, "Invalid value %s for cpuset cpus: %s", cpus, why);
    if (!ok)
        return berr_invalid(err, "Requested CPUs are not available - requested %s, available: %s",
                            cpus, f->cpus);

    ok = list_available(mems, f->mems, &why);
    if (ok < 0)
        return berr_invalid(err, "Invalid value %s for cpuset mems: %s", mems, why);
    if (!ok)
        return berr_invalid(err,
                            "Requested memory nodes are not available - requested %s, "
                            "available: %s",
                            mems, f->mems);
    return 0;
}

/* ---- resources ------------------------------------------------------- */

/* The checks dockerd makes while decoding the request. */
static int check_decoded(const struct platform_linux_facts *f, const struct platform_resources *r,
                         struct berr *err)
{
    if ((r->cpu_rt_period != 0 || r->cpu_rt_runtime != 0) && !f->cpu_realtime)
        return berr_invalid(err, "kernel does not support CPU real-time scheduler");
    if (r->cpu_rt_period != 0 && r->cpu_rt_runtime != 0 && r->cpu_rt_runtime > r->cpu_rt_period)
        return berr_invalid(err,
                            "cpu real-time runtime cannot be higher than cpu real-time period");
    if (f->cpu_shares && r->cpu_shares < 0)
        return berr_invalid(err, "invalid CPU shares (%lld): value must be a positive integer",
                            (long long)r->cpu_shares);
    return 0;
}

static int check_memory(const struct platform_linux_facts *f, struct platform_resources *r,
                        bool update, char ***warnings, struct berr *err)
{
    if (r->memory != 0 && r->memory < MIN_MEMORY)
        return berr_invalid(err, "Minimum memory limit allowed is 6MB");
    if (r->memory > 0 && !f->memory_limit) {
        platform_warn(warnings, "Your kernel does not support memory limit capabilities or the "
                                "cgroup is not mounted. Limitation discarded.");
        r->memory = 0;
        r->memory_swap = -1;
    }
    if (r->memory > 0 && r->memory_swap != -1 && !f->swap_limit) {
        platform_warn(warnings, "Your kernel does not support swap limit capabilities or the "
                                "cgroup is not mounted. Memory limited without swap.");
        r->memory_swap = -1;
    }
    if (r->memory > 0 && r->memory_swap > 0 && r->memory_swap < r->memory)
        return berr_invalid(err, "Minimum memoryswap limit should be larger than memory limit, "
                                 "see usage");
    if (r->memory == 0 && r->memory_swap > 0 && !update)
        return berr_invalid(err, "You should always set the Memory limit when using Memoryswap "
                                 "limit, see usage");

    if (r->memory_swappiness.set && !f->memory_swappiness) {
        platform_warn(warnings, "Your kernel does not support memory swappiness capabilities or "
                                "the cgroup is not mounted. Memory swappiness discarded.");
        r->memory_swappiness.set = false;
    }
    if (r->memory_swappiness.set && (r->memory_swappiness.v < 0 || r->memory_swappiness.v > 100))
        return berr_invalid(err, "Invalid value: %lld, valid memory swappiness range is 0-100",
                            (long long)r->memory_swappiness.v);
    return 0;
}

static int check_reservations(const struct platform_linux_facts *f, struct platform_resources *r,
                              char ***warnings, struct berr *err)
{
    if (r->memory_reservation > 0 && !f->memory_reservation) {
        platform_warn(warnings, "Your kernel does not support memory soft limit capabilities or "
                                "the cgroup is not mounted. Limitation discarded.");
        r->memory_reservation = 0;
    }
    if (r->memory_reservation > 0 && r->memory_reservation < MIN_MEMORY)
        return berr_invalid(err, "Minimum memory reservation allowed is 6MB");
    if (r->memory > 0 && r->memory_reservation > 0 && r->memory < r->memory_reservation)
        return berr_invalid(err, "Minimum memory limit can not be less than memory reservation "
                                 "limit, see usage");

    if (r->kernel_memory > 0 && !f->kernel_memory) {
        platform_warn(warnings, "Your kernel does not support kernel memory limit capabilities "
                                "or the cgroup is not mounted. Limitation discarded.");
        r->kernel_memory = 0;
    }
    if (r->kernel_memory > 0 && r->kernel_memory < MIN_MEMORY)
        return berr_invalid(err, "Minimum kernel memory limit allowed is 6MB");
    return 0;
}

static void check_oom_and_pids(const struct platform_linux_facts *f, struct platform_resources *r,
                               char ***warnings)
{
    /* Only a request to disable the OOM killer deserves a warning. */
    if (r->oom_kill_disable.set && !f->oom_kill_disable) {
        if (r->oom_kill_disable.v)
            platform_warn(warnings,
                          "Your kernel does not support OomKillDisable. OomKillDisable discarded.");
        r->oom_kill_disable.set = false;
    }
    if (r->oom_kill_disable.set && r->oom_kill_disable.v && r->memory == 0)
        platform_warn(warnings, "OOM killer is disabled for the container, but no memory limit "
                                "is set, this can result in the system running out of resources.");

    if (r->pids_limit.set && !f->pids_limit) {
        if (r->pids_limit.v > 0)
            platform_warn(warnings, "Your kernel does not support PIDs limit capabilities or the "
                                    "cgroup is not mounted. PIDs limit discarded.");
        r->pids_limit.set = false;
    }
}

static int check_nano_cpus(const struct platform_linux_facts *f, const struct platform_resources *r,
                           struct berr *err)
{
    if (r->nano_cpus > 0 && r->cpu_period > 0)
        return berr_invalid(err,
                            "Conflicting options: Nano CPUs and CPU Period cannot both be set");
    if (r->nano_cpus > 0 && r->cpu_quota > 0)
        return berr_invalid(err, "Conflicting options: Nano CPUs and CPU Quota cannot both be set");
    if (r->nano_cpus > 0 && !f->cpu_cfs)
        return berr_invalid(err, "NanoCPUs can not be set, as your kernel does not support CPU "
                                 "CFS scheduler or the cgroup is not mounted");
    if (r->nano_cpus < 0 || r->nano_cpus > (int64_t)f->ncpu * 1000000000LL)
        return berr_invalid(err,
                            "range of CPUs is from 0.01 to %d.00, as there are only %d CPUs "
                            "available",
                            f->ncpu, f->ncpu);
    return 0;
}

static int check_cpu(const struct platform_linux_facts *f, struct platform_resources *r,
                     char ***warnings, struct berr *err)
{
    if (check_nano_cpus(f, r, err) < 0)
        return -1;

    if (r->cpu_shares > 0 && !f->cpu_shares) {
        platform_warn(warnings, "Your kernel does not support CPU shares or the cgroup is not "
                                "mounted. Shares discarded.");
        r->cpu_shares = 0;
    }
    if ((r->cpu_period != 0 || r->cpu_quota != 0) && !f->cpu_cfs) {
        platform_warn(
            warnings,
            "Your kernel does not support CPU CFS scheduler. CPU period/quota discarded.");
        r->cpu_period = 0;
        r->cpu_quota = 0;
    }
    if (r->cpu_period != 0 && (r->cpu_period < 1000 || r->cpu_period > 1000000))
        return berr_invalid(err, "CPU cfs period can not be less than 1ms (i.e. 1000) or larger "
                                 "than 1s (i.e. 1000000)");
    if (r->cpu_quota > 0 && r->cpu_quota < 1000)
        return berr_invalid(err, "CPU cfs quota can not be less than 1ms (i.e. 1000)");
    if (r->cpu_percent > 0) {
        platform_warn(warnings, "linux does not support CPU percent. Percent discarded.");
        r->cpu_percent = 0;
    }

    if (((r->cpuset_cpus && *r->cpuset_cpus) || (r->cpuset_mems && *r->cpuset_mems)) &&
        !f->cpuset) {
        platform_warn(warnings, "Your kernel does not support cpuset or the cgroup is not "
                                "mounted. Cpuset discarded.");
        free(steal_ptr(r->cpuset_cpus));
        free(steal_ptr(r->cpuset_mems));
        r->cpuset_cpus = xstrdup("");
        r->cpuset_mems = xstrdup("");
    }
    return check_cpuset(f, r, err);
}

/* A device list the host cannot limit is emptied with its warning. */
static void discard_list(size_t *n, bool supported, const char *warning, char ***warnings)
{
    if (*n > 0 && !supported) {
        platform_warn(warnings, warning);
        *n = 0;
    }
}

static int check_blkio(const struct platform_linux_facts *f, struct platform_resources *r,
                       char ***warnings, struct berr *err)
{
    if (r->blkio_weight > 0 && !f->blkio_weight) {
        platform_warn(warnings, "Your kernel does not support Block I/O weight or the cgroup is "
                                "not mounted. Weight discarded.");
        r->blkio_weight = 0;
    }
    if (r->blkio_weight > 0 && (r->blkio_weight < 10 || r->blkio_weight > 1000))
        return berr_invalid(err, "Range of blkio weight is from 10 to 1000");
    if (r->io_maximum_bandwidth != 0 || r->io_maximum_iops != 0)
        return berr_invalid(err, "Invalid QoS settings: linux does not support Maximum IO "
                                 "Bandwidth or Maximum IO IOps");

    discard_list(&r->n_blkio_weight_device, f->blkio_weight_device,
                 "Your kernel does not support Block I/O weight_device or the cgroup is not "
                 "mounted. Weight-device discarded.",
                 warnings);
    discard_list(&r->n_blkio_read_bps, f->blkio_read_bps,
                 "Your kernel does not support BPS Block I/O read limit or the cgroup is not "
                 "mounted. Block I/O BPS read limit discarded.",
                 warnings);
    discard_list(&r->n_blkio_write_bps, f->blkio_write_bps,
                 "Your kernel does not support BPS Block I/O write limit or the cgroup is not "
                 "mounted. Block I/O BPS write limit discarded.",
                 warnings);
    discard_list(&r->n_blkio_read_iops, f->blkio_read_iops,
                 "Your kernel does not support IOPS Block read limit or the cgroup is not "
                 "mounted. Block I/O IOPS read limit discarded.",
                 warnings);
    discard_list(&r->n_blkio_write_iops, f->blkio_write_iops,
                 "Your kernel does not support IOPS Block write limit or the cgroup is not "
                 "mounted. Block I/O IOPS write limit discarded.",
                 warnings);
    return 0;
}

static int verify_resources(const struct platform_linux_facts *f, struct platform_resources *r,
                            bool update, char ***warnings, struct berr *err)
{
    if (check_decoded(f, r, err) < 0)
        return -1;

    if (r->memory_swappiness.set && r->memory_swappiness.v == -1)
        r->memory_swappiness.set = false;
    /* 0 and -1 both mean unlimited; stored as null.  An update keeps
     * them: there they ask to lift a limit. */
    if (!update && r->pids_limit.set && r->pids_limit.v <= 0)
        r->pids_limit.set = false;

    if (check_memory(f, r, update, warnings, err) < 0 ||
        check_reservations(f, r, warnings, err) < 0)
        return -1;
    check_oom_and_pids(f, r, warnings);
    if (check_cpu(f, r, warnings, err) < 0)
        return -1;
    return check_blkio(f, r, warnings, err);
}

/* ---- settings -------------------------------------------------------- */

static bool has_prefix_id(const char *mode, const char *prefix, bool need_id)
{
    size_t len = strlen(prefix);

    return !strncmp(mode, prefix, len) && (!need_id || mode[len] != '\0');
}

static bool str_in(const char *s, const char *const *set)
{
    for (size_t i = 0; set[i]; i++)
        if (!strcmp(s, set[i]))
            return true;
    return false;
}

static int check_modes(const struct platform_host_config *hc, struct berr *err)
{
    static const char *const ipc[] = {"", "none", "private", "shareable", "host", NULL};
    const char *mode = hc->ipc_mode ? hc->ipc_mode : "";

    if (!str_in(mode, ipc) && !has_prefix_id(mode, "container:", false))
        return berr_invalid(err, "invalid IPC mode: %s", mode);

    mode = hc->pid_mode ? hc->pid_mode : "";
    if (*mode && strcmp(mode, "host") && !has_prefix_id(mode, "container:", true))
        return berr_invalid(err, "invalid PID mode: %s", mode);

    if (hc->shm_size < 0)
        return berr_invalid(err, "SHM size can not be less than 0");

    mode = hc->uts_mode ? hc->uts_mode : "";
    if (*mode && strcmp(mode, "host"))
        return berr_invalid(err, "invalid UTS mode: %s", mode);

    if (hc->oom_score_adj < -1000 || hc->oom_score_adj > 1000)
        return berr_invalid(err, "Invalid value %lld, range for oom score adj is [-1000, 1000]",
                            (long long)hc->oom_score_adj);
    return 0;
}

static bool network_is(const struct platform_host_config *hc, const char *mode)
{
    return hc->network_mode && !strcmp(hc->network_mode, mode);
}

static void check_network(const struct platform_linux_facts *f,
                          const struct platform_host_config *hc, char ***warnings)
{
    bool host = network_is(hc, "host");

    /* Forwarding matters only to containers with a network of their own. */
    if (!host && !network_is(hc, "none") && f->ipv4_forwarding_disabled &&
        f->ipv4_forwarding_disabled())
        platform_warn(warnings, "IPv4 forwarding is disabled. Networking will not work.");
    if (host && hc->n_port_bindings > 0)
        platform_warn(warnings, "Published ports are discarded when using host network mode");
}

static int check_runtime(struct platform_host_config *hc, bool update,
                         const struct platform_runtimes *known, struct berr *err)
{
    if (!known)
        return 0;
    if ((!hc->runtime || !*hc->runtime) && !update && known->default_name) {
        free(hc->runtime);
        hc->runtime = xstrdup(known->default_name);
    }
    if (hc->runtime && *hc->runtime && !platform_runtimes_find(known, hc->runtime))
        return berr_invalid(err, "unknown or invalid runtime name: %s", hc->runtime);
    return 0;
}

static int check_tmpfs(const struct platform_host_config *hc, struct berr *err)
{
    for (size_t i = 0; hc->tmpfs && hc->tmpfs[i]; i++) {
        const char *dest = hc->tmpfs[i];

        if (dest[0] == '/' && dest[strspn(dest, "/")] == '\0')
            return berr_invalid(err, "invalid specification: destination can't be '/'");
        if (dest[0] != '/')
            return berr_invalid(err, "invalid mount path: '%s' mount path must be absolute", dest);
    }
    return 0;
}

static int check_cgroup_parent(const struct platform *p, const struct platform_host_config *hc,
                               struct berr *err)
{
    const char *parent = hc->res.cgroup_parent ? hc->res.cgroup_parent : "";
    size_t len = strlen(parent);

    if (!*parent || !p->systemd_cgroup)
        return 0;
    if (len <= 6 || strcmp(parent + len - 6, ".slice"))
        return berr_invalid(err, "cgroup-parent for systemd cgroup should be a valid slice "
                                 "named as \"xxx.slice\"");
    return 0;
}

static int check_cgroupns(const struct platform_linux_facts *f,
                          const struct platform_host_config *hc, char ***warnings, struct berr *err)
{
    const char *ns = hc->cgroupns_mode ? hc->cgroupns_mode : "";

    if (*ns && strcmp(ns, "private") && strcmp(ns, "host"))
        return berr_invalid(err, "invalid cgroup namespace mode: %s", ns);
    if (!strcmp(ns, "private") && !f->cgroupns)
        platform_warn(warnings, "Your kernel does not support cgroup namespaces.  Cgroup "
                                "namespace setting discarded.");
    return 0;
}

static int verify_settings(const struct platform *p, struct platform_host_config *hc, bool update,
                           const struct platform_runtimes *known, char ***warnings,
                           struct berr *err)
{
    const struct platform_linux_facts *f = facts(p);

    if (check_modes(hc, err) < 0)
        return -1;
    check_network(f, hc, warnings);
    if (check_cgroup_parent(p, hc, err) < 0 || check_runtime(hc, update, known, err) < 0 ||
        check_tmpfs(hc, err) < 0)
        return -1;
    return check_cgroupns(f, hc, warnings, err);
}

/* ---- defaults -------------------------------------------------------- */

static void replace_str(char **dst, const char *val)
{
    free(*dst);
    *dst = xstrdup(val);
}

/* The values dockerd fills in on create once the request is valid. */
static void adapt_settings(const struct platform_linux_facts *f, struct platform_host_config *hc)
{
    struct platform_resources *r = &hc->res;
    bool unified = f->cgroup_v2 && !f->cgroup_v1;

    if (r->cpu_shares < 0) {
        log_warn("Changing requested CPUShares of %lld to minimum allowed of %d",
                 (long long)r->cpu_shares, MIN_CPU_SHARES);
        r->cpu_shares = MIN_CPU_SHARES;
    } else if (r->cpu_shares > MAX_CPU_SHARES) {
        log_warn("Changing requested CPUShares of %lld to maximum allowed of %d",
                 (long long)r->cpu_shares, MAX_CPU_SHARES);
        r->cpu_shares = MAX_CPU_SHARES;
    }
    if (r->memory > 0 && r->memory_swap == 0)
        r->memory_swap = r->memory * 2;
    if (hc->shm_size == 0)
        hc->shm_size = DEFAULT_SHM_SIZE;
    if (!hc->ipc_mode || !*hc->ipc_mode)
        replace_str(&hc->ipc_mode, "private");
    if (!hc->cgroupns_mode || !*hc->cgroupns_mode)
        replace_str(&hc->cgroupns_mode, unified ? "private" : "host");
    if (!r->oom_kill_disable.set)
        r->oom_kill_disable = (struct platform_opt_bool){true, false};
}

static int linux_verify_host_config(const struct platform *p, struct platform_host_config *hc,
                                    bool update, const struct platform_runtimes *known_runtimes,
                                    char ***warnings, struct berr *err)
{
    if (!hc)
        return 0;
    if (platform_check_common(hc, linux_isolation_valid, "linux", err) < 0)
        return -1;
    if (verify_resources(facts(p), &hc->res, update, warnings, err) < 0)
        return -1;
    if (verify_settings(p, hc, update, known_runtimes, warnings, err) < 0)
        return -1;
    if (!update)
        adapt_settings(facts(p), hc);
    return 0;
}

/* ---- start-up helpers ----------------------------------------------- */

/* Each start or restore job holds about two files open: stay under the
 * open-files limit, and say so when it forces fewer jobs. */
static int linux_parallel_limit(const struct platform *p, int n, int limit)
{
    const int overhead = 2;
    long soft = facts(p)->nofile_soft;

    if (soft < 0) {
        log_warn("could not read the open-files limit to check the start-up parallelism");
        return limit;
    }
    if (soft > (long)overhead * n || soft > (long)overhead * limit)
        return limit;
    log_warn("the open-files limit (%ld) is far too small -- consider increasing it "
             "significantly (at least %d)",
             soft, overhead * limit);
    return (int)(soft / overhead);
}

static bool linux_mount_on_start(const struct platform *p, const struct platform_host_config *hc)
{
    (void)p;
    (void)hc;
    return true;
}

static char *linux_plugin_exec_root(const struct platform *p, const char *data_root,
                                    const char *exec_root)
{
    (void)p;
    (void)data_root;
    return xasprintf("%s/plugins", exec_root);
}

static const struct platform_ops linux_ops = {
    .os = "linux",
    .check_system = linux_check_system,
    .set_default_isolation = linux_set_default_isolation,
    .select_runtime = linux_select_runtime,
    .verify_host_config = linux_verify_host_config,
    .parallel_limit = linux_parallel_limit,
    .mount_on_start = linux_mount_on_start,
    .plugin_exec_root = linux_plugin_exec_root,
    .features =
        {
            .links = true,
            .seccomp = true,
            .resolv_conf = true,
            .userns_remap = false,
            .init_layer = true,
            .kernel_security = true,
            .max_threads = false,
        },
};

struct platform *platform_linux_new(const struct platform_linux_facts *f)
{
    struct linux_platform *l = xcalloc(1, sizeof(*l));

    l->base.ops = &linux_ops;
    l->facts = *f;
    return &l->base;
}
