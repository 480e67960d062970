#!/usr/bin/env python3
"""Turns the records of one bench/compare.sh run into the generated part of
docs/benchmarks.md and its plots (SVG, no plotting library needed).

Input: a directory with records.jsonl, one JSON object per line:
  {"suite": "lifecycle", "system": "hitd sync", "x": 8, "metric": "lifecycles_per_s",
   "value": 12345.0, "rep": 3}
(`x` is the swept parameter, or null) and machine.json (what the run ran on).

Every figure is the median of its repetitions with the spread (min-max);
every ratio is computed per repetition (hitd's run i against the peer's run
i, which ran beside it) and then its median taken.

  python3 bench/compare/report.py RESULTS_DIR DOCS_DIR
"""
import json
import math
import os
import statistics
import sys
from collections import defaultdict

BEGIN = "<!-- bench/compare.sh: begin (generated, do not edit by hand) -->"
END = "<!-- bench/compare.sh: end -->"


def load(results):
    recs = []
    with open(os.path.join(results, "records.jsonl")) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                r = json.loads(line)
            except json.JSONDecodeError as e:
                sys.exit(f"report: records.jsonl line {n}: {e}")
            for k in ("suite", "system", "metric", "value", "rep"):
                if k not in r:
                    sys.exit(f"report: records.jsonl line {n}: no '{k}'")
            recs.append(r)
    with open(os.path.join(results, "machine.json")) as f:
        machine = json.load(f)
    return recs, machine


class Figures:
    def __init__(self, recs):
        self.by = defaultdict(dict)   # (suite, system, x, metric) -> {rep: value}
        for r in recs:
            self.by[(r["suite"], r["system"], r.get("x"), r["metric"])][r["rep"]] = float(r["value"])

    def values(self, suite, system, x, metric):
        return self.by.get((suite, system, x, metric), {})

    def stat(self, suite, system, x, metric):
        v = list(self.values(suite, system, x, metric).values())
        if not v:
            return None
        return statistics.median(v), min(v), max(v), len(v)

    def ratio(self, suite, a, b, x, metric, x_b="same"):
        """Median over repetitions of a's run i / b's run i."""
        va = self.values(suite, a, x, metric)
        vb = self.values(suite, b, x if x_b == "same" else x_b, metric)
        r = [va[i] / vb[i] for i in va if i in vb and vb[i] > 0]
        if not r:
            return None
        return statistics.median(r), min(r), max(r), len(r)

    def xs(self, suite, system, metric):
        return sorted({k[2] for k in self.by if k[0] == suite and k[1] == system and k[3] == metric
                       and k[2] is not None})

    def systems(self, suite, metric):
        seen = []
        for k in self.by:
            if k[0] == suite and k[3] == metric and k[1] not in seen:
                seen.append(k[1])
        return seen


def num(v, digits=None):
    if v is None:
        return "-"
    if digits is None:
        digits = 0 if abs(v) >= 100 else (1 if abs(v) >= 10 else 2)
    return f"{v:,.{digits}f}"


def cell(s, digits=None):
    if s is None:
        return "-"
    med, lo, hi, n = s
    return f"{num(med, digits)} ({num(lo, digits)}-{num(hi, digits)})"


def ratio_cell(s):
    if s is None:
        return "-"
    med, lo, hi, n = s
    return f"{med:.2f}x ({lo:.2f}-{hi:.2f})"


# ---- SVG ------------------------------------------------------------------------------

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#7f7f7f"]


def esc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def nice_ticks(lo, hi, log):
    if log:
        ticks, e = [], math.floor(math.log10(lo))
        while 10 ** e <= hi * 1.0001:
            for m in (1, 2, 5):
                t = m * 10 ** e
                if lo / 1.0001 <= t <= hi * 1.0001:
                    ticks.append(t)
            e += 1
        return ticks or [lo, hi]
    span = hi - lo or 1
    step = 10 ** math.floor(math.log10(span / 5))
    for m in (1, 2, 5, 10):
        if span / (step * m) <= 6:
            step *= m
            break
    t, ticks = math.floor(lo / step) * step, []
    while t <= hi + step * 0.001:
        if t >= lo - step * 0.001:
            ticks.append(t)
        t += step
    return ticks


