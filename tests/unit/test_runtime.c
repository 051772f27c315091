/* Unit tests of runtime/: the OCI spec builder and the k8s-file log parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/runtime.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"

static char *args_sh[] = {"sh", "-c", "true", NULL};
static char *env_path[] = {"PATH=/bin", "HOSTNAME=abc", NULL};

static struct runtime_spec base_spec(void)
{
    return (struct runtime_spec){
        .rootfs = "/tmp/rootfs",
        .args = args_sh,
        .env = env_path,
        .cwd = "/work",
        .uid = 1000,
        .gid = 100,
        .hostname = "abc",
        .seccomp = true,
        .shm_size = 67108864,
        .hosts_path = "/c/hosts",
        .hostname_path = "/c/hostname",
        .resolv_path = "/c/resolv.conf",
        .new_netns = true,
        .cgroups_path = "/berth/abc",
    };
}

static json_t *build(const struct runtime_spec *s)
{
    struct berr err = BERR_INIT;
    json_t *doc = NULL;

    assert_int_equal(runtime_spec_build(s, &doc, &err), 0);
    assert_non_null(doc);
    return doc;
}

static bool has_string(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;

    json_array_foreach(arr, i, v)
    {
        if (!strcmp(json_string_value(v), s))
            return true;
    }
    return false;
}

static const json_t *mount_at(const json_t *doc, const char *dst)
{
    size_t i;
    json_t *m;

    json_array_foreach(json_object_get(doc, "mounts"), i, m)
    {
        if (!strcmp(json_get_str(m, "destination", ""), dst))
            return m;
    }
    return NULL;
}

static void test_spec_process_and_root(void **state)
{
    struct runtime_spec s = base_spec();
    _cleanup_json_ json_t *doc = build(&s);
    json_t *proc = json_object_get(doc, "process");

    (void)state;
    assert_string_equal(json_get_str(doc, "ociVersion", ""), "1.0.2");
    assert_string_equal(json_get_str(json_object_get(doc, "root"), "path", ""), "/tmp/rootfs");
    assert_string_equal(json_string_value(json_array_get(json_object_get(proc, "args"), 2)),
                        "true");
    assert_string_equal(json_get_str(proc, "cwd", ""), "/work");
    assert_int_equal(json_get_int(json_object_get(proc, "user"), "uid", -1), 1000);
    assert_int_equal(json_get_int(json_object_get(proc, "user"), "gid", -1), 100);
    assert_false(json_get_bool(proc, "terminal", true));
    assert_string_equal(json_get_str(doc, "hostname", ""), "abc");
    assert_string_equal(json_get_str(json_object_get(doc, "linux"), "cgroupsPath", ""),
                        "/berth/abc");
}

static void test_spec_default_caps(void **state)
{
    struct runtime_spec s = base_spec();
    _cleanup_json_ json_t *doc = build(&s);
    json_t *caps = json_object_get(json_object_get(doc, "process"), "capabilities");
    json_t *bounding = json_object_get(caps, "bounding");

    (void)state;
    assert_int_equal(json_array_size(bounding), 14);
    for (size_t i = 0; runtime_default_caps[i]; i++)
        assert_true(has_string(bounding, runtime_default_caps[i]));
    assert_false(has_string(bounding, "CAP_SYS_ADMIN"));
    assert_true(json_is_object(json_object_get(json_object_get(doc, "linux"), "seccomp")));
}

static void test_spec_cap_add_drop(void **state)
{
    char *add[] = {"NET_ADMIN", NULL};
    char *drop[] = {"ALL", NULL};
    char *bad[] = {"CAP_NOPE", NULL};
    struct runtime_spec s = base_spec();
    struct berr err = BERR_INIT;
    json_t *doc = NULL;
    json_t *bounding;

    (void)state;
    s.cap_add = add;
    s.cap_drop = drop;
    doc = build(&s);
    bounding = json_object_get(json_object_get(json_object_get(doc, "process"), "capabilities"),
                               "bounding");
    assert_int_equal(json_array_size(bounding), 1);
    assert_true(has_string(bounding, "CAP_NET_ADMIN"));
    json_decref(doc);

    s.cap_add = bad;
    assert_int_equal(runtime_spec_build(&s, &doc, &err), -1);
    assert_int_equal(err.kind, BERR_INVALID);
    berr_clear(&err);
}

static void test_spec_mounts_and_paths(void **state)
{
    struct runtime_spec s = base_spec();
    _cleanup_json_ json_t *doc = NULL;
    const json_t *shm;
    json_t *lx;

    (void)state;
    s.shm_size = 128 * 1024 * 1024;
    s.readonly_rootfs = true;
    doc = build(&s);
    shm = mount_at(doc, "/dev/shm");
    assert_non_null(shm);
    assert_true(has_string(json_object_get(shm, "options"), "size=134217728"));
    assert_string_equal(json_get_str(mount_at(doc, "/etc/hosts"), "source", ""), "/c/hosts");
    assert_non_null(mount_at(doc, "/etc/resolv.conf"));
    assert_non_null(mount_at(doc, "/proc"));
    assert_true(json_get_bool(json_object_get(doc, "root"), "readonly", false));
    lx = json_object_get(doc, "linux");
    assert_true(has_string(json_object_get(lx, "maskedPaths"), "/proc/kcore"));
    assert_true(has_string(json_object_get(lx, "readonlyPaths"), "/proc/sys"));
}

static void test_spec_privileged_and_init(void **state)
{
    struct runtime_spec s = base_spec();
    _cleanup_json_ json_t *doc = NULL;
    json_t *proc;

    (void)state;
    s.privileged = true;
    s.init_path = "/usr/bin/catatonit";
    doc = build(&s);
    proc = json_object_get(doc, "process");
    assert_null(json_object_get(json_object_get(doc, "linux"), "seccomp"));
    assert_null(json_object_get(json_object_get(doc, "linux"), "maskedPaths"));
    assert_true(
        json_array_size(json_object_get(json_object_get(proc, "capabilities"), "bounding")) > 30);
    assert_string_equal(json_string_value(json_array_get(json_object_get(proc, "args"), 0)),
                        "/sbin/docker-init");
    assert_string_equal(json_get_str(mount_at(doc, "/sbin/docker-init"), "source", ""),
                        "/usr/bin/catatonit");
}

static void test_spec_resources_and_netns(void **state)
{
    struct runtime_resources r = {.memory = 64 << 20,
                                  .memory_swap = 128 << 20,
                                  .nano_cpus = 1500000000,
                                  .pids_limit = 50,
                                  .memory_swappiness = -1};
    struct runtime_spec s = base_spec();
    _cleanup_json_ json_t *doc = NULL;
    json_t *res;
    json_t *ns;

    (void)state;
    s.resources = &r;
    s.new_netns = false;
    s.netns_path = "/run/netns/x";
    doc = build(&s);
    res = json_object_get(json_object_get(doc, "linux"), "resources");
    assert_int_equal(json_get_int(json_object_get(res, "memory"), "limit", 0), 64 << 20);
    assert_int_equal(json_get_int(json_object_get(res, "cpu"), "quota", 0), 150000);
    assert_int_equal(json_get_int(json_object_get(res, "cpu"), "period", 0), 100000);
    assert_int_equal(json_get_int(json_object_get(res, "pids"), "limit", 0), 50);
    ns = json_object_get(json_object_get(doc, "linux"), "namespaces");
    assert_string_equal(json_get_str(json_array_get(ns, 4), "path", ""), "/run/netns/x");
}

static void test_log_parse(void **state)
{
    const char *line = "2024-05-01T10:11:12.123456789+02:00 stderr P partial text";
    struct runtime_log_entry en;

    (void)state;
    assert_int_equal(runtime_log_parse(line, strlen(line), &en), 0);
    assert_int_equal(en.stream, RUNTIME_STDERR);
    assert_true(en.partial);
    assert_int_equal(en.sec, 1714551072);
    assert_int_equal(en.nsec, 123456789);
    assert_int_equal(en.len, strlen("partial text"));
    assert_memory_equal(en.data, "partial text", en.len);

    line = "2024-05-01T08:11:12Z stdout F ";
    assert_int_equal(runtime_log_parse(line, strlen(line), &en), 0);
    assert_int_equal(en.stream, RUNTIME_STDOUT);
    assert_false(en.partial);
    assert_int_equal(en.len, 0);

    line = "garbage";
    assert_int_equal(runtime_log_parse(line, strlen(line), &en), -1);
    line = "2024-05-01T08:11:12Z stdin F x";
    assert_int_equal(runtime_log_parse(line, strlen(line), &en), -1);
}

static void test_error_exit_codes(void **state)
{
    (void)state;
    assert_int_equal(runtime_error_exit_code("exec: \"x\": executable file not found in $PATH"),
                     127);
    assert_int_equal(runtime_error_exit_code("exec: \"/etc\": permission denied"), 126);
    assert_int_equal(runtime_error_exit_code("cgroup: something else"), 128);
}

/* exec: the process document keeps the container's limits and env and
 * applies the exec's own settings over them. */
