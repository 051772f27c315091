#!/usr/bin/env bash
# Configure and build into DIR (default build/); extra args go to meson.
#   usage: build.sh [DIR [meson options...]]
set -eu
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@" >/dev/null
fi
ninja -C "$dir" >/dev/null || ninja -C "$dir"
