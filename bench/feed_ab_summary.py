#!/usr/bin/env python3
"""Medians (min-max) of bench/feed_ab.sh's lines, per server, and the
ratios of deliveries per server CPU-second taken round by round.

    python3 bench/feed_ab_summary.py out.txt [more.txt ...]
"""
import re
import statistics
import sys


def spread(values, digits=1):
    return f"{round(statistics.median(values), digits)} ({round(min(values), digits)}-{round(max(values), digits)})"


def main(paths):
    runs = {}    # server -> [fields]
    rounds = {}  # (file, round) -> {server: fields}
    for path in paths:
        with open(path) as f:
            for line in f:
                d = dict(re.findall(r"(\w+)=([^ ]+)", line))
                if "server" not in d:
                    continue
                runs.setdefault(d["server"], []).append(d)
                rounds.setdefault((path, d.get("round", "?")), {})[d["server"]] = d
    if not runs:
        sys.exit("no RESULT lines")
    print("| server | runs | failed or incomplete | server CPU µs per delivery | deliveries per server CPU-s | p50 ms | p99 ms | load |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for server, rs in runs.items():
        ok = [r for r in rs if "failed" not in r]
        bad = sum(1 for r in rs if "failed" in r or r.get("missing", "0") != "0")
        if not ok:
            print(f"| {server} | {len(rs)} | {bad} | - | - | - | - | |")
            continue
        col = lambda k, digits=1: spread([float(r[k]) for r in ok], digits)
        loads = ", ".join(r.get("load", "?") for r in rs)
        print(f"| {server} | {len(rs)} | {bad} | {col('cpu_us_per_delivery')} | {col('deliveries_per_cpu_s', 0)} | "
              f"{col('p50_ms')} | {col('p99_ms')} | {loads} |")
    servers = list(runs)
    for a in servers:
        for b in servers:
            if a >= b:
                continue
            ratios = [float(r[a]["deliveries_per_cpu_s"]) / float(r[b]["deliveries_per_cpu_s"])
                      for r in rounds.values() if a in r and b in r and "failed" not in r[a] and "failed" not in r[b]]
            if ratios:
                print(f"- deliveries per CPU-s, {a} / {b}, round by round: {spread(ratios, 2)}x")
                print(f"- ... {b} / {a}: {spread([1 / x for x in ratios], 2)}x")


if __name__ == "__main__":
    main(sys.argv[1:])
