/* Rules and helpers common to every OS of platform/. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "platform/platform-internal.h"
#include "util/caps.h"
#include "util/log.h"
#include "util/mem.h"

void platform_host_config_release(struct platform_host_config *hc)
{
    if (!hc)
        return;
    free(hc->res.cpuset_cpus);
    free(hc->res.cpuset_mems);
    free(hc->res.cgroup_parent);
    free(hc->isolation);
    free(hc->ipc_mode);
    free(hc->pid_mode);
    free(hc->uts_mode);
    free(hc->cgroupns_mode);
    free(hc->userns_mode);
    free(hc->network_mode);
    free(hc->runtime);
    free(hc->restart_name);
    strv_free(hc->cap_add);
    strv_free(hc->cap_drop);
    strv_free(hc->tmpfs);
    memset(hc, 0, sizeof(*hc));
}

const char *platform_isolation_name(enum platform_isolation iso)
{
    return iso == PLATFORM_ISOLATION_HYPERV ? "hyperv" : "process";
}

void platform_runtimes_add(struct platform_runtimes *rt, const char *name, const char *path)
{
    rt->v = xrealloc(rt->v, (rt->n + 1) * sizeof(*rt->v));
    rt->v[rt->n++] = (struct platform_runtime){xstrdup(name), xstrdup(path)};
}

const struct platform_runtime *platform_runtimes_find(const struct platform_runtimes *rt,
                                                      const char *name)
{
    for (size_t i = 0; i < rt->n; i++)
        if (!strcmp(rt->v[i].name, name))
            return &rt->v[i];
    return NULL;
}

void platform_runtimes_release(struct platform_runtimes *rt)
{
    for (size_t i = 0; i < rt->n; i++) {
        free(rt->v[i].name);
        free(rt->v[i].path);
    }
    free(rt->v);
    free(rt->default_name);
    rt->v = NULL;
    rt->n = 0;
    rt->default_name = NULL;
}

void platform_free(struct platform *p)
{
    free(p);
}

void platform_warn(char ***warnings, const char *text)
{
    log_warn("%s", text);
    strv_push(warnings, text);
}

bool platform_isolation_is_default(const char *iso)
{
    return !iso || !*iso || !strcasecmp(iso, "default");
}

bool platform_isolation_is_process(const char *iso)
{
    return iso && !strcasecmp(iso, "process");
}

bool platform_isolation_is_hyperv(const char *iso)
{
    return iso && !strcasecmp(iso, "hyperv");
}

static char *trimmed(const char *s, size_t len)
{
    while (len && isspace((unsigned char)*s)) {
        s++;
        len--;
    }
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    return xstrndup(s, len);
}

int platform_parse_kv(const char *opt, char **key, char **val, struct berr *err)
{
    const char *eq = strchr(opt, '=');

    if (!eq)
        return berr_invalid(err, "unable to parse key/value option: %s", opt);
    *key = trimmed(opt, (size_t)(eq - opt));
    *val = trimmed(eq + 1, strlen(eq + 1));
    return 0;
}

static bool cap_known(const char *name)
{
    return caps_index(name) >= 0;
}

/* Names are upper-cased and given their CAP_ prefix before the lookup, so
 * the message names the capability as the kernel does. */
static int check_caps(char *const *caps, const char *what, struct berr *err)
{
    for (size_t i = 0; caps && caps[i]; i++) {
        _cleanup_free_ char *up = xstrdup(caps[i]);
        _cleanup_free_ char *full = NULL;

        for (char *c = up; *c; c++)
            *c = (char)toupper((unsigned char)*c);
        if (!strcmp(up, "ALL"))
            continue;
        full = strncmp(up, "CAP_", 4) ? xasprintf("CAP_%s", up) : xstrdup(up);
        if (!cap_known(full))
            return berr_invalid(err, "invalid %s: unknown capability: \"%s\"", what, full);
    }
    return 0;
}

static int check_restart_policy(const struct platform_host_config *hc, struct berr *err)
{
    const char *name = hc->restart_name ? hc->restart_name : "";
    int64_t max = hc->restart_max_retry;

    if (!strcmp(name, "always") || !strcmp(name, "unless-stopped") || !strcmp(name, "no")) {
        if (max == 0)
            return 0;
        return berr_invalid(err,
                            "invalid restart policy: maximum retry count can only be used "
                            "with 'on-failure'%s",
                            max < 0 ? " and cannot be negative" : "");
    }
    if (!strcmp(name, "on-failure")) {
        if (max < 0)
            return berr_invalid(err,
                                "invalid restart policy: maximum retry count cannot be negative");
        return 0;
    }
    /* An empty name is what clients before v25 sent for "no". */
    if (!*name)
        return 0;
    return berr_invalid(err,
                        "invalid restart policy: unknown policy '%s'; use one of 'no', 'always', "
                        "'on-failure', or 'unless-stopped'",
                        name);
}

int platform_check_common(const struct platform_host_config *hc,
                          bool (*isolation_valid)(const char *iso), const char *os,
                          struct berr *err)
{
    const char *restart = hc->restart_name ? hc->restart_name : "";

    if (hc->auto_remove && *restart && strcmp(restart, "no"))
        return berr_invalid(err, "can't create 'AutoRemove' container with restart policy");
    if (check_restart_policy(hc, err) < 0)
        return -1;

    if (check_caps(hc->cap_add, "CapAdd", err) < 0 || check_caps(hc->cap_drop, "CapDrop", err) < 0)
        return -1;

    if (!isolation_valid(hc->isolation))
        return berr_invalid(err, "invalid isolation '%s' on %s", hc->isolation ? hc->isolation : "",
                            os);
    return 0;
}
