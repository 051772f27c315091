# Shared by the bench scripts: start berthd and dockerd side by side, each
# in a network namespace of its own with private roots and socket, and clean
# up everything by PID on exit.
set -eu

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BT=$(mktemp -d /tmp/berth-bench-XXXXXX)
B_SOCK=$BT/berth.sock
D_SOCK=$BT/docker.sock
B_NS=berth-bench-b-$$
D_NS=berth-bench-d-$$
B_PID=""
D_PID=""
export PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

bench_deps() {
    "$BENCH_ROOT/scripts/deps.sh" test
    local missing=""
    command -v dockerd >/dev/null || missing="$missing docker.io"
    command -v hyperfine >/dev/null || missing="$missing hyperfine"
    if [ -n "$missing" ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            $missing >/dev/null
    fi
    "$BENCH_ROOT/scripts/build.sh" "$BENCH_ROOT/build"
    cc -O2 -pthread -o "$BT/apiload" "$BENCH_ROOT/bench/apiload.c"
}

wait_ping() { # wait_ping SOCK
    "$BT/apiload" waitping "$1" 60000
}

start_berthd() {
    ip netns list | grep -q "^$B_NS" || { ip netns add "$B_NS"; ip -n "$B_NS" link set lo up; }
    mkdir -p "$BT/b"
    echo '{}' >"$BT/b/daemon.json"
    nsenter --net="/run/netns/$B_NS" "$BENCH_ROOT/build/berthd" --data-root "$BT/b/data" \
        --exec-root "$BT/b/exec" -H "unix://$B_SOCK" --pidfile "$BT/b/pid" \
        --config-file "$BT/b/daemon.json" >>"$BT/b/log" 2>&1 &
    B_PID=$!
    wait_ping "$B_SOCK"
}

start_dockerd() {
    ip netns list | grep -q "^$D_NS" || { ip netns add "$D_NS"; ip -n "$D_NS" link set lo up; }
    mkdir -p "$BT/d"
    echo '{}' >"$BT/d/daemon.json"
    nsenter --net="/run/netns/$D_NS" dockerd --data-root "$BT/d/data" --exec-root "$BT/d/exec" \
        -H "unix://$D_SOCK" --pidfile "$BT/d/pid" --config-file "$BT/d/daemon.json" \
        >>"$BT/d/log" 2>&1 &
    D_PID=$!
    wait_ping "$D_SOCK"
}

stop_pid() { # stop_pid PID: SIGTERM, wait, then SIGKILL
    local pid=$1
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 300); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

stop_berthd() { stop_pid "$B_PID"; B_PID=""; }
stop_dockerd() { stop_pid "$D_PID"; D_PID=""; }

bench_cleanup() {
    for s in "$B_SOCK" "$D_SOCK"; do
        if [ -S "$s" ]; then
            ids=$(docker -H "unix://$s" ps -aq 2>/dev/null || true)
            [ -n "$ids" ] && docker -H "unix://$s" rm -f $ids >/dev/null 2>&1 || true
        fi
    done
    stop_berthd
    stop_dockerd
    grep -o " $BT[^ ]*" /proc/self/mounts | sort -r | while read -r m; do
        umount -l "$m" 2>/dev/null || true
    done
    ip netns del "$B_NS" 2>/dev/null || true
    ip netns del "$D_NS" 2>/dev/null || true
    rm -rf "$BT"
}
trap bench_cleanup EXIT

# rss_tree PID: VmRSS in kB of PID and all its descendants.
rss_tree() {
    local pid=$1 total=0 kids
    total=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    kids=$(cat /proc/"$pid"/task/*/children 2>/dev/null || true)
    for k in $kids; do
        total=$((total + $(rss_tree "$k")))
    done
    echo "$total"
}

# RSS of dockerd, its containerd and every shim (shims are reparented).
rss_docker() {
    local total
    total=$(rss_tree "$D_PID")
    for p in $(pgrep -f "containerd-shim.*$BT" 2>/dev/null || true); do
        total=$((total + $(awk '/VmRSS/ {print $2}' /proc/$p/status 2>/dev/null || echo 0)))
    done
    echo "$total"
}

# RSS of berthd and the conmon monitors of its containers (conmon outlives
# berthd by design, so it is found by its exec root on the command line).
rss_berth() {
    local total
    total=$(awk '/VmRSS/ {print $2}' /proc/"$B_PID"/status)
    for p in $(pgrep -f "conmon.*$BT" 2>/dev/null || true); do
        total=$((total + $(awk '/VmRSS/ {print $2}' /proc/$p/status 2>/dev/null || echo 0)))
    done
    echo "$total"
}

# median_ms JSON: median of a hyperfine export, in ms.
median_ms() {
    jq -r '.results[0].median * 1000 | . * 10 | round / 10' "$1"
}

ROWS=()
row() { # row NAME BERTH DOCKERD UNIT [lower-is-better|higher-is-better] [note]
    local ratio
    ratio=$(awk -v b="$2" -v d="$3" 'BEGIN { if (d > 0) printf "%.3f", b / d; else print "n/a" }')
    ROWS+=("| $1 | $2 $4 | $3 $4 | $ratio | ${6:-} |")
    echo "  $1: berth $2 $4, dockerd $3 $4, ratio $ratio ${6:-}" >&2
}

print_table() {
    echo "| workload | berth | dockerd | berth/dockerd | note |"
    echo "|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
}
