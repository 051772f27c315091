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

remove_containers() {
    if [ -S "$BERTH_SOCK" ]; then
        ids=$(DOCKER_HOST="unix://$BERTH_SOCK" timeout 20 docker ps -aq 2>/dev/null)
        [ -n "$ids" ] && DOCKER_HOST="unix://$BERTH_SOCK" timeout 60 docker rm -f $ids \
            >/dev/null 2>&1
    fi
}

cleanup_file() {
    # Containers first (through the daemon, while it still runs), then the
    # daemon, then anything mounted under the temporary root.
    remove_containers
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

    # A daemon built with sanitizers reports at exit, after the tests ran:
    # its log is one more check of the file.
    remove_containers
    berth_stop
    n=$((n + 1))
    if grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$BERTH_TMP/berthd.log" 2>/dev/null
    then
        failn=$((failn + 1))
        echo "not ok $n - $base: daemon sanitizer report"
        grep -E -A12 "ERROR: (Address|Leak)Sanitizer|runtime error:" "$BERTH_TMP/berthd.log" \
            | head -40 | sed 's/^/#   /'
    else
        pass=$((pass + 1))
        echo "ok $n - $base: no sanitizer report from the daemon"
    fi

    # Whatever the daemon made for this file must be gone now: processes
    # (conmon, runc init) and cgroups of its containers.
    ids=$(ls "$BERTH_TMP/exec/containers" "$BERTH_TMP/data/containers" 2>/dev/null | sort -u)
    cleanup_file
    trap - EXIT
    left=""
    for f in /proc/[0-9]*/cmdline; do
        case "$(tr '\0' ' ' 2>/dev/null <"$f")" in
        *"$BERTH_TMP"*) pid=${f#/proc/}; left="$left ${pid%/cmdline}" ;;
        esac
    done
    for id in $ids; do
        ls -d /sys/fs/cgroup/*/berth/"$id" 2>/dev/null && left="$left cgroup:$id"
    done
    n=$((n + 1))
    if [ -n "$left" ]; then
        failn=$((failn + 1))
        echo "not ok $n - $base: nothing left behind"
        for pid in $left; do
            case $pid in
            cgroup:*) echo "#   cgroup ${pid#cgroup:}" ;;
            *) echo "#   pid $pid: $(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null | cut -c1-100)"
               kill -9 "$pid" 2>/dev/null ;;
            esac
        done
    else
        pass=$((pass + 1))
        echo "ok $n - $base: nothing left behind"
    fi
    unset BERTH_NO_DAEMON
done

echo "integration: $pass passed, $failn failed"
[ "$failn" -eq 0 ]
