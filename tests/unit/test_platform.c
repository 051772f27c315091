/* platform/: the Windows and Linux rules, table-driven over faked facts,
 * and the engine's HostConfig JSON conversion around them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/config.h"
#include "engine/engine.h"
#include "engine/platform.h"
#include "platform/platform.h"
#include "unit.h"
#include "util/json.h"
#include "util/mem.h"

#define MAX_WARN 5

/* ---- helpers --------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

/* Cases are written with string literals; the rules own their strings. */
static void hc_copy(struct platform_host_config *dst, const struct platform_host_config *src)
{
    *dst = *src;
    dst->res.cpuset_cpus = dup_or_null(src->res.cpuset_cpus);
    dst->res.cpuset_mems = dup_or_null(src->res.cpuset_mems);
    dst->res.cgroup_parent = dup_or_null(src->res.cgroup_parent);
    dst->isolation = dup_or_null(src->isolation);
    dst->ipc_mode = dup_or_null(src->ipc_mode);
    dst->pid_mode = dup_or_null(src->pid_mode);
    dst->uts_mode = dup_or_null(src->uts_mode);
    dst->cgroupns_mode = dup_or_null(src->cgroupns_mode);
    dst->userns_mode = dup_or_null(src->userns_mode);
    dst->network_mode = dup_or_null(src->network_mode);
    dst->runtime = dup_or_null(src->runtime);
    dst->restart_name = dup_or_null(src->restart_name);
    dst->cap_add = strv_dup(src->cap_add);
    dst->cap_drop = strv_dup(src->cap_drop);
    dst->tmpfs = strv_dup(src->tmpfs);
}

static void assert_warnings(char **got, const char *const *want, const char *name)
{
    size_t n_want = 0;

    while (n_want < MAX_WARN && want[n_want])
        n_want++;
    if (strv_len(got) != n_want) {
        fprintf(stderr, "case %s: %zu warnings, want %zu\n", name, strv_len(got), n_want);
        for (size_t i = 0; got && got[i]; i++)
            fprintf(stderr, "  got: %s\n", got[i]);
        fail();
    }
    for (size_t i = 0; i < n_want; i++)
        assert_string_equal(got[i], want[i]);
}

static void assert_error(int rc, const struct berr *err, const char *want, const char *name)
{
    if (!want) {
        if (rc != 0)
            fprintf(stderr, "case %s: unexpected error: %s\n", name, berr_msg(err));
        assert_int_equal(rc, 0);
        return;
    }
    if (rc == 0)
        fprintf(stderr, "case %s: no error, want: %s\n", name, want);
    assert_int_equal(rc, -1);
    assert_int_equal(err->kind, BERR_INVALID);
    assert_string_equal(berr_msg(err), want);
}

/* ---- Windows: facts -------------------------------------------------- */

struct win_fake {
    bool vmcompute_dll;
    bool scm_ok;
    bool hns;
    bool vmcompute_svc;
};

static bool fake_dll(void *ctx, const char *dll)
{
    return !strcmp(dll, "vmcompute.dll") && ((struct win_fake *)ctx)->vmcompute_dll;
}

static int fake_connect(void *ctx, char **why)
{
    if (((struct win_fake *)ctx)->scm_ok)
        return 0;
    *why = xstrdup("Access is denied.");
    return -1;
}

static int fake_service(void *ctx, const char *name, char **why)
{
    struct win_fake *w = ctx;
    bool ok = !strcmp(name, "hns") ? w->hns : !strcmp(name, "vmcompute") && w->vmcompute_svc;

    if (ok)
        return 0;
    *why = xstrdup("The specified service does not exist as an installed service.");
    return -1;
}

static struct win_fake all_there = {true, true, true, true};

static struct platform *win_new(bool client, int ncpu, struct win_fake *fake)
{
    struct platform_windows_facts f = {
        .major_version = 10,
        .build = 20348,
        .client_sku = client,
        .ncpu = ncpu,
        .ctx = fake ? fake : &all_there,
        .dll_loadable = fake_dll,
        .connect_services = fake_connect,
        .open_service = fake_service,
    };

    return platform_windows_new(&f);
}

/* ---- Windows: resources ---------------------------------------------- */

#define W_COUNT_SHARES                                                                             \
    "Conflicting options: CPU count takes priority over CPU shares on Windows Server "             \
    "Containers. CPU shares discarded"
#define W_COUNT_PERCENT                                                                            \
    "Conflicting options: CPU count takes priority over CPU percent on Windows Server "            \
    "Containers. CPU percent discarded"
#define W_SHARES_PERCENT                                                                           \
    "Conflicting options: CPU shares takes priority over CPU percent on Windows Server "           \
    "Containers. CPU percent discarded"

struct win_case {
    const char *name;
    const char *isolation; /* the container's; NULL: daemon default (process) */
    struct platform_resources in;
    const char *error;
    const char *warn[MAX_WARN];
    bool check_cpu; /* compare the CPU fields with want */
    int64_t want_count, want_shares, want_percent;
};

#define UNSUPPORTED(field, value, name)                                                            \
    {                                                                                              \
        "unsupported " name, NULL, {.field = value},                                               \
            "invalid option: Windows does not support " name, {NULL}, false, 0, 0, 0               \
    }

