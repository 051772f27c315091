/* Engine side of the runtime: the monitor and runtime binaries, the
 * default runtime, and the directories conmon and the runtimes use. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/container-internal.h"
#include "engine/engine-internal.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/mem.h"

/* An absolute path for name: itself when it has a slash, else from PATH. */
static char *find_binary(const char *name)
{
    const char *path = getenv("PATH");
    _cleanup_free_ char *copy = xstrdup(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
    char *save = NULL;

    if (strchr(name, '/'))
        return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        char *full = xasprintf("%s/%s", dir, name);

        if (access(full, X_OK) == 0)
            return full;
        free(full);
    }
    return NULL;
}

/* crun 1.8 refuses a hybrid layout where a controller sits on the cgroup2
 * mount next to the v1 hierarchies. */
static bool hybrid_cgroup_controllers(void)
{
    _cleanup_free_ char *text = NULL;
    struct berr err = BERR_INIT;
    bool hybrid;

    if (fs_read_file("/sys/fs/cgroup/unified/cgroup.controllers", &text, NULL, &err) < 0) {
        berr_clear(&err);
        return false;
    }
    hybrid = strspn(text, " \n") != strlen(text);
    return hybrid;
}

static void register_runtimes(struct engine *e)
{
    static const char *const known[] = {"runc", "crun"};

    for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
        _cleanup_free_ char *path = NULL;

        if (config_find_runtime(e->cfg, known[i]))
            continue;
        path = find_binary(known[i]);
        if (path)
            config_add_runtime(e->cfg, known[i], path);
    }
    /* conmon needs a path it can execute, not a bare name. */
    for (size_t i = 0; i < e->cfg->n_runtimes; i++) {
        _cleanup_free_ char *abs = find_binary(e->cfg->runtimes[i].path);

        if (abs && strcmp(abs, e->cfg->runtimes[i].path)) {
            free(e->cfg->runtimes[i].path);
            e->cfg->runtimes[i].path = steal_ptr(abs);
        }
    }
}

static void choose_default_runtime(struct engine *e)
{
    bool hybrid = hybrid_cgroup_controllers();

    if (e->cfg->default_runtime)
        return;
    if (config_find_runtime(e->cfg, "crun") && !hybrid) {
        e->cfg->default_runtime = xstrdup("crun");
    } else if (config_find_runtime(e->cfg, "runc")) {
        if (hybrid && config_find_runtime(e->cfg, "crun"))
            log_info("cgroup2 mount at /sys/fs/cgroup/unified holds controllers (hybrid "
                     "layout), which crun refuses: the default runtime is runc");
        e->cfg->default_runtime = xstrdup("runc");
    } else if (e->cfg->n_runtimes) {
        e->cfg->default_runtime = xstrdup(e->cfg->runtimes[0].name);
    }
}

static int make_dirs(struct engine *e, struct runtime *r, struct berr *err)
{
    r->exits_dir = xasprintf("%s/exits", e->cfg->exec_root);
    r->sockets_dir = xasprintf("%s/s", e->cfg->exec_root);
    r->bundles_dir = xasprintf("%s/containers", e->cfg->exec_root);
    r->state_dir = xasprintf("%s/runtime", e->cfg->exec_root);
    r->containers_dir = xasprintf("%s/containers", e->cfg->data_root);

    if (fs_mkdir_p(r->exits_dir, 0700, err) < 0 || fs_mkdir_p(r->sockets_dir, 0700, err) < 0 ||
        fs_mkdir_p(r->bundles_dir, 0700, err) < 0 || fs_mkdir_p(r->state_dir, 0700, err) < 0 ||
        fs_mkdir_p(r->containers_dir, 0710, err) < 0)
        return -1;
    return 0;
}

int engine_runtime_init(struct engine *e, struct berr *err)
{
    struct runtime *r = xcalloc(1, sizeof(*r));

    e->runtime = r;
    if (make_dirs(e, r, err) < 0)
        return berr_wrap(err, "runtime");

    r->conmon_path = find_binary("conmon");
    if (!r->conmon_path)
        log_warn("conmon not found in PATH: containers cannot start until it is installed");
    r->init_path = find_binary("/usr/bin/catatonit");
    if (!r->init_path)
        r->init_path = find_binary("/usr/bin/tini");

    register_runtimes(e);
    choose_default_runtime(e);
    if (!e->cfg->default_runtime)
        log_warn("no OCI runtime found (runc or crun): containers cannot start");
    else
        log_debug("default runtime %s, monitor %s, init %s", e->cfg->default_runtime,
                  r->conmon_path ? r->conmon_path : "(none)",
                  r->init_path ? r->init_path : "(none)");
    return 0;
}

void engine_runtime_release(struct engine *e)
{
    struct runtime *r = e->runtime;

    if (!r)
        return;
    free(r->conmon_path);
    free(r->init_path);
    free(r->exits_dir);
    free(r->sockets_dir);
    free(r->bundles_dir);
    free(r->state_dir);
    free(r->containers_dir);
    free(r);
    e->runtime = NULL;
}
