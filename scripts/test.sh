#!/usr/bin/env bash
# Installs what hitd needs, builds everything with warnings as errors, and
# runs every test (ctest: unit, engine, concurrency, the embedding example,
# and a smoke run of each benchmark); then builds the tests again with
# AddressSanitizer, UndefinedBehaviorSanitizer and LeakSanitizer and runs
# them there too.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build=${HITD_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHITD_WERROR=ON
cmake --build "$build" -j2
ctest --test-dir "$build" --output-on-failure -j2 --timeout 900

asan="$build-sanitizers"
cmake -S . -B "$asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DHITD_WERROR=ON -DHITD_BUILD_BENCH=OFF \
  -DHITD_TCMALLOC=OFF -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined"
cmake --build "$asan" -j2
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$asan" --output-on-failure -j2 --timeout 900
