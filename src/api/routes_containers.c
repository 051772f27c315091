/* Routes of the containers domain, and GET /events. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "api/api.h"
#include "engine/containers.h"
#include "engine/events.h"
#include "util/json.h"
#include "util/mem.h"

static void reply_result(struct api_req *req, int rc, struct berr *err, int status)
{
    if (rc < 0)
        api_reply_error(req, err);
    else
        api_reply_status(req, status);
    berr_clear(err);
}

static void create(struct api_req *req)
{
    struct berr err = BERR_INIT;
    _cleanup_json_ json_t *body = api_body_json(req, &err);
    json_t *out = NULL;

    if (!body || engine_container_create(api_engine(req), api_query(req, "name"), body,
                                         api_version(req), &out, &err) < 0) {
        api_reply_error(req, &err);
        berr_clear(&err);
        return;
    }
    api_reply_json(req, 201, out);
}

static void start(struct api_req *req)
{
    struct berr err = BERR_INIT;
    size_t len = 0;
    const char *body = api_body(req, &len);

    /* Old clients sent a HostConfig here; dockerd refuses it. */
    if (body && len && strspn(body, " \t\r\n{}") != len) {
        berr_invalid(&err, "starting container with non-empty request body was deprecated since "
                           "API v1.22 and removed in v1.24");
        reply_result(req, -1, &err, 204);
        return;
    }
    reply_result(req, engine_container_start(api_engine(req), api_param(req, "id"), &err), &err,
                 204);
}

static int query_timeout(struct api_req *req, int64_t *t, struct berr *err)
{
    return api_query_int(req, "t", -1, t, err);
}

static void stop(struct api_req *req)
{
    struct berr err = BERR_INIT;
    int64_t t = -1;
    int rc = query_timeout(req, &t, &err);

    if (rc == 0)
        rc = engine_container_stop(api_engine(req), api_param(req, "id"), (int)t,
                                   api_query(req, "signal"), &err);
    reply_result(req, rc, &err, 204);
}

static void restart(struct api_req *req)
{
    struct berr err = BERR_INIT;
    int64_t t = -1;
    int rc = query_timeout(req, &t, &err);

    if (rc == 0)
        rc = engine_container_restart(api_engine(req), api_param(req, "id"), (int)t,
                                      api_query(req, "signal"), &err);
    reply_result(req, rc, &err, 204);
}

static void kill_(struct api_req *req)
{
    struct berr err = BERR_INIT;

    reply_result(req,
                 engine_container_kill(api_engine(req), api_param(req, "id"),
                                       api_query(req, "signal"), &err),
                 &err, 204);
}

static void remove_(struct api_req *req)
{
    struct berr err = BERR_INIT;

    reply_result(req,
                 engine_container_remove(api_engine(req), api_param(req, "id"),
                                         api_query_bool(req, "force", false),
                                         api_query_bool(req, "v", false), &err),
                 &err, 204);
}

static void pause_(struct api_req *req)
{
    struct berr err = BERR_INIT;

    reply_result(req, engine_container_pause(api_engine(req), api_param(req, "id"), &err), &err,
                 204);
}

static void unpause(struct api_req *req)
{
    struct berr err = BERR_INIT;

    reply_result(req, engine_container_unpause(api_engine(req), api_param(req, "id"), &err), &err,
                 204);
}

static void rename_(struct api_req *req)
{
    struct berr err = BERR_INIT;

    reply_result(req,
                 engine_container_rename(api_engine(req), api_param(req, "id"),
                                         api_query(req, "name"), &err),
                 &err, 204);
}

static void top(struct api_req *req)
{
    struct berr err = BERR_INIT;
    json_t *out = engine_container_top(api_engine(req), api_param(req, "id"), &err);

    if (!out) {
        api_reply_error(req, &err);
        berr_clear(&err);
        return;
    }
    api_reply_json(req, 200, out);
}

static void resize(struct api_req *req)
{
    struct berr err = BERR_INIT;
    int64_t h = 0, w = 0;
    int rc = api_query_int(req, "h", 0, &h, &err);

    if (rc == 0)
        rc = api_query_int(req, "w", 0, &w, &err);
    if (rc == 0)
        rc = engine_container_resize(api_engine(req), api_param(req, "id"), (unsigned)h,
                                     (unsigned)w, &err);
    if (rc < 0) {
        api_reply_error(req, &err);
        berr_clear(&err);
        return;
    }
    api_reply_data(req, 200, "text/plain; charset=utf-8", "", 0);
}

static void inspect(struct api_req *req)
{
    struct berr err = BERR_INIT;
    json_t *doc = engine_container_inspect(api_engine(req), api_param(req, "id"),
                                           api_query_bool(req, "size", false), &err);

    if (!doc) {
        api_reply_error(req, &err);
        berr_clear(&err);
        return;
    }
    api_reply_json(req, 200, doc);
}

