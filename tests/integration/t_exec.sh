# docker exec: output, stdin, exit codes, user, working directory, env,
# detached execs, inspect, events and the errors dockerd gives.
FIXTURES=$(cd "$(dirname "${BASH_SOURCE[0]}")/../fixtures" && pwd)

need_busybox() {
    docker image inspect busybox >/dev/null 2>&1 && return 0
    [ -f "$BERTH_TMP/busybox.tar" ] ||
        "$FIXTURES/make-busybox-image.sh" "$BERTH_TMP/busybox.tar" >/dev/null
    docker load -i "$BERTH_TMP/busybox.tar" >/dev/null
}

# A running container named $1 for a test; removed by the test.
run_sleeper() {
    need_busybox
    docker run -d --name "$1" "${@:2}" busybox sleep 300 >/dev/null
}

test_exec_output_and_exit_codes() {
    run_sleeper ex1
    assert_eq "hi" "$(timeout 20 docker exec ex1 echo hi)"
    run_rc timeout 20 docker exec ex1 sh -c 'exit 7'
    assert_eq 7 "$RC" "exit code of exec"
    assert_eq "err" "$(timeout 20 docker exec ex1 sh -c 'echo out; echo err >&2' 2>&1 >/dev/null)"
    assert_eq "out" "$(timeout 20 docker exec ex1 sh -c 'echo out; echo err >&2' 2>/dev/null)"
    run_rc timeout 20 docker exec ex1 nosuchcommand
    assert_eq 127 "$RC" "missing command"
    docker rm -f ex1 >/dev/null
}

test_exec_stdin_user_workdir_env() {
    run_sleeper ex2 -e FROMRUN=1
    assert_eq "piped" "$(echo piped | timeout 20 docker exec -i ex2 cat)"
    assert_eq "3" "$(printf 'a\nb\nc\n' | timeout 20 docker exec -i ex2 wc -l)"
    assert_eq "65534" "$(timeout 20 docker exec -u nobody ex2 id -u)"
    assert_eq "1:2" "$(timeout 20 docker exec -u 1:2 ex2 sh -c 'echo $(id -u):$(id -g)')"
    assert_eq "/tmp" "$(timeout 20 docker exec -w /tmp ex2 pwd)"
    local env
    env=$(timeout 20 docker exec -e A=b ex2 env)
    assert_contains "$env" "A=b"
    assert_contains "$env" "FROMRUN=1" "container env in exec"
    assert_contains "$env" "PATH=/usr/local/sbin" "default PATH in exec"
    docker rm -f ex2 >/dev/null
}

test_exec_tty() {
    run_sleeper ex3
    local out
    out=$(timeout 20 script -qec "docker exec -it ex3 sh -c 'tty; stty size'" /dev/null)
    assert_contains "$out" "/dev/pts/"
    assert_not_contains "$out" "not a tty"
    docker rm -f ex3 >/dev/null
}

test_exec_detached_and_inspect() {
    run_sleeper ex4
    local id
    timeout 20 docker exec -d ex4 sh -c 'echo done > /tmp/marker'
    wait_until 50 docker exec ex4 test -f /tmp/marker
    assert_eq "done" "$(docker exec ex4 cat /tmp/marker)"

    api POST /containers/ex4/exec -H 'Content-Type: application/json' \
        -d '{"Cmd":["sh","-c","exit 3"],"AttachStdout":true}'
    assert_eq 201 "$STATUS"
    id=$(echo "$BODY" | jq -r .Id)
    [ "${#id}" -eq 64 ] || fail "exec id [$id]"
    api GET "/exec/$id/json"
    assert_eq "null" "$(echo "$BODY" | jq -c .ExitCode)" "ExitCode before start"
    assert_eq "sh" "$(echo "$BODY" | jq -r .ProcessConfig.entrypoint)"
    api POST "/exec/$id/start" -H 'Content-Type: application/json' -d '{"Detach":true}'
    assert_eq 200 "$STATUS" "detached start"
    wait_until 50 sh -c "curl -s --unix-socket $BERTH_SOCK http://b/exec/$id/json |
        jq -e '.Running == false and .ExitCode == 3'"
    api POST "/exec/$id/start" -H 'Content-Type: application/json' -d '{"Detach":true}'
    assert_eq 409 "$STATUS"
    assert_contains "$BODY" "exec command $id has already run"
    assert_contains "$(docker inspect -f '{{json .ExecIDs}}' ex4)" "$id"
    api GET /exec/nosuchexec/json
    assert_eq 404 "$STATUS"
    assert_contains "$BODY" "No such exec instance: nosuchexec"
    docker rm -f ex4 >/dev/null
}

test_exec_errors() {
    need_busybox
    local id
    id=$(docker create --name ex5 busybox sleep 300)
    expect_fail docker exec ex5 echo hi
    assert_contains "$OUT" "container $id is not running"
    docker start ex5 >/dev/null
    api POST /containers/ex5/exec -H 'Content-Type: application/json' -d '{"Cmd":[]}'
    assert_eq 400 "$STATUS"
    assert_contains "$BODY" "No exec command specified"
    expect_fail docker exec ex6nosuch echo hi
    assert_contains "$OUT" "No such container: ex6nosuch"
    docker rm -f ex5 >/dev/null
}

test_exec_events() {
    run_sleeper ex7
    local since
    since=$(date +%s)
    timeout 20 docker exec ex7 sh -c 'exit 2' || true
    local ev
    ev=$(timeout 10 docker events --since "$since" --until "$(($(date +%s) + 1))" \
        --filter container=ex7 --format '{{.Action}} {{index .Actor.Attributes "exitCode"}}')
    assert_contains "$ev" "exec_create: sh -c exit 2"
    assert_contains "$ev" "exec_start: sh -c exit 2"
    assert_contains "$ev" "exec_die 2"
    ev=$(timeout 10 docker events --since "$since" --until "$(($(date +%s) + 1))" \
        --filter event=exec_die --format '{{.Action}}')
    assert_eq "exec_die" "$ev" "event filter on the bare action"
    docker rm -f ex7 >/dev/null
}

test_exec_start_errors_as_dockerd() {
    need_busybox
    docker run -d --name xerr busybox sleep 100 >/dev/null
    run_rc docker exec xerr nonexist
    assert_eq 126 "$RC" "missing command"
    assert_eq 'OCI runtime exec failed: exec failed: unable to start container process: exec: "nonexist": executable file not found in $PATH: unknown' "$(echo "$OUT" | tr -d '\r')"
    run_rc docker exec -u nobodyx xerr id
    assert_eq 126 "$RC" "unknown user"
    assert_eq "unable to find user nobodyx: no matching entries in passwd file" \
        "$(echo "$OUT" | tr -d '\r')"
    docker exec xerr true
    assert_eq "[]" "$(docker inspect -f '{{json .ExecIDs}}' xerr | sed 's/null/[]/')" "ended execs"
    docker rm -f xerr >/dev/null
}
