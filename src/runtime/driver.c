/* The driver: conmon runs `<runtime> create` and then monitors the
 * container; berth runs `<runtime> start`, `delete`, and talks to conmon's
 * attach socket and control fifo. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/runtime-internal.h"
#include "runtime/runtime.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

extern char **environ;

/* Children start with default signal handling and nothing blocked: the
 * daemon blocks its stop signals, and a container must not inherit that. */
static void spawn_attr_init(posix_spawnattr_t *attr)
{
    sigset_t none, all;

    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_init(attr);
    posix_spawnattr_setsigmask(attr, &none);
    posix_spawnattr_setsigdefault(attr, &all);
    posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
}

/* Read all of fd into a NUL-terminated string (bounded). */
static char *read_all(int fd)
{
    size_t cap = 4096, len = 0;
    char *buf = xmalloc(cap + 1);
    ssize_t n;

    while ((n = read(fd, buf + len, cap - len)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        len += (size_t)n;
        if (len == cap) {
            if (cap >= 1 << 20)
                break;
            cap *= 2;
            buf = xrealloc(buf, cap + 1);
        }
    }
    buf[len] = '\0';
    return buf;
}

static int wait_child(pid_t pid)
{
    int status = 0;

    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* runc logs as logfmt: keep the text of msg="..." when there is one. */
static char *runtime_message(const char *text)
{
    const char *m = strstr(text, "msg=\"");
    char *out, *o;
    size_t len;

    if (!m) {
        out = xstrdup(text);
        len = strlen(out);
        while (len && (out[len - 1] == '\n' || out[len - 1] == ' '))
            out[--len] = '\0';
        return out;
    }
    m += 5;
    out = o = xmalloc(strlen(m) + 1);
    for (; *m && *m != '"'; m++) {
        if (*m == '\\' && m[1])
            m++;
        *o++ = *m;
    }
    *o = '\0';
    return out;
}

/* Run argv to completion; its stderr becomes *msg on failure. */
static int run_tool(char *const *argv, char **msg, struct berr *err)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    _cleanup_close_ int rd = -1;
    _cleanup_free_ char *text = NULL;
    int fds[2], rc;
    pid_t pid;

    if (pipe2(fds, O_CLOEXEC) < 0)
        return berr_system(err, errno, "pipe");
    rd = fds[0];
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    spawn_attr_init(&attr);
    rc = posix_spawn(&pid, argv[0], &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(fds[1]);
    if (rc != 0)
        return berr_system(err, rc, "run %s", argv[0]);

    text = read_all(rd);
    rc = wait_child(pid);
    if (rc != 0 && msg)
        *msg = runtime_message(text);
    return rc;
}

static void push_runtime_args(char ***argv, const struct runtime_launch *l, const char *cmd)
{
    strv_push(argv, l->runtime_path);
    strv_push(argv, "--root");
    strv_push(argv, l->runtime_root);
    strv_push(argv, cmd);
}

int runtime_start(const struct runtime_launch *l, pid_t pid, struct berr *err)
{
    _cleanup_strv_ char **argv = NULL;
    _cleanup_free_ char *msg = NULL;
    int rc;

    rc = runtime_state_start(l->runtime_root, l->id, pid, err);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    push_runtime_args(&argv, l, "start");
    strv_push(&argv, l->id);
    rc = run_tool(argv, &msg, err);
    if (rc < 0)
        return -1;
    if (rc > 0)
        return berr_system(err, 0, "%s start: %s", l->runtime_path, msg ? msg : "failed");
    return 0;
}

int runtime_delete(const struct runtime_launch *l, struct berr *err)
{
    _cleanup_strv_ char **argv = NULL;
    _cleanup_free_ char *msg = NULL;
    int rc;

    if (runtime_state_forget(l->runtime_root, l->id) > 0)
        return 0;
    push_runtime_args(&argv, l, "delete");
    strv_push(&argv, "--force");
    strv_push(&argv, l->id);
    rc = run_tool(argv, &msg, err);
    if (rc < 0)
        return -1;
    if (rc > 0 && msg && !strstr(msg, "does not exist") && !strstr(msg, "not found"))
        return berr_system(err, 0, "%s delete: %s", l->runtime_path, msg);
    return 0;
}

static char **conmon_argv(const struct runtime_launch *l)
{
    char **argv = NULL;

    strv_push(&argv, l->conmon_path);
    strv_push(&argv, "--api-version");
    strv_push(&argv, "1");
    strv_push(&argv, "-c");
    strv_push(&argv, l->id);
    strv_push(&argv, "-u");
    strv_push(&argv, l->cuuid);
    strv_push(&argv, "-n");
    strv_push(&argv, l->id);
    strv_push(&argv, "-r");
    strv_push(&argv, l->runtime_path);
    strv_push(&argv, "-b");
    strv_push(&argv, l->bundle);
    strv_push_take(&argv, xasprintf("--container-pidfile=%s/pidfile", l->bundle));
    strv_push_take(&argv, xasprintf("--conmon-pidfile=%s/conmon.pid", l->bundle));
    /* No log path: the none log driver, conmon keeps no output. */
    if (l->log_path && *l->log_path)
        strv_push_take(&argv, xasprintf("--log-path=k8s-file:%s", l->log_path));
    else
        strv_push(&argv, "--log-path=none:");
    if (l->log_size_max > 0)
        strv_push_take(&argv, xasprintf("--log-size-max=%lld", (long long)l->log_size_max));
    strv_push_take(&argv, xasprintf("--exit-dir=%s", l->exit_dir));
    strv_push_take(&argv, xasprintf("--socket-dir-path=%s", l->socket_dir));
    strv_push(&argv, "--runtime-arg=--root");
    strv_push_take(&argv, xasprintf("--runtime-arg=%s", l->runtime_root));
    strv_push(&argv, "--no-sync-log");
    strv_push(&argv, "--log-level=error");
    if (l->tty)
        strv_push(&argv, "--terminal");
    if (l->stdin_open)
        strv_push(&argv, "--stdin");
    if (l->leave_stdin_open)
        strv_push(&argv, "--leave-stdin-open");
    return argv;
}

static char **conmon_env(int sync_fd)
{
    char **env = NULL;

    for (char **e = environ; *e; e++)
        if (strncmp(*e, "_OCI_", 5))
            strv_push(&env, *e);
    strv_push_take(&env, xasprintf("_OCI_SYNCPIPE=%d", sync_fd));
    return env;
}

static int spawn_conmon(const struct runtime_launch *l, int sync_w, struct berr *err)
{
    _cleanup_strv_ char **argv = conmon_argv(l);
    _cleanup_strv_ char **env = conmon_env(3);
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    pid_t pid;
    int rc;

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, sync_w, 3);
    /* conmon leaves files in its working directory (an "oom" marker when
     * the container is OOM-killed): give it the bundle, not the daemon's. */
    posix_spawn_file_actions_addchdir_np(&fa, l->bundle);
    spawn_attr_init(&attr);
    rc = posix_spawn(&pid, argv[0], &fa, &attr, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0)
        return berr_system(err, rc, "run %s", l->conmon_path);

    /* conmon forks its monitor and the first process exits at once. */
    rc = wait_child(pid);
    if (rc != 0)
        return berr_system(err, 0, "conmon exited with status %d", rc);
    return 0;
}

/* conmon answers on the sync pipe with one line: {"data": pid} or
 * {"data": -1, "message": "..."}. */
static char *read_line(int fd)
{
    size_t cap = 256, len = 0;
    char *buf = xmalloc(cap + 1);
    ssize_t n;

    /* conmon keeps the pipe open while the container lives: stop at the
     * end of the first line, never wait for EOF. */
    while ((n = read(fd, buf + len, 1)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || buf[len] == '\n')
            break;
        if (++len == cap) {
            if (cap >= 1 << 20)
                break;
            cap *= 2;
            buf = xrealloc(buf, cap + 1);
        }
    }
    buf[len] = '\0';
    return buf;
}

static int read_sync(int fd, pid_t *pid, struct berr *err)
{
    _cleanup_free_ char *line = read_line(fd);
    _cleanup_json_ json_t *msg = NULL;
    json_int_t data;

    msg = json_loads(line, JSON_DISABLE_EOF_CHECK, NULL);
    if (!msg)
        return berr_system(err, 0, "conmon gave no answer (%s)", line);
    data = json_integer_value(json_object_get(msg, "data"));
    if (data <= 0) {
        _cleanup_free_ char *text = runtime_message(json_get_str(msg, "message", "failed"));

        return berr_system(err, 0, "%s", text);
    }
    *pid = (pid_t)data;
    return 0;
}

static pid_t read_pid_file(const char *path)
{
    _cleanup_free_ char *text = NULL;
    struct berr err = BERR_INIT;

    if (fs_read_file(path, &text, NULL, &err) < 0) {
        berr_clear(&err);
        return 0;
    }
    return (pid_t)atoi(text);
}

int runtime_create(const struct runtime_launch *l, struct runtime_proc *out, struct berr *err)
{
    _cleanup_close_ int rd = -1;
    _cleanup_close_ int wr = -1;
    _cleanup_free_ char *pidfile = xasprintf("%s/conmon.pid", l->bundle);
    int fds[2];

    if (pipe2(fds, O_CLOEXEC) < 0)
        return berr_system(err, errno, "pipe");
    rd = fds[0];
    wr = fds[1];
    if (spawn_conmon(l, wr, err) < 0)
        return -1;
    /* Our copy of the write end must go, or a dead conmon would leave the
     * read below waiting forever. */
    close(steal_fd(wr));

    if (read_sync(rd, &out->pid, err) < 0)
        return -1;
    out->conmon_pid = read_pid_file(pidfile);
    log_debug("container %.12s: created by %s, pid %d, conmon %d", l->id, l->runtime_path,
              (int)out->pid, (int)out->conmon_pid);
    return 0;
}

int runtime_attach_connect(const struct runtime_launch *l, int *fd_out, struct berr *err)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    int n;

    n = snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/%s/attach", l->socket_dir, l->cuuid);
    if (n < 0 || (size_t)n >= sizeof(addr.sun_path))
        return berr_system(err, ENAMETOOLONG, "attach socket of %s", l->id);
    if (fd < 0)
        return berr_system(err, errno, "socket");
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
        return berr_system(err, errno, "connect %s", addr.sun_path);
    *fd_out = steal_fd(fd);
    return 0;
}

