"""What linking one filed report costs with a large partnership's mentions already in PostgreSQL.

The call measured is the one the background worker runs for each report it files (and the public submission
ran inline before): `resolve.link_contact(contact, details=..., new=True)` inside `resolve.link_in_request`
(its savepoint), for a report whose detail rows are stored. It reads person candidates from the database's
blocking keys, scores them with the saved model, stores the mentions, their entities and the scored links,
groups the people with the guards and notes the report for the worker's network upkeep (which is not in it).

The database (`safehub_hr_bench_<mentions>` unless --database says otherwise) is built once with the loader
of `bench/networks_incremental.py` (reports naming a child, sometimes a man and his nickname, a phone,
sometimes a car or a place; half in planted groups of 2-6 reports sharing phones, a car and a man; a taxi
firm's phone in one report in ten) and reused by later runs. Names collide as in a real town: 20
children's first names and 306 surnames, so at 1,000,000 mentions about 50 earlier children share a new
child's full name, all of them candidates.

Each new report (half naming a planted group's man and phone, half on their own, one in ten the taxi firm:
`networks_incremental.new_draft`) is stored with its detail rows in a transaction, linked, timed, and the
transaction rolled back, so every run (and the code before and after a change) sees the same database.
Prints one JSON object: p50/p95 of the linking call, SQL statements per call, the time inside SQL
statements against the rest (Python), and the statements that cost most; `--explain` adds each distinct
SELECT's plan (EXPLAIN ANALYZE) for the first report timed. Also written to
var/bench/linking_filed_report_<mentions>.json.

    PYTHONPATH=src .venv/bin/python bench/linking_filed_report.py --mentions 1000000 [--rebuild] [--new 300]

Building the million takes about 25 minutes on the shared 2-core machine (bulk inserts); it is kept for the next
run (drop it with `DROP DATABASE safehub_hr_bench_1000k`).
"""

import argparse
import contextlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import networks_incremental as data  # noqa: E402
import pg_database  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "var" / "bench"


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] linking_filed_report: {message}", file=sys.stderr, flush=True)


def summary(values):
    return {"p50_ms": round(statistics.median(values), 2), "p95_ms": data.percentile(values, 0.95),
            "max_ms": round(max(values), 2)}


def shape(sql):
    """A statement's shape: its text with runs of placeholders folded, so IN lists of any length group together."""
    sql = re.sub(r"%s(, %s)+", "%s...", sql)
    sql = re.sub(r'"s\d+_x\d+"', '"s..."', sql)  # savepoint names
    return re.sub(r"\s+", " ", sql)[:160]


class Timer:
    """A connection execute wrapper that times every statement (the driver's round trip and the rows' transfer)."""

    def __init__(self, keep_params=False):
        self.statements, self.keep_params = [], keep_params

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append((sql, params if self.keep_params else None,
                                    (time.perf_counter() - started) * 1000))


def groups_file(database):
    return OUT / f"linking_filed_report_groups_{database}.json"


def built(database):
    """The database and its planted groups are there from an earlier run."""
    import psycopg

    with psycopg.connect(f"{pg_database.PG_SERVER}/postgres") as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
    return bool(found) and groups_file(database).exists()


def build(database, mentions):
    """Load the mentions (networks_incremental's loader: bulk inserts), ANALYZE, and keep the planted groups."""
    from django.db import connection

    rng = random.Random(2026)
    started = time.perf_counter()
    groups, reports = data.load(mentions, rng)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    OUT.mkdir(parents=True, exist_ok=True)
    groups_file(database).write_text(json.dumps([(phones, (man[0], man[1]), car) for phones, man, car in groups]))
    log(f"{mentions:,} mentions in {reports:,} reports loaded in {time.perf_counter() - started:.0f} s")


