/* The containers domain, as the API layer (and exec) call it.
 *
 * Every function takes a container reference as the client wrote it (full
 * ID, name with or without its slash, or unique ID prefix) and answers in
 * the Engine API's shapes and messages.  All functions may be called from
 * any thread; the blocking ones (wait, logs, attach) poll `gone` so that
 * they end when the client goes away or the daemon stops.
 */
#ifndef BERTH_ENGINE_CONTAINERS_H
#define BERTH_ENGINE_CONTAINERS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/engine.h"

/* Does the client still listen?  ctx is the caller's. */
typedef bool (*engine_gone_fn)(void *ctx);

/* POST /containers/create: body is the request (Config fields at the top,
 * HostConfig, NetworkingConfig); name may be NULL.  *out is
 * {"Id":..., "Warnings":[...]}.  api_version gates version-dependent rules. */
int engine_container_create(struct engine *e, const char *name, json_t *body, int api_version,
                            json_t **out, struct berr *err);

int engine_container_start(struct engine *e, const char *ref, struct berr *err);

/* timeout < 0: the container's StopTimeout (default 10 s); signal NULL:
 * its StopSignal (default SIGTERM).  Already stopped: BERR_NOT_MODIFIED. */
int engine_container_stop(struct engine *e, const char *ref, int timeout, const char *signal,
                          struct berr *err);
int engine_container_restart(struct engine *e, const char *ref, int timeout, const char *signal,
                             struct berr *err);
/* signal: a name ("KILL", "SIGUSR1") or a number; NULL is SIGKILL. */
int engine_container_kill(struct engine *e, const char *ref, const char *signal, struct berr *err);
int engine_container_remove(struct engine *e, const char *ref, bool force, bool volumes,
                            struct berr *err);
/* POST /containers/prune: removes the stopped containers the filters (until,
 * label, label!) select; *out = {"ContainersDeleted":[...],"SpaceReclaimed":0}. */
int engine_container_prune(struct engine *e, const json_t *filters, json_t **out, struct berr *err);
/* Freeze and thaw c's processes (the runtime's freezer); 409 when it is
 * not running or already in that state.  Emits pause/unpause. */
int engine_container_pause(struct engine *e, const char *ref, struct berr *err);
int engine_container_unpause(struct engine *e, const char *ref, struct berr *err);
/* POST /containers/{id}/rename: give ref the name new_name (slash
 * optional), with create's name rules and conflict message.  Stored at
 * once; emits rename with the old name.  Embedded DNS keeps answering the
 * old name until the container's next start. */
int engine_container_rename(struct engine *e, const char *ref, const char *new_name,
                            struct berr *err);
/* 409 when ref cannot be attached to now (paused, restarting). */
int engine_container_attach_check(struct engine *e, const char *ref, struct berr *err);
int engine_container_resize(struct engine *e, const char *ref, unsigned h, unsigned w,
                            struct berr *err);

/* Resolve ref and check condition ("", "not-running", "next-exit",
 * "removed") before a wait starts; *id_out is the full ID. */
int engine_container_wait_prepare(struct engine *e, const char *ref, const char *condition,
                                  char **id_out, struct berr *err);
/* Block until the condition holds; *body_out is {"StatusCode":n[,"Error"]}.
 * Returns -1 (no body) when the client went away or the daemon stops. */
int engine_container_wait(struct engine *e, const char *id, const char *condition,
                          engine_gone_fn gone, void *ctx, json_t **body_out);

json_t *engine_container_inspect(struct engine *e, const char *ref, bool size, struct berr *err);

/* GET /containers/{id}/top: {"Titles":[...],"Processes":[[...]]} in the
 * columns of `ps -ef`, read from the container's cgroup; 409 when it is
 * not running. */
json_t *engine_container_top(struct engine *e, const char *ref, struct berr *err);

/* GET /containers/json. filters is {"key": ["v", ...]}. */
/* How many containers are running (paused ones included, as dockerd
 * counts), paused, and stopped, for GET /info. */
void engine_container_counts(struct engine *e, int64_t *running, int64_t *paused, int64_t *stopped);

json_t *engine_container_list(struct engine *e, bool all, int64_t limit, bool size,
                              const json_t *filters, struct berr *err);

/* ---- streams ---- */

/* Write one chunk of container output: stream 1 stdout, 2 stderr.
 * Returns -1 when the client is gone. */
typedef int (*engine_write_fn)(void *ctx, int stream, const void *data, size_t len);

struct engine_logs_opts {
    bool stdout_, stderr_;
    bool follow;
    bool timestamps;
    int64_t tail; /* -1: all */
    int64_t since_sec;
    long since_nsec;
    int64_t until_sec; /* 0: none */
    long until_nsec;
};

/* Look up the container and tell whether it has a TTY (raw stream). */
int engine_container_stream_info(struct engine *e, const char *ref, bool *tty, char **id_out,
                                 struct berr *err);

/* 501 when ref's log driver keeps nothing to read (none). */
int engine_container_logs_check(struct engine *e, const char *ref, struct berr *err);

int engine_container_logs(struct engine *e, const char *id, const struct engine_logs_opts *o,
                          engine_write_fn write, engine_gone_fn gone, void *ctx, struct berr *err);

struct engine_attach_opts {
    bool stdin_, stdout_, stderr_;
    bool stream;
    bool logs;
};

/* Run an attach session on the hijacked socket sock (blocking, owned by
 * the caller) with bytes the client sent early.  Returns when the output
 * ends or the client hangs up. */
int engine_container_attach(struct engine *e, const char *id, const struct engine_attach_opts *o,
                            int sock, const char *early, size_t early_len, struct berr *err);

/* ---- exec ---- */

/* POST /containers/{id}/exec: body is the exec config (Cmd, Env, User,
 * WorkingDir, Tty, Privileged, Attach*); *id_out (caller frees) is the new
 * exec's 64-hex ID.  Emits exec_create. */
int engine_exec_create(struct engine *e, const char *ref, const json_t *body, char **id_out,
                       struct berr *err);

/* Claim exec id for one start: 404 unknown, 409 when it ran or runs or its
 * container is not running or is paused.  *tty tells the stream type. */
int engine_exec_start_prepare(struct engine *e, const char *id, bool *tty, struct berr *err);

/* Run the claimed exec; h, w: its initial console size (0: none).
 * sock < 0 (Detach): start it and return.  Otherwise bridge the hijacked
 * socket sock (owned by the caller) with the process's stdio until the
 * process ends, record its exit code, then half-close sock; errors are
 * also written into the stream.  Blocks; call from a stream thread. */
int engine_exec_run(struct engine *e, const char *id, int sock, const char *early, size_t n_early,
                    unsigned h, unsigned w, struct berr *err);

int engine_exec_resize(struct engine *e, const char *id, unsigned h, unsigned w, struct berr *err);
/* GET /exec/{id}/json. */
json_t *engine_exec_inspect(struct engine *e, const char *id, struct berr *err);

/* ---- for other domains (exec, stats, archive) ---- */

/* Full ID, pid of the container's init (0 when not running), whether it
 * runs, and its bundle directory (NULL when not known); outputs may be NULL. */
int engine_container_lookup(struct engine *e, const char *ref, char **id_out, pid_t *pid_out,
                            bool *running_out, struct berr *err);

#endif
