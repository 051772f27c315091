/* The Windows platform: the seed's rules over berth's own types.  Nothing
 * here calls Windows; what the rules need to know about the OS comes from
 * struct platform_windows_facts, which the caller (or a test) provides. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "platform/platform-internal.h"
#include "util/log.h"
#include "util/mem.h"

struct windows_platform {
    struct platform base; /* first: a struct platform * is one of these */
    struct platform_windows_facts facts;
};

static const struct windows_platform *win(const struct platform *p)
{
    return (const struct windows_platform *)p;
}

static int check_version(const struct platform_windows_facts *f, struct berr *err)
{
    if (f->major_version < 10 || f->build < PLATFORM_WINDOWS_RS5)
        return berr_set(err, BERR_SYSTEM, 0,
                        "this version of Windows does not support the docker daemon "
                        "(Windows build %d or higher is required)",
                        PLATFORM_WINDOWS_RS5);
    return 0;
}

/* Both services must exist: without them the daemon would fail later in
 * ways that do not point at the missing feature. */
static int check_services(const struct platform_windows_facts *f, struct berr *err)
{
    static const char *const required[] = {"hns", "vmcompute"};
    static const char *const hint =
        "a required service is not installed, ensure the Containers feature is installed";
    _cleanup_free_ char *why = NULL;

    if (f->connect_services && f->connect_services(f->ctx, &why) < 0)
        return berr_set(err, BERR_SYSTEM, 0, "%s: %s", hint, why ? why : "");
    for (size_t i = 0; i < ARRAY_SIZE(required); i++) {
        if (f->open_service(f->ctx, required[i], &why) == 0)
            continue;
        return berr_set(err, BERR_SYSTEM, 0, "%s: failed to open service %s: %s", hint, required[i],
                        why ? why : "");
    }
    return 0;
}

static int windows_check_system(struct platform *p, struct berr *err)
{
    const struct platform_windows_facts *f = &win(p)->facts;

    if (check_version(f, err) < 0)
        return -1;

    if (!f->dll_loadable(f->ctx, "vmcompute.dll"))
        return berr_set(err, BERR_SYSTEM, 0,
                        "failed to load vmcompute.dll, ensure that the Containers feature "
                        "is installed");

    return check_services(f, err);
}

static bool windows_isolation_valid(const char *iso)
{
    return platform_isolation_is_default(iso) || platform_isolation_is_hyperv(iso) ||
           platform_isolation_is_process(iso);
}

static int apply_exec_opt(struct platform *p, const char *opt, struct berr *err)
{
    _cleanup_free_ char *key = NULL;
    _cleanup_free_ char *val = NULL;

    if (platform_parse_kv(opt, &key, &val, err) < 0)
        return -1;
    for (char *c = key; *c; c++)
        *c = (char)tolower((unsigned char)*c);

    if (strcmp(key, "isolation"))
        return berr_invalid(err, "Unrecognised exec-opt '%s'\n", key);
    if (!windows_isolation_valid(val))
        return berr_invalid(err, "Invalid exec-opt value for 'isolation':'%s'", val);
    if (platform_isolation_is_hyperv(val))
        p->default_isolation = PLATFORM_ISOLATION_HYPERV;
    if (platform_isolation_is_process(val))
        p->default_isolation = PLATFORM_ISOLATION_PROCESS;
    return 0;
}

/* Client SKUs default to Hyper-V, servers to process isolation; an
 * exec-opt overrides either. */
static int windows_set_default_isolation(struct platform *p, char *const *exec_opts,
                                         struct berr *err)
{
    p->default_isolation =
        win(p)->facts.client_sku ? PLATFORM_ISOLATION_HYPERV : PLATFORM_ISOLATION_PROCESS;

    for (size_t i = 0; exec_opts && exec_opts[i]; i++)
        if (apply_exec_opt(p, exec_opts[i], err) < 0)
            return -1;

    log_info("Windows default isolation mode: %s", platform_isolation_name(p->default_isolation));
    return 0;
}

static int windows_select_runtime(struct platform *p, struct platform_runtimes *rt,
                                  struct berr *err)
{
    const char *name = rt->default_name;

