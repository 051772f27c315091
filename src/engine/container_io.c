/* Logs (conmon's k8s-file log read back as docker logs prints it) and
 * attach sessions (conmon's attach socket bridged to the client). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "engine/container-internal.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

int engine_container_stream_info(struct engine *e, const char *ref, bool *tty, char **id_out,
                                 struct berr *err)
{
    struct container *c;

    containers_lock(e);
    c = container_get_locked(e, ref, err);
    if (c) {
        *tty = json_get_bool(container_config(c), "Tty", false);
        *id_out = xstrdup(c->id);
    }
    container_put_locked(c);
    containers_unlock(e);
    return c ? 0 : -1;
}

int engine_container_logs_check(struct engine *e, const char *ref, struct berr *err)
{
    struct container *c;
    const char *type;
    int rc = -1;

    containers_lock(e);
    c = container_get_locked(e, ref, err);
    if (c) {
        type = json_get_str(json_object_get(container_host_config(c), "LogConfig"), "Type", "");
        rc = strcmp(type, "none") ? 0
                                  : berr_set(err, BERR_NOT_IMPLEMENTED, 0,
                                             "configured logging driver does not support reading");
    }
    container_put_locked(c);
    containers_unlock(e);
    return rc;
}

int engine_container_attach_check(struct engine *e, const char *ref, struct berr *err)
{
    struct container *c;
    int rc = -1;

    containers_lock(e);
    c = container_get_locked(e, ref, err);
    if (c && json_get_bool(container_state(c), "Paused", false))
        berr_conflict(err, "container %s is paused, unpause the container before attach", ref);
    else if (c && json_get_bool(container_state(c), "Restarting", false))
        berr_conflict(err, "container %s is restarting, wait until the container is running", ref);
    else if (c)
        rc = 0;
    container_put_locked(c);
    containers_unlock(e);
    return rc;
}

/* ---- logs ---- */

struct log_reader {
    const struct engine_logs_opts *o;
    engine_write_fn write;
    void *ctx;
    bool past_until;
};

static bool before(int64_t s1, long n1, int64_t s2, long n2)
{
    return s1 < s2 || (s1 == s2 && n1 < n2);
}

/* One record to the client; -1 when the client is gone. */
static int emit_entry(struct log_reader *r, const struct runtime_log_entry *en)
{
    const struct engine_logs_opts *o = r->o;
    _cleanup_free_ char *buf = NULL;
    char stamp[64] = "";
    struct tm tm;
    time_t t = (time_t)en->sec;
    size_t n;

    if ((en->stream == RUNTIME_STDOUT && !o->stdout_) ||
        (en->stream == RUNTIME_STDERR && !o->stderr_))
        return 0;
    if (before(en->sec, en->nsec, o->since_sec, o->since_nsec))
        return 0;
    if (o->until_sec && before(o->until_sec, o->until_nsec, en->sec, en->nsec)) {
        r->past_until = true;
        return 0;
    }
    if (o->timestamps) {
        gmtime_r(&t, &tm);
        n = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(stamp + n, sizeof(stamp) - n, ".%09ldZ ", en->nsec);
    }
    buf = xasprintf("%s%.*s%s", stamp, (int)en->len, en->data, en->partial ? "" : "\n");
    return r->write(r->ctx, en->stream, buf, strlen(buf));
}

/* Emit the complete lines of text[0..len); returns the bytes consumed. */
static ssize_t emit_lines(struct log_reader *r, const char *text, size_t len)
{
    size_t pos = 0;

    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        struct runtime_log_entry en;

        if (!nl)
            break;
        if (runtime_log_parse(text + pos, (size_t)(nl - text - pos), &en) == 0 &&
            emit_entry(r, &en) < 0)
            return -1;
        pos = (size_t)(nl - text) + 1;
    }
    return (ssize_t)pos;
}

/* Offset of the first of the last n complete records of fd, found by
 * reading backwards from its end, so a long log is not read whole.  The
 * newline that ends the last complete record separates nothing. */
