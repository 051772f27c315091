# Containers through the docker CLI: run, exit codes, stdin, logs, stop,
# kill, rm, ps, inspect, resources, capabilities, and what is left behind.
FIXTURES=$(cd "$(dirname "${BASH_SOURCE[0]}")/../fixtures" && pwd)

# Each test loads busybox if the daemon does not have it yet.
need_busybox() {
    docker image inspect busybox >/dev/null 2>&1 && return 0
    [ -f "$BERTH_TMP/busybox.tar" ] ||
        "$FIXTURES/make-busybox-image.sh" "$BERTH_TMP/busybox.tar" >/dev/null
    docker load -i "$BERTH_TMP/busybox.tar" >/dev/null
}

test_run_rm_echo_hello() {
    need_busybox
    assert_eq "hello" "$(timeout 30 docker run --rm busybox echo hello)"
    assert_eq "" "$(docker ps -aq)" "containers left after --rm"
}

test_exit_codes() {
    need_busybox
    run_rc timeout 30 docker run --rm busybox true
    assert_eq 0 "$RC" "true"
    run_rc timeout 30 docker run --rm busybox sh -c 'exit 3'
    assert_eq 3 "$RC" "exit 3"
    run_rc timeout 30 docker run --rm busybox /etc/passwd
    assert_eq 126 "$RC" "not executable"
    assert_contains "$OUT" "permission denied"
    run_rc timeout 30 docker run --rm busybox nosuchcommand
    assert_eq 127 "$RC" "missing command"
    assert_contains "$OUT" "executable file not found"
    assert_eq "" "$(docker ps -aq)" "containers left after failed --rm runs"
}

test_stdout_and_stderr_are_separate() {
    need_busybox
    local out
    out=$(timeout 30 docker run --rm busybox sh -c 'echo out; echo err >&2' 2>/dev/null)
    assert_eq "out" "$out"
    out=$(timeout 30 docker run --rm busybox sh -c 'echo out; echo err >&2' 2>&1 >/dev/null)
    assert_eq "err" "$out"
}

test_stdin_piped() {
    need_busybox
    assert_eq "data" "$(echo data | timeout 30 docker run --rm -i busybox cat)"
    assert_eq "3" "$(printf 'a\nb\nc\n' | timeout 30 docker run --rm -i busybox wc -l)"
}

test_detached_logs_follow_stop_kill_rm() {
    need_busybox
    local id start end
    id=$(docker run -d --name ticker busybox sh -c \
        'trap "echo got usr1" USR1; i=0; while :; do echo line $i; i=$((i+1)); sleep 0.2; done')
    [ "${#id}" -eq 64 ] || fail "run -d printed [$id]"
    wait_until 50 sh -c 'docker logs ticker | grep -q "line 2"'
    assert_eq "line 0" "$(timeout 5 docker logs -f ticker | head -1)" "logs -f"
    assert_eq "line 0" "$(docker logs ticker | head -1)"
    assert_contains "$(docker logs -t --tail 1 ticker)" "Z line"
    docker kill -s USR1 ticker >/dev/null
    wait_until 50 sh -c 'docker logs ticker | grep -q "got usr1"'
    assert_eq "true" "$(docker inspect -f '{{.State.Running}}' ticker)"
    start=$(date +%s)
    assert_eq "ticker" "$(docker stop -t 1 ticker)"
    end=$(date +%s)
    [ $((end - start)) -le 4 ] || fail "stop -t 1 took $((end - start)) s"
    assert_eq "137" "$(docker inspect -f '{{.State.ExitCode}}' ticker)"
    assert_eq "line 0" "$(docker logs ticker | head -1)" "logs after exit"
    docker start ticker >/dev/null
    assert_eq "true" "$(docker inspect -f '{{.State.Running}}' ticker)"
    assert_eq "ticker" "$(docker rm -f ticker)"
    expect_fail docker inspect ticker
    assert_contains "$OUT" "No such object: ticker"
}