def tick_label(t):
    if t >= 1e6:
        return f"{t / 1e6:g}M"
    if t >= 1e3:
        return f"{t / 1e3:g}k"
    return f"{t:g}"


def svg_plot(path, title, xlabel, ylabel, series, xlog=False, ylog=False, categories=None):
    """series: [(name, [(x, median, lo, hi)])]; categories: x labels when x is an index."""
    W, H, L, R, T, B = 720, 420, 80, 170, 40, 60
    pts = [p for _, s in series for p in s]
    if not pts:
        return False
    xs = [p[0] for p in pts]
    ys = [v for p in pts for v in p[1:] if v is not None and (v > 0 or not ylog)]
    xlo, xhi = min(xs), max(xs)
    if xlo == xhi:
        xlo, xhi = xlo - 1, xhi + 1
    ylo, yhi = min(ys), max(ys)
    if ylog:
        ylo, yhi = 10 ** math.floor(math.log10(ylo)), 10 ** math.ceil(math.log10(yhi))
    else:
        ylo, yhi = 0, yhi * 1.1 or 1

    def fx(x):
        if categories is not None:
            return L + (x + 0.5) * (W - L - R) / len(categories)
        if xlog:
            return L + (math.log(x) - math.log(xlo)) / (math.log(xhi) - math.log(xlo)) * (W - L - R)
        return L + (x - xlo) / (xhi - xlo) * (W - L - R)

    def fy(y):
        if ylog:
            y = max(y, ylo)
            return H - B - (math.log(y) - math.log(ylo)) / (math.log(yhi) - math.log(ylo)) * (H - T - B)
        return H - B - (y - ylo) / (yhi - ylo) * (H - T - B)

    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
         f'font-family="sans-serif" font-size="12">',
         f'<rect width="{W}" height="{H}" fill="white"/>',
         f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="15">{esc(title)}</text>']
    for t in nice_ticks(ylo, yhi, ylog):
        y = fy(t)
        o.append(f'<line x1="{L}" x2="{W - R}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        o.append(f'<text x="{L - 6}" y="{y + 4:.1f}" text-anchor="end">{tick_label(t)}</text>')
    if categories is not None:
        xt = [(i, c) for i, c in enumerate(categories)]
    else:
        xt = [(t, tick_label(t)) for t in (sorted(set(xs)) if xlog else nice_ticks(xlo, xhi, False))]
    for t, lab in xt:
        x = fx(t)
        o.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{T}" y2="{H - B}" stroke="#eee"/>')
        o.append(f'<text x="{x:.1f}" y="{H - B + 16}" text-anchor="middle">{esc(lab)}</text>')
    o.append(f'<rect x="{L}" y="{T}" width="{W - L - R}" height="{H - T - B}" fill="none" stroke="#333"/>')
    o.append(f'<text x="{(L + W - R) / 2}" y="{H - 18}" text-anchor="middle">{esc(xlabel)}</text>')
    o.append(f'<text transform="translate(18,{(T + H - B) / 2}) rotate(-90)" text-anchor="middle">{esc(ylabel)}</text>')
    for i, (name, s) in enumerate(series):
        c = COLOURS[i % len(COLOURS)]
        s = sorted(s)
        if len(s) > 1:
            d = " ".join(f"{fx(x):.1f},{fy(m):.1f}" for x, m, _, _ in s)
            o.append(f'<polyline points="{d}" fill="none" stroke="{c}" stroke-width="2"/>')
        for x, m, lo, hi in s:
            if lo is not None and hi is not None:
                o.append(f'<line x1="{fx(x):.1f}" x2="{fx(x):.1f}" y1="{fy(lo):.1f}" y2="{fy(hi):.1f}" '
                         f'stroke="{c}" stroke-width="1.5"/>')
            o.append(f'<circle cx="{fx(x):.1f}" cy="{fy(m):.1f}" r="3.5" fill="{c}"/>')
        ly = T + 14 + i * 18
        o.append(f'<line x1="{W - R + 12}" x2="{W - R + 32}" y1="{ly - 4}" y2="{ly - 4}" stroke="{c}" stroke-width="3"/>')
        o.append(f'<text x="{W - R + 38}" y="{ly}">{esc(name)}</text>')
    o.append(f'<text x="{W - R + 12}" y="{H - B}" font-size="10" fill="#555">dot: median</text>')
    o.append(f'<text x="{W - R + 12}" y="{H - B + 12}" font-size="10" fill="#555">bar: min-max</text>')
    o.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(o) + "\n")
    return True


