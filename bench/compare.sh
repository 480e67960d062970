#!/usr/bin/env bash
# The whole comparison in one command: hitd beside what a user would pick
# instead, each figure the median of REPS runs, each ratio taken run by run
# in the same run; then docs/benchmarks.md's generated section and its plots
# (docs/images/bench-*.svg) are rewritten from the records.
#
#   bash scripts/setup.sh        # once, as root: the packages (the README's setup)
#   bash bench/compare.sh        # builds the benchmarks (incrementally) and runs everything
#
# What runs (each bounded in count and time, everything on 127.0.0.1 or in
# process):
#   1. lifecycles per second, engine in memory (hitd_bench_engine);
#   2. lifecycles per second on RocksDB in `sync` and `wal` (hitd_bench_durable),
#      beside RocksDB alone writing the same records;
#   3. the PostgreSQL peer (bench/peers/postgres) doing the same lifecycles;
#   4. memory per live HIT and start time with 1,000,000 stored HITs;
#   5. the live feed, hitd against the Node.js `ws` peer, the same clients and
#      rate, alternating; then 10,000 clients held by hitd.
#
# Environment: HITD_BUILD_DIR (build), REPS (5), FEED_CLIENTS (1000),
# FEED_RATE (events/s, 10), HELD_CLIENTS (10000), START_HITS (1000000: 100000 or 1000000), RESULTS (bench/results/compare-<time>),
# NO_DOCS=1 (records only, docs/ untouched).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${HITD_BUILD_DIR:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
REPS=${REPS:-5}
FEED_CLIENTS=${FEED_CLIENTS:-1000}
FEED_RATE=${FEED_RATE:-10}
HELD_CLIENTS=${HELD_CLIENTS:-10000}
START_HITS=${START_HITS:-1000000}
stamp=$(date -u +%Y-%m-%dT%H%MZ)
RESULTS=${RESULTS:-$root/bench/results/compare-$stamp}
mkdir -p "$RESULTS"
: > "$RESULTS/records.jsonl"
start=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
log() { echo "[compare $(($(date +%s) - start))s] $*" >&2; }

# ---- build -------------------------------------------------------------------------------
log "building the benchmarks in $build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=(hitd_bench_engine hitd_bench_durable hitd_bench_feed hitd_bench_feed_server)
if grep -q 'hitd_bench_postgres' "$build/build.ninja" 2>/dev/null; then targets+=(hitd_bench_postgres); fi
cmake --build "$build" -j2 --target "${targets[@]}" >/dev/null
bench=$build/bench
gb=(--benchmark_repetitions="$REPS" --benchmark_out_format=json)
to_records() { python3 "$root/bench/compare/to_records.py" "$@" >&2; }

# ---- 1. in memory ------------------------------------------------------------------------
log "1/5 lifecycles in memory"
"$bench/hitd_bench_engine" --benchmark_filter='BM_EngineLifecycle/per_hit:1/concurrency:512/sharing:0' \
  "${gb[@]}" --benchmark_out="$RESULTS/engine.json" >/dev/null
to_records gbench "$RESULTS" "$RESULTS/engine.json"

# ---- 2. on RocksDB, beside RocksDB alone and PostgreSQL -----------------------------------
log "2/5 lifecycles on RocksDB (sync, wal), RocksDB alone writing the same"
# Each mode's engine runs, then RocksDB alone writing what the engine's last
# run of that mode wrote (the limit of the persistence path).
"$bench/hitd_bench_durable" --benchmark_filter='BM_DurableLifecycle/mode:[01]/per_hit:1/|BM_RawRocksdb(SameWrites|Replay)/mode:[01]/' \
  "${gb[@]}" --benchmark_out="$RESULTS/durable.json" >/dev/null
to_records gbench "$RESULTS" "$RESULTS/durable.json"

log "3/5 PostgreSQL"
if [ -x "$root/bench/peers/postgres/run.sh" ] && [ -x "$bench/hitd_bench_postgres" ]; then
  REPS=$REPS OUT_JSON="$RESULTS/postgres.json" timeout 900 bash "$root/bench/peers/postgres/run.sh" "$build" >&2
  to_records gbench "$RESULTS" "$RESULTS/postgres.json"
