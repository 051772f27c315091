/* exec: more processes in a running container.
 *
 * An exec instance lives in memory with its container (dockerd does not
 * keep them across restarts either).  Its process is `<runtime> exec` run
 * in the foreground by the thread that started it: the runtime exits with
 * the process's status, so waiting for it gives the exit code.  With a TTY
 * the runtime's stdio is a pty berth allocates; the runtime puts it in raw
 * mode and copies it to the container's console, and a resize is the new
 * size on that pty plus SIGWINCH to the runtime.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/container-internal.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

struct exec_inst {
    char *id;
    char *container_id;
    char **cmd;
    char **env;
    char *user;
    char *workdir;
    char *detach_keys;
    bool tty, privileged;
    bool attach_stdin, attach_stdout, attach_stderr;
    bool claimed; /* a start took it */
    bool running;
    bool ended;
    int exit_code;
    pid_t runtime_pid;
    pid_t pid; /* the process, read from the runtime's pid file */
    char *pid_path;
    int pty; /* master side; -1 without a TTY or once ended */
    int refs;
    struct exec_inst *next;
};

static void exec_put_locked(struct exec_inst *x)
{
    if (!x || --x->refs > 0)
        return;
    free(x->id);
    free(x->container_id);
    strv_free(x->cmd);
    strv_free(x->env);
    free(x->user);
    free(x->workdir);
    free(x->detach_keys);
    free(x->pid_path);
    if (x->pty >= 0)
        close(x->pty);
    free(x);
}

static struct exec_inst *exec_get_locked(struct engine *e, const char *id, struct berr *err)
{
    for (struct exec_inst *x = e->containers->execs; x; x = x->next) {
        if (!strcmp(x->id, id)) {
            x->refs++;
            return x;
        }
    }
    berr_not_found(err, "No such exec instance: %s", id);
    return NULL;
}

void container_execs_forget_locked(struct engine *e, const char *id)
{
    struct exec_inst **pp = &e->containers->execs;

    while (*pp) {
        struct exec_inst *x = *pp;

        if (strcmp(x->container_id, id)) {
            pp = &x->next;
            continue;
        }
        *pp = x->next;
        exec_put_locked(x);
    }
}

json_t *container_exec_ids_locked(struct engine *e, const char *id)
{
    json_t *ids = NULL;

    for (struct exec_inst *x = e->containers->execs; x; x = x->next) {
        /* dockerd lists only the instances not yet finished. */
        if (strcmp(x->container_id, id) || x->ended)
            continue;
        if (!ids)
            ids = json_array();
        json_array_append_new(ids, json_string(x->id));
    }
    return ids ? ids : json_null();
}

void container_execs_release(struct engine *e)
{
    struct container_set *s = e->containers;

    containers_lock(e);
    while (s->helper_threads > 0)
        containers_wait(e, 0);
    while (s->execs) {
        struct exec_inst *x = s->execs;

        s->execs = x->next;
        exec_put_locked(x);
    }
    containers_unlock(e);
}

/* "sh -c exit 7" as dockerd writes it into exec event actions. */
static char *cmd_text(char *const *cmd)
{
    char *out = xstrdup("");

    for (size_t i = 0; cmd && cmd[i]; i++) {
        char *next = xasprintf("%s%s%s", out, i ? " " : "", cmd[i]);

        free(out);
        out = next;
    }
    return out;
}

static void exec_event(struct engine *e, struct container *c, struct exec_inst *x,
                       const char *action, json_t *extra)
{
    _cleanup_free_ char *text = cmd_text(x->cmd);
    _cleanup_free_ char *full = NULL;
    json_t *attrs = json_pack("{s:s}", "execID", x->id);

    if (extra)
        json_object_update(attrs, extra);
    json_decref(extra);
    if (strcmp(action, "exec_die"))
        full = xasprintf("%s: %s", action, text);
    container_event(e, c, full ? full : action, attrs);
}

/* ---- create ---- */

static char *new_exec_id(void)
{
    unsigned char raw[32];
    _cleanup_close_ int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    char *id = xmalloc(65);

    if (fd < 0 || read(fd, raw, sizeof(raw)) != (ssize_t)sizeof(raw))
        abort();
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(id + 2 * i, 3, "%02x", raw[i]);
    return id;
}

