#!/usr/bin/env bash
# CPU time per lifecycle at 8 clients, 5 s per case: PostgreSQL (the server's
# processes: the postmaster's own and reaped children's CPU times plus its
# live children's, read from /proc; and the driver's) against hitd's whole
# process (hitd_bench_durable's client sweep). Throughput depends on what
# else the machine runs; CPU per lifecycle much less. One run per case;
# includes each side's setup (2,000 workers, for PostgreSQL also the
# schema's functions' first compilation).
#
#   bash bench/peers/postgres/cpu_per_lifecycle.sh [BUILD_DIR]   (as root or the server's user)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../../build}
pgbin=${HITD_PG_BIN:-/usr/lib/postgresql/15/bin}
run_as=()
[ "$(id -u)" = 0 ] && run_as=(runuser -u postgres --)
d=$(mktemp -d /tmp/hitd-pgcpu-XXXXXX)
[ ${#run_as[@]} = 0 ] || chown postgres "$d"
trap 'timeout 60 "${run_as[@]}" "$pgbin/pg_ctl" -D "$d/data" -m fast -w stop >/dev/null 2>&1; rm -rf "$d"' EXIT
timeout 120 "${run_as[@]}" "$pgbin/initdb" -D "$d/data" -U postgres -A trust --no-sync >/dev/null
# run.sh's settings, with this directory for the socket.
sed -n '/^cat >>"\$dir\/data\/postgresql.conf" <<EOF$/,/^EOF$/p' "$here/run.sh" | sed '1d;$d' | sed "s|\$dir|$d|" \
  >>"$d/data/postgresql.conf"
timeout 90 "${run_as[@]}" "$pgbin/pg_ctl" -D "$d/data" -l "$d/log" -w start >/dev/null
export PGHOST=$d PGUSER=postgres PGDATABASE=hitd PGOPTIONS='-c client_min_messages=warning'
fresh() {
  timeout 60 psql -q -d postgres -c 'DROP DATABASE IF EXISTS hitd' -c 'CREATE DATABASE hitd'
  timeout 60 psql -q -v ON_ERROR_STOP=1 -f "$here/schema.sql"
}
pm=$(head -1 "$d/data/postmaster.pid")
ticks() {   # the server's CPU time so far, in clock ticks
  local s c
  s=$(awk '{print $14+$15+$16+$17}' "/proc/$pm/stat")
  for c in $(pgrep -P "$pm"); do s=$((s + $(awk '{print $14+$15}' "/proc/$c/stat" 2>/dev/null || echo 0))); done
  echo "$s"
}
hz=$(getconf CLK_TCK)
for sync in 0 1; do
  fresh
  a=$(ticks)
  out=$(HITD_BENCH_SECONDS=5 timeout 300 /usr/bin/time -f "driver_cpu_s=%U+%S" "$build/bench/hitd_bench_postgres" \
          --benchmark_filter="sync:$sync/clients:8/" 2>&1)
  sleep 1   # the backends exit and are reaped
  b=$(ticks)
  echo "PostgreSQL synchronous_commit=$([ $sync = 1 ] && echo on || echo off) clients=8:" \
       "server_cpu_s=$(awk -v t=$((b - a)) -v hz="$hz" 'BEGIN { print t / hz }')" \
       $(grep -o 'items_per_second=[0-9.k]*/s\|lifecycles=[0-9.k]*\|driver_cpu_s=.*\|ledger check: passed' <<<"$out" | tr '\n' ' ')
done
for mode in 0 1; do
  out=$(HITD_BENCH_SECONDS=5 timeout 300 /usr/bin/time -f "hitd_cpu_s=%U+%S" "$build/bench/hitd_bench_durable" \
          --benchmark_filter="BM_DurableLifecycleClients/mode:$mode/clients:8/" 2>&1)
  echo "hitd $([ $mode = 0 ] && echo sync || echo wal) clients=8:" \
       $(grep -o 'items_per_second=[0-9.k]*/s\|lifecycles=[0-9.k]*\|hitd_cpu_s=.*' <<<"$out" | tr '\n' ' ')
done
