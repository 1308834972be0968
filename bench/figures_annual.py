"""The full annual set of figures over 1,000,000 contacts and 50,000 cases on PostgreSQL: how long counting
every figure in the registry takes, and how many SQL queries it makes (aim: under 5 seconds). Prints one JSON
object and writes bench/results/figures_annual.json.

A fresh database (its name must contain "bench": SAFEHUB_BENCH_DATABASE, default safehub_bench_figures) is
made, loaded with COPY (not through the actions: the benchmark measures the reads) and dropped afterwards.
Everything is synthetic and deterministic for the seed, all in the calendar year 2025:

- 1,000,000 contacts (public, professional, adults' non-recent reports), nine in ten decided, most within a
  working day; a tenth name an online account, a fifth a place, about one in seven two people;
- 45,000 children and 50,000 cases (some children have two), with sex, ethnicity (a share unrecorded),
  special educational needs, assessments completed (most on time), two risk screenings each;
- 4,000 strategy discussions and initial conferences; 5,000 people of concern, 12,000 justice steps;
- 3,000 flagged networks, a third opened by an analyst.

Then `compute_all(Scope(Period.year(2025)))` (the raw counts) and `publish_all` (the counts and disclosure
control, as the figures page and a publication do) are each run ROUNDS times after a warm-up.
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

RESULTS_FILE = Path(__file__).resolve().parent / "results" / "figures_annual.json"
DATABASE = os.environ.get("SAFEHUB_BENCH_DATABASE", "safehub_bench_figures")
CONTACTS = int(os.environ.get("SAFEHUB_BENCH_CONTACTS", 1_000_000))
CASES = int(os.environ.get("SAFEHUB_BENCH_CASES", 50_000))
ROUNDS = int(os.environ.get("SAFEHUB_BENCH_FIGURES_ROUNDS", 5))
SEED = 2025
YEAR = 2025


def log(message):
    print(f"[figures bench] {message}", file=sys.stderr, flush=True)


def copy_rows(model, rows):
    """COPY rows ({field name: value}) into the model's table; other columns take their null or default."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    raw = connection.connection
    count = 0
    with raw.cursor() as cursor, cursor.copy(f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            values = []
            for f in fields:
                if f.attname in row:
                    value = row[f.attname]
                elif f.name in row:
                    value = row[f.name]
                elif f.null:
                    value = None
                elif f.has_default():
                    value = f.get_default()
                else:
                    value = ""
                if isinstance(value, (list, dict)):
                    value = json.dumps(value)
                values.append(value)
            copy.write_row(values)
            count += 1
    raw.commit()
    return count


def first_id(model, count):
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last - count + 1


def load(users, agencies, rng):
    from safehub import clock
    from safehub.cases.models import Case, Child, Meeting, RiskAssessment
    from safehub.intake.models import Contact, ContactHandle, ContactPerson, ContactPlace
    from safehub.intelligence.models import JusticeStep, Operation, PersonOfConcern
    from safehub.linking.models import Network
    from safehub.risk import VULNERABILITIES

    codes = list(agencies)
    start = dt.datetime(YEAR, 1, 1, tzinfo=clock.LONDON)
    seconds = 365 * 86400
    due_cache = {}

    def due(moment):
        day = clock.local(moment).date()
        if day not in due_cache:
            due_cache[day] = clock.screening_decision_due(clock.local(moment).replace(hour=12, minute=0))
        found = due_cache[day]
        local = clock.local(moment)
        return found.replace(hour=local.hour, minute=local.minute) if clock.is_working_day(day) else found

    kinds = ["public"] * 30 + ["professional"] * 65 + ["non_recent"] * 5
    outcomes = [value for value, _ in Contact.Outcome.choices]

    def contacts():
        for i in range(CONTACTS):
            received = start + dt.timedelta(seconds=rng.randrange(seconds))
            decided = rng.random() < 0.9
            decided_at = received + dt.timedelta(hours=rng.choice([1, 3, 6, 20, 30, 70])) if decided else None
            yield {"submission_key": f"bench-{i}", "kind": rng.choice(kinds), "channel": "web",
                   "owning_agency_id": agencies[rng.choice(codes)].pk, "received_at": received, "concern": "Bench",
                   "reporter_anonymous": True, "reporter_name_withheld_from_family": False,
                   "status": "decided" if decided else "awaiting", "decision_due_at": due(received),
                   "decided_at": decided_at, "outcome": rng.choice(outcomes) if decided else ""}

    started = time.perf_counter()
    copy_rows(Contact, contacts())
    first = first_id(Contact, CONTACTS)
    copy_rows(ContactHandle, ({"contact_id": first + i, "username": f"user{i}", "app": "Snap"}
                              for i in range(CONTACTS) if i % 10 == 0))
    copy_rows(ContactPlace, ({"contact_id": first + i, "address": "The park", "postcode": "", "description": ""}
                             for i in range(CONTACTS) if i % 5 == 1))
    copy_rows(ContactPerson, ({"contact_id": first + i, "name": f"Man {i}.{n}", "nicknames": "", "description": ""}
                              for i in range(CONTACTS) if i % 7 in (3, 4) for n in range(2 if i % 7 == 3 else 1)))
    log(f"contacts loaded in {time.perf_counter() - started:.1f} s")

    worker = users["worker"]
    ethnicities = ["white_british"] * 60 + ["asian_pakistani"] * 10 + ["black_african"] * 5 + ["mixed_other"] * 5 \
        + ["not_known"] * 8 + ["refused"] * 2 + [""] * 10
    children = CASES * 9 // 10

    def kids():
        for i in range(children):
            created = start + dt.timedelta(seconds=rng.randrange(seconds))
            yield {"reference": f"CH-B{i:07d}", "owning_agency_id": agencies[rng.choice(codes)].pk,
                   "first_name": "Bench", "last_name": f"Child{i}", "sex": rng.choice(["female", "male", "", "not_known"]),
                   "ethnicity": rng.choice(ethnicities), "nationality": rng.choice(["British", "British", ""]),
                   "send": rng.choice(["none", "sen_support", "ehc_plan", "", "not_known"]),
                   "date_of_birth": dt.date(rng.randint(2006, 2016), rng.randint(1, 12), rng.randint(1, 28)),
                   "learning_disability": rng.random() < 0.08, "created_at": created, "created_by_id": worker.pk}

    started = time.perf_counter()
    copy_rows(Child, kids())
    first_child = first_id(Child, children)
    case_rows = []

    def cases():
        for i in range(CASES):
            opened = start + dt.timedelta(seconds=rng.randrange(seconds - 60 * 86400))
            due_on = opened.date() + dt.timedelta(days=63)
            done = opened.date() + dt.timedelta(days=rng.choice([20, 40, 60, 70]))
            case_rows.append((first_child + i % children, opened.date()))
            yield {"reference": f"EX-B{i:07d}", "child_id": first_child + i % children,
                   "owning_agency_id": agencies[rng.choice(codes)].pk, "status": "allocated", "opened_at": opened,
                   "opened_by_id": worker.pk, "referral_received_at": opened, "assessment_due": due_on,
                   "assessment_completed_on": done if rng.random() < 0.8 else None}

    copy_rows(Case, cases())
    first_case = first_id(Case, CASES)
    keys = list(VULNERABILITIES)

    def screenings():
        for n, (child_id, opened_on) in enumerate(case_rows):
            day = opened_on + dt.timedelta(days=5)
            for _ in range(2):
                yield {"case_id": first_case + n, "child_id": child_id, "assessed_on": day, "assessed_by_id": worker.pk,
                       "recorded_at": start, "vulnerabilities": rng.sample(keys, 2), "moderate": [], "significant": {},
                       "disclosure": False, "learning_disability": False, "score": 6, "score_category": 1,
                       "tool_category": 1, "final_category": 1, "overrides": [],
                       "reassessment_due": clock.months_later(day, 3)}
                day = day + dt.timedelta(days=rng.choice([60, 85, 100, 120]))

    copy_rows(RiskAssessment, screenings())
    meetings = []
    for n in range(4000):
        held = start + dt.timedelta(seconds=rng.randrange(seconds - 60 * 86400))
        meetings.append(Meeting(kind="strategy", section_47=True, owning_agency=agencies["COUNCIL"], held_at=held,
                                chair="Chair", recorded_by=worker))
        meetings.append(Meeting(kind="conference", owning_agency=agencies["COUNCIL"], chair="Chair", recorded_by=worker,
                                held_at=held + dt.timedelta(days=rng.choice([10, 18, 21, 30]))))
    Meeting.objects.bulk_create(meetings, batch_size=2000)
    through = Meeting.cases.through
    through.objects.bulk_create([through(meeting_id=m.pk, case_id=first_case + (k // 2) * 7 % CASES) for k, m in enumerate(meetings)],
                                batch_size=5000)
    log(f"children, cases, screenings and meetings loaded in {time.perf_counter() - started:.1f} s")

    analyst = users["analyst"]
    people = PersonOfConcern.objects.bulk_create([
        PersonOfConcern(owning_agency=agencies["POLICE"], first_name="Bench", last_name=f"Man{i}", created_by=analyst,
                        sex=rng.choice(["male"] * 9 + ["female", ""]), ethnicity=rng.choice(ethnicities),
                        nationality_answer=(answer := rng.choice(["recorded", "recorded", "not_known", ""])),
                        nationality="British" if answer == "recorded" else "",
                        date_of_birth=dt.date(rng.randint(1960, 2004), 1, 1) if rng.random() < 0.7 else None,
                        created_at=start + dt.timedelta(seconds=rng.randrange(seconds)))
        for i in range(5000)], batch_size=2000)
    operation = Operation.objects.create(name="Operation Bench", owning_agency=agencies["POLICE"], lead=analyst,
                                         created_by=analyst)
    JusticeStep.objects.bulk_create([
        JusticeStep(operation=operation, person=rng.choice(people), kind=rng.choice(["investigation", "arrest", "charge",
                                                                                     "nfa", "conviction", "sentence"]),
                    at=start + dt.timedelta(seconds=rng.randrange(seconds)), recorded_by=analyst)
        for _ in range(12000)], batch_size=4000)
    networks = Network.objects.bulk_create([
        Network(intelligence_seen="none", flagged=True,
                contact_ids=[first + rng.randrange(CONTACTS) for _ in range(3)],
                newest_activity=start + dt.timedelta(seconds=rng.randrange(seconds)))
        for i in range(3000)], batch_size=1000)
    operation.network_reports.add(*[n.contact_ids[0] for n in networks[:300]])
    from safehub.audit.trail import record_many

    record_many("network_viewed", user=analyst, object_type="network", object_ids=[n.pk for n in networks[:1000]])
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(function):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    function()  # warm-up
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as queries:
        function()
    sql_seconds = sum(float(q["time"]) for q in queries.captured_queries)
    slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:8]
    return {"p50_s": round(statistics.median(times), 3), "min_s": round(min(times), 3), "max_s": round(max(times), 3),
            "queries": len(queries), "sql_s": round(sql_seconds, 3),
            "slowest_sql": [[round(float(q["time"]), 3), q["sql"][:160]] for q in slowest]}


def main():
    assert "bench" in DATABASE, "the benchmark's database name must contain 'bench'"
    pg_database.recreate_database(DATABASE)
    try:
        with tempfile.TemporaryDirectory() as var_dir:
            pg_database.setup_django(DATABASE, var_dir)
            from safehub.accounts.models import Agency
            from safehub.cases.models import Case, RiskAssessment
            from safehub.demo.accounts import ensure_demo_users
            from safehub.insights.figures import FIGURES, Scope, compute_all
            from safehub.insights.periods import Period
            from safehub.insights.tables import publish_all
            from safehub.intake.models import Contact

            users = ensure_demo_users()
            agencies = {agency.code: agency for agency in Agency.objects.all()}
            started = time.perf_counter()
            load(users, agencies, random.Random(SEED))
            load_seconds = time.perf_counter() - started
            scope = Scope(Period.year(YEAR))
            if os.environ.get("SAFEHUB_BENCH_PROFILE"):
                import cProfile
                import pstats

                compute_all(scope)
                profile = cProfile.Profile()
                profile.runcall(compute_all, scope)
                pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
            counts = measure(lambda: compute_all(scope))
            published = measure(lambda: publish_all(scope))
            police = measure(lambda: compute_all(Scope(Period.year(YEAR), agencies["POLICE"])))
            tables = publish_all(scope)
            withheld = sum(cell == "[c]" for t in tables for row in t["rows"] for cell in row["cells"])
            rows = {"contacts": Contact.objects.count(), "cases": Case.objects.count(),
                    "risk_screenings": RiskAssessment.objects.count()}
    finally:
        pg_database.drop_database(DATABASE)
    result = {"benchmark": "figures_annual", "database": "postgresql", "period": str(YEAR), "rounds": ROUNDS,
              "figures": len(FIGURES), "rows": rows, "load_s": round(load_seconds, 1),
              "compute_all": counts, "publish_all_with_disclosure_control": published,
              "compute_all_one_agency": police, "withheld_cells": withheld, "aim_s": 5.0,
              "aim_met": published["p50_s"] < 5.0, "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    RESULTS_FILE.parent.mkdir(exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(result, indent=2))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
