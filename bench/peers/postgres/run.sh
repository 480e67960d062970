#!/usr/bin/env bash
# The lifecycle against the number of clients: PostgreSQL (schema.sql and
# hitd_bench_postgres, synchronous_commit on and off) beside hitd on its RocksDB
# store (hitd_bench_durable's BM_DurableLifecycleClients, sync and wal), in
# the same run. Builds nothing: build hitd_bench_postgres and hitd_bench_durable
# first (cmake --build BUILD -j2 --target hitd_bench_postgres hitd_bench_durable).
#
#   bash bench/peers/postgres/run.sh [BUILD_DIR] [--build DIR] [--reps N] [--seconds S]
#        [--clients LIST] [--requesters N] [--no-hitd] [--out FILE] [--smoke]
#
#   --build DIR      the build directory (default: build; or the first argument)
#   --reps N         repetitions, alternating PostgreSQL and hitd (default 5,
#                    or $REPS)
#   --seconds S      wall time per point and repetition (default 2)
#   --clients LIST   which client counts (default "1 2 4 8 16 32 64")
#   --requesters N   requesters publishing in PostgreSQL (default 1, as hitd's)
#   --no-hitd        PostgreSQL only
#   --out FILE       also write the medians table and the raw JSON there
#   --smoke          one short run: 2 clients, 0.3 s, PostgreSQL only; the
#                    ledger check must pass (the bench_pg_smoke test)
#
# With OUT_JSON set (bench/compare.sh sets it), every run's Google Benchmark
# results also go there as one JSON document (BM_PostgresLifecycle and
# BM_DurableLifecycleClients; one entry per run and repetition).
#
# Per repetition: a fresh database on one throwaway server, the whole
# PostgreSQL sweep, then the whole hitd sweep. The server lives in a
# temporary directory under /tmp, listens on a Unix socket there only (no
# TCP), runs as the user postgres (or nobody) when this script runs as root,
# and is stopped and removed on exit. Every step is bounded by `timeout`.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
here=$root/bench/peers/postgres
build=$root/build
reps=${REPS:-5}
seconds=2
clients='1 2 4 8 16 32 64'
requesters=1
with_hitd=1
out=
smoke=0
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --requesters) requesters=$2; shift 2 ;;
    --no-hitd) with_hitd=0; shift ;;
    --out) out=$2; shift 2 ;;
    --smoke) smoke=1; shift ;;
    -*) echo "run.sh: unknown argument '$1' (see the header of $0)" >&2; exit 2 ;;
    *) build=$1; shift ;;
  esac
