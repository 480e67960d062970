#!/usr/bin/env bash
# Installs the Debian bookworm packages hitd needs to build, test and
# benchmark, and the npm packages of the Node.js test clients. Run as root on
# a fresh machine; running it again is harmless.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config
  libcaf-dev                      # CAF 0.17.6: the actor runtime
  librocksdb-dev rocksdb-tools    # storage (issue 3) and ldb for reading records
  libboost1.81-dev libboost-json1.81-dev libssl-dev   # gateway (issues 4, 5)
  libgtest-dev libgmock-dev libbenchmark-dev          # tests and benchmarks
  libgoogle-perftools-dev         # tcmalloc for hitd's own executables (docs/architecture.md)
  postgresql libpq-dev            # the PostgreSQL peer of the lifecycle benchmark (bench/peers/postgres):
                                  # the server run.sh starts, libpq for its driver (issue 6)
  nodejs npm                      # the Node.js test clients (tests/gateway/node; issues 4, 5)
  python3-boto3 python3-websocket # boto3 drives the MTurk API and websocket-client the workers in
                                  # tests/gateway/python (issue 5); the test runs /usr/bin/python3
  chromium                        # the web pages' end-to-end test drives it headless (tests/web; issue 7)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' && continue
  # A nodejs from elsewhere (e.g. NodeSource) bundles npm and conflicts with
  # Debian's npm package: an npm on PATH counts as installed.
  [ "$p" = npm ] && command -v npm >/dev/null 2>&1 && continue
  missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends "${missing[@]}"
fi

# The Node.js test clients' packages (`ws`, `@aws-sdk/client-mturk`), exactly as package-lock.json
# pins them; only when node_modules is missing or the lock changed since
# (node_modules/.hitd-package-lock.json is the lock it was installed from).
# The web pages' end-to-end test (tests/web/node): `playwright-core`, which
# downloads no browser; it drives Debian's chromium installed above.
root="$(cd "$(dirname "$0")/.." && pwd)"
for node_client in "$root/tests/gateway/node" "$root/tests/web/node"; do
  if ! cmp -s "$node_client/package-lock.json" "$node_client/node_modules/.hitd-package-lock.json"; then
    (cd "$node_client" && npm ci --no-audit --no-fund &&
       cp package-lock.json node_modules/.hitd-package-lock.json)
  fi
done
