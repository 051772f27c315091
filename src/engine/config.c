#include "engine/config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

#include "version.h"

enum key_type { KEY_STR, KEY_BOOL, KEY_STRV, KEY_RUNTIMES, KEY_OPTS };

struct config_key {
    const char *name; /* daemon.json key */
    enum key_type type;
    size_t offset;
};

#define KEY(name, type, field)                                                                     \
    {                                                                                              \
        name, type, offsetof(struct berth_config, field)                                           \
    }

static const struct config_key config_keys[] = {
    KEY("data-root", KEY_STR, data_root),
    KEY("exec-root", KEY_STR, exec_root),
    KEY("hosts", KEY_STRV, hosts),
    KEY("pidfile", KEY_STR, pidfile),
    KEY("debug", KEY_BOOL, debug),
    KEY("log-level", KEY_STR, log_level),
    KEY("exec-opts", KEY_STRV, exec_opts),
    KEY("default-runtime", KEY_STR, default_runtime),
    KEY("runtimes", KEY_RUNTIMES, runtimes),
    KEY("bip", KEY_STR, bip),
    KEY("fixed-cidr", KEY_STR, fixed_cidr),
    KEY("bridge", KEY_STR, bridge),
    KEY("live-restore", KEY_BOOL, live_restore),
    KEY("iptables", KEY_BOOL, iptables),
    KEY("storage-driver", KEY_STR, storage_driver),
    KEY("log-driver", KEY_STR, log_driver),
    KEY("log-opts", KEY_OPTS, log_opts),
};

static const struct config_key *find_key(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++)
        if (!strcmp(config_keys[i].name, name))
            return &config_keys[i];
    return NULL;
}

void config_add_runtime(struct berth_config *cfg, const char *name, const char *path)
{
    for (size_t i = 0; i < cfg->n_runtimes; i++) {
        if (!strcmp(cfg->runtimes[i].name, name)) {
            free(cfg->runtimes[i].path);
            cfg->runtimes[i].path = xstrdup(path);
            return;
        }
    }
    cfg->runtimes = xrealloc(cfg->runtimes, (cfg->n_runtimes + 1) * sizeof(*cfg->runtimes));
    cfg->runtimes[cfg->n_runtimes++] = (struct config_runtime){
        .name = xstrdup(name),
        .path = xstrdup(path),
        .args = NULL,
    };
}

const struct config_runtime *config_find_runtime(const struct berth_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n_runtimes; i++)
        if (!strcmp(cfg->runtimes[i].name, name))
            return &cfg->runtimes[i];
    return NULL;
}

static int apply_runtimes(struct berth_config *cfg, json_t *v, struct berr *err)
{
    const char *name;
    json_t *rt;

    if (!json_is_object(v))
        return berr_invalid(err, "invalid value for \"runtimes\": expected an object");
    json_object_foreach(v, name, rt)
    {
        const char *path = json_get_str(rt, "path", NULL);
        json_t *args = json_object_get(rt, "runtimeArgs");

        if (!json_is_object(rt) || !path || !*path)
            return berr_invalid(err, "invalid value for \"runtimes\": runtime %s needs a path",
                                name);
        if (args && !json_is_array(args))
            return berr_invalid(
                err, "invalid value for \"runtimes\": runtimeArgs of %s must be a list", name);
        config_add_runtime(cfg, name, path);
        if (args) {
            struct config_runtime *r = (struct config_runtime *)config_find_runtime(cfg, name);

            strv_free(r->args);
            r->args = json_to_strv(args);
        }
    }
    return 0;
}

static int apply_key(struct berth_config *cfg, const struct config_key *key, json_t *v,
                     struct berr *err)
{
    void *field = (char *)cfg + key->offset;

    switch (key->type) {
    case KEY_STR:
        if (!json_is_string(v))
            return berr_invalid(err, "invalid value for \"%s\": expected a string", key->name);
        free(*(char **)field);
        *(char **)field = xstrdup(json_string_value(v));
        return 0;
    case KEY_BOOL:
        if (!json_is_boolean(v))
            return berr_invalid(err, "invalid value for \"%s\": expected true or false", key->name);
        *(bool *)field = json_is_true(v);
        return 0;
    case KEY_STRV: {
        size_t i;
        json_t *item;

        if (!json_is_array(v))
            return berr_invalid(err, "invalid value for \"%s\": expected a list of strings",
                                key->name);
        json_array_foreach(v, i, item)
        {
            if (!json_is_string(item))
                return berr_invalid(err, "invalid value for \"%s\": expected a list of strings",
                                    key->name);
        }
        strv_free(*(char ***)field);
        *(char ***)field = json_to_strv(v);
        return 0;
    }
    case KEY_RUNTIMES:
        return apply_runtimes(cfg, v, err);
    case KEY_OPTS: {
        const char *k;
        json_t *item;

        if (!json_is_object(v))
            return berr_invalid(err, "invalid value for \"%s\": expected an object of strings",
                                key->name);
        json_object_foreach(v, k, item)
        {
            if (!json_is_string(item))
                return berr_invalid(err, "invalid value for \"%s\": expected an object of strings",
                                    key->name);
        }
        json_decref(cfg->log_opts);
        cfg->log_opts = json_incref(v);
        return 0;
    }
    }
    return 0;
}

