/* Reading the Linux host's facts: kernel, overlayfs, cgroup layout and
 * capabilities, CPUs, memory nodes, limits and binaries. */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform/platform.h"
#include "util/log.h"
#include "util/mem.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif

#define CGROUP_ROOT    "/sys/fs/cgroup"
#define CGROUP_UNIFIED "/sys/fs/cgroup/unified"
#define DEFAULT_PATH   "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

extern char **environ;

static bool fs_is(const char *path, long magic)
{
    struct statfs sf;

    return statfs(path, &sf) == 0 && sf.f_type == magic;
}

static bool exists(const char *dir, const char *file)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, file);

    return access(path, F_OK) == 0;
}

/* The first line of a small file, without its newline; "" when absent. */
static void read_line(const char *path, char *buf, size_t cap)
{
    _cleanup_fclose_ FILE *f = fopen(path, "re");

    buf[0] = '\0';
    if (!f || !fgets(buf, (int)cap, f))
        buf[0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
}

static bool has_overlayfs(void)
{
    _cleanup_fclose_ FILE *f = fopen("/proc/filesystems", "re");
    char line[128];

    while (f && fgets(line, sizeof(line), f))
        if (!strcmp(line, "nodev\toverlay\n"))
            return true;
    return false;
}

static int count_cpus(void)
{
    cpu_set_t set;

    /* As dockerd does: the CPUs this process may run on. */
    if (sched_getaffinity(0, sizeof(set), &set) == 0)
        return CPU_COUNT(&set);
    return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

static void probe_v1(struct platform_linux_facts *f)
{
    const char *mem = CGROUP_ROOT "/memory";
    const char *cpu = CGROUP_ROOT "/cpu";
    const char *blkio = CGROUP_ROOT "/blkio";

    f->memory_limit = fs_is(mem, CGROUP_SUPER_MAGIC);
    f->swap_limit = f->memory_limit && exists(mem, "memory.memsw.limit_in_bytes");
    f->memory_reservation = f->memory_limit && exists(mem, "memory.soft_limit_in_bytes");
    f->memory_swappiness = f->memory_limit && exists(mem, "memory.swappiness");
    f->kernel_memory = f->memory_limit && exists(mem, "memory.kmem.limit_in_bytes");
    f->oom_kill_disable = f->memory_limit && exists(mem, "memory.oom_control");

    f->cpu_shares = exists(cpu, "cpu.shares");
    f->cpu_cfs = exists(cpu, "cpu.cfs_quota_us");
    f->cpu_realtime = exists(cpu, "cpu.rt_period_us") && exists(cpu, "cpu.rt_runtime_us");
    f->cpuset = fs_is(CGROUP_ROOT "/cpuset", CGROUP_SUPER_MAGIC);
    f->pids_limit = fs_is(CGROUP_ROOT "/pids", CGROUP_SUPER_MAGIC);

    f->blkio_weight = exists(blkio, "blkio.weight");
    f->blkio_weight_device = exists(blkio, "blkio.weight_device");
    f->blkio_read_bps = exists(blkio, "blkio.throttle.read_bps_device");
    f->blkio_write_bps = exists(blkio, "blkio.throttle.write_bps_device");
    f->blkio_read_iops = exists(blkio, "blkio.throttle.read_iops_device");
    f->blkio_write_iops = exists(blkio, "blkio.throttle.write_iops_device");
}

static bool has_word(const char *list, const char *word)
{
    size_t len = strlen(word);

    for (const char *s = list; (s = strstr(s, word)); s += len)
        if ((s == list || s[-1] == ' ') && (s[len] == ' ' || s[len] == '\0'))
            return true;
    return false;
}

/* On a unified host the root's controllers decide (dockerd's v2 rules). */
static void probe_v2(struct platform_linux_facts *f)
{
    const char *c = f->unified_controllers;

    f->memory_limit = f->swap_limit = f->memory_reservation = has_word(c, "memory");
    f->cpu_shares = f->cpu_cfs = has_word(c, "cpu");
    f->cpuset = has_word(c, "cpuset");
    f->pids_limit = has_word(c, "pids");
    f->blkio_weight = f->blkio_weight_device = has_word(c, "io");
    f->blkio_read_bps = f->blkio_write_bps = has_word(c, "io");
    f->blkio_read_iops = f->blkio_write_iops = has_word(c, "io");
}

static void probe_cgroups(struct platform_linux_facts *f)
{
    const char *v2 = NULL;
    _cleanup_free_ char *controllers = NULL;

    if (fs_is(CGROUP_ROOT, CGROUP2_SUPER_MAGIC))
        v2 = CGROUP_ROOT;
    else if (fs_is(CGROUP_UNIFIED, CGROUP2_SUPER_MAGIC))
        v2 = CGROUP_UNIFIED;
    f->cgroup_v2 = v2 != NULL;
    f->cgroup_v1 = !fs_is(CGROUP_ROOT, CGROUP2_SUPER_MAGIC) &&
                   (fs_is(CGROUP_ROOT "/memory", CGROUP_SUPER_MAGIC) ||
                    fs_is(CGROUP_ROOT "/cpu", CGROUP_SUPER_MAGIC) ||
                    fs_is(CGROUP_ROOT "/pids", CGROUP_SUPER_MAGIC));
    if (v2) {
        controllers = xasprintf("%s/cgroup.controllers", v2);
        read_line(controllers, f->unified_controllers, sizeof(f->unified_controllers));
    }

    if (f->cgroup_v1)
        probe_v1(f);
    else if (f->cgroup_v2)
        probe_v2(f);
    f->cgroupns = access("/proc/self/ns/cgroup", F_OK) == 0;
}

static void probe_cpuset(struct platform_linux_facts *f)
{
    if (f->cgroup_v1 && f->cpuset) {
        read_line(CGROUP_ROOT "/cpuset/cpuset.cpus", f->cpus, sizeof(f->cpus));
        read_line(CGROUP_ROOT "/cpuset/cpuset.mems", f->mems, sizeof(f->mems));
    } else if (f->cgroup_v2 && !f->cgroup_v1) {
        read_line(CGROUP_ROOT "/cpuset.cpus.effective", f->cpus, sizeof(f->cpus));
        read_line(CGROUP_ROOT "/cpuset.mems.effective", f->mems, sizeof(f->mems));
    }
    if (!f->cpus[0])
        read_line("/sys/devices/system/cpu/online", f->cpus, sizeof(f->cpus));
    if (!f->mems[0])
        read_line("/sys/devices/system/node/online", f->mems, sizeof(f->mems));
    if (!f->mems[0])
        snprintf(f->mems, sizeof(f->mems), "0");
}

static char *find_binary(const char *name)
{
    const char *path = getenv("PATH");
    _cleanup_free_ char *dirs = xstrdup(path && *path ? path : DEFAULT_PATH);
    char *save = NULL;

    for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char *full = xasprintf("%s/%s", d, name);
        struct stat st;

        if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && access(full, X_OK) == 0)
            return full;
        free(full);
    }
    return NULL;
}

