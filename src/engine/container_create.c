/* POST /containers/create: validate, merge with the image, apply dockerd's
 * defaults, record. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/container-internal.h"
#include "engine/images.h"
#include "engine/networks.h"
#include "engine/platform.h"
#include "engine/volumes.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

static const char *const adjectives[] = {
    "brave",  "calm",   "eager",  "fancy", "gentle", "happy",  "jolly",  "keen",
    "lively", "mellow", "nimble", "proud", "quiet",  "rapid",  "serene", "tender",
    "upbeat", "vivid",  "witty",  "zesty", "bold",   "clever", "daring", "frosty",
};
static const char *const surnames[] = {
    "hopper", "lovelace", "turing",  "ritchie", "thompson", "torvalds", "knuth",   "dijkstra",
    "liskov", "hamilton", "lamport", "shannon", "babbage",  "noether",  "curie",   "darwin",
    "euler",  "gauss",    "hypatia", "kepler",  "meitner",  "pascal",   "wozniak", "allen",
};

static void random_bytes(void *buf, size_t n)
{
    _cleanup_close_ int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

    if (fd < 0 || read(fd, buf, n) != (ssize_t)n)
        abort();
}

static char *new_id(void)
{
    unsigned char raw[32];
    char *hex = xmalloc(65);

    random_bytes(raw, sizeof(raw));
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    return hex;
}

static char *new_name_locked(struct engine *e)
{
    for (int tries = 0;; tries++) {
        unsigned r[3];
        char *name;

        random_bytes(r, sizeof(r));
        if (tries < 10)
            name = xasprintf("/%s_%s", adjectives[r[0] % ARRAY_SIZE(adjectives)],
                             surnames[r[1] % ARRAY_SIZE(surnames)]);
        else
            name = xasprintf("/%s_%s%u", adjectives[r[0] % ARRAY_SIZE(adjectives)],
                             surnames[r[1] % ARRAY_SIZE(surnames)], r[2] % 10);
        if (!container_find_name_locked(e, name))
            return name;
        free(name);
    }
}

static bool name_valid(const char *p)
{
    size_t len = strlen(p);

    if (len < 2 || !isalnum((unsigned char)p[0]))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!isalnum((unsigned char)p[i]) && !strchr("_.-", p[i]))
            return false;
    return true;
}

int container_name_check(const char *name, struct berr *err)
{
    if (name_valid(name[0] == '/' ? name + 1 : name))
        return 0;
    return berr_invalid(
        err, "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name);
}

static int check_restart_policy(const json_t *hc, struct berr *err)
{
    const json_t *rp = json_object_get(hc, "RestartPolicy");
    const char *name = json_get_str(rp, "Name", "");
    int64_t retries = json_get_int(rp, "MaximumRetryCount", 0);
    bool known = !*name || !strcmp(name, "no") || !strcmp(name, "always") ||
                 !strcmp(name, "on-failure") || !strcmp(name, "unless-stopped");

    if (!known)
        return berr_invalid(err,
                            "invalid restart policy: unknown policy '%s'; use one of 'no', "
                            "'always', 'on-failure', or 'unless-stopped'",
                            name);
    if (retries < 0)
        return berr_invalid(err, "invalid restart policy: maximum retry count cannot be negative");
    if (retries > 0 && strcmp(name, "on-failure"))
        return berr_invalid(err, "invalid restart policy: maximum retry count can only be used "
                                 "with 'on-failure'");
    if (json_get_bool(hc, "AutoRemove", false) && *name && strcmp(name, "no"))
        return berr_invalid(err, "can't create 'AutoRemove' container with restart policy");
    return 0;
}

static int check_config(struct engine *e, const json_t *cfg, const json_t *hc, struct berr *err)
{
    const char *wd = json_get_str(cfg, "WorkingDir", "");
    const char *rt = json_get_str(hc, "Runtime", "");
    const char *key;
    json_t *v;

    if (*wd && wd[0] != '/')
        return berr_invalid(err,
                            "the working directory '%s' is invalid, it needs to be an absolute "
                            "path",
                            wd);
    if (check_restart_policy(hc, err) < 0)
        return -1;
    if (*rt && !config_find_runtime(e->cfg, rt))
        return berr_invalid(err, "unknown or invalid runtime name: %s", rt);
    json_object_foreach((json_t *)json_object_get(hc, "Tmpfs"), key, v)
    {
        if (key[0] != '/' || !strcmp(key, "/"))
            return berr_invalid(err, "invalid mount path: '%s' mount path must be absolute", key);
    }
    if (json_get_str(cfg, "StopSignal", NULL) && *json_get_str(cfg, "StopSignal", "") &&
        container_signal_parse(json_get_str(cfg, "StopSignal", "")) < 0)
        return berr_invalid(err, "Invalid signal: %s", json_get_str(cfg, "StopSignal", ""));
    return 0;
}

static int check_log_config(const json_t *hc, struct berr *err)
{
    const json_t *lc = json_object_get(hc, "LogConfig");
    const char *type = json_get_str(lc, "Type", "");
    int64_t size_max;

    /* Drivers berth has not are refused, not silently taken as json-file. */
    if (*type && strcmp(type, "json-file") && strcmp(type, "none"))
        return berr_invalid(err,
                            "failed to create logger: logger: no log driver named '%s' is "
                            "registered",
                            type);
    if (strcmp(type, "json-file"))
        return 0;
    return runtime_log_opts_check(json_object_get(lc, "Config"), &size_max, err);
}

