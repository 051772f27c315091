/* Shared by the files of the containers domain (engine/container*.c).
 *
 * The set holds every container in memory, mirrored to the store on every
 * change (one row a container: indexed columns and the inspect document).
 * One mutex guards the set and every container in it; one condition
 * variable is broadcast on any change, which is what waiters, pending
 * attaches and stop wait on.  An operation that runs slow steps (runtime,
 * mounts, network) marks the container busy, drops the lock for the slow
 * part and takes it again to record the result.
 */
#ifndef BERTH_ENGINE_CONTAINER_INTERNAL_H
#define BERTH_ENGINE_CONTAINER_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "engine/containers.h"
#include "engine/engine.h"
#include "runtime/runtime.h"

/* An attach session waiting for its container to start: start connects it
 * to conmon's attach socket before the process runs, so no output is lost. */
struct attach_pending {
    int conmon_fd; /* set by start; -1 until then */
    bool done;     /* start connected it, or gave up */
    struct attach_pending *next;
};

struct container {
    char *id;
    char *name;  /* "/name" */
    json_t *doc; /* the inspect document plus the private "Berth" object */
    int refs;
    bool busy;      /* an operation is between its steps */
    bool removing;  /* removal in progress */
    bool gone;      /* removed; still readable by those holding a ref */
    bool releasing; /* exited; its resources are being released */
    bool released;  /* exited and its resources released (in memory only) */
    unsigned exit_seq;
    int64_t seq; /* creation order, for before/since */
    struct attach_pending *pending;
    int64_t started_ms;              /* CLOCK_MONOTONIC of the last start */
    int64_t restart_delay_ms;        /* back-off of the restart policy; 0: none yet */
    unsigned restart_gen;            /* bumped to cancel a pending restart */
    struct container_detach *detach; /* a network detach still under way */
};

struct container_set {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct container **items;
    size_t n, cap;
    int64_t next_seq;
    int inotify_fd;
    int wake_fd[2];
    pthread_t monitor;
    bool monitor_running;
    struct exec_inst *execs; /* container_exec.c */
    int helper_threads;      /* detached exec waiters and restart timers */
};

/* Paths and binaries of the runtime module (engine/runtime.c). */
struct runtime {
    char *conmon_path;
    char *init_path; /* catatonit or tini; NULL when neither exists */
    char *exits_dir;
    char *sockets_dir;
    char *bundles_dir;
    char *state_dir; /* per-runtime --root directories live under it */
    char *containers_dir;
};

/* Module release hooks, called by engine_modules_release. */
void engine_containers_release(struct engine *e);
void engine_runtime_release(struct engine *e);
void engine_events_release(struct engine *e);

/* ---- set (containers.c) ---- */

/* Look up ref under the lock; the result has a reference (container_put). */
struct container *container_get_locked(struct engine *e, const char *ref, struct berr *err);
struct container *container_get(struct engine *e, const char *ref, struct berr *err);
void container_put(struct engine *e, struct container *c);
void container_put_locked(struct container *c);
struct container *container_find_name_locked(struct engine *e, const char *name);

void containers_lock(struct engine *e);
void containers_unlock(struct engine *e);
void containers_broadcast(struct engine *e);
/* Wait on the condition; with a deadline (CLOCK_MONOTONIC ms) returns
 * false on timeout. */
bool containers_wait(struct engine *e, int64_t deadline_ms);
int64_t containers_now_ms(void);

/* Wait until no operation is between steps, then mark c busy (lock held). */
void container_begin_locked(struct engine *e, struct container *c);
void container_end_locked(struct engine *e, struct container *c);

void container_add_locked(struct engine *e, struct container *c);
void container_drop_locked(struct engine *e, struct container *c);

/* dockerd's rule for a name (an optional slash, then at least two of
 * [a-zA-Z0-9][a-zA-Z0-9_.-]); BERR_INVALID with its message otherwise. */
int container_name_check(const char *name, struct berr *err);

/* Persist c's document (insert or update) in one transaction. */
int container_save(struct engine *e, struct container *c, struct berr *err);
int container_store_delete(struct engine *e, const char *id, struct berr *err);

/* ---- accessors of the document ---- */

json_t *container_state(struct container *c);
json_t *container_config(struct container *c);
json_t *container_host_config(struct container *c);
json_t *container_private(struct container *c); /* the "Berth" object */
bool container_running(struct container *c);
pid_t container_pid(struct container *c);
const char *container_status(struct container *c);

/* Paths of a container. */
char *container_dir(struct engine *e, const char *id);
char *container_bundle(struct engine *e, const char *id);
/* The driver's view of c: l's strings are owned by the struct. */
struct container_launch {
    struct runtime_launch l;
    char *bundle, *runtime_root, *log_path, *cuuid, *runtime_path;
};
/* Fill cl for c (under the lock); unknown runtime: BERR_INVALID. */
int container_launch_init(struct engine *e, struct container *c, struct container_launch *cl,
                          struct berr *err);
void container_launch_release(struct container_launch *cl);

/* Resolve "user[:group]" (names or ids) against rootfs's passwd and group
 * files, as the process of a container runs. */
struct container_user {
    uid_t uid;
    gid_t gid;
    gid_t groups[64];
    size_t n_groups;
};
int container_user_resolve(const char *rootfs, const char *user_spec, struct container_user *u,
                           struct berr *err);

/* ---- exec (container_exec.c) ---- */

/* Forget the exec instances of container id (lock held; removal). */
void container_execs_forget_locked(struct engine *e, const char *id);
/* IDs of id's exec instances, or JSON null when it has none. */
json_t *container_exec_ids_locked(struct engine *e, const char *id);
/* Wait for the waiters of detached execs to end (shutdown, lock not held). */
void container_execs_release(struct engine *e);

/* ---- lifecycle (container_start.c, container_ops.c) ---- */

/* Start c by reference; manual: a client asked (resets the restart
 * policy's count and back-off), else the restart policy does it and gives
 * up when the restart was cancelled meanwhile. */
int container_start(struct engine *e, const char *ref, bool manual, struct berr *err);

/* ---- restart policy (container_restart.c) ---- */

/* After an exit was recorded (lock held): restart c later if its policy
 * says so, marking it Restarting. */
void container_restart_after_exit_locked(struct engine *e, struct container *c, int code);
/* A client stopped, killed or removed c (lock held): cancel any pending
 * restart; manual marks it stopped by the user (unless-stopped). */
void container_restart_cancel_locked(struct engine *e, struct container *c, bool manual);
/* At start-up: start the containers whose policy wants them running. */
void container_restart_on_boot(struct engine *e);

/* After the monitor saw an exit (or the daemon found one at restore). */
void container_handle_exit(struct engine *e, const char *id, int code);
/* Release what a running container held: runtime state, rootfs, network. */
void container_release_resources(struct engine *e, struct container *c);
/* Wait for a network detach the exit of an auto-removed c left running. */
void container_release_join(struct container *c);
int container_remove_locked(struct engine *e, struct container *c, struct berr *err);
/* Parse "KILL", "SIGKILL", "9"; -1 when unknown. */
int container_signal_parse(const char *s);

/* ---- events ---- */
void container_event(struct engine *e, struct container *c, const char *action, json_t *extra);

/* Write all of data to a hijacked client socket (no SIGPIPE); -1 once the
 * client is gone.  Shared by attach and exec (container_io.c). */
int container_send_all(int fd, const void *data, size_t len);

#endif
