/* Engine side of the platform domain: the start-up hooks (system check,
 * exec-opts, runtime selection) and the HostConfig JSON <-> struct
 * platform_host_config conversion around the platform's rules. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine-internal.h"
#include "engine/platform.h"
#include "platform/platform.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

/* The field of type `type` at byte offset off of a host config. */
#define AT(type, base, off) ((type *)((char *)(base) + (off)))

struct int_field {
    const char *key;
    size_t off;
};

#define INT_FIELD(key, field)                                                                      \
    {                                                                                              \
        key, offsetof(struct platform_host_config, field)                                          \
    }

static const struct int_field int_fields[] = {
    INT_FIELD("CpuShares", res.cpu_shares),
    INT_FIELD("CpuPercent", res.cpu_percent),
    INT_FIELD("CpuCount", res.cpu_count),
    INT_FIELD("NanoCpus", res.nano_cpus),
    INT_FIELD("Memory", res.memory),
    INT_FIELD("MemorySwap", res.memory_swap),
    INT_FIELD("MemoryReservation", res.memory_reservation),
    INT_FIELD("KernelMemory", res.kernel_memory),
    INT_FIELD("CpuPeriod", res.cpu_period),
    INT_FIELD("CpuQuota", res.cpu_quota),
    INT_FIELD("CpuRealtimePeriod", res.cpu_rt_period),
    INT_FIELD("CpuRealtimeRuntime", res.cpu_rt_runtime),
    INT_FIELD("BlkioWeight", res.blkio_weight),
    INT_FIELD("IOMaximumIOps", res.io_maximum_iops),
    INT_FIELD("IOMaximumBandwidth", res.io_maximum_bandwidth),
    INT_FIELD("ShmSize", shm_size),
    INT_FIELD("OomScoreAdj", oom_score_adj),
};

static const struct int_field str_fields[] = {
    INT_FIELD("CpusetCpus", res.cpuset_cpus),
    INT_FIELD("CpusetMems", res.cpuset_mems),
    INT_FIELD("CgroupParent", res.cgroup_parent),
    INT_FIELD("Isolation", isolation),
    INT_FIELD("IpcMode", ipc_mode),
    INT_FIELD("PidMode", pid_mode),
    INT_FIELD("UTSMode", uts_mode),
    INT_FIELD("CgroupnsMode", cgroupns_mode),
    INT_FIELD("UsernsMode", userns_mode),
    INT_FIELD("NetworkMode", network_mode),
    INT_FIELD("Runtime", runtime),
};

static const struct int_field list_fields[] = {
    INT_FIELD("BlkioWeightDevice", res.n_blkio_weight_device),
    INT_FIELD("BlkioDeviceReadBps", res.n_blkio_read_bps),
    INT_FIELD("BlkioDeviceWriteBps", res.n_blkio_write_bps),
    INT_FIELD("BlkioDeviceReadIOps", res.n_blkio_read_iops),
    INT_FIELD("BlkioDeviceWriteIOps", res.n_blkio_write_iops),
    INT_FIELD("Ulimits", res.n_ulimits),
};

static struct platform_opt_i64 opt_int(const json_t *hc, const char *key)
{
    json_t *v = json_object_get(hc, key);

    if (!json_is_integer(v))
        return (struct platform_opt_i64){false, 0};
    return (struct platform_opt_i64){true, json_integer_value(v)};
}

static char **object_keys(const json_t *obj)
{
    char **keys = NULL;
    const char *k;
    json_t *v;

    json_object_foreach((json_t *)obj, k, v) strv_push(&keys, k);
    return keys;
}

static void from_json(const json_t *j, struct platform_host_config *hc)
{
    const json_t *restart = json_object_get(j, "RestartPolicy");
    json_t *oom = json_object_get(j, "OomKillDisable");

    for (size_t i = 0; i < ARRAY_SIZE(int_fields); i++)
        *AT(int64_t, hc, int_fields[i].off) = json_get_int(j, int_fields[i].key, 0);
    for (size_t i = 0; i < ARRAY_SIZE(str_fields); i++) {
        const char *s = json_get_str(j, str_fields[i].key, NULL);

        *AT(char *, hc, str_fields[i].off) = s ? xstrdup(s) : NULL;
    }
    for (size_t i = 0; i < ARRAY_SIZE(list_fields); i++)
        *AT(size_t, hc, list_fields[i].off) =
            json_array_size(json_object_get(j, list_fields[i].key));

    hc->res.memory_swappiness = opt_int(j, "MemorySwappiness");
    hc->res.pids_limit = opt_int(j, "PidsLimit");
    hc->res.oom_kill_disable = (struct platform_opt_bool){json_is_boolean(oom), json_is_true(oom)};
    hc->privileged = json_get_bool(j, "Privileged", false);
    hc->auto_remove = json_get_bool(j, "AutoRemove", false);
    hc->restart_name = xstrdup(json_get_str(restart, "Name", ""));
    hc->restart_max_retry = json_get_int(restart, "MaximumRetryCount", 0);
    hc->cap_add = json_to_strv(json_object_get(j, "CapAdd"));
    hc->cap_drop = json_to_strv(json_object_get(j, "CapDrop"));
    hc->tmpfs = object_keys(json_object_get(j, "Tmpfs"));
    hc->n_port_bindings = json_object_size(json_object_get(j, "PortBindings"));
}

static bool str_changed(const char *a, const char *b)
{
    if (!a || !b)
        return a != b;
    return strcmp(a, b) != 0;
}

/* Write back only what the rules changed, so an update request keeps
 * its absent fields absent; a discarded value is written zeroed or null
 * so inspect shows it. */
