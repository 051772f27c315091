/* Stop, kill, restart, remove, wait and resize. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "engine/container-internal.h"
#include "engine/events.h"
#include "engine/networks.h"
#include "engine/volumes.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

static const struct {
    const char *name;
    int num;
} signals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

int container_signal_parse(const char *s)
{
    const char *bare = strncasecmp(s, "SIG", 3) ? s : s + 3;
    char *end = NULL;
    long n = strtol(s, &end, 10);

    if (*s && end && !*end)
        return n > 0 && n < 65 ? (int)n : -1;
    for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
        if (!strcasecmp(signals[i].name, bare))
            return signals[i].num;
    if (!strncasecmp(bare, "RTMIN+", 6))
        return SIGRTMIN + atoi(bare + 6);
    if (!strncasecmp(bare, "RTMAX-", 6))
        return SIGRTMAX - atoi(bare + 6);
    return -1;
}

void container_event(struct engine *e, struct container *c, const char *action, json_t *extra)
{
    json_t *attrs = json_object();
    const char *key;
    json_t *v;

    json_object_foreach(json_object_get(container_config(c), "Labels"), key, v)
        json_object_set(attrs, key, v);
    json_object_set_new(attrs, "image",
                        json_string(json_get_str(container_config(c), "Image", "")));
    json_object_set_new(attrs, "name", json_string(c->name + 1));
    if (extra)
        json_object_update(attrs, extra);
    json_decref(extra);
    engine_event_emit(e, "container", action, c->id, attrs);
}

/* ---- kill and stop ---- */

/* Thaw a paused c (lock held) so that a signal sent to it is handled. */
static void thaw_locked(struct engine *e, struct container *c)
{
    struct container_launch cl;
    struct berr err = BERR_INIT;

    if (!json_get_bool(container_state(c), "Paused", false))
        return;
    if (container_launch_init(e, c, &cl, &err) < 0 || runtime_resume(&cl.l, &err) < 0)
        log_warn("container %.12s: resume: %s", c->id, berr_msg(&err));
    berr_clear(&err);
    container_launch_release(&cl);
    json_object_set_new(container_state(c), "Paused", json_false());
    if (container_save(e, c, &err) < 0)
        log_error("container %.12s: %s", c->id, berr_msg(&err));
    berr_clear(&err);
    container_event(e, c, "unpause", NULL);
}

/* Signal c's process; thaw: a stop or SIGKILL also resumes a paused
 * container, or the signal would wait for an unpause. */
static int send_signal(struct engine *e, struct container *c, int sig, bool thaw, struct berr *err)
{
    pid_t pid = container_pid(c);
    char num[16];

    /* Pid 0 would signal the daemon's own process group. */
    if (pid <= 0)
        return berr_conflict(err, "container %s is not running", c->id);
    if (kill(pid, sig) < 0 && errno != ESRCH)
        return berr_system(err, errno, "kill container %s", c->id);
    snprintf(num, sizeof(num), "%d", sig);
    container_event(e, c, "kill", json_pack("{s:s}", "signal", num));
    if (thaw || sig == SIGKILL)
        thaw_locked(e, c);
    return 0;
}

/* How long a SIGKILL waits for the exit to be recorded. */
#define KILL_WAIT_MS 10000

/* Wait (lock held) until the exit after seq is recorded or the deadline
 * passes; true when it exited. */
static bool wait_exit_locked(struct engine *e, struct container *c, unsigned seq, int64_t deadline)
{
    while (c->exit_seq == seq && container_running(c) && !c->gone) {
        if (!containers_wait(e, deadline) && deadline > 0 && containers_now_ms() >= deadline)
            return c->exit_seq != seq || !container_running(c) || c->gone;
    }
    return true;
}

int engine_container_kill(struct engine *e, const char *ref, const char *signal, struct berr *err)
{
    int sig = signal && *signal ? container_signal_parse(signal) : SIGKILL;
    struct container *c;
    int rc;

    if (sig < 0)
        return berr_invalid(err, "Invalid signal: %s", signal);
    containers_lock(e);
    c = container_get_locked(e, ref, err);
    if (!c) {
        containers_unlock(e);
        return -1;
    }
    if (!container_running(c)) {
        rc = berr_conflict(err, "cannot kill container: %s: container %s is not running", ref,
                           c->id);
    } else {
        unsigned seq = c->exit_seq;

        container_restart_cancel_locked(e, c, true);
        rc = send_signal(e, c, sig, false, err);
        /* As dockerd, a SIGKILL answers once the exit is recorded, so that an
         * inspect right after shows it; bounded in case the exit never comes. */
        if (rc == 0 && sig == SIGKILL &&
            !wait_exit_locked(e, c, seq, containers_now_ms() + KILL_WAIT_MS))
            rc = berr_system(err, 0, "tried to kill container, but did not receive an exit event");
    }
    container_put_locked(c);
    containers_unlock(e);
    return rc;
}