static const struct win_case win_cases[] = {
    {"count beats shares",
     NULL,
     {.cpu_count = 2, .cpu_shares = 512},
     NULL,
     {W_COUNT_SHARES},
     true,
     2,
     0,
     0},
    {"count beats percent",
     NULL,
     {.cpu_count = 2, .cpu_percent = 50},
     NULL,
     {W_COUNT_PERCENT},
     true,
     2,
     0,
     0},
    {"count beats shares and percent",
     NULL,
     {.cpu_count = 2, .cpu_shares = 512, .cpu_percent = 50},
     NULL,
     {W_COUNT_SHARES, W_COUNT_PERCENT},
     true,
     2,
     0,
     0},
    {"shares beat percent",
     NULL,
     {.cpu_shares = 512, .cpu_percent = 50},
     NULL,
     {W_SHARES_PERCENT},
     true,
     0,
     512,
     0},
    {"explicit process isolation has precedence",
     "Process",
     {.cpu_shares = 9, .cpu_percent = 9},
     NULL,
     {W_SHARES_PERCENT},
     true,
     0,
     9,
     0},
    {"no precedence under hyper-v",
     "hyperv",
     {.cpu_count = 2, .cpu_shares = 512, .cpu_percent = 50},
     NULL,
     {NULL},
     true,
     2,
     512,
     50},
    {"precedence runs before the range checks",
     NULL,
     {.cpu_shares = 512, .cpu_percent = 500},
     NULL,
     {W_SHARES_PERCENT},
     true,
     0,
     512,
     0},
    {"percent range under hyper-v",
     "hyperv",
     {.cpu_shares = 512, .cpu_percent = 500},
     "range of CPUPercent is from 1 to 100",
     {NULL},
     false,
     0,
     0,
     0},
    {"shares above range",
     NULL,
     {.cpu_shares = 10001},
     "range of CPUShares is from 1 to 10000",
     {NULL},
     false,
     0,
     0,
     0},
    {"negative shares",
     NULL,
     {.cpu_shares = -1},
     "range of CPUShares is from 1 to 10000",
     {NULL},
     false,
     0,
     0,
     0},
    {"shares at the top of the range",
     NULL,
     {.cpu_shares = 10000},
     NULL,
     {NULL},
     true,
     0,
     10000,
     0},
    {"percent above range",
     NULL,
     {.cpu_percent = 101},
     "range of CPUPercent is from 1 to 100",
     {NULL},
     false,
     0,
     0,
     0},
    {"negative percent",
     NULL,
     {.cpu_percent = -5},
     "range of CPUPercent is from 1 to 100",
     {NULL},
     false,
     0,
     0,
     0},
    {"negative count",
     NULL,
     {.cpu_count = -1},
     "invalid CPUCount: CPUCount cannot be negative",
     {NULL},
     false,
     0,
     0,
     0},
    {"nano cpus with percent",
     NULL,
     {.nano_cpus = 1000000000, .cpu_percent = 50},
     "conflicting options: Nano CPUs and CPU Percent cannot both be set",
     {NULL},
     false,
     0,
     0,
     0},
    {"nano cpus with shares",
     NULL,
     {.nano_cpus = 1000000000, .cpu_shares = 50},
     "conflicting options: Nano CPUs and CPU Shares cannot both be set",
     {NULL},
     false,
     0,
     0,
     0},
    {"nano cpus with percent dropped by count",
     NULL,
     {.cpu_count = 1, .nano_cpus = 1000000000, .cpu_percent = 50},
     NULL,
     {W_COUNT_PERCENT},
     true,
     1,
     0,
     0},
    {"nano cpus above the host",
     NULL,
     {.nano_cpus = 5000000000},
     "range of CPUs is from 0.01 to 4.00, as there are only 4 CPUs available",
     {NULL},
     false,
     0,
     0,
     0},
    {"negative nano cpus",
     NULL,
     {.nano_cpus = -1},
     "range of CPUs is from 0.01 to 4.00, as there are only 4 CPUs available",
     {NULL},
     false,
     0,
     0,
     0},
    {"nano cpus equal to the host", NULL, {.nano_cpus = 4000000000}, NULL, {NULL}, false, 0, 0, 0},
    UNSUPPORTED(n_blkio_read_bps, 1, "BlkioDeviceReadBps"),
    UNSUPPORTED(n_blkio_read_iops, 1, "BlkioDeviceReadIOps"),
    UNSUPPORTED(n_blkio_write_bps, 1, "BlkioDeviceWriteBps"),
    UNSUPPORTED(n_blkio_write_iops, 1, "BlkioDeviceWriteIOps"),
    UNSUPPORTED(blkio_weight, 500, "BlkioWeight"),
    UNSUPPORTED(n_blkio_weight_device, 2, "BlkioWeightDevice"),
    UNSUPPORTED(cgroup_parent, (char *)"/mine", "CgroupParent"),
    UNSUPPORTED(cpu_period, 100000, "CPUPeriod"),
    UNSUPPORTED(cpuset_cpus, (char *)"0", "CpusetCpus"),
    UNSUPPORTED(cpuset_mems, (char *)"0", "CpusetMems"),
    UNSUPPORTED(kernel_memory, 1 << 30, "KernelMemory"),
    UNSUPPORTED(memory_reservation, 1 << 30, "MemoryReservation"),
    UNSUPPORTED(memory_swap, -1, "MemorySwap"),
    UNSUPPORTED(memory_swappiness, ((struct platform_opt_i64){true, 60}), "MemorySwappiness"),
    UNSUPPORTED(oom_kill_disable, ((struct platform_opt_bool){true, true}), "OomKillDisable"),
    UNSUPPORTED(pids_limit, ((struct platform_opt_i64){true, 100}), "PidsLimit"),
    UNSUPPORTED(n_ulimits, 1, "Ulimits"),
    {"the first unsupported option is named",
     NULL,
     {.cgroup_parent = (char *)"x", .n_ulimits = 1},
     "invalid option: Windows does not support CgroupParent",
     {NULL},
     false,
     0,
     0,
     0},
    {"swappiness -1 is fixed up to unset",
     NULL,
     {.memory_swappiness = {true, -1}},
     NULL,
     {NULL},
     false,
     0,
     0,
     0},
    {"what the CLI sends by default passes",
     NULL,
     {.oom_kill_disable = {true, false}, .pids_limit = {true, 0}, .memory_swappiness = {true, -1}},
     NULL,
     {NULL},
     false,
     0,
     0,
     0},
};

static void windows_resources(void **state)
{
    struct platform *p = win_new(false, 4, NULL);

    (void)state;
    assert_int_equal(p->ops->set_default_isolation(p, NULL, NULL), 0);
    for (size_t i = 0; i < ARRAY_SIZE(win_cases); i++) {
        const struct win_case *c = &win_cases[i];
        struct platform_host_config in = {.res = c->in, .isolation = (char *)c->isolation};
        struct platform_host_config hc;
        _cleanup_strv_ char **warns = NULL;
        struct berr err = BERR_INIT;
        int rc;

        hc_copy(&hc, &in);
        rc = p->ops->verify_host_config(p, &hc, false, NULL, &warns, &err);
        assert_error(rc, &err, c->error, c->name);
        assert_warnings(warns, c->warn, c->name);
        if (c->check_cpu) {
            assert_int_equal(hc.res.cpu_count, c->want_count);
            assert_int_equal(hc.res.cpu_shares, c->want_shares);
            assert_int_equal(hc.res.cpu_percent, c->want_percent);
        }
        if (c->in.memory_swappiness.set && c->in.memory_swappiness.v == -1)
            assert_false(hc.res.memory_swappiness.set);
        berr_clear(&err);
        platform_host_config_release(&hc);
    }
    platform_free(p);
}

static void windows_missing_host_config_passes(void **state)
{
    struct platform *p = win_new(true, 4, NULL);
    struct berr err = BERR_INIT;
    char **warns = NULL;

    (void)state;
    assert_int_equal(p->ops->verify_host_config(p, NULL, false, NULL, &warns, &err), 0);
    assert_null(warns);
    platform_free(p);
}

/* ---- Windows: isolation ---------------------------------------------- */

struct iso_case {
    const char *name;
    bool client;
    const char *opts[3];
    const char *error;
    enum platform_isolation want;
};

static const struct iso_case win_iso_cases[] = {
    {"client SKU defaults to hyper-v", true, {NULL}, NULL, PLATFORM_ISOLATION_HYPERV},
    {"server SKU defaults to process", false, {NULL}, NULL, PLATFORM_ISOLATION_PROCESS},
    {"exec-opt process on a client", true, {"isolation=process"}, NULL, PLATFORM_ISOLATION_PROCESS},
    {"exec-opt hyperv on a server, any case",
     false,
     {"Isolation = HyperV"},
     NULL,
     PLATFORM_ISOLATION_HYPERV},
    {"exec-opt default keeps the SKU's",
     true,
     {"isolation=default"},
     NULL,
     PLATFORM_ISOLATION_HYPERV},
    {"the last exec-opt wins",
     false,
     {"isolation=hyperv", "isolation=PROCESS"},
     NULL,
     PLATFORM_ISOLATION_PROCESS},
    {"invalid isolation value",
     false,
     {"isolation=vm"},
     "Invalid exec-opt value for 'isolation':'vm'",
     PLATFORM_ISOLATION_PROCESS},
    {"unknown key",
     false,
     {"native.cgroupdriver=systemd"},
     "Unrecognised exec-opt 'native.cgroupdriver'\n",
     PLATFORM_ISOLATION_PROCESS},
    {"not a key/value",
     false,
     {"isolation"},
     "unable to parse key/value option: isolation",
     PLATFORM_ISOLATION_PROCESS},
};

static void run_iso_cases(const struct iso_case *cases, size_t n, bool windows)
{
    for (size_t i = 0; i < n; i++) {
        const struct iso_case *c = &cases[i];
        struct platform *p = win_new(c->client, 4, NULL);
        struct berr err = BERR_INIT;
        int rc;

        if (!windows) {
            struct platform_linux_facts f = {0};

            platform_free(p);
            p = platform_linux_new(&f);
        }
        rc = p->ops->set_default_isolation(p, (char *const *)c->opts, &err);
        assert_error(rc, &err, c->error, c->name);
        if (!c->error)
            assert_int_equal(p->default_isolation, c->want);
        berr_clear(&err);
        platform_free(p);
    }
}

static void windows_isolation(void **state)
{
    (void)state;
    run_iso_cases(win_iso_cases, ARRAY_SIZE(win_iso_cases), true);
}

