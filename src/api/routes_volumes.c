/* Routes of the volumes domain: /volumes, /volumes/create,
 * /volumes/prune, /volumes/{name}. */
#include "api/api.h"
#include "engine/volumes.h"
#include "util/json.h"

static void reply(struct api_req *req, int rc, int status, json_t *body, const struct berr *err)
{
    if (rc == 0)
        api_reply_json(req, status, body);
    else
        api_reply_error(req, err);
}

static void list(struct api_req *req)
{
    _cleanup_berr_ struct berr err = BERR_INIT;
    _cleanup_json_ json_t *filters = api_query_filters(req, &err);
    json_t *out = NULL;
    int rc = filters ? engine_volume_list(api_engine(req), filters, &out, &err) : -1;

    reply(req, rc, 200, out, &err);
}

static void create(struct api_req *req)
{
    _cleanup_berr_ struct berr err = BERR_INIT;
    _cleanup_json_ json_t *body = api_body_json(req, &err);
    json_t *out = NULL;
    int rc = body ? engine_volume_create(api_engine(req), body, &out, &err) : -1;

    reply(req, rc, 201, out, &err);
}

static void inspect(struct api_req *req)
{
    _cleanup_berr_ struct berr err = BERR_INIT;
    json_t *out = NULL;
    int rc = engine_volume_inspect(api_engine(req), api_param(req, "name"), &out, &err);

    reply(req, rc, 200, out, &err);
}

static void remove_volume(struct api_req *req)
{
    _cleanup_berr_ struct berr err = BERR_INIT;
    bool force = api_query_bool(req, "force", false);

    if (engine_volume_remove(api_engine(req), api_param(req, "name"), force, &err) < 0)
        api_reply_error(req, &err);
    else
        api_reply_status(req, 204);
}

static void prune(struct api_req *req)
{
    _cleanup_berr_ struct berr err = BERR_INIT;
    _cleanup_json_ json_t *filters = api_query_filters(req, &err);
    json_t *out = NULL;
    int rc = filters ? engine_volume_prune(api_engine(req), filters, &out, &err) : -1;

    reply(req, rc, 200, out, &err);
}

const struct api_route api_routes_volumes[] = {
    {"GET", "/volumes", list, 0},
    {"POST", "/volumes/create", create, 0},
    {"POST", "/volumes/prune", prune, 0},
    {"GET", "/volumes/{name}", inspect, 0},
    {"DELETE", "/volumes/{name}", remove_volume, 0},
    {NULL, NULL, NULL, 0},
};