test_rm_running_needs_force() {
    need_busybox
    docker run -d --name busy busybox sleep 100 >/dev/null
    expect_fail docker rm busy
    assert_contains "$OUT" \
        "container is running: stop the container before removing or force remove"
    docker rm -f busy >/dev/null
}

test_name_conflict() {
    need_busybox
    local id
    id=$(docker create --name dup busybox true)
    expect_fail docker create --name dup busybox true
    local want="Conflict. The container name \"/dup\" is already in use by container \"$id\"."
    want="$want You have to remove (or rename) that container to be able to reuse that name."
    assert_contains "$OUT" "$want"
    expect_fail docker create --name 'bad name' busybox true
    assert_contains "$OUT" "Invalid container name (bad name)"
    docker rm dup >/dev/null
}

test_ps_filters() {
    need_busybox
    docker run -d --name up1 --label tier=web busybox sleep 100 >/dev/null
    docker run --name done0 busybox true
    docker run --name done3 busybox sh -c 'exit 3' || true
    assert_eq "up1" "$(docker ps --format '{{.Names}}')" "ps shows running only"
    assert_eq "3" "$(docker ps -aq | wc -l)" "ps -a"
    assert_eq "done3" "$(docker ps -a --filter exited=3 --format '{{.Names}}')"
    assert_eq "up1" "$(docker ps -a --filter label=tier=web --format '{{.Names}}')"
    assert_eq "done0" "$(docker ps -a --filter name=done0 --format '{{.Names}}')"
    assert_eq "2" "$(docker ps -a --filter status=exited -q | wc -l)"
    assert_eq "up1" "$(docker ps -a --filter since=done3 --format '{{.Names}}')" "since"
    assert_eq "done3" "$(docker ps -a -n 1 --format '{{.Names}}')" "newest"
    assert_contains "$(docker ps --format '{{.Status}}')" "Up "
    assert_contains "$(docker ps -a --filter name=done3 --format '{{.Status}}')" "Exited (3) "
    docker rm -f up1 done0 done3 >/dev/null
}

test_kill_returns_once_dead() {
    need_busybox
    local id
    id=$(docker run -d --name killme busybox sleep 100)
    docker kill killme >/dev/null
    assert_eq "exited 137" "$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' killme)"
    expect_fail docker kill killme
    assert_contains "$OUT" "annot kill container: killme: container $id is not running"
    docker rm killme >/dev/null
}

test_container_prune() {
    need_busybox
    local keep gone
    docker run -d --name pr_up busybox sleep 100 >/dev/null
    gone=$(docker create --name pr_old busybox true)
    keep=$(docker create --name pr_kept --label keep=1 busybox true)
    run_rc docker container prune -f --filter label!=keep
    assert_eq 0 "$RC" "prune: $OUT"
    assert_contains "$OUT" "$gone"
    assert_not_contains "$OUT" "$keep"
    assert_eq "pr_kept pr_up" "$(docker ps -a --format '{{.Names}}' | sort | xargs)"
    expect_fail docker container prune -f --filter bogus=1
    assert_contains "$OUT" "Invalid filter 'bogus'"
    docker container prune -f --filter until=1h >/dev/null
    assert_eq "pr_kept pr_up" "$(docker ps -a --format '{{.Names}}' | sort | xargs)" "until=1h"
    docker rm -f pr_up pr_kept >/dev/null
}

