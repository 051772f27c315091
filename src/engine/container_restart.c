/* Restart policies: what happens after a container exits on its own, and
 * which containers come back when the daemon starts.
 *
 * As dockerd does it: the first restart waits 100 ms, each next one twice
 * as long (at most a minute), and a container that ran for 10 s or more
 * starts the back-off over.  A stop, kill or removal by a client cancels a
 * pending restart and marks the container stopped by the user, which
 * `unless-stopped` (and restart at start-up) honour.  While it waits the
 * container is Restarting; a timer thread starts it when the delay ends.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container-internal.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

#define RESTART_FIRST_MS 100
#define RESTART_MAX_MS   60000
#define RESTART_RESET_MS 10000

static const char *policy_name(struct container *c)
{
    json_t *rp = json_object_get(container_host_config(c), "RestartPolicy");
    const char *name = json_get_str(rp, "Name", "");

    return *name ? name : "no";
}

static bool manually_stopped(struct container *c)
{
    return json_get_bool(container_private(c), "ManuallyStopped", false);
}

/* Does the policy want c running again after it exited with code? */
static bool wants_restart(struct container *c, int code)
{
    json_t *rp = json_object_get(container_host_config(c), "RestartPolicy");
    int64_t max = json_get_int(rp, "MaximumRetryCount", 0);
    int64_t count = json_get_int(c->doc, "RestartCount", 0);
    const char *name = policy_name(c);

    if (manually_stopped(c))
        return false;
    if (!strcmp(name, "always") || !strcmp(name, "unless-stopped"))
        return true;
    if (!strcmp(name, "on-failure"))
        return code != 0 && (max == 0 || count < max);
    return false;
}

static void save(struct engine *e, struct container *c)
{
    struct berr err = BERR_INIT;

    if (container_save(e, c, &err) < 0)
        log_error("container %.12s: %s", c->id, berr_msg(&err));
    berr_clear(&err);
}

struct restart_job {
    struct engine *e;
    char *id;
    unsigned gen;
    int64_t delay_ms;
};

/* Wait out the delay (lock held); false when the restart was cancelled,
 * the container removed or the daemon is stopping. */
static bool wait_delay_locked(struct restart_job *j, struct container *c)
{
    int64_t deadline = containers_now_ms() + j->delay_ms;

    for (;;) {
        int64_t now = containers_now_ms();

        if (c->gone || c->restart_gen != j->gen || j->e->stopping)
            return false;
        if (now >= deadline)
            return true;
        /* Short slices: shutdown does not broadcast on this condition. */
        containers_wait(j->e, now + 250 < deadline ? now + 250 : deadline);
    }
}

static void restart_now(struct restart_job *j)
{
    struct engine *e = j->e;
    struct berr err = BERR_INIT;
    struct container *c;

    if (container_start(e, j->id, false, &err) < 0) {
        log_warn("container %.12s: restart failed: %s", j->id, berr_msg(&err));
        berr_clear(&err);
        return;
    }
    containers_lock(e);
    c = container_get_locked(e, j->id, &err);
    if (c)
        container_event(e, c, "restart", NULL);
    container_put_locked(c);
    containers_unlock(e);
    berr_clear(&err);
}

static void *restart_main(void *arg)
{
    struct restart_job *j = arg;
    struct engine *e = j->e;
    struct berr err = BERR_INIT;
    struct container *c;
    bool go = false;

    containers_lock(e);
    c = container_get_locked(e, j->id, &err);
    berr_clear(&err);
    if (c)
        go = wait_delay_locked(j, c);
    container_put_locked(c);
    containers_unlock(e);

    if (go)
        restart_now(j);

    containers_lock(e);
    e->containers->helper_threads--;
    containers_broadcast(e);
    containers_unlock(e);
    free(j->id);
    free(j);
    return NULL;
}

/* Run job on a detached thread (lock held). */
static void spawn_job_locked(struct engine *e, struct restart_job *j)
{
    pthread_attr_t attr;
    pthread_t t;
    int rc;

    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    e->containers->helper_threads++;
    rc = pthread_create(&t, &attr, restart_main, j);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        log_error("container %.12s: cannot schedule its restart", j->id);
        e->containers->helper_threads--;
        free(j->id);
        free(j);
    }
}

static int64_t next_delay(struct container *c)
{
    if (c->started_ms && containers_now_ms() - c->started_ms >= RESTART_RESET_MS)
        c->restart_delay_ms = 0;
    if (!c->restart_delay_ms)
        c->restart_delay_ms = RESTART_FIRST_MS;
    else if (c->restart_delay_ms < RESTART_MAX_MS)
        c->restart_delay_ms *= 2;
    if (c->restart_delay_ms > RESTART_MAX_MS)
        c->restart_delay_ms = RESTART_MAX_MS;
    return c->restart_delay_ms;
}

static void schedule_locked(struct engine *e, struct container *c, int64_t delay)
{
    struct restart_job *j = xcalloc(1, sizeof(*j));

    j->e = e;
    j->id = xstrdup(c->id);
    j->gen = ++c->restart_gen;
    j->delay_ms = delay;
    spawn_job_locked(e, j);
}

void container_restart_after_exit_locked(struct engine *e, struct container *c, int code)
{
    int64_t count = json_get_int(c->doc, "RestartCount", 0);
    int64_t delay;

    if (e->stopping || c->removing || !wants_restart(c, code))
        return;
    delay = next_delay(c);
    json_object_set_new(c->doc, "RestartCount", json_integer(count + 1));
    json_object_set_new(container_state(c), "Restarting", json_true());
    save(e, c);
    log_debug("container %.12s: policy %s restarts it in %lld ms (restart %lld)", c->id,
              policy_name(c), (long long)delay, (long long)count + 1);
    schedule_locked(e, c, delay);
}

void container_restart_cancel_locked(struct engine *e, struct container *c, bool manual)
{
    bool was = json_get_bool(container_state(c), "Restarting", false);

    c->restart_gen++;
    json_object_set_new(container_state(c), "Restarting", json_false());
    if (manual)
        json_object_set_new(container_private(c), "ManuallyStopped", json_true());
    if (was || manual)
        save(e, c);
    containers_broadcast(e);
}

/* Policies that bring a container back when the daemon starts: always
 * (even after a stop by the user, as dockerd does), unless-stopped unless
 * the user stopped it, on-failure after a failure it still has retries
 * for. */
static bool wants_boot_start(struct container *c)
{
    const char *name = policy_name(c);

    if (container_running(c) || c->removing)
        return false;
    if (!strcmp(name, "always"))
        return true;
    if (!strcmp(name, "unless-stopped") || !strcmp(name, "on-failure"))
        return wants_restart(c, (int)json_get_int(container_state(c), "ExitCode", 0));
    return false;
}

void container_restart_on_boot(struct engine *e)
{
    struct container_set *s = e->containers;

    containers_lock(e);
    for (size_t i = 0; i < s->n; i++) {
        struct container *c = s->items[i];

        /* A restart pending at the last shutdown restarts now; one
         * scheduled by an exit found at restore is left to its timer. */
        if (json_get_bool(container_state(c), "Restarting", false) && c->restart_gen == 0) {
            schedule_locked(e, c, 0);
            continue;
        }
        if (!wants_boot_start(c))
            continue;
        log_debug("container %.12s: started at start-up by policy %s", c->id, policy_name(c));
        json_object_set_new(container_state(c), "Restarting", json_true());
        schedule_locked(e, c, 0);
    }
    containers_unlock(e);
}