static bool strv_has(const char *const *v, const char *s)
{
    for (size_t i = 0; v && v[i]; i++)
        if (!strcmp(v[i], s))
            return true;
    return false;
}

int config_apply_json(struct berth_config *cfg, const char *text, const char *const *flags_set,
                      struct berr *err)
{
    _cleanup_json_ json_t *root = NULL;
    _cleanup_free_ char *unknown = NULL;
    _cleanup_free_ char *both = NULL;
    json_error_t jerr;
    const char *name;
    json_t *v;

    root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return berr_invalid(err, "invalid JSON at line %d column %d: %s", jerr.line, jerr.column,
                            jerr.text);
    if (!json_is_object(root))
        return berr_invalid(err, "invalid configuration: the top level must be a JSON object");

    /* Collect every offending key first so one run names them all, as
     * dockerd does. */
    json_object_foreach(root, name, v)
    {
        char **list = NULL;

        if (!find_key(name))
            list = &unknown;
        else if (strv_has(flags_set, name))
            list = &both;
        if (list) {
            char *joined = *list ? xasprintf("%s, %s", *list, name) : xstrdup(name);

            free(*list);
            *list = joined;
        }
    }
    if (unknown)
        return berr_invalid(
            err, "the following directives don't match any configuration option: %s", unknown);
    if (both)
        return berr_invalid(err,
                            "the following directives are specified both as a flag and in the "
                            "configuration file: %s",
                            both);

    json_object_foreach(root, name, v)
    {
        if (apply_key(cfg, find_key(name), v, err) < 0)
            return -1;
    }
    return 0;
}

static void set_default(char **field, const char *value)
{
    if (!*field)
        *field = xstrdup(value);
}

void config_set_defaults(struct berth_config *cfg)
{
    set_default(&cfg->data_root, CONFIG_DEFAULT_DATA_ROOT);
    set_default(&cfg->exec_root, CONFIG_DEFAULT_EXEC_ROOT);
    set_default(&cfg->log_level, cfg->debug ? "debug" : "info");
    set_default(&cfg->log_driver, "json-file");
    if (!cfg->pidfile)
        cfg->pidfile = xasprintf("%s/berthd.pid", cfg->exec_root);
    if (!cfg->hosts)
        strv_push(&cfg->hosts, CONFIG_DEFAULT_HOST);
    if (!cfg->log_opts)
        cfg->log_opts = json_object();
}

void config_release(struct berth_config *cfg)
{
    free(cfg->config_file);
    free(cfg->data_root);
    free(cfg->exec_root);
    strv_free(cfg->hosts);
    free(cfg->pidfile);
    free(cfg->log_level);
    strv_free(cfg->exec_opts);
    free(cfg->default_runtime);
    for (size_t i = 0; i < cfg->n_runtimes; i++) {
        free(cfg->runtimes[i].name);
        free(cfg->runtimes[i].path);
        strv_free(cfg->runtimes[i].args);
    }
    free(cfg->runtimes);
    free(cfg->bip);
    free(cfg->fixed_cidr);
    free(cfg->bridge);
    free(cfg->storage_driver);
    free(cfg->log_driver);
    json_decref(cfg->log_opts);
    memset(cfg, 0, sizeof(*cfg));
}

const char *config_unix_socket(const struct berth_config *cfg)
{
    for (size_t i = 0; cfg->hosts && cfg->hosts[i]; i++)
        if (!strncmp(cfg->hosts[i], "unix://", 7))
            return cfg->hosts[i] + 7;
    return NULL;
}

enum {
    OPT_DATA_ROOT = 256,
    OPT_EXEC_ROOT,
    OPT_EXEC_OPT,
    OPT_DEFAULT_RUNTIME,
    OPT_ADD_RUNTIME,
    OPT_BIP,
    OPT_FIXED_CIDR,
    OPT_LIVE_RESTORE,
    OPT_IPTABLES,
    OPT_LOG_DRIVER,
    OPT_LOG_OPT,
    OPT_CONFIG_FILE,
    OPT_VALIDATE,
};

