#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

static void err_set_appends_strerror_once(void **state)
{
    struct berr err = BERR_INIT;

    (void)state;
    assert_int_equal(berr_system(&err, ENOENT, "open %s", "/x"), -1);
    assert_string_equal(berr_msg(&err), "open /x: No such file or directory");
    assert_int_equal(err.kind, BERR_SYSTEM);
    berr_wrap(&err, "create container %s", "abc");
    assert_string_equal(berr_msg(&err), "create container abc: open /x: No such file or directory");
    assert_int_equal(err.errnum, ENOENT);
    berr_clear(&err);
    assert_false(berr_is_set(&err));
    assert_string_equal(berr_msg(&err), "");
}

static void err_kinds_map_to_statuses(void **state)
{
    (void)state;
    assert_int_equal(berr_http_status(BERR_INVALID), 400);
    assert_int_equal(berr_http_status(BERR_NOT_FOUND), 404);
    assert_int_equal(berr_http_status(BERR_CONFLICT), 409);
    assert_int_equal(berr_http_status(BERR_FORBIDDEN), 403);
    assert_int_equal(berr_http_status(BERR_UNAVAILABLE), 503);
    assert_int_equal(berr_http_status(BERR_NOT_IMPLEMENTED), 501);
    assert_int_equal(berr_http_status(BERR_NOT_MODIFIED), 304);
    assert_int_equal(berr_http_status(BERR_SYSTEM), 500);
}

static void err_move_resets_source(void **state)
{
    struct berr a = BERR_INIT;
    struct berr b = BERR_INIT;

    (void)state;
    berr_not_found(&a, "No such container: %s", "x");
    berr_invalid(&b, "old");
    berr_move(&b, &a);
    assert_false(berr_is_set(&a));
    assert_int_equal(b.kind, BERR_NOT_FOUND);
    assert_string_equal(berr_msg(&b), "No such container: x");
    berr_clear(&b);
}

static void strv_helpers(void **state)
{
    _cleanup_strv_ char **v = NULL;
    _cleanup_strv_ char **copy = NULL;

    (void)state;
    assert_int_equal(strv_len(v), 0);
    strv_push(&v, "a");
    strv_push_take(&v, xstrdup("b"));
    assert_int_equal(strv_len(v), 2);
    copy = strv_dup(v);
    assert_string_equal(copy[1], "b");
    assert_null(copy[2]);
}

static void json_getters_use_defaults(void **state)
{
    _cleanup_json_ json_t *j = json_loads("{\"s\":\"x\",\"i\":5,\"b\":true,\"n\":null}", 0, NULL);
    const char *s = NULL;
    int64_t i = 0;

    (void)state;
    assert_string_equal(json_get_str(j, "s", "d"), "x");
    assert_string_equal(json_get_str(j, "n", "d"), "d");
    assert_int_equal(json_get_int(j, "i", 0), 5);
    assert_int_equal(json_get_int(j, "missing", 7), 7);
    assert_true(json_get_bool(j, "b", false));
    assert_int_equal(json_opt_str(j, "i", &s), -1);
    assert_int_equal(json_opt_int(j, "i", &i), 1);
    assert_int_equal(i, 5);
    assert_int_equal(json_opt_int(j, "n", &i), 0);
}

static void json_time_round_trip(void **state)
{
    _cleanup_free_ char *zero = json_time_format(-62135596800LL, 0);
    _cleanup_free_ char *t = json_time_format(1735689600, 120000000);
    int64_t sec;
    long nsec;

    (void)state;
    assert_string_equal(zero, "0001-01-01T00:00:00Z");
    assert_string_equal(t, "2025-01-01T00:00:00.12Z");
    assert_int_equal(json_time_parse(t, &sec, &nsec), 0);
    assert_int_equal(sec, 1735689600);
    assert_int_equal(nsec, 120000000);
    assert_int_equal(json_time_parse("2025-01-01T01:00:00+01:00", &sec, &nsec), 0);
    assert_int_equal(sec, 1735689600);
    assert_int_equal(json_time_parse("yesterday", &sec, &nsec), -1);
}

static void fs_write_atomic_and_remove(void **state)
{
    char dir[] = "/tmp/berth-unit-XXXXXX";
    _cleanup_free_ char *nested = NULL;
    _cleanup_free_ char *file = NULL;
    _cleanup_free_ char *text = NULL;
    struct berr err = BERR_INIT;
    size_t len = 0;

    (void)state;
    assert_non_null(mkdtemp(dir));
    nested = xasprintf("%s/a/b/c", dir);
    assert_int_equal(fs_mkdir_p(nested, 0755, &err), 0);
    file = xasprintf("%s/f", nested);
    assert_int_equal(fs_write_atomic(file, "hello", 5, 0600, &err), 0);
    assert_int_equal(fs_read_file(file, &text, &len, &err), 0);
    assert_string_equal(text, "hello");
    assert_int_equal(len, 5);
    assert_int_equal(fs_remove_all(dir, &err), 0);
    assert_false(fs_exists(dir));
    assert_int_equal(fs_remove_all(dir, &err), 0);
    assert_int_equal(fs_read_file(file, &text, &len, &err), -1);
    assert_int_equal(err.kind, BERR_NOT_FOUND);
    berr_clear(&err);
}

static void log_levels_parse(void **state)
{
    (void)state;
    assert_int_equal(log_level_parse("debug"), LOG_LEVEL_DEBUG);
    assert_int_equal(log_level_parse("WARN"), LOG_LEVEL_WARN);
    assert_int_equal(log_level_parse("warning"), LOG_LEVEL_WARN);
    assert_int_equal(log_level_parse("fatal"), LOG_LEVEL_FATAL);
    assert_int_equal(log_level_parse("chatty"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(err_set_appends_strerror_once),
        cmocka_unit_test(err_kinds_map_to_statuses),
        cmocka_unit_test(err_move_resets_source),
        cmocka_unit_test(strv_helpers),
        cmocka_unit_test(json_getters_use_defaults),
        cmocka_unit_test(json_time_round_trip),
        cmocka_unit_test(fs_write_atomic_and_remove),
        cmocka_unit_test(log_levels_parse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