static int exec_check_container(struct container *c, const char *ref, struct berr *err)
{
    if (!container_running(c))
        return berr_conflict(err, "container %s is not running", c->id);
    if (json_get_bool(container_state(c), "Paused", false))
        return berr_conflict(err,
                             "Container %s is paused, unpause the container "
                             "before exec",
                             ref);
    if (json_get_bool(container_state(c), "Restarting", false))
        return berr_conflict(err,
                             "Container %s is restarting, wait until the "
                             "container is running",
                             ref);
    return 0;
}

static struct exec_inst *exec_new(const json_t *body, const char *container_id)
{
    struct exec_inst *x = xcalloc(1, sizeof(*x));

    x->id = new_exec_id();
    x->container_id = xstrdup(container_id);
    x->cmd = json_to_strv(json_object_get(body, "Cmd"));
    x->env = json_to_strv(json_object_get(body, "Env"));
    x->user = xstrdup(json_get_str(body, "User", ""));
    x->workdir = xstrdup(json_get_str(body, "WorkingDir", ""));
    x->detach_keys = xstrdup(json_get_str(body, "DetachKeys", ""));
    x->tty = json_get_bool(body, "Tty", false);
    x->privileged = json_get_bool(body, "Privileged", false);
    x->attach_stdin = json_get_bool(body, "AttachStdin", false);
    x->attach_stdout = json_get_bool(body, "AttachStdout", false);
    x->attach_stderr = json_get_bool(body, "AttachStderr", false);
    x->pty = -1;
    x->refs = 1;
    return x;
}

int engine_exec_create(struct engine *e, const char *ref, const json_t *body, char **id_out,
                       struct berr *err)
{
    const char *wd = json_get_str(body, "WorkingDir", "");
    struct container *c;
    struct exec_inst *x;
    int rc;

    if (!json_array_size(json_object_get(body, "Cmd")))
        return berr_invalid(err, "No exec command specified");
    if (*wd && wd[0] != '/')
        return berr_invalid(err,
                            "the working directory '%s' is invalid, it needs to be an "
                            "absolute path",
                            wd);
    containers_lock(e);
    c = container_get_locked(e, ref, err);
    rc = c ? exec_check_container(c, ref, err) : -1;
    if (rc == 0) {
        x = exec_new(body, c->id);
        x->next = e->containers->execs;
        e->containers->execs = x;
        *id_out = xstrdup(x->id);
        exec_event(e, c, x, "exec_create", NULL);
        log_debug("container %.12s: exec %.12s created", c->id, x->id);
    }
    container_put_locked(c);
    containers_unlock(e);
    return rc;
}

/* ---- start ---- */

int engine_exec_start_prepare(struct engine *e, const char *id, bool *tty, struct berr *err)
{
    struct exec_inst *x;
    struct container *c = NULL;
    int rc = -1;

    containers_lock(e);
    x = exec_get_locked(e, id, err);
    if (x)
        c = container_get_locked(e, x->container_id, err);
    if (c && x->claimed)
        rc = berr_conflict(err,
                           x->ended ? "exec command %s has already run"
                                    : "exec command %s is already running",
                           x->id);
    else if (c)
        rc = exec_check_container(c, c->name + 1, err);
    if (rc == 0) {
        x->claimed = true;
        *tty = x->tty;
    }
    container_put_locked(c);
    exec_put_locked(x);
    containers_unlock(e);
    return rc;
}

/* What a run needs, copied under the lock. */
struct exec_run {
    struct exec_inst *x;
    struct container_launch cl;
    char *rootfs;
    char *process_path;
    int stdio[3];   /* the runtime's side */
    int out, errfd; /* ours: output (the pty master with a TTY) */
    int in;         /* ours: stdin; -1 when not attached */
    pid_t pid;
    int pidfd;
};

static void run_release(struct exec_run *r)
{
    for (int i = 0; i < 3; i++)
        if (r->stdio[i] >= 0)
            close(r->stdio[i]);
    if (r->errfd >= 0)
        close(r->errfd);
    if (r->in >= 0 && r->in != r->out)
        close(r->in);
    if (r->out >= 0 && (!r->x || r->out != r->x->pty))
        close(r->out);
    if (r->pidfd >= 0)
        close(r->pidfd);
    if (r->process_path)
        unlink(r->process_path);
    free(r->process_path);
    free(r->rootfs);
    container_launch_release(&r->cl);
}

