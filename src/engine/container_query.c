/* Inspect and list. */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "engine/container-internal.h"
#include "engine/images.h"
#include "util/json.h"
#include "util/mem.h"

/* The inspect document: the stored one without berth's private part. */
static json_t *inspect_doc(struct container *c)
{
    json_t *doc = json_deep_copy(c->doc);

    json_object_del(doc, "Berth");
    json_object_set_new(json_object_get(doc, "State"), "Status", json_string(container_status(c)));
    return doc;
}

json_t *engine_container_inspect(struct engine *e, const char *ref, bool size, struct berr *err)
{
    struct container *c;
    json_t *doc = NULL;

    containers_lock(e);
    c = container_get_locked(e, ref, err);
    if (c) {
        doc = inspect_doc(c);
        json_object_set_new(doc, "ExecIDs", container_exec_ids_locked(e, c->id));
        if (size) {
            json_object_set_new(doc, "SizeRw", json_integer(0));
            json_object_set_new(doc, "SizeRootFs", json_integer(0));
        }
    }
    container_put_locked(c);
    containers_unlock(e);
    return doc;
}

/* ---- status text ---- */

/* Go's units.HumanDuration, which docker ps prints. */
static char *human_duration(int64_t secs)
{
    int64_t minutes = secs / 60, hours = (secs + 1800) / 3600;

    if (secs < 1)
        return xstrdup("Less than a second");
    if (secs == 1)
        return xstrdup("1 second");
    if (secs < 60)
        return xasprintf("%lld seconds", (long long)secs);
    if (minutes == 1)
        return xstrdup("About a minute");
    if (minutes < 60)
        return xasprintf("%lld minutes", (long long)minutes);
    if (hours == 1)
        return xstrdup("About an hour");
    if (hours < 48)
        return xasprintf("%lld hours", (long long)hours);
    if (hours < 24 * 7 * 2)
        return xasprintf("%lld days", (long long)(hours / 24));
    if (hours < 24 * 30 * 2)
        return xasprintf("%lld weeks", (long long)(hours / 24 / 7));
    if (hours < 24 * 365 * 2)
        return xasprintf("%lld months", (long long)(hours / 24 / 30));
    return xasprintf("%lld years", (long long)(hours / 24 / 365));
}

static int64_t since_now(const char *rfc3339)
{
    int64_t sec = 0;
    long nsec = 0;

    if (json_time_parse(rfc3339, &sec, &nsec) < 0)
        return 0;
    return (int64_t)time(NULL) - sec;
}

static char *status_text(struct container *c)
{
    const char *status = container_status(c);
    json_t *st = container_state(c);
    _cleanup_free_ char *d = NULL;

    if (!strcmp(status, "running") || !strcmp(status, "paused")) {
        d = human_duration(since_now(json_get_str(st, "StartedAt", "")));
        return xasprintf("Up %s%s", d, !strcmp(status, "paused") ? " (Paused)" : "");
    }
    if (!strcmp(status, "restarting")) {
        d = human_duration(since_now(json_get_str(st, "FinishedAt", "")));
        return xasprintf("Restarting (%lld) %s ago", (long long)json_get_int(st, "ExitCode", 0), d);
    }
    if (!strcmp(status, "removing"))
        return xstrdup("Removal In Progress");
    if (!strcmp(status, "dead"))
        return xstrdup("Dead");
    if (!strcmp(status, "created"))
        return xstrdup("Created");
    d = human_duration(since_now(json_get_str(st, "FinishedAt", "")));
    return xasprintf("Exited (%lld) %s ago", (long long)json_get_int(st, "ExitCode", 0), d);
}

/* "echo hi" with arguments holding spaces single-quoted. */
static char *command_text(struct container *c)
{
    char *out = xstrdup(json_get_str(c->doc, "Path", ""));
    size_t i;
    json_t *v;

    json_array_foreach(json_object_get(c->doc, "Args"), i, v)
    {
        const char *a = json_string_value(v);
        char *next = strchr(a, ' ') ? xasprintf("%s '%s'", out, a) : xasprintf("%s %s", out, a);

        free(out);
        out = next;
    }
    return out;
}

static json_t *ports_list(struct container *c)
{
    json_t *out = json_array();
    json_t *bound = json_object_get(json_object_get(c->doc, "NetworkSettings"), "Ports");
    const char *key;
    json_t *v;

    json_object_foreach(bound, key, v)
    {
        char proto[8] = "tcp";
        int port = 0;
        size_t i;
        json_t *b;

        sscanf(key, "%d/%7s", &port, proto);
        if (!json_is_array(v) || !json_array_size(v))
            json_array_append_new(out, json_pack("{s:i,s:s}", "PrivatePort", port, "Type", proto));
        json_array_foreach(v, i, b)
        {
            json_array_append_new(
                out, json_pack("{s:s,s:i,s:i,s:s}", "IP", json_get_str(b, "HostIp", ""),
                               "PrivatePort", port, "PublicPort",
                               atoi(json_get_str(b, "HostPort", "0")), "Type", proto));
        }
    }
    return out;
}

