#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/config.h"
#include "unit.h"
#include "util/fs.h"
#include "util/mem.h"

static void json_keys_apply(void **state)
{
    struct berth_config cfg = {0};
    struct berr err = BERR_INIT;
    const char *text = "{\"data-root\":\"/d\",\"debug\":true,\"hosts\":[\"unix:///s\"],"
                       "\"runtimes\":{\"mine\":{\"path\":\"/bin/mine\",\"runtimeArgs\":[\"-x\"]}},"
                       "\"log-opts\":{\"max-size\":\"10m\"},\"iptables\":false}";

    (void)state;
    assert_int_equal(config_apply_json(&cfg, text, NULL, &err), 0);
    config_set_defaults(&cfg);
    assert_string_equal(cfg.data_root, "/d");
    assert_true(cfg.debug);
    assert_string_equal(cfg.log_level, "debug");
    assert_string_equal(config_unix_socket(&cfg), "/s");
    assert_string_equal(config_find_runtime(&cfg, "mine")->path, "/bin/mine");
    assert_string_equal(config_find_runtime(&cfg, "mine")->args[0], "-x");
    assert_false(cfg.iptables);
    assert_string_equal(cfg.exec_root, CONFIG_DEFAULT_EXEC_ROOT);
    assert_string_equal(cfg.pidfile, "/run/berth/berthd.pid");
    config_release(&cfg);
}

static void unknown_keys_are_named(void **state)
{
    struct berth_config cfg = {0};
    struct berr err = BERR_INIT;

    (void)state;
    assert_int_equal(
        config_apply_json(&cfg, "{\"debug\":true,\"colour\":1,\"size\":2}", NULL, &err), -1);
    assert_int_equal(err.kind, BERR_INVALID);
    assert_string_equal(berr_msg(&err), "the following directives don't match any "
                                        "configuration option: colour, size");
    berr_clear(&err);
    config_release(&cfg);
}

static void wrong_types_are_refused(void **state)
{
    static const char *const cases[][2] = {
        {"{\"debug\":\"yes\"}", "invalid value for \"debug\": expected true or false"},
        {"{\"data-root\":5}", "invalid value for \"data-root\": expected a string"},
        {"{\"hosts\":\"unix:///x\"}", "invalid value for \"hosts\": expected a list of strings"},
        {"{\"hosts\":[1]}", "invalid value for \"hosts\": expected a list of strings"},
        {"{\"log-opts\":{\"a\":1}}",
         "invalid value for \"log-opts\": expected an object of strings"},
        {"{\"runtimes\":{\"x\":{}}}", "invalid value for \"runtimes\": runtime x needs a path"},
        {"[1]", "invalid configuration: the top level must be a JSON object"},
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct berth_config cfg = {0};
        struct berr err = BERR_INIT;

        assert_int_equal(config_apply_json(&cfg, cases[i][0], NULL, &err), -1);
        assert_string_equal(berr_msg(&err), cases[i][1]);
        berr_clear(&err);
        config_release(&cfg);
    }
}

static void flag_and_file_conflict(void **state)
{
    struct berth_config cfg = {0};
    struct berr err = BERR_INIT;
    const char *const flags[] = {"data-root", NULL};

    (void)state;
    assert_int_equal(config_apply_json(&cfg, "{\"data-root\":\"/x\"}", flags, &err), -1);
    assert_string_equal(berr_msg(&err), "the following directives are specified both as a "
                                        "flag and in the configuration file: data-root");
    berr_clear(&err);
    config_release(&cfg);
}

static void flags_beat_defaults_and_file(void **state)
{
    char path[] = "/tmp/berth-config-XXXXXX";
    int fd = mkstemp(path);
    struct berth_config cfg = {0};
    struct berr err = BERR_INIT;
    char *argv[] = {"berthd", "--config-file", path,       "--data-root", "/flag", "-l",
                    "warn",   "--add-runtime", "x=/bin/x", NULL};

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "{\"exec-root\":\"/file\"}", 21), 21);
    close(fd);
    assert_int_equal(config_load(&cfg, 9, argv, &err), CONFIG_OK);
    assert_string_equal(cfg.data_root, "/flag");
    assert_string_equal(cfg.exec_root, "/file");
    assert_string_equal(cfg.log_level, "warn");
    assert_string_equal(config_find_runtime(&cfg, "x")->path, "/bin/x");
    assert_true(cfg.iptables);
    config_release(&cfg);
    unlink(path);
}

static void missing_named_file_is_an_error(void **state)
{
    struct berth_config cfg = {0};
    struct berr err = BERR_INIT;
    char *argv[] = {"berthd", "--config-file", "/nonexistent/daemon.json", NULL};

    (void)state;
    assert_int_equal(config_load(&cfg, 3, argv, &err), -1);
    assert_non_null(strstr(berr_msg(&err), "/nonexistent/daemon.json"));
    berr_clear(&err);
    config_release(&cfg);
}

static void bad_flags(void **state)
{
    static char *cases[][3] = {
        {"berthd", "--log-level", "chatty"},
        {"berthd", "--add-runtime", "nopath"},
        {"berthd", "--bogus", NULL},
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct berth_config cfg = {0};
        struct berr err = BERR_INIT;
        int argc = cases[i][2] ? 3 : 2;

        assert_int_equal(config_load(&cfg, argc, cases[i], &err), -1);
        assert_int_equal(err.kind, BERR_INVALID);
        berr_clear(&err);
        config_release(&cfg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_keys_apply),
        cmocka_unit_test(unknown_keys_are_named),
        cmocka_unit_test(wrong_types_are_refused),
        cmocka_unit_test(flag_and_file_conflict),
        cmocka_unit_test(flags_beat_defaults_and_file),
        cmocka_unit_test(missing_named_file_is_an_error),
        cmocka_unit_test(bad_flags),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