static int run_begin(struct engine *e, const char *id, struct exec_run *r, struct berr *err)
{
    struct container *c;
    int rc = -1;

    containers_lock(e);
    r->x = exec_get_locked(e, id, err);
    c = r->x ? container_get_locked(e, r->x->container_id, err) : NULL;
    if (c && !container_running(c))
        berr_conflict(err, "container %s is not running", c->id);
    else if (c)
        rc = container_launch_init(e, c, &r->cl, err);
    if (rc == 0) {
        _cleanup_free_ char *dir = container_dir(e, c->id);

        r->rootfs = xasprintf("%s/merged", dir);
        r->process_path = xasprintf("%s/exec-%s.json", r->cl.bundle, id);
        r->x->pid_path = xasprintf("%s/exec-%s.pid", r->cl.bundle, id);
    }
    container_put_locked(c);
    containers_unlock(e);
    return rc;
}

static int write_process(struct exec_run *r, unsigned h, unsigned w, struct berr *err)
{
    struct exec_inst *x = r->x;
    struct container_user u = {0};
    struct runtime_exec re = {
        .args = x->cmd,
        .env = x->env,
        .cwd = x->workdir,
        .tty = x->tty,
        .console_h = h,
        .console_w = w,
        .privileged = x->privileged,
    };

    if (*x->user) {
        if (container_user_resolve(r->rootfs, x->user, &u, err) < 0)
            return -1;
        re.set_user = true;
        re.uid = u.uid;
        re.gid = u.gid;
        re.groups = u.groups;
        re.n_groups = u.n_groups;
    }
    return runtime_exec_write_process(&r->cl.l, &re, r->process_path, err);
}

static int open_null(int flags, struct berr *err)
{
    int fd = open("/dev/null", flags | O_CLOEXEC);

    if (fd < 0)
        return berr_system(err, errno, "open /dev/null");
    return fd;
}

static int make_pipe(int *ours, int *theirs, bool ours_reads, struct berr *err)
{
    int fds[2];

    if (pipe2(fds, O_CLOEXEC) < 0)
        return berr_system(err, errno, "pipe");
    *ours = ours_reads ? fds[0] : fds[1];
    *theirs = ours_reads ? fds[1] : fds[0];
    return 0;
}

static int setup_tty(struct exec_run *r, unsigned h, unsigned w, struct berr *err)
{
    struct winsize ws = {.ws_row = (unsigned short)h, .ws_col = (unsigned short)w};
    int master, slave;

    if (openpty(&master, &slave, NULL, NULL, h && w ? &ws : NULL) < 0)
        return berr_system(err, errno, "openpty");
    fcntl(master, F_SETFD, FD_CLOEXEC);
    fcntl(slave, F_SETFD, FD_CLOEXEC);
    r->out = r->in = master;
    r->stdio[0] = slave;
    r->stdio[1] = dup(slave);
    r->stdio[2] = dup(slave);
    return 0;
}

/* The runtime's stdio: a pty, pipes, or /dev/null for a detached exec. */
static int setup_stdio(struct exec_run *r, bool attached, unsigned h, unsigned w, struct berr *err)
{
    if (attached && r->x->tty)
        return setup_tty(r, h, w, err);
    if (attached && r->x->attach_stdin) {
        if (make_pipe(&r->in, &r->stdio[0], false, err) < 0)
            return -1;
    } else if ((r->stdio[0] = open_null(O_RDONLY, err)) < 0) {
        return -1;
    }
    if (!attached) {
        r->stdio[1] = open_null(O_WRONLY, err);
        r->stdio[2] = r->stdio[1] < 0 ? -1 : open_null(O_WRONLY, err);
        return r->stdio[2] < 0 ? -1 : 0;
    }
    if (make_pipe(&r->out, &r->stdio[1], true, err) < 0 ||
        make_pipe(&r->errfd, &r->stdio[2], true, err) < 0)
        return -1;
    return 0;
}

static void close_theirs(struct exec_run *r)
{
    for (int i = 0; i < 3; i++) {
        if (r->stdio[i] >= 0)
            close(r->stdio[i]);
        r->stdio[i] = -1;
    }
}

