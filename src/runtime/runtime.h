/* runtime: running containers with an OCI runtime under conmon.
 *
 * Three parts, none of which knows about the engine or HTTP:
 *  - the spec builder turns a resolved description of a container (struct
 *    runtime_spec) into an OCI runtime-spec 1.0.2 config.json document;
 *  - the driver starts conmon, which runs `<runtime> create`, holds the
 *    container's stdio, writes its log and records the exit code in an exit
 *    file; the driver then runs `<runtime> start`, signals, resizes and
 *    deletes;
 *  - the log reader parses conmon's k8s-file log lines.
 * All functions may be called from any thread; none keeps global state.
 */
#ifndef BERTH_RUNTIME_H
#define BERTH_RUNTIME_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

/* One extra mount of the container (bind, tmpfs, ...). */
struct runtime_mount {
    const char *destination;
    const char *type;    /* "bind", "tmpfs", ... */
    const char *source;  /* host path for binds, the fs type otherwise */
    const char *options; /* comma-separated, may be NULL */
};

/* A host device node made in the container (HostConfig.Devices). */
struct runtime_device {
    const char *path; /* in the container */
    char type;        /* 'c' or 'b' */
    int64_t major, minor;
    uint32_t mode;      /* permission bits of the host node */
    const char *access; /* cgroup permissions: "rwm" or a subset */
};

/* Cgroup resources, taken from HostConfig; 0 means unset. */
struct runtime_resources {
    int64_t memory;
    int64_t memory_swap; /* -1: unlimited */
    int64_t memory_reservation;
    int64_t memory_swappiness; /* -1: unset */
    int64_t nano_cpus;
    int64_t cpu_shares;
    int64_t cpu_period;
    int64_t cpu_quota;
    const char *cpuset_cpus;
    const char *cpuset_mems;
    int64_t pids_limit; /* <= 0: unlimited */
    int64_t blkio_weight;
    bool oom_kill_disable;
};

/* Everything the spec builder needs, already resolved by the caller. */
struct runtime_spec {
    const char *rootfs; /* absolute path of the mounted root file system */
    bool readonly_rootfs;
    char **args; /* NULL-terminated, at least one entry */
    char **env;  /* NULL-terminated */
    const char *cwd;
    uid_t uid;
    gid_t gid;
    gid_t *groups; /* additional gids */
    size_t n_groups;
    const char *hostname;
    const char *domainname;
    bool tty;
    unsigned console_h, console_w;
    bool privileged;
    bool no_new_privileges;
    bool seccomp;          /* apply the default profile (ignored when privileged) */
    char **cap_add;        /* "CAP_X" or "X" or "ALL" */
    char **cap_drop;       /* same */
    char **masked_paths;   /* NULL: Docker's defaults */
    char **readonly_paths; /* NULL: Docker's defaults */
    int64_t shm_size;      /* bytes; 0: no /dev/shm tmpfs (shared elsewhere) */
    const char *hosts_path;
    const char *hostname_path;
    const char *resolv_path;
    const char *init_path; /* bind-mounted to /sbin/docker-init and run first */
    const struct runtime_mount *mounts;
    size_t n_mounts;
    const struct runtime_device *devices;
    size_t n_devices;
    const char *netns_path; /* NULL with new_netns false: the host's */
    bool new_netns;
    const char *cgroups_path;
    const struct runtime_resources *resources;
    const json_t *ulimits; /* HostConfig.Ulimits: [{Name,Soft,Hard}] or NULL */
    const json_t *sysctls; /* {"net.x": "v"} or NULL */
    int oom_score_adj;
};

/* Build the config.json document.  *out is a new reference.  Unknown
 * capability names are a BERR_INVALID. */
int runtime_spec_build(const struct runtime_spec *spec, json_t **out, struct berr *err);

/* Docker's default capability set, "CAP_"-prefixed, NULL-terminated. */
extern const char *const runtime_default_caps[];

/* ---- the driver ---- */

/* How to run one container: all paths absolute. */
struct runtime_launch {
    const char *id;           /* container ID */
    const char *cuuid;        /* short name of the attach socket directory */
    const char *conmon_path;  /* e.g. /usr/bin/conmon */
    const char *runtime_path; /* the OCI runtime binary */
    const char *runtime_root; /* --root for the OCI runtime's state */
    const char *bundle;       /* holds config.json */
    const char *log_path;     /* k8s-file log */
    int64_t log_size_max;     /* > 0: conmon truncates the log past it */
    const char *exit_dir;     /* conmon writes <exit_dir>/<id> */
    const char *socket_dir;   /* attach sockets: <socket_dir>/<cuuid>/attach */
    bool tty;
    bool stdin_open;
    bool leave_stdin_open;
};

/* The monitor and the container after a successful create. */
struct runtime_proc {
    pid_t conmon_pid;
    pid_t pid;
};

