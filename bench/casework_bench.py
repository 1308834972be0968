"""Case work pages at borough-plus scale: the team view, "my cases", the MACE list and a child's chronology,
over 10,000 open cases and 500,000 chronology lines. PostgreSQL on 127.0.0.1 (a fresh database, dropped
afterwards). Prints one JSON object and writes bench/results/casework.json.

The rows are bulk-inserted directly (bulk_create, and COPY for the chronology), not through
`safehub.cases.actions`: the benchmark measures reads, and going through the actions (one audit event and
one transaction per change) would take hours for half a million lines. Only the demo accounts are made
through the real account actions. Everything is synthetic and deterministic for the seed.

The world: five agencies; 60 workers spread over them (the council holds about half the cases); 10,000
open cases, one child each, mostly allocated (one busy worker, the demo "worker", holds the first 180 council
cases and a share of the rest: 331 with the seed), some
unallocated; risk categories from not at risk to significant; reassessment and assessment dates spread
around today; three plan actions a case, some overdue; 500,000 chronology lines across the children, skewed
so that a few children have thousands of lines (the busiest about 20,000).

Each page is opened in process through Django's test client (the whole middleware stack, the access policy,
the audit event of a record view, the template) by a signed-in user with the second factor passed, ROUNDS
times after a warm-up, and the SQL queries of one request are counted. The chronology query's plan is
checked with EXPLAIN to use the (child, -at, -id) index.
"""

import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pg_database  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_FILE = BENCH_DIR / "results" / "casework.json"
DATABASE = "safehub_bench_casework"
CASES = int(os.environ.get("SAFEHUB_BENCH_CASES", 10_000))
CHRONOLOGY = int(os.environ.get("SAFEHUB_BENCH_CHRONOLOGY", 500_000))
WORKERS = 60
BUSY_WORKER_CASES = 180
ROUNDS = int(os.environ.get("SAFEHUB_BENCH_CASEWORK_ROUNDS", 30))
SEED = 2026
# Share of cases held by each agency.
AGENCY_SHARES = {"COUNCIL": 50, "POLICE": 20, "HEALTH": 12, "SCHOOLS": 8, "YOUTH": 10}
KIND_WEIGHTS = {"note": 40, "action": 18, "case": 10, "meeting": 8, "risk": 8, "report": 5, "decision": 5,
                "assessment": 3, "share": 3}


def log(message):
    print(f"[casework bench] {message}", file=sys.stderr, flush=True)


def recreate_database():
    pg_database.recreate_database(DATABASE)


def drop_database():
    pg_database.drop_database(DATABASE)


def setup_django(var_dir):
    pg_database.setup_django(DATABASE, var_dir)


# --- The world ------------------------------------------------------------------------------------------


def make_workers(users, agencies, rng):
    """60 workers over the agencies in proportion to their cases; the demo worker is the first council one."""
    from safehub.accounts.models import Role, User

    total = sum(AGENCY_SHARES.values())
    planned = []
    for code, share in AGENCY_SHARES.items():
        planned += [code] * max(1, round(WORKERS * share / total))
    rows = [User(username=f"bench-worker-{i:03d}", first_name=f"Worker{i:03d}", last_name="Bench",
                 role=Role.WORKER, agency=agencies[code], password="!") for i, code in enumerate(planned[1:], 1)]
    User.objects.bulk_create(rows)
    workers = {code: [] for code in AGENCY_SHARES}
    workers["COUNCIL"].append(users["worker"])
    for user in User.objects.filter(username__startswith="bench-worker-").order_by("username"):
        workers[user.agency.code].append(user)
    return workers


