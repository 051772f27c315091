/* Unit tests of image/: references, chain IDs, safe layer extraction
 * (whiteouts, escapes), and the store round trip add → create → resolve →
 * tag → delete. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image/image.h"
#include "store/store.h"
#include "unit.h"
#include "util/fs.h"
#include "util/mem.h"

static char dir[64];
static struct store *db;
static struct image_store *is;

static int setup(void **state)
{
    struct berr err = BERR_INIT;
    _cleanup_free_ char *path = NULL;
    _cleanup_free_ char *tmp = NULL;

    (void)state;
    strcpy(dir, "/tmp/berth-image-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    path = xasprintf("%s/berth.db", dir);
    tmp = xasprintf("%s/tmp", dir);
    if (store_open(path, &db, &err) < 0 || image_store_open(db, dir, tmp, NULL, &is, &err) < 0) {
        fprintf(stderr, "setup: %s\n", berr_msg(&err));
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    struct berr err = BERR_INIT;

    (void)state;
    image_store_free(is);
    store_close(db);
    return fs_remove_all(dir, &err);
}

/* ---- references ---- */

static void check_ref(const char *in, const char *full, const char *familiar)
{
    struct image_ref r;
    struct berr err = BERR_INIT;
    _cleanup_free_ char *f = NULL;
    _cleanup_free_ char *fam = NULL;

    assert_int_equal(image_ref_parse(in, &r, &err), 0);
    image_ref_default_tag(&r);
    f = image_ref_full(&r);
    fam = image_ref_familiar(&r);
    assert_string_equal(f, full);
    assert_string_equal(fam, familiar);
    image_ref_release(&r);
}

static void refs_normalise(void **state)
{
    (void)state;
    check_ref("busybox", "docker.io/library/busybox:latest", "busybox:latest");
    check_ref("busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36");
    check_ref("docker.io/library/busybox", "docker.io/library/busybox:latest", "busybox:latest");
    check_ref("index.docker.io/library/x", "docker.io/library/x:latest", "x:latest");
    check_ref("user/app:v1", "docker.io/user/app:v1", "user/app:v1");
    check_ref("localhost:5000/a/b:2", "localhost:5000/a/b:2", "localhost:5000/a/b:2");
    check_ref("localhost/x", "localhost/x:latest", "localhost/x:latest");
    check_ref("quay.io/org/img", "quay.io/org/img:latest", "quay.io/org/img:latest");
    check_ref("a@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
              "docker.io/library/a@sha256:0123456789abcdef0123456789abcdef0123456789abcdef"
              "0123456789abcdef",
              "a@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
}

static void refs_refused(void **state)
{
    struct image_ref r;
    struct berr err = BERR_INIT;

    (void)state;
    assert_int_equal(image_ref_parse("Busybox", &r, &err), -1);
    assert_string_equal(berr_msg(&err),
                        "invalid reference format: repository name (library/Busybox) must be "
                        "lowercase");
    berr_clear(&err);
    assert_int_equal(image_ref_parse("a::b", &r, &err), -1);
    assert_int_equal(err.kind, BERR_INVALID);
    berr_clear(&err);
    assert_int_equal(image_ref_parse("bad_/name", &r, &err), -1);
    berr_clear(&err);
    assert_int_equal(
        image_ref_parse("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", &r,
                        &err),
        -1);
    assert_non_null(strstr(berr_msg(&err), "cannot specify 64-byte hexadecimal strings"));
    berr_clear(&err);
}

static void chain_ids(void **state)
{
    const char *d0 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const char *d1 = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    char c0[IMAGE_DIGEST_LEN + 1], c1[IMAGE_DIGEST_LEN + 1], want[IMAGE_DIGEST_LEN + 1];
    _cleanup_free_ char *joined = xasprintf("%s %s", d0, d1);

    (void)state;
    image_chain_id(NULL, d0, c0);
    assert_string_equal(c0, d0);
    image_chain_id(c0, d1, c1);
    image_digest(joined, strlen(joined), want);
    assert_string_equal(c1, want);
    assert_true(image_digest_valid(c1));
    assert_false(image_digest_valid("sha256:abc"));
    assert_true(image_is_id_prefix(c1, c1 + 7));
    assert_false(image_is_id_prefix(c1, "sha256:"));
    assert_true(image_is_id_prefix(c0, "sha256:111"));
    assert_false(image_is_id_prefix(c0, "112"));
}

/* ---- layers ---- */

struct ent {
    const char *name;
    mode_t type;
    const char *data; /* contents, or link target */
};

/* Write a tar of entries to a new file; returns an fd at offset 0. */
static int make_tar(const struct ent *ents, size_t n)
{
    _cleanup_free_ char *path = xasprintf("%s/in-XXXXXX", dir);
    int fd = mkstemp(path);
    struct archive *a = archive_write_new();

    unlink(path);
    archive_write_set_format_pax_restricted(a);
    archive_write_open_fd(a, fd);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, ents[i].name);
        archive_entry_set_perm(e, 0644);
        if (ents[i].type == 0) {
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_hardlink(e, ents[i].data);
        } else {
            archive_entry_set_filetype(e, ents[i].type);
        }
        if (ents[i].type == AE_IFLNK)
            archive_entry_set_symlink(e, ents[i].data);
        if (ents[i].type == AE_IFREG)
            archive_entry_set_size(e, (la_int64_t)strlen(ents[i].data));
        archive_write_header(a, e);
        if (ents[i].type == AE_IFREG)
            archive_write_data(a, ents[i].data, strlen(ents[i].data));
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    lseek(fd, 0, SEEK_SET);
    return fd;
}

