#!/usr/bin/env bash
# Install what the tests need, build berth (plain and with ASan+UBSan), check
# formatting, run the unit tests and the integration tests against both
# builds, and end with one line "N passed, N failed".
#   usage: test.sh [--quick]   (--quick: skip the sanitizer pass)
set -u
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "test.sh: run as root" >&2; exit 1; }
quick=0
[ "${1:-}" = "--quick" ] && quick=1

scripts/deps.sh test || { echo "0 passed, 1 failed"; exit 1; }

pass=0
fail=0
count() { # count TAP lines of a log
    local p f
    p=$(grep -c '^ok ' "$1")
    f=$(grep -c '^not ok ' "$1")
    pass=$((pass + p))
    fail=$((fail + f))
}
step_fail() {
    echo "not ok - $1"
    fail=$((fail + 1))
}

# Formatting is checked, not trusted.
files=$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h' 2>/dev/null)
if clang-format --dry-run --Werror $files >/tmp/berth-format.log 2>&1; then
    echo "ok - clang-format"
    pass=$((pass + 1))
else
    step_fail "clang-format (see below)"
    head -30 /tmp/berth-format.log
fi

run_suite() { # run_suite BUILD_DIR LABEL
    local dir=$1 label=$2 log
    log=$(mktemp)
    for t in "$dir"/tests/unit/test_*; do
        [ -x "$t" ] || continue
        CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1 | sed "s/^\(not \)\?ok [0-9]* - /&$label $(basename "$t"): /" \
            | tee -a "$log" | grep -E '^(not ok|#)' || true
    done
    echo "# $label integration"
    tests/integration/run.sh "$dir/berthd" 2>&1 | sed "s/^\(not \)\?ok [0-9]* - /&$label /" \
        | tee -a "$log" | grep -Ev '^ok ' || true
    count "$log"
    rm -f "$log"
}

if scripts/build.sh build; then
    echo "ok - build"
    pass=$((pass + 1))
    run_suite build plain
else
    step_fail "build"
fi

if [ "$quick" = 0 ]; then
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    if scripts/build.sh build-asan -Db_sanitize=address,undefined -Db_lundef=false \
        -Dbuildtype=debug; then
        echo "ok - build (asan+ubsan)"
        pass=$((pass + 1))
        run_suite build-asan asan
    else
        step_fail "build (asan+ubsan)"
    fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
