# Beyond run: restart policies (on exit, at daemon start-up, not after a
# stop), pause/unpause, interactive TTY sessions and attach.
FIXTURES=$(cd "$(dirname "${BASH_SOURCE[0]}")/../fixtures" && pwd)

need_busybox() {
    docker image inspect busybox >/dev/null 2>&1 && return 0
    [ -f "$BERTH_TMP/busybox.tar" ] ||
        "$FIXTURES/make-busybox-image.sh" "$BERTH_TMP/busybox.tar" >/dev/null
    docker load -i "$BERTH_TMP/busybox.tar" >/dev/null
}

state_of() {
    docker inspect -f '{{.State.Status}} {{.RestartCount}}' "$1"
}

test_restart_policy_validation() {
    need_busybox
    expect_fail docker run -d --rm --restart always busybox true
    assert_contains "$OUT" "can't create 'AutoRemove' container with restart policy"
    expect_fail docker create --restart bogus busybox true
    assert_contains "$OUT" "invalid restart policy: unknown policy 'bogus'"
    expect_fail docker create --restart always:3 busybox true
    assert_contains "$OUT" "maximum retry count can only be used with 'on-failure'"
    assert_eq "" "$(docker ps -aq)" "containers left by refused creates"
}

test_restart_on_failure_counts() {
    need_busybox
    docker run -d --name of2 --restart on-failure:2 busybox sh -c 'exit 1' >/dev/null
    wait_until 100 sh -c '[ "$(docker inspect -f "{{.State.Status}} {{.RestartCount}}" of2)" = \
        "exited 2" ]' || fail "of2 ended as [$(state_of of2)]"
    sleep 1
    assert_eq "exited 2" "$(state_of of2)" "no restart past the maximum"
    assert_eq 1 "$(docker inspect -f '{{.State.ExitCode}}' of2)"
    # A zero exit is no failure: on-failure leaves it alone.
    docker run -d --name of0 --restart on-failure busybox true >/dev/null
    wait_until 50 sh -c '[ "$(docker inspect -f "{{.State.Status}}" of0)" = exited ]'
    sleep 0.5
    assert_eq "exited 0" "$(state_of of0)"
    docker rm -f of2 of0 >/dev/null
}

test_restart_always_comes_back_but_not_after_stop() {
    need_busybox
    local pid newpid since
    since=$(date +%s)
    docker run -d --name al --restart always busybox sleep 300 >/dev/null
    pid=$(docker inspect -f '{{.State.Pid}}' al)
    in_netns kill -9 "$pid"
    wait_until 100 sh -c '[ "$(docker inspect -f "{{.State.Status}} {{.RestartCount}}" al)" = \
        "running 1" ]' || fail "al is [$(state_of al)] after its process was killed"
    newpid=$(docker inspect -f '{{.State.Pid}}' al)
    [ "$newpid" != "$pid" ] || fail "same pid after a restart"
    assert_contains "$(timeout 10 docker events --since "$since" --until "$(($(date +%s) + 1))" \
        --filter container=al --format '{{.Action}}')" "restart"

    docker stop -t 1 al >/dev/null
    sleep 1
    assert_eq "exited" "$(docker inspect -f '{{.State.Status}}' al)" "always after docker stop"
    docker start al >/dev/null
    assert_eq "running 0" "$(state_of al)" "a start resets RestartCount"
    docker rm -f al >/dev/null
}

test_restart_policies_at_daemon_start() {
    need_busybox
    docker run -d --name bootal --restart always busybox sleep 300 >/dev/null
    docker run -d --name bootus --restart unless-stopped busybox sleep 300 >/dev/null
    docker run -d --name bootusstopped --restart unless-stopped busybox sleep 300 >/dev/null
    docker run -d --name bootno busybox sleep 300 >/dev/null
    docker stop -t 1 bootusstopped >/dev/null
    local pids
    pids=$(docker inspect -f '{{.State.Pid}}' bootal bootus bootno)
    # Kill the daemon, then the containers' processes while it is down.
    berth_stop -9
    in_netns kill -9 $pids
    sleep 0.5
    berth_start
    wait_until 100 sh -c '[ "$(docker inspect -f "{{.State.Status}}" bootal)" = running ]' ||
        fail "always container is [$(state_of bootal)] after daemon start"
    wait_until 100 sh -c '[ "$(docker inspect -f "{{.State.Status}}" bootus)" = running ]'
    sleep 0.5
    assert_eq "exited" "$(docker inspect -f '{{.State.Status}}' bootusstopped)" \
        "unless-stopped after a stop"
    assert_eq "exited" "$(docker inspect -f '{{.State.Status}}' bootno)" "no policy"
    docker rm -f bootal bootus bootusstopped bootno >/dev/null
}

