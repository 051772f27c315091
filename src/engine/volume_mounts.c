/* The volume side of containers: resolve a container's volume mounts at
 * create, mount and copy up at start, release at stop, forget (and remove
 * anonymous volumes) at removal. */
#include <string.h>
#include <sys/stat.h>

#include "engine/events.h"
#include "engine/volumes.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"
#include "volume/volume.h"

struct specs {
    struct volume_mount_spec *v;
    size_t n;
};

static void specs_release(struct specs *s)
{
    for (size_t i = 0; i < s->n; i++)
        volume_mount_spec_release(&s->v[i]);
    free(s->v);
}

static bool has_target(const struct specs *s, const char *target)
{
    for (size_t i = 0; i < s->n; i++) {
        if (!strcmp(s->v[i].target, target))
            return true;
    }
    return false;
}

static int push(struct specs *s, struct volume_mount_spec *m, struct berr *err)
{
    if (has_target(s, m->target)) {
        berr_invalid(err, "Duplicate mount point: %s", m->target);
        volume_mount_spec_release(m);
        return -1;
    }
    s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
    s->v[s->n++] = *m;
    return 0;
}

/* A HostConfig.Mounts entry of type bind or tmpfs, checked as dockerd
 * checks it at create: a bind's source must exist. */
static int parse_host_mount(const json_t *v, const char *type, struct volume_mount_spec *out,
                            struct berr *err)
{
    const char *source = json_get_str(v, "Source", "");
    const char *target = json_get_str(v, "Target", "");
    struct stat st;

    if (!*target)
        return berr_invalid(err,
                            "invalid mount config for type \"%s\": field Target must not be "
                            "empty",
                            type);
    if (target[0] != '/')
        return berr_invalid(err,
                            "invalid mount config for type \"%s\": invalid mount path: "
                            "'%s' mount path must be absolute",
                            type, target);
    if (!strcmp(type, "bind") && !*source)
        return berr_invalid(err, "invalid mount config for type \"bind\": field Source must "
                                 "not be empty");
    if (!strcmp(type, "bind") && stat(source, &st) < 0)
        return berr_invalid(err,
                            "invalid mount config for type \"bind\": bind source path "
                            "does not exist: %s",
                            source);
    if (!strcmp(type, "tmpfs") && *source)
        return berr_invalid(err, "invalid mount config for type \"tmpfs\": field Source must "
                                 "not be specified");
    *out = (struct volume_mount_spec){
        .type = xstrdup(type),
        .source = xstrdup(source),
        .target = xstrdup(target),
        .mode = xstrdup(""),
        .rw = !json_get_bool(v, "ReadOnly", false),
        .driver = xstrdup(""),
    };
    return 0;
}

static int collect_mount(const json_t *v, struct specs *s, struct berr *err)
{
    struct volume_mount_spec m;

    if (volume_parse_mount(v, &m, err) < 0)
        return -1;
    if (!strcmp(m.type, "bind") || !strcmp(m.type, "tmpfs")) {
        _cleanup_free_ char *type = steal_ptr(m.type);

        volume_mount_spec_release(&m);
        if (parse_host_mount(v, type, &m, err) < 0)
            return -1;
    } else if (strcmp(m.type, "volume")) {
        volume_mount_spec_release(&m);
        return 0;
    }
    return push(s, &m, err);
}

/* Binds, then Mounts of type volume, bind and tmpfs, then the image's
 * volumes that no explicit mount covers. */
static int collect(const json_t *cfg, const json_t *hc, struct specs *s, struct berr *err)
{
    struct volume_mount_spec m;
    const char *key;
    size_t i;
    json_t *v;

    json_array_foreach(json_object_get(hc, "Binds"), i, v)
    {
        if (volume_parse_bind(json_string_value(v) ? json_string_value(v) : "", &m, err) < 0 ||
            push(s, &m, err) < 0)
            return -1;
    }
    json_array_foreach(json_object_get(hc, "Mounts"), i, v)
    {
        if (collect_mount(v, s, err) < 0)
            return -1;
    }
    json_object_foreach((json_t *)json_object_get(cfg, "Volumes"), key, v)
    {
        _cleanup_free_ char *raw = xstrdup(key);

        if (volume_parse_bind(raw, &m, err) < 0)
            return -1;
        if (has_target(s, m.target))
            volume_mount_spec_release(&m);
        else if (push(s, &m, err) < 0)
            return -1;
    }
    return 0;
}

static json_t *bind_entry(const struct volume_mount_spec *m)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:b,s:s}", "Type", "bind", "Source", m->source,
                     "Destination", m->target, "Mode", m->mode, "RW", m->rw, "Propagation",
                     "rprivate");
}

static json_t *tmpfs_entry(const struct volume_mount_spec *m)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:b,s:s}", "Type", "tmpfs", "Source", "", "Destination",
                     m->target, "Mode", "", "RW", m->rw, "Propagation", "");
}

static json_t *volume_entry(const struct volume_mount_spec *m, const json_t *vol)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s}", "Type", "volume", "Name",
                     json_get_str(vol, "Name", ""), "Source", json_get_str(vol, "Mountpoint", ""),
                     "Destination", m->target, "Driver", "local", "Mode", m->mode, "RW", m->rw,
                     "Propagation", "");
}

static int driver_of(const struct volume_mount_spec *m, const json_t *hc, const char **out,
                     struct berr *err)
{
    const char *d = *m->driver ? m->driver : json_get_str(hc, "VolumeDriver", "");

    if (*d && strcmp(d, "local"))
        return berr_not_found(err,
                              "create %s: error looking up volume plugin %s: plugin \"%s\" "
                              "not found",
                              m->source, d, d);
    *out = "local";
    return 0;
}

