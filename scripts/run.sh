#!/usr/bin/env bash
# Installs what hitd needs, builds it, and runs hitd's main job. Until the
# server lands (issue 4) that is the embedding example: a requester publishes
# a HIT, workers accept and submit, approval pays, and the balances print.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build=${HITD_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j2 --target hitd_embedding_example
exec "$build/hitd_embedding_example"
