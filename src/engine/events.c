/* The event bus: a ring of recent events that GET /events replays (since)
 * and follows.  Publishing never blocks on readers: a reader that falls
 * more than the ring behind skips what was overwritten. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/container-internal.h"
#include "engine/engine-internal.h"
#include "engine/events.h"
#include "util/json.h"
#include "util/mem.h"

#define RING_SIZE 1024

struct event_bus {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    json_t *ring[RING_SIZE];
    uint64_t next; /* sequence number of the next event */
    bool closed;
};

static pthread_mutex_t bus_init_lock = PTHREAD_MUTEX_INITIALIZER;

/* The bus is made on first use, so publishers need no start-up order. */
static struct event_bus *bus_get(struct engine *e)
{
    pthread_mutex_lock(&bus_init_lock);
    if (!e->events) {
        struct event_bus *b = xcalloc(1, sizeof(*b));
        pthread_condattr_t ca;

        pthread_mutex_init(&b->lock, NULL);
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&b->cond, &ca);
        pthread_condattr_destroy(&ca);
        e->events = b;
    }
    pthread_mutex_unlock(&bus_init_lock);
    return e->events;
}

static json_t *event_new(const char *type, const char *action, const char *actor_id,
                         json_t *attributes)
{
    struct timespec ts;
    json_t *ev;

    clock_gettime(CLOCK_REALTIME, &ts);
    if (!attributes)
        attributes = json_object();
    ev = json_pack("{s:s,s:s,s:{s:s,s:o},s:s,s:I,s:I}", "Type", type, "Action", action, "Actor",
                   "ID", actor_id, "Attributes", attributes, "scope", "local", "time",
                   (json_int_t)ts.tv_sec, "timeNano",
                   (json_int_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
    /* The legacy fields dockerd still sends for containers and images. */
    if (!strcmp(type, "container") || !strcmp(type, "image")) {
        json_object_set_new(ev, "status", json_string(action));
        json_object_set_new(ev, "id", json_string(actor_id));
    }
    if (!strcmp(type, "container"))
        json_object_set(ev, "from", json_object_get(attributes, "image"));
    return ev;
}

void engine_event_emit(struct engine *e, const char *type, const char *action, const char *actor_id,
                       json_t *attributes)
{
    struct event_bus *b = bus_get(e);
    json_t *ev = event_new(type, action, actor_id ? actor_id : "", attributes);

    pthread_mutex_lock(&b->lock);
    json_decref(b->ring[b->next % RING_SIZE]);
    b->ring[b->next % RING_SIZE] = ev;
    b->next++;
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->lock);
}

void engine_events_shutdown(struct engine *e)
{
    struct event_bus *b = bus_get(e);

    pthread_mutex_lock(&b->lock);
    b->closed = true;
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->lock);
    if (e->containers) {
        containers_lock(e);
        containers_broadcast(e);
        containers_unlock(e);
    }
}

void engine_events_release(struct engine *e)
{
    struct event_bus *b = e->events;

    if (!b)
        return;
    for (size_t i = 0; i < RING_SIZE; i++)
        json_decref(b->ring[i]);
    pthread_cond_destroy(&b->cond);
    pthread_mutex_destroy(&b->lock);
    free(b);
    e->events = NULL;
}

uint64_t engine_events_cursor(struct engine *e, int64_t since_ns)
{
    struct event_bus *b = bus_get(e);
    uint64_t first, cur;

    pthread_mutex_lock(&b->lock);
    first = b->next > RING_SIZE ? b->next - RING_SIZE : 0;
    cur = b->next;
    if (since_ns >= 0) {
        cur = first;
        while (cur < b->next &&
               json_integer_value(json_object_get(b->ring[cur % RING_SIZE], "timeNano")) < since_ns)
            cur++;
    }
    pthread_mutex_unlock(&b->lock);
    return cur;
}

json_t *engine_events_next(struct engine *e, uint64_t *cursor, int wait_ms)
{
    struct event_bus *b = bus_get(e);
    json_t *ev = NULL;
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += wait_ms / 1000;
    ts.tv_nsec += (long)(wait_ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }

    pthread_mutex_lock(&b->lock);
    while (*cursor >= b->next && !b->closed && wait_ms > 0)
        if (pthread_cond_timedwait(&b->cond, &b->lock, &ts) != 0)
            break;
    if (b->next > RING_SIZE && *cursor < b->next - RING_SIZE)
        *cursor = b->next - RING_SIZE;
    if (*cursor < b->next)
        ev = json_incref(b->ring[(*cursor)++ % RING_SIZE]);
    pthread_mutex_unlock(&b->lock);
    return ev;
}

bool engine_events_closed(struct engine *e)
{
    struct event_bus *b = bus_get(e);
    bool closed;

    pthread_mutex_lock(&b->lock);
    closed = b->closed;
    pthread_mutex_unlock(&b->lock);
    return closed;
}

static bool filter_has(const json_t *filters, const char *key, const char *value)
{
    json_t *vals = json_object_get(filters, key);
    size_t i;
    json_t *v;

    json_array_foreach(vals, i, v)
    {
        if (value && !strcmp(json_string_value(v), value))
            return true;
    }
    return false;
}

static bool label_match(const json_t *attrs, const json_t *labels)
{
    size_t i;
    json_t *v;

    json_array_foreach(labels, i, v)
    {
        const char *want = json_string_value(v);
        const char *eq = strchr(want, '=');
        _cleanup_free_ char *key = eq ? xstrndup(want, (size_t)(eq - want)) : xstrdup(want);
        const char *have = json_get_str(attrs, key, NULL);

        if (!have || (eq && strcmp(have, eq + 1)))
            return false;
    }
    return true;
}

/* Exec actions carry their command ("exec_start: sh -c ..."); a filter
 * names the bare action. */
static bool action_matches(const json_t *filters, const json_t *ev)
{
    const char *action = json_get_str(ev, "Action", "");
    _cleanup_free_ char *bare = xstrndup(action, strcspn(action, ":"));

    return filter_has(filters, "event", action) || filter_has(filters, "event", bare);
}

bool engine_event_match(const json_t *ev, const json_t *filters)
{
    const char *type = json_get_str(ev, "Type", "");
    const json_t *actor = json_object_get(ev, "Actor");
    const json_t *attrs = json_object_get(actor, "Attributes");
    const char *id = json_get_str(actor, "ID", "");

    if (json_object_get(filters, "type") && !filter_has(filters, "type", type))
        return false;
    if (json_object_get(filters, "event") && !action_matches(filters, ev))
        return false;
    if (json_object_get(filters, "container") &&
        (strcmp(type, "container") ||
         (!filter_has(filters, "container", id) &&
          !filter_has(filters, "container", json_get_str(attrs, "name", NULL)))))
        return false;
    if (json_object_get(filters, "image") &&
        !filter_has(filters, "image", json_get_str(attrs, "image", NULL)) &&
        !(strcmp(type, "image") == 0 && filter_has(filters, "image", id)))
        return false;
    return label_match(attrs, json_object_get(filters, "label"));
}
