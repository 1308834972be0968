"""How long the networks take to recompute after a change, at a busy partnership's scale, on PostgreSQL.

Files REPORTS public reports through the real intake path (each links its mentions in the request), drawing
children, persons of concern with nicknames and phone numbers from small pools so that many reports share
them and networks form. Then times `networks.compute()` (what the first analyst to open the networks list
after a change waits for) and counts its SQL queries, twice: from scratch, and after one more report.
Prints one JSON object, also written to var/bench/networks_compute.json.

    .venv/bin/python bench/networks_compute.py [--reports 3000]
"""

import argparse
import json
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pg_database  # noqa: E402

DATABASE = "safehub_bench_networks"
FIRST = ["Amira", "Ben", "Chloe", "Dylan", "Ella", "Filip", "Grace", "Hamza", "Isla", "Jakub", "Kacper", "Lena",
         "Maya", "Noah", "Olivia", "Priya", "Ruby", "Sami", "Tia", "Zofia"]
LAST = ["Ashworth", "Bhatti", "Constantin", "Dabrowska", "Ellison", "Fairclough", "Kaczmarek", "Malik",
        "Nwosu", "Okonkwo", "Popescu", "Qureshi", "Rushworth", "Wozniak"]
NICKNAMES = [f"{word}{n}" for word in ("Tiny", "Jay", "Smokey", "Ace", "Blade", "Kez") for n in range(300)]


def draft(rng):
    children = [{"name": f"{rng.choice(FIRST)} {rng.choice(LAST)}{rng.randrange(60)}", "age": str(rng.randint(11, 17))}
                for _ in range(rng.randint(1, 2))]
    people = [{"name": f"{rng.choice(FIRST)} {rng.choice(LAST)}{rng.randrange(200)}", "nicknames": rng.choice(NICKNAMES)}
              for _ in range(rng.randint(0, 2))]
    phones = [{"number": f"07700 900{rng.randrange(1000):03d}"}] if rng.random() < 0.3 else []
    return {"kind": "public", "concern": "Worried about older men and cars.", "children": children,
            "people": people, "phones": phones, "vehicles": [], "handles": [], "places": []}


def timed_compute():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from safehub.linking import networks

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        found = networks.compute()
    return {"seconds": round(time.perf_counter() - started, 2), "queries": len(queries.captured_queries),
            "networks": len(found), "flagged": sum(network.flagged for network in found)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=3000)
    args = parser.parse_args()
    pg_database.recreate_database(DATABASE)
    try:
        with tempfile.TemporaryDirectory() as var_dir:
            pg_database.setup_django(DATABASE, var_dir)

            from safehub.demo.accounts import ensure_agencies
            from safehub.intake.actions import submit_contact
            from safehub.linking.models import Mention

            ensure_agencies()
            rng = random.Random(2026)
            started = time.perf_counter()
            for _ in range(args.reports):
                submit_contact(draft(rng), submission_key=uuid.uuid4().hex)
            filing = time.perf_counter() - started
            report = {"benchmark": "networks_compute", "reports": args.reports, "mentions": Mention.objects.count(),
                      "filing_seconds": round(filing, 1), "from_scratch": timed_compute()}
            submit_contact(draft(rng), submission_key=uuid.uuid4().hex)
            report["after_one_more_report"] = timed_compute()
    finally:
        pg_database.drop_database(DATABASE)
    out = Path(__file__).resolve().parent.parent / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, indent=2)
    (out / "networks_compute.json").write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
