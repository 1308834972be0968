"""Whether every SQL statement of the worker's network upkeep uses an index, on a large database: EXPLAIN ANALYZE.

Files NEW public reports (as `networks_incremental.py` files them) into a database that `networks_incremental.py
--keep` left (SAFEHUB_BENCH_DATABASE, e.g. `safehub_hu_bench_1m`), runs the worker's upkeep after each
(`linking.tasks.update_networks`), and asks PostgreSQL for the plan of every statement the upkeep sent: SELECTs
with EXPLAIN (ANALYZE) (run again after the upkeep, so on the data as it left it), writes with EXPLAIN alone. Prints
one JSON object: per statement its start, time, the indexes used, and any sequential scan with the rows it read
(a sequential scan on a table of a few rows, such as the waiting changes, is what PostgreSQL should do).

    .venv/bin/python bench/networks_upkeep_plans.py [--new 3]
"""

import argparse
import json
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import networks_incremental  # noqa: E402
import pg_database  # noqa: E402

DATABASE = os.environ.get("SAFEHUB_BENCH_DATABASE", "safehub_hu_bench_1m")


def nodes(plan):
    yield plan
    for child in plan.get("Plans", ()):
        yield from nodes(child)


def explained(cursor, sql):
    """(indexes used, sequential scans [(table, rows)], time in ms) of one statement."""
    analyse = sql.lstrip().upper().startswith("SELECT")
    cursor.execute(f"EXPLAIN ({'ANALYZE, ' if analyse else ''}FORMAT JSON) {sql}")
    result = cursor.fetchone()[0]
    result = json.loads(result) if isinstance(result, str) else result
    top = result[0]
    found = list(nodes(top["Plan"]))
    indexes = sorted({node["Index Name"] for node in found if "Index Name" in node})
    scans = [(node["Relation Name"], node.get("Actual Rows", node.get("Plan Rows")))
             for node in found if node["Node Type"] == "Seq Scan"]
    return indexes, scans, top.get("Execution Time")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--new", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as var_dir:
        pg_database.setup_django(DATABASE, var_dir)
        report = run(args)
    print(json.dumps(report, indent=2))


def run(args):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from safehub.intake import actions as intake_actions
    from safehub.linking.models import Mention
    from safehub.linking.tasks import update_networks

    rng = random.Random(2027)
    groups = networks_incremental.groups_in_database(rng)
    statements = []
    for _ in range(args.new):
        intake_actions.submit_contact(networks_incremental.new_draft(rng, groups), submission_key=uuid.uuid4().hex)
        with CaptureQueriesContext(connection) as queries:
            update_networks.call()
        statements += [query["sql"] for query in queries.captured_queries]
    checked, by_shape = [], {}
    with connection.cursor() as cursor:
        for sql in statements:
            head = sql.split(" WHERE ")[0][:90]
            if sql.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")) or head in by_shape:
                continue
            try:
                indexes, scans, took = explained(cursor, sql)
            except Exception as error:  # noqa: BLE001 (a statement EXPLAIN cannot take is listed, not fatal)
                by_shape[head] = {"statement": sql[:160], "error": str(error)[:120]}
                connection.rollback() if not connection.in_atomic_block else None
                continue
            by_shape[head] = {"statement": sql[:160], "indexes": indexes, "sequential_scans": scans,
                              "execution_ms": round(took, 2) if took is not None else None}
            checked.append(by_shape[head])
    return {"benchmark": "networks_upkeep_plans", "database": DATABASE, "when": time.strftime("%Y-%m-%d %H:%M"),
            "load_average": [round(load, 2) for load in os.getloadavg()], "mentions": Mention.objects.count(),
            "reports": args.new, "statements_sent": len(statements), "distinct_statements": len(by_shape),
            "with_a_sequential_scan": [entry for entry in by_shape.values() if entry.get("sequential_scans")],
            "statements": list(by_shape.values())}


if __name__ == "__main__":
    main()
