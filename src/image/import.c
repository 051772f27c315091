/* docker import: one layer from a (possibly compressed) tar and a config
 * built around it, with Dockerfile-style `changes` applied to its
 * container config. */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include "image/image-internal.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"
#include "version.h"

/* Split "a=b "c d"=e" into words, honouring double and single quotes. */
static char **split_words(const char *s)
{
    char **v = xcalloc(1, sizeof(char *));
    _cleanup_free_ char *cur = xcalloc(1, strlen(s) + 1);
    size_t n = 0;
    char quote = 0;
    bool have = false;

    for (const char *p = s;; p++) {
        if (*p == '\0' || (!quote && isspace((unsigned char)*p))) {
            if (have)
                strv_push(&v, cur);
            n = 0;
            cur[0] = '\0';
            have = false;
            if (*p == '\0')
                return v;
            continue;
        }
        have = true;
        if (quote && *p == quote) {
            quote = 0;
        } else if (!quote && (*p == '"' || *p == '\'')) {
            quote = *p;
        } else {
            if (*p == '\\' && quote != '\'' && p[1])
                p++;
            cur[n++] = *p;
            cur[n] = '\0';
        }
    }
}

/* JSON exec form, or the shell form wrapped in /bin/sh -c. */
static json_t *command_value(const char *args)
{
    json_t *arr;
    size_t i;
    json_t *v;

    if (args[0] == '[' && (arr = json_loads(args, 0, NULL))) {
        bool strings = json_is_array(arr);
        json_array_foreach(arr, i, v) strings = strings && json_is_string(v);
        if (strings)
            return arr;
        json_decref(arr);
    }
    return json_pack("[s,s,s]", "/bin/sh", "-c", args);
}

static void set_env(json_t *config, const char *key, const char *value)
{
    json_t *env = json_object_get(config, "Env");
    size_t klen = strlen(key);
    size_t i;
    json_t *e;

    if (!json_is_array(env)) {
        env = json_array();
        json_object_set_new(config, "Env", env);
    }
    json_array_foreach(env, i, e)
    {
        const char *s = json_string_value(e);
        if (s && !strncmp(s, key, klen) && s[klen] == '=') {
            json_array_set_new(env, i, json_sprintf("%s=%s", key, value));
            return;
        }
    }
    json_array_append_new(env, json_sprintf("%s=%s", key, value));
}

static json_t *object_member(json_t *config, const char *key)
{
    json_t *o = json_object_get(config, key);

    if (!json_is_object(o)) {
        o = json_object();
        json_object_set_new(config, key, o);
    }
    return o;
}

static int apply_pairs(json_t *config, const char *what, const char *args, struct berr *err)
{
    _cleanup_strv_ char **w = split_words(args);

    if (!w[0])
        return berr_invalid(err, "%s requires at least one argument", what);
    if (!strchr(w[0], '=')) {
        /* Old form: KEY value with spaces. */
        const char *rest = args + strcspn(args, " \t");
        while (isspace((unsigned char)*rest))
            rest++;
        if (!strcmp(what, "ENV"))
            set_env(config, w[0], rest);
        else
            json_object_set_new(object_member(config, "Labels"), w[0], json_string(rest));
        return 0;
    }
    for (size_t i = 0; w[i]; i++) {
        char *eq = strchr(w[i], '=');
        if (!eq)
            return berr_invalid(err,
                                "Syntax error - can't find = in \"%s\". Must be of the "
                                "form: name=value",
                                w[i]);
        *eq = '\0';
        if (!strcmp(what, "ENV"))
            set_env(config, w[i], eq + 1);
        else
            json_object_set_new(object_member(config, "Labels"), w[i], json_string(eq + 1));
    }
    return 0;
}

static int apply_set(json_t *config, const char *key, const char *args, char **w)
{
    size_t i;
    json_t *v;

    if (!strcmp(key, "ExposedPorts")) {
        json_t *ports = object_member(config, key);
        for (i = 0; w[i]; i++) {
            _cleanup_free_ char *p = strchr(w[i], '/') ? xstrdup(w[i]) : xasprintf("%s/tcp", w[i]);
            json_object_set_new(ports, p, json_object());
        }
        return 0;
    }
    /* VOLUME: JSON list or words. */
    json_t *list = args[0] == '[' ? json_loads(args, 0, NULL) : NULL;
    json_t *vols = object_member(config, key);
    if (json_is_array(list)) {
        json_array_foreach(list, i, v) if (json_is_string(v))
            json_object_set_new(vols, json_string_value(v), json_object());
    } else {
        for (i = 0; w[i]; i++)
            json_object_set_new(vols, w[i], json_object());
    }
    json_decref(list);
    return 0;
}