static size_t count_entries(const char *path)
{
    _cleanup_closedir_ DIR *d = opendir(path);
    struct dirent *de;
    size_t n = 0;

    while (d && (de = readdir(d)))
        n += de->d_name[0] != '.';
    return n;
}

static void expect_refused(const struct ent *ents, size_t n, const char *needle)
{
    _cleanup_close_ int fd = make_tar(ents, n);
    _cleanup_free_ char *layers = xasprintf("%s/image/overlay2", dir);
    _cleanup_free_ char *tmp = xasprintf("%s/tmp", dir);
    char diff[IMAGE_DIGEST_LEN + 1];
    struct berr err = BERR_INIT;

    assert_int_equal(image_layer_add(is, fd, NULL, NULL, diff, &err), -1);
    if (!strstr(berr_msg(&err), needle))
        fail_msg("error [%s] lacks [%s]", berr_msg(&err), needle);
    berr_clear(&err);
    assert_int_equal(count_entries(layers), 0);
    assert_int_equal(count_entries(tmp), 0);
}

static void layer_escapes_refused(void **state)
{
    const struct ent traversal[] = {{"ok", AE_IFREG, "x"}, {"a/../../escape", AE_IFREG, "x"}};
    const struct ent absolute[] = {{"/etc/escape", AE_IFREG, "x"}};
    const struct ent symlink[] = {{"evil", AE_IFLNK, "/tmp"}, {"evil/escape", AE_IFREG, "x"}};
    const struct ent rel_symlink[] = {{"up", AE_IFLNK, "../../.."}, {"up/x", AE_IFREG, "x"}};
    const struct ent hardlink[] = {{"hl", 0, "../../etc/passwd"}};

    (void)state;
    expect_refused(traversal, 2, "refusing archive entry a/../../escape");
    expect_refused(absolute, 1, "refusing archive entry /etc/escape");
    expect_refused(symlink, 2, "refusing archive entry evil/escape");
    expect_refused(rel_symlink, 2, "refusing archive entry up/x");
    expect_refused(hardlink, 1, "refusing archive entry hl");
    assert_false(fs_exists("/tmp/escape"));
}

static void layer_whiteouts_and_store(void **state)
{
    const struct ent ents[] = {
        {"bin/", AE_IFDIR, ""},         {"bin/tool", AE_IFREG, "hello"},
        {"bin/alias", 0, "bin/tool"},   {"bin/sh", AE_IFLNK, "tool"},
        {"etc/.wh.gone", AE_IFREG, ""}, {"opq/.wh..wh..opq", AE_IFREG, ""},
    };
    _cleanup_close_ int fd = make_tar(ents, ARRAY_SIZE(ents));
    char diff[IMAGE_DIGEST_LEN + 1];
    struct berr err = BERR_INIT;
    _cleanup_free_ char *config = NULL;
    _cleanup_free_ char *id = NULL;
    _cleanup_free_ char *found = NULL;
    _cleanup_strv_ char **dirs = NULL;
    _cleanup_strv_ char **removed = NULL;
    bool existed;
    struct stat st;
    char val[4] = "";

    (void)state;
    assert_int_equal(image_layer_add(is, fd, NULL, NULL, diff, &err), 0);
    config = xasprintf("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},"
                       "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}",
                       diff);
    assert_int_equal(image_create(is, config, strlen(config), &id, &existed, &err), 0);
    assert_false(existed);
    assert_int_equal(image_tag(is, id, "docker.io/library/t:1", NULL, &err), 0);
    assert_int_equal(image_resolve(is, "t:1", &found, &err), 0);
    assert_string_equal(found, id);

    assert_int_equal(image_layer_dirs(is, id, &dirs, &err), 0);
    assert_non_null(dirs[0]);
    assert_null(dirs[1]);
    _cleanup_free_ char *tool = xasprintf("%s/bin/tool", dirs[0]);
    _cleanup_free_ char *alias = xasprintf("%s/bin/alias", dirs[0]);
    _cleanup_free_ char *wh = xasprintf("%s/etc/gone", dirs[0]);
    _cleanup_free_ char *opq = xasprintf("%s/opq", dirs[0]);
    assert_int_equal(stat(tool, &st), 0);
    assert_int_equal(st.st_nlink, 2);
    assert_int_equal(lstat(alias, &st), 0);
    assert_int_equal(lstat(wh, &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    assert_int_equal(st.st_rdev, makedev(0, 0));
    assert_int_equal(getxattr(opq, "trusted.overlay.opaque", val, sizeof(val)), 1);
    assert_int_equal(val[0], 'y');

    assert_int_equal(image_delete(is, id, &removed, &err), 0);
    assert_string_equal(removed[0], diff);
    assert_false(fs_exists(dirs[0]));
    free(found);
    found = NULL;
    assert_int_equal(image_resolve(is, "t:1", &found, &err), -1);
    assert_string_equal(berr_msg(&err), "No such image: t:1");
    berr_clear(&err);
}

static void layer_diff_id_checked(void **state)
{
    const struct ent ents[] = {{"f", AE_IFREG, "data"}};
    _cleanup_close_ int fd = make_tar(ents, 1);
    char diff[IMAGE_DIGEST_LEN + 1];
    struct berr err = BERR_INIT;
    const char *wrong = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

    (void)state;
    assert_int_equal(image_layer_add(is, fd, NULL, wrong, diff, &err), -1);
    assert_non_null(strstr(berr_msg(&err), "expected \"sha256:0000"));
    berr_clear(&err);
    assert_false(image_layer_exists(is, wrong));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refs_normalise),
        cmocka_unit_test(refs_refused),
        cmocka_unit_test(chain_ids),
        cmocka_unit_test(layer_escapes_refused),
        cmocka_unit_test(layer_whiteouts_and_store),
        cmocka_unit_test(layer_diff_id_checked),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
