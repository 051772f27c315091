/* The set of containers: lookup, persistence, the exit monitor and the
 * restore of containers at start-up. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "engine/container-internal.h"
#include "engine/engine-internal.h"
#include "store/store.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

void containers_lock(struct engine *e)
{
    pthread_mutex_lock(&e->containers->lock);
}

void containers_unlock(struct engine *e)
{
    pthread_mutex_unlock(&e->containers->lock);
}

void containers_broadcast(struct engine *e)
{
    pthread_cond_broadcast(&e->containers->cond);
}

int64_t containers_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool containers_wait(struct engine *e, int64_t deadline_ms)
{
    struct timespec ts;

    if (deadline_ms <= 0) {
        pthread_cond_wait(&e->containers->cond, &e->containers->lock);
        return true;
    }
    ts.tv_sec = deadline_ms / 1000;
    ts.tv_nsec = (deadline_ms % 1000) * 1000000;
    return pthread_cond_timedwait(&e->containers->cond, &e->containers->lock, &ts) == 0;
}

void container_begin_locked(struct engine *e, struct container *c)
{
    while (c->busy)
        containers_wait(e, 0);
    c->busy = true;
}

void container_end_locked(struct engine *e, struct container *c)
{
    c->busy = false;
    containers_broadcast(e);
}

/* ---- document accessors ---- */

json_t *container_state(struct container *c)
{
    return json_object_get(c->doc, "State");
}

json_t *container_config(struct container *c)
{
    return json_object_get(c->doc, "Config");
}

json_t *container_host_config(struct container *c)
{
    return json_object_get(c->doc, "HostConfig");
}

json_t *container_private(struct container *c)
{
    return json_object_get(c->doc, "Berth");
}

bool container_running(struct container *c)
{
    return json_get_bool(container_state(c), "Running", false);
}

pid_t container_pid(struct container *c)
{
    return (pid_t)json_get_int(container_state(c), "Pid", 0);
}

const char *container_status(struct container *c)
{
    json_t *st = container_state(c);

    if (json_get_bool(st, "Running", false))
        return json_get_bool(st, "Paused", false) ? "paused" : "running";
    if (json_get_bool(st, "Restarting", false))
        return "restarting";
    if (c->removing)
        return "removing";
    if (json_get_bool(st, "Dead", false))
        return "dead";
    if (!strcmp(json_get_str(st, "StartedAt", "0001"), "0001-01-01T00:00:00Z") &&
        !json_get_bool(container_private(c), "Started", false))
        return "created";
    return "exited";
}

void engine_container_counts(struct engine *e, int64_t *running, int64_t *paused, int64_t *stopped)
{
    struct container_set *s = e->containers;

    *running = *paused = *stopped = 0;
    if (!s)
        return;
    containers_lock(e);
    for (size_t i = 0; i < s->n; i++) {
        const char *status = container_status(s->items[i]);

        if (!strcmp(status, "paused"))
            (*paused)++;
        else if (!strcmp(status, "running") || !strcmp(status, "restarting"))
            (*running)++;
        else
            (*stopped)++;
    }
    containers_unlock(e);
}

/* ---- paths ---- */

char *container_dir(struct engine *e, const char *id)
{
    return xasprintf("%s/%s", e->runtime->containers_dir, id);
}

char *container_bundle(struct engine *e, const char *id)
{
    return xasprintf("%s/%s", e->runtime->bundles_dir, id);
}

int container_launch_init(struct engine *e, struct container *c, struct container_launch *cl,
                          struct berr *err)
{
    const char *name = json_get_str(container_host_config(c), "Runtime", "");
    const struct config_runtime *rt = config_find_runtime(e->cfg, name);
    const json_t *log_opts =
        json_object_get(json_object_get(container_host_config(c), "LogConfig"), "Config");
    struct runtime *r = e->runtime;