static void list(struct api_req *req)
{
    struct berr err = BERR_INIT;
    _cleanup_json_ json_t *filters = api_query_filters(req, &err);
    int64_t limit = 0;
    json_t *out = NULL;

    if (filters && api_query_int(req, "limit", 0, &limit, &err) == 0)
        out = engine_container_list(api_engine(req), api_query_bool(req, "all", false), limit,
                                    api_query_bool(req, "size", false), filters, &err);
    if (!out) {
        api_reply_error(req, &err);
        berr_clear(&err);
        return;
    }
    api_reply_json(req, 200, out);
}

static void prune(struct api_req *req)
{
    struct berr err = BERR_INIT;
    _cleanup_json_ json_t *filters = api_query_filters(req, &err);
    json_t *out = NULL;

    if (!filters || engine_container_prune(api_engine(req), filters, &out, &err) < 0) {
        api_reply_error(req, &err);
        berr_clear(&err);
        return;
    }
    api_reply_json(req, 200, out);
}

/* ---- streams ---- */

static bool req_gone(void *ctx)
{
    return api_stream_gone(ctx);
}

static void wait_(struct api_req *req)
{
    struct berr err = BERR_INIT;
    const char *cond = api_query(req, "condition");
    _cleanup_free_ char *id = NULL;
    json_t *body = NULL;

    if (engine_container_wait_prepare(api_engine(req), api_param(req, "id"), cond, &id, &err) < 0) {
        api_reply_error(req, &err);
        berr_clear(&err);
        return;
    }
    if (api_stream_begin(req, 200, "application/json") < 0)
        return;
    if (engine_container_wait(api_engine(req), id, cond, req_gone, req, &body) == 0) {
        api_stream_json(req, body);
        json_decref(body);
    }
}

static const char *media_type(struct api_req *req, bool tty)
{
    if (!tty && api_version(req) >= 142)
        return "application/vnd.docker.multiplexed-stream";
    return "application/vnd.docker.raw-stream";
}

struct log_sink {
    struct api_req *req;
    bool tty;
};

static int log_write(void *ctx, int stream, const void *data, size_t len)
{
    struct log_sink *s = ctx;
    unsigned char hdr[8] = {(unsigned char)stream,
                            0,
                            0,
                            0,
                            (unsigned char)(len >> 24),
                            (unsigned char)(len >> 16),
                            (unsigned char)(len >> 8),
                            (unsigned char)len};

    if (!s->tty && api_stream_write(s->req, hdr, sizeof(hdr)) < 0)
        return -1;
    return api_stream_write(s->req, data, len);
}

static bool log_gone(void *ctx)
{
    return api_stream_gone(((struct log_sink *)ctx)->req);
}

/* "<unix seconds>[.<nanoseconds>]" as the CLI sends since/until. */
static int query_time(struct api_req *req, const char *key, int64_t *sec, long *nsec,
                      struct berr *err)
{
    const char *v = api_query(req, key);
    char *end = NULL;

    *sec = 0;
    *nsec = 0;
    if (!v || !*v)
        return 0;
    *sec = strtoll(v, &end, 10);
    if (*end == '.') {
        char digits[10] = "000000000";
        size_t n = strspn(end + 1, "0123456789");

        memcpy(digits, end + 1, n > 9 ? 9 : n);
        *nsec = strtol(digits, NULL, 10);
        end += 1 + n;
    }
    if (*end)
        return berr_invalid(err, "invalid value for %s: %s", key, v);
    return 0;
}

/* As dockerd: anything but a whole non-negative number means all lines. */
static int64_t tail_lines(const char *tail)
{
    char *end = NULL;
    long long n;

    if (!tail || !*tail)
        return -1;
    errno = 0;
    n = strtoll(tail, &end, 10);
    return *end || errno || n < 0 ? -1 : (int64_t)n;
}

static int logs_opts(struct api_req *req, struct engine_logs_opts *o, struct berr *err)
{
    const char *tail = api_query(req, "tail");

    o->stdout_ = api_query_bool(req, "stdout", false);
    o->stderr_ = api_query_bool(req, "stderr", false);
    o->follow = api_query_bool(req, "follow", false);
    o->timestamps = api_query_bool(req, "timestamps", false);
    o->tail = tail_lines(tail);
    if (!o->stdout_ && !o->stderr_)
        return berr_invalid(err, "Bad parameters: you must choose at least one stream");
    if (query_time(req, "since", &o->since_sec, &o->since_nsec, err) < 0 ||
        query_time(req, "until", &o->until_sec, &o->until_nsec, err) < 0)
        return -1;
    return 0;
}