def make_cases(users, agencies, workers, rng, today, now):
    from safehub import clock
    from safehub.cases.models import Case, Child, PlanAction

    codes = list(AGENCY_SHARES)
    weights = list(AGENCY_SHARES.values())
    children, cases = [], []
    busy = users["worker"]
    busy_left = BUSY_WORKER_CASES
    for i in range(1, CASES + 1):
        code = rng.choices(codes, weights)[0]
        agency = agencies[code]
        opened = now - dt.timedelta(days=rng.randrange(1, 400), minutes=rng.randrange(0, 1440))
        children.append(Child(pk=i, reference=f"CH-{i:06d}", owning_agency=agency, first_name=f"Child{i:05d}",
                              last_name=f"Bench{rng.randrange(1000):03d}", sex=rng.choice(["female", "male"]),
                              date_of_birth=today - dt.timedelta(days=rng.randrange(12 * 365, 17 * 365)),
                              created_at=opened, created_by=users["manager"]))
        if code == "COUNCIL" and busy_left:
            worker, busy_left = busy, busy_left - 1
        else:
            worker = None if rng.random() < 0.04 else rng.choice(workers[code])
        risk = rng.choices([None, 0, 1, 2, 3], [5, 30, 30, 22, 13])[0]
        received = opened - dt.timedelta(hours=rng.randrange(2, 72))
        cases.append(Case(
            pk=i, reference=f"EX-{opened.year}-{i:06d}", child_id=i, owning_agency=agency, opened_at=opened,
            opened_by=users["manager"], referral_received_at=received,
            status=Case.Status.ALLOCATED if worker else Case.Status.OPEN, allocated_to=worker,
            allocated_at=opened + dt.timedelta(days=1) if worker else None,
            assessment_due=clock.local(received).date() + dt.timedelta(days=63),
            assessment_completed_on=None if rng.random() < 0.3 else clock.local(opened).date() + dt.timedelta(days=30),
            review_due=today + dt.timedelta(days=rng.randrange(-20, 90)),
            risk_category=risk,
            risk_reassessment_due=None if risk is None else today + dt.timedelta(days=rng.randrange(-45, 92))))
    Child.objects.bulk_create(children, batch_size=2000)
    Case.objects.bulk_create(cases, batch_size=2000)
    actions = []
    for case in cases:
        for n in range(3):
            due = today + dt.timedelta(days=rng.randrange(-40, 60))
            status = PlanAction.Status.OPEN if rng.random() < (0.25 if due < today else 0.9) else PlanAction.Status.DONE
            actions.append(PlanAction(case_id=case.pk, description=f"Action {n} for {case.reference}",
                                      owner_name="Bench owner", owner_agency_id=case.owning_agency_id, due_on=due,
                                      status=status, created_by=users["manager"], created_at=case.opened_at))
    PlanAction.objects.bulk_create(actions, batch_size=5000)
    return cases


def write_chronology(cases, rng, now):
    """CHRONOLOGY lines with COPY, skewed over the children: a few with thousands, most with a few dozen."""
    from django.db import connection

    n = len(cases)
    weights = [1.0 / (rank + 1) ** 0.9 for rank in range(n)]
    heavy = list(range(n))
    rng.shuffle(heavy)
    # A fixed busiest child (a council one, so the manager can open it) with about 4% of all lines.
    council = next(case for case in cases if case.owning_agency.code == "COUNCIL" and case.allocated_to_id)
    heavy.remove(council.pk - 1)
    heavy.insert(0, council.pk - 1)
    child_weights = [0.0] * n
    for rank, index in enumerate(heavy):
        child_weights[index] = weights[rank]
    picks = rng.choices(range(n), child_weights, k=CHRONOLOGY)
    kinds, kind_weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    kind_picks = rng.choices(kinds, kind_weights, k=CHRONOLOGY)
    columns = ["child_id", "case_id", "at", "kind", "subtype", "summary", "actor_id", "recorded_at"]
    raw = connection.connection
    started = time.perf_counter()
    with raw.cursor() as cursor, cursor.copy(f"COPY cases_chronologyentry ({', '.join(columns)}) FROM STDIN") as copy:
        for position, (index, kind) in enumerate(zip(picks, kind_picks)):
            case = cases[index]
            at = now - dt.timedelta(seconds=rng.randrange(60, 400 * 86400))
            copy.write_row([case.child_id, case.pk if position % 10 else None, at, kind, "",
                            f"Bench {kind} line {position}", case.opened_by_id, at])
    raw.commit()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(f"wrote {CHRONOLOGY:,} chronology lines in {time.perf_counter() - started:.1f} s")
    return council.child


# --- Measuring --------------------------------------------------------------------------------------------


def count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries), [q["sql"] for q in captured.captured_queries], response


def measure(pages):
    """p50/p95 ms of each page, the pages interleaved round by round so they see the same machine state."""
    timings = {name: [] for name in pages}
    for _ in range(3):
        for client, url in pages.values():
            assert client.get(url).status_code == 200
    for _ in range(ROUNDS):
        for name, (client, url) in pages.items():
            started = time.perf_counter()
            response = client.get(url)
            timings[name].append(time.perf_counter() - started)
            assert response.status_code == 200
    result = {}
    for name, values in timings.items():
        values.sort()
        result[name] = {"url": pages[name][1], "requests": len(values),
                        "p50_ms": round(1000 * statistics.median(values), 1),
                        "p95_ms": round(1000 * values[min(len(values) - 1, int(0.95 * len(values)))], 1)}
    return result