# ---- the document ---------------------------------------------------------------------

def build(recs, machine, docs):
    F = Figures(recs)
    img = os.path.join(docs, "images")
    os.makedirs(img, exist_ok=True)
    out = [BEGIN, "", "## The comparison, side by side (`bash bench/compare.sh`)", ""]
    out.append(f"Generated by `{machine.get('command', 'bash bench/compare.sh')}` on "
               f"{machine.get('date', '?')} at commit `{machine.get('commit', '?')}`; it took "
               f"{machine.get('elapsed_s', '?')} s. Machine: {machine.get('cpu', '?')}, "
               f"{machine.get('cores', '?')} cores, {machine.get('memory', '?')}, {machine.get('os', '?')}; "
               f"load average at the start {machine.get('load_start', '?')}. Each figure is the median of "
               f"{machine.get('reps', '?')} runs with the spread (min-max); each ratio is taken run by run "
               f"against the peer's run beside it, then its median. The raw records are in "
               f"`{machine.get('records', 'bench/results/')}`.")
    if machine.get("note"):
        out.append("")
        out.append(f"Note: {machine['note']}")
    out.append("")

    targets = []   # (issue, what, target, measured, met)

    # Lifecycles against concurrency.
    lsys = F.systems("lifecycle", "lifecycles_per_s")
    if lsys:
        out += ["### Lifecycles per second against concurrency", "",
                "A full assignment lifecycle (create a HIT of one assignment with its escrow hold, accept, "
                "submit, approve with the payment) by N concurrent clients, each waiting for its answer. "
                "hitd: the engine embedded on its RocksDB store (`hitd_bench_durable`). PostgreSQL: "
                "bench/peers/postgres, one connection per client, each step its own transaction.", ""]
        xs = sorted({x for s in lsys for x in F.xs("lifecycle", s, "lifecycles_per_s")})
        out.append("| clients | " + " | ".join(lsys) + " |")
        out.append("|---:|" + "---:|" * len(lsys))
        for x in xs:
            out.append(f"| {x} | " + " | ".join(cell(F.stat("lifecycle", s, x, "lifecycles_per_s")) for s in lsys) + " |")
        out.append("")
        pairs = [("hitd sync", "postgres sync"), ("hitd wal", "postgres async")]
        rows = []
        for a, b in pairs:
            if a in lsys and b in lsys:
                for x in xs:
                    r = F.ratio("lifecycle", a, b, x, "lifecycles_per_s")
                    if r:
                        rows.append(f"| {a} / {b} | {x} | {ratio_cell(r)} |")
        if rows:
            out += ["| ratio | clients | median (min-max) |", "|---|---:|---:|"] + rows + [""]
        series = [(s, [(x, *F.stat("lifecycle", s, x, "lifecycles_per_s")[:3])
                       for x in F.xs("lifecycle", s, "lifecycles_per_s")]) for s in lsys]
        if svg_plot(os.path.join(img, "bench-lifecycles.svg"), "Full lifecycles per second",
                    "concurrent clients", "lifecycles / s", series, xlog=True, ylog=True):
            out += ["![lifecycles per second against concurrency](images/bench-lifecycles.svg)", ""]
        best = {s: max((F.stat("lifecycle", s, x, "lifecycles_per_s") or (0,))[0] for x in xs) for s in lsys}
        if "hitd sync" in best:
            targets.append(("3", "lifecycles/s, `sync`, best concurrency", "≥ 20,000", num(best["hitd sync"]),
                            best["hitd sync"] >= 20000))
        if "hitd wal" in best:
            targets.append(("3", "lifecycles/s, `wal`, best concurrency", "-", num(best["hitd wal"]), None))

    # In memory.
    s = F.stat("memory", "hitd", None, "lifecycles_per_s")
    if s:
        out += ["### In memory", "", "| what | median (min-max) |", "|---|---:|",
                f"| lifecycles/s, engine in memory (`hitd_bench_engine`) | {cell(s)} |", ""]
        targets.append(("2", "lifecycles/s in memory, one assignment per HIT", "≥ 100,000", num(s[0]), s[0] >= 100000))

    # Raw RocksDB.
    raw = []
    for mode in ("sync", "wal", "none"):
        e = F.stat("rocksdb", f"hitd {mode}", None, "lifecycles_per_s")
        l = F.stat("rocksdb", f"rocksdb {mode}", None, "lifecycles_per_s")
        r = F.ratio("rocksdb", f"hitd {mode}", f"rocksdb {mode}", None, "lifecycles_per_s")
        p = F.stat("rocksdb", f"rocksdb replay {mode}", None, "lifecycles_per_s")
        pr = F.ratio("rocksdb", f"hitd {mode}", f"rocksdb replay {mode}", None, "lifecycles_per_s")
        if e and l:
            raw.append(f"| {mode} | {cell(e)} | {cell(l)} | {ratio_cell(r)} | "
                       f"{cell(p) if p else '-'} | {ratio_cell(pr) if pr else '-'} |")
            if mode == "wal" and r:
                targets.append(("3", "`wal` against RocksDB alone, same shape, sequential keys", "≥ 0.50x",
                                f"{r[0]:.2f}x", r[0] >= 0.5))
            if mode == "wal" and pr:
                targets.append(("3", "`wal` against RocksDB alone replaying the engine's own writes", "≥ 0.50x",
                                f"{pr[0]:.2f}x", pr[0] >= 0.5))
    if raw:
        out += ["### The engine against RocksDB alone", "",
                "RocksDB alone writes what the engine wrote per lifecycle, two ways "
                "(`hitd_bench_durable`): the same number of records of the same size in groups of the "
                "same size with sequential keys and RocksDB's default options (BM_RawRocksdbSameWrites), "
                "and the very write batches the store wrote, replayed with the store's RocksDB options "
                "(BM_RawRocksdbReplay).", "",
                "| mode | hitd lifecycles/s | RocksDB alone, sequential keys | hitd / that "
                "| RocksDB alone, the engine's batches | hitd / that |",
                "|---|---:|---:|---:|---:|---:|"] + raw + [""]
    for metric, what, target, limit, lower in (
            ("kb_per_hit", "resident KB per live HIT with its actor (each in its own process)", "< 2 KB", 2.0, True),
            ("kb_per_parked_hit", "resident KB per live HIT parked without its actor (no store; each in its own process)",
             "< 2 KB", 2.0, True),
            ("start_ms", f"ms from start to the first answered command, {machine.get('start_hits', '?'):,} stored HITs"
             if isinstance(machine.get("start_hits"), int) else "ms from start to the first answered command",
             "< 1,000 ms", 1000.0, True)):
        st = F.stat("resources", "hitd", None, metric)
        if st:
            out.append(f"- {what}: {cell(st)}")
            targets.append(("3", what, target, num(st[0]), st[0] < limit if lower else st[0] > limit))
    if F.stat("resources", "hitd", None, "kb_per_hit"):
        out.append("")

    # The live feed.
    fsys = F.systems("feed", "deliveries_per_cpu_s")
    if fsys:
        out += ["### The live feed: hitd against a Node.js `ws` broadcast server", "",
                "The same load generator (`hitd_bench_feed`) holds the same clients on each server in turn "
                "and publishes at the same rate; every event goes to every client (bench/feed_bench.sh "
                "explains the measurement).", ""]
        xs = sorted({x for s in fsys for x in F.xs("feed", s, "deliveries_per_cpu_s")})
        out.append("| server | clients | deliveries per server CPU-s | p50 ms | p99 ms | p99.9 ms | max ms | KB per idle connection |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        for x in xs:
            for s in fsys:
                row = [cell(F.stat("feed", s, x, m)) for m in
                       ("deliveries_per_cpu_s", "p50_ms", "p99_ms", "p999_ms", "max_ms", "kb_per_conn")]
                out.append(f"| {s} | {x} | " + " | ".join(row) + " |")
        out.append("")
        for x in xs:
            r = F.ratio("feed", "hitd", "ws", x, "deliveries_per_cpu_s")
            if r:
                out.append(f"- {x} clients: hitd delivers {ratio_cell(r)} the events per server CPU-second of `ws`.")
                targets.append(("4", f"events per CPU-s against `ws`, {x} clients", "≥ 3x", f"{r[0]:.2f}x",
                                r[0] >= 3))
            p = F.stat("feed", "hitd", x, "p99_ms")
            if p:
                targets.append(("4", f"feed p99, {x} clients", "< 10 ms", num(p[0]), p[0] < 10))
            k = F.stat("feed", "hitd", x, "kb_per_conn")
            if k:
                targets.append(("4", f"KB per idle connection, {x} clients", "≤ 10 KB", num(k[0]), k[0] <= 10))
        out.append("")
        cats = ["p50", "p99", "p99.9", "max"]
        series = []
        for s in fsys:
            x = xs[0]
            pts = []
            for i, m in enumerate(("p50_ms", "p99_ms", "p999_ms", "max_ms")):
                st = F.stat("feed", s, x, m)
                if st:
                    pts.append((i, st[0], st[1], st[2]))
            series.append((f"{s} ({x} clients)", pts))
        if svg_plot(os.path.join(img, "bench-feed-latency.svg"), "Live feed: publish to delivery",
                    "percentile", "milliseconds", series, ylog=True, categories=cats):
            out += ["![latency distribution of the live feed](images/bench-feed-latency.svg)", ""]
    held = F.stat("feed_held", "hitd", None, "clients_held")
    if held:
        out.append(f"- connections held by hitd with every event delivered to each: {cell(held)}")
        targets.append(("4", "connected clients held", "10,000", num(held[0]), held[0] >= 10000))
        out.append("")

    if targets:
        out += ["### Against the targets", "", "| issue | what | target | measured (median) | met |",
                "|---|---|---:|---:|---|"]
        for issue, what, target, measured, met in targets:
            verdict = "-" if met is None else ("yes" if met else "**no**")
            out.append(f"| #{issue} | {what} | {target} | {measured} | {verdict} |")
        out.append("")
        missed = [t for t in targets if t[4] is False]
        if missed:
            out.append("Where hitd falls short in this run: " + "; ".join(f"{t[1]} ({t[3]}, target {t[2]})"
                                                                       for t in missed) + ".")
            out.append("")
    out.append(END)
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: report.py RESULTS_DIR DOCS_DIR")
    results, docs = sys.argv[1], sys.argv[2]
    recs, machine = load(results)
    section = build(recs, machine, docs)
    path = os.path.join(docs, "benchmarks.md")
    with open(path) as f:
        text = f.read()
    if BEGIN in text and END in text:
        a, b = text.index(BEGIN), text.index(END) + len(END)
        text = text[:a] + section.rstrip("\n") + text[b:]
    else:
        # After the title and its introduction: before the first "## ".
        i = text.find("\n## ")
        i = len(text) if i < 0 else i + 1
        text = text[:i] + section + "\n" + text[i:]
    with open(path, "w") as f:
        f.write(text)
    print(f"report: wrote {path} and the plots in {os.path.join(docs, 'images')}")


if __name__ == "__main__":
    main()