static int stop_signal_of(struct container *c, const char *signal, struct berr *err)
{
    const char *s =
        signal && *signal ? signal : json_get_str(container_config(c), "StopSignal", "");
    int sig = *s ? container_signal_parse(s) : SIGTERM;

    if (sig < 0)
        return berr_invalid(err, "Invalid signal: %s", s);
    return sig;
}

/* Stop c (lock held): its stop signal, then SIGKILL after timeout. */
static int stop_locked(struct engine *e, struct container *c, int timeout, const char *signal,
                       struct berr *err)
{
    unsigned seq = c->exit_seq;
    int sig = stop_signal_of(c, signal, err);

    if (sig < 0)
        return -1;
    if (timeout < 0)
        timeout = (int)json_get_int(container_config(c), "StopTimeout", 10);
    container_restart_cancel_locked(e, c, true);
    if (send_signal(e, c, sig, true, err) < 0)
        return -1;
    if (!wait_exit_locked(e, c, seq, containers_now_ms() + (int64_t)timeout * 1000)) {
        log_debug("container %.12s: no exit %d s after signal %d, killing it", c->id, timeout, sig);
        if (container_running(c) && send_signal(e, c, SIGKILL, true, err) < 0)
            return -1;
        wait_exit_locked(e, c, seq, 0);
    }
    /* The exit is recorded before the release: stop returns only once the
     * container has let go of its rootfs, network and volumes (an
     * auto-removed one's network leaves during its removal). */
    while (c->releasing)
        containers_wait(e, 0);
    return 0;
}

int engine_container_stop(struct engine *e, const char *ref, int timeout, const char *signal,
                          struct berr *err)
{
    struct container *c;
    int rc = 0;

    containers_lock(e);
    c = container_get_locked(e, ref, err);
    if (!c) {
        containers_unlock(e);
        return -1;
    }
    if (json_get_bool(container_state(c), "Restarting", false))
        container_restart_cancel_locked(e, c, true);
    else if (!container_running(c))
        rc = berr_set(err, BERR_NOT_MODIFIED, 0, "container is already stopped");
    else
        rc = stop_locked(e, c, timeout, signal, err);
    if (rc == 0)
        container_event(e, c, "stop", NULL);
    container_put_locked(c);
    containers_unlock(e);
    return rc;
}

int engine_container_restart(struct engine *e, const char *ref, int timeout, const char *signal,
                             struct berr *err)
{
    _cleanup_free_ char *id = NULL;
    struct container *c;
    int rc = 0;

    containers_lock(e);
    c = container_get_locked(e, ref, err);
    if (!c) {
        containers_unlock(e);
        return -1;
    }
    id = xstrdup(c->id);
    if (container_running(c))
        rc = stop_locked(e, c, timeout, signal, err);
    container_put_locked(c);
    containers_unlock(e);
    if (rc < 0 || engine_container_start(e, id, err) < 0)
        return berr_wrap(err, "Cannot restart container %s", ref);

    containers_lock(e);
    c = container_get_locked(e, id, err);
    if (c)
        container_event(e, c, "restart", NULL);
    container_put_locked(c);
    containers_unlock(e);
    return 0;
}

/* ---- remove ---- */

static void remove_files(struct engine *e, struct container *c)
{
    _cleanup_free_ char *dir = container_dir(e, c->id);
    _cleanup_free_ char *bundle = container_bundle(e, c->id);
    _cleanup_free_ char *link = xasprintf("%s/%.12s", e->runtime->sockets_dir, c->id);
    struct berr err = BERR_INIT;

    unlink(link);
    if (fs_remove_all(bundle, &err) < 0 || fs_remove_all(dir, &err) < 0)
        log_warn("container %.12s: %s", c->id, berr_msg(&err));
    berr_clear(&err);
}

/* Remove a stopped c (lock held, not busy; the lock is dropped for the
 * slow steps). */
