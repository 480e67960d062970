#!/usr/bin/env bash
# Installs the Debian bookworm packages hitd needs to build, test and
# benchmark. Run as root on a fresh machine; running it again is harmless.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config
  libcaf-dev                      # CAF 0.17.6: the actor runtime
  librocksdb-dev rocksdb-tools    # storage (issue 3) and ldb for reading records
  libboost1.81-dev libboost-json1.81-dev libssl-dev   # gateway (issues 4, 5)
  libgtest-dev libgmock-dev libbenchmark-dev          # tests and benchmarks
  libgoogle-perftools-dev         # tcmalloc for hitd's own executables (docs/architecture.md)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends "${missing[@]}"
fi