test_pause_unpause() {
    need_busybox
    local id
    id=$(docker run -d --name pz busybox sh -c 'while :; do date +%s%N > /tmp/t; sleep 0.1; done')
    docker pause pz >/dev/null
    assert_eq "paused true" "$(docker inspect -f '{{.State.Status}} {{.State.Paused}}' pz)"
    assert_contains "$(docker ps --filter name=pz --format '{{.Status}}')" "(Paused)"
    expect_fail docker exec pz true
    assert_contains "$OUT" "Container pz is paused, unpause the container before exec"
    expect_fail docker start pz
    assert_contains "$OUT" "cannot start a paused container, try unpause instead"
    expect_fail docker attach pz
    assert_contains "$OUT" "is paused, unpause the container before attach"
    expect_fail docker pause pz
    assert_contains "$OUT" "Container $id is already paused"
    docker unpause pz >/dev/null
    assert_eq "running false" "$(docker inspect -f '{{.State.Status}} {{.State.Paused}}' pz)"
    expect_fail docker unpause pz
    assert_contains "$OUT" "Container $id is not paused"
    assert_eq "ok" "$(timeout 10 docker exec pz echo ok)"
    # A paused container still stops.
    docker pause pz >/dev/null
    timeout 30 docker stop -t 2 pz >/dev/null
    assert_eq "exited false" "$(docker inspect -f '{{.State.Status}} {{.State.Paused}}' pz)"
    docker rm pz >/dev/null
}

# A terminal of its own for an interactive CLI: tmux session $1 running $2.
tmux_start() {
    tmux -L "berth-$BERTH_NS" new-session -d -s "$1" -x 100 -y 30 \
        "DOCKER_HOST=$DOCKER_HOST $2; echo cli-exit=\$?; sleep 30"
}

tmux_() {
    tmux -L "berth-$BERTH_NS" "$@"
}

screen_has() {
    tmux_ capture-pane -pt "$1" | grep -q -- "$2"
}

test_run_it_script() {
    need_busybox
    local out
    out=$(sleep 3 | timeout 30 script -qec "stty rows 24 cols 81; docker run -it --rm busybox \
        sh -c 'tty; echo \$((1+2)); stty size'" /dev/null)
    assert_contains "$out" "/dev/pts/0"
    assert_contains "$out" "3"
    assert_contains "$out" "24 81" "console size from the CLI"
}

test_run_it_resize_detach_attach() {
    need_busybox
    trap 'tmux_ kill-server 2>/dev/null' EXIT
    tmux_start it1 "docker run -it --name itc busybox sh"
    wait_until 100 screen_has it1 '/ #' || fail "no prompt: $(tmux_ capture-pane -pt it1)"
    tmux_ send-keys -t it1 'echo $((6*7)); stty size' Enter
    wait_until 50 screen_has it1 '^30 100' || fail "size: $(tmux_ capture-pane -pt it1)"
    screen_has it1 '^42'
    tmux_ resize-window -t it1 -x 90 -y 25
    tmux_ send-keys -t it1 'stty size' Enter
    wait_until 50 screen_has it1 '^25 90' || fail "resize: $(tmux_ capture-pane -pt it1)"

    # ctrl-p ctrl-q detaches; the container keeps running.
    tmux_ send-keys -t it1 C-p C-q
    wait_until 50 screen_has it1 'cli-exit=' || fail "no detach: $(tmux_ capture-pane -pt it1)"
    assert_eq "running" "$(docker inspect -f '{{.State.Status}}' itc)"

    tmux_start it2 "docker attach itc"
    sleep 1
    tmux_ send-keys -t it2 'echo attached-$((2+3))' Enter
    wait_until 50 screen_has it2 '^attached-5' || fail "attach: $(tmux_ capture-pane -pt it2)"
    tmux_ send-keys -t it2 C-p C-q
    wait_until 50 screen_has it2 'read escape sequence'
    assert_eq "running" "$(docker inspect -f '{{.State.Status}}' itc)"

    tmux_start it3 "docker exec -it itc sh"
    wait_until 100 screen_has it3 '/ #'
    tmux_ send-keys -t it3 'echo in-exec-$((3+4)); exit 5' Enter
    wait_until 50 screen_has it3 'cli-exit=5' || fail "exec -it: $(tmux_ capture-pane -pt it3)"
    screen_has it3 '^in-exec-7'
    docker rm -f itc >/dev/null
}
