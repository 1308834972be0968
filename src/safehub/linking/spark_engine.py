"""`--engine spark`: the same Splink model on Apache Spark, for batches one machine cannot link.

Reading, checking and normalising the file, and clustering the scored pairs with the guards, stay on this
machine (DuckDB, as for `--engine duckdb`); Spark does the blocking, training and scoring, which is where the
pairs multiply. The prepared table goes to Spark as Arrow and the pairs at or above the threshold come back as
Arrow into the same DuckDB connection, so everything after prediction is shared with the default engine.

The comparisons and blocking rules are written once, in DuckDB's SQL (comparisons.py); here they are
translated with sqlglot, with DuckDB's jaro_winkler_similarity renamed to the jaro_winkler that Splink's
similarity jar registers. A model is always saved in DuckDB's SQL, whichever engine trained it, so the
real-time scorer and `--model` on either engine read the same file.
"""

import json
import logging
import math
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import sqlglot
from django.conf import settings
from splink import Linker, SettingsCreator

from safehub.linking import splink_model
from safehub.linking.bulk import LinkInputError

LOCAL_PARTITIONS = "4"
PAIR_COLUMNS = ["unique_id_l", "unique_id_r", "match_probability", "match_weight"]


def java_missing():
    return not shutil.which("java") and not os.environ.get("JAVA_HOME")


def to_spark_sql(sql):
    """One SQL condition from DuckDB's dialect into Spark's."""
    if sql.strip().upper() == "ELSE":
        return sql
    spark_sql = sqlglot.transpile(sql, read="duckdb", write="spark")[0]
    return re.sub(r"\bJAROWINKLER_SIMILARITY\(", "jaro_winkler(", spark_sql, flags=re.IGNORECASE)


def _rule_text(rule):
    return rule["blocking_rule"] if isinstance(rule, dict) else rule


def _with_sql(settings_dict, translate):
    """A copy of a settings dictionary with every level's condition and blocking rule put through translate."""
    result = json.loads(json.dumps(settings_dict))
    for comparison in result["comparisons"]:
        for level in comparison["comparison_levels"]:
            level["sql_condition"] = translate(level["sql_condition"])
    result["blocking_rules_to_generate_predictions"] = [
        translate(_rule_text(rule)) for rule in result["blocking_rules_to_generate_predictions"]]
    result.pop("sql_dialect", None)
    return result


def duckdb_settings(settings):
    """A SettingsCreator (a new model), a trained model's dictionary or a saved model's path as a settings
    dictionary in DuckDB's SQL."""
    if isinstance(settings, SettingsCreator):
        return asdict(settings)
    if isinstance(settings, dict):
        return json.loads(json.dumps(settings))
    splink_model.check_model(settings)
    return json.loads(Path(settings).read_text(encoding="utf-8"))


def _checkpoint_dir(base):
    """A fresh folder for this run under base (or base itself when it is a URL such as hdfs://...)."""
    if "://" in base:
        return base, None
    Path(base).mkdir(parents=True, exist_ok=True)
    folder = tempfile.mkdtemp(prefix="run-", dir=base)
    return folder, folder


def parse_conf(text):
    """'key=value;key=value' (SAFEHUB_SPARK_CONF) -> {key: value}."""
    pairs = [part.split("=", 1) for part in text.split(";") if part.strip()]
    bad = [part for part in pairs if len(part) != 2 or not part[0].strip()]
    if bad:
        raise LinkInputError(f"SAFEHUB_SPARK_CONF must be key=value pairs separated by ';', not {text!r}")
    return {key.strip(): value.strip() for key, value in pairs}