/* ---- merge with the image config (dockerd's rules) ---- */

static bool env_has_key(const json_t *env, const char *entry)
{
    size_t klen = strcspn(entry, "=");
    size_t i;
    json_t *v;

    json_array_foreach(env, i, v)
    {
        const char *s = json_string_value(v);

        if (s && strlen(s) >= klen && !strncmp(s, entry, klen) && (s[klen] == '=' || !s[klen]))
            return true;
    }
    return false;
}

static void merge_env(json_t *cfg, const json_t *img)
{
    json_t *env = json_object_get(cfg, "Env");
    size_t i;
    json_t *v;

    if (!json_is_array(env)) {
        env = json_array();
        json_object_set_new(cfg, "Env", env);
    }
    json_array_foreach(json_object_get(img, "Env"), i, v)
    {
        if (json_is_string(v) && !env_has_key(env, json_string_value(v)))
            json_array_append(env, v);
    }
}

static void merge_union(json_t *cfg, const json_t *img, const char *key)
{
    json_t *dst = json_object_get(cfg, key);
    json_t *src = json_object_get(img, key);

    if (!json_is_object(src))
        return;
    if (!json_is_object(dst)) {
        dst = json_object();
        json_object_set_new(cfg, key, dst);
    }
    json_object_update_missing(dst, src);
}

static void merge_if_empty(json_t *cfg, const json_t *img, const char *key)
{
    json_t *src = json_object_get(img, key);

    if (src && !json_is_null(src) && !*json_get_str(cfg, key, ""))
        json_object_set(cfg, key, src);
}

static bool list_empty(const json_t *v)
{
    return !json_is_array(v) || json_array_size(v) == 0;
}

static void merge_image(json_t *cfg, const json_t *image_config)
{
    const json_t *img = json_object_get(image_config, "config");
    json_t *ep = json_object_get(cfg, "Entrypoint");

    merge_if_empty(cfg, img, "User");
    merge_if_empty(cfg, img, "WorkingDir");
    merge_if_empty(cfg, img, "StopSignal");
    merge_union(cfg, img, "ExposedPorts");
    merge_union(cfg, img, "Volumes");
    merge_union(cfg, img, "Labels");
    merge_env(cfg, img);
    if (!json_object_get(cfg, "Healthcheck") && json_object_get(img, "Healthcheck"))
        json_object_set(cfg, "Healthcheck", json_object_get(img, "Healthcheck"));

    /* The image's Cmd and Entrypoint count only when the request names no
     * Entrypoint; [""] clears both. */
    if (list_empty(ep)) {
        if (list_empty(json_object_get(cfg, "Cmd")) && json_object_get(img, "Cmd"))
            json_object_set(cfg, "Cmd", json_object_get(img, "Cmd"));
        if (json_object_get(img, "Entrypoint"))
            json_object_set(cfg, "Entrypoint", json_object_get(img, "Entrypoint"));
    } else if (json_array_size(ep) == 1 && !*json_string_value(json_array_get(ep, 0))) {
        json_object_set_new(cfg, "Entrypoint", json_null());
    }
}

/* Path and Args: the first of Entrypoint+Cmd and the rest. */
static int command_of(const json_t *cfg, json_t **path, json_t **args, struct berr *err)
{
    json_t *all = json_array();
    size_t i;
    json_t *v;

    json_array_foreach(json_object_get(cfg, "Entrypoint"), i, v) json_array_append(all, v);
    json_array_foreach(json_object_get(cfg, "Cmd"), i, v) json_array_append(all, v);
    if (json_array_size(all) == 0) {
        json_decref(all);
        return berr_invalid(err, "no command specified");
    }
    *path = json_incref(json_array_get(all, 0));
    json_array_remove(all, 0);
    *args = all;
    return 0;
}

