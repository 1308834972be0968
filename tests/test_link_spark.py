"""`link csv --engine spark`: Splink's Spark backend in local mode gives the same entities as DuckDB.

Real Spark (pyspark from the test extras, Splink's similarity jar, a JVM), on the ~380-record file of
test_link_csv.py with the model DuckDB trained there. Skipped only when Java is not installed.
"""

import csv

import pytest
from django.core.management import CommandError, call_command

from safehub.linking.spark_engine import java_missing

# Small-file settings: Spark's code generation and the JVM's full JIT cost more than they save on 400 rows.
SMALL_FILE_CONF = ("spark.sql.codegen.wholeStage=false;"
                   "spark.driver.extraJavaOptions=-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")


def _read(path):
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.skipif(java_missing(), reason="Java is not installed: the Spark engine needs Java 17 or later")
def test_spark_gives_the_same_entities_and_pairs_as_duckdb(linked_people, tmp_path, settings):
    settings.SAFEHUB_SPARK_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    settings.SAFEHUB_SPARK_CONF = SMALL_FILE_CONF
    out, pairs = tmp_path / "entities.csv", tmp_path / "pairs.csv"
    call_command("link", "csv", str(linked_people["folder"] / "people.csv"), "--out", str(out), "--pairs", str(pairs),
                 "--model", str(linked_people["model"]), "--engine", "spark", "--spark-master", "local[2]")
    entities = {row["record_id"]: row["entity_id"] for row in _read(out)}
    assert entities == linked_people["entities"]
    duckdb_weights = {(row["record_id_l"], row["record_id_r"]): float(row["match_weight"])
                      for row in linked_people["pairs"]}
    spark_weights = {(row["record_id_l"], row["record_id_r"]): float(row["match_weight"]) for row in _read(pairs)}
    assert spark_weights.keys() == duckdb_weights.keys()
    assert all(abs(spark_weights[pair] - duckdb_weights[pair]) < 1e-3 for pair in spark_weights)
    assert list((tmp_path / "checkpoints").iterdir()) == []  # the run's intermediate tables are removed


def test_without_java_the_spark_engine_says_so_and_writes_nothing(linked_people, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    out = tmp_path / "entities.csv"
    with pytest.raises(CommandError, match=r"--engine spark needs Java 17 or later: no java on the PATH and no JAVA_HOME"):
        call_command("link", "csv", str(linked_people["folder"] / "people.csv"), "--out", str(out),
                     "--model", str(linked_people["model"]), "--engine", "spark")
    assert not out.exists()


def test_a_spark_master_without_the_spark_engine_is_refused(linked_people, tmp_path):
    with pytest.raises(CommandError, match="--spark-master is for --engine spark"):
        call_command("link", "csv", str(linked_people["folder"] / "people.csv"), "--out", str(tmp_path / "out.csv"),
                     "--spark-master", "local[2]")
    assert list(tmp_path.iterdir()) == []