def spark_session(master, checkpoint_dir, extra_conf):
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    builder = (SparkSession.builder.master(master).appName("safehub link")
               .config("spark.jars", similarity_jar_location()).config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false"))
    if master.startswith("local"):
        # One machine: everything on loopback only, and few partitions (Spark's 200 suit a cluster).
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = (builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                   .config("spark.sql.shuffle.partitions", LOCAL_PARTITIONS)
                   .config("spark.default.parallelism", LOCAL_PARTITIONS))
    for key, value in extra_conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    session.sparkContext.setCheckpointDir(checkpoint_dir)
    return session


@contextmanager
def spark_errors(doing):
    """Spark's and py4j's exceptions as a LinkInputError with their first line (no stack trace for the user)."""
    try:
        yield
    except ValueError:
        raise  # ours or Splink's, already clear (LinkInputError is one)
    except Exception as error:  # py4j, pyspark and Splink raise many kinds; the first line says what failed
        first_line = next((line for line in str(error).splitlines() if line.strip()), type(error).__name__)
        raise LinkInputError(f"Spark failed {doing}: {first_line}") from error


class SparkEngine:
    """Splink's Spark backend over a copy of the prepared table; the pairs come back to the DuckDB connection."""
    name = "spark"

    def __init__(self, con, master=None):
        try:
            import pyspark  # noqa: F401
        except ImportError:
            raise LinkInputError("--engine spark needs pyspark: pip install 'safehub[spark]' "
                                 "(or use the default engine, duckdb)") from None
        if java_missing():
            raise LinkInputError("--engine spark needs Java 17 or later: no java on the PATH and no JAVA_HOME")
        self.con = con
        self.master = master or settings.SAFEHUB_SPARK_MASTER
        checkpoint_dir, self._own_dir = _checkpoint_dir(settings.SAFEHUB_SPARK_CHECKPOINT_DIR)
        self.spark, self.saved_sql = None, {}
        try:
            with spark_errors(f"to start ({self.master})"):
                self.spark = spark_session(self.master, checkpoint_dir, parse_conf(settings.SAFEHUB_SPARK_CONF))
                self.prepared = self.spark.createDataFrame(con.execute("SELECT * FROM prepared").to_arrow_table())
        except LinkInputError:
            self.close()
            raise

    def open_linker(self, settings_or_model, table="prepared"):
        from splink import SparkAPI

        original = duckdb_settings(settings_or_model)
        translated = _with_sql(original, to_spark_sql)
        self.saved_sql = original
        with spark_errors("to open the model"):
            if table == "prepared":
                frame = self.prepared
            else:  # the training sample (bulk.training_table)
                rows = self.con.execute(f"SELECT * FROM {table}").to_arrow_table()  # nosec B608: our table name
                frame = self.spark.createDataFrame(rows)
            db_api = SparkAPI(spark_session=self.spark, break_lineage_method="parquet")
            return Linker(db_api.register(frame), translated, log_level=logging.WARNING)

    def training(self):
        return spark_errors("while training")

    def predict(self, linker, threshold):
        weight = math.log2(threshold / (1 - threshold))
        with spark_errors("while scoring"):
            frame = linker.inference.predict(threshold_match_weight=weight, warning_mode="never")
            pairs = frame.as_spark_dataframe().select(*PAIR_COLUMNS).toArrow()
        self.con.register("spark_pairs_arrow", pairs)
        self.con.execute("CREATE TABLE spark_pairs AS SELECT CAST(unique_id_l AS BIGINT) AS unique_id_l, "
                         "CAST(unique_id_r AS BIGINT) AS unique_id_r, match_probability, match_weight "
                         "FROM spark_pairs_arrow")
        self.con.unregister("spark_pairs_arrow")
        return "spark_pairs"

    def save_model(self, linker, path):
        model = self.trained_model(linker)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(model, indent=4), encoding="utf-8")
        return path

    def trained_model(self, linker):
        """The trained model with the DuckDB SQL it was translated from (levels and rules keep their order)."""
        model = linker.misc.save_model_to_json()
        for comparison, original in zip(model["comparisons"], self.saved_sql["comparisons"], strict=True):
            for level, source in zip(comparison["comparison_levels"], original["comparison_levels"], strict=True):
                level["sql_condition"] = source["sql_condition"]
        model["blocking_rules_to_generate_predictions"] = [
            {"blocking_rule": _rule_text(rule), "sql_dialect": "duckdb"}
            for rule in self.saved_sql["blocking_rules_to_generate_predictions"]]
        model["sql_dialect"] = "duckdb"
        return model

    def close(self):
        if self.spark is not None:
            self.spark.stop()
        if self._own_dir:
            shutil.rmtree(self._own_dir, ignore_errors=True)