    (void)p;
    if (!name || !*name)
        name = rt->containerd_addr && *rt->containerd_addr ? PLATFORM_WINDOWS_V2_RUNTIME
                                                           : PLATFORM_WINDOWS_V1_RUNTIME;

    if (!strcmp(name, PLATFORM_WINDOWS_V2_RUNTIME)) {
        if (!rt->containerd_addr || !*rt->containerd_addr)
            return berr_invalid(err, "cannot use the specified runtime \"%s\" without containerd",
                                name);
    } else if (strcmp(name, PLATFORM_WINDOWS_V1_RUNTIME)) {
        return berr_invalid(err, "unknown windows runtime %s", name);
    }

    if (name != rt->default_name) {
        free(rt->default_name);
        rt->default_name = xstrdup(name);
    }
    log_debug("windows runtime %s", rt->default_name);
    return 0;
}

/* Process isolation cannot combine the CPU controls: CPU count wins over
 * shares, which win over percent.  Under Hyper-V all three apply. */
static void apply_cpu_precedence(struct platform_resources *r, char ***warnings)
{
    if (r->cpu_count > 0) {
        if (r->cpu_shares > 0) {
            platform_warn(warnings, "Conflicting options: CPU count takes priority over CPU "
                                    "shares on Windows Server Containers. CPU shares discarded");
            r->cpu_shares = 0;
        }
        if (r->cpu_percent > 0) {
            platform_warn(warnings, "Conflicting options: CPU count takes priority over CPU "
                                    "percent on Windows Server Containers. CPU percent discarded");
            r->cpu_percent = 0;
        }
    } else if (r->cpu_shares > 0 && r->cpu_percent > 0) {
        platform_warn(warnings, "Conflicting options: CPU shares takes priority over CPU "
                                "percent on Windows Server Containers. CPU percent discarded");
        r->cpu_percent = 0;
    }
}

static int check_cpu(const struct platform_resources *r, int ncpu, struct berr *err)
{
    if (r->cpu_shares < 0 || r->cpu_shares > PLATFORM_WINDOWS_MAX_SHARES)
        return berr_invalid(err, "range of CPUShares is from %d to %d", PLATFORM_WINDOWS_MIN_SHARES,
                            PLATFORM_WINDOWS_MAX_SHARES);
    if (r->cpu_percent < 0 || r->cpu_percent > PLATFORM_WINDOWS_MAX_PERCENT)
        return berr_invalid(err, "range of CPUPercent is from %d to %d",
                            PLATFORM_WINDOWS_MIN_PERCENT, PLATFORM_WINDOWS_MAX_PERCENT);
    if (r->cpu_count < 0)
        return berr_invalid(err, "invalid CPUCount: CPUCount cannot be negative");

    if (r->nano_cpus > 0 && r->cpu_percent > 0)
        return berr_invalid(err,
                            "conflicting options: Nano CPUs and CPU Percent cannot both be set");
    if (r->nano_cpus > 0 && r->cpu_shares > 0)
        return berr_invalid(err,
                            "conflicting options: Nano CPUs and CPU Shares cannot both be set");

    /* NanoCPUs become a CPU percent, so 0.01 is the finest step; the
     * lower end is left to the OS. */
    if (r->nano_cpus < 0 || r->nano_cpus > (int64_t)ncpu * 1000000000LL)
        return berr_invalid(err,
                            "range of CPUs is from 0.01 to %d.00, as there are only %d CPUs "
                            "available",
                            ncpu, ncpu);
    return 0;
}