static int spawn(struct engine *e, struct exec_run *r, struct berr *err)
{
    struct container *c;

    if (runtime_exec_spawn(&r->cl.l, r->process_path, r->x->pid_path, r->stdio, &r->pid, err) < 0)
        return -1;
    close_theirs(r);
    r->pidfd = (int)syscall(SYS_pidfd_open, r->pid, 0);

    containers_lock(e);
    r->x->running = true;
    r->x->runtime_pid = r->pid;
    if (r->x->tty)
        r->x->pty = r->out;
    c = container_get_locked(e, r->x->container_id, &(struct berr){0});
    if (c)
        exec_event(e, c, r->x, "exec_start", NULL);
    container_put_locked(c);
    containers_unlock(e);
    return 0;
}

static void record_end(struct engine *e, struct exec_run *r, int code)
{
    struct container *c;
    char text[16];

    snprintf(text, sizeof(text), "%d", code);
    containers_lock(e);
    r->x->running = false;
    r->x->ended = true;
    r->x->exit_code = code;
    r->x->pty = -1;
    c = container_get_locked(e, r->x->container_id, &(struct berr){0});
    if (c)
        exec_event(e, c, r->x, "exec_die", json_pack("{s:s}", "exitCode", text));
    container_put_locked(c);
    containers_broadcast(e);
    containers_unlock(e);
    log_debug("exec %.12s exited with %d", r->x->id, code);
}

/* A start that failed before the process ran still ends the exec, so a
 * client that asks for its exit code gets one. */
static void record_failed(struct engine *e, struct exec_run *r, const struct berr *why)
{
    if (!r->x)
        return;
    log_debug("exec %.12s: %s", r->x->id, berr_msg(why));
    /* dockerd gives every exec that could not start 126. */
    record_end(e, r, 126);
}

/* ---- the stream ---- */

struct exec_pump {
    struct engine *e;
    struct exec_run *r;
    int client; /* -1 once the client is gone: output is then dropped */
    bool client_eof;
    bool tty;
    bool want_stdout, want_stderr;
};

static void to_client(struct exec_pump *p, int stream, const char *data, size_t len)
{
    unsigned char hdr[8] = {(unsigned char)stream,
                            0,
                            0,
                            0,
                            (unsigned char)(len >> 24),
                            (unsigned char)(len >> 16),
                            (unsigned char)(len >> 8),
                            (unsigned char)len};

    if (p->client < 0 || (stream == 1 && !p->want_stdout) || (stream == 2 && !p->want_stderr))
        return;
    if ((!p->tty && container_send_all(p->client, hdr, sizeof(hdr)) < 0) ||
        container_send_all(p->client, data, len) < 0)
        p->client = -1;
}

/* Copy what fd has to the client; false at its end (EIO: pty closed). */
static bool copy_output(struct exec_pump *p, int *fd, int stream)
{
    char buf[32768];
    ssize_t n = read(*fd, buf, sizeof(buf));

    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (n <= 0) {
        if (*fd != p->r->in)
            close(*fd);
        *fd = -1;
        return false;
    }
    to_client(p, stream, buf, (size_t)n);
    return true;
}

static void drain(struct exec_pump *p)
{
    int *fds[2] = {&p->r->out, &p->r->errfd};

    for (int i = 0; i < 2; i++) {
        if (*fds[i] < 0)
            continue;
        fcntl(*fds[i], F_SETFL, fcntl(*fds[i], F_GETFL) | O_NONBLOCK);
        while (*fds[i] >= 0) {
            struct pollfd pfd = {.fd = *fds[i], .events = POLLIN};

            if (poll(&pfd, 1, 0) <= 0 || !copy_output(p, fds[i], i + 1))
                break;
        }
    }
}

static void on_client_input(struct exec_pump *p)
{
    struct exec_run *r = p->r;
    char buf[8192];
    ssize_t n = read(p->client, buf, sizeof(buf));

    if (n < 0 && errno == EINTR)
        return;
    if (n > 0) {
        if (r->in >= 0 && write(r->in, buf, (size_t)n) < 0)
            log_debug("exec %.12s: stdin: %s", r->x->id, strerror(errno));
        return;
    }
    p->client_eof = true;
    /* Without a TTY the half-close is the end of the process's stdin. */
    if (!p->tty && r->in >= 0) {
        close(r->in);
        r->in = -1;
    }
}

