# The platform rules as a docker user meets them: resource limits refused
# with dockerd's messages, warnings printed by the CLI, isolation, exec-opts
# and the default runtime chosen at start-up.

HERE_PLATFORM=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# The CPUs this daemon may use, as it counts them (its affinity mask).
host_cpus() {
    nproc
}

load_busybox() {
    "$HERE_PLATFORM/../fixtures/make-busybox-image.sh" "$BERTH_TMP/busybox.tar" >/dev/null
    docker load -i "$BERTH_TMP/busybox.tar" >/dev/null
}

remove_busybox() {
    timeout -k 5 30 docker rmi -f busybox:latest >/dev/null 2>&1 || true
    rm -f "$BERTH_TMP/busybox.tar"
}

# Start a second berthd that must refuse to start; $OUT and $RC hold what
# it said and its exit code.
start_refused() {
    local d="$BERTH_TMP/refused"
    mkdir -p "$d"
    echo '{}' >"$d/daemon.json"
    run_rc timeout 20 "$BERTHD" --data-root "$d/data" --exec-root "$d/exec" \
        -H "unix://$d/s.sock" --pidfile "$d/pid" --config-file "$d/daemon.json" "$@"
    rm -rf "$d"
}

test_memory_below_6mb_is_refused() {
    expect_fail docker run --memory 4m busybox true
    assert_eq 125 "$RC" "exit code"
    assert_contains "$OUT" "Error response from daemon: Minimum memory limit allowed is 6MB"
}

test_cpus_above_host_name_its_cpu_count() {
    local n
    n=$(host_cpus)
    expect_fail docker run --cpus 99 busybox true
    assert_eq 125 "$RC" "exit code"
    assert_contains "$OUT" \
        "range of CPUs is from 0.01 to $n.00, as there are only $n CPUs available"
}

test_hyperv_isolation_is_refused() {
    expect_fail docker run --isolation hyperv busybox true
    assert_eq 125 "$RC" "exit code"
    assert_contains "$OUT" "invalid isolation 'hyperv' on linux"
}

test_validation_error_is_a_400_with_the_exact_message() {
    api POST /containers/create -H 'Content-Type: application/json' \
        -d '{"Image":"busybox","Cmd":["true"],"HostConfig":{"CpuPeriod":999}}'
    assert_eq 400 "$STATUS" "status"
    local msg="CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s"
    msg="$msg (i.e. 1000000)"
    assert_eq "{\"message\":\"$msg\"}" "$(printf '%s' "$BODY" | tr -d '\n')"
}

test_oom_kill_disable_without_memory_warns() {
    load_busybox
    run_rc timeout -k 5 60 docker run --name plat-oom --oom-kill-disable busybox true
    timeout -k 5 30 docker rm -f plat-oom >/dev/null 2>&1 || true
    remove_busybox
    assert_eq 0 "$RC" "exit code (output: $OUT)"
    assert_contains "$OUT" "WARNING: OOM killer is disabled for the container, but no memory limit \
is set, this can result in the system running out of resources."
}

test_cpu_percent_is_discarded_with_a_warning() {
    local id
    load_busybox
    api POST /containers/create -H 'Content-Type: application/json' \
        -d '{"Image":"busybox","Cmd":["true"],"HostConfig":{"CpuPercent":50}}'
    id=$(printf '%s' "$BODY" | jq -r .Id)
    [ "$STATUS" != 201 ] || timeout -k 5 30 docker rm -f "$id" >/dev/null 2>&1 || true
    remove_busybox
    assert_eq 201 "$STATUS" "status (body: $BODY)"
    assert_eq "linux does not support CPU percent. Percent discarded." \
        "$(printf '%s' "$BODY" | jq -r '.Warnings[0]')"
}

# This host's crun refuses hybrid layouts whose cgroup2 mount holds a
# controller; berth then runs containers with runc and says why, once.
test_default_runtime_fits_this_host() {
    local want=crun ctl=/sys/fs/cgroup/unified/cgroup.controllers
    if [ -s "$ctl" ] && [ -d /sys/fs/cgroup/memory ] && command -v runc >/dev/null; then
        want=runc
    fi
    command -v crun >/dev/null || want=runc
    assert_eq "$want" "$(docker info --format '{{.DefaultRuntime}}')" "DefaultRuntime"
    assert_contains "$(docker info --format '{{json .Runtimes}}')" "\"$want\""
    if [ "$want" = runc ] && command -v crun >/dev/null; then
        assert_eq 1 "$(grep -c 'default runtime runc: crun cannot run containers' \
            "$BERTH_TMP/berthd.log")" "info lines about the choice"
    fi
}

test_unknown_default_runtime_stops_the_daemon() {
    start_refused --default-runtime kata
    assert_eq 1 "$RC" "exit code"
    assert_contains "$OUT" "specified default runtime 'kata' does not exist"
}

test_unknown_exec_opt_stops_the_daemon() {
    start_refused --exec-opt foo=bar
    assert_eq 1 "$RC" "exit code"
    assert_contains "$OUT" "Unrecognised exec-opt 'foo'"
    start_refused --exec-opt native.cgroupdriver=lxc
    assert_eq 1 "$RC" "exit code"
    assert_contains "$OUT" "native.cgroupdriver option lxc not supported"
    start_refused --exec-opt isolation=hyperv
    assert_eq 1 "$RC" "exit code"
    assert_contains "$OUT" "Invalid exec-opt value for 'isolation':'hyperv'"
}