static json_t *exec_process(const struct runtime_exec *x)
{
    char dir[] = "/tmp/berth-test-exec-XXXXXX";
    _cleanup_free_ char *cfg_path = NULL;
    _cleanup_free_ char *out_path = NULL;
    _cleanup_free_ char *text = NULL;
    _cleanup_json_ json_t *doc = NULL;
    struct runtime_spec spec = base_spec();
    struct runtime_launch l = {.id = "abc", .bundle = dir};
    struct berr err = BERR_INIT;
    json_t *proc;

    assert_non_null(mkdtemp(dir));
    cfg_path = xasprintf("%s/config.json", dir);
    out_path = xasprintf("%s/exec.json", dir);
    doc = build(&spec);
    text = json_dumps(doc, JSON_COMPACT);
    assert_int_equal(fs_write_atomic(cfg_path, text, strlen(text), 0600, &err), 0);

    assert_int_equal(runtime_exec_write_process(&l, x, out_path, &err), 0);
    proc = json_load_file(out_path, 0, NULL);
    assert_non_null(proc);
    assert_int_equal(fs_remove_all(dir, &err), 0);
    return proc;
}

static void test_exec_process(void **state)
{
    char *args[] = {"id", "-u", NULL};
    char *env[] = {"HOSTNAME=xyz", "A=b", NULL};
    struct runtime_exec x = {
        .args = args, .env = env, .tty = true, .console_h = 30, .console_w = 100};
    _cleanup_json_ json_t *proc = exec_process(&x);
    const json_t *penv = json_object_get(proc, "env");

    (void)state;
    assert_true(json_get_bool(proc, "terminal", false));
    assert_string_equal(json_string_value(json_array_get(json_object_get(proc, "args"), 0)), "id");
    assert_true(has_string(penv, "PATH=/bin"));
    assert_true(has_string(penv, "HOSTNAME=xyz"));
    assert_false(has_string(penv, "HOSTNAME=abc"));
    assert_true(has_string(penv, "A=b"));
    assert_true(has_string(penv, "TERM=xterm"));
    assert_string_equal(json_get_str(proc, "cwd", ""), "/work");
    assert_int_equal(json_get_int(json_object_get(proc, "user"), "uid", -1), 1000);
    assert_int_equal(json_get_int(json_object_get(proc, "consoleSize"), "width", 0), 100);
    assert_false(has_string(json_object_get(json_object_get(proc, "capabilities"), "bounding"),
                            "CAP_SYS_ADMIN"));
}