static void pump(struct exec_pump *p)
{
    struct exec_run *r = p->r;

    while (r->out >= 0 || r->errfd >= 0) {
        bool reading = p->client >= 0 && !p->client_eof;
        struct pollfd pfd[4] = {{.fd = r->out, .events = POLLIN},
                                {.fd = r->errfd, .events = POLLIN},
                                {.fd = reading ? p->client : -1, .events = POLLIN},
                                {.fd = r->pidfd, .events = POLLIN}};

        if (poll(pfd, 4, 500) < 0 && errno != EINTR)
            break;
        if (pfd[0].revents)
            copy_output(p, &r->out, 1);
        if (pfd[1].revents)
            copy_output(p, &r->errfd, 2);
        if (pfd[2].revents & POLLIN)
            on_client_input(p);
        else if (pfd[2].revents & (POLLHUP | POLLERR))
            p->client = -1;
        /* The runtime ended: take what is left, do not wait for
         * processes it left behind holding the pipes. */
        if (pfd[3].revents || p->e->stopping) {
            drain(p);
            break;
        }
    }
}

/* ---- detached ---- */

struct detached {
    struct engine *e;
    struct exec_run r;
};

static void *detached_main(void *arg)
{
    struct detached *d = arg;
    struct engine *e = d->e;
    struct pollfd pfd[2] = {{.fd = d->r.pidfd, .events = POLLIN},
                            {.fd = e->containers->wake_fd[0], .events = POLLIN}};

    /* At shutdown the daemon stops waiting; the process keeps running. */
    while (poll(pfd, 2, -1) < 0 && errno == EINTR)
        ;
    if (pfd[0].revents)
        record_end(e, &d->r, runtime_wait_child(d->r.pid));

    containers_lock(e);
    exec_put_locked(d->r.x);
    d->r.x = NULL;
    e->containers->helper_threads--;
    containers_broadcast(e);
    containers_unlock(e);
    run_release(&d->r);
    free(d);
    return NULL;
}

static int start_detached(struct engine *e, struct exec_run *r, struct berr *err)
{
    struct detached *d = xcalloc(1, sizeof(*d));
    pthread_attr_t attr;
    pthread_t t;
    int rc;

    d->e = e;
    d->r = *r;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    containers_lock(e);
    e->containers->helper_threads++;
    containers_unlock(e);
    rc = pthread_create(&t, &attr, detached_main, d);
    pthread_attr_destroy(&attr);
    if (rc == 0) {
        memset(r, 0, sizeof(*r));
        r->in = r->out = r->errfd = r->pidfd = -1;
        r->stdio[0] = r->stdio[1] = r->stdio[2] = -1;
        return 0;
    }
    containers_lock(e);
    e->containers->helper_threads--;
    containers_unlock(e);
    free(d);
    return berr_system(err, rc, "start the waiter of exec %s", r->x->id);
}

/* ---- run ---- */

static void attached_run(struct engine *e, struct exec_run *r, int sock)
{
    struct exec_pump p = {
        .e = e,
        .r = r,
        .client = sock,
        .tty = r->x->tty,
        .want_stdout = r->x->attach_stdout,
        .want_stderr = r->x->attach_stderr,
    };

    pump(&p);
    record_end(e, r, runtime_wait_child(r->pid));
}

/* After the 101 an error can only go into the stream: as dockerd, on
 * stdout, framed unless the exec has a TTY. */
static void report_in_stream(int sock, bool tty, const struct berr *err)
{
    _cleanup_free_ char *text = xasprintf("%s\r\n", berr_msg(err));
    uint32_t n = (uint32_t)strlen(text);
    unsigned char hdr[8] = {1, 0, 0, 0, n >> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff};

    if (tty || container_send_all(sock, hdr, sizeof(hdr)) == 0)
        container_send_all(sock, text, n);
}

/* Whether name exists in dir of the rootfs, without following a link
 * (that may point anywhere on the host). */
static bool rootfs_has(const char *rootfs, const char *dir, const char *name)
{
    _cleanup_free_ char *path = xasprintf("%s/%s/%s", rootfs, dir, name);
    struct stat st;

    return lstat(path, &st) == 0;
}

static const char *exec_path_env(struct exec_inst *x)
{
    for (size_t i = 0; x->env && x->env[i]; i++) {
        if (!strncmp(x->env[i], "PATH=", 5))
            return x->env[i] + 5;
    }
    return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

/* A command missing from the container fails with the runtime's words
 * before the runtime runs, so that its log line stays out of the output. */
static int check_executable(struct exec_run *r, struct berr *err)
{
    const char *cmd = r->x->cmd ? r->x->cmd[0] : NULL;
    _cleanup_free_ char *dirs = NULL;
    char *save = NULL;

    if (!cmd || strchr(cmd, '/'))
        return 0;
    dirs = xstrdup(exec_path_env(r->x));
    for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        if (rootfs_has(r->rootfs, d, cmd))
            return 0;
    }
    return berr_system(err, 0,
                       "OCI runtime exec failed: exec failed: unable to start container process: "
                       "exec: \"%s\": executable file not found in $PATH: unknown",
                       cmd);
}