static int apply_one(json_t *config, const char *change, struct berr *err)
{
    const char *p = change;
    _cleanup_free_ char *cmd = NULL;
    _cleanup_strv_ char **w = NULL;
    const char *args;

    while (isspace((unsigned char)*p))
        p++;
    cmd = xstrndup(p, strcspn(p, " \t"));
    for (char *c = cmd; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    args = p + strlen(cmd);
    while (isspace((unsigned char)*args))
        args++;
    w = split_words(args);

    if (!strcmp(cmd, "CMD") || !strcmp(cmd, "ENTRYPOINT"))
        json_object_set_new(config, cmd[0] == 'C' ? "Cmd" : "Entrypoint", command_value(args));
    else if (!strcmp(cmd, "ENV") || !strcmp(cmd, "LABEL"))
        return apply_pairs(config, cmd, args, err);
    else if (!strcmp(cmd, "WORKDIR") || !strcmp(cmd, "USER") || !strcmp(cmd, "STOPSIGNAL"))
        json_object_set_new(config,
                            cmd[0] == 'W'   ? "WorkingDir"
                            : cmd[0] == 'U' ? "User"
                                            : "StopSignal",
                            json_string(w[0] ? w[0] : ""));
    else if (!strcmp(cmd, "EXPOSE"))
        return apply_set(config, "ExposedPorts", args, w);
    else if (!strcmp(cmd, "VOLUME"))
        return apply_set(config, "Volumes", args, w);
    else if (!strcmp(cmd, "ONBUILD")) {
        json_t *ob = json_object_get(config, "OnBuild");
        if (!json_is_array(ob))
            json_object_set_new(config, "OnBuild", ob = json_array());
        json_array_append_new(ob, json_string(args));
    } else if (!strcmp(cmd, "HEALTHCHECK")) {
        bool none = w[0] && !strcasecmp(w[0], "NONE");
        const char *c = none ? NULL : strcasestr(args, "CMD");
        json_object_set_new(config, "Healthcheck",
                            none ? json_pack("{s:[s]}", "Test", "NONE")
                                 : json_pack("{s:[s,s]}", "Test", "CMD-SHELL",
                                             c ? c + 3 + strspn(c + 3, " \t") : args));
    } else
        return berr_invalid(err, "%s is not a valid change command", cmd);
    return 0;
}

int image_apply_changes(void *config, char *const *changes, struct berr *err)
{
    for (size_t i = 0; changes && changes[i]; i++) {
        if (!*changes[i])
            continue;
        if (apply_one(config, changes[i], err) < 0)
            return -1;
    }
    return 0;
}

static char *import_config(const struct image_import_opts *o, json_t *cfg, const char *diff_id)
{
    struct timespec ts;
    _cleanup_free_ char *created = NULL;
    json_t *doc;

    clock_gettime(CLOCK_REALTIME, &ts);
    created = json_time_format(ts.tv_sec, ts.tv_nsec);
    doc = json_pack("{s:s,s:s,s:O,s:s,s:s,s:[{s:s,s:s}],s:s}", "architecture", o->arch, "comment",
                    o->comment, "config", cfg, "created", created, "docker_version", BERTH_VERSION,
                    "history", "created", created, "comment", o->comment, "os", o->os);
    if (o->variant && *o->variant)
        json_object_set_new(doc, "variant", json_string(o->variant));
    json_object_set_new(doc, "rootfs",
                        json_pack("{s:s,s:[s]}", "type", "layers", "diff_ids", diff_id));
    char *text = json_dumps_compact(doc);
    json_decref(doc);
    return text;
}

int image_import(struct image_store *is, int fd, const struct image_import_opts *opts,
                 char **id_out, struct berr *err)
{
    _cleanup_json_ json_t *cfg = json_object();
    _cleanup_free_ char *config = NULL;
    char diff[IMAGE_DIGEST_LEN + 1];
    bool existed;

    if (image_apply_changes(cfg, opts->changes, err) < 0)
        return -1;
    if (image_layer_add(is, fd, NULL, NULL, diff, err) < 0)
        return berr_wrap(err, "import");
    config = import_config(opts, cfg, diff);
    if (image_create(is, config, strlen(config), id_out, &existed, err) < 0) {
        layer_drop_unused(is, diff);
        return berr_wrap(err, "import");
    }
    log_debug("image: imported %s (layer %s)", *id_out, diff);
    return 0;
}
