/* GET /containers/{id}/top: the processes of a running container, read
 * from its cgroup and /proc in the columns of `ps -ef`. */
#include <dirent.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "engine/containers.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

/* The controllers where the runtime puts /berth/<id> (cgroupfs driver),
 * pids first: it always holds every task; the last is a pure cgroup v2. */
static const char *const cgroup_roots[] = {
    "/sys/fs/cgroup/pids",
    "/sys/fs/cgroup/memory",
    "/sys/fs/cgroup/unified",
    "/sys/fs/cgroup",
};

static char *read_procs(const char *id)
{
    for (size_t i = 0; i < ARRAY_SIZE(cgroup_roots); i++) {
        _cleanup_free_ char *p = xasprintf("%s/berth/%s/cgroup.procs", cgroup_roots[i], id);
        struct berr err = BERR_INIT;
        char *data = NULL;
        size_t len = 0;

        if (fs_read_file(p, &data, &len, &err) == 0 && len > 0)
            return data;
        berr_clear(&err);
        free(data);
    }
    return NULL;
}

/* The fields of /proc/<pid>/stat after the command name. */
struct proc_stat {
    long ppid, tty;
    unsigned long long utime, stime, start;
};

static int read_stat(pid_t pid, struct proc_stat *st)
{
    _cleanup_free_ char *p = xasprintf("/proc/%d/stat", (int)pid);
    _cleanup_free_ char *data = NULL;
    struct berr err = BERR_INIT;
    size_t len = 0;
    const char *rest;

    if (fs_read_file(p, &data, &len, &err) < 0) {
        berr_clear(&err);
        return -1;
    }
    /* The command name may hold spaces and parentheses: skip past the last ')'. */
    rest = strrchr(data, ')');
    if (!rest ||
        sscanf(rest + 2,
               "%*c %ld %*d %*d %ld %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %llu",
               &st->ppid, &st->tty, &st->utime, &st->stime, &st->start) != 5)
        return -1;
    return 0;
}

static uid_t read_uid(pid_t pid)
{
    _cleanup_free_ char *p = xasprintf("/proc/%d/status", (int)pid);
    _cleanup_free_ char *data = NULL;
    struct berr err = BERR_INIT;
    size_t len = 0;
    const char *line;

    if (fs_read_file(p, &data, &len, &err) < 0) {
        berr_clear(&err);
        return 0;
    }
    line = strstr(data, "\nUid:");
    return line ? (uid_t)strtoul(line + 5, NULL, 10) : 0;
}

/* The command line with its NULs as spaces; "[comm]" for kernel-like
 * processes whose command line is empty, as ps shows them. */
static char *read_cmd(pid_t pid)
{
    _cleanup_free_ char *p = xasprintf("/proc/%d/cmdline", (int)pid);
    _cleanup_free_ char *comm_path = xasprintf("/proc/%d/comm", (int)pid);
    _cleanup_free_ char *data = NULL;
    struct berr err = BERR_INIT;
    size_t len = 0;

    if (fs_read_file(p, &data, &len, &err) == 0 && len > 0) {
        for (size_t i = 0; i + 1 < len; i++)
            if (!data[i])
                data[i] = ' ';
        return xstrndup(data, len);
    }
    berr_clear(&err);
    free(steal_ptr(data));
    if (fs_read_file(comm_path, &data, &len, &err) < 0) {
        berr_clear(&err);
        return xstrdup("?");
    }
    data[strcspn(data, "\n")] = '\0';
    return xasprintf("[%s]", data);
}

static char *user_name(uid_t uid)
{
    struct passwd pw, *res = NULL;
    char buf[1024];

    if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
        return xstrdup(res->pw_name);
    return xasprintf("%u", (unsigned)uid);
}

static char *tty_name(long tty)
{
    unsigned maj = major((dev_t)tty), min = minor((dev_t)tty);

    if (tty == 0)
        return xstrdup("?");
    if (maj == 136)
        return xasprintf("pts/%u", min);
    if (maj == 4)
        return xasprintf("tty%u", min);
    return xasprintf("%u:%u", maj, min);
}

