#!/usr/bin/env python3
"""Tests of bench/compare's records and report: medians, spreads, ratios taken
run by run, the targets' verdicts, the plots, and the generated section
replaced in place (the rest of docs/benchmarks.md untouched).

  python3 bench/compare/test_report.py
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import report  # noqa: E402


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


class Report(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.results = os.path.join(self.tmp.name, "results")
        self.docs = os.path.join(self.tmp.name, "docs")
        os.makedirs(self.results)
        os.makedirs(self.docs)
        write(os.path.join(self.results, "machine.json"),
              json.dumps({"commit": "abc1234", "reps": 3, "start_hits": 1000000, "cores": 2}))
        write(os.path.join(self.docs, "benchmarks.md"), "# Benchmarks\n\nIntro.\n\n## Hand-written\n\nKept.\n")

    def tearDown(self):
        self.tmp.cleanup()

    def records(self, recs):
        with open(os.path.join(self.results, "records.jsonl"), "w") as f:
            for r in recs:
                f.write(json.dumps(r) + "\n")

    def run_report(self):
        subprocess.run([sys.executable, os.path.join(HERE, "report.py"), self.results, self.docs], check=True,
                       capture_output=True)
        with open(os.path.join(self.docs, "benchmarks.md")) as f:
            return f.read()

    def test_ratios_are_taken_run_by_run(self):
        # hitd 10, 20, 90; ws 5, 40, 30: per-run ratios 2.0, 0.5, 3.0 -> median 2.0,
        # whereas the ratio of the medians would be 20 / 30 = 0.67.
        recs = []
        for rep, (h, w) in enumerate([(10, 5), (20, 40), (90, 30)]):
            recs.append({"suite": "feed", "system": "hitd", "x": 1000, "metric": "deliveries_per_cpu_s",
                         "value": h, "rep": rep})
            recs.append({"suite": "feed", "system": "ws", "x": 1000, "metric": "deliveries_per_cpu_s",
                         "value": w, "rep": rep})
        self.records(recs)
        text = self.run_report()
        self.assertIn("hitd delivers 2.00x (0.50-3.00) the events per server CPU-second of `ws`", text)
        self.assertIn("| #4 | events per CPU-s against `ws`, 1000 clients | ≥ 3x | 2.00x | **no** |", text)
        self.assertIn("| hitd | 1000 | 20.0 (10.0-90.0) |", text)

    def test_lifecycles_table_plot_and_targets(self):
        recs = []
        for rep in range(3):
            for x, v in ((1, 1000 + rep), (8, 21000 + 1000 * rep)):
                recs.append({"suite": "lifecycle", "system": "hitd sync", "x": x, "metric": "lifecycles_per_s",
                             "value": v, "rep": rep})
                recs.append({"suite": "lifecycle", "system": "postgres sync", "x": x,
                             "metric": "lifecycles_per_s", "value": v / 10, "rep": rep})
            recs.append({"suite": "resources", "system": "hitd", "x": None, "metric": "start_ms", "value": 400 + rep,
                         "rep": rep})
        self.records(recs)
        text = self.run_report()
        self.assertIn("| 8 | 22,000 (21,000-23,000) | 2,200 (2,100-2,300) |", text)
        self.assertIn("| hitd sync / postgres sync | 8 | 10.00x (10.00-10.00) |", text)
        self.assertIn("| #3 | lifecycles/s, `sync`, best concurrency | ≥ 20,000 | 22,000 | yes |", text)
        self.assertIn("1,000,000 stored HITs | < 1,000 ms | 401 | yes |", text)
        svg = os.path.join(self.docs, "images", "bench-lifecycles.svg")
        self.assertTrue(os.path.exists(svg))
        with open(svg) as f:
            s = f.read()
        self.assertTrue(s.startswith("<svg") and "postgres sync" in s and s.count("<circle") == 4)

    def test_rocksdb_alone_both_ways_and_both_verdicts(self):
        # hitd wal 16k, 18k, 17k; sequential keys 60k each; the replay 25k, 30k, 34k:
        # run by run 0.27/0.30/0.28 (median 0.28) and 0.64/0.60/0.50 (median 0.60).
        recs = []
        for rep, (h, seq, replay) in enumerate([(16000, 60000, 25000), (18000, 60000, 30000), (17000, 60000, 34000)]):
            recs.append({"suite": "rocksdb", "system": "hitd wal", "x": None, "metric": "lifecycles_per_s",
                         "value": h, "rep": rep})
            recs.append({"suite": "rocksdb", "system": "rocksdb wal", "x": None, "metric": "lifecycles_per_s",
                         "value": seq, "rep": rep})
            recs.append({"suite": "rocksdb", "system": "rocksdb replay wal", "x": None, "metric": "lifecycles_per_s",
                         "value": replay, "rep": rep})
        self.records(recs)
        text = self.run_report()
        self.assertIn("| #3 | `wal` against RocksDB alone, same shape, sequential keys | ≥ 0.50x | 0.28x | **no** |", text)
        self.assertIn("| #3 | `wal` against RocksDB alone replaying the engine's own writes | ≥ 0.50x | 0.60x | yes |",
                      text)
        self.assertIn("| wal | 17,000 (16,000-18,000) | 60,000 (60,000-60,000) |", text)

    def test_the_section_is_replaced_and_the_rest_kept(self):
        self.records([{"suite": "memory", "system": "hitd", "x": None, "metric": "lifecycles_per_s",
                       "value": 150000, "rep": 0}])
        first = self.run_report()
        self.assertEqual(first.count(report.BEGIN), 1)
        self.assertLess(first.index(report.END), first.index("## Hand-written"))
        self.assertIn("Kept.", first)
        self.records([{"suite": "memory", "system": "hitd", "x": None, "metric": "lifecycles_per_s",
                       "value": 50000, "rep": 0}])
        second = self.run_report()
        self.assertEqual(second.count(report.BEGIN), 1)
        self.assertIn("| lifecycles/s in memory, one assignment per HIT | ≥ 100,000 | 50,000 | **no** |", second)
        self.assertNotIn("150,000", second)
        self.assertIn("Kept.", second)

    def test_bad_records_are_refused(self):
        write(os.path.join(self.results, "records.jsonl"), '{"suite": "feed"}\n')
        p = subprocess.run([sys.executable, os.path.join(HERE, "report.py"), self.results, self.docs],
                           capture_output=True, text=True)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("line 1", p.stderr)


class Records(unittest.TestCase):
    def test_google_benchmark_and_feed_lines(self):
        import to_records
        with tempfile.TemporaryDirectory() as d:
            gb = {"benchmarks": [
                # Two processes' runs merged into one file, each numbered 0 by its process:
                # repetitions 0 and 1, in the order listed.
                {"name": "BM_DurableLifecycle/mode:0/per_hit:1/iterations:3/real_time", "run_type": "iteration",
                 "run_name": "BM_DurableLifecycle/mode:0/per_hit:1/iterations:3/real_time", "repetition_index": 0,
                 "items_per_second": 11000.0, "label": "sync"},
                {"name": "BM_DurableLifecycle/mode:0/per_hit:1/iterations:3/real_time", "run_type": "iteration",
                 "run_name": "BM_DurableLifecycle/mode:0/per_hit:1/iterations:3/real_time", "repetition_index": 0,
                 "items_per_second": 12000.0, "label": "sync"},
                {"name": "BM_DurableLifecycle/mode:0/per_hit:1/iterations:3/real_time_median",
                 "run_type": "aggregate", "items_per_second": 1.0},
                {"name": "BM_RawRocksdbSameWrites/mode:1/real_time", "run_type": "iteration", "repetition_index": 0,
                 "lifecycles_per_s_limit": 40000.0, "label": "wal"},
                {"name": "BM_RawRocksdbReplay/mode:1/iterations:3/real_time", "run_type": "iteration",
                 "repetition_index": 0, "lifecycles_per_s_limit": 25000.0, "label": "wal"}]}
            write(os.path.join(d, "gb.json"), json.dumps(gb))
            self.assertEqual(to_records.gbench(d, os.path.join(d, "gb.json")), 6)
            write(os.path.join(d, "feed.txt"),
                  'RESULT server=ws clients=1000 rate=10 p99_ms=12.5 deliveries_per_cpu_s=70000 '
                  'published="published 63 0" missing=0 phase=same rc=0\n')
            self.assertEqual(to_records.feed(d, "2", os.path.join(d, "feed.txt")), 3)   # p99, per CPU-s, missing
            with open(os.path.join(d, "records.jsonl")) as f:
                recs = [json.loads(line) for line in f]
        self.assertIn({"suite": "lifecycle", "system": "hitd sync", "x": 512, "metric": "lifecycles_per_s",
                       "value": 11000.0, "rep": 0}, recs)
        self.assertIn({"suite": "lifecycle", "system": "hitd sync", "x": 512, "metric": "lifecycles_per_s",
                       "value": 12000.0, "rep": 1}, recs)
        self.assertIn({"suite": "rocksdb", "system": "rocksdb wal", "x": None, "metric": "lifecycles_per_s",
                       "value": 40000.0, "rep": 0}, recs)
        self.assertIn({"suite": "rocksdb", "system": "rocksdb replay wal", "x": None, "metric": "lifecycles_per_s",
                       "value": 25000.0, "rep": 0}, recs)
        self.assertIn({"suite": "feed", "system": "ws", "x": 1000, "metric": "p99_ms", "value": 12.5, "rep": 2}, recs)


if __name__ == "__main__":
    unittest.main()
