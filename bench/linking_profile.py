"""Where `link csv` spends its time and memory on the million-record benchmark file, stage by stage.

Runs the steps `link_csv` runs, one at a time, on the file bench/linking_million.py generates (kept with
--csv PATH, so a second run skips generating): checking the file, loading it into DuckDB, normalising, finding
bad values, drawing the training sample, each of Splink's training steps, blocking and scoring (from Splink's
own log), reading the pairs, clustering with the guards (and, for comparison, without them), writing the
entities. Each stage's process CPU seconds (every thread: DuckDB uses both cores) are given beside its wall
seconds, which depend on who else shares the machine. Peak resident memory per stage comes from sampling
/proc/self/status every 50 ms. Prints one JSON object, also written to var/bench/linking_profile.json.

    .venv/bin/python bench/linking_profile.py [--n 1000000] [--csv /tmp/million.csv]
"""

import argparse
import io
import logging
import os
import re
import resource
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safehub.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import django  # noqa: E402

django.setup()

import duckdb  # noqa: E402

from linking_common import write_result  # noqa: E402
from linking_million import generate  # noqa: E402
from safehub.linking import bulk, splink_model  # noqa: E402
from safehub.linking.clustering import cluster  # noqa: E402


def _rss_mb():
    with open("/proc/self/status", encoding="ascii") as handle:
        return int(re.search(r"VmRSS:\s+(\d+)", handle.read())[1]) / 1024


class Stages:
    """Seconds and peak resident memory of each stage, in order."""

    def __init__(self):
        self.report, self.peak, self._stop = {}, 0.0, threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self):
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, _rss_mb())

    @contextmanager
    def stage(self, name):
        self.peak = _rss_mb()
        started, cpu = time.perf_counter(), time.process_time()
        yield
        self.report[name] = {"seconds": round(time.perf_counter() - started, 2),
                             "cpu_seconds": round(time.process_time() - cpu, 2),
                             "peak_rss_mb": round(max(self.peak, _rss_mb()))}


def _timed_training(linker, stages):
    """Wrap the linker's training calls so each is its own stage."""
    for name in ("estimate_probability_two_random_records_match", "estimate_u_using_random_sampling",
                 "estimate_parameters_using_expectation_maximisation"):
        original = getattr(linker.training, name)

        def timed(*args, _original=original, _name=name, **kwargs):
            label = f"train: {_name}" + (f" {args[0].get_blocking_rule('duckdb').blocking_rule_sql}"
                                         if _name.endswith("maximisation") else "")
            with stages.stage(label):
                return _original(*args, **kwargs)

        setattr(linker.training, name, timed)


def profile(csv_path, stages):
    con = duckdb.connect()
    with stages.stage("check file (Python csv pass)"):
        layout = bulk.inspect_csv(csv_path)
    with stages.stage("load file (DuckDB read_csv)"):
        bulk.load_raw(con, csv_path, layout.names)
    with stages.stage("normalise (distinct values, Python)"):
        columns = bulk.prepare(con, layout.names)
    with stages.stage("find bad values"):
        problems = bulk.find_problems(con, layout)
    records = con.execute("SELECT count(*) FROM prepared").fetchone()[0]
    with stages.stage("draw the training sample"):
        table = bulk.training_table(con, records, seed=42)
    linker = splink_model.open_linker(con, table, splink_model.settings_for(columns))
    _timed_training(linker, stages)
    with stages.stage("train (all)"):
        splink_model.train(linker, columns, records=records)
    if table != "prepared":
        with stages.stage("open the trained model on every record"):
            linker = splink_model.open_linker(con, "prepared", linker.misc.save_model_to_json())
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    splink_logger = logging.getLogger("splink")
    splink_logger.addHandler(handler)
    splink_logger.setLevel(logging.INFO)
    with stages.stage("predict: blocking and scoring"):
        pairs_table = splink_model.predict(linker, bulk.DEFAULT_THRESHOLD)
    splink_logger.removeHandler(handler)
    splink_logger.setLevel(logging.WARNING)
    split = dict(re.findall(r"(Blocking time|Predict time \(post-blocking\)): ([\d.]+) seconds", log.getvalue()))
    with stages.stage("read pairs and their records"):
        edges = con.execute(f"SELECT unique_id_l, unique_id_r FROM {pairs_table} "  # nosec B608: Splink's table name
                            "ORDER BY match_weight DESC, unique_id_l, unique_id_r").fetchall()
        prepared = bulk._records_for(con, {node for edge in edges for node in edge})
    with stages.stage("cluster with the guards"):
        roots, kept, held = cluster(edges, prepared, guards=True)
    with stages.stage("cluster without the guards (comparison only)"):
        cluster(edges, prepared, guards=False)
    with stages.stage("write entities"), tempfile.TemporaryDirectory() as folder:
        entities = bulk.write_entities(con, roots, Path(folder) / "entities.csv")
    con.close()
    return {"records": records, "pairs_scored_above_threshold": len(edges), "kept_pairs": len(kept),
            "held_pairs": len(held), "entities": entities, "bad_values": len(problems.bad_values),
            "splink_log_seconds": {key: float(value) for key, value in split.items()}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--csv", help="keep the generated file here (reused when it exists)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(args.csv) if args.csv else Path(tmp) / "people.csv"
        if not csv_path.exists():
            generate(csv_path, args.n)
        stages = Stages()
        started = time.perf_counter()
        summary = profile(csv_path, stages)
        total = time.perf_counter() - started
    report = {"benchmark": "linking_profile", **summary, "total_seconds": round(total, 1),
              "total_cpu_seconds": round(time.process_time(), 1),
              "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
              "stages": stages.report, "machine_load_1min": round(os.getloadavg()[0], 1)}
    write_result("linking_profile", report)


if __name__ == "__main__":
    main()
