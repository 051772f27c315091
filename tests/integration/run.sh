#!/usr/bin/env bash
# Integration test runner: for each tests/integration/t_*.sh it starts a
# berthd of its own (temporary roots and socket, own network namespace),
# runs each test_* function, then removes all the file's containers and
# everything the daemon made, even when a test failed.
#
# usage: run.sh BERTHD [FILTER]   prints TAP lines, then "N passed, N failed"
set -u
BERTHD=$(readlink -f "$1")
FILTER=${2:-}
HERE=$(cd "$(dirname "$0")" && pwd)
export BERTHD
export PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

pass=0
failn=0
n=0

cleanup_file() {
    # Containers first (through the daemon, while it still runs), then the
    # daemon, then anything mounted under the temporary root.
    if [ -S "$BERTH_SOCK" ]; then
        ids=$(DOCKER_HOST="unix://$BERTH_SOCK" timeout 20 docker ps -aq 2>/dev/null)
        [ -n "$ids" ] && DOCKER_HOST="unix://$BERTH_SOCK" timeout 60 docker rm -f $ids \
            >/dev/null 2>&1
    fi
    berth_stop
    grep -o " $BERTH_TMP[^ ]*" /proc/self/mounts | sort -r | while read -r m; do
        umount -l "$m" 2>/dev/null
    done
    ip netns del "$BERTH_NS" 2>/dev/null
    rm -rf "$BERTH_TMP"
}

for file in "$HERE"/t_*.sh; do
    base=$(basename "$file" .sh)
    [ -n "$FILTER" ] && [[ "$base" != *"$FILTER"* ]] && continue

    BERTH_TMP=$(mktemp -d /tmp/berth-it-XXXXXX)
    BERTH_SOCK="$BERTH_TMP/berth.sock"
    BERTH_NS="berth-it-$$-${base#t_}"
    BERTH_FLAGS=""
    echo '{}' >"$BERTH_TMP/daemon.json"
    export BERTH_TMP BERTH_SOCK BERTH_NS
    export DOCKER_HOST="unix://$BERTH_SOCK"
    ip netns add "$BERTH_NS"
    ip -n "$BERTH_NS" link set lo up

    # shellcheck source=lib.sh
    source "$HERE/lib.sh"
    # shellcheck disable=SC1090
    source "$file"
    trap cleanup_file EXIT

    started=1
    if [ "${BERTH_NO_DAEMON:-0}" != 1 ]; then
        berth_start || started=0
    fi

    for t in $(declare -F | awk '{print $3}' | grep '^test_'); do
        n=$((n + 1))
        log="$BERTH_TMP/$t.log"
        if [ "$started" = 1 ] && (set -e; "$t") >"$log" 2>&1; then
            pass=$((pass + 1))
            echo "ok $n - $base: $t"
        else
            failn=$((failn + 1))
            echo "not ok $n - $base: $t"
            sed 's/^/#   /' "$log" | tail -25
            [ "$started" = 1 ] || echo "#   (berthd did not start)"
            echo "#   berthd log tail:"
            tail -8 "$BERTH_TMP/berthd.log" 2>/dev/null | sed 's/^/#   /'
        fi
        unset -f "$t"
    done

    cleanup_file
    trap - EXIT
    unset BERTH_NO_DAEMON
done

echo "integration: $pass passed, $failn failed"
[ "$failn" -eq 0 ]
