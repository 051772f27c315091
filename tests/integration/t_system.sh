# The daemon answers the docker CLI: version, info, headers, errors.

test_docker_version_names_berth() {
    local out
    out=$(docker version)
    assert_contains "$out" "Server: berth"
    assert_contains "$out" "API version:      1.45 (minimum version 1.24)"
    out=$(docker version --format '{{.Server.APIVersion}}')
    assert_eq "1.45" "$out"
}

test_docker_info_matches_host() {
    local ncpu mem
    ncpu=$(docker info --format '{{.NCPU}}')
    assert_eq "$(nproc)" "$ncpu" "NCPU"
    mem=$(docker info --format '{{.MemTotal}}')
    assert_eq "$(awk '/MemTotal/ {print $2 * 1024}' /proc/meminfo)" "$mem" "MemTotal"
    assert_eq "$BERTH_TMP/data" "$(docker info --format '{{.DockerRootDir}}')"
    assert_eq "cgroupfs" "$(docker info --format '{{.CgroupDriver}}')"
}

test_daemon_id_is_stable_across_restarts() {
    local before after
    before=$(docker info --format '{{.ID}}')
    berth_stop
    berth_start
    after=$(docker info --format '{{.ID}}')
    assert_eq "$before" "$after" "daemon ID"
    [ "${#before}" -eq 64 ] || fail "daemon ID has ${#before} characters"
}

test_ping_headers() {
    local h
    h=$(curl -si --unix-socket "$BERTH_SOCK" http://berth/_ping | tr -d '\r')
    assert_contains "$h" "HTTP/1.1 200"
    assert_contains "$h" "Api-Version: 1.45"
    assert_contains "$h" "Ostype: linux"
    assert_contains "$h" "Docker-Experimental: false"
    assert_contains "$h" "Server: berth/"
    assert_contains "$h" "Cache-Control: no-cache, no-store, must-revalidate"
    assert_eq "OK" "$(printf '%s' "$h" | tail -n 1)" "ping body"
    h=$(curl -sI --unix-socket "$BERTH_SOCK" http://berth/_ping | tr -d '\r')
    assert_contains "$h" "Content-Length: 0"
}

test_unknown_route_is_404_json() {
    local h
    h=$(curl -si --unix-socket "$BERTH_SOCK" http://berth/v1.45/no/such/thing | tr -d '\r')
    assert_contains "$h" "HTTP/1.1 404"
    assert_contains "$h" "Content-Type: application/json"
    assert_contains "$h" "Api-Version: 1.45"
    assert_contains "$h" '{"message":"page not found"}'
}

test_versions_outside_range_are_refused() {
    api GET /v1.99/version
    assert_eq 400 "$STATUS"
    assert_eq '{"message":"client version 1.99 is too new. Maximum supported API version is 1.45"}' \
        "$BODY"
    api GET /v1.12/version
    assert_eq 400 "$STATUS"
    assert_contains "$BODY" "client version 1.12 is too old. Minimum supported API version is 1.24"
    api GET /v1.24/version
    assert_eq 200 "$STATUS"
}

test_options_is_answered() {
    api OPTIONS /v1.45/containers/json
    assert_eq 200 "$STATUS"
}

test_second_daemon_on_same_root_refuses() {
    run_rc nsenter --net="/run/netns/$BERTH_NS" "$BERTHD" --data-root "$BERTH_TMP/data" \
        --exec-root "$BERTH_TMP/exec2" -H "unix://$BERTH_TMP/other.sock" \
        --pidfile "$BERTH_TMP/other.pid" --config-file "$BERTH_TMP/daemon.json"
    assert_eq 1 "$RC" "exit code"
    assert_contains "$OUT" "is another berthd running?"
    # The first daemon is unharmed.
    docker version >/dev/null
}

test_second_daemon_on_same_socket_refuses() {
    run_rc nsenter --net="/run/netns/$BERTH_NS" "$BERTHD" --data-root "$BERTH_TMP/data2" \
        --exec-root "$BERTH_TMP/exec2" -H "unix://$BERTH_SOCK" \
        --pidfile "$BERTH_TMP/other.pid" --config-file "$BERTH_TMP/daemon.json"
    assert_eq 1 "$RC" "exit code"
    assert_contains "$OUT" "another daemon is already listening on $BERTH_SOCK"
    docker version >/dev/null
}

test_socket_mode_and_root_mode() {
    assert_eq 660 "$(stat -c %a "$BERTH_SOCK")" "socket mode"
    assert_eq 710 "$(stat -c %a "$BERTH_TMP/data")" "data root mode"
    [ -f "$BERTH_TMP/data/berth.db" ] || fail "no store at the data root"
    assert_eq "$(cat "$BERTH_TMP/berthd.pidof")" "$(tr -d '\n' <"$BERTH_TMP/berthd.pid")" "pidfile"
}

test_graceful_stop_removes_socket_and_pidfile() {
    berth_stop
    [ ! -e "$BERTH_SOCK" ] || fail "socket left behind"
    [ ! -e "$BERTH_TMP/berthd.pid" ] || fail "pidfile left behind"
    assert_contains "$(cat "$BERTH_TMP/berthd.log")" "daemon shut down"
    berth_start
}