int container_remove_locked(struct engine *e, struct container *c, struct berr *err)
{
    if (c->gone)
        return 0;
    if (c->removing)
        return berr_conflict(err, "removal of container %s is already in progress", c->id);
    c->removing = true;
    container_restart_cancel_locked(e, c, false);
    container_begin_locked(e, c);
    containers_unlock(e);

    /* The exit released them already, unless the daemon restarted since. */
    if (!c->released)
        container_release_resources(e, c);
    remove_files(e, c);
    if (container_store_delete(e, c->id, err) < 0)
        log_error("container %.12s: %s", c->id, berr_msg(err));
    berr_clear(err);
    /* rm -v and --rm remove the container's anonymous volumes. */
    engine_volumes_container_remove(
        e, c->id,
        json_get_bool(container_private(c), "RemoveVolumes", false) ||
            json_get_bool(container_host_config(c), "AutoRemove", false));
    container_release_join(c);

    containers_lock(e);
    container_execs_forget_locked(e, c->id);
    container_event(e, c, "destroy", NULL);
    container_end_locked(e, c);
    container_drop_locked(e, c);
    log_debug("container %.12s removed", c->id);
    return 0;
}

int engine_container_remove(struct engine *e, const char *ref, bool force, bool volumes,
                            struct berr *err)
{
    struct container *c;
    int rc = 0;

    containers_lock(e);
    c = container_get_locked(e, ref, err);
    if (!c) {
        containers_unlock(e);
        return -1;
    }
    if (c->removing) {
        rc = berr_conflict(err, "removal of container %s is already in progress", ref);
    } else if (container_running(c) && !force) {
        rc = berr_conflict(err,
                           "cannot remove container \"%s\": container is running: stop the "
                           "container before removing or force remove",
                           ref);
    } else if (container_running(c)) {
        unsigned seq = c->exit_seq;

        container_restart_cancel_locked(e, c, true);
        rc = send_signal(e, c, SIGKILL, true, err);
        if (rc == 0)
            wait_exit_locked(e, c, seq, 0);
    }
    while (rc == 0 && c->busy)
        containers_wait(e, 0);
    if (rc == 0 && volumes)
        json_object_set_new(container_private(c), "RemoveVolumes", json_true());
    if (rc == 0)
        rc = container_remove_locked(e, c, err);
    container_put_locked(c);
    containers_unlock(e);
    return rc;
}

/* ---- wait ---- */

static bool condition_valid(const char *cond)
{
    return !cond || !*cond || !strcmp(cond, "not-running") || !strcmp(cond, "next-exit") ||
           !strcmp(cond, "removed");
}

int engine_container_wait_prepare(struct engine *e, const char *ref, const char *condition,
                                  char **id_out, struct berr *err)
{
    if (!condition_valid(condition))
        return berr_invalid(err, "invalid condition: \"%s\"", condition);
    return engine_container_lookup(e, ref, id_out, NULL, NULL, err);
}

static bool wait_done(struct container *c, const char *cond, unsigned seq)
{
    if (c->gone)
        return true;
    if (!strcmp(cond, "removed"))
        return false;
    if (!strcmp(cond, "next-exit"))
        return c->exit_seq != seq;
    return !container_running(c) && (!c->busy || c->releasing);
}

int engine_container_wait(struct engine *e, const char *id, const char *condition,
                          engine_gone_fn gone, void *ctx, json_t **body_out)
{
    const char *cond = condition && *condition ? condition : "not-running";
    struct berr err = BERR_INIT;
    struct container *c;
    unsigned seq;
    int rc = 0;

    containers_lock(e);
    c = container_get_locked(e, id, &err);
    berr_clear(&err);
    if (!c) {
        containers_unlock(e);
        *body_out = json_pack("{s:i}", "StatusCode", 0);
        return 0;
    }
    seq = c->exit_seq;
    while (!wait_done(c, cond, seq)) {
        if (e->stopping || (gone && gone(ctx))) {
            rc = -1;
            break;
        }
        containers_wait(e, containers_now_ms() + 500);
    }
    if (rc == 0)
        *body_out =
            json_pack("{s:I}", "StatusCode", json_get_int(container_state(c), "ExitCode", 0));
    container_put_locked(c);
    containers_unlock(e);
    return rc;
}

int engine_container_resize(struct engine *e, const char *ref, unsigned h, unsigned w,
                            struct berr *err)
{
    struct container_launch cl;
    struct container *c;
    int rc;