/* Start conmon, which runs `<runtime> create`; returns once the container
 * exists (its process waits for runtime_start) with the pids filled.  A
 * failure of the runtime is a BERR_SYSTEM whose message is the runtime's
 * own text. */
int runtime_create(const struct runtime_launch *l, struct runtime_proc *out, struct berr *err);

/* `<runtime> start <id>`: let the created container (init pid, as
 * runtime_create gave it) run.  A runc container is started through its
 * exec fifo without running the runtime. */
int runtime_start(const struct runtime_launch *l, pid_t pid, struct berr *err);

/* `<runtime> delete --force <id>`: forget the container (its cgroup goes
 * with it).  A container the runtime does not know is not an error.  A
 * stopped runc container is forgotten without running the runtime. */
int runtime_delete(const struct runtime_launch *l, struct berr *err);

/* Connect to conmon's attach socket.  Output arrives as packets whose
 * first byte is RUNTIME_PIPE_STDOUT or RUNTIME_PIPE_STDERR; bytes written
 * go to the container's stdin; shutdown(SHUT_WR) closes its stdin. */
int runtime_attach_connect(const struct runtime_launch *l, int *fd_out, struct berr *err);

#define RUNTIME_PIPE_STDOUT   2
#define RUNTIME_PIPE_STDERR   3
#define RUNTIME_ATTACH_PACKET 32769 /* big enough for any conmon packet */

/* Resize the container's terminal (through conmon's control fifo). */
int runtime_resize(const struct runtime_launch *l, unsigned h, unsigned w, struct berr *err);

/* Read <exit_dir>/<id>: 1 and *code when present, 0 when not (yet). */
int runtime_exit_code(const struct runtime_launch *l, int *code, struct berr *err);

/* Did the kernel OOM-kill a process of the memory cgroup at cgroups_path
 * (as given in the spec, e.g. "/berth/<id>")?  Read before the runtime
 * deletes the cgroup; false when it is gone. */
bool runtime_oom_killed(const char *cgroups_path);

/* Is pid a live process whose command is conmon? */
bool runtime_monitor_alive(pid_t pid);

/* The exit code the CLI derives from a runtime error: 127 for a missing
 * command, 126 for one that cannot be executed, else 128. */
int runtime_error_exit_code(const char *msg);

/* ---- exec: another process in a running container ---- */

/* What the process runs as, already resolved by the caller. */
struct runtime_exec {
    char *const *args; /* NULL-terminated, at least one entry */
    char *const *env;  /* "K=V" added to the container's, replacing equal keys */
    const char *cwd;   /* NULL or "": the container's */
    bool set_user;     /* false: the container's user */
    uid_t uid;
    gid_t gid;
    const gid_t *groups;
    size_t n_groups;
    bool tty;
    unsigned console_h, console_w;
    bool privileged; /* every capability */
};

/* Write the process document for x to path, starting from the process of
 * the container's <bundle>/config.json (capabilities, rlimits, env). */
int runtime_exec_write_process(const struct runtime_launch *l, const struct runtime_exec *x,
                               const char *path, struct berr *err);

/* Run `<runtime> exec --process <process_path> --pid-file <pid_path> <id>`
 * in the foreground with stdio[0..2] as its stdin, stdout and stderr; the
 * runtime exits with the process's status.  *pid_out is the runtime's pid
 * (the caller waits for it). */
int runtime_exec_spawn(const struct runtime_launch *l, const char *process_path,
                       const char *pid_path, const int stdio[3], pid_t *pid_out, struct berr *err);

/* Wait for a child; its exit status, or 128+signal. */
int runtime_wait_child(pid_t pid);

/* `<runtime> pause|resume <id>` through the freezer. */
int runtime_pause(const struct runtime_launch *l, struct berr *err);
int runtime_resume(const struct runtime_launch *l, struct berr *err);

/* ---- logs (conmon's k8s-file format) ---- */

enum runtime_stream {
    RUNTIME_STDOUT = 1,
    RUNTIME_STDERR = 2,
};

struct runtime_log_entry {
    enum runtime_stream stream;
    int64_t sec; /* UTC */
    long nsec;
    const char *data; /* points into the parsed line */
    size_t len;
    bool partial; /* "P": no newline was written after data */
};

/* Parse one line (without its '\n') of a k8s-file log.  -1 when malformed. */
int runtime_log_parse(const char *line, size_t len, struct runtime_log_entry *out);

/* Parse an RFC 3339 time with an offset (as conmon writes it) into UTC. */
int runtime_time_parse(const char *s, size_t len, int64_t *sec, long *nsec);

/* Check a json-file LogConfig.Config object ({"max-size": "1k", ...}) as
 * dockerd does (a BERR_INVALID with its message) and give the most log
 * bytes to keep on disk: max-size times max-file, -1 for no limit.
 * conmon truncates its one file at that size instead of rotating. */
int runtime_log_opts_check(const json_t *opts, int64_t *size_max, struct berr *err);

#endif
