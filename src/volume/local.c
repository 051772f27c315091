/* The local driver's file-system side: driver options and the device
 * mount of volumes that have them, usage size, and copy-up. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"
#include "volume/volume-internal.h"

/* ---- options ---- */

static bool size_value(const char *s, int64_t *out)
{
    char *end = NULL;
    double v = strtod(s, &end);
    int64_t mult = 1;

    if (end == s || v < 0)
        return false;
    switch (*end ? end[0] | 0x20 : 0) {
    case 0:
        break;
    case 'k':
        mult = 1024;
        break;
    case 'm':
        mult = 1024 * 1024;
        break;
    case 'g':
        mult = 1024 * 1024 * 1024;
        break;
    default:
        return false;
    }
    *out = (int64_t)(v * (double)mult);
    return true;
}

static int check_required(const json_t *opts, struct berr *err)
{
    static const char *const rules[][3] = {
        {"device", "type", NULL},
        {"type", "device", NULL},
        {"o", "device", "type"},
    };

    for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
        if (!json_object_get(opts, rules[i][0]))
            continue;
        for (size_t j = 1; j < 3 && rules[i][j]; j++) {
            if (!json_object_get(opts, rules[i][j]))
                return berr_invalid(err, "missing required option: \"%s\"", rules[i][j]);
        }
    }
    return 0;
}

int volume_local_check_opts(const json_t *opts, struct berr *err)
{
    static const char *const valid[] = {"type", "o", "device", "size"};
    const char *key;
    json_t *v;
    int64_t size = 0;

    json_object_foreach((json_t *)opts, key, v)
    {
        bool ok = false;

        for (size_t i = 0; i < ARRAY_SIZE(valid); i++)
            ok = ok || !strcmp(key, valid[i]);
        if (!ok)
            return berr_invalid(err, "invalid option: \"%s\"", key);
        if (!json_is_string(v))
            return berr_invalid(err, "invalid option: \"%s\"", key);
    }
    if (json_object_get(opts, "size")) {
        if (!size_value(json_get_str(opts, "size", ""), &size))
            return berr_invalid(err, "invalid size: '%s'", json_get_str(opts, "size", ""));
        if (size > 0)
            return berr_invalid(err, "quota size requested but no quota support");
    }
    return check_required(opts, err);
}

/* ---- device mounts ---- */

static const struct {
    const char *name;
    unsigned long set, clear;
} mount_flags[] = {
    {"ro", MS_RDONLY, 0},
    {"rw", 0, MS_RDONLY},
    {"nosuid", MS_NOSUID, 0},
    {"suid", 0, MS_NOSUID},
    {"nodev", MS_NODEV, 0},
    {"dev", 0, MS_NODEV},
    {"noexec", MS_NOEXEC, 0},
    {"exec", 0, MS_NOEXEC},
    {"sync", MS_SYNCHRONOUS, 0},
    {"async", 0, MS_SYNCHRONOUS},
    {"noatime", MS_NOATIME, 0},
    {"atime", 0, MS_NOATIME},
    {"nodiratime", MS_NODIRATIME, 0},
    {"relatime", MS_RELATIME, 0},
    {"strictatime", MS_STRICTATIME, 0},
    {"bind", MS_BIND, 0},
    {"rbind", MS_BIND | MS_REC, 0},
    {"defaults", 0, 0},
};

/* Split "o" into mount(2) flags and the data string the file system
 * reads (what is not a flag). */
static char *parse_o(const char *o, unsigned long *flags)
{
    _cleanup_free_ char *copy = xstrdup(o ? o : "");
    char *data = xstrdup("");
    char *save = NULL;

    *flags = 0;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        bool flag = false;

        for (size_t i = 0; i < ARRAY_SIZE(mount_flags) && !flag; i++) {
            if (strcmp(t, mount_flags[i].name))
                continue;
            *flags = (*flags | mount_flags[i].set) & ~mount_flags[i].clear;
            flag = true;
        }
        if (!flag) {
            char *next = xasprintf("%s%s%s", data, *data ? "," : "", t);

            free(data);
            data = next;
        }
    }
    return data;
}