static void windows_container_isolation(void **state)
{
    struct platform *p = win_new(true, 4, NULL);
    struct platform_host_config hc = {0};
    struct berr err = BERR_INIT;
    char **warns = NULL;

    (void)state;
    assert_int_equal(p->ops->set_default_isolation(p, NULL, &err), 0);
    assert_true(platform_windows_is_hyperv(p, &hc));
    assert_false(p->ops->mount_on_start(p, &hc));
    hc.isolation = (char *)"process";
    assert_false(platform_windows_is_hyperv(p, &hc));
    assert_true(p->ops->mount_on_start(p, &hc));
    hc.isolation = (char *)"HYPERV";
    assert_false(p->ops->mount_on_start(p, &hc));
    hc.isolation = (char *)"Default";
    assert_true(platform_windows_is_hyperv(p, &hc));

    hc.isolation = (char *)"sandbox";
    assert_int_equal(p->ops->verify_host_config(p, &hc, false, NULL, &warns, &err), -1);
    assert_string_equal(berr_msg(&err), "invalid isolation 'sandbox' on windows");
    berr_clear(&err);
    platform_free(p);
}

/* ---- Windows: system check, runtime, start-up helpers ------------------ */

#define W_SERVICE_HINT                                                                             \
    "a required service is not installed, ensure the Containers feature is installed: "

static void windows_check_system(void **state)
{
    static const struct {
        const char *name;
        int major, build;
        struct win_fake fake;
        const char *error;
    } cases[] = {
        {"all there", 10, 17763, {true, true, true, true}, NULL},
        {"windows 8",
         6,
         9600,
         {true, true, true, true},
         "this version of Windows does not support the docker daemon (Windows build 17763 or "
         "higher is required)"},
        {"before RS5",
         10,
         17134,
         {true, true, true, true},
         "this version of Windows does not support the docker daemon (Windows build 17763 or "
         "higher is required)"},
        {"no vmcompute.dll",
         10,
         17763,
         {false, true, true, true},
         "failed to load vmcompute.dll, ensure that the Containers feature is installed"},
        {"no service manager",
         10,
         17763,
         {true, false, true, true},
         W_SERVICE_HINT "Access is denied."},
        {"no hns",
         10,
         17763,
         {true, true, false, true},
         W_SERVICE_HINT "failed to open service hns: The specified service does not exist as "
                        "an installed service."},
        {"no vmcompute service",
         10,
         17763,
         {true, true, true, false},
         W_SERVICE_HINT "failed to open service vmcompute: The specified service does not exist "
                        "as an installed service."},
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct win_fake fake = cases[i].fake;
        struct platform_windows_facts f = {cases[i].major, cases[i].build, false,       4, &fake,
                                           fake_dll,       fake_connect,   fake_service};
        struct platform *p = platform_windows_new(&f);
        struct berr err = BERR_INIT;
        int rc = p->ops->check_system(p, &err);

        if (!cases[i].error) {
            assert_int_equal(rc, 0);
        } else {
            assert_int_equal(rc, -1);
            assert_string_equal(berr_msg(&err), cases[i].error);
        }
        berr_clear(&err);
        platform_free(p);
    }
}

static void windows_runtime(void **state)
{
    static const struct {
        const char *name, *chosen, *containerd, *error, *want;
    } cases[] = {
        {"default is v1", NULL, NULL, NULL, PLATFORM_WINDOWS_V1_RUNTIME},
        {"default with containerd is v2", NULL, "/run/containerd.sock", NULL,
         PLATFORM_WINDOWS_V2_RUNTIME},
        {"v1 chosen with containerd", PLATFORM_WINDOWS_V1_RUNTIME, "/c", NULL,
         PLATFORM_WINDOWS_V1_RUNTIME},
        {"v2 without containerd", PLATFORM_WINDOWS_V2_RUNTIME, NULL,
         "cannot use the specified runtime \"io.containerd.runhcs.v1\" without containerd", NULL},
        {"v2 with containerd", PLATFORM_WINDOWS_V2_RUNTIME, "/c", NULL,
         PLATFORM_WINDOWS_V2_RUNTIME},
        {"unknown runtime", "runc", NULL, "unknown windows runtime runc", NULL},
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct platform *p = win_new(false, 4, NULL);
        struct platform_runtimes rt = {.default_name = dup_or_null(cases[i].chosen),
                                       .containerd_addr = cases[i].containerd};
        struct berr err = BERR_INIT;
        int rc = p->ops->select_runtime(p, &rt, &err);

        assert_error(rc, &err, cases[i].error, cases[i].name);
        if (cases[i].want)
            assert_string_equal(rt.default_name, cases[i].want);
        berr_clear(&err);
        platform_runtimes_release(&rt);
        platform_free(p);
    }
}

static void windows_startup_helpers(void **state)
{
    static const int cpus[][2] = {{0, 1}, {1, 1}, {2, 1}, {4, 3}, {5, 4}, {10, 8}, {64, 51}};
    struct platform *p;
    _cleanup_free_ char *plugins = NULL;

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cpus); i++) {
        p = win_new(false, cpus[i][0], NULL);
        assert_int_equal(p->ops->parallel_limit(p, 1000, 512), cpus[i][1]);
        platform_free(p);
    }

    p = win_new(false, 4, NULL);
    plugins = p->ops->plugin_exec_root(p, "C:/ProgramData/berth", "C:/run");
    assert_string_equal(plugins, "C:/ProgramData/berth/plugins");
    assert_string_equal(p->ops->os, "windows");
    /* links, seccomp, resolv.conf, userns remapping, init layer, kernel
     * security and max threads are no-ops on Windows. */
    assert_false(p->ops->features.links);
    assert_false(p->ops->features.seccomp);
    assert_false(p->ops->features.resolv_conf);
    assert_false(p->ops->features.userns_remap);
    assert_false(p->ops->features.init_layer);
    assert_false(p->ops->features.kernel_security);
    assert_false(p->ops->features.max_threads);
    platform_free(p);
}

/* ---- Linux: facts ---------------------------------------------------- */

static bool fake_forwarding_off;
static const char *fake_missing; /* a binary find_binary does not find */
static const char *fake_broken;  /* a binary that does not run */

static char *fake_find(const char *name)
{
    if (fake_missing && strstr(fake_missing, name))
        return NULL;
    return xasprintf("/usr/bin/%s", name);
}

static bool fake_runs(const char *path)
{
    return !(fake_broken && strstr(path, fake_broken));
}

static bool fake_forwarding(void)
{
    return fake_forwarding_off;
}

/* A v2 host with every controller: nothing is discarded. */
static void linux_full(struct platform_linux_facts *f)
{
    memset(f, 0, sizeof(*f));
    snprintf(f->kernel, sizeof(f->kernel), "6.1.0-18-amd64");
    f->overlayfs = true;
    f->ncpu = 2;
    snprintf(f->cpus, sizeof(f->cpus), "0-1");
    snprintf(f->mems, sizeof(f->mems), "0");
    f->cgroup_v2 = true;
    snprintf(f->unified_controllers, sizeof(f->unified_controllers), "cpuset cpu io memory pids");
    f->nofile_soft = 1048576;
    f->memory_limit = f->swap_limit = f->memory_reservation = f->memory_swappiness = true;
    f->kernel_memory = f->oom_kill_disable = f->pids_limit = f->cpu_shares = f->cpu_cfs = true;
    f->cpu_realtime = f->cpuset = f->blkio_weight = f->blkio_weight_device = true;
    f->blkio_read_bps = f->blkio_write_bps = f->blkio_read_iops = f->blkio_write_iops = true;
    f->cgroupns = true;
    f->find_binary = fake_find;
    f->binary_runs = fake_runs;
    f->ipv4_forwarding_disabled = fake_forwarding;
}

/* A host whose cgroups enforce nothing. */
static void linux_bare(struct platform_linux_facts *f)
{
    linux_full(f);
    f->memory_limit = f->swap_limit = f->memory_reservation = f->memory_swappiness = false;
    f->kernel_memory = f->oom_kill_disable = f->pids_limit = f->cpu_shares = f->cpu_cfs = false;
    f->cpu_realtime = f->cpuset = f->blkio_weight = f->blkio_weight_device = false;
    f->blkio_read_bps = f->blkio_write_bps = f->blkio_read_iops = f->blkio_write_iops = false;
    f->cgroupns = false;
}

