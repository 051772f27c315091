/* Starting and forgetting a container without running the runtime binary.
 *
 * Two of the runtime's commands do little work, yet starting the runtime
 * costs several milliseconds each time:
 *  - `start` of a created container opens its exec fifo for reading: the
 *    init, blocked opening the fifo for writing, writes a byte and execs
 *    the process; start reads to the end and removes the fifo;
 *  - `delete` of a container whose processes are all gone removes its
 *    cgroups and its state directory (no hooks and no Intel RDT in the
 *    specs berth writes).
 * Both are done here when the state directory looks as runc leaves it;
 * anything unusual (no fifo, a live init, a busy cgroup, hooks, another
 * runtime's layout) is left to the runtime. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/runtime-internal.h"
#include "runtime/runtime.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

/* Field 22 of /proc/<pid>/stat (start time in clock ticks), or -1. */
static long long proc_start_time(pid_t pid)
{
    _cleanup_free_ char *path = xasprintf("/proc/%d/stat", (int)pid);
    _cleanup_free_ char *text = NULL;
    struct berr err = BERR_INIT;
    const char *p;
    long long start = -1;

    if (fs_read_file(path, &text, NULL, &err) < 0) {
        berr_clear(&err);
        return -1;
    }
    /* The command may hold spaces and parentheses: count from the last ')'
     * (field 2's end); the start time is 20 fields after it. */
    p = strrchr(text, ')');
    for (int field = 2; p && field < 22; field++)
        p = strchr(p + 1, ' ');
    if (p)
        start = strtoll(p + 1, NULL, 10);
    return start;
}

static bool init_alive(const json_t *state)
{
    json_int_t pid = json_integer_value(json_object_get(state, "init_process_pid"));
    json_int_t start = json_integer_value(json_object_get(state, "init_process_start"));

    if (pid <= 0)
        return false;
    return proc_start_time((pid_t)pid) == (long long)start;
}

static bool has_hooks(const json_t *state)
{
    json_t *hooks = json_object_get(json_object_get(state, "config"), "hooks");
    const char *key;
    json_t *v;

    json_object_foreach(hooks, key, v)
    {
        if (json_array_size(v))
            return true;
    }
    return false;
}

/* rmdir every cgroup of the container; false when one is still busy. */
static bool remove_cgroups(const char *id, const json_t *paths)
{
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)paths, key, v)
    {
        const char *dir = json_string_value(v);

        if (!dir || !*dir || rmdir(dir) == 0 || errno == ENOENT)
            continue;
        log_debug("container %.12s: cgroup %s: %s; leaving it to the runtime", id, dir,
                  strerror(errno));
        return false;
    }
    return true;
}

int runtime_state_forget(const char *root, const char *id)
{
    _cleanup_free_ char *dir = xasprintf("%s/%s", root, id);
    _cleanup_free_ char *path = xasprintf("%s/state.json", dir);
    _cleanup_json_ json_t *state = NULL;
    struct berr err = BERR_INIT;

    if (!fs_exists(dir))
        return 1;
    state = json_load_file(path, 0, NULL);
    if (!json_is_object(state) || has_hooks(state) || init_alive(state) ||
        *json_get_str(state, "intel_rdt_path", ""))
        return 0;
    if (!remove_cgroups(id, json_object_get(state, "cgroup_paths")))
        return 0;

    if (fs_remove_all(dir, &err) < 0) {
        log_debug("container %.12s: %s; leaving it to the runtime", id, berr_msg(&err));
        berr_clear(&err);
        return 0;
    }
    log_debug("container %.12s: runtime state and cgroups removed", id);
    return 1;
}

/* Read the fifo to its end: the init's byte, then end of file when the
 * init execs (the fifo is close-on-exec there).  While nothing comes,
 * check now and then that the init still lives. */
static int drain_exec_fifo(int fd, pid_t pid, const char *id, struct berr *err)
{
    size_t got = 0;
    char buf[16];

    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int rc = poll(&p, 1, 100);
        ssize_t n;

        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            return berr_system(err, errno, "start %s: poll", id);
        if (rc == 0) {
            if (pid > 0 && kill(pid, 0) < 0 && errno == ESRCH)
                return berr_system(err, 0, "start %s: the container's init is gone", id);
            continue;
        }
        n = read(fd, buf, sizeof(buf));
        if (n == 0)
            break;
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return berr_system(err, errno, "start %s: read exec fifo", id);
        if (n > 0)
            got += (size_t)n;
    }
    if (!got)
        return berr_system(err, 0, "cannot start an already running container");
    return 0;
}

int runtime_state_start(const char *root, const char *id, pid_t pid, struct berr *err)
{
    _cleanup_free_ char *path = xasprintf("%s/%s/exec.fifo", root, id);
    _cleanup_close_ int fd = -1;

    /* Non-blocking, so that a dead init cannot leave us waiting forever in
     * open(); a reader that is there lets the init's open proceed. */
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 0;
    if (drain_exec_fifo(fd, pid, id, err) < 0)
        return -1;
    unlink(path);
    log_debug("container %.12s: started through its exec fifo", id);
    return 1;
}