int volume_local_mount(const json_t *opts, const char *dir, struct berr *err)
{
    const char *type = json_get_str(opts, "type", "");
    const char *device = json_get_str(opts, "device", "");
    unsigned long flags;
    _cleanup_free_ char *data = parse_o(json_get_str(opts, "o", ""), &flags);

    if (!*device)
        return berr_invalid(err, "missing device in volume options");
    if (mount(device, dir, type, flags, *data ? data : NULL) < 0)
        return berr_system(err, errno, "failed to mount local volume: mount %s:%s", device, dir);
    log_debug("mounted %s (%s) on %s", device, type, dir);
    return 0;
}

static bool mounted_by_other(struct volume_store *vs, const char *name, const char *cid)
{
    for (struct volume_active *a = vs->active; a; a = a->next) {
        if (!strcmp(a->name, name) && (!cid || strcmp(a->cid, cid)))
            return true;
    }
    return false;
}

static bool needs_device(const json_t *opts)
{
    return json_get_str(opts, "device", NULL) || json_get_str(opts, "type", NULL);
}

static int hold_locked(struct volume_store *vs, const json_t *doc, const char *cid,
                       struct berr *err)
{
    const char *name = json_get_str(doc, "Name", "");
    const json_t *opts = json_object_get(doc, "Options");
    struct volume_active *a;

    for (a = vs->active; a; a = a->next) {
        if (!strcmp(a->name, name) && !strcmp(a->cid, cid))
            return 0;
    }
    if (needs_device(opts) && !mounted_by_other(vs, name, NULL) &&
        volume_local_mount(opts, json_get_str(doc, "Mountpoint", ""), err) < 0)
        return -1;
    a = xcalloc(1, sizeof(*a));
    a->name = xstrdup(name);
    a->cid = xstrdup(cid);
    a->device = needs_device(opts);
    a->next = vs->active;
    vs->active = a;
    return 0;
}

int volume_mount(struct volume_store *vs, const char *name, const char *cid, char **path_out,
                 struct berr *err)
{
    _cleanup_json_ json_t *doc = NULL;
    int rc;

    if (volume_inspect(vs, name, &doc, err) < 0)
        return -1;
    pthread_mutex_lock(&vs->lock);
    rc = hold_locked(vs, doc, cid, err);
    pthread_mutex_unlock(&vs->lock);
    if (rc < 0)
        return berr_wrap(err, "error while mounting volume '%s'", name);
    *path_out = xstrdup(json_get_str(doc, "Mountpoint", ""));
    return 0;
}

static void release(struct volume_store *vs, struct volume_active *a)
{
    _cleanup_free_ char *data = volume_data_dir(vs, a->name);

    if (a->device && !mounted_by_other(vs, a->name, NULL) && umount2(data, MNT_DETACH) < 0)
        log_warn("volume %s: unmount %s: %s", a->name, data, strerror(errno));
    free(a->name);
    free(a->cid);
    free(a);
}

int volume_unmount_all(struct volume_store *vs, const char *cid, char ***names_out)
{
    struct volume_active **p;
    int n = 0;

    pthread_mutex_lock(&vs->lock);
    p = &vs->active;
    while (*p) {
        struct volume_active *a = *p;

        if (cid && strcmp(a->cid, cid)) {
            p = &a->next;
            continue;
        }
        *p = a->next;
        if (names_out)
            strv_push(names_out, a->name);
        release(vs, a);
        n++;
    }
    pthread_mutex_unlock(&vs->lock);
    return n;
}

/* ---- size ---- */

static int64_t size_at(int dirfd, dev_t dev)
{
    _cleanup_closedir_ DIR *d = fdopendir(dirfd);
    struct dirent *de;
    int64_t total = 0;

    if (!d) {
        close(dirfd);
        return 0;
    }
    while ((de = readdir(d))) {
        struct stat st;

        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        total += st.st_size;
        if (S_ISDIR(st.st_mode) && st.st_dev == dev) {
            int fd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

            if (fd >= 0)
                total += size_at(fd, dev);
        }
    }
    return total;
}

int64_t volume_path_size(const char *path)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return -1;
    }
    return size_at(fd, st.st_dev);
}
