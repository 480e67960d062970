#!/usr/bin/env python3
"""Medians of run.sh's Google Benchmark JSON files: lifecycles/s against
clients, hitd (BM_DurableLifecycleClients, sync / wal) beside PostgreSQL
(BM_PostgresLifecycle, synchronous_commit on / off), as a Markdown table.

    python3 summarize.py [--raw] pg_1.json hitd_1.json pg_2.json ...

--raw: also every run, one line each (file, benchmark, lifecycles/s,
lifecycles, the machine's load average when the file was written).
"""
import json
import re
import statistics
import sys

NAME = re.compile(r"^(BM_PostgresLifecycle/sync|BM_DurableLifecycleClients/mode):(\d+)/clients:(\d+)/")


def main(args):
    raw = args[:1] == ["--raw"]
    paths = args[1:] if raw else args
    runs = {}   # (side, durable, clients) -> [lifecycles/s]
    lines = []
    for path in paths:
        with open(path) as f:
            doc = json.load(f)
        load = " ".join(f"{x:.2f}" for x in doc.get("context", {}).get("load_avg", []))
        for b in doc.get("benchmarks", []):
            lines.append(f"{path.rsplit('/', 1)[-1]} {b['name']} "
                         + ("error: " + b.get("error_message", "") if b.get("error_occurred")
                            else f"{b['items_per_second']:.1f}/s lifecycles={b.get('lifecycles', 0):.0f}")
                         + f" load={load}")
            m = NAME.match(b["name"])
            if not m or b.get("error_occurred") or b.get("run_type", "iteration") != "iteration":
                continue
            side = "pg" if m.group(1).startswith("BM_Postgres") else "hitd"
            # durable: PostgreSQL sync:1 (synchronous_commit on), hitd mode:0 (sync)
            durable = m.group(2) == "1" if side == "pg" else m.group(2) == "0"
            runs.setdefault((side, durable, int(m.group(3))), []).append(b["items_per_second"])
    if not runs:
        sys.exit("summarize.py: no results in " + " ".join(paths))
    clients = sorted({k[2] for k in runs})

    def cell(key):
        v = runs.get(key)
        if not v:
            return "", None
        med = statistics.median(v)
        return f"{med:,.0f} ({min(v):,.0f}-{max(v):,.0f}, n={len(v)})", med

    print("| clients | hitd sync | PostgreSQL synchronous_commit=on | hitd / PG "
          "| hitd wal | PostgreSQL synchronous_commit=off | hitd / PG |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for c in clients:
        row = [str(c)]
        for durable in (True, False):
            h, hm = cell(("hitd", durable, c))
            p, pm = cell(("pg", durable, c))
            ratio = f"{hm / pm:.1f}x" if hm and pm else ""
            row += [h, p, ratio]
        print("| " + " | ".join(row) + " |")
    print("\nlifecycles/s: median (min-max, n runs)")
    if raw:
        print("\nEvery run:")
        for line in lines:
            print(line)


if __name__ == "__main__":
    main(sys.argv[1:])
