#!/usr/bin/env python3
"""Appends the records of one benchmark run to RESULTS_DIR/records.jsonl, for
bench/compare/report.py.

  to_records.py gbench RESULTS_DIR FILE.json [REP]   Google Benchmark JSON output
      (--benchmark_out_format=json with --benchmark_repetitions, without
      aggregates only) of hitd_bench_engine, hitd_bench_durable or the
      PostgreSQL peer; the benchmarks it knows become records, the others
      are skipped. REP: the repetition, when each ran in its own process.
  to_records.py feed RESULTS_DIR REP FILE      RESULT lines of hitd_bench_feed
      (one per server) from repetition REP.
"""
import json
import re
import sys


def args_of(name):
    """'BM_X/mode:1/per_hit:1/clients:8' -> ('BM_X', {'mode': '1', ...}); positional args as '0', '1'."""
    parts = name.split("/")
    out, pos = {}, 0
    for p in parts[1:]:
        if ":" in p:
            k, v = p.split(":", 1)
            out[k] = v
        elif p in ("real_time", "manual_time", "process_time") or p.startswith(("iterations:", "repeats:")):
            continue
        else:
            out[str(pos)] = p
            pos += 1
    return parts[0], out


MODES = {"0": "sync", "1": "wal", "2": "none"}


def gbench(results, path, rep_override=None):
    with open(path) as f:
        doc = json.load(f)
    seen = {}
    recs = []
    for b in doc.get("benchmarks", []):
        if b.get("run_type") == "aggregate" or b.get("error_occurred"):
            continue
        name = b.get("run_name", b["name"])
        base, a = args_of(name)
        # The n-th run of a benchmark in the file is repetition n: Google
        # Benchmark writes its repetitions in order, and a file merged from
        # several processes (bench/peers/postgres/run.sh: one process per
        # repetition, each numbering its only run 0) lists them in turn.
        rep = seen.get(name, 0) if rep_override is None else rep_override
        seen[name] = seen.get(name, 0) + 1

        def rec(suite, system, metric, value, x=None):
            recs.append({"suite": suite, "system": system, "x": x, "metric": metric, "value": value, "rep": rep})

        ips = b.get("items_per_second")
        if base == "BM_EngineLifecycle" and a.get("per_hit") == "1" and ips:
            rec("memory", "hitd", "lifecycles_per_s", ips)
        elif base == "BM_DurableLifecycle" and a.get("per_hit") == "1" and ips:
            # 512 lifecycles in flight; also the hitd side of RocksDB alone
            # (which writes what these runs wrote).
            mode = b.get("label") or MODES.get(a.get("mode"), a.get("mode"))
            rec("lifecycle", f"hitd {mode}", "lifecycles_per_s", ips, 512)
            rec("rocksdb", f"hitd {mode}", "lifecycles_per_s", ips)
        elif base == "BM_DurableLifecycleClients" and ips:
            # The client sweep beside PostgreSQL's (bench/peers/postgres/run.sh).
            mode = b.get("label") or MODES.get(a.get("mode"), a.get("mode"))
            rec("lifecycle", f"hitd {mode}", "lifecycles_per_s", ips, int(a["clients"]))
        elif base == "BM_RawRocksdbSameWrites" and "lifecycles_per_s_limit" in b:
            # Writes what the engine's last run of that mode wrote.
            mode = b.get("label") or MODES.get(a.get("mode"), a.get("mode"))
            rec("rocksdb", f"rocksdb {mode}", "lifecycles_per_s", b["lifecycles_per_s_limit"])
        elif base == "BM_RawRocksdbReplay" and "lifecycles_per_s_limit" in b:
            # Writes the very batches the engine's last run of that mode wrote.
            mode = b.get("label") or MODES.get(a.get("mode"), a.get("mode"))
            rec("rocksdb", f"rocksdb replay {mode}", "lifecycles_per_s", b["lifecycles_per_s_limit"])
        elif base == "BM_ResidentMemory" and "bytes_per_hit" in b and a.get("parked") == "1":
            rec("resources", "hitd", "kb_per_parked_hit", b["bytes_per_hit"] / 1000.0)
        elif base == "BM_ResidentMemory" and "bytes_per_hit" in b:
            rec("resources", "hitd", "kb_per_hit", b["bytes_per_hit"] / 1000.0)
            rec("resources", "hitd", "kb_per_worker", b["bytes_per_worker"] / 1000.0)
        elif base == "BM_StartWithStoredHits":
            unit = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b.get("time_unit", "ns")]
            rec("resources", "hitd", "start_ms", b["real_time"] * unit)
            if "reactivation_us" in b:
                rec("resources", "hitd", "reactivation_us", b["reactivation_us"])
        elif base.startswith("BM_Postgres") and ips:
            sync = a.get("sync") or a.get("synchronous_commit")
            system = "postgres sync" if sync in ("1", "on") else "postgres async"
            clients = a.get("clients") or a.get("concurrency")
            rec("lifecycle", system, "lifecycles_per_s", ips, int(clients) if clients else None)
    append(results, recs)
    return len(recs)


FEED_METRICS = ("deliveries_per_cpu_s", "deliveries_per_s", "cpu_us_per_delivery", "p50_ms", "p99_ms",
                "p999_ms", "max_ms", "kb_per_conn", "missing")


def feed(results, rep, path):
    recs = []
    with open(path) as f:
        for line in f:
            if not line.startswith("RESULT "):
                continue
            kv = dict(m.groups() for m in re.finditer(r'(\w+)=("[^"]*"|\S+)', line))
            server, clients = kv.get("server"), kv.get("clients")
            if not server or not clients:
                continue
            suite = "feed_held" if kv.get("phase") == "held" else "feed"
            if suite == "feed_held":
                ok = kv.get("rc") == "0" and kv.get("missing") == "0"
                recs.append({"suite": suite, "system": server, "x": None, "metric": "clients_held",
                             "value": float(clients) if ok else 0.0, "rep": int(rep)})
                continue
            for m in FEED_METRICS:
                if m in kv:
                    try:
                        v = float(kv[m])
                    except ValueError:
                        continue
                    recs.append({"suite": suite, "system": server, "x": int(clients), "metric": m, "value": v,
                                 "rep": int(rep)})
    append(results, recs)
    return len(recs)


def append(results, recs):
    with open(f"{results}/records.jsonl", "a") as f:
        for r in recs:
            f.write(json.dumps(r) + "\n")


def main():
    if len(sys.argv) in (4, 5) and sys.argv[1] == "gbench":
        n = gbench(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) == 5 else None)
    elif len(sys.argv) >= 5 and sys.argv[1] == "feed":
        n = feed(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
    source = sys.argv[3] if sys.argv[1] == "gbench" else sys.argv[4]
    if n == 0:
        sys.exit(f"to_records: no records in {source}")
    print(f"to_records: {n} records from {source}")


if __name__ == "__main__":
    main()