test_system_prune() {
    need_busybox
    local dir=$BERTH_TMP/prune-img
    mkdir -p "$dir"
    echo one >"$dir/f"
    tar -C "$dir" -cf - f | docker import - prunetest:1 >/dev/null
    echo two >"$dir/f"
    tar -C "$dir" -cf - f | docker import - prunetest:1 >/dev/null
    assert_eq "1" "$(docker images -q --filter dangling=true | wc -l)" "one dangling image"
    docker network create prunenet >/dev/null
    docker run -d --name sp_up busybox sleep 100 >/dev/null
    docker run --name sp_done busybox true
    run_rc docker system prune -f
    assert_eq 0 "$RC" "system prune: $OUT"
    assert_eq "sp_up" "$(docker ps -a --format '{{.Names}}')" "stopped containers removed"
    expect_fail docker network inspect prunenet
    assert_eq "0" "$(docker images -q --filter dangling=true | wc -l)" "dangling images removed"
    docker image inspect busybox >/dev/null
    docker rm -f sp_up >/dev/null
    docker rmi prunetest:1 >/dev/null
    rm -rf "$dir"
}

test_logs_tail_not_a_number_means_all() {
    need_busybox
    docker run --name tailabc busybox sh -c 'echo a; echo b' >/dev/null
    assert_eq "a b" "$(docker logs --tail abc tailabc | xargs)" "tail abc"
    assert_eq "b" "$(docker logs --tail 1 tailabc)" "tail 1"
    docker rm tailabc >/dev/null
}

test_ps_refuses_unknown_filters() {
    need_busybox
    docker volume create fv >/dev/null
    docker run -d --name pv -v fv:/data -p 8080:80 busybox sleep 100 >/dev/null
    docker run --name pn busybox true
    expect_fail docker ps -a --filter bogus=1
    assert_contains "$OUT" "Invalid filter 'bogus'"
    expect_fail docker ps -a --filter status=bogus
    assert_contains "$OUT" "Invalid filter 'status=bogus'"
    expect_fail docker ps -a --filter health=bogus
    expect_fail docker ps -a --filter is-task=maybe
    expect_fail docker ps -a --filter publish=1:2
    assert_eq "pv" "$(docker ps -a --filter volume=fv --format '{{.Names}}')" "volume by name"
    assert_eq "pv" "$(docker ps -a --filter volume=/data --format '{{.Names}}')" "by destination"
    assert_eq "" "$(docker ps -a --filter volume=nosuch -q)" "unknown volume"
    assert_eq "2" "$(docker ps -a --filter health=none -q | wc -l)" "health=none"
    assert_eq "" "$(docker ps -a --filter health=healthy -q)" "health=healthy"
    assert_eq "pv" "$(docker ps -a --filter publish=80 --format '{{.Names}}')" "publish"
    assert_eq "pv" "$(docker ps -a --filter expose=70-90/tcp --format '{{.Names}}')" "expose"
    assert_eq "" "$(docker ps -a --filter publish=81 -q)" "publish other port"
    assert_eq "2" "$(docker ps -a --filter is-task=false -q | wc -l)" "is-task=false"
    assert_eq "2" "$(docker ps -a --filter isolation=default -q | wc -l)" "isolation"
    docker rm -f pv pn >/dev/null
    docker volume rm fv >/dev/null
}

test_inspect_fields() {
    need_busybox
    docker run -d --name insp --memory 64m busybox sleep 100 >/dev/null
    assert_eq "67108864" "$(docker inspect -f '{{.HostConfig.Memory}}' insp)"
    assert_eq "running" "$(docker inspect -f '{{.State.Status}}' insp)"
    assert_eq "/insp" "$(docker inspect -f '{{.Name}}' insp)"
    assert_eq "sleep" "$(docker inspect -f '{{.Path}}' insp)"
    local ip
    ip=$(docker inspect -f '{{.NetworkSettings.IPAddress}}' insp)
    [ -n "$ip" ] || fail "no IPAddress"
    docker rm -f insp >/dev/null
}

test_resources_in_cgroup() {
    need_busybox
    local out
    out=$(timeout 30 docker run --rm --memory 64m --cpus 1.5 --pids-limit 50 busybox sh -c \
        'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us \
             /sys/fs/cgroup/pids/pids.max' | tr '\n' ' ')
    assert_eq "67108864 150000 50 " "$out"
}

