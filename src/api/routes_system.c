/* /_ping, /version, /info, /build/prune. */
#include <string.h>

#include "api/api.h"
#include "engine/engine.h"

static void ping(struct api_req *req)
{
    bool head = !strcmp(api_method(req), "HEAD");

    api_add_header(req, "Builder-Version", "1");
    api_add_header(req, "Swarm", "inactive");
    api_add_header(req, "Cache-Control", "no-cache, no-store, must-revalidate");
    api_add_header(req, "Pragma", "no-cache");
    if (head)
        api_reply_data(req, 200, "text/plain; charset=utf-8", "", 0);
    else
        api_reply_data(req, 200, "text/plain; charset=utf-8", "OK", 2);
}

static void version(struct api_req *req)
{
    api_reply_json(req, 200, engine_version(api_engine(req)));
}

static void info(struct api_req *req)
{
    api_reply_json(req, 200, engine_info(api_engine(req)));
}

/* berth has no builder, so no build cache: docker system prune calls this. */
static void build_prune(struct api_req *req)
{
    api_reply_json(req, 200, json_pack("{s:[],s:i}", "CachesDeleted", "SpaceReclaimed", 0));
}

const struct api_route api_routes_system[] = {
    {"GET", "/_ping", ping, 0},
    {"HEAD", "/_ping", ping, 0},
    {"GET", "/version", version, 0},
    {"GET", "/info", info, 0},
    {"POST", "/build/prune", build_prune, 0},
    {NULL, NULL, NULL, 0},
};