else
  log "the PostgreSQL peer is not built: its column stays empty"
fi

# ---- 4. memory and start -----------------------------------------------------------------
# Memory in a fresh process each time (a second measurement in the same
# process reuses what the allocator kept from the first).
log "4/5 memory per HIT ($REPS processes) and start with $START_HITS stored HITs"
for i in $(seq 1 "$REPS"); do
  for parked in 0 1; do   # each HIT with its actor; parked without it (no store)
    "$bench/hitd_bench_durable" --benchmark_filter="BM_ResidentMemory/n:50000/parked:$parked/" \
      --benchmark_out_format=json --benchmark_out="$RESULTS/memory-$i-$parked.json" >/dev/null
    to_records gbench "$RESULTS" "$RESULTS/memory-$i-$parked.json" "$i"
  done
done
"$bench/hitd_bench_durable" --benchmark_filter="BM_StartWithStoredHits/hits:$START_HITS/" \
  "${gb[@]}" --benchmark_out="$RESULTS/start.json" >/dev/null
to_records gbench "$RESULTS" "$RESULTS/start.json"

# ---- 5. the live feed --------------------------------------------------------------------
log "5/5 the live feed: hitd and ws, $FEED_CLIENTS clients at $FEED_RATE events/s, $REPS runs each"
peer=$root/bench/peers/ws_broadcast
if [ ! -d "$peer/node_modules/ws" ]; then (cd "$peer" && npm ci --no-audit --no-fund >/dev/null); fi
feed_run() {   # SERVER CLIENTS RATE PHASE REP
  local cmd
  if [ "$1" = hitd ]; then cmd="$bench/hitd_bench_feed_server --workers $2"; else cmd="node $peer/server.mjs"; fi
  local line rc=0
  # The load generator exits 0 only when every client got every event.
  line=$(timeout 120 "$bench/hitd_bench_feed" --server "$cmd" --label "$1" --clients "$2" --sources 4 \
           --rate "$3" --duration 5 --drain 3 --threads 2 --wave 500 --connect-timeout 60 2>>"$RESULTS/feed.err") || rc=$?
  [ -n "$line" ] || line="RESULT server=$1 clients=$2 rate=$3 failed=1"
  echo "$line phase=$4 rc=$rc" > "$RESULTS/feed-$4-$1-$5.txt"
  to_records feed "$RESULTS" "$5" "$RESULTS/feed-$4-$1-$5.txt"
}
for i in $(seq 1 "$REPS"); do
  feed_run hitd "$FEED_CLIENTS" "$FEED_RATE" same "$i"
  feed_run ws "$FEED_CLIENTS" "$FEED_RATE" same "$i"
done
log "5/5 $HELD_CLIENTS clients held by hitd, $REPS runs"
for i in $(seq 1 "$REPS"); do
  feed_run hitd "$HELD_CLIENTS" 1 held "$i"
done

# ---- the document ------------------------------------------------------------------------
elapsed=$(($(date +%s) - start))
python3 - "$RESULTS/machine.json" <<EOF
import json, os, platform, subprocess, sys
def sh(c):
    try:
        return subprocess.run(c, shell=True, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        return "?"
cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip() or platform.processor()
mem = sh("awk '/MemTotal/ {printf \"%.0f GiB\", \$2/1048576}' /proc/meminfo")
os_name = sh(". /etc/os-release && echo \$PRETTY_NAME")
json.dump({"command": "bash bench/compare.sh", "date": "$stamp", "commit": sh("git -C '$root' rev-parse --short HEAD"),
           "elapsed_s": $elapsed, "cpu": cpu, "cores": os.cpu_count(), "memory": mem, "os": os_name,
           "load_start": "$load_start", "reps": $REPS, "start_hits": $START_HITS,
           "records": os.path.relpath("$RESULTS/records.jsonl", "$root")}, open(sys.argv[1], "w"), indent=1)
EOF
if [ "${NO_DOCS:-0}" != 1 ]; then
  python3 "$root/bench/compare/report.py" "$RESULTS" "$root/docs"
fi
log "done in ${elapsed}s: $RESULTS"
