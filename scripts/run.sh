#!/usr/bin/env bash
# Installs what hitd needs, builds it, and runs hitd's main job: the server on
# 127.0.0.1:8080 with a RocksDB data directory and demo accounts, whose
# credentials it prints (docs/operations.md). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build=${HITD_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j2 --target hitd
exec "$build/gateway/hitd" serve --demo --data-dir "${HITD_DATA_DIR:-/tmp/hitd-demo}" --listen 127.0.0.1:8080