static void linux_noswap(struct platform_linux_facts *f)
{
    linux_full(f);
    f->swap_limit = false;
}

static void linux_systemd(struct platform_linux_facts *f)
{
    linux_full(f);
}

/* ---- Linux: HostConfig ------------------------------------------------ */

#define MB (1024 * 1024LL)

struct lx_case {
    const char *name;
    void (*host)(struct platform_linux_facts *f);
    struct platform_host_config in;
    bool update;
    const char *error;
    const char *warn[MAX_WARN];
    void (*check)(const struct platform_host_config *hc);
};

static void want_swappiness_unset(const struct platform_host_config *hc)
{
    assert_false(hc->res.memory_swappiness.set);
}

static void want_memory_discarded(const struct platform_host_config *hc)
{
    assert_int_equal(hc->res.memory, 0);
    assert_int_equal(hc->res.memory_swap, -1);
}

static void want_swap_unlimited(const struct platform_host_config *hc)
{
    assert_int_equal(hc->res.memory, 64 * MB);
    assert_int_equal(hc->res.memory_swap, -1);
}

static void want_reservation_zero(const struct platform_host_config *hc)
{
    assert_int_equal(hc->res.memory_reservation, 0);
}

static void want_kernel_memory_zero(const struct platform_host_config *hc)
{
    assert_int_equal(hc->res.kernel_memory, 0);
}

/* Discarded to null, then given the create default: false. */
static void want_oom_off(const struct platform_host_config *hc)
{
    assert_true(hc->res.oom_kill_disable.set);
    assert_false(hc->res.oom_kill_disable.v);
}

static void want_pids_unset(const struct platform_host_config *hc)
{
    assert_false(hc->res.pids_limit.set);
}

static void want_pids_kept(const struct platform_host_config *hc)
{
    assert_true(hc->res.pids_limit.set);
    assert_int_equal(hc->res.pids_limit.v, 0);
}

static void want_shares_zero(const struct platform_host_config *hc)
{
    assert_int_equal(hc->res.cpu_shares, 0);
}

static void want_cfs_zero(const struct platform_host_config *hc)
{
    assert_int_equal(hc->res.cpu_period, 0);
    assert_int_equal(hc->res.cpu_quota, 0);
}

static void want_percent_zero(const struct platform_host_config *hc)
{
    assert_int_equal(hc->res.cpu_percent, 0);
}

static void want_cpuset_cleared(const struct platform_host_config *hc)
{
    assert_string_equal(hc->res.cpuset_cpus, "");
    assert_string_equal(hc->res.cpuset_mems, "");
}

static void want_weight_zero(const struct platform_host_config *hc)
{
    assert_int_equal(hc->res.blkio_weight, 0);
}

static void want_devices_cleared(const struct platform_host_config *hc)
{
    assert_int_equal(hc->res.n_blkio_weight_device, 0);
    assert_int_equal(hc->res.n_blkio_read_bps, 0);
    assert_int_equal(hc->res.n_blkio_write_bps, 0);
    assert_int_equal(hc->res.n_blkio_read_iops, 0);
    assert_int_equal(hc->res.n_blkio_write_iops, 0);
}

static void want_runtime_default(const struct platform_host_config *hc)
{
    assert_string_equal(hc->runtime, "runc");
}

/* dockerd's create-time defaults on a cgroup v2 host. */
static void want_defaults(const struct platform_host_config *hc)
{
    assert_int_equal(hc->res.memory_swap, 128 * MB);
    assert_int_equal(hc->shm_size, 64 * MB);
    assert_string_equal(hc->ipc_mode, "private");
    assert_string_equal(hc->cgroupns_mode, "private");
    assert_true(hc->res.oom_kill_disable.set);
    assert_false(hc->res.oom_kill_disable.v);
    assert_string_equal(hc->runtime, "runc");
    assert_int_equal(hc->res.cpu_shares, 262144);
}

static void want_no_defaults(const struct platform_host_config *hc)
{
    assert_int_equal(hc->res.memory_swap, 0);
    assert_int_equal(hc->shm_size, 0);
    assert_null(hc->ipc_mode);
    assert_null(hc->cgroupns_mode);
    assert_false(hc->res.oom_kill_disable.set);
    assert_null(hc->runtime);
}

#define KERNEL_LACKS(what) "Your kernel does not support " what " or the cgroup is not mounted. "

static const char *const tmpfs_rel[] = {"/ok", "run", NULL};
static const char *const tmpfs_root[] = {"//", NULL};
static const char *const caps_bad[] = {"NET_ADMIN", "foo", NULL};
static const char *const caps_ok[] = {"net_raw", "CAP_SYS_ADMIN", "all", NULL};