/* ---- defaults ---- */

static void set_default_int(json_t *obj, const char *key, int64_t value)
{
    if (json_get_int(obj, key, 0) == 0)
        json_object_set_new(obj, key, json_integer(value));
}

/* dockerd fills the options a container of the daemon's driver did not
 * give from the daemon's log-opts. */
static void log_config_defaults(struct engine *e, json_t *lc)
{
    json_t *opts = json_object_get(lc, "Config");
    const char *key;
    json_t *v;

    if (!json_is_object(opts)) {
        opts = json_object();
        json_object_set_new(lc, "Config", opts);
    }
    if (strcmp(json_get_str(lc, "Type", ""), e->cfg->log_driver))
        return;
    json_object_foreach(e->cfg->log_opts, key, v)
    {
        if (!json_object_get(opts, key))
            json_object_set(opts, key, v);
    }
}

static void host_config_defaults(struct engine *e, json_t *hc)
{
    const char *nm = json_get_str(hc, "NetworkMode", "");
    json_t *rp = json_object_get(hc, "RestartPolicy");
    json_t *lc = json_object_get(hc, "LogConfig");
    int64_t mem = json_get_int(hc, "Memory", 0);

    if (!*nm || !strcmp(nm, "default"))
        json_object_set_new(hc, "NetworkMode", json_string("bridge"));
    if (!json_is_object(rp)) {
        rp = json_pack("{s:s,s:i}", "Name", "no", "MaximumRetryCount", 0);
        json_object_set_new(hc, "RestartPolicy", rp);
    }
    if (!*json_get_str(rp, "Name", ""))
        json_object_set_new(rp, "Name", json_string("no"));
    if (!json_is_object(lc)) {
        lc = json_pack("{s:s,s:{}}", "Type", "", "Config");
        json_object_set_new(hc, "LogConfig", lc);
    }
    if (!*json_get_str(lc, "Type", ""))
        json_object_set_new(lc, "Type", json_string("json-file"));
    log_config_defaults(e, lc);
    set_default_int(hc, "ShmSize", 67108864);
    if (mem > 0 && json_get_int(hc, "MemorySwap", 0) == 0)
        json_object_set_new(hc, "MemorySwap", json_integer(2 * mem));
    if (!*json_get_str(hc, "IpcMode", ""))
        json_object_set_new(hc, "IpcMode", json_string("private"));
    if (!*json_get_str(hc, "CgroupnsMode", ""))
        json_object_set_new(hc, "CgroupnsMode", json_string("host"));
    if (!*json_get_str(hc, "Runtime", "") && e->cfg->default_runtime)
        json_object_set_new(hc, "Runtime", json_string(e->cfg->default_runtime));
    if (json_is_null(json_object_get(hc, "OomKillDisable")) ||
        !json_object_get(hc, "OomKillDisable"))
        json_object_set_new(hc, "OomKillDisable", json_false());
    if (json_get_int(hc, "PidsLimit", 0) <= 0)
        json_object_set_new(hc, "PidsLimit", json_null());
}

/* The Config part of the request: every top-level key but the others. */
static json_t *request_config(const json_t *body)
{
    json_t *cfg = json_deep_copy(body);

    json_object_del(cfg, "HostConfig");
    json_object_del(cfg, "NetworkingConfig");
    return cfg;
}

static json_t *network_settings_new(const json_t *hc, const json_t *netcfg)
{
    json_t *nets = json_object();
    const char *mode = json_get_str(hc, "NetworkMode", "bridge");
    json_t *eps = json_object_get(netcfg, "EndpointsConfig");

    if (strncmp(mode, "container:", 10)) {
        json_t *ep = json_object_get(eps, mode);

        if (!ep && json_object_size(eps) == 1)
            ep = json_object_iter_value(json_object_iter(eps));
        json_object_set_new(nets, mode, ep ? json_deep_copy(ep) : json_object());
    }
    return json_pack("{s:s,s:s,s:s,s:o,s:b,s:s,s:i,s:n,s:n,s:s,s:s,s:s,s:i,s:s,s:s,s:i,s:s,s:o}",
                     "Bridge", "", "SandboxID", "", "SandboxKey", "", "Ports", json_object(),
                     "HairpinMode", 0, "LinkLocalIPv6Address", "", "LinkLocalIPv6PrefixLen", 0,
                     "SecondaryIPAddresses", "SecondaryIPv6Addresses", "EndpointID", "", "Gateway",
                     "", "GlobalIPv6Address", "", "GlobalIPv6PrefixLen", 0, "IPAddress", "",
                     "IPv6Gateway", "", "IPPrefixLen", 0, "MacAddress", "", "Networks", nets);
}