    containers_lock(e);
    c = container_get_locked(e, ref, err);
    if (!c) {
        containers_unlock(e);
        return -1;
    }
    if (!container_running(c)) {
        rc = berr_conflict(err, "Container %s is not running", c->id);
    } else {
        rc = container_launch_init(e, c, &cl, err);
        if (rc == 0 && cl.l.tty)
            rc = runtime_resize(&cl.l, h, w, err);
        if (rc == 0)
            container_event(e, c, "resize", NULL);
        container_launch_release(&cl);
    }
    container_put_locked(c);
    containers_unlock(e);
    return rc;
}

/* ---- pause ---- */

static int pause_locked(struct engine *e, struct container *c, bool pause, struct berr *err)
{
    bool paused = json_get_bool(container_state(c), "Paused", false);
    struct container_launch cl;
    int rc;

    if (!container_running(c))
        return berr_conflict(err, "Container %s is not running", c->id);
    if (pause && paused)
        return berr_conflict(err, "Container %s is already paused", c->id);
    if (!pause && !paused)
        return berr_conflict(err, "Container %s is not paused", c->id);
    rc = container_launch_init(e, c, &cl, err);
    if (rc == 0)
        rc = pause ? runtime_pause(&cl.l, err) : runtime_resume(&cl.l, err);
    container_launch_release(&cl);
    if (rc < 0)
        return berr_wrap(err, "Cannot %s container %s", pause ? "pause" : "unpause", c->id);

    json_object_set_new(container_state(c), "Paused", json_boolean(pause));
    if (container_save(e, c, err) < 0)
        return -1;
    container_event(e, c, pause ? "pause" : "unpause", NULL);
    log_debug("container %.12s %s", c->id, pause ? "paused" : "unpaused");
    return 0;
}

static int pause_ref(struct engine *e, const char *ref, bool pause, struct berr *err)
{
    struct container *c;
    int rc = -1;

    containers_lock(e);
    c = container_get_locked(e, ref, err);
    if (c) {
        container_begin_locked(e, c);
        rc = pause_locked(e, c, pause, err);
        container_end_locked(e, c);
    }
    container_put_locked(c);
    containers_unlock(e);
    return rc;
}

int engine_container_pause(struct engine *e, const char *ref, struct berr *err)
{
    return pause_ref(e, ref, true, err);
}

int engine_container_unpause(struct engine *e, const char *ref, struct berr *err)
{
    return pause_ref(e, ref, false, err);
}

/* ---- rename ---- */

/* Give c (lock held) the name slashed, which is free and valid. */
static int rename_locked(struct engine *e, struct container *c, const char *slashed,
                         struct berr *err)
{
    _cleanup_free_ char *old = c->name;

    c->name = xstrdup(slashed);
    json_object_set_new(c->doc, "Name", json_string(slashed));
    if (container_save(e, c, err) < 0) {
        free(c->name);
        c->name = steal_ptr(old);
        json_object_set_new(c->doc, "Name", json_string(c->name));
        return berr_wrap(err, "Error when allocating new name");
    }
    container_event(e, c, "rename", json_pack("{s:s}", "oldName", old));
    log_debug("container %.12s renamed from %s to %s", c->id, old, slashed);
    return 0;
}

static int rename_check_locked(struct engine *e, struct container *c, const char *slashed,
                               struct berr *err)
{
    struct container *other;

    if (!strcmp(c->name, slashed))
        return berr_invalid(err, "Renaming a container with the same name as its current name");
    if (container_name_check(slashed, err) < 0)
        return -1;
    other = container_find_name_locked(e, slashed);
    if (other)
        return berr_conflict(err,
                             "Conflict. The container name \"%s\" is already in use by "
                             "container \"%s\". You have to remove (or rename) that "
                             "container to be able to reuse that name.",
                             slashed, other->id);
    return 0;
}

int engine_container_rename(struct engine *e, const char *ref, const char *new_name,
                            struct berr *err)
{
    _cleanup_free_ char *slashed = NULL;
    struct container *c;
    int rc = -1;

    if (!ref || !*ref || !new_name || !*new_name)
        return berr_invalid(err, "Neither old nor new names may be empty");
    slashed = new_name[0] == '/' ? xstrdup(new_name) : xasprintf("/%s", new_name);

