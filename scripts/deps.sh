#!/usr/bin/env bash
# Install berth's Debian dependencies (build, run and test).  Skips apt
# entirely when everything is already there.
#   usage: deps.sh [run|test]
set -eu
what=${1:-test}

run_pkgs="meson ninja-build pkg-config gcc libc6-dev libmicrohttpd-dev libjansson-dev
  libsqlite3-dev libarchive-dev libcurl4-openssl-dev libssl-dev libnl-3-dev
  libnl-route-3-dev libnftables-dev libseccomp-dev libcap-dev conmon runc crun catatonit
  iproute2 nftables busybox-static curl util-linux zstd xz-utils"
test_pkgs="libcmocka-dev clang-format jq python3 libclang-rt-14-dev tmux bsdutils"

pkgs=$run_pkgs
[ "$what" = test ] && pkgs="$pkgs $test_pkgs"

missing=""
for p in $pkgs; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
# The docker CLI drives berth; Debian's docker.io ships one when the host has
# none (its daemon is never started by berth's scripts).
if ! command -v docker >/dev/null 2>&1; then
    missing="$missing docker.io"
fi

if [ -n "$missing" ]; then
    echo "deps: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
