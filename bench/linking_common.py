"""Shared pieces of the linking benchmarks: pair metrics, plain Splink for comparison, writing results."""

import csv
import json
import logging
import resource
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import duckdb
from django.conf import settings
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
import splink.comparison_library as cl


def pairs_from_entities(entities):
    """Every pair of record ids sharing an entity id, each as a sorted tuple."""
    groups = defaultdict(list)
    for record_id, entity_id in entities.items():
        groups[entity_id].append(record_id)
    return {tuple(sorted(pair)) for members in groups.values() for pair in combinations(members, 2)}


def read_pairs_csv(path):
    with open(path, encoding="utf-8") as handle:
        return {tuple(sorted((row["record_id_l"], row["record_id_r"]))) for row in csv.DictReader(handle)}


def pair_metrics(predicted, truth):
    true_positives = len(predicted & truth)
    precision = true_positives / len(predicted) if predicted else 1.0
    recall = true_positives / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 5), "recall": round(recall, 5), "f1": round(f1, 5),
            "predicted_pairs": len(predicted), "true_positives": true_positives}


def peak_memory_mb():
    """Peak resident memory of this process and its finished children (ru_maxrss is in KiB on Linux)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)


def write_result(name, report):
    out_dir = Path(settings.VAR_DIR) / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, indent=2)
    (out_dir / f"{name}.json").write_text(text + "\n", encoding="utf-8")
    print(text)


# Plain Splink: library comparisons on the raw columns, simple blocking, connected components at a threshold.
PLAIN_COMPARISONS = {
    "first_name": lambda: cl.NameComparison("first_name"),
    "surname": lambda: cl.NameComparison("surname"),
    "date_of_birth": lambda: cl.DateOfBirthComparison("date_of_birth", input_is_string=True,
                                                      datetime_format="%Y-%m-%d"),
    "house_number": lambda: cl.ExactMatch("house_number"),
    "street": lambda: cl.JaroWinklerAtThresholds("street"),
    "address_2": lambda: cl.JaroWinklerAtThresholds("address_2"),
    "town": lambda: cl.JaroWinklerAtThresholds("town"),
    "postcode": lambda: cl.LevenshteinAtThresholds("postcode", [1, 2]),
    "phone": lambda: cl.ExactMatch("phone"),
    "email": lambda: cl.EmailComparison("email"),
    "sex": lambda: cl.ExactMatch("sex"),
}
PLAIN_BLOCKING = [("first_name", "surname"), ("surname", "date_of_birth"), ("first_name", "date_of_birth"),
                  ("postcode", "date_of_birth")]


def plain_splink(csv_path, threshold=0.9, seed=42):
    """Plain Splink trained from scratch on the CSV; returns {'pairs', 'seconds', 'entities'}."""
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute("CREATE TABLE people AS SELECT * FROM read_csv(?, header = true, all_varchar = true)", [str(csv_path)])
    present = {row[0] for row in con.execute("DESCRIBE people").fetchall()}
    comparisons = [make() for column, make in PLAIN_COMPARISONS.items() if column in present]
    blocking = [block_on(*rule) for rule in PLAIN_BLOCKING if set(rule) <= present]
    db_api = DuckDBAPI(connection=con)
    linker = Linker(db_api.register("people"), SettingsCreator(
        link_type="dedupe_only", unique_id_column_name="record_id", comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
    ), log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "date_of_birth")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=seed)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    predictions = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold)
    rows = con.execute(f"SELECT record_id, cluster_id FROM {clusters.physical_name}").fetchall()
    seconds = time.perf_counter() - started
    entities = {record_id: cluster_id for record_id, cluster_id in rows}
    con.close()
    return {"pairs": pairs_from_entities(entities), "seconds": seconds, "entities": entities}
