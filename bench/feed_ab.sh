#!/bin/bash
# Side by side: two builds of the feed server (and the Node `ws` peer),
# alternating run by run under the same load generator, with the command
# line of bench/compare.sh's feed_run. For a change to the server: copy the
# old hitd_bench_feed_server aside first, rebuild, then
#
#   bash bench/feed_ab.sh OLD_SERVER BUILD CLIENTS RATE REPS [WHO] >> out.txt
#
# OLD_SERVER: the old hitd_bench_feed_server binary; BUILD: the build dir
# with the new one and hitd_bench_feed; WHO: which to run in each round,
# in order (default "old new ws"). Each run prints one line: the 1-minute
# load average, then the load generator's RESULT line (server=old|new|ws).
# Medians: python3 bench/feed_ab_summary.py out.txt
set -euo pipefail
old=$1 build=$2 clients=$3 rate=$4 reps=$5 who=${6:-"old new ws"}
here=$(cd "$(dirname "$0")" && pwd)
peer="$here/peers/ws_broadcast"
if [[ " $who " == *" ws "* && ! -d "$peer/node_modules/ws" ]]; then
  echo "feed_ab.sh: run \`npm ci\` in $peer (or scripts/setup.sh)" >&2
  exit 2
fi
for i in $(seq 1 "$reps"); do
  for s in $who; do
    case $s in
      old) cmd="$old --workers $clients" ;;
      new) cmd="$build/bench/hitd_bench_feed_server --workers $clients" ;;
      ws) cmd="node $peer/server.mjs" ;;
      *) echo "feed_ab.sh: unknown server $s (old, new or ws)" >&2; exit 2 ;;
    esac
    line=$(timeout 120 "$build/bench/hitd_bench_feed" --server "$cmd" --label "$s" --clients "$clients" --sources 4 \
             --rate "$rate" --duration 5 --drain 3 --threads 2 --wave 500 --connect-timeout 60 2>/dev/null) || true
    [ -n "$line" ] || line="RESULT server=$s clients=$clients rate=$rate failed=1"
    echo "load=$(cut -d' ' -f1 /proc/loadavg) round=$i $line"
  done
done
