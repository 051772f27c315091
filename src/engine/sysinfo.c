#include "engine/sysinfo.h"

#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "util/mem.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

const char *sysinfo_goarch(const char *machine)
{
    static const char *const map[][2] = {
        {"x86_64", "amd64"}, {"aarch64", "arm64"},   {"i686", "386"},    {"i386", "386"},
        {"armv7l", "arm"},   {"ppc64le", "ppc64le"}, {"s390x", "s390x"}, {"riscv64", "riscv64"},
    };

    for (size_t i = 0; i < ARRAY_SIZE(map); i++)
        if (!strcmp(map[i][0], machine))
            return map[i][1];
    return machine;
}

static void read_os_release(struct sysinfo_host *h)
{
    _cleanup_fclose_ FILE *f = fopen("/etc/os-release", "re");
    char line[256];

    snprintf(h->os_name, sizeof(h->os_name), "Linux");
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        char *v = strchr(line, '=');
        char *dst = NULL;
        size_t cap = 0;

        if (!v)
            continue;
        *v++ = '\0';
        if (!strcmp(line, "PRETTY_NAME")) {
            dst = h->os_name;
            cap = sizeof(h->os_name);
        } else if (!strcmp(line, "VERSION_ID")) {
            dst = h->os_version;
            cap = sizeof(h->os_version);
        }
        if (!dst)
            continue;
        v[strcspn(v, "\n")] = '\0';
        if (*v == '"') {
            v++;
            v[strcspn(v, "\"")] = '\0';
        }
        snprintf(dst, cap, "%s", v);
    }
}

static int64_t read_mem_total(void)
{
    _cleanup_fclose_ FILE *f = fopen("/proc/meminfo", "re");
    char line[128];
    long long kb;

    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "MemTotal: %lld kB", &kb) == 1)
            return (int64_t)kb * 1024;
    return 0;
}

void sysinfo_read(struct sysinfo_host *h)
{
    struct utsname u;
    struct statfs sf;

    memset(h, 0, sizeof(*h));
    if (uname(&u) == 0) {
        snprintf(h->kernel, sizeof(h->kernel), "%s", u.release);
        snprintf(h->arch, sizeof(h->arch), "%s", sysinfo_goarch(u.machine));
        snprintf(h->machine, sizeof(h->machine), "%s", u.machine);
        snprintf(h->hostname, sizeof(h->hostname), "%s", u.nodename);
    }
    read_os_release(h);
    h->ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
    h->mem_total = read_mem_total();

    h->cgroup_version = 1;
    if (statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
        h->cgroup_version = 2;
    else if (statfs("/sys/fs/cgroup/unified", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
        h->cgroup_hybrid = 1;
}
