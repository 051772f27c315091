# Helpers for integration tests; sourced by run.sh before each t_*.sh file.
#
# Each test file gets its own berthd with a private data root, exec root and
# socket, running inside a network namespace of its own ($BERTH_NS) so its
# bridges and firewall table never reach the host.  DOCKER_HOST points at
# it.  A test is a shell function named test_*; it fails when any command in
# it fails (it runs under `set -e` in a subshell).

fail() {
    echo "FAIL: $*" >&2
    return 1
}

# assert_eq EXPECTED ACTUAL [what]
assert_eq() {
    if [ "$1" != "$2" ]; then
        fail "${3:-value}: expected [$1], got [$2]"
    fi
}

# assert_contains HAYSTACK NEEDLE [what]
assert_contains() {
    case "$1" in
    *"$2"*) ;;
    *) fail "${3:-output}: [$1] does not contain [$2]" ;;
    esac
}

assert_not_contains() {
    case "$1" in
    *"$2"*) fail "${3:-output}: [$1] contains [$2]" ;;
    *) ;;
    esac
}

# expect_fail CMD...: the command must exit non-zero; its output is in $OUT
# and its exit code in $RC.
expect_fail() {
    set +e
    OUT=$("$@" 2>&1)
    RC=$?
    set -e
    if [ "$RC" -eq 0 ]; then
        fail "expected failure from: $* (output: $OUT)"
    fi
}

# run_rc CMD...: run, keep output in $OUT and exit code in $RC.
run_rc() {
    set +e
    OUT=$("$@" 2>&1)
    RC=$?
    set -e
}

# Raw API call over the daemon's socket: api METHOD PATH [curl args...]
# sets $BODY and $STATUS (call it directly, not in $(...)).
api() {
    local method=$1 path=$2
    shift 2
    local out
    out=$(curl -s -w '\n%{http_code}' --unix-socket "$BERTH_SOCK" -X "$method" \
        "http://berth$path" "$@")
    STATUS=${out##*$'\n'}
    BODY=${out%$'\n'*}
}

# Run a command inside the daemon's network namespace.
in_netns() {
    nsenter --net="/run/netns/$BERTH_NS" "$@"
}

# Wait until CMD succeeds, at most N tenths of a second.
wait_until() {
    local tries=$1
    shift
    while ! "$@" >/dev/null 2>&1; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || return 1
        sleep 0.1
    done
}

# Start a berthd with extra flags (the file's daemon is started for you;
# tests that restart call berth_stop then berth_start).
berth_start() {
    mkdir -p "$BERTH_TMP/data" "$BERTH_TMP/exec"
    nsenter --net="/run/netns/$BERTH_NS" "$BERTHD" \
        --data-root "$BERTH_TMP/data" --exec-root "$BERTH_TMP/exec" \
        -H "unix://$BERTH_SOCK" --pidfile "$BERTH_TMP/berthd.pid" \
        --config-file "$BERTH_TMP/daemon.json" --debug $BERTH_FLAGS "$@" \
        >>"$BERTH_TMP/berthd.log" 2>&1 &
    BERTH_PID=$!
    echo "$BERTH_PID" >"$BERTH_TMP/berthd.pidof"
    if ! wait_until 100 curl -sf --unix-socket "$BERTH_SOCK" http://berth/_ping; then
        echo "berthd did not answer /_ping; log:" >&2
        tail -20 "$BERTH_TMP/berthd.log" >&2
        return 1
    fi
}

# Stop the daemon: SIGTERM (graceful), or SIGKILL with `berth_stop -9`.
berth_stop() {
    local pid
    pid=$(cat "$BERTH_TMP/berthd.pidof" 2>/dev/null) || return 0
    [ -n "$pid" ] || return 0
    if [ "${1:-}" = "-9" ]; then
        kill -9 "$pid" 2>/dev/null || true
    else
        kill -TERM "$pid" 2>/dev/null || true
    fi
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -f "$BERTH_TMP/berthd.pidof"
}