static const struct option long_options[] = {
    {"host", required_argument, NULL, 'H'},
    {"data-root", required_argument, NULL, OPT_DATA_ROOT},
    {"exec-root", required_argument, NULL, OPT_EXEC_ROOT},
    {"pidfile", required_argument, NULL, 'p'},
    {"debug", no_argument, NULL, 'D'},
    {"log-level", required_argument, NULL, 'l'},
    {"exec-opt", required_argument, NULL, OPT_EXEC_OPT},
    {"default-runtime", required_argument, NULL, OPT_DEFAULT_RUNTIME},
    {"add-runtime", required_argument, NULL, OPT_ADD_RUNTIME},
    {"bip", required_argument, NULL, OPT_BIP},
    {"fixed-cidr", required_argument, NULL, OPT_FIXED_CIDR},
    {"bridge", required_argument, NULL, 'b'},
    {"live-restore", optional_argument, NULL, OPT_LIVE_RESTORE},
    {"iptables", optional_argument, NULL, OPT_IPTABLES},
    {"storage-driver", required_argument, NULL, 's'},
    {"log-driver", required_argument, NULL, OPT_LOG_DRIVER},
    {"log-opt", required_argument, NULL, OPT_LOG_OPT},
    {"config-file", required_argument, NULL, OPT_CONFIG_FILE},
    {"validate", no_argument, NULL, OPT_VALIDATE},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'v'},
    {NULL, 0, NULL, 0},
};

static void print_usage(void)
{
    fputs("Usage: berthd [OPTIONS]\n\n"
          "A container engine that speaks the Docker Engine API.\n\n"
          "Options:\n"
          "      --add-runtime name=path   Register an OCI runtime\n"
          "      --bip string              Address and prefix of the default bridge\n"
          "  -b, --bridge string           Attach containers to this bridge (\"none\": no "
          "bridge)\n"
          "      --config-file string      Daemon configuration file (default "
          "/etc/berth/daemon.json)\n"
          "      --data-root string        Root of persistent state (default /var/lib/berth)\n"
          "  -D, --debug                   Debug logging\n"
          "      --default-runtime string  Default OCI runtime for containers\n"
          "      --exec-opt list           Runtime execution options\n"
          "      --exec-root string        Root of execution state (default /run/berth)\n"
          "      --fixed-cidr string       IPv4 subnet for fixed IPs on the default bridge\n"
          "  -H, --host list               Sockets to listen on (default "
          "unix:///run/berth.sock)\n"
          "      --iptables[=true|false]   Manage the firewall (default true)\n"
          "      --live-restore            Keep containers running when the daemon stops\n"
          "      --log-driver string       Default container log driver (default json-file)\n"
          "  -l, --log-level string        debug, info, warn, error or fatal (default info)\n"
          "      --log-opt map             Default log driver options\n"
          "  -p, --pidfile string          Path of the pid file (default "
          "/run/berth/berthd.pid)\n"
          "  -s, --storage-driver string   overlay2 or vfs\n"
          "      --validate                Validate the configuration and exit\n"
          "  -v, --version                 Print the version and exit\n",
          stdout);
}

static int parse_bool_arg(const char *flag, const char *arg, bool *out, struct berr *err)
{
    if (!arg || !strcmp(arg, "true") || !strcmp(arg, "1")) {
        *out = true;
        return 0;
    }
    if (!strcmp(arg, "false") || !strcmp(arg, "0")) {
        *out = false;
        return 0;
    }
    return berr_invalid(err, "invalid value \"%s\" for flag --%s: expected true or false", arg,
                        flag);
}

static void replace(char **field, const char *value)
{
    free(*field);
    *field = xstrdup(value);
}