static json_t *summary(struct container *c, bool size)
{
    _cleanup_free_ char *cmd = command_text(c);
    _cleanup_free_ char *status = status_text(c);
    json_t *cfg = container_config(c);
    json_t *ns = json_object_get(c->doc, "NetworkSettings");
    int64_t created = 0;
    long nsec = 0;
    json_t *s;

    json_time_parse(json_get_str(c->doc, "Created", ""), &created, &nsec);
    s = json_pack("{s:s,s:[s],s:s,s:s,s:s,s:I,s:o,s:O,s:s,s:s}", "Id", c->id, "Names", c->name,
                  "Image", json_get_str(cfg, "Image", ""), "ImageID",
                  json_get_str(c->doc, "Image", ""), "Command", cmd, "Created", (json_int_t)created,
                  "Ports", ports_list(c), "Labels",
                  json_object_get(cfg, "Labels") ? json_object_get(cfg, "Labels") : json_null(),
                  "State", container_status(c), "Status", status);
    json_object_set_new(s, "HostConfig",
                        json_pack("{s:s}", "NetworkMode",
                                  json_get_str(container_host_config(c), "NetworkMode", "")));
    json_object_set_new(s, "NetworkSettings",
                        json_pack("{s:O}", "Networks",
                                  json_object_get(ns, "Networks") ? json_object_get(ns, "Networks")
                                                                  : json_object()));
    json_object_set(s, "Mounts", json_object_get(c->doc, "Mounts"));
    if (size) {
        json_object_set_new(s, "SizeRw", json_integer(0));
        json_object_set_new(s, "SizeRootFs", json_integer(0));
    }
    return s;
}

/* ---- filters ---- */

static bool any_value(const json_t *vals, bool (*match)(struct container *, const char *, void *),
                      struct container *c, void *arg)
{
    size_t i;
    json_t *v;

    if (!vals)
        return true;
    json_array_foreach(vals, i, v)
    {
        if (json_is_string(v) && match(c, json_string_value(v), arg))
            return true;
    }
    return false;
}

static bool match_status(struct container *c, const char *v, void *arg)
{
    (void)arg;
    return !strcmp(container_status(c), v);
}

static bool match_id(struct container *c, const char *v, void *arg)
{
    (void)arg;
    return !strncmp(c->id, v, strlen(v));
}

static bool match_name(struct container *c, const char *v, void *arg)
{
    regex_t re;
    bool hit;

    (void)arg;
    if (regcomp(&re, v, REG_EXTENDED | REG_NOSUB) != 0)
        return strstr(c->name, v) != NULL;
    hit = regexec(&re, c->name + 1, 0, NULL, 0) == 0 || regexec(&re, c->name, 0, NULL, 0) == 0;
    regfree(&re);
    return hit;
}

static bool match_label(struct container *c, const char *v, void *arg)
{
    json_t *labels = json_object_get(container_config(c), "Labels");
    const char *eq = strchr(v, '=');
    _cleanup_free_ char *key = eq ? xstrndup(v, (size_t)(eq - v)) : xstrdup(v);
    const char *have = json_get_str(labels, key, NULL);

    (void)arg;
    return have && (!eq || !strcmp(have, eq + 1));
}

static bool match_exited(struct container *c, const char *v, void *arg)
{
    (void)arg;
    return !strcmp(container_status(c), "exited") &&
           json_get_int(container_state(c), "ExitCode", -1) == atoi(v);
}

static bool match_network(struct container *c, const char *v, void *arg)
{
    json_t *nets = json_object_get(json_object_get(c->doc, "NetworkSettings"), "Networks");
    const char *key;
    json_t *ep;

    (void)arg;
    json_object_foreach(nets, key, ep)
    {
        if (!strcmp(key, v) || !strcmp(json_get_str(ep, "NetworkID", "-"), v))
            return true;
    }
    return false;
}

