/* platform: the OS policy layer (the seed's layer).
 *
 * One table of operations, struct platform_ops, with two implementations:
 * Linux (platform_linux_new, used on this host) and Windows
 * (platform_windows_new, the seed's rules over berth's own types, built and
 * unit-tested everywhere).  Everything an implementation needs to know about
 * its OS comes from a facts struct the caller hands over (the tests fake
 * it), so the rules themselves are pure.
 *
 * This module knows nothing of JSON, HTTP or the engine: the engine converts
 * a HostConfig into struct platform_host_config, calls the operations and
 * writes the adjusted values back.
 *
 * Threads: a struct platform is set up at start-up (check_system,
 * set_default_isolation, select_runtime) from one thread; afterwards the
 * const operations (verify_host_config, parallel_limit, mount_on_start,
 * plugin_exec_root) may be called from any thread.
 */
#ifndef BERTH_PLATFORM_PLATFORM_H
#define BERTH_PLATFORM_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* A nullable integer of the API (MemorySwappiness, PidsLimit). */
struct platform_opt_i64 {
    bool set;
    int64_t v;
};

/* A nullable boolean of the API (OomKillDisable). */
struct platform_opt_bool {
    bool set;
    bool v;
};

/* The resource part of a HostConfig, in the API's units. */
struct platform_resources {
    int64_t cpu_shares;
    int64_t cpu_percent; /* Windows */
    int64_t cpu_count;   /* Windows */
    int64_t nano_cpus;
    int64_t memory;
    int64_t memory_swap;
    int64_t memory_reservation;
    struct platform_opt_i64 memory_swappiness;
    int64_t kernel_memory;
    struct platform_opt_bool oom_kill_disable;
    struct platform_opt_i64 pids_limit;
    int64_t cpu_period;
    int64_t cpu_quota;
    int64_t cpu_rt_period;
    int64_t cpu_rt_runtime;
    char *cpuset_cpus; /* owned; NULL or "" when unset */
    char *cpuset_mems;
    int64_t blkio_weight;
    size_t n_blkio_weight_device; /* the device lists only by count */
    size_t n_blkio_read_bps;
    size_t n_blkio_write_bps;
    size_t n_blkio_read_iops;
    size_t n_blkio_write_iops;
    char *cgroup_parent;
    size_t n_ulimits;
    int64_t io_maximum_iops;      /* Windows */
    int64_t io_maximum_bandwidth; /* Windows */
};

/* The HostConfig fields the platform rules look at.  Strings are owned
 * (NULL means absent); release with platform_host_config_release(). */
struct platform_host_config {
    struct platform_resources res;
    char *isolation;
    char *ipc_mode;
    char *pid_mode;
    char *uts_mode;
    char *cgroupns_mode;
    char *userns_mode;
    char *network_mode;
    char *runtime;
    int64_t shm_size;
    int64_t oom_score_adj;
    bool privileged;
    bool auto_remove;
    char *restart_name;
    int64_t restart_max_retry;
    char **cap_add;  /* NULL-terminated, may be NULL */
    char **cap_drop; /* NULL-terminated, may be NULL */
    char **tmpfs;    /* Tmpfs mount destinations, NULL-terminated */
    size_t n_port_bindings;
};

void platform_host_config_release(struct platform_host_config *hc);

enum platform_isolation {
    PLATFORM_ISOLATION_PROCESS = 0,
    PLATFORM_ISOLATION_HYPERV,
};

const char *platform_isolation_name(enum platform_isolation iso);

/* A registered OCI runtime. */
struct platform_runtime {
    char *name;
    char *path;
};

/* Input and output of select_runtime. */
struct platform_runtimes {
    struct platform_runtime *v; /* in: the configured ones; out: plus found */
    size_t n;
    char *default_name;          /* in: the user's choice or NULL; out: chosen */
    const char *containerd_addr; /* Windows: a configured containerd, or NULL */
};

void platform_runtimes_add(struct platform_runtimes *rt, const char *name, const char *path);
const struct platform_runtime *platform_runtimes_find(const struct platform_runtimes *rt,
                                                      const char *name);
void platform_runtimes_release(struct platform_runtimes *rt);

struct platform;

struct platform_ops {
    const char *os; /* "linux" or "windows", as GOOS */

    /* Refuse to start on a host that cannot run containers; the message
     * says what to install or change. */
    int (*check_system)(struct platform *p, struct berr *err);

    /* Parse exec-opts (NULL-terminated, may be NULL) and settle the
     * default isolation; logs the outcome. */
    int (*set_default_isolation)(struct platform *p, char *const *exec_opts, struct berr *err);

    /* Complete and check the runtime set, choosing the default one. */
    int (*select_runtime)(struct platform *p, struct platform_runtimes *rt, struct berr *err);

    /* Validate and adapt a container's HostConfig (NULL passes): values
     * the host cannot honour are zeroed with a warning appended to
     * *warnings (a strv); the first error is BERR_INVALID with the
     * reference message.  update is true for POST /containers/{id}/update.
     * known_runtimes checks HostConfig.Runtime (NULL skips the check). */
    int (*verify_host_config)(const struct platform *p, struct platform_host_config *hc,
                              bool update, const struct platform_runtimes *known_runtimes,
                              char ***warnings, struct berr *err);

