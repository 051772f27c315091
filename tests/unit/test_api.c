#include <string.h>

#include "api/api-internal.h"
#include "api/api.h"
#include "unit.h"
#include "util/json.h"
#include "util/mem.h"

static void version_prefix_split(void **state)
{
    const char *rest = NULL;
    int v = 0;

    (void)state;
    assert_int_equal(api_split_version("/v1.45/containers/json", &v, &rest), 1);
    assert_int_equal(v, 145);
    assert_string_equal(rest, "/containers/json");
    assert_int_equal(api_split_version("/v1.24/_ping", &v, &rest), 1);
    assert_int_equal(v, 124);
    assert_int_equal(api_split_version("/containers/json", &v, &rest), 0);
    assert_int_equal(api_split_version("/volumes", &v, &rest), 0);
    assert_int_equal(api_split_version("/v1./x", &v, &rest), -1);
}

static void version_bounds(void **state)
{
    struct berr err = BERR_INIT;

    (void)state;
    assert_int_equal(api_check_version("1.45", 145, &err), 0);
    assert_int_equal(api_check_version("1.24", 124, &err), 0);
    assert_int_equal(api_check_version("1.99", 199, &err), -1);
    assert_string_equal(berr_msg(&err),
                        "client version 1.99 is too new. Maximum supported API version is 1.45");
    assert_int_equal(api_check_version("1.12", 112, &err), -1);
    assert_string_equal(berr_msg(&err),
                        "client version 1.12 is too old. Minimum supported API version is 1.24, "
                        "please upgrade your client to a newer version");
    berr_clear(&err);
    assert_int_equal(api_version_number("1.45"), 145);
    assert_int_equal(api_version_number("x"), -1);
}

static void query_booleans(void **state)
{
    (void)state;
    assert_false(api_parse_bool(""));
    assert_false(api_parse_bool("0"));
    assert_false(api_parse_bool("No"));
    assert_false(api_parse_bool("FALSE"));
    assert_false(api_parse_bool("none"));
    assert_true(api_parse_bool("1"));
    assert_true(api_parse_bool("true"));
    assert_true(api_parse_bool("yes"));
}

static void filters_both_forms(void **state)
{
    struct berr err = BERR_INIT;
    _cleanup_json_ json_t *a = api_parse_filters("{\"label\":{\"a=b\":true,\"c\":false}}", &err);
    _cleanup_json_ json_t *b = api_parse_filters("{\"name\":[\"x\",\"y\"]}", &err);
    _cleanup_json_ json_t *c = api_parse_filters(NULL, &err);
    _cleanup_json_ json_t *d = api_parse_filters("not json", &err);

    (void)state;
    assert_int_equal(json_array_size(json_object_get(a, "label")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(a, "label"), 0)), "a=b");
    assert_int_equal(json_array_size(json_object_get(b, "name")), 2);
    assert_int_equal(json_object_size(c), 0);
    assert_null(d);
    assert_int_equal(err.kind, BERR_INVALID);
    berr_clear(&err);
}

static void json_body_rules(void **state)
{
    struct berr err = BERR_INIT;
    _cleanup_json_ json_t *empty = api_parse_json_body(NULL, 0, NULL, &err);
    _cleanup_json_ json_t *ok = api_parse_json_body("{\"a\":1}\n", 8, "application/json", &err);
    _cleanup_json_ json_t *ok2 =
        api_parse_json_body("{}", 2, "application/json; charset=utf-8", &err);
    json_t *bad;

    (void)state;
    assert_int_equal(json_object_size(empty), 0);
    assert_int_equal(json_get_int(ok, "a", 0), 1);
    assert_non_null(ok2);

    bad = api_parse_json_body("{}", 2, "text/plain", &err);
    assert_null(bad);
    assert_string_equal(berr_msg(&err),
                        "unsupported Content-Type header (text/plain): must be 'application/json'");
    bad = api_parse_json_body("{\"a\":", 5, NULL, &err);
    assert_null(bad);
    assert_string_equal(berr_msg(&err), "invalid JSON: got EOF while reading request body");
    bad = api_parse_json_body("{} {}", 5, NULL, &err);
    assert_null(bad);
    assert_string_equal(berr_msg(&err), "unexpected content after JSON");
    berr_clear(&err);
}

static void routes_match_with_captures(void **state)
{
    _cleanup_strv_ char **names = NULL;
    _cleanup_strv_ char **values = NULL;
    const struct api_route *r;

    (void)state;
    r = api_route_match("GET", "/_ping", &names, &values);
    assert_non_null(r);
    assert_string_equal(r->pattern, "/_ping");
    assert_non_null(api_route_match("HEAD", "/_ping", &names, &values));
    assert_null(api_route_match("DELETE", "/_ping", &names, &values));
    assert_null(api_route_match("GET", "/nothing/here", &names, &values));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(version_prefix_split), cmocka_unit_test(version_bounds),
        cmocka_unit_test(query_booleans),       cmocka_unit_test(filters_both_forms),
        cmocka_unit_test(json_body_rules),      cmocka_unit_test(routes_match_with_captures),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
