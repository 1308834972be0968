"""`link csv` on the small test file (~380 records) with each engine: DuckDB, then Spark in local mode.

Both link with one model (trained first by DuckDB, as `--model` would give it); with --train, Spark also
trains its own model on the file (slow on 2 cores) and that model is reused on DuckDB to show it is the same
file format. Prints one JSON object and writes var/bench/linking_spark.json.

    .venv/bin/python bench/linking_spark.py [--master local[2]] [--train]
"""

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safehub.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from linking_common import write_result  # noqa: E402
from safehub.linking.bulk import link_csv  # noqa: E402
from tests.linking_data import make_people, write_csv  # noqa: E402
from tests.test_link_spark import SMALL_FILE_CONF  # noqa: E402


def _entities(path):
    with open(path, encoding="utf-8") as handle:
        return {row["record_id"]: row["entity_id"] for row in csv.DictReader(handle)}


def _timed(**kwargs):
    started = time.perf_counter()
    result = link_csv(**kwargs)
    return result, round(time.perf_counter() - started, 2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--train", action="store_true")
    args = parser.parse_args()
    settings.SAFEHUB_SPARK_CONF = SMALL_FILE_CONF
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_csv(tmp / "people.csv", make_people()[0])
        settings.SAFEHUB_SPARK_CHECKPOINT_DIR = str(tmp / "checkpoints")
        trained, train_seconds = _timed(in_path=tmp / "people.csv", out_path=tmp / "trained.csv", model_dir=tmp)
        duck, duck_seconds = _timed(in_path=tmp / "people.csv", out_path=tmp / "duckdb.csv", model=trained.model_path)
        spark, spark_seconds = _timed(in_path=tmp / "people.csv", out_path=tmp / "spark.csv", model=trained.model_path,
                                      engine="spark", spark_master=args.master)
        report = {
            "benchmark": "linking_spark", "records": duck.records, "spark_master": args.master,
            "duckdb_train_and_link_seconds": train_seconds,
            "with_one_model": {
                "duckdb": {"seconds": duck_seconds, "entities": duck.entities, "linked_pairs": duck.linked_pairs},
                "spark": {"seconds": spark_seconds, "entities": spark.entities, "linked_pairs": spark.linked_pairs,
                          "stages_seconds": {key: round(value, 2) for key, value in spark.seconds.items()}},
                "same_entities": _entities(tmp / "duckdb.csv") == _entities(tmp / "spark.csv"),
            },
        }
        if args.train:
            spark_trained, seconds = _timed(in_path=tmp / "people.csv", out_path=tmp / "spark-trained.csv",
                                            model_dir=tmp / "spark-model", engine="spark", spark_master=args.master)
            again, _ = _timed(in_path=tmp / "people.csv", out_path=tmp / "again.csv", model=spark_trained.model_path)
            report["spark_trains_its_own_model"] = {
                "seconds": seconds, "entities": spark_trained.entities, "linked_pairs": spark_trained.linked_pairs,
                "stages_seconds": {key: round(value, 2) for key, value in spark_trained.seconds.items()},
                "same_entities_as_duckdb_model": _entities(tmp / "spark-trained.csv") == _entities(tmp / "duckdb.csv"),
                "its_model_on_duckdb_same_entities": _entities(tmp / "again.csv") == _entities(tmp / "spark-trained.csv"),
            }
    report["machine_load_1min"] = round(os.getloadavg()[0], 1)
    write_result("linking_spark", report)


if __name__ == "__main__":
    main()
