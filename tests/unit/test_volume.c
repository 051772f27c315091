/* Unit tests of volume/: Binds and Mounts parsing with dockerd's rules,
 * names, driver options, the store round trip with uses, and copy-up
 * (including a symlink of the image that points out of its root). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "unit.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"
#include "volume/volume.h"

static char dir[64];
static struct store *db;
static struct volume_store *vs;

static int setup(void **state)
{
    struct berr err = BERR_INIT;
    _cleanup_free_ char *path = NULL;
    _cleanup_free_ char *root = NULL;
    size_t n;

    (void)state;
    /* mkdtemp's template ends in six 'X'. */
    n = strlen(strcpy(dir, "/tmp/berth-volume-"));
    memset(dir + n, 'X', 6);
    dir[n + 6] = '\0';
    if (!mkdtemp(dir))
        return -1;
    path = xasprintf("%s/berth.db", dir);
    root = xasprintf("%s/volumes", dir);
    if (store_open(path, &db, &err) < 0 || volume_store_open(db, root, &vs, &err) < 0) {
        fprintf(stderr, "setup: %s\n", berr_msg(&err));
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    struct berr err = BERR_INIT;

    (void)state;
    volume_store_free(vs);
    store_close(db);
    fs_remove_all(dir, &err);
    berr_clear(&err);
    return 0;
}

static void expect_bind_error(const char *raw, const char *msg)
{
    struct volume_mount_spec s;
    struct berr err = BERR_INIT;

    assert_int_equal(volume_parse_bind(raw, &s, &err), -1);
    assert_int_equal(err.kind, BERR_INVALID);
    assert_string_equal(berr_msg(&err), msg);
    berr_clear(&err);
}

static void test_parse_bind(void **state)
{
    struct volume_mount_spec s;
    struct berr err = BERR_INIT;

    (void)state;
    assert_int_equal(volume_parse_bind("data:/srv/./x/:ro", &s, &err), 0);
    assert_string_equal(s.type, "volume");
    assert_string_equal(s.source, "data");
    assert_string_equal(s.target, "/srv/x");
    assert_string_equal(s.mode, "ro");
    assert_false(s.rw);
    assert_true(s.copy);
    volume_mount_spec_release(&s);

    assert_int_equal(volume_parse_bind("/anon", &s, &err), 0);
    assert_string_equal(s.type, "volume");
    assert_string_equal(s.source, "");
    assert_true(s.rw);
    volume_mount_spec_release(&s);

    assert_int_equal(volume_parse_bind("/host//dir:/c:rw,nocopy", &s, &err), 0);
    assert_string_equal(s.type, "bind");
    assert_string_equal(s.source, "/host/dir");
    assert_false(s.copy);
    volume_mount_spec_release(&s);

    expect_bind_error("/foo:rw", "invalid volume specification: '/foo:rw'");
    expect_bind_error(":/x", "invalid volume specification: ':/x'");
    expect_bind_error("a:/b:c:d", "invalid volume specification: 'a:/b:c:d'");
    expect_bind_error("v:/x:ro,rw", "invalid mode: ro,rw");
    expect_bind_error("v:rel", "invalid volume specification: 'v:rel': invalid mount config for "
                               "type \"volume\": invalid mount path: 'rel' mount path must be "
                               "absolute");
    expect_bind_error("v:/", "invalid volume specification: 'v:/': invalid mount config for type "
                             "\"volume\": invalid specification: destination can't be '/'");
}

static void test_parse_mount(void **state)
{
    struct volume_mount_spec s;
    struct berr err = BERR_INIT;
    _cleanup_json_ json_t *m =
        json_pack("{s:s,s:s,s:s,s:b,s:{s:b,s:{s:s},s:{s:s,s:{s:s}}}}", "Type", "volume", "Source",
                  "v", "Target", "/d", "ReadOnly", 1, "VolumeOptions", "NoCopy", 1, "Labels", "k",
                  "x", "DriverConfig", "Name", "local", "Options", "type", "tmpfs");
    _cleanup_json_ json_t *bad =
        json_pack("{s:s,s:s,s:b}", "Type", "volume", "Target", "/d", "ReadOnly", 1);
    _cleanup_json_ json_t *bind =
        json_pack("{s:s,s:s,s:s}", "Type", "bind", "Source", "/h", "Target", "/d");

    (void)state;
    assert_int_equal(volume_parse_mount(m, &s, &err), 0);
    assert_string_equal(s.source, "v");
    assert_false(s.rw);
    assert_false(s.copy);
    assert_string_equal(json_get_str(s.labels, "k", ""), "x");
    assert_string_equal(json_get_str(s.driver_opts, "type", ""), "tmpfs");
    volume_mount_spec_release(&s);

    assert_int_equal(volume_parse_mount(bad, &s, &err), -1);
    assert_string_equal(berr_msg(&err), "invalid mount config for type \"volume\": must not set "
                                        "ReadOnly mode when using anonymous volumes");
    berr_clear(&err);

    assert_int_equal(volume_parse_mount(bind, &s, &err), 0);
    assert_string_equal(s.type, "bind");
    assert_null(s.target);
    volume_mount_spec_release(&s);
}