static const struct lx_case lx_cases[] = {
    /* 1-8: memory */
    {"1 swappiness -1 is unset",
     linux_full,
     {.res.memory_swappiness = {true, -1}},
     false,
     NULL,
     {NULL},
     want_swappiness_unset},
    {"2 memory below 6MB",
     linux_full,
     {.res.memory = 4 * MB},
     false,
     "Minimum memory limit allowed is 6MB",
     {NULL},
     NULL},
    {"2 memory of exactly 6MB", linux_full, {.res.memory = 6 * MB}, false, NULL, {NULL}, NULL},
    {"3 no memory cgroup",
     linux_bare,
     {.res.memory = 64 * MB},
     false,
     NULL,
     {KERNEL_LACKS("memory limit capabilities") "Limitation discarded."},
     want_memory_discarded},
    {"4 no swap accounting",
     linux_noswap,
     {.res.memory = 64 * MB},
     false,
     NULL,
     {KERNEL_LACKS("swap limit capabilities") "Memory limited without swap."},
     want_swap_unlimited},
    {"5 swap below memory",
     linux_full,
     {.res = {.memory = 64 * MB, .memory_swap = 32 * MB}},
     false,
     "Minimum memoryswap limit should be larger than memory limit, see usage",
     {NULL},
     NULL},
    {"6 swap without memory",
     linux_full,
     {.res.memory_swap = 32 * MB},
     false,
     "You should always set the Memory limit when using Memoryswap limit, see usage",
     {NULL},
     NULL},
    {"6 swap without memory on update",
     linux_full,
     {.res.memory_swap = 32 * MB},
     true,
     NULL,
     {NULL},
     NULL},
    {"7 swappiness unsupported",
     linux_bare,
     {.res.memory_swappiness = {true, 60}},
     false,
     NULL,
     {KERNEL_LACKS("memory swappiness capabilities") "Memory swappiness discarded."},
     want_swappiness_unset},
    {"8 swappiness out of range",
     linux_full,
     {.res.memory_swappiness = {true, 101}},
     false,
     "Invalid value: 101, valid memory swappiness range is 0-100",
     {NULL},
     NULL},
    /* 9-13: reservations and kernel memory */
    {"9 reservation unsupported",
     linux_bare,
     {.res.memory_reservation = 64 * MB},
     false,
     NULL,
     {KERNEL_LACKS("memory soft limit capabilities") "Limitation discarded."},
     want_reservation_zero},
    {"10 reservation below 6MB",
     linux_full,
     {.res.memory_reservation = MB},
     false,
     "Minimum memory reservation allowed is 6MB",
     {NULL},
     NULL},
    {"11 memory below reservation",
     linux_full,
     {.res = {.memory = 64 * MB, .memory_reservation = 128 * MB}},
     false,
     "Minimum memory limit can not be less than memory reservation limit, see usage",
     {NULL},
     NULL},
    {"12 kernel memory unsupported",
     linux_bare,
     {.res.kernel_memory = 64 * MB},
     false,
     NULL,
     {KERNEL_LACKS("kernel memory limit capabilities") "Limitation discarded."},
     want_kernel_memory_zero},
    {"13 kernel memory below 6MB",
     linux_full,
     {.res.kernel_memory = MB},
     false,
     "Minimum kernel memory limit allowed is 6MB",
     {NULL},
     NULL},
    /* 14-16: OOM killer and pids */
    {"14 oom-kill-disable unsupported",
     linux_bare,
     {.res.oom_kill_disable = {true, true}},
     false,
     NULL,
     {"Your kernel does not support OomKillDisable. OomKillDisable discarded."},
     want_oom_off},
    {"14 oom-kill-disable false unsupported, silently",
     linux_bare,
     {.res.oom_kill_disable = {true, false}},
     false,
     NULL,
     {NULL},
     want_oom_off},
    {"15 oom-kill-disable without memory",
     linux_full,
     {.res.oom_kill_disable = {true, true}},
     false,
     NULL,
     {"OOM killer is disabled for the container, but no memory limit is set, this can result "
      "in the system running out of resources."},
     NULL},
    {"15 oom-kill-disable with memory",
     linux_full,
     {.res = {.memory = 64 * MB, .oom_kill_disable = {true, true}}},
     false,
     NULL,
     {NULL},
     NULL},
    {"16 pids unsupported",
     linux_bare,
     {.res.pids_limit = {true, 100}},
     false,
     NULL,
     {KERNEL_LACKS("PIDs limit capabilities") "PIDs limit discarded."},
     want_pids_unset},
    {"16 pids 0 is unlimited",
     linux_full,
     {.res.pids_limit = {true, 0}},
     false,
     NULL,
     {NULL},
     want_pids_unset},
    {"16 pids 0 on update lifts the limit",
     linux_full,
     {.res.pids_limit = {true, 0}},
     true,
     NULL,
     {NULL},
     want_pids_kept},
    /* 17-25: CPU */
    {"17 nano cpus with period",
     linux_full,
     {.res = {.nano_cpus = 1000000000, .cpu_period = 1}},
     false,
     "Conflicting options: Nano CPUs and CPU Period cannot both be set",
     {NULL},
     NULL},
    {"18 nano cpus with quota",
     linux_full,
     {.res = {.nano_cpus = 1000000000, .cpu_quota = 1}},
     false,
     "Conflicting options: Nano CPUs and CPU Quota cannot both be set",
     {NULL},
     NULL},
    {"19 nano cpus without CFS",
     linux_bare,
     {.res.nano_cpus = 1000000000},
     false,
     "NanoCPUs can not be set, as your kernel does not support CPU CFS scheduler or the cgroup "
     "is not mounted",
     {NULL},
     NULL},
    {"20 nano cpus above the host",
     linux_full,
     {.res.nano_cpus = 99000000000},
     false,
     "range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available",
     {NULL},
     NULL},
    {"20 negative nano cpus",
     linux_full,
     {.res.nano_cpus = -1},
     false,
     "range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available",
     {NULL},
     NULL},
    {"21 shares unsupported",
     linux_bare,
     {.res.cpu_shares = 512},
     false,
     NULL,
     {"Your kernel does not support CPU shares or the cgroup is not mounted. Shares discarded."},
     want_shares_zero},
    {"22 period and quota without CFS",
     linux_bare,
     {.res = {.cpu_period = 100000, .cpu_quota = 50000}},
     false,
     NULL,
     {"Your kernel does not support CPU CFS scheduler. CPU period/quota discarded."},
     want_cfs_zero},
    {"23 period too small",
     linux_full,
     {.res.cpu_period = 999},
     false,
     "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)",
     {NULL},
     NULL},
    {"23 period too large",
     linux_full,
     {.res.cpu_period = 1000001},
     false,
     "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)",
     {NULL},
     NULL},
    {"24 quota too small",
     linux_full,
     {.res.cpu_quota = 999},
     false,
     "CPU cfs quota can not be less than 1ms (i.e. 1000)",
     {NULL},
     NULL},
    {"25 cpu percent",
     linux_full,
     {.res.cpu_percent = 50},
     false,
     NULL,
     {"linux does not support CPU percent. Percent discarded."},
     want_percent_zero},
    /* 26-29: cpuset */
    {"26 cpuset unsupported",
     linux_bare,
     {.res = {.cpuset_cpus = (char *)"0", .cpuset_mems = (char *)"0"}},
     false,
     NULL,
     {"Your kernel does not support cpuset or the cgroup is not mounted. Cpuset discarded."},
     want_cpuset_cleared},
    {"27 cpuset cpus bad format",
     linux_full,
     {.res.cpuset_cpus = (char *)"1-a"},
     false,
     "Invalid value 1-a for cpuset cpus: invalid format: 1-a",
     {NULL},
     NULL},
    {"27 cpuset cpus reversed range",
     linux_full,
     {.res.cpuset_cpus = (char *)"1-0"},
     false,
     "Invalid value 1-0 for cpuset cpus: invalid format: 1-0",
     {NULL},
     NULL},
    {"27 cpuset cpus out of range",
     linux_full,
     {.res.cpuset_cpus = (char *)"0,9000"},
     false,
     "Invalid value 0,9000 for cpuset cpus: value of out range, maximum is 8192",
     {NULL},
     NULL},
    {"28 cpuset cpus absent",
     linux_full,
     {.res.cpuset_cpus = (char *)"0-3"},
     false,
     "Requested CPUs are not available - requested 0-3, available: 0-1",
     {NULL},
     NULL},
    {"28 cpuset cpus present",
     linux_full,
     {.res.cpuset_cpus = (char *)"0,1"},
     false,
     NULL,
     {NULL},
     NULL},
    {"29 cpuset mems bad format",
     linux_full,
     {.res.cpuset_mems = (char *)"x"},
     false,
     "Invalid value x for cpuset mems: invalid format: x",
     {NULL},
     NULL},
    {"29 cpuset mems absent",
     linux_full,
     {.res.cpuset_mems = (char *)"1"},
     false,
     "Requested memory nodes are not available - requested 1, available: 0",
     {NULL},
     NULL},
    /* 30-33: block I/O */
    {"30 blkio weight unsupported",
     linux_bare,
     {.res.blkio_weight = 500},
     false,
     NULL,
     {KERNEL_LACKS("Block I/O weight") "Weight discarded."},
     want_weight_zero},
    {"31 blkio weight out of range",
     linux_full,
     {.res.blkio_weight = 5},
     false,
     "Range of blkio weight is from 10 to 1000",
     {NULL},
     NULL},
    {"32 maximum IOps",
     linux_full,
     {.res.io_maximum_iops = 100},
     false,
     "Invalid QoS settings: linux does not support Maximum IO Bandwidth or Maximum IO IOps",
     {NULL},
     NULL},
    {"32 maximum bandwidth",
     linux_full,
     {.res.io_maximum_bandwidth = 100},
     false,
     "Invalid QoS settings: linux does not support Maximum IO Bandwidth or Maximum IO IOps",
     {NULL},
     NULL},
    {"33 device limits unsupported",
     linux_bare,
     {.res = {.n_blkio_weight_device = 1,
              .n_blkio_read_bps = 1,
              .n_blkio_write_bps = 1,
              .n_blkio_read_iops = 1,
              .n_blkio_write_iops = 1}},
     false,
     NULL,
     {KERNEL_LACKS("Block I/O weight_device") "Weight-device discarded.",
      KERNEL_LACKS("BPS Block I/O read limit") "Block I/O BPS read limit discarded.",
      KERNEL_LACKS("BPS Block I/O write limit") "Block I/O BPS write limit discarded.",
      KERNEL_LACKS("IOPS Block read limit") "Block I/O IOPS read limit discarded.",
      KERNEL_LACKS("IOPS Block write limit") "Block I/O IOPS write limit discarded."},
     want_devices_cleared},
    /* 34-43: settings */
    {"34 IPC mode",
     linux_full,
     {.ipc_mode = (char *)"bogus"},
     false,
     "invalid IPC mode: bogus",
     {NULL},
     NULL},
    {"34 IPC mode of a container",
     linux_full,
     {.ipc_mode = (char *)"container:abc"},
     false,
     NULL,
     {NULL},
     NULL},
    {"34 PID mode without a container",
     linux_full,
     {.pid_mode = (char *)"container:"},
     false,
     "invalid PID mode: container:",
     {NULL},
     NULL},
    {"34 UTS mode",
     linux_full,
     {.uts_mode = (char *)"private"},
     false,
     "invalid UTS mode: private",
     {NULL},
     NULL},
    {"34 cgroup namespace mode",
     linux_full,
     {.cgroupns_mode = (char *)"shared"},
     false,
     "invalid cgroup namespace mode: shared",
     {NULL},
     NULL},
    {"35 negative SHM size",
     linux_full,
     {.shm_size = -1},
     false,
     "SHM size can not be less than 0",
     {NULL},
     NULL},
    {"36 OOM score adjustment",
     linux_full,
     {.oom_score_adj = 1001},
     false,
     "Invalid value 1001, range for oom score adj is [-1000, 1000]",
     {NULL},
     NULL},
    {"38 host network with ports",
     linux_full,
     {.network_mode = (char *)"host", .n_port_bindings = 1},
     false,
     NULL,
     {"Published ports are discarded when using host network mode"},
     NULL},
    {"41 unknown runtime",
     linux_full,
     {.runtime = (char *)"kata"},
     false,
     "unknown or invalid runtime name: kata",
     {NULL},
     NULL},
    {"41 empty runtime is the default",
     linux_full,
     {.runtime = (char *)""},
     false,
     NULL,
     {NULL},
     want_runtime_default},
    {"42 relative tmpfs",
     linux_full,
     {.tmpfs = (char **)tmpfs_rel},
     false,
     "invalid mount path: 'run' mount path must be absolute",
     {NULL},
     NULL},
    {"42 tmpfs on /",
     linux_full,
     {.tmpfs = (char **)tmpfs_root},
     false,
     "invalid specification: destination can't be '/'",
     {NULL},
     NULL},
    {"43 private cgroupns unsupported",
     linux_bare,
     {.cgroupns_mode = (char *)"private"},
     false,
     NULL,
     {"Your kernel does not support cgroup namespaces.  Cgroup namespace setting discarded."},
     NULL},
    /* checks made while decoding */
    {"real-time unsupported",
     linux_bare,
     {.res.cpu_rt_runtime = 1000},
     false,
     "kernel does not support CPU real-time scheduler",
     {NULL},
     NULL},
    {"real-time runtime above period",
     linux_full,
     {.res = {.cpu_rt_period = 1000, .cpu_rt_runtime = 2000}},
     false,
     "cpu real-time runtime cannot be higher than cpu real-time period",
     {NULL},
     NULL},
    {"negative shares",
     linux_full,
     {.res.cpu_shares = -2},
     false,
     "invalid CPU shares (-2): value must be a positive integer",
     {NULL},
     NULL},
    /* common HostConfig checks */
    {"auto-remove with restart",
     linux_full,
     {.auto_remove = true, .restart_name = (char *)"always"},
     false,
     "can't create 'AutoRemove' container with restart policy",
     {NULL},
     NULL},
    {"auto-remove with no restart",
     linux_full,
     {.auto_remove = true, .restart_name = (char *)"no"},
     false,
     NULL,
     {NULL},
     NULL},
    {"unknown restart policy",
     linux_full,
     {.restart_name = (char *)"sometimes"},
     false,
     "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', "
     "'on-failure', or 'unless-stopped'",
     {NULL},
     NULL},
    {"retry count with always",
     linux_full,
     {.restart_name = (char *)"always", .restart_max_retry = 3},
     false,
     "invalid restart policy: maximum retry count can only be used with 'on-failure'",
     {NULL},
     NULL},
    {"negative retry count with no",
     linux_full,
     {.restart_name = (char *)"no", .restart_max_retry = -1},
     false,
     "invalid restart policy: maximum retry count can only be used with 'on-failure' and cannot "
     "be negative",
     {NULL},
     NULL},
    {"negative retry count with on-failure",
     linux_full,
     {.restart_name = (char *)"on-failure", .restart_max_retry = -1},
     false,
     "invalid restart policy: maximum retry count cannot be negative",
     {NULL},
     NULL},
    {"unknown capability",
     linux_full,
     {.cap_add = (char **)caps_bad},
     false,
     "invalid CapAdd: unknown capability: \"CAP_FOO\"",
     {NULL},
     NULL},
    {"unknown capability dropped",
     linux_full,
     {.cap_drop = (char **)caps_bad},
     false,
     "invalid CapDrop: unknown capability: \"CAP_FOO\"",
     {NULL},
     NULL},
    {"known capabilities",
     linux_full,
     {.cap_add = (char **)caps_ok, .cap_drop = (char **)caps_ok},
     false,
     NULL,
     {NULL},
     NULL},
    {"hyper-v isolation",
     linux_full,
     {.isolation = (char *)"hyperv"},
     false,
     "invalid isolation 'hyperv' on linux",
     {NULL},
     NULL},
    {"process isolation", linux_full, {.isolation = (char *)"process"}, false, NULL, {NULL}, NULL},
    {"default isolation, any case",
     linux_full,
     {.isolation = (char *)"Default"},
     false,
     NULL,
     {NULL},
     NULL},
    /* create-time defaults */
    {"defaults on create",
     linux_full,
     {.res = {.memory = 64 * MB, .cpu_shares = 300000}},
     false,
     NULL,
     {NULL},
     want_defaults},
    {"no defaults on update", linux_full, {.shm_size = 0}, true, NULL, {NULL}, want_no_defaults},
};