static bool match_ancestor(struct container *c, const char *v, void *arg)
{
    struct engine *e = arg;
    const char *image_id = json_get_str(c->doc, "Image", "");
    _cleanup_free_ char *id = NULL;
    _cleanup_json_ json_t *cfg = NULL;
    struct berr err = BERR_INIT;
    bool hit;

    if (!strcmp(json_get_str(container_config(c), "Image", ""), v) || !strcmp(image_id, v) ||
        (strlen(v) >= 4 && strstr(image_id, v) == image_id + 7))
        return true;
    if (engine_image_get(e, v, &id, &cfg, &err) < 0) {
        berr_clear(&err);
        return false;
    }
    hit = !strcmp(id, image_id);
    return hit;
}

/* A volume by its name (or source when unnamed) or by where it is mounted. */
static bool match_volume(struct container *c, const char *v, void *arg)
{
    size_t i;
    json_t *m;

    (void)arg;
    json_array_foreach(json_object_get(c->doc, "Mounts"), i, m)
    {
        if (!strcmp(json_get_str(m, "Name", ""), v) ||
            !strcmp(json_get_str(m, "Destination", ""), v) ||
            !strcmp(json_get_str(m, "Source", ""), v))
            return true;
    }
    return false;
}

/* No healthchecks in berth: every container is "none". */
static bool match_health(struct container *c, const char *v, void *arg)
{
    (void)c;
    (void)arg;
    return !strcmp(v, "none");
}

/* Linux has one isolation, the default; "false" is the only is-task that holds. */
static bool match_isolation(struct container *c, const char *v, void *arg)
{
    (void)c;
    (void)arg;
    return !strcasecmp(v, "default") || !*v;
}

static bool match_is_task(struct container *c, const char *v, void *arg)
{
    (void)c;
    (void)arg;
    return !strcmp(v, "false");
}

/* "80", "80/udp" or "8000-8010/tcp"; false when malformed. */
static bool port_spec(const char *v, unsigned *lo, unsigned *hi, char proto[8])
{
    int n = 0;

    strcpy(proto, "tcp");
    if (strchr(v, ':'))
        return false;
    if (sscanf(v, "%u-%u%n", lo, hi, &n) == 2 || (*hi = 0, sscanf(v, "%u%n", lo, &n) == 1)) {
        if (!*hi)
            *hi = *lo;
        if (v[n] == '/' && sscanf(v + n + 1, "%7[a-z]", proto) == 1 &&
            strlen(proto) == strlen(v + n + 1))
            return *lo <= *hi && *hi <= 65535;
        return !v[n] && *lo <= *hi && *hi <= 65535;
    }
    return false;
}

/* Any key of a {"80/tcp": ...} map inside the filter's port range. */
static bool ports_hit(const json_t *ports, const char *v)
{
    unsigned lo, hi;
    char proto[8], kproto[8];
    const char *key;
    json_t *b;

    if (!port_spec(v, &lo, &hi, proto))
        return false;
    json_object_foreach((json_t *)ports, key, b)
    {
        unsigned port = 0;

        strcpy(kproto, "tcp");
        if (sscanf(key, "%u/%7s", &port, kproto) >= 1 && port >= lo && port <= hi &&
            !strcmp(kproto, proto))
            return true;
    }
    return false;
}

static bool match_publish(struct container *c, const char *v, void *arg)
{
    (void)arg;
    return ports_hit(json_object_get(container_host_config(c), "PortBindings"), v);
}

static bool match_expose(struct container *c, const char *v, void *arg)
{
    (void)arg;
    return ports_hit(json_object_get(container_config(c), "ExposedPorts"), v);
}

/* ---- filter validation, as dockerd refuses what it does not know ---- */

static const char *const ps_filter_keys[] = {
    "ancestor", "before", "exited", "id",      "isolation", "label",   "name",   "status",
    "health",   "since",  "volume", "network", "is-task",   "publish", "expose", NULL};

static const char *const ps_states[] = {"created",  "running", "paused", "restarting",
                                        "removing", "exited",  "dead",   NULL};

static const char *const ps_health[] = {"starting", "healthy", "unhealthy", "none", NULL};

static bool in_list(const char *const *list, const char *v)
{
    for (size_t i = 0; list[i]; i++) {
        if (!strcmp(list[i], v))
            return true;
    }
    return false;
}

static bool is_int(const char *v)
{
    char *end = NULL;

    errno = 0;
    strtol(v, &end, 10);
    return *v && !*end && errno == 0;
}