static void logs(struct api_req *req)
{
    struct berr err = BERR_INIT;
    struct engine_logs_opts o = {0};
    _cleanup_free_ char *id = NULL;
    struct log_sink sink = {.req = req};

    if (logs_opts(req, &o, &err) < 0 ||
        engine_container_stream_info(api_engine(req), api_param(req, "id"), &sink.tty, &id, &err) <
            0 ||
        engine_container_logs_check(api_engine(req), id, &err) < 0) {
        api_reply_error(req, &err);
        berr_clear(&err);
        return;
    }
    if (api_stream_begin(req, 200, media_type(req, sink.tty)) < 0)
        return;
    engine_container_logs(api_engine(req), id, &o, log_write, log_gone, &sink, &err);
    berr_clear(&err);
}

static void attach(struct api_req *req)
{
    struct berr err = BERR_INIT;
    struct engine_attach_opts o = {
        .stdin_ = api_query_bool(req, "stdin", false),
        .stdout_ = api_query_bool(req, "stdout", false),
        .stderr_ = api_query_bool(req, "stderr", false),
        .stream = api_query_bool(req, "stream", false),
        .logs = api_query_bool(req, "logs", false),
    };
    _cleanup_free_ char *id = NULL;
    const char *early = NULL;
    size_t early_len = 0;
    bool tty = false;
    int sock;

    if (engine_container_stream_info(api_engine(req), api_param(req, "id"), &tty, &id, &err) < 0 ||
        engine_container_attach_check(api_engine(req), api_param(req, "id"), &err) < 0) {
        api_reply_error(req, &err);
        berr_clear(&err);
        return;
    }
    sock = api_hijack(req, media_type(req, tty), &early, &early_len);
    if (sock < 0)
        return;
    engine_container_attach(api_engine(req), id, &o, sock, early, early_len, &err);
    berr_clear(&err);
}

/* ---- events ---- */

static int events_window(struct api_req *req, int64_t *since_ns, int64_t *until_ns,
                         struct berr *err)
{
    int64_t s = 0, u = 0;
    long sn = 0, un = 0;

    if (query_time(req, "since", &s, &sn, err) < 0 || query_time(req, "until", &u, &un, err) < 0)
        return -1;
    *since_ns = api_query(req, "since") ? s * 1000000000 + sn : -1;
    *until_ns = api_query(req, "until") ? u * 1000000000 + un : -1;
    if (*since_ns >= 0 && *until_ns >= 0 && *since_ns > *until_ns)
        return berr_invalid(err, "`since` time (%s) cannot be after `until` time (%s)",
                            api_query(req, "since"), api_query(req, "until"));
    return 0;
}

static int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void events(struct api_req *req)
{
    struct engine *e = api_engine(req);
    struct berr err = BERR_INIT;
    _cleanup_json_ json_t *filters = api_query_filters(req, &err);
    int64_t since_ns = -1, until_ns = -1;
    uint64_t cursor;

    if (!filters || events_window(req, &since_ns, &until_ns, &err) < 0) {
        api_reply_error(req, &err);
        berr_clear(&err);
        return;
    }
    cursor = engine_events_cursor(e, since_ns);
    if (api_stream_begin(req, 200, "application/json") < 0)
        return;
    while (!api_stream_gone(req) && !engine_events_closed(e)) {
        json_t *ev = engine_events_next(e, &cursor, 500);
        int64_t t = ev ? json_integer_value(json_object_get(ev, "timeNano")) : now_ns();

        if (until_ns >= 0 && t > until_ns) {
            json_decref(ev);
            break;
        }
        if (ev && engine_event_match(ev, filters) && api_stream_json(req, ev) < 0) {
            json_decref(ev);
            break;
        }
        json_decref(ev);
    }
}

const struct api_route api_routes_containers[] = {
    {"POST", "/containers/create", create, 0},
    {"GET", "/containers/json", list, 0},
    {"POST", "/containers/prune", prune, 0},
    {"GET", "/containers/{id}/json", inspect, 0},
    {"POST", "/containers/{id}/start", start, 0},
    {"POST", "/containers/{id}/stop", stop, API_ROUTE_STREAM},
    {"POST", "/containers/{id}/restart", restart, API_ROUTE_STREAM},
    {"POST", "/containers/{id}/kill", kill_, 0},
    {"POST", "/containers/{id}/resize", resize, 0},
    {"POST", "/containers/{id}/pause", pause_, 0},
    {"POST", "/containers/{id}/unpause", unpause, 0},
    {"POST", "/containers/{id}/rename", rename_, 0},
    {"GET", "/containers/{id}/top", top, 0},
    {"DELETE", "/containers/{id}", remove_, API_ROUTE_STREAM},
    {"POST", "/containers/{id}/wait", wait_, API_ROUTE_STREAM},
    {"GET", "/containers/{id}/logs", logs, API_ROUTE_STREAM},
    {"POST", "/containers/{id}/attach", attach, API_ROUTE_STREAM},
    {"GET", "/events", events, API_ROUTE_STREAM},
    {NULL, NULL, NULL, 0},
};
