/* Start-up and shutdown of the daemon core, step by step in the order
 * the seed's daemon follows. */
#include "engine/engine.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/engine-internal.h"
#include "store/store.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/mem.h"

const char *engine_data_root(const struct engine *e)
{
    return e->cfg->data_root;
}

static int step_check_system(struct engine *e, struct berr *err)
{
    if (geteuid() != 0)
        return berr_forbidden(err, "berthd needs to be started with root privileges");
    return engine_platform_check(e, err);
}

/* Lock a file so a second berthd on the same path refuses to start. */
static int lock_file(const char *path, const char *what, int *out, struct berr *err)
{
    _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

    if (fd < 0)
        return berr_system(err, errno, "open %s", path);
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK)
            return berr_conflict(err,
                                 "%s %s is locked: is another berthd running? "
                                 "Stop it or choose another path",
                                 what, path);
        return berr_system(err, errno, "lock %s", path);
    }
    *out = steal_fd(fd);
    return 0;
}

static int write_pidfile(struct engine *e, struct berr *err)
{
    char pid[32];
    int len = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
    _cleanup_free_ char *dir = xstrdup(e->cfg->pidfile);
    char *slash = strrchr(dir, '/');

    if (slash && slash != dir) {
        *slash = '\0';
        if (fs_mkdir_p(dir, 0755, err) < 0)
            return -1;
    }
    if (lock_file(e->cfg->pidfile, "pid file", &e->pidfile_fd, err) < 0)
        return -1;
    if (ftruncate(e->pidfile_fd, 0) < 0 || pwrite(e->pidfile_fd, pid, (size_t)len, 0) != len)
        return berr_system(err, errno, "write %s", e->cfg->pidfile);
    return 0;
}

static int step_roots(struct engine *e, struct berr *err)
{
    _cleanup_free_ char *lock = xasprintf("%s/berthd.lock", e->cfg->data_root);

    if (fs_mkdir_p(e->cfg->data_root, 0710, err) < 0 ||
        fs_mkdir_p(e->cfg->exec_root, 0700, err) < 0)
        return -1;
    /* The data root holds every image and container: keep it closed to
     * other users even when it already existed. */
    if (chmod(e->cfg->data_root, 0710) < 0)
        return berr_system(err, errno, "chmod %s", e->cfg->data_root);
    if (lock_file(lock, "data root lock", &e->rootlock_fd, err) < 0)
        return -1;
    if (write_pidfile(e, err) < 0)
        return -1;

    e->tmp_dir = xasprintf("%s/tmp", e->cfg->data_root);
    /* Whatever a crash left in tmp/ is garbage by definition. */
    if (fs_remove_all(e->tmp_dir, err) < 0 || fs_mkdir_p(e->tmp_dir, 0700, err) < 0)
        return -1;
    log_info("data root %s, exec root %s", e->cfg->data_root, e->cfg->exec_root);
    return 0;
}

static int load_daemon_id(struct engine *e, struct berr *err)
{
    char *id = NULL;
    unsigned char raw[32];
    char hex[65];
    _cleanup_close_ int fd = -1;

    if (store_meta_get(e->store, "daemon-id", &id, err) < 0)
        return -1;
    if (id) {
        e->id = id;
        return 0;
    }

    fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, raw, sizeof(raw)) != (ssize_t)sizeof(raw))
        return berr_system(err, errno, "read /dev/urandom");
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    if (store_meta_set(e->store, "daemon-id", hex, err) < 0)
        return -1;
    e->id = xstrdup(hex);
    return 0;
}

static int step_store(struct engine *e, struct berr *err)
{
    _cleanup_free_ char *path = xasprintf("%s/berth.db", e->cfg->data_root);

    if (store_open(path, &e->store, err) < 0)
        return -1;
    return load_daemon_id(e, err);
}

struct startup_step {
    const char *name;
    int (*run)(struct engine *e, struct berr *err);
};

static const struct startup_step startup_steps[] = {
    {"check system", step_check_system},
    {"set up roots", step_roots},
    {"open store", step_store},
    {"platform", engine_platform_init},
    {"images", engine_images_init},
    {"runtime", engine_runtime_init},
    {"network", engine_network_init},
    {"volumes", engine_volumes_init},
    {"restore containers", engine_containers_restore},
};

int engine_new(struct berth_config *cfg, struct engine **out, struct berr *err)
{
    struct engine *e = xcalloc(1, sizeof(*e));

    e->cfg = cfg;
    e->pidfile_fd = -1;
    e->rootlock_fd = -1;
    e->started = time(NULL);

    for (size_t i = 0; i < ARRAY_SIZE(startup_steps); i++) {
        log_debug("start-up: %s", startup_steps[i].name);
        if (startup_steps[i].run(e, err) < 0) {
            engine_free(e);
            return -1;
        }
    }
    *out = e;
    return 0;
}

void engine_begin_shutdown(struct engine *e)
{
    e->stopping = true;
    engine_events_shutdown(e);
}

void engine_free(struct engine *e)
{
    if (!e)
        return;
    engine_modules_release(e);
    store_close(e->store);
    if (e->pidfile_fd >= 0) {
        unlink(e->cfg->pidfile);
        close(e->pidfile_fd);
    }
    if (e->rootlock_fd >= 0)
        close(e->rootlock_fd);
    free(e->id);
    free(e->tmp_dir);
    free(e);
}