static struct platform *linux_platform(void (*host)(struct platform_linux_facts *f))
{
    struct platform_linux_facts f;

    host(&f);
    return platform_linux_new(&f);
}

static void linux_host_config(void **state)
{
    struct platform_runtimes rt = {0};

    (void)state;
    platform_runtimes_add(&rt, "runc", "/usr/sbin/runc");
    rt.default_name = xstrdup("runc");
    fake_forwarding_off = false;
    for (size_t i = 0; i < ARRAY_SIZE(lx_cases); i++) {
        const struct lx_case *c = &lx_cases[i];
        struct platform *p = linux_platform(c->host);
        struct platform_host_config hc;
        _cleanup_strv_ char **warns = NULL;
        struct berr err = BERR_INIT;
        int rc;

        hc_copy(&hc, &c->in);
        rc = p->ops->verify_host_config(p, &hc, c->update, &rt, &warns, &err);
        assert_error(rc, &err, c->error, c->name);
        assert_warnings(warns, c->warn, c->name);
        if (c->check)
            c->check(&hc);
        berr_clear(&err);
        platform_host_config_release(&hc);
        platform_free(p);
    }
    platform_runtimes_release(&rt);
}

static void linux_forwarding_and_cgroup_parent(void **state)
{
    struct platform *p = linux_platform(linux_systemd);
    struct platform_host_config hc = {0};
    _cleanup_strv_ char **warns = NULL;
    const char *opts[] = {"native.cgroupdriver=systemd", NULL};
    struct berr err = BERR_INIT;

    (void)state;
    /* 37: forwarding off warns unless the container uses the host's or no network */
    fake_forwarding_off = true;
    assert_int_equal(p->ops->verify_host_config(p, &hc, true, NULL, &warns, &err), 0);
    assert_int_equal(strv_len(warns), 1);
    assert_string_equal(warns[0], "IPv4 forwarding is disabled. Networking will not work.");
    hc.network_mode = (char *)"none";
    assert_int_equal(p->ops->verify_host_config(p, &hc, true, NULL, &warns, &err), 0);
    assert_int_equal(strv_len(warns), 1);
    fake_forwarding_off = false;
    hc.network_mode = NULL;

    /* 40: the systemd driver wants a slice */
    assert_int_equal(p->ops->set_default_isolation(p, (char *const *)opts, &err), 0);
    hc.res.cgroup_parent = (char *)"mine";
    assert_int_equal(p->ops->verify_host_config(p, &hc, true, NULL, &warns, &err), -1);
    assert_string_equal(berr_msg(&err),
                        "cgroup-parent for systemd cgroup should be a valid slice named as "
                        "\"xxx.slice\"");
    berr_clear(&err);
    hc.res.cgroup_parent = (char *)".slice";
    assert_int_equal(p->ops->verify_host_config(p, &hc, true, NULL, &warns, &err), -1);
    berr_clear(&err);
    hc.res.cgroup_parent = (char *)"my.slice";
    assert_int_equal(p->ops->verify_host_config(p, &hc, true, NULL, &warns, &err), 0);
    platform_free(p);
}