static void test_names(void **state)
{
    (void)state;
    assert_true(volume_name_valid("ab"));
    assert_true(volume_name_valid("a_b.c-d9"));
    assert_false(volume_name_valid("a"));
    assert_false(volume_name_valid("_ab"));
    assert_false(volume_name_valid("a/b"));
    assert_false(volume_name_valid("../x"));
    assert_false(volume_name_valid(""));
}

static void test_create_inspect_remove(void **state)
{
    struct berr err = BERR_INIT;
    _cleanup_json_ json_t *v = NULL;
    _cleanup_json_ json_t *again = NULL;
    _cleanup_json_ json_t *gone = NULL;
    _cleanup_json_ json_t *labels = json_pack("{s:s}", "a", "b");
    _cleanup_json_ json_t *list = NULL;
    _cleanup_free_ char *data = xasprintf("%s/volumes/vol1/_data", dir);
    bool created = false;

    (void)state;
    assert_int_equal(volume_create(vs, "vol1", labels, NULL, &v, &created, &err), 0);
    assert_true(created);
    assert_string_equal(json_get_str(v, "Mountpoint", ""), data);
    assert_string_equal(json_get_str(v, "Driver", ""), "local");
    assert_true(json_is_null(json_object_get(v, "Options")));
    assert_true(fs_exists(data));

    assert_int_equal(volume_create(vs, "vol1", NULL, NULL, &again, &created, &err), 0);
    assert_false(created);
    assert_string_equal(json_get_str(json_object_get(again, "Labels"), "a", ""), "b");

    assert_int_equal(volume_list(vs, &list, &err), 0);
    assert_int_equal(json_array_size(list), 1);

    assert_int_equal(volume_remove(vs, "vol1", false, &err), 0);
    assert_false(fs_exists(data));
    assert_int_equal(volume_inspect(vs, "vol1", &gone, &err), -1);
    assert_int_equal(err.kind, BERR_NOT_FOUND);
    assert_string_equal(berr_msg(&err), "get vol1: no such volume");
    berr_clear(&err);
    assert_int_equal(volume_remove(vs, "vol1", true, &err), 0);
}

static void test_create_errors_and_anonymous(void **state)
{
    struct berr err = BERR_INIT;
    _cleanup_json_ json_t *v = NULL;
    _cleanup_json_ json_t *bogus = json_pack("{s:s}", "bogus", "1");
    _cleanup_json_ json_t *half = json_pack("{s:s}", "type", "tmpfs");

    (void)state;
    assert_int_equal(volume_create(vs, "x", NULL, NULL, &v, NULL, &err), -1);
    assert_string_equal(berr_msg(&err), "create x: volume name is too short, names should be at "
                                        "least two alphanumeric characters");
    berr_clear(&err);
    assert_int_equal(volume_create(vs, "ok", NULL, bogus, &v, NULL, &err), -1);
    assert_string_equal(berr_msg(&err), "create ok: invalid option: \"bogus\"");
    berr_clear(&err);
    assert_int_equal(volume_create(vs, "ok", NULL, half, &v, NULL, &err), -1);
    assert_string_equal(berr_msg(&err), "create ok: missing required option: \"device\"");
    berr_clear(&err);

    assert_int_equal(volume_create(vs, NULL, NULL, NULL, &v, NULL, &err), 0);
    assert_int_equal(strlen(json_get_str(v, "Name", "")), 64);
    assert_int_equal(volume_remove(vs, json_get_str(v, "Name", ""), false, &err), 0);
}