    /* How many containers to start or restore at once: n is the number of
     * jobs, limit the engine's default. */
    int (*parallel_limit)(const struct platform *p, int n, int limit);

    /* Whether the container's root filesystem is mounted on the host when
     * it starts (and unmounted at clean-up). */
    bool (*mount_on_start)(const struct platform *p, const struct platform_host_config *hc);

    /* Where plugins keep their runtime state; the caller frees. */
    char *(*plugin_exec_root)(const struct platform *p, const char *data_root,
                              const char *exec_root);

    /* Which host set-up steps exist on this OS (the others are no-ops). */
    struct platform_features {
        bool links;           /* legacy container links */
        bool seccomp;         /* a default seccomp profile */
        bool resolv_conf;     /* resolv.conf written for containers */
        bool userns_remap;    /* user-namespace remapping of the daemon */
        bool init_layer;      /* the init layer over image layers */
        bool kernel_security; /* AppArmor/SELinux set-up */
        bool max_threads;     /* a thread limit derived from the kernel's */
    } features;
};

/* The common head of every implementation's state. */
struct platform {
    const struct platform_ops *ops;
    enum platform_isolation default_isolation;
    bool systemd_cgroup; /* exec-opt native.cgroupdriver=systemd (Linux) */
};

/* ---- Linux ---------------------------------------------------------- */

/* What the Linux rules need to know about the host. */
struct platform_linux_facts {
    char kernel[128]; /* uname release */
    bool overlayfs;   /* "overlay" in /proc/filesystems */
    int ncpu;
    char cpus[256];                /* online CPUs, list syntax ("0-3") */
    char mems[256];                /* online memory nodes */
    bool cgroup_v1;                /* v1 controllers mounted under /sys/fs/cgroup */
    bool cgroup_v2;                /* a cgroup2 mount (unified or hybrid) */
    char unified_controllers[256]; /* cgroup.controllers of the cgroup2 mount */
    long nofile_soft;              /* RLIMIT_NOFILE soft limit, -1 unknown */

    /* cgroup capabilities, as dockerd's sysinfo names them */
    bool memory_limit, swap_limit, memory_reservation, memory_swappiness, kernel_memory;
    bool oom_kill_disable, pids_limit, cpu_shares, cpu_cfs, cpu_realtime, cpuset;
    bool blkio_weight, blkio_weight_device, blkio_read_bps, blkio_write_bps;
    bool blkio_read_iops, blkio_write_iops, cgroupns;

    /* Binaries: an absolute path found on PATH (caller frees) or NULL, and
     * whether `path --version` runs.  Tests replace them. */
    char *(*find_binary)(const char *name);
    bool (*binary_runs)(const char *path);
    /* Read when a container is created: the daemon may turn it on later. */
    bool (*ipv4_forwarding_disabled)(void);
};

/* Read this host's facts. */
void platform_linux_probe(struct platform_linux_facts *f);

/* The Linux platform over the given facts (copied). */
struct platform *platform_linux_new(const struct platform_linux_facts *facts);

/* crun cannot run containers on a hybrid layout with controllers on the
 * cgroup2 mount; true when f describes such a host. */
bool platform_linux_crun_blocked(const struct platform_linux_facts *f);

/* ---- Windows -------------------------------------------------------- */

/* What the seed's rules ask of Windows. */
struct platform_windows_facts {
    int major_version;
    int build;
    bool client_sku; /* a client (not server) SKU */
    int ncpu;
    void *ctx; /* handed to the callbacks */
    /* Whether the system DLL loads. */
    bool (*dll_loadable)(void *ctx, const char *dll);
    /* Connect to the service manager, then open a service: 0, or -1 with
     * *why (caller frees) the OS's reason. */
    int (*connect_services)(void *ctx, char **why);
    int (*open_service)(void *ctx, const char *name, char **why);
};

#define PLATFORM_WINDOWS_RS5         17763
#define PLATFORM_WINDOWS_V1_RUNTIME  "com.docker.hcsshim.v1"
#define PLATFORM_WINDOWS_V2_RUNTIME  "io.containerd.runhcs.v1"
#define PLATFORM_WINDOWS_MIN_SHARES  1
#define PLATFORM_WINDOWS_MAX_SHARES  10000
#define PLATFORM_WINDOWS_MIN_PERCENT 1
#define PLATFORM_WINDOWS_MAX_PERCENT 100

/* The Windows platform over the given facts (copied). */
struct platform *platform_windows_new(const struct platform_windows_facts *facts);

/* Whether the container runs under Hyper-V: its own isolation, or the
 * daemon default when it asks for the default. */
bool platform_windows_is_hyperv(const struct platform *p, const struct platform_host_config *hc);

/* ---- both ----------------------------------------------------------- */

void platform_free(struct platform *p);

#endif