def explain_chronology(sql):
    from django.db import connection

    from safehub.cases.models import ChronologyEntry

    index = next(i.name for i in ChronologyEntry._meta.indexes if i.fields == ["child", "-at", "-id"])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    used = sorted({line.split(" using ", 1)[1].split(" ")[0] for line in plan.splitlines() if " using " in line})
    return {"index": index, "uses_index": index in plan, "indexes_used": used, "plan": plan.splitlines()}


def main():
    recreate_database()
    started_all = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory() as var_dir:
            setup_django(var_dir)
            from django.utils import timezone

            from safehub import clock
            from safehub.accounts.models import Agency
            from safehub.cases.models import Case, ChronologyEntry, Child, PlanAction
            from safehub.demo.accounts import ensure_demo_users

            rng = random.Random(SEED)
            now, today = timezone.now(), clock.today()
            users = ensure_demo_users()
            agencies = {agency.code: agency for agency in Agency.objects.all()}
            started = time.perf_counter()
            workers = make_workers(users, agencies, rng)
            cases = make_cases(users, agencies, workers, rng, today, now)
            log(f"made {len(cases):,} cases in {time.perf_counter() - started:.1f} s")
            busiest = write_chronology(cases, rng, now)
            load_seconds = time.perf_counter() - started

            manager, worker = pg_database.signed_in(users["manager"]), pg_database.signed_in(users["worker"])
            chronology = f"/children/{busiest.reference}/chronology/"
            pages = {
                "team_view": (manager, "/cases/team/"),
                "team_whole_caseload_page_100": (manager, "/cases/team/caseload/?page=100"),
                "my_cases_busy_worker": (worker, "/cases/"),
                "mace_list": (manager, "/cases/mace/"),
                "chronology_page_1": (manager, chronology),
                "chronology_page_50": (manager, chronology + "?page=50"),
                "chronology_kind_meeting": (manager, chronology + "?kind=meeting"),
                "chronology_kind_meeting_page_5": (manager, chronology + "?kind=meeting&page=5"),
            }
            log(f"measuring {len(pages)} pages, {ROUNDS} rounds")
            load_before = os.getloadavg()[0]
            figures = measure(pages)
            load_after = os.getloadavg()[0]
            for name, (client, url) in pages.items():
                figures[name]["queries"], sqls, response = count_queries(client, url)
                if name.startswith("chronology"):
                    figures[name]["lines_shown"] = response.content.count(b"data-kind=")
                    sql = next(s for s in sqls if 'FROM "cases_chronologyentry"' in s)
                    figures[name]["explain"] = explain_chronology(sql)
            rows = {
                "agencies": Agency.objects.count(), "workers": sum(len(w) for w in workers.values()),
                "cases": Case.objects.count(), "open_cases": Case.objects.filter(status__in=["open", "allocated"]).count(),
                "unallocated_cases": Case.objects.filter(status="open").count(),
                "children": Child.objects.count(), "plan_actions": PlanAction.objects.count(),
                "overdue_actions": PlanAction.objects.filter(status="open", due_on__lt=today).count(),
                "chronology_entries": ChronologyEntry.objects.count(),
                "busiest_child_entries": ChronologyEntry.objects.filter(child=busiest).count(),
                "busiest_child_meetings": ChronologyEntry.objects.filter(child=busiest, kind="meeting").count(),
                "busy_worker_cases": Case.objects.filter(allocated_to=users["worker"]).count(),
                "manager_agency_cases": Case.objects.filter(owning_agency=users["manager"].agency).count(),
            }
    finally:
        drop_database()
    result = {"benchmark": "casework", "database": "postgresql", "rounds": ROUNDS, "rows": rows,
              "load_seconds": round(load_seconds, 1),
              "cpu_load_average_1min": {"before": round(load_before, 2), "after": round(load_after, 2),
                                        "cpus": os.cpu_count()},
              "pages": figures,
              "total_seconds": round(time.perf_counter() - started_all, 1)}
    RESULTS_FILE.parent.mkdir(exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