PROFILER = None  # --profile: a cProfile.Profile enabled around the linking call only
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def backend_cpu_ms(pid):
    """CPU time (user + system) the PostgreSQL backend serving this connection has used so far, from /proc (the
    server runs on this machine): what the database itself spends, whatever else waits for the cores."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) * TICK_MS


def file_and_link(draft, timer, cpu):
    """Store a report with its detail rows as a submission does, then time the linking call the worker makes.
    Everything is rolled back afterwards. Returns (ms, statements, linked); adds the call's CPU time in this
    process and in the database's backend to `cpu`."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from safehub import clock
    from safehub.accounts.models import Agency
    from safehub.intake import actions as intake
    from safehub.intake.models import Contact
    from safehub.linking import resolve

    with transaction.atomic():
        now = timezone.now()
        contact = Contact.objects.create(submission_key=uuid.uuid4().hex, kind=draft["kind"], concern=draft["concern"],
                                         owning_agency=Agency.objects.get(code=settings.SAFEHUB_FRONT_DOOR_AGENCY),
                                         received_at=now,
                                         decision_due_at=clock.screening_decision_due(now))
        grouped = intake._group_by_model(intake._detail_rows(contact, draft))
        for model, rows in grouped.items():
            model.objects.bulk_create(rows)
        details = {section: grouped.get(model, []) for section, model in intake.DETAIL_MODELS.items()}
        before = len(timer.statements)
        with connection.execute_wrapper(timer):
            if PROFILER:
                PROFILER.enable()
            server, python = backend_cpu_ms(cpu["pid"]), time.process_time()
            started = time.perf_counter()
            linked = resolve.link_in_request(lambda new: resolve.link_contact(new, details=details, new=True), contact)
            took = (time.perf_counter() - started) * 1000
            cpu["python_ms"] += (time.process_time() - python) * 1000
            if server is not None:
                cpu["database_ms"] += backend_cpu_ms(cpu["pid"]) - server
            if PROFILER:
                PROFILER.disable()
        statements = timer.statements[before:]
        transaction.set_rollback(True)
    return took, statements, linked


def explain(statements):
    """EXPLAIN ANALYZE of each distinct SELECT of one report's linking, in a transaction rolled back: the plan's
    node lines (which index, how many rows) and the execution time."""
    from django.db import connection, transaction

    plans, seen = [], set()
    for sql, params, _ in statements:
        if not sql.lstrip("( ").upper().startswith("SELECT") or shape(sql) in seen:
            continue
        seen.add(shape(sql))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            lines = [row[0] for row in cursor.fetchall()]
            transaction.set_rollback(True)
        plans.append({"statement": shape(sql), "plan": lines})
    return plans


@contextlib.contextmanager
def waiting_upkeep_run():
    """A network upkeep run waiting in the queue (committed), as there is while reports come in: the first report
    after a run starts enqueues the next (ADR 28), the others find it. Each timed report's own enqueue would be
    rolled back, so without it every report would pay for enqueueing one. Removed afterwards."""
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from safehub.linking.tasks import update_networks

    waiting = update_networks.using(run_after=timezone.now() + timedelta(hours=1)).enqueue()
    try:
        yield
    finally:
        DBTaskResult.objects.filter(pk=waiting.id).delete()


def filer_run(args):
    """The worker files waiting reports in runs of up to 200 (`intake.actions.file_waiting_reports`), inside
    `linking.filing.one_run` since ADR 38; --one-by-one times each report as if it were alone (and the code
    before ADR 38, which has no runs)."""
    try:
        from safehub.linking.filing import one_run
    except ImportError:
        return contextlib.nullcontext()
    return contextlib.nullcontext() if args.one_by_one else one_run()