test_default_capabilities() {
    need_busybox
    assert_eq "CapEff:	00000000a80425fb" \
        "$(timeout 30 docker run --rm busybox grep CapEff /proc/self/status)"
    assert_eq "CapEff:	0000000000001000" \
        "$(timeout 30 docker run --rm --cap-drop ALL --cap-add NET_ADMIN busybox \
            grep CapEff /proc/self/status)"
}

test_init_readonly_tmpfs_shm() {
    need_busybox
    assert_contains "$(timeout 30 docker run --rm --init busybox ps)" "/sbin/docker-init -- ps"
    run_rc timeout 30 docker run --rm --read-only --tmpfs /run busybox sh -c \
        'touch /run/ok && ! touch /x 2>/dev/null'
    assert_eq 0 "$RC" "read-only rootfs with a writable tmpfs"
    assert_contains "$(timeout 30 docker run --rm --shm-size 128m busybox df -k /dev/shm)" \
        "131072"
}

test_network_modes() {
    need_busybox
    assert_eq "1" "$(timeout 30 docker run --rm --network none busybox ip -o addr | grep -c inet)"
    docker run -d --name netowner busybox sleep 100 >/dev/null
    assert_eq "$(docker inspect -f '{{.NetworkSettings.IPAddress}}' netowner)/16" \
        "$(timeout 30 docker run --rm --network container:netowner busybox \
            ip -o -4 addr show eth0 | awk '{print $4}')"
    docker rm -f netowner >/dev/null
}

test_published_port_reachable() {
    need_busybox
    docker run -d --name srv -p 18080:80 busybox sh -c \
        'echo hi >/tmp/index.html; httpd -f -p 80 -h /tmp' >/dev/null
    wait_until 50 in_netns wget -q -O- http://127.0.0.1:18080/index.html
    assert_eq "hi" "$(in_netns wget -q -O- http://127.0.0.1:18080/index.html)"
    docker rm -f srv >/dev/null
}

test_user_network_by_name() {
    need_busybox
    docker network create usernet >/dev/null
    docker run -d --name peer --network usernet --network-alias peeralias busybox sleep 100 \
        >/dev/null
    run_rc timeout 30 docker run --rm --network usernet busybox ping -c 1 -W 2 peer
    assert_eq 0 "$RC" "ping peer by name: $OUT"
    # Through the embedded DNS server, not /etc/hosts: nslookup asks it.
    run_rc timeout 30 docker run --rm --network usernet busybox nslookup peeralias
    assert_eq 0 "$RC" "nslookup peeralias: $OUT"
    assert_contains "$(docker run --rm --network usernet busybox cat /etc/resolv.conf)" \
        "nameserver $(docker network inspect -f '{{(index .IPAM.Config 0).Gateway}}' usernet)"
    docker rm -f peer >/dev/null
    docker network rm usernet >/dev/null
}

test_resolv_conf_from_host() {
    need_busybox
    local want got
    # dockerd's rule: the host's nameservers minus loopback ones, else Google's.
    want=$(awk '$1 == "nameserver" && $2 !~ /^127\./ && $2 != "::1" {print $2}' /etc/resolv.conf)
    [ -n "$want" ] || want=$'8.8.8.8\n8.8.4.4'
    got=$(docker run --rm busybox cat /etc/resolv.conf | awk '$1 == "nameserver" {print $2}')
    assert_eq "$want" "$got" "nameservers"
    got=$(docker run --rm --dns 10.9.9.9 busybox cat /etc/resolv.conf | awk '$1 == "nameserver"')
    assert_eq "nameserver 10.9.9.9" "$got" "--dns"
}

test_wait_and_events() {
    need_busybox
    docker create --name waiter busybox sh -c 'exit 7' >/dev/null
    docker start waiter >/dev/null
    assert_eq "7" "$(timeout 10 docker wait waiter)"
    assert_contains "$(docker events --since 0 --until "$(date +%s)" --filter container=waiter \
        --format '{{.Action}}' | tr '\n' ' ')" "create start die"
    docker rm waiter >/dev/null
}

