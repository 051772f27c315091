/* exec: the process document of another process in a running container,
 * derived from the container's own so that it keeps its limits. */
#include <stdio.h>
#include <string.h>

#include "runtime/runtime-internal.h"
#include "runtime/runtime.h"
#include "util/caps.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"

static bool env_key_eq(const char *a, const char *b)
{
    size_t la = strcspn(a, "="), lb = strcspn(b, "=");

    return la == lb && !strncmp(a, b, la);
}

/* The container's env with x's entries replacing those of equal keys. */
static json_t *merge_env(const json_t *base, const struct runtime_exec *x)
{
    json_t *env = json_array();
    bool has_term = false;
    size_t i;
    json_t *v;

    json_array_foreach(base, i, v)
    {
        const char *s = json_string_value(v);
        bool replaced = false;

        for (size_t j = 0; s && x->env && x->env[j]; j++)
            replaced = replaced || env_key_eq(s, x->env[j]);
        if (s && !replaced)
            json_array_append(env, v);
    }
    for (size_t j = 0; x->env && x->env[j]; j++)
        if (strchr(x->env[j], '='))
            json_array_append_new(env, json_string(x->env[j]));
    json_array_foreach(env, i, v) has_term = has_term || !strncmp(json_string_value(v), "TERM=", 5);
    if (x->tty && !has_term)
        json_array_append_new(env, json_string("TERM=xterm"));
    return env;
}

static json_t *all_caps(void)
{
    json_t *list = json_array();
    json_t *caps;

    for (size_t i = 0; caps_all[i]; i++)
        json_array_append_new(list, json_string(caps_all[i]));
    caps = json_pack("{s:O,s:O,s:O}", "bounding", list, "effective", list, "permitted", list);
    json_decref(list);
    return caps;
}

static json_t *exec_user(const struct runtime_exec *x)
{
    json_t *user = json_pack("{s:I,s:I}", "uid", (json_int_t)x->uid, "gid", (json_int_t)x->gid);
    json_t *groups = json_array();

    for (size_t i = 0; i < x->n_groups; i++)
        json_array_append_new(groups, json_integer(x->groups[i]));
    json_object_set_new(user, "additionalGids", groups);
    return user;
}

static void apply_exec(json_t *proc, const struct runtime_exec *x)
{
    json_object_set_new(proc, "terminal", json_boolean(x->tty));
    json_object_set_new(proc, "args", json_strv(x->args));
    json_object_set_new(proc, "env", merge_env(json_object_get(proc, "env"), x));
    if (x->cwd && *x->cwd)
        json_object_set_new(proc, "cwd", json_string(x->cwd));
    if (x->set_user)
        json_object_set_new(proc, "user", exec_user(x));
    if (x->privileged)
        json_object_set_new(proc, "capabilities", all_caps());
    json_object_del(proc, "consoleSize");
    if (x->tty && x->console_h && x->console_w)
        json_object_set_new(proc, "consoleSize",
                            json_pack("{s:i,s:i}", "height", x->console_h, "width", x->console_w));
}

int runtime_exec_write_process(const struct runtime_launch *l, const struct runtime_exec *x,
                               const char *path, struct berr *err)
{
    _cleanup_free_ char *cfg_path = xasprintf("%s/config.json", l->bundle);
    _cleanup_free_ char *text = NULL;
    _cleanup_json_ json_t *cfg = NULL;
    json_t *proc;

    if (fs_read_file(cfg_path, &text, NULL, err) < 0)
        return berr_wrap(err, "exec in %s", l->id);
    cfg = json_loads(text, 0, NULL);
    proc = json_object_get(cfg, "process");
    if (!json_is_object(proc))
        return berr_system(err, 0, "exec in %s: %s has no process", l->id, cfg_path);

    apply_exec(proc, x);
    free(text);
    text = json_dumps(proc, JSON_COMPACT);
    return fs_write_atomic(path, text, strlen(text), 0600, err);
}