static void test_in_use(void **state)
{
    struct berr err = BERR_INIT;
    _cleanup_json_ json_t *v = NULL;
    _cleanup_strv_ char **names = NULL;

    (void)state;
    assert_int_equal(volume_create(vs, "shared", NULL, NULL, &v, NULL, &err), 0);
    assert_int_equal(volume_ref_add(vs, "shared", "c1", &err), 0);
    assert_int_equal(volume_ref_add(vs, "shared", "c2", &err), 0);
    assert_int_equal(volume_ref_add(vs, "shared", "c2", &err), 0);
    assert_int_equal(volume_remove(vs, "shared", true, &err), -1);
    assert_int_equal(err.kind, BERR_CONFLICT);
    assert_string_equal(berr_msg(&err), "remove shared: volume is in use - [c1, c2]");
    berr_clear(&err);

    assert_int_equal(volume_refs_drop(vs, "c1", &names, &err), 0);
    assert_string_equal(names[0], "shared");
    assert_null(names[1]);
    assert_int_equal(volume_refs_sweep(vs, "SELECT 'none'", &err), 0);
    assert_int_equal(volume_remove(vs, "shared", false, &err), 0);
}

static void write_file(const char *path, const char *text)
{
    struct berr err = BERR_INIT;

    assert_int_equal(fs_write_atomic(path, text, strlen(text), 0640, &err), 0);
}

static void test_copy_up(void **state)
{
    struct berr err = BERR_INIT;
    _cleanup_free_ char *root = xasprintf("%s/rootfs", dir);
    _cleanup_free_ char *etc = xasprintf("%s/rootfs/etc/sub", dir);
    _cleanup_free_ char *secret = xasprintf("%s/secret", dir);
    _cleanup_free_ char *dst = xasprintf("%s/dst", dir);
    _cleanup_free_ char *dst2 = xasprintf("%s/dst2", dir);
    _cleanup_free_ char *p = NULL;
    _cleanup_free_ char *text = NULL;
    char link[64];
    ssize_t n;

    (void)state;
    assert_int_equal(fs_mkdir_p(etc, 0755, &err), 0);
    assert_int_equal(fs_mkdir_p(dst, 0755, &err), 0);
    assert_int_equal(fs_mkdir_p(dst2, 0755, &err), 0);
    p = xasprintf("%s/rootfs/etc/passwd", dir);
    write_file(p, "root:x:0:0\n");
    free(p);
    p = xasprintf("%s/rootfs/etc/sub/l", dir);
    assert_int_equal(symlink("../passwd", p), 0);
    free(p);
    /* A link of the image to a host path resolves inside the rootfs. */
    assert_int_equal(fs_mkdir_p(secret, 0700, &err), 0);
    p = xasprintf("%s/secret/key", dir);
    write_file(p, "host secret");
    free(p);
    p = xasprintf("%s/rootfs/escape", dir);
    assert_int_equal(symlink(secret, p), 0);

    assert_int_equal(volume_copy_up(root, "/etc", dst, &err), 0);
    free(p);
    p = xasprintf("%s/passwd", dst);
    assert_int_equal(fs_read_file(p, &text, NULL, &err), 0);
    assert_string_equal(text, "root:x:0:0\n");
    free(p);
    p = xasprintf("%s/sub/l", dst);
    n = readlink(p, link, sizeof(link) - 1);
    assert_true(n > 0);
    link[n] = '\0';
    assert_string_equal(link, "../passwd");

    assert_int_equal(volume_copy_up(root, "/escape", dst2, &err), 0);
    free(p);
    p = xasprintf("%s/key", dst2);
    assert_false(fs_exists(p));
    assert_int_equal(volume_copy_up(root, "/nonexistent", dst2, &err), 0);
}

static void test_copy_up_skips_non_empty(void **state)
{
    struct berr err = BERR_INIT;
    _cleanup_free_ char *root = xasprintf("%s/rootfs2", dir);
    _cleanup_free_ char *src = xasprintf("%s/rootfs2/data", dir);
    _cleanup_free_ char *dst = xasprintf("%s/dst3", dir);
    _cleanup_free_ char *p = xasprintf("%s/rootfs2/data/a", dir);
    _cleanup_free_ char *mine = xasprintf("%s/dst3/mine", dir);
    _cleanup_free_ char *copied = xasprintf("%s/dst3/a", dir);

    (void)state;
    assert_int_equal(fs_mkdir_p(src, 0755, &err), 0);
    assert_int_equal(fs_mkdir_p(dst, 0755, &err), 0);
    write_file(p, "a");
    write_file(mine, "m");
    assert_int_equal(volume_copy_up(root, "/data", dst, &err), 0);
    assert_false(fs_exists(copied));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_bind),
        cmocka_unit_test(test_parse_mount),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_create_inspect_remove),
        cmocka_unit_test(test_create_errors_and_anonymous),
        cmocka_unit_test(test_in_use),
        cmocka_unit_test(test_copy_up),
        cmocka_unit_test(test_copy_up_skips_non_empty),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