int engine_exec_run(struct engine *e, const char *id, int sock, const char *early, size_t n_early,
                    unsigned h, unsigned w, struct berr *err)
{
    struct exec_run r = {.in = -1, .out = -1, .errfd = -1, .pidfd = -1, .stdio = {-1, -1, -1}};
    int rc = run_begin(e, id, &r, err);

    if (rc == 0)
        rc = check_executable(&r, err);
    if (rc == 0)
        rc = write_process(&r, h, w, err);
    if (rc == 0)
        rc = setup_stdio(&r, sock >= 0, h, w, err);
    if (rc == 0)
        rc = spawn(e, &r, err);
    if (rc == 0 && sock >= 0 && n_early && r.in >= 0 && write(r.in, early, n_early) < 0)
        log_debug("exec %.12s: stdin: %s", id, strerror(errno));
    if (rc == 0 && sock < 0)
        rc = start_detached(e, &r, err);
    else if (rc == 0)
        attached_run(e, &r, sock);
    if (rc < 0) {
        record_failed(e, &r, err);
        if (sock >= 0)
            report_in_stream(sock, r.x && r.x->tty, err);
    }
    if (sock >= 0)
        shutdown(sock, SHUT_WR);

    containers_lock(e);
    exec_put_locked(r.x);
    containers_unlock(e);
    run_release(&r);
    return rc;
}

/* ---- resize and inspect ---- */

int engine_exec_resize(struct engine *e, const char *id, unsigned h, unsigned w, struct berr *err)
{
    struct winsize ws = {.ws_row = (unsigned short)h, .ws_col = (unsigned short)w};
    struct exec_inst *x;
    int rc = 0;

    containers_lock(e);
    x = exec_get_locked(e, id, err);
    if (!x) {
        rc = -1;
    } else if (x->running && x->pty >= 0) {
        if (ioctl(x->pty, TIOCSWINSZ, &ws) < 0)
            rc = berr_system(err, errno, "resize exec %s", id);
        else
            kill(x->runtime_pid, SIGWINCH);
    }
    exec_put_locked(x);
    containers_unlock(e);
    return rc;
}

static pid_t read_pid(const char *path)
{
    _cleanup_free_ char *text = NULL;
    struct berr err = BERR_INIT;

    if (!path || fs_read_file(path, &text, NULL, &err) < 0) {
        berr_clear(&err);
        return 0;
    }
    return (pid_t)atoi(text);
}

static json_t *process_config(struct exec_inst *x)
{
    json_t *args = json_strv(x->cmd ? x->cmd + 1 : NULL);

    if (!json_is_array(args)) {
        json_decref(args);
        args = json_array();
    }
    return json_pack("{s:b,s:s,s:o,s:b,s:s}", "tty", x->tty, "entrypoint",
                     x->cmd && x->cmd[0] ? x->cmd[0] : "", "arguments", args, "privileged",
                     x->privileged, "user", x->user);
}

json_t *engine_exec_inspect(struct engine *e, const char *id, struct berr *err)
{
    struct exec_inst *x;
    json_t *doc;

    containers_lock(e);
    x = exec_get_locked(e, id, err);
    if (!x) {
        containers_unlock(e);
        return NULL;
    }
    if (x->running && !x->pid)
        x->pid = read_pid(x->pid_path);
    doc = json_pack("{s:s,s:b,s:o,s:o,s:b,s:b,s:b,s:b,s:s,s:s,s:i}", "ID", x->id, "Running",
                    x->running, "ExitCode", x->ended ? json_integer(x->exit_code) : json_null(),
                    "ProcessConfig", process_config(x), "OpenStdin", x->attach_stdin, "OpenStderr",
                    x->attach_stderr, "OpenStdout", x->attach_stdout, "CanRemove", false,
                    "ContainerID", x->container_id, "DetachKeys", x->detach_keys, "Pid",
                    x->running ? (int)x->pid : 0);
    exec_put_locked(x);
    containers_unlock(e);
    return doc;
}