test_nothing_left_behind() {
    need_busybox
    docker run -d --name gone busybox sleep 100 >/dev/null
    local id
    id=$(docker inspect -f '{{.Id}}' gone)
    docker rm -f gone >/dev/null
    assert_not_contains "$(cat /proc/self/mounts)" "$id" "mounts"
    [ ! -e "/sys/fs/cgroup/memory/berth/$id" ] || fail "memory cgroup left"
    [ ! -e "/sys/fs/cgroup/pids/berth/$id" ] || fail "pids cgroup left"
    [ ! -e "$BERTH_TMP/data/containers/$id" ] || fail "container dir left"
    [ ! -e "$BERTH_TMP/exec/containers/$id" ] || fail "bundle left"
    assert_not_contains "$(ps -eo args)" "conmon --api-version 1 -c $id" "conmon"
    assert_eq "" "$(in_netns ip -o link show type veth)" "veths"
}

# --rm: the removal (which the CLI waits for) ends only once the network,
# detached beside the rootfs and files, is gone too.
test_run_rm_leaves_nothing_behind() {
    need_busybox
    local cidfile="$BERTH_TMP/rm.cid" id
    for _ in 1 2 3; do
        rm -f "$cidfile"
        assert_eq "hi" "$(docker run --rm --cidfile "$cidfile" busybox echo hi)"
        id=$(cat "$cidfile")
        assert_eq "" "$(in_netns ip -o link show type veth)" "veths"
        [ ! -e "$BERTH_TMP/exec/netns/$id" ] || fail "netns file left"
        [ ! -e "$BERTH_TMP/data/containers/$id" ] || fail "container dir left"
        assert_not_contains "$(cat /proc/self/mounts)" "$id" "mounts"
        expect_fail docker inspect "$id"
    done
    rm -f "$cidfile"
}

test_containers_survive_daemon_restart() {
    need_busybox
    docker run -d --name keeper busybox sh -c 'echo before; sleep 100' >/dev/null
    berth_stop -9
    berth_start
    assert_eq "true" "$(docker inspect -f '{{.State.Running}}' keeper)"
    assert_eq "before" "$(docker logs keeper)"
    docker stop -t 1 keeper >/dev/null
    assert_eq "137" "$(docker inspect -f '{{.State.ExitCode}}' keeper)"
    docker rm keeper >/dev/null
}

test_logs_tail_of_a_long_log() {
    need_busybox
    docker run --name longlog busybox sh -c \
        'i=1; while [ $i -le 30000 ]; do echo "line $i"; i=$((i+1)); done; printf partial' \
        >/dev/null
    assert_eq "line 29998 line 29999 line 30000 partial" \
        "$(docker logs --tail 4 longlog | tr '\n' ' ')" "--tail 4"
    assert_eq "" "$(docker logs --tail 0 longlog)" "--tail 0"
    assert_eq 30000 "$(docker logs --tail 100000 longlog | wc -l | tr -d ' ')" "tail past the start"
    assert_eq "line 30000" "$(docker logs --tail 2 longlog | head -1)"
    docker rm longlog >/dev/null
}

test_info_counts_containers_by_state() {
    need_busybox
    local fmt='{{.ContainersRunning}} {{.ContainersPaused}} {{.ContainersStopped}}'
    local r p s
    read -r r p s <<<"$(docker info --format "$fmt")"
    docker run -d --name counted busybox sleep 100 >/dev/null
    docker create --name counted2 busybox true >/dev/null
    assert_eq "$((r + 1)) $p $((s + 1))" "$(docker info --format "$fmt")" "running paused stopped"
    docker pause counted >/dev/null
    assert_eq "$r $((p + 1)) $((s + 1))" "$(docker info --format "$fmt")" "after pause"
    docker rm -f counted counted2 >/dev/null
}