    containers_lock(e);
    c = container_get_locked(e, ref, err);
    if (c) {
        container_begin_locked(e, c);
        rc = rename_check_locked(e, c, slashed, err);
        if (rc == 0)
            rc = rename_locked(e, c, slashed, err);
        container_end_locked(e, c);
    }
    container_put_locked(c);
    containers_unlock(e);
    return rc;
}

/* ---- prune ---- */

/* `until` as dockerd takes it: a Go duration before now ("24h", "90m",
 * "30s"), Unix seconds, or an RFC 3339 time; -1 when none of these. */
static int64_t until_parse(const char *v)
{
    char *end = NULL;
    double n = strtod(v, &end);
    int64_t sec = 0;
    long nsec = 0;

    if (end != v && *v != '-' && end[0] && !end[1] && strchr("smh", end[0])) {
        int64_t unit = end[0] == 'h' ? 3600 : end[0] == 'm' ? 60 : 1;

        return (int64_t)time(NULL) - (int64_t)(n * (double)unit);
    }
    if (end != v && !*end)
        return (int64_t)n;
    if (json_time_parse(v, &sec, &nsec) == 0)
        return sec;
    return -1;
}

static bool label_holds(struct container *c, const char *v)
{
    json_t *labels = json_object_get(container_config(c), "Labels");
    const char *eq = strchr(v, '=');
    _cleanup_free_ char *key = eq ? xstrndup(v, (size_t)(eq - v)) : xstrdup(v);
    const char *have = json_get_str(labels, key, NULL);

    return have && (!eq || !strcmp(have, eq + 1));
}

struct prune_filter {
    int64_t until; /* 0: none */
    const json_t *labels, *not_labels;
};

static int prune_filter_parse(const json_t *filters, struct prune_filter *pf, struct berr *err)
{
    const char *key;
    json_t *vals;

    *pf = (struct prune_filter){.labels = json_object_get(filters, "label"),
                                .not_labels = json_object_get(filters, "label!")};
    json_object_foreach((json_t *)filters, key, vals)
    {
        if (strcmp(key, "until") && strcmp(key, "label") && strcmp(key, "label!"))
            return berr_invalid(err, "Invalid filter '%s'", key);
    }
    vals = json_object_get(filters, "until");
    if (json_array_size(vals) > 1)
        return berr_invalid(err, "filters for 'until' must not have more than one value");
    if (json_array_size(vals) == 1) {
        const char *v = json_string_value(json_array_get(vals, 0));

        pf->until = v ? until_parse(v) : -1;
        if (pf->until < 0)
            return berr_invalid(err, "failed to parse value \"%s\" as a timestamp", v ? v : "");
    }
    return 0;
}

static bool prune_candidate(struct container *c, const struct prune_filter *pf)
{
    int64_t created = 0;
    long nsec = 0;
    size_t i;
    json_t *v;

    if (container_running(c) || c->removing || c->gone)
        return false;
    json_time_parse(json_get_str(c->doc, "Created", ""), &created, &nsec);
    if (pf->until && created >= pf->until)
        return false;
    json_array_foreach(pf->labels, i, v)
    {
        if (!json_is_string(v) || !label_holds(c, json_string_value(v)))
            return false;
    }
    json_array_foreach(pf->not_labels, i, v)
    {
        if (json_is_string(v) && label_holds(c, json_string_value(v)))
            return false;
    }
    return true;
}

int engine_container_prune(struct engine *e, const json_t *filters, json_t **out, struct berr *err)
{
    struct prune_filter pf;
    _cleanup_json_ json_t *ids = json_array();
    json_t *deleted = json_array();
    size_t i;
    json_t *v;

    if (prune_filter_parse(filters, &pf, err) < 0) {
        json_decref(deleted);
        return -1;
    }
    containers_lock(e);
    for (i = 0; i < e->containers->n; i++) {
        if (prune_candidate(e->containers->items[i], &pf))
            json_array_append_new(ids, json_string(e->containers->items[i]->id));
    }
    containers_unlock(e);

    /* One by one through the ordinary removal, which skips what started since. */
    json_array_foreach(ids, i, v)
    {
        struct berr one = BERR_INIT;

        if (engine_container_remove(e, json_string_value(v), false, false, &one) == 0)
            json_array_append(deleted, v);
        else
            log_debug("prune: container %.12s kept: %s", json_string_value(v), berr_msg(&one));
        berr_clear(&one);
    }
    *out = json_pack("{s:o,s:i}", "ContainersDeleted", deleted, "SpaceReclaimed", 0);
    return 0;
}
