/* berthd configuration: flags, /etc/berth/daemon.json, defaults.
 *
 * Precedence is flag > file > default.  dockerd's key names are used where
 * a key means the same.  A key given both as a flag and in the file, an
 * unknown key and a value of the wrong type are refused before anything on
 * the host is touched.
 */
#ifndef BERTH_ENGINE_CONFIG_H
#define BERTH_ENGINE_CONFIG_H

#include <jansson.h>
#include <stdbool.h>

#include "util/err.h"

#define CONFIG_DEFAULT_FILE      "/etc/berth/daemon.json"
#define CONFIG_DEFAULT_DATA_ROOT "/var/lib/berth"
#define CONFIG_DEFAULT_EXEC_ROOT "/run/berth"
#define CONFIG_DEFAULT_HOST      "unix:///run/berth.sock"

struct config_runtime {
    char *name;
    char *path;
    char **args; /* runtimeArgs, NULL-terminated; may be NULL */
};

struct berth_config {
    char *config_file;
    char *data_root;
    char *exec_root;
    char **hosts; /* NULL-terminated */
    char *pidfile;
    bool debug;
    char *log_level;
    char **exec_opts;
    char *default_runtime; /* NULL: chosen at start-up */
    struct config_runtime *runtimes;
    size_t n_runtimes;
    char *bip;
    char *fixed_cidr;
    char *bridge; /* "none" disables the default bridge */
    bool live_restore;
    bool iptables;
    char *storage_driver;
    char *log_driver;
    json_t *log_opts; /* object of strings */
    bool validate;    /* --validate: check and exit */
};

enum config_result {
    CONFIG_OK = 0,
    CONFIG_EXIT = 1, /* --help or --version was printed: exit 0 */
};

/* Parse argv and the configuration file into cfg (zeroed by the caller).
 * Returns CONFIG_OK, CONFIG_EXIT, or -1 with err naming the key. */
int config_load(struct berth_config *cfg, int argc, char **argv, struct berr *err);

/* Parse only a daemon.json text into cfg, for tests; flags_set lists keys
 * already given as flags (NULL-terminated, may be NULL). */
int config_apply_json(struct berth_config *cfg, const char *text, const char *const *flags_set,
                      struct berr *err);

/* Fill what neither flag nor file gave. */
void config_set_defaults(struct berth_config *cfg);

void config_release(struct berth_config *cfg);

/* Look up a runtime by name; NULL when unknown. */
const struct config_runtime *config_find_runtime(const struct berth_config *cfg, const char *name);

/* Add or replace a runtime. */
void config_add_runtime(struct berth_config *cfg, const char *name, const char *path);

/* The path of the unix socket of the first unix:// host, or NULL. */
const char *config_unix_socket(const struct berth_config *cfg);

#endif