static void to_json(json_t *j, struct platform_host_config *hc,
                    const struct platform_host_config *was)
{
    const struct platform_resources *r = &hc->res;

    for (size_t i = 0; i < ARRAY_SIZE(int_fields); i++) {
        int64_t now = *AT(int64_t, hc, int_fields[i].off);

        if (now != *AT(const int64_t, was, int_fields[i].off))
            json_object_set_new(j, int_fields[i].key, json_integer(now));
    }
    for (size_t i = 0; i < ARRAY_SIZE(str_fields); i++) {
        const char *now = *AT(char *, hc, str_fields[i].off);

        if (str_changed(now, *AT(char *const, was, str_fields[i].off)))
            json_object_set_new(j, str_fields[i].key, json_string(now ? now : ""));
    }
    for (size_t i = 0; i < ARRAY_SIZE(list_fields); i++)
        if (*AT(size_t, hc, list_fields[i].off) == 0 &&
            *AT(const size_t, was, list_fields[i].off) != 0)
            json_object_set_new(j, list_fields[i].key, json_array());

    if (r->memory_swappiness.set != was->res.memory_swappiness.set ||
        r->memory_swappiness.v != was->res.memory_swappiness.v)
        json_object_set_new(j, "MemorySwappiness",
                            r->memory_swappiness.set ? json_integer(r->memory_swappiness.v)
                                                     : json_null());
    if (r->pids_limit.set != was->res.pids_limit.set || r->pids_limit.v != was->res.pids_limit.v)
        json_object_set_new(j, "PidsLimit",
                            r->pids_limit.set ? json_integer(r->pids_limit.v) : json_null());
    if (r->oom_kill_disable.set != was->res.oom_kill_disable.set ||
        r->oom_kill_disable.v != was->res.oom_kill_disable.v)
        json_object_set_new(j, "OomKillDisable",
                            r->oom_kill_disable.set ? json_boolean(r->oom_kill_disable.v)
                                                    : json_null());
}

static void runtimes_from_cfg(const struct berth_config *cfg, struct platform_runtimes *rt)
{
    for (size_t i = 0; i < cfg->n_runtimes; i++)
        platform_runtimes_add(rt, cfg->runtimes[i].name, cfg->runtimes[i].path);
    if (cfg->default_runtime)
        rt->default_name = xstrdup(cfg->default_runtime);
}

int engine_platform_verify_host_config(struct engine *e, json_t *host_config, json_t *warnings,
                                       bool update, struct berr *err)
{
    struct platform_host_config hc = {0};
    struct platform_host_config was = {0};
    struct platform_runtimes rt = {0};
    _cleanup_strv_ char **warns = NULL;
    int rc;

    if (!json_is_object(host_config))
        return 0;

    from_json(host_config, &hc);
    from_json(host_config, &was);
    runtimes_from_cfg(e->cfg, &rt);

    rc = e->platform->ops->verify_host_config(e->platform, &hc, update, &rt, &warns, err);
    for (size_t i = 0; warns && warns[i]; i++)
        json_array_append_new(warnings, json_string(warns[i]));
    if (rc == 0)
        to_json(host_config, &hc, &was);

    platform_host_config_release(&hc);
    platform_host_config_release(&was);
    platform_runtimes_release(&rt);
    return rc;
}

int engine_platform_parallel_limit(struct engine *e, int n)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

    return e->platform->ops->parallel_limit(e->platform, n, 128 * (int)(ncpu > 0 ? ncpu : 1));
}

bool engine_platform_mount_on_start(struct engine *e, const json_t *host_config)
{
    struct platform_host_config hc = {0};
    bool mount;

    if (json_is_object(host_config))
        from_json(host_config, &hc);
    mount = e->platform->ops->mount_on_start(e->platform, &hc);
    platform_host_config_release(&hc);
    return mount;
}

char *engine_platform_plugin_exec_root(struct engine *e)
{
    return e->platform->ops->plugin_exec_root(e->platform, e->cfg->data_root, e->cfg->exec_root);
}

int engine_platform_check(struct engine *e, struct berr *err)
{
    struct platform_linux_facts facts;

    platform_linux_probe(&facts);
    e->platform = platform_linux_new(&facts);
    if (e->platform->ops->check_system(e->platform, err) < 0)
        return berr_wrap(err, "system check");
    return 0;
}

/* Runtimes found on the host join the configured ones, and the chosen
 * default is what /info reports and containers get. */
static int select_runtime(struct engine *e, struct berr *err)
{
    struct platform_runtimes rt = {0};

    runtimes_from_cfg(e->cfg, &rt);
    if (e->platform->ops->select_runtime(e->platform, &rt, err) < 0) {
        platform_runtimes_release(&rt);
        return -1;
    }

    for (size_t i = 0; i < rt.n; i++)
        if (!config_find_runtime(e->cfg, rt.v[i].name))
            config_add_runtime(e->cfg, rt.v[i].name, rt.v[i].path);
    free(e->cfg->default_runtime);
    e->cfg->default_runtime = steal_ptr(rt.default_name);
    platform_runtimes_release(&rt);
    return 0;
}

int engine_platform_init(struct engine *e, struct berr *err)
{
    if (e->platform->ops->set_default_isolation(e->platform, e->cfg->exec_opts, err) < 0)
        return berr_wrap(err, "exec-opts");
    if (select_runtime(e, err) < 0)
        return -1;
    log_debug("platform %s, default runtime %s", e->platform->ops->os, e->cfg->default_runtime);
    return 0;
}

void engine_platform_release(struct engine *e)
{
    platform_free(e->platform);
    e->platform = NULL;
}