static void test_exec_process_user_privileged(void **state)
{
    char *args[] = {"sh", NULL};
    gid_t groups[] = {10};
    struct runtime_exec x = {.args = args,
                             .cwd = "/tmp",
                             .set_user = true,
                             .uid = 65534,
                             .gid = 65534,
                             .groups = groups,
                             .n_groups = 1,
                             .privileged = true};
    _cleanup_json_ json_t *proc = exec_process(&x);
    const json_t *user = json_object_get(proc, "user");

    (void)state;
    assert_false(json_get_bool(proc, "terminal", true));
    assert_null(json_object_get(proc, "consoleSize"));
    assert_false(has_string(json_object_get(proc, "env"), "TERM=xterm"));
    assert_string_equal(json_get_str(proc, "cwd", ""), "/tmp");
    assert_int_equal(json_get_int(user, "uid", -1), 65534);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(user, "additionalGids"), 0)),
                     10);
    assert_true(has_string(json_object_get(json_object_get(proc, "capabilities"), "bounding"),
                           "CAP_SYS_ADMIN"));
}

static int64_t opts_limit(const char *text, int *rc)
{
    _cleanup_json_ json_t *opts = json_loads(text, 0, NULL);
    struct berr err = BERR_INIT;
    int64_t limit = 0;

    *rc = runtime_log_opts_check(opts, &limit, &err);
    berr_clear(&err);
    return limit;
}

static void test_log_opts(void **state)
{
    int rc;

    (void)state;
    assert_int_equal(opts_limit("{}", &rc), -1);
    assert_int_equal(rc, 0);
    assert_int_equal(opts_limit("{\"max-size\": \"1k\", \"max-file\": \"2\"}", &rc), 2000);
    assert_int_equal(opts_limit("{\"max-size\": \"10MB\"}", &rc), 10000000);
    assert_int_equal(opts_limit("{\"max-size\": \"2g\"}", &rc), 2000000000);
    assert_int_equal(opts_limit("{\"max-file\": \"3\"}", &rc), -1);
    assert_int_equal(rc, 0);
    opts_limit("{\"max-size\": \"1x\"}", &rc);
    assert_int_equal(rc, -1);
    opts_limit("{\"max-size\": \"1k\", \"max-file\": \"0\"}", &rc);
    assert_int_equal(rc, -1);
    opts_limit("{\"nope\": \"1\"}", &rc);
    assert_int_equal(rc, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_process_and_root),
        cmocka_unit_test(test_spec_default_caps),
        cmocka_unit_test(test_spec_cap_add_drop),
        cmocka_unit_test(test_spec_mounts_and_paths),
        cmocka_unit_test(test_spec_privileged_and_init),
        cmocka_unit_test(test_spec_resources_and_netns),
        cmocka_unit_test(test_log_parse),
        cmocka_unit_test(test_log_opts),
        cmocka_unit_test(test_error_exit_codes),
        cmocka_unit_test(test_exec_process),
        cmocka_unit_test(test_exec_process_user_privileged),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
