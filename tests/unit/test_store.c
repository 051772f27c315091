#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "unit.h"
#include "util/fs.h"
#include "util/mem.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/berth-store-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    struct berr err = BERR_INIT;

    (void)state;
    return fs_remove_all(dir, &err);
}

static void open_migrates_and_reopens(void **state)
{
    _cleanup_free_ char *path = xasprintf("%s/a.db", dir);
    struct store *s = NULL;
    struct berr err = BERR_INIT;
    char *val = NULL;

    (void)state;
    assert_int_equal(store_open(path, &s, &err), 0);
    assert_true(store_schema_version(s) >= 1);
    assert_int_equal(store_meta_set(s, "daemon-id", "abc", &err), 0);
    store_close(s);

    assert_int_equal(store_open(path, &s, &err), 0);
    assert_int_equal(store_meta_get(s, "daemon-id", &val, &err), 0);
    assert_string_equal(val, "abc");
    free(val);
    assert_int_equal(store_meta_get(s, "absent", &val, &err), 0);
    assert_null(val);
    store_close(s);
}

static void rollback_leaves_nothing(void **state)
{
    _cleanup_free_ char *path = xasprintf("%s/b.db", dir);
    struct store *s = NULL;
    struct berr err = BERR_INIT;
    char *val = NULL;

    (void)state;
    assert_int_equal(store_open(path, &s, &err), 0);
    assert_int_equal(store_tx_begin(s, &err), 0);
    assert_int_equal(store_meta_set(s, "k", "v", &err), 0);
    store_tx_rollback(s);
    assert_int_equal(store_meta_get(s, "k", &val, &err), 0);
    assert_null(val);

    assert_int_equal(store_tx_begin(s, &err), 0);
    assert_int_equal(store_meta_set(s, "k", "v", &err), 0);
    assert_int_equal(store_tx_commit(s, &err), 0);
    assert_int_equal(store_meta_get(s, "k", &val, &err), 0);
    assert_string_equal(val, "v");
    free(val);
    store_close(s);
}

static void bad_sql_reports_error(void **state)
{
    _cleanup_free_ char *path = xasprintf("%s/c.db", dir);
    struct store *s = NULL;
    struct berr err = BERR_INIT;

    (void)state;
    assert_int_equal(store_open(path, &s, &err), 0);
    assert_int_equal(store_exec(s, "SELECT * FROM nowhere", &err), -1);
    assert_non_null(strstr(berr_msg(&err), "no such table"));
    berr_clear(&err);
    store_close(s);
}

static void garbage_file_is_refused(void **state)
{
    _cleanup_free_ char *path = xasprintf("%s/d.db", dir);
    struct store *s = NULL;
    struct berr err = BERR_INIT;

    (void)state;
    assert_int_equal(
        fs_write_atomic(path, "this is not a database at all, not at all....", 46, 0600, &err), 0);
    assert_int_equal(store_open(path, &s, &err), -1);
    assert_true(berr_is_set(&err));
    berr_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(open_migrates_and_reopens),
        cmocka_unit_test(rollback_leaves_nothing),
        cmocka_unit_test(bad_sql_reports_error),
        cmocka_unit_test(garbage_file_is_refused),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