static int parse_flag(struct berth_config *cfg, int opt, const char *arg, char ***flags_set,
                      struct berr *err)
{
    switch (opt) {
    case 'H':
        strv_push(&cfg->hosts, arg);
        strv_push(flags_set, "hosts");
        return 0;
    case OPT_DATA_ROOT:
        replace(&cfg->data_root, arg);
        strv_push(flags_set, "data-root");
        return 0;
    case OPT_EXEC_ROOT:
        replace(&cfg->exec_root, arg);
        strv_push(flags_set, "exec-root");
        return 0;
    case 'p':
        replace(&cfg->pidfile, arg);
        strv_push(flags_set, "pidfile");
        return 0;
    case 'D':
        cfg->debug = true;
        strv_push(flags_set, "debug");
        return 0;
    case 'l':
        if (log_level_parse(arg) < 0)
            return berr_invalid(err, "unable to parse logging level: %s", arg);
        replace(&cfg->log_level, arg);
        strv_push(flags_set, "log-level");
        return 0;
    case OPT_EXEC_OPT:
        strv_push(&cfg->exec_opts, arg);
        strv_push(flags_set, "exec-opts");
        return 0;
    case OPT_DEFAULT_RUNTIME:
        replace(&cfg->default_runtime, arg);
        strv_push(flags_set, "default-runtime");
        return 0;
    case OPT_ADD_RUNTIME: {
        const char *eq = strchr(arg, '=');
        _cleanup_free_ char *name = NULL;

        if (!eq || eq == arg || !eq[1])
            return berr_invalid(err,
                                "invalid value \"%s\" for flag --add-runtime: expected "
                                "name=path",
                                arg);
        name = xstrndup(arg, (size_t)(eq - arg));
        config_add_runtime(cfg, name, eq + 1);
        strv_push(flags_set, "runtimes");
        return 0;
    }
    case OPT_BIP:
        replace(&cfg->bip, arg);
        strv_push(flags_set, "bip");
        return 0;
    case OPT_FIXED_CIDR:
        replace(&cfg->fixed_cidr, arg);
        strv_push(flags_set, "fixed-cidr");
        return 0;
    case 'b':
        replace(&cfg->bridge, arg);
        strv_push(flags_set, "bridge");
        return 0;
    case OPT_LIVE_RESTORE:
        strv_push(flags_set, "live-restore");
        return parse_bool_arg("live-restore", arg, &cfg->live_restore, err);
    case OPT_IPTABLES:
        strv_push(flags_set, "iptables");
        return parse_bool_arg("iptables", arg, &cfg->iptables, err);
    case 's':
        replace(&cfg->storage_driver, arg);
        strv_push(flags_set, "storage-driver");
        return 0;
    case OPT_LOG_DRIVER:
        replace(&cfg->log_driver, arg);
        strv_push(flags_set, "log-driver");
        return 0;
    case OPT_LOG_OPT: {
        const char *eq = strchr(arg, '=');
        _cleanup_free_ char *k = NULL;

        if (!eq || eq == arg)
            return berr_invalid(err,
                                "invalid value \"%s\" for flag --log-opt: expected "
                                "key=value",
                                arg);
        if (!cfg->log_opts)
            cfg->log_opts = json_object();
        k = xstrndup(arg, (size_t)(eq - arg));
        json_object_set_new(cfg->log_opts, k, json_string(eq + 1));
        strv_push(flags_set, "log-opts");
        return 0;
    }
    case OPT_CONFIG_FILE:
        replace(&cfg->config_file, arg);
        return 0;
    case OPT_VALIDATE:
        cfg->validate = true;
        return 0;
    }
    return berr_invalid(err, "unknown flag");
}

static int load_file(struct berth_config *cfg, bool explicit, const char *const *flags_set,
                     struct berr *err)
{
    _cleanup_free_ char *text = NULL;
    struct berr rerr = BERR_INIT;

    if (fs_read_file(cfg->config_file, &text, NULL, &rerr) < 0) {
        /* The default file is optional; a file the user named is not. */
        if (!explicit && rerr.kind == BERR_NOT_FOUND) {
            berr_clear(&rerr);
            return 0;
        }
        berr_move(err, &rerr);
        return berr_wrap(err, "unable to configure the daemon");
    }
    if (config_apply_json(cfg, text, flags_set, err) < 0)
        return berr_wrap(err, "unable to configure the daemon with file %s", cfg->config_file);
    return 0;
}

int config_load(struct berth_config *cfg, int argc, char **argv, struct berr *err)
{
    _cleanup_strv_ char **flags_set = NULL;
    bool explicit_file;
    int opt;

    cfg->iptables = true;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":H:p:Dl:b:s:hv", long_options, NULL)) != -1) {
        if (opt == 'h') {
            print_usage();
            return CONFIG_EXIT;
        }
        if (opt == 'v') {
            printf("berthd version %s\n", BERTH_VERSION);
            return CONFIG_EXIT;
        }
        if (opt == '?')
            return berr_invalid(err, "unknown flag: %s", argv[optind - 1]);
        if (opt == ':')
            return berr_invalid(err, "flag needs an argument: %s", argv[optind - 1]);
        if (parse_flag(cfg, opt, optarg, &flags_set, err) < 0)
            return -1;
    }
    if (optind < argc)
        return berr_invalid(err, "berthd takes no arguments: %s", argv[optind]);

    explicit_file = cfg->config_file != NULL;
    if (!explicit_file)
        cfg->config_file = xstrdup(CONFIG_DEFAULT_FILE);
    if (load_file(cfg, explicit_file, (const char *const *)flags_set, err) < 0)
        return -1;

    config_set_defaults(cfg);
    if (log_level_parse(cfg->log_level) < 0)
        return berr_invalid(err, "unable to parse logging level: %s", cfg->log_level);
    return CONFIG_OK;
}