int runtime_resize(const struct runtime_launch *l, unsigned h, unsigned w, struct berr *err)
{
    _cleanup_free_ char *path = xasprintf("%s/ctl", l->bundle);
    _cleanup_free_ char *msg = xasprintf("1 %u %u\n", h, w);
    _cleanup_close_ int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0)
        return berr_system(err, errno, "open %s", path);
    if (write(fd, msg, strlen(msg)) < 0)
        return berr_system(err, errno, "write %s", path);
    return 0;
}

int runtime_exit_code(const struct runtime_launch *l, int *code, struct berr *err)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", l->exit_dir, l->id);
    _cleanup_free_ char *text = NULL;

    if (!fs_exists(path))
        return 0;
    if (fs_read_file(path, &text, NULL, err) < 0)
        return -1;
    *code = atoi(text);
    return 1;
}

bool runtime_monitor_alive(pid_t pid)
{
    _cleanup_free_ char *path = xasprintf("/proc/%d/comm", (int)pid);
    _cleanup_free_ char *comm = NULL;
    struct berr err = BERR_INIT;
    bool alive;

    if (pid <= 0 || fs_read_file(path, &comm, NULL, &err) < 0) {
        berr_clear(&err);
        return false;
    }
    alive = !strncmp(comm, "conmon", 6);
    return alive;
}