static json_t *state_new(void)
{
    return json_pack("{s:s,s:b,s:b,s:b,s:b,s:b,s:i,s:i,s:s,s:s,s:s}", "Status", "created",
                     "Running", 0, "Paused", 0, "Restarting", 0, "OOMKilled", 0, "Dead", 0, "Pid",
                     0, "ExitCode", 0, "Error", "", "StartedAt", "0001-01-01T00:00:00Z",
                     "FinishedAt", "0001-01-01T00:00:00Z");
}

struct create_ctx {
    char *id;
    char *image_id;
    json_t *image_config;
    json_t *cfg;
    json_t *hc;
    json_t *netcfg;
    json_t *path, *args;
    json_t *mounts; /* inspect "Mounts", from engine_volumes_container_create */
};

static void create_ctx_release(struct create_ctx *x)
{
    free(x->id);
    free(x->image_id);
    json_decref(x->image_config);
    json_decref(x->cfg);
    json_decref(x->hc);
    json_decref(x->netcfg);
    json_decref(x->path);
    json_decref(x->args);
    json_decref(x->mounts);
}

static json_t *graph_driver(struct engine *e, const char *id)
{
    _cleanup_free_ char *dir = container_dir(e, id);
    _cleanup_free_ char *upper = xasprintf("%s/upper", dir);
    _cleanup_free_ char *work = xasprintf("%s/work", dir);
    _cleanup_free_ char *merged = xasprintf("%s/merged", dir);

    return json_pack("{s:s,s:{s:s,s:s,s:s}}", "Name", "overlay2", "Data", "UpperDir", upper,
                     "WorkDir", work, "MergedDir", merged);
}

static json_t *build_doc(struct engine *e, struct create_ctx *x, const char *name)
{
    _cleanup_free_ char *dir = container_dir(e, x->id);
    _cleanup_free_ char *created = NULL;
    struct timespec ts;
    const char *mode = json_get_str(x->hc, "NetworkMode", "bridge");
    json_t *doc;

    clock_gettime(CLOCK_REALTIME, &ts);
    created = json_time_format(ts.tv_sec, ts.tv_nsec);
    doc = json_pack("{s:s,s:s,s:O,s:O,s:o,s:s}", "Id", x->id, "Created", created, "Path", x->path,
                    "Args", x->args, "State", state_new(), "Image", x->image_id);
    json_object_set_new(doc, "ResolvConfPath", json_sprintf("%s/resolv.conf", dir));
    json_object_set_new(doc, "HostnamePath", json_sprintf("%s/hostname", dir));
    json_object_set_new(doc, "HostsPath", json_sprintf("%s/hosts", dir));
    /* The none driver keeps nothing, and dockerd shows no path for it. */
    if (!strcmp(json_get_str(json_object_get(x->hc, "LogConfig"), "Type", ""), "none"))
        json_object_set_new(doc, "LogPath", json_string(""));
    else
        json_object_set_new(doc, "LogPath", json_sprintf("%s/%s-json.log", dir, x->id));
    json_object_set_new(doc, "Name", json_string(name));
    json_object_set_new(doc, "RestartCount", json_integer(0));
    json_object_set_new(doc, "Driver", json_string("overlay2"));
    json_object_set_new(doc, "Platform", json_string("linux"));
    json_object_set_new(doc, "MountLabel", json_string(""));
    json_object_set_new(doc, "ProcessLabel", json_string(""));
    json_object_set_new(doc, "AppArmorProfile", json_string(""));
    json_object_set_new(doc, "ExecIDs", json_null());
    json_object_set(doc, "HostConfig", x->hc);
    json_object_set_new(doc, "GraphDriver", graph_driver(e, x->id));
    json_object_set_new(doc, "Mounts", x->mounts ? json_incref(x->mounts) : json_array());
    json_object_set(doc, "Config", x->cfg);
    json_object_set_new(doc, "NetworkSettings", network_settings_new(x->hc, x->netcfg));
    json_object_set_new(doc, "Berth",
                        json_pack("{s:O,s:b,s:s}", "NetworkingConfig",
                                  x->netcfg ? x->netcfg : json_null(), "Started", 0, "NetworkMode",
                                  mode));
    return doc;
}