    memset(cl, 0, sizeof(*cl));
    if (!rt)
        return berr_invalid(err, "unknown or invalid runtime name: %s", name);
    cl->bundle = container_bundle(e, c->id);
    cl->runtime_root = xasprintf("%s/%s", r->state_dir, name);
    cl->log_path = xstrdup(json_get_str(c->doc, "LogPath", ""));
    cl->cuuid = xstrndup(c->id, 12);
    cl->runtime_path = xstrdup(rt->path);
    cl->l = (struct runtime_launch){
        .id = c->id,
        .cuuid = cl->cuuid,
        .conmon_path = r->conmon_path,
        .runtime_path = cl->runtime_path,
        .runtime_root = cl->runtime_root,
        .bundle = cl->bundle,
        .log_path = cl->log_path,
        .exit_dir = r->exits_dir,
        .socket_dir = r->sockets_dir,
        .tty = json_get_bool(container_config(c), "Tty", false),
        .stdin_open = json_get_bool(container_config(c), "OpenStdin", false),
    };
    /* Checked at create: a failure here leaves the log without a limit. */
    if (runtime_log_opts_check(log_opts, &cl->l.log_size_max, err) < 0)
        berr_clear(err);
    /* With a TTY stdin and output are one fd in conmon: closing stdin would
     * cut the output, so it stays open. */
    cl->l.leave_stdin_open = cl->l.tty || !json_get_bool(container_config(c), "StdinOnce", false);
    return 0;
}

void container_launch_release(struct container_launch *cl)
{
    free(cl->bundle);
    free(cl->runtime_root);
    free(cl->log_path);
    free(cl->cuuid);
    free(cl->runtime_path);
    memset(cl, 0, sizeof(*cl));
}

/* ---- the set ---- */

static void container_free(struct container *c)
{
    free(c->id);
    free(c->name);
    json_decref(c->doc);
    free(c);
}

void container_put_locked(struct container *c)
{
    if (c && --c->refs == 0)
        container_free(c);
}

void container_put(struct engine *e, struct container *c)
{
    if (!c)
        return;
    containers_lock(e);
    container_put_locked(c);
    containers_unlock(e);
}

void container_add_locked(struct engine *e, struct container *c)
{
    struct container_set *s = e->containers;

    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->items = xrealloc(s->items, s->cap * sizeof(*s->items));
    }
    c->refs++;
    if (!c->seq)
        c->seq = ++s->next_seq;
    s->items[s->n++] = c;
}

void container_drop_locked(struct engine *e, struct container *c)
{
    struct container_set *s = e->containers;

    for (size_t i = 0; i < s->n; i++) {
        if (s->items[i] != c)
            continue;
        memmove(&s->items[i], &s->items[i + 1], (s->n - i - 1) * sizeof(*s->items));
        s->n--;
        c->gone = true;
        containers_broadcast(e);
        container_put_locked(c);
        return;
    }
}

struct container *container_find_name_locked(struct engine *e, const char *name)
{
    struct container_set *s = e->containers;
    const char *bare = name[0] == '/' ? name + 1 : name;

    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->items[i]->name + 1, bare))
            return s->items[i];
    return NULL;
}

/* Exact ID, then exact name, then unique ID prefix, as dockerd looks. */
struct container *container_get_locked(struct engine *e, const char *ref, struct berr *err)
{
    struct container_set *s = e->containers;
    struct container *found = NULL;
    size_t len = strlen(ref);

    if (!*ref) {
        berr_invalid(err, "invalid name or ID supplied: \"\"");
        return NULL;
    }
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->items[i]->id, ref))
            found = s->items[i];
    if (!found)
        found = container_find_name_locked(e, ref);
    for (size_t i = 0; !found && i < s->n; i++) {
        if (strncmp(s->items[i]->id, ref, len))
            continue;
        for (size_t j = i + 1; j < s->n; j++) {
            if (!strncmp(s->items[j]->id, ref, len)) {
                berr_invalid(err, "multiple IDs found with provided prefix: %s", ref);
                return NULL;
            }
        }
        found = s->items[i];
    }
    if (!found) {
        berr_not_found(err, "No such container: %s", ref);
        return NULL;
    }
    found->refs++;
    return found;
}