/* The first option Windows has no equivalent for, by its API name. */
static const char *unsupported_option(const struct platform_resources *r)
{
    const struct {
        bool set;
        const char *name;
    } opts[] = {
        {r->n_blkio_read_bps > 0, "BlkioDeviceReadBps"},
        {r->n_blkio_read_iops > 0, "BlkioDeviceReadIOps"},
        {r->n_blkio_write_bps > 0, "BlkioDeviceWriteBps"},
        {r->n_blkio_write_iops > 0, "BlkioDeviceWriteIOps"},
        {r->blkio_weight > 0, "BlkioWeight"},
        {r->n_blkio_weight_device > 0, "BlkioWeightDevice"},
        {r->cgroup_parent && *r->cgroup_parent, "CgroupParent"},
        {r->cpu_period != 0, "CPUPeriod"},
        {r->cpuset_cpus && *r->cpuset_cpus, "CpusetCpus"},
        {r->cpuset_mems && *r->cpuset_mems, "CpusetMems"},
        {r->kernel_memory != 0, "KernelMemory"},
        {r->memory_reservation != 0, "MemoryReservation"},
        {r->memory_swap != 0, "MemorySwap"},
        {r->memory_swappiness.set, "MemorySwappiness"},
        {r->oom_kill_disable.set && r->oom_kill_disable.v, "OomKillDisable"},
        {r->pids_limit.set && r->pids_limit.v != 0, "PidsLimit"},
        {r->n_ulimits != 0, "Ulimits"},
    };

    for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
        if (opts[i].set)
            return opts[i].name;
    return NULL;
}

static int verify_resources(struct platform_resources *r, bool hyperv, int ncpu, char ***warnings,
                            struct berr *err)
{
    const char *unsupported;

    if (r->memory_swappiness.set && r->memory_swappiness.v == -1)
        r->memory_swappiness.set = false;

    if (!hyperv)
        apply_cpu_precedence(r, warnings);

    if (check_cpu(r, ncpu, err) < 0)
        return -1;

    unsupported = unsupported_option(r);
    if (unsupported)
        return berr_invalid(err, "invalid option: Windows does not support %s", unsupported);
    return 0;
}

bool platform_windows_is_hyperv(const struct platform *p, const struct platform_host_config *hc)
{
    if (platform_isolation_is_default(hc->isolation))
        return p->default_isolation == PLATFORM_ISOLATION_HYPERV;
    return platform_isolation_is_hyperv(hc->isolation);
}

static int windows_verify_host_config(const struct platform *p, struct platform_host_config *hc,
                                      bool update, const struct platform_runtimes *known_runtimes,
                                      char ***warnings, struct berr *err)
{
    (void)update;
    (void)known_runtimes;
    if (!hc)
        return 0;
    if (platform_check_common(hc, windows_isolation_valid, "windows", err) < 0)
        return -1;
    return verify_resources(&hc->res, platform_windows_is_hyperv(p, hc), win(p)->facts.ncpu,
                            warnings, err);
}

/* Windows containers run more than twenty system processes each, so far
 * fewer start at once than on Linux. */
static int windows_parallel_limit(const struct platform *p, int n, int limit)
{
    int jobs = win(p)->facts.ncpu * 8 / 10; /* floor(0.8 x CPUs) */

    (void)n;
    (void)limit;
    return jobs > 1 ? jobs : 1;
}

/* A Hyper-V container's layers are mounted inside its utility VM. */
static bool windows_mount_on_start(const struct platform *p, const struct platform_host_config *hc)
{
    return !platform_windows_is_hyperv(p, hc);
}

/* Windows has no execution state directory: plugins live under the root. */
static char *windows_plugin_exec_root(const struct platform *p, const char *data_root,
                                      const char *exec_root)
{
    (void)p;
    (void)exec_root;
    return xasprintf("%s/plugins", data_root);
}

static const struct platform_ops windows_ops = {
    .os = "windows",
    .check_system = windows_check_system,
    .set_default_isolation = windows_set_default_isolation,
    .select_runtime = windows_select_runtime,
    .verify_host_config = windows_verify_host_config,
    .parallel_limit = windows_parallel_limit,
    .mount_on_start = windows_mount_on_start,
    .plugin_exec_root = windows_plugin_exec_root,
    .features = {false, false, false, false, false, false, false},
};

struct platform *platform_windows_new(const struct platform_windows_facts *facts)
{
    struct windows_platform *w = xcalloc(1, sizeof(*w));

    w->base.ops = &windows_ops;
    w->facts = *facts;
    return &w->base;
}
