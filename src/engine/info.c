/* GET /info and GET /version: host facts and daemon facts. */
#include <string.h>
#include <time.h>

#include "engine/containers.h"
#include "engine/engine-internal.h"
#include "engine/sysinfo.h"
#include "store/store.h"
#include "util/json.h"
#include "util/mem.h"
#include "version.h"

static int64_t count_rows(struct engine *e, const char *sql)
{
    _cleanup_stmt_ sqlite3_stmt *st = NULL;
    int64_t n = 0;

    store_lock(e->store);
    if (sqlite3_prepare_v2(store_db(e->store), sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    store_unlock(e->store);
    return n;
}

static json_t *runtimes_json(struct engine *e)
{
    json_t *rts = json_object();

    for (size_t i = 0; i < e->cfg->n_runtimes; i++)
        json_object_set_new(rts, e->cfg->runtimes[i].name,
                            json_pack("{s:s}", "path", e->cfg->runtimes[i].path));
    return rts;
}

json_t *engine_info(struct engine *e)
{
    struct sysinfo_host h;
    json_t *info;
    int64_t containers = count_rows(e, "SELECT COUNT(*) FROM containers");
    int64_t images = count_rows(e, "SELECT COUNT(*) FROM images");
    int64_t running;
    int64_t paused;
    int64_t stopped;
    char ts[64];
    time_t now = time(NULL);
    struct tm tm;

    sysinfo_read(&h);
    engine_container_counts(e, &running, &paused, &stopped);
    localtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S%z", &tm);

    info = json_object();
    json_object_set_new(info, "ID", json_string(e->id));
    json_object_set_new(info, "Containers", json_integer(containers));
    json_object_set_new(info, "ContainersRunning", json_integer(running));
    json_object_set_new(info, "ContainersPaused", json_integer(paused));
    json_object_set_new(info, "ContainersStopped", json_integer(stopped));
    json_object_set_new(info, "Images", json_integer(images));
    json_object_set_new(info, "Driver",
                        json_string(e->cfg->storage_driver ? e->cfg->storage_driver : "overlay2"));
    json_object_set_new(info, "DriverStatus", json_pack("[[s,s]]", "Backing Filesystem", "extfs"));
    json_object_set_new(info, "Plugins",
                        json_pack("{s:[s],s:[s,s,s],s:n,s:[s]}", "Volume", "local", "Network",
                                  "bridge", "host", "null", "Authorization", "Log", "json-file"));
    json_object_set_new(info, "MemoryLimit", json_true());
    json_object_set_new(info, "SwapLimit", json_true());
    json_object_set_new(info, "CpuCfsPeriod", json_true());
    json_object_set_new(info, "CpuCfsQuota", json_true());
    json_object_set_new(info, "CPUShares", json_true());
    json_object_set_new(info, "CPUSet", json_true());
    json_object_set_new(info, "PidsLimit", json_true());
    json_object_set_new(info, "IPv4Forwarding", json_true());
    json_object_set_new(info, "Debug", json_boolean(e->cfg->debug));
    json_object_set_new(info, "NFd", json_integer(0));
    json_object_set_new(info, "OomKillDisable", json_true());
    json_object_set_new(info, "NGoroutines", json_integer(0));
    json_object_set_new(info, "SystemTime", json_string(ts));
    json_object_set_new(info, "LoggingDriver", json_string(e->cfg->log_driver));
    json_object_set_new(info, "CgroupDriver", json_string("cgroupfs"));
    json_object_set_new(info, "CgroupVersion", json_string(h.cgroup_version == 2 ? "2" : "1"));
    json_object_set_new(info, "NEventsListener", json_integer(0));
    json_object_set_new(info, "KernelVersion", json_string(h.kernel));
    json_object_set_new(info, "OperatingSystem", json_string(h.os_name));
    json_object_set_new(info, "OSVersion", json_string(h.os_version));
    json_object_set_new(info, "OSType", json_string("linux"));
    json_object_set_new(info, "Architecture", json_string(h.machine));
    json_object_set_new(info, "IndexServerAddress", json_string("https://index.docker.io/v1/"));
    json_object_set_new(info, "RegistryConfig", json_null());
    json_object_set_new(info, "NCPU", json_integer(h.ncpu));
    json_object_set_new(info, "MemTotal", json_integer(h.mem_total));
    json_object_set_new(info, "GenericResources", json_null());
    json_object_set_new(info, "DockerRootDir", json_string(e->cfg->data_root));
    json_object_set_new(info, "HttpProxy", json_string(""));
    json_object_set_new(info, "HttpsProxy", json_string(""));
    json_object_set_new(info, "NoProxy", json_string(""));
    json_object_set_new(info, "Name", json_string(h.hostname));
    json_object_set_new(info, "Labels", json_array());
    json_object_set_new(info, "ExperimentalBuild", json_false());
    json_object_set_new(info, "ServerVersion", json_string(BERTH_VERSION));
    json_object_set_new(info, "Runtimes", runtimes_json(e));
    json_object_set_new(info, "DefaultRuntime",
                        json_string(e->cfg->default_runtime ? e->cfg->default_runtime : ""));
    json_object_set_new(info, "Swarm",
                        json_pack("{s:s,s:s,s:s,s:b,s:s,s:n}", "LocalNodeState", "inactive",
                                  "NodeID", "", "NodeAddr", "", "ControlAvailable", 0, "Error", "",
                                  "RemoteManagers"));
    json_object_set_new(info, "LiveRestoreEnabled", json_boolean(e->cfg->live_restore));
    json_object_set_new(info, "Isolation", json_string(""));
    json_object_set_new(info, "InitBinary", json_string("catatonit"));
    json_object_set_new(info, "ContainerdCommit", json_pack("{s:s}", "ID", ""));
    json_object_set_new(info, "RuncCommit", json_pack("{s:s}", "ID", ""));
    json_object_set_new(info, "InitCommit", json_pack("{s:s}", "ID", ""));
    json_object_set_new(info, "SecurityOptions", json_pack("[s]", "name=seccomp,profile=builtin"));
    json_object_set_new(info, "Warnings", json_array());
    return info;
}

json_t *engine_version(struct engine *e)
{
    struct sysinfo_host h;
    json_t *details;
    json_t *v;

    (void)e;
    sysinfo_read(&h);
    details = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "ApiVersion", API_VERSION_MAX,
                        "MinAPIVersion", API_VERSION_MIN, "GitCommit", BERTH_GIT_COMMIT,
                        "GoVersion", "n/a (C)", "Os", "linux", "Arch", h.arch, "KernelVersion",
                        h.kernel, "Experimental", "false", "BuildTime", BERTH_BUILD_TIME);
    v = json_object();
    json_object_set_new(v, "Platform", json_pack("{s:s}", "Name", "berth " BERTH_VERSION));
    json_object_set_new(v, "Components",
                        json_pack("[{s:s,s:s,s:o}]", "Name", "Engine", "Version", BERTH_VERSION,
                                  "Details", details));
    json_object_set_new(v, "Version", json_string(BERTH_VERSION));
    json_object_set_new(v, "ApiVersion", json_string(API_VERSION_MAX));
    json_object_set_new(v, "MinAPIVersion", json_string(API_VERSION_MIN));
    json_object_set_new(v, "GitCommit", json_string(BERTH_GIT_COMMIT));
    json_object_set_new(v, "GoVersion", json_string("n/a (C)"));
    json_object_set_new(v, "Os", json_string("linux"));
    json_object_set_new(v, "Arch", json_string(h.arch));
    json_object_set_new(v, "KernelVersion", json_string(h.kernel));
    json_object_set_new(v, "BuildTime", json_string(BERTH_BUILD_TIME));
    return v;
}
