"""Real-time matching: one new mention against a million existing, in process, with the saved model.

Makes N+Q synthetic mentions (the million generator), trains a model with `link csv` on the first 100,000,
loads the N existing mentions (prepared) into an in-memory SQLite index with one index per blocking rule, then
for each of the Q new mentions: normalise, fetch candidates by the model's blocking keys, score each with the
pure-Python scorer. Reports p50/p95/max latency, and beside it Splink's own `predict_between` for a few
single new records against the same N. Prints one JSON object, also written to var/bench/linking_realtime.json.

    .venv/bin/python bench/linking_realtime.py [--n 1000000] [--queries 1000]
"""

import argparse
import csv
import logging
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safehub.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import django  # noqa: E402

django.setup()

import duckdb  # noqa: E402
import pyarrow as pa  # noqa: E402
from splink import DuckDBAPI, Linker  # noqa: E402

from linking_common import peak_memory_mb, write_result  # noqa: E402
from linking_million import generate  # noqa: E402
from safehub.linking import bulk  # noqa: E402
from safehub.linking.comparisons import MODEL_COLUMNS  # noqa: E402
from safehub.linking.scorer import Scorer, parse_rule  # noqa: E402

TRAIN_ROWS = 100_000  # rows of the file the model is trained on


class SqliteIndex:
    """Prepared mentions in SQLite, an index per blocking rule; candidates are fetched rule by rule."""

    def __init__(self, scorer):
        self.scorer = scorer
        self.rules = [parse_rule(sql) for sql in scorer.blocking_rules]
        self.db = sqlite3.connect(":memory:")
        columns = ", ".join(f'"{column}" TEXT' for column in MODEL_COLUMNS)
        self.db.execute(f"CREATE TABLE people (unique_id INTEGER PRIMARY KEY, record_id TEXT, {columns})")
        self.queries = []
        for rule in self.rules:
            where = " AND ".join(f'"{left}" = ?' for left, _ in rule)
            self.queries.append((rule, f"SELECT * FROM people WHERE {where}"))

    def load(self, rows):
        marks = ", ".join("?" for _ in range(len(MODEL_COLUMNS) + 2))
        self.db.executemany(f"INSERT INTO people VALUES ({marks})", rows)
        for number, rule in enumerate(self.rules):
            columns = ", ".join(f'"{left}"' for left, _ in rule)
            self.db.execute(f"CREATE INDEX rule_{number} ON people ({columns})")

    def candidates(self, record):
        found = {}
        for rule, sql in self.queries:
            values = [record[right] for _, right in rule]
            if any(value is None for value in values):
                continue
            for row in self.db.execute(sql, values):
                found[row[0]] = row
        return found

    def match(self, raw):
        record = bulk.prepare_record(raw)
        scored = []
        for row in self.candidates(record).values():
            other = dict(zip(MODEL_COLUMNS, row[2:]))
            scored.append((self.scorer.weight(record, other), row[1]))
        return sorted(scored, reverse=True)


def prepared_table(csv_path):
    con = duckdb.connect()
    names = bulk.check_csv(csv_path)
    bulk.load_raw(con, csv_path, names)
    bulk.prepare(con, names)
    return con


def train_model(csv_path, tmp):
    with open(csv_path, encoding="utf-8") as source, open(tmp / "train.csv", "w", encoding="utf-8") as target:
        for number, line in enumerate(source):
            if number > TRAIN_ROWS:
                break
            target.write(line)
    result = bulk.link_csv(tmp / "train.csv", tmp / "train-out.csv", model_dir=tmp)
    return result.model_path


def split_queries(csv_path, tmp, queries):
    """Existing mentions to existing.csv, the last `queries` mentions as raw dicts (the new ones)."""
    with open(csv_path, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    existing, new = rows[:-queries], rows[-queries:]
    with open(tmp / "existing.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(existing)
    return new


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def time_scorer(index, new):
    latencies, candidates = [], []
    for raw in new:
        started = time.perf_counter()
        matches = index.match(raw)
        latencies.append((time.perf_counter() - started) * 1000)
        candidates.append(len(matches))
    return latencies, candidates


def time_predict_between(con, model_path, new, count):
    db_api = DuckDBAPI(connection=con)
    existing = db_api.register("prepared")
    linker = Linker(existing, str(model_path), log_level=logging.WARNING)
    latencies = []
    for number, raw in enumerate(new[:count]):
        record = bulk.prepare_record(raw)
        table = pa.table({"unique_id": [10_000_000 + number], "record_id": [raw["record_id"]],
                          **{column: pa.array([record[column]], pa.string()) for column in MODEL_COLUMNS}})
        started = time.perf_counter()
        frame = db_api.register(table, table_name=f"new_{number}")
        predictions = linker.inference.predict_between(frame, existing, warning_mode="never")
        predictions.as_record_list()
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--splink-queries", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        generate(tmp / "all.csv", args.n + args.queries)
        model_path = train_model(tmp / "all.csv", tmp)
        new = split_queries(tmp / "all.csv", tmp, args.queries)
        con = prepared_table(tmp / "existing.csv")
        scorer = Scorer(model_path)
        index = SqliteIndex(scorer)
        started = time.perf_counter()
        index.load(con.execute(f"SELECT unique_id, record_id, {', '.join(MODEL_COLUMNS)} FROM prepared").fetchall())
        load_seconds = time.perf_counter() - started
        latencies, candidates = time_scorer(index, new)
        splink_latencies = time_predict_between(con, model_path, new, args.splink_queries)
    report = {
        "benchmark": "linking_realtime",
        "existing_records": args.n,
        "index": "SQLite in memory, one index per blocking rule of the model",
        "index_load_seconds": round(load_seconds, 1),
        "scorer": {
            "queries": len(latencies),
            "p50_ms": round(statistics.median(latencies), 2),
            "p95_ms": round(percentile(latencies, 0.95), 2),
            "max_ms": round(max(latencies), 2),
            "candidates_mean": round(statistics.mean(candidates), 1),
            "candidates_max": max(candidates),
        },
        "splink_predict_between": {
            "queries": len(splink_latencies),
            "p50_ms": round(statistics.median(splink_latencies), 1),
            "p95_ms": round(percentile(splink_latencies, 0.95), 1),
        },
        "peak_memory_mb": peak_memory_mb(),
        "aims": {"p95_ms": 20},
    }
    write_result("linking_realtime", report)


if __name__ == "__main__":
    main()