/* ---- Linux: exec-opts, system check, runtimes, helpers ---------------- */

static const struct iso_case lx_iso_cases[] = {
    {"no exec-opts", false, {NULL}, NULL, PLATFORM_ISOLATION_PROCESS},
    {"cgroupfs driver", false, {"native.cgroupdriver=cgroupfs"}, NULL, PLATFORM_ISOLATION_PROCESS},
    {"systemd driver, any key case",
     false,
     {"Native.CgroupDriver=systemd"},
     NULL,
     PLATFORM_ISOLATION_PROCESS},
    {"unknown driver",
     false,
     {"native.cgroupdriver=lxc"},
     "native.cgroupdriver option lxc not supported",
     PLATFORM_ISOLATION_PROCESS},
    {"process isolation", false, {"isolation=process"}, NULL, PLATFORM_ISOLATION_PROCESS},
    {"default isolation", false, {"isolation=default"}, NULL, PLATFORM_ISOLATION_PROCESS},
    {"hyper-v isolation",
     false,
     {"isolation=hyperv"},
     "Invalid exec-opt value for 'isolation':'hyperv'",
     PLATFORM_ISOLATION_PROCESS},
    {"unknown key",
     false,
     {"native.cgroupdriver=systemd", "dns=1.1.1.1"},
     "Unrecognised exec-opt 'dns'",
     PLATFORM_ISOLATION_PROCESS},
};

static void linux_exec_opts(void **state)
{
    struct platform *p = linux_platform(linux_full);
    const char *opts[] = {"native.cgroupdriver=systemd", NULL};

    (void)state;
    run_iso_cases(lx_iso_cases, ARRAY_SIZE(lx_iso_cases), false);
    assert_int_equal(p->ops->set_default_isolation(p, (char *const *)opts, NULL), 0);
    assert_true(p->systemd_cgroup);
    platform_free(p);
}

static void linux_check_system(void **state)
{
    static const struct {
        const char *name, *kernel;
        bool overlay, v1, v2;
        const char *missing, *broken, *error;
    } cases[] = {
        {"all there", "6.1.0", true, false, true, NULL, NULL, NULL},
        {"hybrid cgroups", "5.10.0-28-amd64", true, true, true, NULL, NULL, NULL},
        {"v1 cgroups", "4.19.0", true, true, false, NULL, NULL, NULL},
        {"old kernel", "3.10.0-1160.el7", true, true, false, NULL, NULL,
         "Your Linux kernel version 3.10.0-1160.el7 is not supported for running berth. Please "
         "upgrade your kernel to 4.0.0 or newer."},
        {"no overlayfs", "6.1.0", false, false, true, NULL, NULL,
         "overlayfs is not available: load the overlay module (modprobe overlay) or use a "
         "kernel built with CONFIG_OVERLAY_FS"},
        {"no cgroups", "6.1.0", true, false, false, NULL, NULL,
         "no cgroup hierarchy is mounted under /sys/fs/cgroup: mount cgroup2 there (or the "
         "cgroup v1 controllers)"},
        {"no conmon", "6.1.0", true, false, true, "conmon", NULL,
         "conmon, the container monitor, was not found on PATH: install it (apt-get install "
         "conmon)"},
        {"conmon does not run", "6.1.0", true, false, true, NULL, "conmon",
         "conmon at /usr/bin/conmon does not run ('/usr/bin/conmon --version' failed): "
         "reinstall it (apt-get install --reinstall conmon)"},
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct platform_linux_facts f;
        struct platform *p;
        struct berr err = BERR_INIT;
        int rc;

        linux_full(&f);
        snprintf(f.kernel, sizeof(f.kernel), "%s", cases[i].kernel);
        f.overlayfs = cases[i].overlay;
        f.cgroup_v1 = cases[i].v1;
        f.cgroup_v2 = cases[i].v2;
        fake_missing = cases[i].missing;
        fake_broken = cases[i].broken;
        p = platform_linux_new(&f);
        rc = p->ops->check_system(p, &err);
        if (cases[i].error) {
            assert_int_equal(rc, -1);
            assert_string_equal(berr_msg(&err), cases[i].error);
        } else {
            assert_int_equal(rc, 0);
        }
        berr_clear(&err);
        platform_free(p);
    }
    fake_missing = fake_broken = NULL;
}

static void linux_runtime(void **state)
{
    static const struct {
        const char *name;
        bool hybrid;
        const char *hybrid_controllers, *missing, *broken, *configured, *chosen;
        const char *error, *want, *want_crun_path;
    } cases[] = {
        {"crun by default", false, "", NULL, NULL, NULL, NULL, NULL, "crun", "/usr/bin/crun"},
        {"crun on a plain hybrid host", true, "", NULL, NULL, NULL, NULL, NULL, "crun", NULL},
        {"runc when crun cannot run here", true, "hugetlb", NULL, NULL, NULL, NULL, NULL, "runc",
         NULL},
        {"crun when it is all there is", true, "hugetlb", "runc", NULL, NULL, NULL, NULL, "crun",
         NULL},
        {"runc without crun", false, "", "crun", NULL, NULL, NULL, NULL, "runc", NULL},
        {"no runtime at all", false, "", "crun runc", NULL, NULL, NULL,
         "no OCI runtime was found on PATH: install crun or runc (apt-get install runc)", NULL,
         NULL},
        {"the user's choice", true, "hugetlb", NULL, NULL, NULL, "crun", NULL, "crun", NULL},
        {"the user's own runtime", false, "", NULL, NULL, "/opt/kata", "kata", NULL, "kata", NULL},
        {"a configured path is kept", false, "", NULL, NULL, "/opt/crun", NULL, NULL, "crun",
         "/opt/crun"},
        {"an unknown default", false, "", NULL, NULL, NULL, "kata",
         "specified default runtime 'kata' does not exist", NULL, NULL},
        {"a runtime that does not run", false, "", NULL, "crun", NULL, NULL,
         "OCI runtime crun at /usr/bin/crun does not run ('/usr/bin/crun --version' failed): "
         "reinstall it or choose another with --default-runtime",
         NULL, NULL},
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct platform_linux_facts f;
        struct platform_runtimes rt = {0};
        struct platform *p;
        struct berr err = BERR_INIT;
        int rc;

        linux_full(&f);
        f.cgroup_v1 = cases[i].hybrid;
        snprintf(f.unified_controllers, sizeof(f.unified_controllers), "%s",
                 cases[i].hybrid_controllers);
        fake_missing = cases[i].missing;
        fake_broken = cases[i].broken;
        if (cases[i].configured)
            platform_runtimes_add(&rt, cases[i].chosen ? cases[i].chosen : "crun",
                                  cases[i].configured);
        rt.default_name = dup_or_null(cases[i].chosen);
        p = platform_linux_new(&f);
        rc = p->ops->select_runtime(p, &rt, &err);
        assert_int_equal(platform_linux_crun_blocked(&f),
                         cases[i].hybrid && *cases[i].hybrid_controllers);
        if (cases[i].error) {
            assert_int_equal(rc, -1);
            assert_string_equal(berr_msg(&err), cases[i].error);
        } else {
            assert_int_equal(rc, 0);
            assert_string_equal(rt.default_name, cases[i].want);
        }
        if (cases[i].want_crun_path)
            assert_string_equal(platform_runtimes_find(&rt, "crun")->path, cases[i].want_crun_path);
        berr_clear(&err);
        platform_runtimes_release(&rt);
        platform_free(p);
    }
    fake_missing = fake_broken = NULL;
}

