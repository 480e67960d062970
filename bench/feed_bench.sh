#!/usr/bin/env bash
# The live-feed benchmark: hitd (bench/feed_server.cpp, wired like `hitd
# serve`) beside a Node.js ws broadcast server (bench/peers/ws_broadcast),
# measured by the same load generator (bench/feed_load.cpp) in the same run.
# Builds nothing: build hitd_bench_feed and hitd_bench_feed_server first
# (cmake --build BUILD -j2 --target hitd_bench_feed hitd_bench_feed_server).
#
#   bash bench/feed_bench.sh [BUILD_DIR]          (default: build)
#
# Environment: CLIENTS ("1000 10000"), REPS (5), DURATION (5 s of
# publishing per run), SWEEP_FROM (12500 deliveries/s), P99_MAX_MS (1000),
# OUT (the file for the raw RESULT lines).
#
# For each N in CLIENTS: a sweep (one run per step, each step x1.41 in
# offered deliveries/s = rate x N) finds each server's highest rate at
# which every delivery arrives and p99 stays under P99_MAX_MS (its "max
# rate"); then REPS runs of each server, alternating, at half of hitd's max
# rate: the same fan-out for both. Prints the medians with min-max.
# Each run is bounded (the load generator's own limits, and `timeout 60`).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
case $build in /*) ;; *) build=$PWD/$build ;; esac
load=$build/bench/hitd_bench_feed
hitd_server=$build/bench/hitd_bench_feed_server
peer=$root/bench/peers/ws_broadcast
CLIENTS=${CLIENTS:-"1000 10000"}
REPS=${REPS:-5}
DURATION=${DURATION:-5}
SWEEP_FROM=${SWEEP_FROM:-12500}
P99_MAX_MS=${P99_MAX_MS:-1000}
OUT=${OUT:-$build/feed_bench_$(date -u +%Y%m%dT%H%M%S).txt}

for f in "$load" "$hitd_server"; do
  [ -x "$f" ] || { echo "feed_bench: $f is missing: build it first" >&2; exit 2; }
done
command -v node >/dev/null || { echo "feed_bench: node is missing (scripts/setup.sh)" >&2; exit 2; }
if [ ! -d "$peer/node_modules/ws" ]; then
  (cd "$peer" && npm ci --no-audit --no-fund >/dev/null) || { echo "feed_bench: npm ci failed in $peer" >&2; exit 2; }
fi
: > "$OUT"
echo "# feed_bench $(date -u +%FT%TZ) commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null) load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT"

server_cmd() {   # server clients
  if [ "$1" = hitd ]; then echo "$hitd_server --workers $2"; else echo "node $peer/server.mjs"; fi
}

# run SERVER CLIENTS RATE PHASE: one run; appends its RESULT line (with the
# phase) to OUT and echoes it; returns the load generator's exit code.
run() {
  local drain=3 line rc
  line=$(timeout 60 "$load" --server "$(server_cmd "$1" "$2")" --label "$1" --clients "$2" --sources 4 \
           --rate "$3" --duration "$DURATION" --drain $drain --threads 2 --wave 500 --connect-timeout 30 2>>"$OUT.err")
  rc=$?
  [ -n "$line" ] || line="RESULT server=$1 clients=$2 rate=$3 failed_rc=$rc"
  echo "$line phase=$4 rc=$rc" | tee -a "$OUT" >&2
  return $rc
}

value() { # KEY LINE
  echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -1
}

passes() { # LINE: every delivery arrived and p99 under the bound
  local rc p99
  rc=$(value rc "$1"); p99=$(value p99_ms "$1")
  [ "$rc" = 0 ] && [ -n "$p99" ] && awk -v p="$p99" -v m="$P99_MAX_MS" 'BEGIN{exit !(p < m)}'
}

declare -A max_rate
for n in $CLIENTS; do
  # The sweep, both servers step by step side by side.
  declare -A going=([hitd]=1 [ws]=1)
  max_rate[hitd,$n]=0; max_rate[ws,$n]=0
  d=$SWEEP_FROM
  for step in 1 2 3 4 5 6 7 8 9 10 11 12; do
    [ "${going[hitd]}${going[ws]}" = 00 ] && break
    rate=$(awk -v d="$d" -v n="$n" 'BEGIN{printf "%.3f", d/n}')
    for s in hitd ws; do
      [ "${going[$s]}" = 1 ] || continue
      run "$s" "$n" "$rate" sweep >/dev/null
      line=$(tail -1 "$OUT")
      if passes "$line"; then max_rate[$s,$n]=$rate; else going[$s]=0; fi
    done
    d=$(awk -v d="$d" 'BEGIN{printf "%.0f", d*1.41421356}')
  done
  echo "# clients=$n max rate (events/s): hitd ${max_rate[hitd,$n]} ws ${max_rate[ws,$n]}" | tee -a "$OUT"
  half=$(awk -v r="${max_rate[hitd,$n]}" 'BEGIN{printf "%.3f", r/2}')
  if [ "${max_rate[hitd,$n]}" = 0 ]; then
    half=$(awk -v d="$SWEEP_FROM" -v n="$n" 'BEGIN{printf "%.3f", d/n/2}')
    echo "# hitd kept up with no step of the sweep: measuring at $half events/s" | tee -a "$OUT"
  fi
  for i in $(seq 1 "$REPS"); do
    for s in hitd ws; do run "$s" "$n" "$half" half >/dev/null; done
  done
done

# The table: medians (min-max) of the runs at half of hitd's max rate.
echo
awk '
function med(key, f,   n, i, j, t, a) {
  n = cnt[key]; for (i = 1; i <= n; i++) a[i] = v[key, f, i]
  for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j+1] = a[j]; a[j+1] = t }
  if (n == 0) return "-"
  m = (n % 2) ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
  medv[key, f] = m
  lo = a[1]; hi = a[n]
  return sprintf(fmt[f], m) " (" sprintf(fmt[f], lo) "-" sprintf(fmt[f], hi) ")"
}
/^#/ { if ($0 ~ /max rate/) print; next }
/phase=half/ {
  delete kv
  for (i = 1; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
  key = kv["server"] SUBSEP kv["clients"]
  if (!(key in cnt)) { order[++keys] = key; rate[key] = kv["rate"] }
  c = ++cnt[key]
  miss[key] += kv["missing"]
  v[key, "dps", c] = kv["deliveries_per_s"] + 0; v[key, "epc", c] = kv["deliveries_per_cpu_s"] + 0
  v[key, "cpu", c] = kv["cpu_us_per_delivery"] + 0; v[key, "kb", c] = kv["kb_per_conn"] + 0
  v[key, "p50", c] = kv["p50_ms"] + 0; v[key, "p99", c] = kv["p99_ms"] + 0; v[key, "p999", c] = kv["p999_ms"] + 0
  v[key, "lg", c] = kv["loadgen_cpu_s"] + 0
}
END {
  fmt["dps"] = "%.0f"; fmt["epc"] = "%.0f"; fmt["cpu"] = "%.2f"; fmt["kb"] = "%.1f"
  fmt["p50"] = "%.2f"; fmt["p99"] = "%.2f"; fmt["p999"] = "%.2f"; fmt["lg"] = "%.1f"
  print "| server | clients | events/s | runs | deliveries/s | deliveries per server CPU-s | server CPU µs/delivery | p50 ms | p99 ms | p99.9 ms | KB/idle conn | missing | load-gen CPU s |"
  print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for (k = 1; k <= keys; k++) {
    key = order[k]; split(key, sk, SUBSEP)
    print "| " sk[1] " | " sk[2] " | " rate[key] " | " cnt[key] " | " med(key, "dps") " | " med(key, "epc") " | " \
      med(key, "cpu") " | " med(key, "p50") " | " med(key, "p99") " | " med(key, "p999") " | " med(key, "kb") " | " \
      miss[key] " | " med(key, "lg") " |"
  }
  print ""
  for (k = 1; k <= keys; k++) {
    key = order[k]; split(key, sk, SUBSEP)
    if (sk[1] != "hitd") continue
    other = "ws" SUBSEP sk[2]
    if ((other in cnt) && medv[other, "epc"] > 0)
      printf "clients=%s: hitd delivers %.2fx the events per server CPU-second of ws (medians)\n", sk[2], medv[key, "epc"] / medv[other, "epc"]
  }
}' "$OUT"
echo
echo "raw results: $OUT (stderr of the runs: $OUT.err)"