struct container *container_get(struct engine *e, const char *ref, struct berr *err)
{
    struct container *c;

    containers_lock(e);
    c = container_get_locked(e, ref, err);
    containers_unlock(e);
    return c;
}

/* ---- store ---- */

int container_save(struct engine *e, struct container *c, struct berr *err)
{
    _cleanup_stmt_ sqlite3_stmt *st = NULL;
    _cleanup_free_ char *doc = json_dumps_compact(c->doc);
    sqlite3 *db = store_db(e->store);
    int rc;

    store_lock(e->store);
    rc = sqlite3_prepare_v2(db,
                            "INSERT INTO containers (id, name, image_id, created, doc)"
                            " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(id) DO UPDATE SET"
                            " name = ?2, image_id = ?3, doc = ?5",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, c->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, json_get_str(c->doc, "Image", ""), -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, c->seq);
        sqlite3_bind_text(st, 5, doc, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    if (rc != SQLITE_OK)
        store_error(e->store, err, "save container");
    store_unlock(e->store);
    return rc == SQLITE_OK ? 0 : berr_wrap(err, "container %s", c->id);
}

int container_store_delete(struct engine *e, const char *id, struct berr *err)
{
    _cleanup_stmt_ sqlite3_stmt *st = NULL;
    int rc;

    store_lock(e->store);
    rc = sqlite3_prepare_v2(store_db(e->store), "DELETE FROM containers WHERE id = ?1", -1, &st,
                            NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    if (rc != SQLITE_OK)
        store_error(e->store, err, "delete container");
    store_unlock(e->store);
    return rc == SQLITE_OK ? 0 : -1;
}

static int load_rows(struct engine *e, struct berr *err)
{
    _cleanup_stmt_ sqlite3_stmt *st = NULL;
    int rc;

    store_lock(e->store);
    rc = sqlite3_prepare_v2(store_db(e->store),
                            "SELECT id, name, created, doc FROM containers ORDER BY created", -1,
                            &st, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct container *c = xcalloc(1, sizeof(*c));

        c->id = xstrdup((const char *)sqlite3_column_text(st, 0));
        c->name = xstrdup((const char *)sqlite3_column_text(st, 1));
        c->seq = sqlite3_column_int64(st, 2);
        c->doc = json_loads((const char *)sqlite3_column_text(st, 3), 0, NULL);
        if (!c->doc)
            c->doc = json_object();
        if (c->seq > e->containers->next_seq)
            e->containers->next_seq = c->seq;
        containers_lock(e);
        container_add_locked(e, c);
        containers_unlock(e);
        rc = SQLITE_OK;
    }
    if (rc != SQLITE_DONE)
        store_error(e->store, err, "load containers");
    store_unlock(e->store);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- the exit monitor ---- */

static void read_exit_file(struct engine *e, const char *name)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", e->runtime->exits_dir, name);
    _cleanup_free_ char *text = NULL;
    struct berr err = BERR_INIT;

    if (strlen(name) != 64 || strchr(name, '.'))
        return;
    if (fs_read_file(path, &text, NULL, &err) < 0) {
        berr_clear(&err);
        return;
    }
    container_handle_exit(e, name, atoi(text));
}

static void drain_inotify(struct engine *e)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t n = read(e->containers->inotify_fd, buf, sizeof(buf));

    for (char *p = buf; n > 0 && p < buf + n;) {
        struct inotify_event *ev = (struct inotify_event *)p;

        if (ev->len)
            read_exit_file(e, ev->name);
        p += sizeof(*ev) + ev->len;
    }
}

static void *monitor_main(void *arg)
{
    struct engine *e = arg;
    struct container_set *s = e->containers;

    for (;;) {
        struct pollfd pfd[2] = {{.fd = s->inotify_fd, .events = POLLIN},
                                {.fd = s->wake_fd[0], .events = POLLIN}};

        if (poll(pfd, 2, -1) < 0 && errno != EINTR)
            break;
        if (pfd[1].revents)
            break;
        if (pfd[0].revents & POLLIN)
            drain_inotify(e);
    }
    return NULL;
}

/* Exits that happened before the watch (or while the daemon was down). */
static void scan_exits(struct engine *e)
{
    _cleanup_closedir_ DIR *d = opendir(e->runtime->exits_dir);
    struct dirent *de;

    while (d && (de = readdir(d)))
        if (de->d_name[0] != '.')
            read_exit_file(e, de->d_name);
}

/* A container recorded running whose monitor is gone without an exit
 * file: nothing will ever report it, so record it as exited. */
static void reap_orphans(struct engine *e)
{
    struct container_set *s = e->containers;
    _cleanup_strv_ char **lost = NULL;

    containers_lock(e);
    for (size_t i = 0; i < s->n; i++) {
        struct container *c = s->items[i];
        pid_t mon = (pid_t)json_get_int(container_private(c), "ConmonPid", 0);

        if (container_running(c) && !runtime_monitor_alive(mon))
            strv_push(&lost, c->id);
    }
    containers_unlock(e);
    for (size_t i = 0; lost && lost[i]; i++) {
        log_warn("container %.12s: its monitor is gone; recording it as exited", lost[i]);
        container_handle_exit(e, lost[i], 255);
    }
}

static int start_monitor(struct engine *e, struct berr *err)
{
    struct container_set *s = e->containers;

    s->inotify_fd = inotify_init1(IN_CLOEXEC);
    if (s->inotify_fd < 0)
        return berr_system(err, errno, "inotify_init");
    if (inotify_add_watch(s->inotify_fd, e->runtime->exits_dir, IN_CLOSE_WRITE | IN_MOVED_TO) < 0)
        return berr_system(err, errno, "watch %s", e->runtime->exits_dir);
    if (pipe2(s->wake_fd, O_CLOEXEC) < 0)
        return berr_system(err, errno, "pipe");
    if (pthread_create(&s->monitor, NULL, monitor_main, e) != 0)
        return berr_system(err, errno, "start the exit monitor");
    s->monitor_running = true;
    return 0;
}

int engine_containers_restore(struct engine *e, struct berr *err)
{
    struct container_set *s = xcalloc(1, sizeof(*s));

    pthread_mutex_init(&s->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cond, &ca);
    pthread_condattr_destroy(&ca);
    s->inotify_fd = -1;
    s->wake_fd[0] = s->wake_fd[1] = -1;
    e->containers = s;

    if (load_rows(e, err) < 0 || start_monitor(e, err) < 0)
        return berr_wrap(err, "restore containers");
    scan_exits(e);
    reap_orphans(e);
    container_restart_on_boot(e);
    log_info("%zu containers restored", s->n);
    return 0;
}

void engine_containers_release(struct engine *e)
{
    struct container_set *s = e->containers;

    if (!s)
        return;
    if (s->monitor_running) {
        (void)!write(s->wake_fd[1], "x", 1);
        pthread_join(s->monitor, NULL);
    }
    container_execs_release(e);
    if (s->inotify_fd >= 0)
        close(s->inotify_fd);
    if (s->wake_fd[0] >= 0) {
        close(s->wake_fd[0]);
        close(s->wake_fd[1]);
    }
    for (size_t i = 0; i < s->n; i++)
        container_put_locked(s->items[i]);
    free(s->items);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
    free(s);
    e->containers = NULL;
}

int engine_container_lookup(struct engine *e, const char *ref, char **id_out, pid_t *pid_out,
                            bool *running_out, struct berr *err)
{
    struct container *c;

    containers_lock(e);
    c = container_get_locked(e, ref, err);
    if (c) {
        if (id_out)
            *id_out = xstrdup(c->id);
        if (pid_out)
            *pid_out = container_running(c) ? container_pid(c) : 0;
        if (running_out)
            *running_out = container_running(c);
        container_put_locked(c);
    }
    containers_unlock(e);
    return c ? 0 : -1;
}
