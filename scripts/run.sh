#!/usr/bin/env bash
# Build berth and start berthd with its defaults: state in /var/lib/berth
# (SQLite), socket /run/berth.sock, default bridge network.  The daemon runs
# in the background; its log is /var/log/berthd.log.
#   then: export DOCKER_HOST=unix:///run/berth.sock; docker version
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "run.sh: run as root" >&2; exit 1; }

scripts/deps.sh run
scripts/build.sh build

sock=/run/berth.sock
if curl -sf --unix-socket "$sock" http://berth/_ping >/dev/null 2>&1; then
    echo "berthd is already running on $sock"
else
    nohup build/berthd "$@" >>/var/log/berthd.log 2>&1 </dev/null &
    for _ in $(seq 100); do
        curl -sf --unix-socket "$sock" http://berth/_ping >/dev/null 2>&1 && break
        if ! kill -0 $! 2>/dev/null; then
            echo "berthd failed to start:" >&2
            tail -5 /var/log/berthd.log >&2
            exit 1
        fi
        sleep 0.1
    done
    echo "berthd started (pid $!), log /var/log/berthd.log"
fi

# Offer busybox:latest made from Debian's busybox-static, so that
# `docker run busybox ...` works without a registry.
if [ -x tests/fixtures/make-busybox-image.sh ] &&
    ! DOCKER_HOST=unix://$sock docker image inspect busybox:latest >/dev/null 2>&1; then
    tests/fixtures/make-busybox-image.sh /tmp/berth-busybox.tar &&
        DOCKER_HOST=unix://$sock docker load -q -i /tmp/berth-busybox.tar || true
fi
echo "use it with: export DOCKER_HOST=unix://$sock"