/* `path --version`, quietly: it proves the binary and its libraries load. */
static bool binary_runs(const char *path)
{
    posix_spawn_file_actions_t fa;
    char *argv[] = {(char *)path, (char *)"--version", NULL};
    pid_t pid;
    int status = 0;
    int rc;

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    rc = posix_spawn(&pid, path, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        log_debug("spawn %s: %s", path, strerror(rc));
        return false;
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static bool ipv4_forwarding_disabled(void)
{
    char buf[8];

    read_line("/proc/sys/net/ipv4/ip_forward", buf, sizeof(buf));
    return !strcmp(buf, "0");
}

void platform_linux_probe(struct platform_linux_facts *f)
{
    struct utsname u;
    struct rlimit rl;

    memset(f, 0, sizeof(*f));
    if (uname(&u) == 0)
        snprintf(f->kernel, sizeof(f->kernel), "%s", u.release);
    f->overlayfs = has_overlayfs();
    f->ncpu = count_cpus();
    probe_cgroups(f);
    probe_cpuset(f);
    f->nofile_soft = -1;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        f->nofile_soft = rl.rlim_cur == RLIM_INFINITY ? LONG_MAX : (long)rl.rlim_cur;

    f->find_binary = find_binary;
    f->binary_runs = binary_runs;
    f->ipv4_forwarding_disabled = ipv4_forwarding_disabled;
}