static off_t tail_offset(int fd, int64_t n)
{
    char buf[65536];
    off_t end = lseek(fd, 0, SEEK_END);
    int64_t seen = -1;

    while (end > 0) {
        size_t len = end > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)end;
        off_t start = end - (off_t)len;

        if (pread(fd, buf, len, start) != (ssize_t)len)
            return 0;
        for (size_t i = len; i-- > 0;)
            if (buf[i] == '\n' && ++seen == n)
                return start + (off_t)i + 1;
        end = start;
    }
    return 0;
}

static char *read_from(int fd, off_t off, size_t *len)
{
    size_t cap = 65536;
    char *buf = xmalloc(cap);
    ssize_t n;

    *len = 0;
    while ((n = pread(fd, buf + *len, cap - *len, off + (off_t)*len)) > 0) {
        *len += (size_t)n;
        if (*len == cap) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
    }
    return buf;
}

static bool still_running(struct engine *e, const char *id)
{
    bool running = false;

    engine_container_lookup(e, id, NULL, NULL, &running, &(struct berr){0});
    return running;
}

/* Follow the file from off until the container stops or the client goes. */
static int follow(struct engine *e, const char *id, const char *path, int fd, off_t off,
                  struct log_reader *r, engine_gone_fn gone)
{
    _cleanup_close_ int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    bool last = false;

    if (in >= 0)
        inotify_add_watch(in, path, IN_MODIFY);
    while (!r->past_until) {
        _cleanup_free_ char *text = NULL;
        struct pollfd pfd = {.fd = in, .events = POLLIN};
        char drain[4096];
        size_t len;
        ssize_t used;

        last = last || !still_running(e, id) || e->stopping;
        text = read_from(fd, off, &len);
        used = emit_lines(r, text, len);
        if (used < 0)
            return 0;
        off += used;
        if (last || (gone && gone(r->ctx)))
            return 0;
        poll(&pfd, 1, 250);
        while (in >= 0 && read(in, drain, sizeof(drain)) > 0)
            ;
    }
    return 0;
}

int engine_container_logs(struct engine *e, const char *id, const struct engine_logs_opts *o,
                          engine_write_fn write, engine_gone_fn gone, void *ctx, struct berr *err)
{
    struct log_reader r = {.o = o, .write = write, .ctx = ctx};
    _cleanup_free_ char *path = NULL;
    _cleanup_free_ char *text = NULL;
    _cleanup_close_ int fd = -1;
    struct container *c;
    size_t len = 0;
    off_t off = 0;
    ssize_t used;

    containers_lock(e);
    c = container_get_locked(e, id, err);
    if (c)
        path = xstrdup(json_get_str(c->doc, "LogPath", ""));
    container_put_locked(c);
    containers_unlock(e);
    if (!c)
        return -1;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && o->tail >= 0)
        off = tail_offset(fd, o->tail);
    if (fd >= 0)
        text = read_from(fd, off, &len);
    used = text ? emit_lines(&r, text, len) : 0;
    if (used < 0 || !o->follow)
        return 0;
    if (fd < 0)
        return 0;
    return follow(e, id, path, fd, off + used, &r, gone);
}

/* ---- attach ---- */