static int check_value(const char *key, const char *v, struct berr *err)
{
    unsigned lo, hi;
    char proto[8];

    if (!strcmp(key, "status") && !in_list(ps_states, v))
        return berr_invalid(err, "Invalid filter 'status=%s'", v);
    if (!strcmp(key, "health") && !in_list(ps_health, v))
        return berr_invalid(err, "Unrecognised filter value for health: %s", v);
    if (!strcmp(key, "is-task") && strcmp(v, "true") && strcmp(v, "false"))
        return berr_invalid(err, "Invalid filter 'is-task=%s'", v);
    if (!strcmp(key, "exited") && !is_int(v))
        return berr_invalid(err, "strconv.Atoi: parsing \"%s\": invalid syntax", v);
    if (!strcmp(key, "isolation") && *v && strcasecmp(v, "default"))
        return berr_invalid(err, "Invalid isolation: '%s'", v);
    if ((!strcmp(key, "publish") || !strcmp(key, "expose")) && strchr(v, ':'))
        return berr_invalid(err, "filter for '%s' should not contain ':': %s", key, v);
    if ((!strcmp(key, "publish") || !strcmp(key, "expose")) && !port_spec(v, &lo, &hi, proto))
        return berr_invalid(err, "Invalid filter '%s=%s'", key, v);
    return 0;
}

static int check_filters(const json_t *filters, struct berr *err)
{
    const char *key;
    json_t *vals;

    json_object_foreach((json_t *)filters, key, vals)
    {
        size_t i;
        json_t *v;

        if (!in_list(ps_filter_keys, key))
            return berr_invalid(err, "Invalid filter '%s'", key);
        json_array_foreach(vals, i, v)
        {
            if (json_is_string(v) && check_value(key, json_string_value(v), err) < 0)
                return -1;
        }
    }
    return 0;
}

/* Every label filter must hold (the others need any one value). */
static bool all_labels(struct container *c, const json_t *vals)
{
    size_t i;
    json_t *v;

    json_array_foreach(vals, i, v)
    {
        if (!match_label(c, json_string_value(v), NULL))
            return false;
    }
    return true;
}

struct list_ctx {
    struct engine *e;
    const json_t *filters;
    int64_t before_seq, since_seq;
};

static bool filtered_in(struct list_ctx *x, struct container *c)
{
    const json_t *f = x->filters;

    if (x->before_seq && c->seq >= x->before_seq)
        return false;
    if (x->since_seq && c->seq <= x->since_seq)
        return false;
    return any_value(json_object_get(f, "status"), match_status, c, NULL) &&
           any_value(json_object_get(f, "id"), match_id, c, NULL) &&
           any_value(json_object_get(f, "name"), match_name, c, NULL) &&
           any_value(json_object_get(f, "exited"), match_exited, c, NULL) &&
           any_value(json_object_get(f, "network"), match_network, c, NULL) &&
           any_value(json_object_get(f, "ancestor"), match_ancestor, c, x->e) &&
           any_value(json_object_get(f, "volume"), match_volume, c, NULL) &&
           any_value(json_object_get(f, "health"), match_health, c, NULL) &&
           any_value(json_object_get(f, "isolation"), match_isolation, c, NULL) &&
           any_value(json_object_get(f, "is-task"), match_is_task, c, NULL) &&
           any_value(json_object_get(f, "publish"), match_publish, c, NULL) &&
           any_value(json_object_get(f, "expose"), match_expose, c, NULL) &&
           all_labels(c, json_object_get(f, "label"));
}

static int ref_seq_locked(struct engine *e, const json_t *filters, const char *key, int64_t *out,
                          struct berr *err)
{
    json_t *vals = json_object_get(filters, key);
    struct container *c;

    if (!json_array_size(vals))
        return 0;
    c = container_get_locked(e, json_string_value(json_array_get(vals, 0)), err);
    if (!c)
        return -1;
    *out = c->seq;
    container_put_locked(c);
    return 0;
}

json_t *engine_container_list(struct engine *e, bool all, int64_t limit, bool size,
                              const json_t *filters, struct berr *err)
{
    struct list_ctx x = {.e = e, .filters = filters};
    struct container_set *s;
    json_t *out;

    if (check_filters(filters, err) < 0)
        return NULL;
    out = json_array();
    if (limit > 0 || json_object_get(filters, "status") || json_object_get(filters, "exited") ||
        json_object_get(filters, "before") || json_object_get(filters, "since"))
        all = true;
    containers_lock(e);
    s = e->containers;
    if (ref_seq_locked(e, filters, "before", &x.before_seq, err) < 0 ||
        ref_seq_locked(e, filters, "since", &x.since_seq, err) < 0) {
        containers_unlock(e);
        json_decref(out);
        return NULL;
    }
    for (size_t i = s->n; i > 0; i--) {
        struct container *c = s->items[i - 1];

        if (limit > 0 && (int64_t)json_array_size(out) >= limit)
            break;
        if ((!all && !container_running(c)) || !filtered_in(&x, c))
            continue;
        json_array_append_new(out, summary(c, size));
    }
    containers_unlock(e);
    return out;
}
