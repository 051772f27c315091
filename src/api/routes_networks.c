/* Routes of the networks domain: /networks, /networks/{id},
 * /networks/create, /networks/prune, /networks/{id}/connect|disconnect. */
#include "api/api.h"
#include "engine/networks.h"
#include "util/json.h"

static void reply(struct api_req *req, int status, json_t *body, const struct berr *err)
{
    if (body)
        api_reply_json(req, status, body);
    else
        api_reply_error(req, err);
}

static void list(struct api_req *req)
{
    _cleanup_berr_ struct berr err = BERR_INIT;
    _cleanup_json_ json_t *filters = api_query_filters(req, &err);

    if (!filters) {
        api_reply_error(req, &err);
        return;
    }
    reply(req, 200, engine_network_list(api_engine(req), filters, &err), &err);
}

static void inspect(struct api_req *req)
{
    _cleanup_berr_ struct berr err = BERR_INIT;

    reply(req, 200, engine_network_inspect(api_engine(req), api_param(req, "id"), &err), &err);
}

static void create(struct api_req *req)
{
    _cleanup_berr_ struct berr err = BERR_INIT;
    _cleanup_json_ json_t *body = api_body_json(req, &err);

    if (!body) {
        api_reply_error(req, &err);
        return;
    }
    reply(req, 201, engine_network_create(api_engine(req), body, &err), &err);
}

static void remove_network(struct api_req *req)
{
    _cleanup_berr_ struct berr err = BERR_INIT;

    if (engine_network_remove(api_engine(req), api_param(req, "id"), &err) < 0)
        api_reply_error(req, &err);
    else
        api_reply_status(req, 204);
}

static void prune(struct api_req *req)
{
    _cleanup_berr_ struct berr err = BERR_INIT;
    _cleanup_json_ json_t *filters = api_query_filters(req, &err);

    if (!filters) {
        api_reply_error(req, &err);
        return;
    }
    reply(req, 200, engine_network_prune(api_engine(req), filters, &err), &err);
}

static void connect_or_disconnect(struct api_req *req, bool connect)
{
    _cleanup_berr_ struct berr err = BERR_INIT;
    _cleanup_json_ json_t *body = api_body_json(req, &err);
    struct engine *e = api_engine(req);
    const char *id = api_param(req, "id");
    int rc;

    if (!body) {
        api_reply_error(req, &err);
        return;
    }
    rc = connect ? engine_network_connect(e, id, body, &err)
                 : engine_network_disconnect(e, id, body, &err);
    if (rc < 0)
        api_reply_error(req, &err);
    else
        api_reply_status(req, 200);
}

static void connect_container(struct api_req *req)
{
    connect_or_disconnect(req, true);
}

static void disconnect_container(struct api_req *req)
{
    connect_or_disconnect(req, false);
}

const struct api_route api_routes_networks[] = {
    {"GET", "/networks", list, 0},
    {"POST", "/networks/create", create, 0},
    {"POST", "/networks/prune", prune, 0},
    {"GET", "/networks/{id}", inspect, 0},
    {"DELETE", "/networks/{id}", remove_network, 0},
    {"POST", "/networks/{id}/connect", connect_container, 0},
    {"POST", "/networks/{id}/disconnect", disconnect_container, 0},
    {NULL, NULL, NULL, 0},
};
