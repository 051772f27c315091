/* Facts about this host, read from /proc, /sys and uname. */
#ifndef BERTH_ENGINE_SYSINFO_H
#define BERTH_ENGINE_SYSINFO_H

#include <stdint.h>

struct sysinfo_host {
    char kernel[128];
    char os_name[128]; /* PRETTY_NAME of os-release */
    char os_version[64];
    char arch[65];    /* Go's names: amd64, arm64 */
    char machine[65]; /* uname: x86_64 */
    char hostname[256];
    int ncpu;
    int64_t mem_total;  /* bytes */
    int cgroup_version; /* 1 (also hybrid) or 2 */
    int cgroup_hybrid;  /* v1 controllers plus a cgroup2 mount */
};

void sysinfo_read(struct sysinfo_host *h);

/* uname machine to Go's GOARCH naming. */
const char *sysinfo_goarch(const char *machine);

#endif