static void linux_startup_helpers(void **state)
{
    static const struct {
        long nofile;
        int n, limit, want;
    } cases[] = {
        {1048576, 10, 256, 256}, /* plenty of files */
        {1024, 10, 4096, 4096},  /* few jobs */
        {1024, 600, 256, 256},   /* a limit that fits */
        {100, 100, 256, 50},     /* too few files: half of them */
        {-1, 100, 256, 256},     /* unknown limit */
    };
    struct platform_linux_facts f;
    struct platform_host_config hc = {0};
    struct platform *p;
    _cleanup_free_ char *plugins = NULL;

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        linux_full(&f);
        f.nofile_soft = cases[i].nofile;
        p = platform_linux_new(&f);
        assert_int_equal(p->ops->parallel_limit(p, cases[i].n, cases[i].limit), cases[i].want);
        platform_free(p);
    }

    p = linux_platform(linux_full);
    assert_true(p->ops->mount_on_start(p, &hc));
    plugins = p->ops->plugin_exec_root(p, "/var/lib/berth", "/run/berth");
    assert_string_equal(plugins, "/run/berth/plugins");
    assert_string_equal(p->ops->os, "linux");
    assert_true(p->ops->features.seccomp);
    assert_true(p->ops->features.resolv_conf);
    platform_free(p);
}

/* The probe of this very host: whatever it is, the facts are coherent. */
static void linux_probe_this_host(void **state)
{
    struct platform_linux_facts f;
    _cleanup_free_ char *sh = NULL;

    (void)state;
    platform_linux_probe(&f);
    assert_true(f.ncpu >= 1);
    assert_true(f.cpus[0] != '\0');
    assert_true(f.mems[0] != '\0');
    assert_true(f.kernel[0] != '\0');
    sh = f.find_binary("sh");
    assert_non_null(sh);
    assert_true(sh[0] == '/');
    assert_true(f.binary_runs("/bin/true"));
    assert_false(f.binary_runs("/bin/false"));
    assert_null(f.find_binary("no-such-binary-berth"));
}

/* ---- engine/platform.c: HostConfig JSON ------------------------------- */

struct engine_fixture {
    struct berth_config cfg;
    struct engine e;
};

static struct engine_fixture *engine_fixture(void (*host)(struct platform_linux_facts *f))
{
    struct engine_fixture *fx = xcalloc(1, sizeof(*fx));

    config_add_runtime(&fx->cfg, "runc", "/usr/sbin/runc");
    fx->cfg.default_runtime = xstrdup("runc");
    fx->cfg.data_root = xstrdup("/var/lib/berth");
    fx->cfg.exec_root = xstrdup("/run/berth");
    fx->e.cfg = &fx->cfg;
    fx->e.platform = linux_platform(host);
    return fx;
}

static void engine_fixture_free(struct engine_fixture *fx)
{
    platform_free(fx->e.platform);
    config_release(&fx->cfg);
    free(fx);
}

static json_t *parse(const char *text)
{
    json_t *j = json_loads(text, 0, NULL);

    assert_non_null(j);
    return j;
}

static void engine_json_error_is_exact(void **state)
{
    struct engine_fixture *fx = engine_fixture(linux_full);
    _cleanup_json_ json_t *hc = parse("{\"Memory\": 4194304, \"MemorySwap\": -1}");
    _cleanup_json_ json_t *warns = json_array();
    struct berr err = BERR_INIT;

    (void)state;
    assert_int_equal(engine_platform_verify_host_config(&fx->e, hc, warns, false, &err), -1);
    assert_int_equal(berr_http_status(err.kind), 400);
    assert_string_equal(berr_msg(&err), "Minimum memory limit allowed is 6MB");
    berr_clear(&err);

    /* A request without a HostConfig passes untouched. */
    assert_int_equal(engine_platform_verify_host_config(&fx->e, NULL, warns, false, &err), 0);
    assert_int_equal(json_array_size(warns), 0);
    engine_fixture_free(fx);
}

/* What the docker CLI sends for `run --oom-kill-disable --cpu-percent 50`
 * with device limits, on a host whose cgroups enforce nothing. */
static void engine_json_discarded_values_are_written_back(void **state)
{
    struct engine_fixture *fx = engine_fixture(linux_bare);
    _cleanup_json_ json_t *hc =
        parse("{\"OomKillDisable\": true, \"MemorySwappiness\": -1, \"PidsLimit\": 0,"
              " \"CpuPercent\": 50, \"CpuShares\": 512, \"CpusetCpus\": \"0\","
              " \"BlkioDeviceReadBps\": [{\"Path\": \"/dev/sda\", \"Rate\": 1}],"
              " \"NetworkMode\": \"default\", \"RestartPolicy\": {\"Name\": \"no\"}}");
    _cleanup_json_ json_t *warns = json_array();
    struct berr err = BERR_INIT;

    (void)state;
    assert_int_equal(engine_platform_verify_host_config(&fx->e, hc, warns, false, &err), 0);
    assert_int_equal(json_array_size(warns), 5);
    assert_string_equal(json_string_value(json_array_get(warns, 0)),
                        "Your kernel does not support OomKillDisable. OomKillDisable discarded.");
    assert_string_equal(json_string_value(json_array_get(warns, 2)),
                        "linux does not support CPU percent. Percent discarded.");

    assert_true(json_is_null(json_object_get(hc, "MemorySwappiness")));
    assert_true(json_is_null(json_object_get(hc, "PidsLimit")));
    assert_true(json_is_false(json_object_get(hc, "OomKillDisable"))); /* create default */
    assert_int_equal(json_get_int(hc, "CpuPercent", -1), 0);
    assert_int_equal(json_get_int(hc, "CpuShares", -1), 0);
    assert_string_equal(json_get_str(hc, "CpusetCpus", NULL), "");
    assert_int_equal(json_array_size(json_object_get(hc, "BlkioDeviceReadBps")), 0);
    assert_true(json_is_array(json_object_get(hc, "BlkioDeviceReadBps")));
    assert_string_equal(json_get_str(hc, "Runtime", NULL), "runc");
    assert_string_equal(json_get_str(hc, "IpcMode", NULL), "private");
    assert_int_equal(json_get_int(hc, "ShmSize", 0), 67108864);
    engine_fixture_free(fx);
}

static void engine_json_update_adds_nothing(void **state)
{
    struct engine_fixture *fx = engine_fixture(linux_full);
    _cleanup_json_ json_t *hc = parse("{\"Memory\": 67108864}");
    _cleanup_json_ json_t *warns = json_array();
    struct berr err = BERR_INIT;

    (void)state;
    assert_int_equal(engine_platform_verify_host_config(&fx->e, hc, warns, true, &err), 0);
    assert_int_equal(json_object_size(hc), 1);
    assert_int_equal(json_get_int(hc, "Memory", 0), 67108864);
    engine_fixture_free(fx);
}

static void engine_helpers(void **state)
{
    struct engine_fixture *fx = engine_fixture(linux_full);
    _cleanup_free_ char *plugins = engine_platform_plugin_exec_root(&fx->e);

    (void)state;
    assert_string_equal(plugins, "/run/berth/plugins");
    assert_true(engine_platform_mount_on_start(&fx->e, NULL));
    assert_true(engine_platform_parallel_limit(&fx->e, 10) >= 128);
    engine_fixture_free(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(windows_resources),
        cmocka_unit_test(windows_missing_host_config_passes),
        cmocka_unit_test(windows_isolation),
        cmocka_unit_test(windows_container_isolation),
        cmocka_unit_test(windows_check_system),
        cmocka_unit_test(windows_runtime),
        cmocka_unit_test(windows_startup_helpers),
        cmocka_unit_test(linux_host_config),
        cmocka_unit_test(linux_forwarding_and_cgroup_parent),
        cmocka_unit_test(linux_exec_opts),
        cmocka_unit_test(linux_check_system),
        cmocka_unit_test(linux_runtime),
        cmocka_unit_test(linux_startup_helpers),
        cmocka_unit_test(linux_probe_this_host),
        cmocka_unit_test(engine_json_error_is_exact),
        cmocka_unit_test(engine_json_discarded_values_are_written_back),
        cmocka_unit_test(engine_json_update_adds_nothing),
        cmocka_unit_test(engine_helpers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