int runtime_error_exit_code(const char *msg)
{
    if (strstr(msg, "executable file not found") || strstr(msg, "no such file or directory") ||
        strstr(msg, "No such file or directory"))
        return 127;
    if (strstr(msg, "permission denied") || strstr(msg, "is a directory") ||
        strstr(msg, "Permission denied"))
        return 126;
    return 128;
}

int runtime_wait_child(pid_t pid)
{
    return wait_child(pid);
}

static int run_simple(const struct runtime_launch *l, const char *cmd, struct berr *err)
{
    _cleanup_strv_ char **argv = NULL;
    _cleanup_free_ char *msg = NULL;
    int rc;

    push_runtime_args(&argv, l, cmd);
    strv_push(&argv, l->id);
    rc = run_tool(argv, &msg, err);
    if (rc < 0)
        return -1;
    if (rc > 0)
        return berr_system(err, 0, "%s %s: %s", l->runtime_path, cmd, msg ? msg : "failed");
    return 0;
}

int runtime_pause(const struct runtime_launch *l, struct berr *err)
{
    return run_simple(l, "pause", err);
}

int runtime_resume(const struct runtime_launch *l, struct berr *err)
{
    return run_simple(l, "resume", err);
}

int runtime_exec_spawn(const struct runtime_launch *l, const char *process_path,
                       const char *pid_path, const int stdio[3], pid_t *pid_out, struct berr *err)
{
    _cleanup_strv_ char **argv = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    int rc;

    push_runtime_args(&argv, l, "exec");
    strv_push(&argv, "--process");
    strv_push(&argv, process_path);
    strv_push(&argv, "--pid-file");
    strv_push(&argv, pid_path);
    strv_push(&argv, l->id);

    posix_spawn_file_actions_init(&fa);
    for (int i = 0; i < 3; i++)
        posix_spawn_file_actions_adddup2(&fa, stdio[i], i);
    spawn_attr_init(&attr);
    /* A session of its own: signals meant for the daemon's process group
     * must not reach the runtime. */
    posix_spawnattr_setflags(&attr,
                             POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
    rc = posix_spawn(pid_out, argv[0], &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0)
        return berr_system(err, rc, "run %s exec", l->runtime_path);
    log_debug("container %.12s: exec by %s, pid %d", l->id, l->runtime_path, (int)*pid_out);
    return 0;
}

/* The kernel's count of OOM kills in a memory cgroup: the "oom_kill" line
 * of memory.oom_control (v1) or memory.events (v2). */
static long oom_kills(const char *path)
{
    _cleanup_free_ char *text = NULL;
    struct berr err = BERR_INIT;
    const char *line;

    if (fs_read_file(path, &text, NULL, &err) < 0) {
        berr_clear(&err);
        return -1;
    }
    for (line = text; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (!strncmp(line, "oom_kill ", 9))
            return atol(line + 9);
    return -1;
}

bool runtime_oom_killed(const char *cgroups_path)
{
    _cleanup_free_ char *v1 = xasprintf("/sys/fs/cgroup/memory%s/memory.oom_control", cgroups_path);
    _cleanup_free_ char *v2 = xasprintf("/sys/fs/cgroup%s/memory.events", cgroups_path);
    long n = oom_kills(v1);

    if (n < 0)
        n = oom_kills(v2);
    return n > 0;
}
