/* Routes of the exec domain: create, start (hijacked or detached),
 * resize, inspect. */
#include <string.h>

#include "api/api.h"
#include "engine/containers.h"
#include "util/json.h"
#include "util/mem.h"

static void reply_err(struct api_req *req, struct berr *err)
{
    api_reply_error(req, err);
    berr_clear(err);
}

static void create(struct api_req *req)
{
    struct berr err = BERR_INIT;
    _cleanup_json_ json_t *body = api_body_json(req, &err);
    _cleanup_free_ char *id = NULL;

    if (!body || engine_exec_create(api_engine(req), api_param(req, "id"), body, &id, &err) < 0) {
        reply_err(req, &err);
        return;
    }
    api_reply_json(req, 201, json_pack("{s:s}", "Id", id));
}

static const char *media_type(struct api_req *req, bool tty)
{
    if (!tty && api_version(req) >= 142)
        return "application/vnd.docker.multiplexed-stream";
    return "application/vnd.docker.raw-stream";
}

static void start(struct api_req *req)
{
    struct berr err = BERR_INIT;
    _cleanup_json_ json_t *body = api_body_json(req, &err);
    const char *id = api_param(req, "id");
    json_t *size = json_object_get(body, "ConsoleSize");
    unsigned h = (unsigned)json_integer_value(json_array_get(size, 0));
    unsigned w = (unsigned)json_integer_value(json_array_get(size, 1));
    const char *early = NULL;
    size_t early_len = 0;
    bool tty = false;
    int sock;

    if (!body || engine_exec_start_prepare(api_engine(req), id, &tty, &err) < 0) {
        reply_err(req, &err);
        return;
    }
    if (json_get_bool(body, "Detach", false)) {
        if (engine_exec_run(api_engine(req), id, -1, NULL, 0, h, w, &err) < 0) {
            reply_err(req, &err);
            return;
        }
        api_reply_data(req, 200, "application/json", "", 0);
        return;
    }
    sock = api_hijack(req, media_type(req, tty), &early, &early_len);
    if (sock < 0)
        return;
    engine_exec_run(api_engine(req), id, sock, early, early_len, h, w, &err);
    berr_clear(&err);
}

static void resize(struct api_req *req)
{
    struct berr err = BERR_INIT;
    int64_t h = 0, w = 0;
    int rc = api_query_int(req, "h", 0, &h, &err);

    if (rc == 0)
        rc = api_query_int(req, "w", 0, &w, &err);
    if (rc == 0)
        rc = engine_exec_resize(api_engine(req), api_param(req, "id"), (unsigned)h, (unsigned)w,
                                &err);
    if (rc < 0) {
        reply_err(req, &err);
        return;
    }
    api_reply_data(req, 200, "text/plain; charset=utf-8", "", 0);
}

static void inspect(struct api_req *req)
{
    struct berr err = BERR_INIT;
    json_t *doc = engine_exec_inspect(api_engine(req), api_param(req, "id"), &err);

    if (!doc) {
        reply_err(req, &err);
        return;
    }
    api_reply_json(req, 200, doc);
}

const struct api_route api_routes_exec[] = {
    {"POST", "/containers/{id}/exec", create, 0},
    {"POST", "/exec/{id}/start", start, API_ROUTE_STREAM},
    {"POST", "/exec/{id}/resize", resize, 0},
    {"GET", "/exec/{id}/json", inspect, 0},
    {NULL, NULL, NULL, 0},
};
