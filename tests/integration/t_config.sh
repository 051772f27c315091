# Bad configuration stops berthd with exit 1 and names the key, before it
# touches anything.
BERTH_NO_DAEMON=1

run_with_config() {
    printf '%s' "$1" >"$BERTH_TMP/bad.json"
    run_rc "$BERTHD" --config-file "$BERTH_TMP/bad.json" --data-root "$BERTH_TMP/never" \
        --exec-root "$BERTH_TMP/never-exec" -H "unix://$BERTH_TMP/never.sock" \
        --pidfile "$BERTH_TMP/never.pid"
}

test_unknown_key_exits_1_naming_it() {
    run_with_config '{"debug": true, "no-such-key": 1}'
    assert_eq 1 "$RC" "exit code"
    assert_contains "$OUT" "the following directives don't match any configuration option: no-such-key"
    [ ! -e "$BERTH_TMP/never" ] || fail "data root was created"
    [ ! -e "$BERTH_TMP/never.sock" ] || fail "socket was created"
}

test_wrong_type_exits_1_naming_it() {
    run_with_config '{"live-restore": "yes"}'
    assert_eq 1 "$RC"
    assert_contains "$OUT" 'invalid value for "live-restore"'
}

test_key_both_flag_and_file_is_refused() {
    run_with_config '{"data-root": "/elsewhere"}'
    assert_eq 1 "$RC"
    assert_contains "$OUT" "specified both as a flag and in the configuration file: data-root"
}

test_broken_json_is_refused() {
    run_with_config '{"debug": '
    assert_eq 1 "$RC"
    assert_contains "$OUT" "invalid JSON"
}

test_validate_accepts_a_good_file() {
    printf '{"debug": true, "log-opts": {"max-size": "10m"}}' >"$BERTH_TMP/good.json"
    run_rc "$BERTHD" --config-file "$BERTH_TMP/good.json" --validate
    assert_eq 0 "$RC"
    assert_contains "$OUT" "configuration OK"
    run_with_config '{"nope": 1}'
    assert_eq 1 "$RC"
}

test_missing_named_config_file_is_an_error() {
    run_rc "$BERTHD" --config-file "$BERTH_TMP/absent.json" --validate
    assert_eq 1 "$RC"
    assert_contains "$OUT" "absent.json"
}