/* Create or find the volume of m and record cid's use of it. */
static int resolve_volume(struct engine *e, const char *cid, const json_t *hc,
                          const struct volume_mount_spec *m, json_t *mounts, struct berr *err)
{
    _cleanup_json_ json_t *labels = json_is_object(m->labels) ? json_copy(m->labels) : NULL;
    _cleanup_json_ json_t *vol = NULL;
    bool created = false;
    const char *driver;

    if (driver_of(m, hc, &driver, err) < 0)
        return -1;
    if (!*m->source) {
        if (!labels)
            labels = json_object();
        json_object_set_new(labels, VOLUME_LABEL_ANONYMOUS, json_string(""));
    }
    if (volume_create(e->volumes, m->source, labels, m->driver_opts, &vol, &created, err) < 0)
        return -1;
    if (created)
        engine_event_emit(e, "volume", "create", json_get_str(vol, "Name", ""),
                          json_pack("{s:s}", "driver", driver));
    if (volume_ref_add(e->volumes, json_get_str(vol, "Name", ""), cid, err) < 0)
        return -1;
    json_array_append_new(mounts, volume_entry(m, vol));
    return 0;
}

int engine_volumes_container_create(struct engine *e, const char *cid, const json_t *cfg,
                                    const json_t *hc, json_t **mounts_out, struct berr *err)
{
    struct specs s = {0};
    _cleanup_json_ json_t *mounts = json_array();
    int rc = collect(cfg, hc, &s, err);

    for (size_t i = 0; rc == 0 && i < s.n; i++) {
        if (!strcmp(s.v[i].type, "bind"))
            json_array_append_new(mounts, bind_entry(&s.v[i]));
        else if (!strcmp(s.v[i].type, "tmpfs"))
            json_array_append_new(mounts, tmpfs_entry(&s.v[i]));
        else
            rc = resolve_volume(e, cid, hc, &s.v[i], mounts, err);
    }
    specs_release(&s);
    if (rc < 0) {
        engine_volumes_container_remove(e, cid, true);
        return -1;
    }
    *mounts_out = steal_ptr(mounts);
    return 0;
}

/* ---- start and stop ---- */

/* Does hc ask not to copy image content into the volume at target? */
static bool nocopy(const json_t *hc, const char *target)
{
    struct specs s = {0};
    struct berr ignored = BERR_INIT;
    bool found = false;

    collect(NULL, hc, &s, &ignored);
    berr_clear(&ignored);
    for (size_t i = 0; i < s.n && !found; i++)
        found = !strcmp(s.v[i].target, target) && !s.v[i].copy;
    specs_release(&s);
    return found;
}

static int start_one(struct engine *e, const char *cid, const json_t *m, const json_t *hc,
                     const char *rootfs, struct berr *err)
{
    const char *name = json_get_str(m, "Name", "");
    const char *target = json_get_str(m, "Destination", "");
    _cleanup_free_ char *path = NULL;

    if (volume_mount(e->volumes, name, cid, &path, err) < 0)
        return -1;
    if (!nocopy(hc, target) && volume_copy_up(rootfs, target, path, err) < 0)
        return berr_wrap(err, "volume %s", name);
    engine_event_emit(e, "volume", "mount", name,
                      json_pack("{s:s,s:s,s:s,s:s,s:s}", "container", cid, "destination", target,
                                "driver", "local", "propagation", "", "read/write",
                                json_get_bool(m, "RW", true) ? "true" : "false"));
    return 0;
}

int engine_volumes_container_start(struct engine *e, const char *cid, const json_t *mounts,
                                   const json_t *hc, const char *rootfs, struct berr *err)
{
    size_t i;
    json_t *m;

    json_array_foreach(mounts, i, m)
    {
        if (strcmp(json_get_str(m, "Type", ""), "volume"))
            continue;
        if (start_one(e, cid, m, hc, rootfs, err) < 0) {
            engine_volumes_container_stop(e, cid);
            return -1;
        }
    }
    return 0;
}

void engine_volumes_container_stop(struct engine *e, const char *cid)
{
    _cleanup_strv_ char **names = NULL;

    if (!e->volumes)
        return;
    volume_unmount_all(e->volumes, cid, &names);
    for (size_t i = 0; names && names[i]; i++)
        engine_event_emit(e, "volume", "unmount", names[i],
                          json_pack("{s:s,s:s}", "container", cid, "driver", "local"));
}

/* ---- removal ---- */

static void remove_if_anonymous(struct engine *e, const char *name)
{
    _cleanup_json_ json_t *vol = NULL;
    struct berr err = BERR_INIT;

    if (volume_inspect(e->volumes, name, &vol, &err) < 0 ||
        !json_object_get(json_object_get(vol, "Labels"), VOLUME_LABEL_ANONYMOUS)) {
        berr_clear(&err);
        return;
    }
    if (engine_volume_remove(e, name, false, &err) < 0)
        log_debug("keeping volume %s: %s", name, berr_msg(&err));
    berr_clear(&err);
}

void engine_volumes_container_remove(struct engine *e, const char *cid, bool remove_anonymous)
{
    _cleanup_strv_ char **names = NULL;
    struct berr err = BERR_INIT;

    if (!e->volumes)
        return;
    engine_volumes_container_stop(e, cid);
    if (volume_refs_drop(e->volumes, cid, &names, &err) < 0)
        log_warn("container %.12s: volumes: %s", cid, berr_msg(&err));
    berr_clear(&err);
    for (size_t i = 0; remove_anonymous && names && names[i]; i++)
        remove_if_anonymous(e, names[i]);
}
