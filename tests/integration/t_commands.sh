# Small commands through the docker CLI: rename, top, and --log-driver none.
FIXTURES=$(cd "$(dirname "${BASH_SOURCE[0]}")/../fixtures" && pwd)

need_busybox() {
    docker image inspect busybox >/dev/null 2>&1 && return 0
    [ -f "$BERTH_TMP/busybox.tar" ] ||
        "$FIXTURES/make-busybox-image.sh" "$BERTH_TMP/busybox.tar" >/dev/null
    docker load -i "$BERTH_TMP/busybox.tar" >/dev/null
}

test_rename() {
    need_busybox
    local id since ev
    since=$(date +%s)
    id=$(docker create --name rn_old busybox true)
    docker rename rn_old rn_new
    assert_eq "/rn_new" "$(docker inspect -f '{{.Name}}' "$id")"
    expect_fail docker inspect rn_old
    assert_contains "$OUT" "No such object: rn_old"
    ev=$(timeout 10 docker events --since "$since" --until "$(($(date +%s) + 1))" \
        --filter event=rename --format '{{.Actor.Attributes.oldName}} {{.Actor.Attributes.name}}')
    assert_eq "/rn_old rn_new" "$ev" "rename event"

    berth_stop -9
    berth_start
    assert_eq "/rn_new" "$(docker inspect -f '{{.Name}}' "$id")" "name after restart"
    docker rm "$id" >/dev/null
}

test_rename_errors() {
    need_busybox
    local a b
    a=$(docker create --name rn_a busybox true)
    b=$(docker create --name rn_b busybox true)
    expect_fail docker rename rn_a rn_b
    assert_eq "Error response from daemon: Conflict. The container name \"/rn_b\" is already\
 in use by container \"$b\". You have to remove (or rename) that container to be able to\
 reuse that name." "$OUT"
    expect_fail docker rename rn_a rn_a
    assert_contains "$OUT" "Renaming a container with the same name as its current name"
    expect_fail docker rename rn_a 'bad name!'
    assert_contains "$OUT" \
        "Invalid container name (/bad name!), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
    api POST "/containers/rn_a/rename?name="
    assert_eq 400 "$STATUS"
    assert_contains "$BODY" "Neither old nor new names may be empty"
    expect_fail docker rename rn_nosuch rn_c
    assert_contains "$OUT" "No such container: rn_nosuch"
    assert_eq "/rn_a" "$(docker inspect -f '{{.Name}}' "$a")"
    docker rm "$a" "$b" >/dev/null
}

test_top() {
    need_busybox
    local out
    docker run -d --name top_c busybox sleep 100 >/dev/null
    out=$(docker top top_c)
    assert_contains "$out" "UID"
    assert_contains "$out" "sleep 100"
    assert_contains "$(docker top top_c -ef)" "sleep 100" "top with ps args"
    docker exec -d top_c sleep 77
    wait_until 50 sh -c 'docker top top_c | grep -q "sleep 77"'
    docker stop -t 0 top_c >/dev/null
    expect_fail docker top top_c
    assert_contains "$OUT" \
        "Error response from daemon: Container $(docker inspect -f '{{.Id}}' top_c) is not running"
    docker rm top_c >/dev/null
}

test_log_driver_none() {
    need_busybox
    local id
    id=$(docker run -d --log-driver none --name ln_c busybox \
        sh -c 'echo hello-none; sleep 100')
    assert_eq "hello-none" \
        "$(timeout 30 docker run --rm --log-driver none busybox echo hello-none)" \
        "attached output with the none driver"
    assert_eq "" "$(docker inspect -f '{{.LogPath}}' "$id")"
    expect_fail docker logs ln_c
    assert_eq \
        "Error response from daemon: configured logging driver does not support reading" "$OUT"
    assert_eq "" "$(grep -rl hello-none "$BERTH_TMP/data" 2>/dev/null || true)" \
        "output kept on disk"
    docker rm -f ln_c >/dev/null
}
