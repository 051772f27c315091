# Container logs and exits through the docker CLI: log size limits from
# --log-opt and daemon.json, OOM kills, large environments.
FIXTURES=$(cd "$(dirname "${BASH_SOURCE[0]}")/../fixtures" && pwd)

need_busybox() {
    docker image inspect busybox >/dev/null 2>&1 && return 0
    [ -f "$BERTH_TMP/busybox.tar" ] ||
        "$FIXTURES/make-busybox-image.sh" "$BERTH_TMP/busybox.tar" >/dev/null
    docker load -i "$BERTH_TMP/busybox.tar" >/dev/null
}

# Bytes of all the log files of container $1.
log_bytes() {
    local path
    path=$(docker inspect -f '{{.LogPath}}' "$1")
    cat "$path"* 2>/dev/null | wc -c
}

test_log_max_size_keeps_the_log_small() {
    need_busybox
    local out bytes
    timeout 30 docker run --name logcap --log-opt max-size=1k --log-opt max-file=2 busybox \
        sh -c 'i=0; while [ $i -lt 500 ]; do echo "line $i"; i=$((i+1)); done' >/dev/null
    bytes=$(log_bytes logcap)
    [ "$bytes" -le 2100 ] || fail "log files hold $bytes bytes with max-size=1k max-file=2"
    out=$(docker logs logcap)
    assert_eq "line 499" "$(echo "$out" | tail -1)" "last line"
    [ "$(echo "$out" | head -1)" != "line 0" ] || fail "the first lines were kept"
    assert_eq '{"max-file":"2","max-size":"1k"}' \
        "$(docker inspect -f '{{json .HostConfig.LogConfig.Config}}' logcap)"
    docker rm logcap >/dev/null
}

test_log_opts_are_checked() {
    need_busybox
    expect_fail docker create --log-opt max-size=1x busybox true
    assert_contains "$OUT" "invalid size: '1x'"
    expect_fail docker create --log-opt max-size=1k --log-opt max-file=0 busybox true
    assert_contains "$OUT" "max-file cannot be less than 1"
    expect_fail docker create --log-opt max-size=0 busybox true
    assert_contains "$OUT" "max-size must be a positive number"
    expect_fail docker create --log-opt bogus=1 busybox true
    assert_contains "$OUT" "unknown log opt 'bogus' for json-file log driver"
    assert_eq "" "$(docker ps -aq)" "containers left after refused creates"
}

test_daemon_log_opts_are_the_default() {
    need_busybox
    local out
    echo '{"log-opts": {"max-size": "1k"}}' >"$BERTH_TMP/daemon.json"
    berth_stop
    berth_start
    echo '{}' >"$BERTH_TMP/daemon.json"
    timeout 30 docker run --name logdef busybox \
        sh -c 'i=0; while [ $i -lt 300 ]; do echo "line $i"; i=$((i+1)); done' >/dev/null
    out=$(docker inspect -f '{{json .HostConfig.LogConfig.Config}}' logdef)
    assert_eq '{"max-size":"1k"}' "$out"
    [ "$(log_bytes logdef)" -le 1100 ] || fail "daemon max-size=1k: $(log_bytes logdef) bytes"
    assert_eq "line 299" "$(docker logs logdef | tail -1)"
    out=$(docker inspect -f '{{json .HostConfig.LogConfig.Config}}' \
        "$(docker create --log-opt max-file=3 busybox true)")
    assert_eq '{"max-file":"3","max-size":"1k"}' "$out" "daemon options merged"
    docker rm -f $(docker ps -aq) >/dev/null
    berth_stop
    berth_start
}

test_oom_kill_is_recorded() {
    need_busybox
    local since events
    since=$(date +%s)
    run_rc timeout 60 docker run --name oom -m 10m busybox \
        sh -c 'x=$(head -c 50000000 /dev/zero | tr "\0" a)'
    assert_eq 137 "$RC" "exit code of the OOM-killed container"
    assert_eq "true 137" "$(docker inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' oom)"
    # The monitor's own marker stays in the container's bundle, not in the
    # directory the daemon was started from.
    [ ! -e "$PWD/oom" ] || fail "conmon left an oom file in $PWD"
    events=$(timeout 10 docker events --since "$since" --until "$(($(date +%s) + 1))" \
        --filter container=oom --format '{{.Action}}')
    assert_contains "$events" "oom"$'\n'"die" "oom event before die"
    timeout 30 docker start -a oom >/dev/null 2>&1 || true
    docker rm oom >/dev/null
    timeout 30 docker run --name fine -m 10m busybox true
    assert_eq "false" "$(docker inspect -f '{{.State.OOMKilled}}' fine)"
    docker rm fine >/dev/null
}

# A guard: a 1 MB environment must not make the start slow.
test_big_env_starts_quickly() {
    need_busybox
    local out start end i ms
    # The CLI reads env-file lines of up to 64 KiB: 1 MB as 100 variables.
    for i in $(seq 100); do
        printf 'BIG%d=' "$i"
        head -c 10000 /dev/zero | tr '\0' a
        echo
    done >"$BERTH_TMP/big.env"
    start=$(date +%s%N)
    out=$(timeout 60 docker run --rm --env-file "$BERTH_TMP/big.env" busybox \
        sh -c 'env | grep -c ^BIG')
    end=$(date +%s%N)
    ms=$(((end - start) / 1000000))
    assert_eq 100 "$out"
    [ "$ms" -lt 5000 ] || fail "a 1 MB environment took $ms ms to run"
}