def run(args):
    from django.db import connection

    from safehub.linking.models import Entity, Mention, PersonLink

    rng = random.Random(16)
    groups = [(phones, (man[0], man[1], None), car)
              for phones, man, car in json.loads(groups_file(args.database).read_text())]
    drafts = [data.new_draft(rng, groups) for _ in range(args.warm + args.new)]
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    cpu = {"pid": pid, "python_ms": 0.0, "database_ms": 0.0}
    timer = Timer(keep_params=args.explain)
    times, counts, sql_ms, failures = [], [], [], 0
    by_shape = defaultdict(lambda: [0, 0.0])
    explained = None
    with waiting_upkeep_run(), filer_run(args):
        for number, draft in enumerate(drafts):
            if number == args.warm:
                timed_cpu = dict(cpu)  # the CPU used from here on is the timed calls'
            took, statements, linked = file_and_link(draft, timer, cpu)
            failures += not linked
            if number < args.warm:
                continue
            times.append(took)
            counts.append(len(statements))
            sql_ms.append(sum(ms for _, _, ms in statements))
            for sql, _, ms in statements:
                by_shape[shape(sql)][0] += 1
                by_shape[shape(sql)][1] += ms
            if args.explain and explained is None:
                explained = explain(statements)
            timer.statements.clear()
    total, in_sql = sum(times), sum(sql_ms)
    costly = sorted(by_shape.items(), key=lambda item: -item[1][1])[:12]
    load = os.getloadavg()
    return {
        "benchmark": "linking_filed_report", "database": "postgresql", "name": args.database,
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                 cwd=Path(__file__).resolve().parent).stdout.strip(),
        "code": str(Path(sys.modules["safehub"].__file__).resolve().parent),
        "load_average_1_5_15": [round(value, 2) for value in load],
        "mentions": Mention.objects.count(), "entities": Entity.objects.count(),
        "person_links": PersonLink.objects.count(),
        "filer_run": not args.one_by_one and "filing" in sys.modules.get("safehub.linking").__dict__,
        "reports_linked": len(times), "warm_up_reports": args.warm, "linking_failed": failures,
        "linking_call": summary(times),
        "sql_statements_per_call": {"mean": round(statistics.mean(counts), 1), "max": max(counts)},
        "time_in_sql_share": round(in_sql / total, 3),
        "sql_ms_per_call": summary(sql_ms),
        "python_ms_per_call_mean": round((total - in_sql) / len(times), 2),
        "cpu_ms_per_call_mean": {
            "this_process": round((cpu["python_ms"] - timed_cpu["python_ms"]) / len(times), 2),
            "database_backend": round((cpu["database_ms"] - timed_cpu["database_ms"]) / len(times), 2),
            "note": "CPU time, not waiting: what a call costs the two cores whatever else runs (the backend's from "
                    "/proc in 10 ms ticks, exact only as a mean over many calls)"},
        "costliest_statements": [{"statement": sql, "per_call": round(count / len(times), 2),
                                  "ms_per_call": round(ms / len(times), 2)} for sql, (count, ms) in costly],
        **({"plans": explained} if args.explain else {}),
        "aims": {"linking_p95_ms": 20, "at_mentions": 1_000_000},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--database", help="default safehub_hr_bench_<mentions>")
    parser.add_argument("--reuse", action="store_true", help="use the database an earlier run built (the default "
                                                              "when it and its planted groups are there)")
    parser.add_argument("--rebuild", action="store_true", help="build the database again even if it is there")
    parser.add_argument("--load-only", action="store_true", help="build the database and stop")
    parser.add_argument("--new", type=int, default=300, help="reports linked and timed")
    parser.add_argument("--warm", type=int, default=20, help="reports linked first and not counted")
    parser.add_argument("--one-by-one", action="store_true", help="each report alone, not in a run of the filer")
    parser.add_argument("--explain", action="store_true", help="add the plans of one report's SELECTs")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the linking calls (their slowest functions to stderr; the timings include its overhead)")
    args = parser.parse_args()
    args.database = args.database or f"safehub_hr_bench_{args.mentions // 1000}k"
    assert args.database.startswith(("safehub_hr", "safehub_rt")), "benchmark databases are named safehub_hr... or safehub_rt..."
    args.reuse = args.reuse or (built(args.database) and not args.rebuild)
    if not args.reuse:
        pg_database.recreate_database(args.database)
    with tempfile.TemporaryDirectory() as var_dir:
        pg_database.setup_django(args.database, var_dir)
        if not args.reuse:
            build(args.database, args.mentions)
        if args.load_only:
            return
        if args.profile:
            import cProfile
            import pstats

            global PROFILER
            PROFILER = cProfile.Profile()
        report = run(args)
        if args.profile:
            stats = pstats.Stats(PROFILER, stream=sys.stderr)
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(25)
    OUT.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, indent=2)
    (OUT / f"linking_filed_report_{args.mentions}.json").write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
