#!/usr/bin/env bash
# Installs what hitd needs, builds everything with warnings as errors, and
# runs every test (ctest: unit, engine, concurrency, the embedding example,
# and a smoke run of each benchmark).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build=${HITD_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHITD_WERROR=ON
cmake --build "$build" -j2
ctest --test-dir "$build" --output-on-failure -j2 --timeout 900