static int prepare(struct engine *e, json_t *body, json_t *warnings, struct create_ctx *x,
                   struct berr *err)
{
    const char *image;

    x->hc = json_deep_copy(json_object_get(body, "HostConfig"));
    if (!json_is_object(x->hc)) {
        json_decref(x->hc);
        x->hc = json_object();
    }
    x->netcfg = json_deep_copy(json_object_get(body, "NetworkingConfig"));
    x->cfg = request_config(body);

    if (engine_platform_verify_host_config(e, x->hc, warnings, false, err) < 0)
        return -1;
    if (check_config(e, x->cfg, x->hc, err) < 0)
        return -1;

    image = json_get_str(x->cfg, "Image", "");
    if (!*image)
        return berr_invalid(err, "config cannot be empty in order to create a container");
    if (engine_image_get(e, image, &x->image_id, &x->image_config, err) < 0)
        return -1;
    host_config_defaults(e, x->hc);
    if (check_log_config(x->hc, err) < 0)
        return -1;
    if (engine_network_validate(e, x->hc, x->netcfg, err) < 0)
        return -1;

    merge_image(x->cfg, x->image_config);
    if (command_of(x->cfg, &x->path, &x->args, err) < 0)
        return -1;
    x->id = new_id();
    if (!*json_get_str(x->cfg, "Hostname", ""))
        json_object_set_new(x->cfg, "Hostname", json_stringn(x->id, 12));
    return 0;
}

static int make_dirs(struct engine *e, const char *id, struct berr *err)
{
    _cleanup_free_ char *dir = container_dir(e, id);
    static const char *const subs[] = {"upper", "work", "merged"};

    for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
        _cleanup_free_ char *p = xasprintf("%s/%s", dir, subs[i]);

        if (fs_mkdir_p(p, 0755, err) < 0)
            return -1;
    }
    return 0;
}

static int record(struct engine *e, struct create_ctx *x, const char *req_name, struct berr *err)
{
    struct container *c;
    struct container *other;
    _cleanup_free_ char *name = NULL;

    containers_lock(e);
    if (req_name && *req_name) {
        name = req_name[0] == '/' ? xstrdup(req_name) : xasprintf("/%s", req_name);
        other = container_find_name_locked(e, name);
        if (other) {
            containers_unlock(e);
            return berr_conflict(err,
                                 "Conflict. The container name \"%s\" is already in use by "
                                 "container \"%s\". You have to remove (or rename) that "
                                 "container to be able to reuse that name.",
                                 name, other->id);
        }
    } else {
        name = new_name_locked(e);
    }

    c = xcalloc(1, sizeof(*c));
    c->id = xstrdup(x->id);
    c->name = xstrdup(name);
    c->doc = build_doc(e, x, name);
    container_add_locked(e, c);
    if (container_save(e, c, err) < 0) {
        container_drop_locked(e, c);
        containers_unlock(e);
        return -1;
    }
    container_event(e, c, "create", NULL);
    containers_unlock(e);
    return 0;
}

static int create(struct engine *e, const char *name, json_t *body, json_t *warnings,
                  struct create_ctx *x, struct berr *err)
{
    if (name && *name && container_name_check(name, err) < 0)
        return -1;
    if (prepare(e, body, warnings, x, err) < 0)
        return -1;
    if (engine_volumes_container_create(e, x->id, x->cfg, x->hc, &x->mounts, err) < 0)
        return -1;
    if (make_dirs(e, x->id, err) < 0 || record(e, x, name, err) < 0) {
        _cleanup_free_ char *dir = container_dir(e, x->id);
        struct berr ignored = BERR_INIT;

        engine_volumes_container_remove(e, x->id, true);
        fs_remove_all(dir, &ignored);
        berr_clear(&ignored);
        return -1;
    }
    return 0;
}

int engine_container_create(struct engine *e, const char *name, json_t *body, int api_version,
                            json_t **out, struct berr *err)
{
    struct create_ctx x = {0};
    _cleanup_json_ json_t *warnings = json_array();
    int rc;

    (void)api_version;
    rc = create(e, name, body, warnings, &x, err);
    if (rc == 0) {
        log_debug("container %.12s created from %s", x.id, x.image_id);
        *out = json_pack("{s:s,s:O}", "Id", x.id, "Warnings", warnings);
    }
    create_ctx_release(&x);
    return rc;
}
