#!/usr/bin/env bash
# berth against dockerd, side by side on the same machine, image and CLI.
# Prints a markdown table of medians and ratios.  Exits non-zero only when
# something failed to run, never on a slow figure.
#   usage: bench/run.sh [--quick]
source "$(dirname "$0")/lib.sh"
RUNS=30
PAR=50
MANY=1000
LOAD_MB=100
if [ "${1:-}" = "--quick" ]; then
    RUNS=10; PAR=16; MANY=100; LOAD_MB=20
fi

bench_deps >&2
B="docker -H unix://$B_SOCK"
D="docker -H unix://$D_SOCK"

echo "== starting daemons" >&2
start_berthd
start_dockerd
"$BENCH_ROOT/tests/fixtures/make-busybox-image.sh" "$BT/busybox.tar" >&2
$B load -q -i "$BT/busybox.tar" >/dev/null
$D load -q -i "$BT/busybox.tar" >/dev/null

hf() { # hf NAME CMD...: hyperfine median in ms
    local name=$1
    shift
    hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$BT/$name.json" "$*" >/dev/null 2>&1
    median_ms "$BT/$name.json"
}

echo "== floors" >&2
cli_cost=$(hf cli $B version)
mkdir -p "$BT/bundle/rootfs"
tar -C "$BT/bundle/rootfs" -xf "$BT/busybox.tar" --wildcards 'blobs/*' 2>/dev/null || true
rm -rf "$BT/bundle/rootfs"/*
python3 - "$BT/busybox.tar" "$BT/bundle/rootfs" <<'PY'
import json, sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    m = json.load(t.extractfile("manifest.json"))[0]
    for layer in m["Layers"]:
        tarfile.open(fileobj=t.extractfile(layer)).extractall(sys.argv[2])
PY
(cd "$BT/bundle" && runc spec && jq '.process.args=["true"] | .process.terminal=false' \
    config.json >c.json && mv c.json config.json)
hyperfine --warmup 3 --runs "$RUNS" --export-json "$BT/runc.json" \
    "nsenter --net=/run/netns/$B_NS runc run --bundle $BT/bundle lb\$RANDOM\$RANDOM" \
    >/dev/null 2>&1
runc_floor=$(median_ms "$BT/runc.json")
floor=$(awk -v a="$cli_cost" -v b="$runc_floor" 'BEGIN { printf "%.1f", a + b }')
echo "  docker version (CLI cost) $cli_cost ms, bare runc run $runc_floor ms" >&2

echo "== docker run --rm busybox true" >&2
row "\`docker run --rm busybox true\`" "$(hf brun $B run --rm busybox true)" \
    "$(hf drun $D run --rm busybox true)" ms lower "floor (CLI + runc run) $floor ms"
row "\`docker run --rm --network none busybox true\`" \
    "$(hf bnone $B run --rm --network none busybox true)" \
    "$(hf dnone $D run --rm --network none busybox true)" ms lower

echo "== $PAR x docker run -d, 8 in parallel" >&2
par() { # par DOCKER: wall ms
    local s e
    s=$(date +%s%N)
    seq "$PAR" | xargs -P8 -I{} $1 run -d busybox sleep 300 >/dev/null
    e=$(date +%s%N)
    echo $(((e - s) / 1000000))
}
bpar=$(par "$B")
dpar=$(par "$D")
row "$PAR x \`docker run -d\`, 8 parallel (wall)" "$bpar" "$dpar" ms lower

echo "== memory" >&2
b_busy=$(rss_berth)
d_busy=$(rss_docker)
$B rm -f $($B ps -aq) >/dev/null
$D rm -f $($D ps -aq) >/dev/null
sleep 2
row "RSS with $PAR running containers" "$((b_busy / 1024))" "$((d_busy / 1024))" MiB lower \
    "berthd+conmons vs dockerd+containerd+shims"
row "RSS idle" "$(($(rss_berth) / 1024))" "$(($(rss_docker) / 1024))" MiB lower

echo "== docker ps -a" >&2
row "\`docker ps -a\`, 0 containers" "$(hf bps0 $B ps -a)" "$(hf dps0 $D ps -a)" ms lower
seq "$MANY" | xargs -P8 -I{} $B create busybox true >/dev/null
seq "$MANY" | xargs -P8 -I{} $D create busybox true >/dev/null
row "\`docker ps -a\`, $MANY containers" "$(hf bpsn $B ps -a)" "$(hf dpsn $D ps -a)" ms lower

echo "== API requests/s" >&2
for path in /_ping /containers/json; do
    for conns in 1 16; do
        row "GET $path, $conns conn ($MANY containers stored)" "$("$BT/apiload" rps "$B_SOCK" "/v1.45$path" $conns 3)" \
            "$("$BT/apiload" rps "$D_SOCK" "/v1.41$path" $conns 3)" req/s higher
    done
done

echo "== daemon start to first /_ping" >&2
# Not in $(...): the daemon must stay our child, so that stopping it later
# is not slowed by PID 1 reaping an orphan.
start_ms() { # start_ms berthd|dockerd: sets START_MS
    local s e
    "stop_$1"
    s=$(date +%s%N)
    "start_$1"
    e=$(date +%s%N)
    START_MS=$(((e - s) / 1000000))
}
start_ms berthd; b_start=$START_MS
start_ms dockerd; d_start=$START_MS
row "start-up, $MANY stored containers" "$b_start" "$d_start" ms lower
$B rm -f $($B ps -aq) >/dev/null
$D rm -f $($D ps -aq) >/dev/null
start_ms berthd; b_start=$START_MS
start_ms dockerd; d_start=$START_MS
row "start-up, 0 containers" "$b_start" "$d_start" ms lower

echo "== docker load of ${LOAD_MB} MB" >&2
python3 "$BENCH_ROOT/bench/make-archive.py" "$BT/busybox.tar" "$BT/load.tar" "$LOAD_MB" 4 \
    >/dev/null
load_ms() { # load_ms DOCKER: best of 3, image removed between runs
    local best=999999 s e t
    for _ in 1 2 3; do
        $1 rmi -f berth-bench/load:latest >/dev/null 2>&1 || true
        s=$(date +%s%N)
        $1 load -q -i "$BT/load.tar" >/dev/null
        e=$(date +%s%N)
        t=$(((e - s) / 1000000))
        [ "$t" -lt "$best" ] && best=$t
    done
    echo "$best"
}
row "\`docker load\` ${LOAD_MB} MB, 4 layers (best of 3)" "$(load_ms "$B")" "$(load_ms "$D")" ms lower

echo
echo "berth bench, $(date -u +%Y-%m-%d), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB," \
    "kernel $(uname -r), dockerd $(dockerd --version | cut -d' ' -f3 | tr -d ,)"
echo "floors: docker CLI \`docker version\` $cli_cost ms; bare \`runc run\` $runc_floor ms"
echo
print_table
