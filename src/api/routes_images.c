/* Routes of the images domain. */
#include <string.h>

#include "api/api.h"
#include "engine/images.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

static void list(struct api_req *req)
{
    struct berr err = BERR_INIT;
    _cleanup_json_ json_t *filters = api_query_filters(req, &err);
    json_t *out;

    if (!filters || engine_image_list(api_engine(req), filters, api_query_bool(req, "all", false),
                                      api_version(req), &out, &err) < 0) {
        api_reply_error(req, &err);
        berr_clear(&err);
        return;
    }
    api_reply_json(req, 200, out);
}

static void inspect(struct api_req *req)
{
    struct berr err = BERR_INIT;
    json_t *out;

    if (engine_image_inspect(api_engine(req), api_param(req, "name"), api_version(req), &out,
                             &err) < 0) {
        api_reply_error(req, &err);
        berr_clear(&err);
        return;
    }
    api_reply_json(req, 200, out);
}

static void history(struct api_req *req)
{
    struct berr err = BERR_INIT;
    json_t *out;

    if (engine_image_history(api_engine(req), api_param(req, "name"), &out, &err) < 0) {
        api_reply_error(req, &err);
        berr_clear(&err);
        return;
    }
    api_reply_json(req, 200, out);
}

static void tag(struct api_req *req)
{
    struct berr err = BERR_INIT;

    if (engine_image_tag(api_engine(req), api_param(req, "name"), api_query(req, "repo"),
                         api_query(req, "tag"), &err) < 0) {
        api_reply_error(req, &err);
        berr_clear(&err);
        return;
    }
    api_reply_status(req, 201);
}

static void delete (struct api_req *req)
{
    struct berr err = BERR_INIT;
    json_t *out;

    if (engine_image_delete(api_engine(req), api_param(req, "name"),
                            api_query_bool(req, "force", false),
                            api_query_bool(req, "noprune", false), &out, &err) < 0) {
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
    json_t *out;

    if (!filters || engine_image_prune(api_engine(req), filters, &out, &err) < 0) {
        api_reply_error(req, &err);
        berr_clear(&err);
        return;
    }
    api_reply_json(req, 200, out);
}

/* ---- streams: the status line goes out with the first message, so an
 * error before any message still gets its own status code. ---- */

static void finish_stream(struct api_req *req, bool begun, struct berr *err)
{
    if (!berr_is_set(err))
        return;
    if (!begun) {
        api_reply_error(req, err);
    } else {
        json_t *msg = json_pack("{s:{s:s},s:s}", "errorDetail", "message", berr_msg(err), "error",
                                berr_msg(err));
        api_stream_json(req, msg);
        json_decref(msg);
    }
    berr_clear(err);
}

struct stream_ctx {
    struct api_req *req;
    bool begun;
};

static void stream_emit(void *ctx, json_t *msg)
{
    struct stream_ctx *s = ctx;

    if (!s->begun) {
        api_stream_begin(s->req, 200, "application/json");
        s->begun = true;
    }
    api_stream_json(s->req, msg);
    json_decref(msg);
}

static void load(struct api_req *req)
{
    struct berr err = BERR_INIT;
    struct stream_ctx s = {req, false};

    engine_image_load(api_engine(req), api_body_fd(req), api_query_bool(req, "quiet", false),
                      stream_emit, &s, &err);
    if (!berr_is_set(&err) && !s.begun) {
        api_stream_begin(req, 200, "application/json");
        s.begun = true;
    }
    finish_stream(req, s.begun, &err);
}

static void create(struct api_req *req)
{
    struct berr err = BERR_INIT;
    struct stream_ctx s = {req, false};
    _cleanup_strv_ char **changes = api_query_all(req, "changes");
    const char *src = api_query(req, "fromSrc");
    struct engine_import_opts o = {
        .src = src,
        .repo = api_query(req, "repo"),
        .tag = api_query(req, "tag"),
        .message = api_query(req, "message"),
        .platform = api_query(req, "platform"),
        .changes = changes,
    };

    if (!src) {
        const char *image = api_query(req, "fromImage");
        berr_not_found(&err,
                       "pull access denied for %s: berth has no registry access yet, "
                       "bring the image with docker load",
                       image ? image : "");
    } else if (strcmp(src, "-") != 0) {
        berr_invalid(&err, "import from a URL is not supported: use fromSrc=-");
    } else {
        engine_image_import(api_engine(req), api_body_fd(req), &o, stream_emit, &s, &err);
    }
    finish_stream(req, s.begun, &err);
}

static int save_write(void *ctx, const void *buf, size_t len)
{
    struct api_req *req = ctx;

    return api_stream_write(req, buf, len);
}

static void save_names(struct api_req *req, char *const *names)
{
    struct berr err = BERR_INIT;
    struct engine_save_plan *plan = NULL;

    if (engine_image_save_plan(api_engine(req), names, &plan, &err) < 0) {
        api_reply_error(req, &err);
        berr_clear(&err);
        return;
    }
    api_stream_begin(req, 200, "application/x-tar");
    if (engine_image_save(api_engine(req), plan, save_write, req, &err) < 0) {
        /* Headers are out: the client sees a truncated tar. */
        log_warn("image save: %s", berr_msg(&err));
        berr_clear(&err);
    }
    engine_save_plan_free(plan);
}

static void save_many(struct api_req *req)
{
    _cleanup_strv_ char **names = api_query_all(req, "names");

    save_names(req, names);
}

static void save_one(struct api_req *req)
{
    char *names[] = {(char *)api_param(req, "name"), NULL};

    save_names(req, names);
}

const struct api_route api_routes_images[] = {
    {"GET", "/images/json", list, 0},
    {"POST", "/images/load", load, API_ROUTE_STREAM | API_ROUTE_BODY_FILE},
    {"POST", "/images/create", create, API_ROUTE_STREAM | API_ROUTE_BODY_FILE},
    {"POST", "/images/prune", prune, 0},
    {"GET", "/images/get", save_many, API_ROUTE_STREAM},
    {"GET", "/images/{name*}/get", save_one, API_ROUTE_STREAM},
    {"GET", "/images/{name*}/json", inspect, 0},
    {"GET", "/images/{name*}/history", history, 0},
    {"POST", "/images/{name*}/tag", tag, 0},
    {"DELETE", "/images/{name*}", delete, 0},
    {NULL, NULL, NULL, 0},
};