/* STIME as ps prints it: the clock time when started today, else the date. */
static char *start_time(unsigned long long start_ticks, long hz)
{
    struct timespec up;
    time_t now = time(NULL), started;
    struct tm tm_start, tm_now;
    char buf[32];

    clock_gettime(CLOCK_BOOTTIME, &up);
    started = now - up.tv_sec + (time_t)(start_ticks / (unsigned long long)hz);
    localtime_r(&started, &tm_start);
    localtime_r(&now, &tm_now);
    if (tm_start.tm_yday == tm_now.tm_yday && tm_start.tm_year == tm_now.tm_year)
        strftime(buf, sizeof(buf), "%H:%M", &tm_start);
    else
        strftime(buf, sizeof(buf), "%b%d", &tm_start);
    return xstrdup(buf);
}

/* C: the CPU share over the process's life, in percent. */
static long cpu_percent(const struct proc_stat *st, long hz)
{
    struct timespec up;
    double alive, used = (double)(st->utime + st->stime) / (double)hz;

    clock_gettime(CLOCK_BOOTTIME, &up);
    alive = (double)up.tv_sec - (double)st->start / (double)hz;
    return alive > 0 ? (long)(used * 100.0 / alive) : 0;
}

static json_t *process_row(pid_t pid, long hz)
{
    struct proc_stat st;
    _cleanup_free_ char *user = NULL, *tty = NULL, *stime = NULL, *cmd = NULL;
    unsigned long long secs;
    char cpu[32], spid[24], sppid[24], pct[24];

    if (read_stat(pid, &st) < 0)
        return NULL;
    user = user_name(read_uid(pid));
    tty = tty_name(st.tty);
    stime = start_time(st.start, hz);
    cmd = read_cmd(pid);
    secs = (st.utime + st.stime) / (unsigned long long)hz;
    if (secs >= 86400)
        snprintf(cpu, sizeof(cpu), "%llu-%02llu:%02llu:%02llu", secs / 86400, secs / 3600 % 24,
                 secs / 60 % 60, secs % 60);
    else
        snprintf(cpu, sizeof(cpu), "%02llu:%02llu:%02llu", secs / 3600, secs / 60 % 60, secs % 60);
    snprintf(spid, sizeof(spid), "%d", (int)pid);
    snprintf(sppid, sizeof(sppid), "%ld", st.ppid);
    snprintf(pct, sizeof(pct), "%ld", cpu_percent(&st, hz));
    return json_pack("[s,s,s,s,s,s,s,s]", user, spid, sppid, pct, stime, tty, cpu, cmd);
}

static json_t *process_rows(const char *procs)
{
    long hz = sysconf(_SC_CLK_TCK);
    json_t *rows = json_array();
    const char *p = procs;

    while (*p) {
        char *end = NULL;
        long pid = strtol(p, &end, 10);
        json_t *row;

        if (end == p)
            break;
        row = pid > 0 ? process_row((pid_t)pid, hz > 0 ? hz : 100) : NULL;
        if (row)
            json_array_append_new(rows, row);
        p = end + strspn(end, " \n");
    }
    return rows;
}

json_t *engine_container_top(struct engine *e, const char *ref, struct berr *err)
{
    _cleanup_free_ char *id = NULL;
    _cleanup_free_ char *procs = NULL;
    bool running = false;

    if (engine_container_lookup(e, ref, &id, NULL, &running, err) < 0)
        return NULL;
    if (!running) {
        berr_conflict(err, "Container %s is not running", id);
        return NULL;
    }

    procs = read_procs(id);
    if (!procs) {
        berr_system(err, 0, "Error running top: no cgroup found for container %s", id);
        return NULL;
    }
    return json_pack("{s:[s,s,s,s,s,s,s,s],s:o}", "Titles", "UID", "PID", "PPID", "C", "STIME",
                     "TTY", "TIME", "CMD", "Processes", process_rows(procs));
}