int container_send_all(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

struct session {
    int client;
    int conmon;
    bool tty;
    bool want_stdin;
    bool stdin_once;
    const struct engine_attach_opts *o;
};

static int send_frame(struct session *s, int stream, const void *data, size_t len)
{
    unsigned char hdr[8] = {(unsigned char)stream,
                            0,
                            0,
                            0,
                            (unsigned char)(len >> 24),
                            (unsigned char)(len >> 16),
                            (unsigned char)(len >> 8),
                            (unsigned char)len};

    if ((stream == 1 && !s->o->stdout_) || (stream == 2 && !s->o->stderr_))
        return 0;
    if (!s->tty && container_send_all(s->client, hdr, sizeof(hdr)) < 0)
        return -1;
    return container_send_all(s->client, data, len);
}

static int frame_writer(void *ctx, int stream, const void *data, size_t len)
{
    return send_frame(ctx, stream, data, len);
}

/* Client bytes to the container's stdin, in packets conmon can take. */
static int to_stdin(struct session *s, const char *data, size_t len)
{
    while (len > 0) {
        size_t n = len > 4096 ? 4096 : len;

        if (container_send_all(s->conmon, data, n) < 0)
            return -1;
        data += n;
        len -= n;
    }
    return 0;
}

/* The client half-closed: true when the session should end now. */
static bool on_stdin_eof(struct session *s)
{
    if (!s->want_stdin)
        return false;
    if (s->stdin_once && !s->tty) {
        shutdown(s->conmon, SHUT_WR);
        return false;
    }
    return true;
}

static int on_output(struct session *s)
{
    char buf[RUNTIME_ATTACH_PACKET];
    ssize_t n = recv(s->conmon, buf, sizeof(buf), 0);

    if (n < 0 && errno == EINTR)
        return 0;
    if (n <= 0)
        return -1;
    if (n < 2)
        return 0;
    return send_frame(s, buf[0] == RUNTIME_PIPE_STDERR ? 2 : 1, buf + 1, (size_t)n - 1);
}

static int on_input(struct session *s, bool *eof)
{
    char buf[8192];
    ssize_t n = read(s->client, buf, sizeof(buf));

    if (n < 0 && errno == EINTR)
        return 0;
    if (n <= 0) {
        *eof = true;
        return on_stdin_eof(s) ? -1 : 0;
    }
    if (s->want_stdin && to_stdin(s, buf, (size_t)n) < 0)
        return 0;
    return 0;
}

static void pump(struct session *s)
{
    bool client_eof = false;

    for (;;) {
        struct pollfd pfd[2] = {{.fd = s->conmon, .events = POLLIN},
                                {.fd = s->client, .events = client_eof ? 0 : POLLIN}};

        if (poll(pfd, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pfd[0].revents && on_output(s) < 0)
            break;
        if (pfd[1].revents & (POLLHUP | POLLERR))
            break;
        if ((pfd[1].revents & POLLIN) && on_input(s, &client_eof) < 0)
            break;
    }
}

static bool client_hung_up(int fd)
{
    struct pollfd pfd = {.fd = fd, .events = 0};

    return poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLERR));
}

static void unlink_pending(struct container *c, struct attach_pending *p)
{
    for (struct attach_pending **pp = &c->pending; *pp; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            return;
        }
    }
}

/* Connect to the running container now, or wait for its start to do it
 * (lock held). */
static int connect_session(struct engine *e, struct container *c, int client)
{
    struct attach_pending p = {.conmon_fd = -1};
    struct container_launch cl;
    struct berr err = BERR_INIT;
    int fd = -1;

    if (container_running(c) && !c->busy) {
        if (container_launch_init(e, c, &cl, &err) == 0 &&
            runtime_attach_connect(&cl.l, &fd, &err) < 0)
            log_debug("attach %.12s: %s", c->id, berr_msg(&err));
        container_launch_release(&cl);
        berr_clear(&err);
        return fd;
    }
    p.next = c->pending;
    c->pending = &p;
    while (!p.done && !c->gone && !e->stopping && !client_hung_up(client))
        containers_wait(e, containers_now_ms() + 250);
    unlink_pending(c, &p);
    return p.conmon_fd;
}

int engine_container_attach(struct engine *e, const char *id, const struct engine_attach_opts *o,
                            int sock, const char *early, size_t early_len, struct berr *err)
{
    struct session s = {.client = sock, .conmon = -1, .o = o};
    struct container *c;

    containers_lock(e);
    c = container_get_locked(e, id, err);
    if (!c) {
        containers_unlock(e);
        return -1;
    }
    s.tty = json_get_bool(container_config(c), "Tty", false);
    s.want_stdin = o->stdin_ && json_get_bool(container_config(c), "OpenStdin", false);
    s.stdin_once = json_get_bool(container_config(c), "StdinOnce", false);
    containers_unlock(e);

    if (o->logs) {
        struct engine_logs_opts lo = {.stdout_ = o->stdout_, .stderr_ = o->stderr_, .tail = -1};

        engine_container_logs(e, id, &lo, frame_writer, NULL, &s, err);
        berr_clear(err);
    }
    if (o->stream) {
        containers_lock(e);
        container_event(e, c, "attach", NULL);
        s.conmon = connect_session(e, c, sock);
        containers_unlock(e);
    }
    if (s.conmon >= 0) {
        if (s.want_stdin && early_len)
            to_stdin(&s, early, early_len);
        pump(&s);
        close(s.conmon);
    }
    shutdown(sock, SHUT_WR);
    container_put(e, c);
    return 0;
}