done
case $build in /*) ;; *) build=$PWD/$build ;; esac
[[ $clients =~ ^[0-9]+( [0-9]+)*$ ]] || { echo "run.sh: --clients must be numbers separated by spaces" >&2; exit 2; }
[[ $reps =~ ^[0-9]+$ ]] && [ "$reps" -ge 1 ] && [ "$reps" -le 50 ] ||
  { echo "run.sh: --reps must be 1..50" >&2; exit 2; }
[[ $seconds =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "run.sh: --seconds must be a number" >&2; exit 2; }
if [ $smoke = 1 ]; then
  reps=1 seconds=0.3 clients=2 with_hitd=0
fi
alternation=${clients// /|}

pgbin=${HITD_PG_BIN:-/usr/lib/postgresql/15/bin}   # Debian bookworm's PostgreSQL 15
for f in "$pgbin/initdb" "$pgbin/pg_ctl" "$pgbin/postgres" "$(command -v psql || echo psql)"; do
  [ -x "$f" ] || { echo "run.sh: FAILED: PostgreSQL 15 is missing ($f): run scripts/setup.sh (it installs postgresql)" >&2; exit 2; }
done
pg_driver=$build/bench/hitd_bench_postgres
hitd_driver=$build/bench/hitd_bench_durable
for f in "$pg_driver" $([ $with_hitd = 1 ] && echo "$hitd_driver"); do
  [ -x "$f" ] || { echo "run.sh: FAILED: $f is missing: build it first" >&2; exit 2; }
done

# The server may not run as root: as postgres (Debian's package makes it),
# else nobody.
run_as=()
if [ "$(id -u)" = 0 ]; then
  if id postgres >/dev/null 2>&1; then run_as=(runuser -u postgres --); else run_as=(runuser -u nobody --); fi
fi
dir=$(mktemp -d /tmp/hitd-pg-XXXXXX)
stop() {
  if [ -f "$dir/data/postmaster.pid" ]; then
    timeout 60 "${run_as[@]}" "$pgbin/pg_ctl" -D "$dir/data" -m fast -w -t 50 stop >/dev/null 2>&1 || {
      # Still there: its process, by the pid it wrote.
      pid=$(head -1 "$dir/data/postmaster.pid" 2>/dev/null || true)
      [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
    }
  fi
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM
[ ${#run_as[@]} = 0 ] || chown "${run_as[2]}" "$dir"
chmod 700 "$dir"
pguser=$("${run_as[@]}" id -un)

say() { echo "+ $*" >&2; }
cmd=("${run_as[@]}" "$pgbin/initdb" -D "$dir/data" -U "$pguser" -A trust -E UTF8 --locale=C --no-sync)
say "${cmd[*]}"
timeout 120 "${cmd[@]}" >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }

# Settings for this machine (2 cores, 24 GiB, a disk whose fsync takes
# about 3.5 ms: pg_test_fsync): durable as shipped (fsync, full pages,
# synchronous_commit on by default, the driver sets it per session), room
# for 64 clients, buffers well above the working set, checkpoints far
# enough apart not to fall inside a run, the socket in the private directory only.
cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$dir'
max_connections = 100
shared_buffers = 2GB
wal_buffers = 64MB
max_wal_size = 8GB
min_wal_size = 1GB
checkpoint_timeout = 30min
checkpoint_completion_target = 0.9
fsync = on
full_page_writes = on
synchronous_commit = on
wal_writer_delay = 10ms
effective_cache_size = 8GB
random_page_cost = 1.1
jit = off
EOF
cmd=("${run_as[@]}" "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start)
say "${cmd[*]}"
timeout 90 "${cmd[@]}" >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
export PGHOST=$dir PGUSER=$pguser PGDATABASE=hitd PGCONNECT_TIMEOUT=10

started="$(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)"
json_dir=$dir/json
mkdir -p "$json_dir"
# Each PostgreSQL sweep: (14 points + connecting) x seconds, and the ledger check.
limit=$(awk -v s="$seconds" 'BEGIN { printf "%d", 300 + 16 * s * 4 }')
status=0
for rep in $(seq 1 "$reps"); do
  PGOPTIONS='-c client_min_messages=warning' timeout 60 psql -q -d postgres -c 'DROP DATABASE IF EXISTS hitd' \
    -c 'CREATE DATABASE hitd' >/dev/null
  timeout 60 psql -q -v ON_ERROR_STOP=1 -f "$here/schema.sql" >/dev/null
  cmd=(env HITD_BENCH_SECONDS="$seconds" HITD_PG_REQUESTERS="$requesters" "$pg_driver"
       "--benchmark_filter=BM_PostgresLifecycle/sync:[01]/clients:($alternation)/"
       --benchmark_out="$json_dir/pg_$rep.json" --benchmark_out_format=json)
  say "PGHOST=$PGHOST PGUSER=$PGUSER PGDATABASE=$PGDATABASE timeout $limit ${cmd[*]}"
  if ! timeout "$limit" "${cmd[@]}"; then
    echo "run.sh: FAILED: the PostgreSQL run $rep failed (server log: $(tail -5 "$dir/server.log"))" >&2
    status=1
    break
  fi
  if [ $with_hitd = 1 ]; then
    cmd=(env HITD_BENCH_SECONDS="$seconds" "$hitd_driver"
         "--benchmark_filter=BM_DurableLifecycleClients/mode:[01]/clients:($alternation)/"
         --benchmark_out="$json_dir/hitd_$rep.json" --benchmark_out_format=json)
    say "timeout $limit ${cmd[*]}"
    if ! timeout "$limit" "${cmd[@]}"; then
      echo "run.sh: FAILED: the hitd run $rep failed" >&2
      status=1
      break
    fi
  fi
done

if [ $status = 0 ] && [ $smoke = 0 ]; then
  table=$(python3 "$here/summarize.py" "$json_dir"/*.json)
  echo "$table"
  if [ -n "$out" ]; then
    {
      echo "# bench/peers/postgres/run.sh $(date -u +%FT%TZ) commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null)" \
           "reps=$reps seconds=$seconds requesters=$requesters load: $(cut -d' ' -f1-3 /proc/loadavg)"
      echo "started $started"
      python3 "$here/summarize.py" --raw "$json_dir"/*.json
    } >"$out"
    echo "results written to $out" >&2
  fi
fi
if [ $status = 0 ] && [ -n "${OUT_JSON:-}" ]; then
  python3 - "$OUT_JSON" "$json_dir"/*.json <<'PY'
import json, sys
out, paths = sys.argv[1], sys.argv[2:]
docs = [json.load(open(p)) for p in paths]
merged = {"context": docs[0].get("context", {}), "benchmarks": [b for d in docs for b in d.get("benchmarks", [])]}
json.dump(merged, open(out, "w"), indent=1)
PY
  echo "results (JSON) written to $OUT_JSON" >&2
fi
[ $status = 0 ] && [ $smoke = 1 ] && echo "run.sh: smoke run passed (the ledger check above)"
exit $status
