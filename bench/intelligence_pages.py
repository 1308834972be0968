"""A person of concern's page and an operation's page at national-force scale: 10,000 people of concern,
100,000 intelligence items and 1,000,000 linking mentions on PostgreSQL (a fresh database, dropped
afterwards). Prints one JSON object and writes bench/results/intelligence_pages.json.

The rows are bulk-inserted directly (bulk_create), not through the actions: the benchmark measures reads.
The world: the demo agencies and accounts; 10,000 people of concern owned by the police, each with one to
three phones or vehicles; 100,000 intelligence items, each naming two to four people, phones or vehicles
(as IntelligenceMention rows and linking mentions pointing at shared entities, so one busy man is named in
thousands of items); reports filling the mentions up to 1,000,000; one operation with 40 people, 20 children,
300 intelligence items, 120 disruptions (some breached, some expiring) and 400 justice steps.

Each page is opened in process through Django's test client (middleware, the access policy, the audit event
of the view, the template) by the signed-in demo analyst, ROUNDS times after a warm-up, and the SQL queries of
one request are counted (the tests check that the count does not grow with the rows; here it is reported).
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
RESULTS_FILE = BENCH_DIR / "results" / "intelligence_pages.json"
DATABASE = os.environ.get("SAFEHUB_BENCH_DATABASE", "safehub_bench_intelligence")
PEOPLE = int(os.environ.get("SAFEHUB_BENCH_PEOPLE", 10_000))
ITEMS = int(os.environ.get("SAFEHUB_BENCH_ITEMS", 100_000))
MENTIONS = int(os.environ.get("SAFEHUB_BENCH_MENTIONS", 1_000_000))
ROUNDS = int(os.environ.get("SAFEHUB_BENCH_ROUNDS", 30))
PHONES = 90_000
BATCH = 5_000
SEED = 2026


def log(message):
    print(f"[intelligence bench] {message}", file=sys.stderr, flush=True)


def phone(number):
    return f"+4477009{number:05d}"


def make_people(users, police, rng):
    """People of concern, each with one to three phones of their own (distinct numbers, the first ones of the
    phone pool): returns (people, {person id: [phone number index]})."""
    from safehub.intelligence.models import Answered, PersonDetail, PersonOfConcern

    analyst, now = users["analyst"], dt.datetime.now(dt.timezone.utc)
    people = PersonOfConcern.objects.bulk_create(
        [PersonOfConcern(owning_agency=police, first_name=f"First{i}", last_name=f"Surname{i % 3000}",
                         nicknames=rng.choice(["", "Bugsy", "Jay", "Ghost", f"Nick{i}"]), created_by=analyst,
                         ethnicity=rng.choice(["", "white_british", "asian_pakistani", "not_known", "refused"]),
                         nationality_answer=rng.choice(["", Answered.NOT_KNOWN, Answered.REFUSED]))
         for i in range(PEOPLE)], batch_size=BATCH)
    for person in people:
        person.reference = f"POC-{person.pk:06d}"
    PersonOfConcern.objects.bulk_update(people, ["reference"], batch_size=BATCH)
    own, details, number = {}, [], 0
    for person in people:
        own[person.pk] = list(range(number, number + rng.randint(1, 3)))
        number += len(own[person.pk])
        details += [PersonDetail(person=person, kind="phone", value=phone(n), added_by=analyst,
                                 added_at=now - dt.timedelta(days=rng.randint(1, 700))) for n in own[person.pk]]
    PersonDetail.objects.bulk_create(details, batch_size=BATCH)
    return people, own


def make_entities(count):
    from safehub.linking.models import Entity

    return Entity.objects.bulk_create([Entity(kind="phone", key=phone(i), label=phone(i)) for i in range(count)],
                                      batch_size=BATCH)


def make_items(users, police, people, own, phones, rng):
    """Intelligence items, each about one person of concern (the busiest, the first, in one item in twenty)
    and naming one of his phones and one to three other phones, as IntelligenceMention rows and linking
    mentions of the shared phone entities."""
    from safehub.intelligence.models import IntelligenceItem, IntelligenceMention
    from safehub.linking.models import Mention

    analyst, now = users["analyst"], dt.datetime.now(dt.timezone.utc)
    items = IntelligenceItem.objects.bulk_create(
        [IntelligenceItem(owning_agency=police, source_grade=rng.choice("123"), intelligence_grade=rng.choice("ABCDE"),
                          handling_code=rng.choice("PC"), handling_condition="Not to be shared outside MASH",
                          text=f"Item {i}", sanitised_summary=f"Summary {i}", submitted_by=analyst,
                          received_at=now - dt.timedelta(minutes=i))
         for i in range(ITEMS)], batch_size=BATCH)
    for item in items:
        item.reference = f"INT-{item.pk:06d}"
    IntelligenceItem.objects.bulk_update(items, ["reference"], batch_size=BATCH)
    through, named, mentions = IntelligenceItem.people.through, [], []
    links = []
    for i, item in enumerate(items):
        person = people[0] if i % 20 == 0 else rng.choice(people)
        links.append(through(intelligenceitem_id=item.pk, personofconcern_id=person.pk))
        numbers = [rng.choice(own[person.pk])] + [rng.randrange(len(phones)) for _ in range(rng.randint(1, 3))]
        for number in numbers:
            entity = phones[number]
            named.append(IntelligenceMention(item=item, kind="phone", value=entity.key))
            mentions.append(Mention(kind="phone", role="person_of_concern", raw=entity.key, key=entity.key,
                                    entity=entity, intelligence=item, created_at=item.received_at))
    through.objects.bulk_create(links, batch_size=BATCH)
    IntelligenceMention.objects.bulk_create(named, batch_size=BATCH)
    Mention.objects.bulk_create(mentions, batch_size=BATCH)
    return items, len(mentions)


def make_person_mentions(phones):
    """Each person of concern's phones as mentions of the shared phone entities."""
    from safehub.intelligence.models import PersonDetail
    from safehub.linking.models import Mention

    by_key = {entity.key: entity for entity in phones}
    rows = [Mention(kind="phone", role="person_of_concern", raw=d.value, key=d.value, entity=by_key.get(d.value),
                    person_of_concern_id=d.person_id) for d in PersonDetail.objects.all().iterator()]
    Mention.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def make_reports(count, users, council, police, people, own, phones, rng):
    """Council reports, each naming two phones, to bring the mentions up to the total: the first is one of a
    person of concern's phones in half of them (the busiest man's in one in a thousand), the second any
    phone. One report in four is shared with the police (so the analyst opens those)."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from safehub.access.models import Share
    from safehub.intake.models import Contact
    from safehub.linking.models import Mention

    report_type, now = ContentType.objects.get_for_model(Contact), timezone.now()
    made = reports = 0
    while made < count:
        batch = min(BATCH, (count - made + 1) // 2)
        received = [now - dt.timedelta(minutes=7 * (reports + i)) for i in range(batch)]
        contacts = Contact.objects.bulk_create(
            [Contact(submission_key=f"bench-{reports + i}", kind="public",
                     owning_agency=council, concern="Bench", received_at=received[i], decision_due_at=received[i])
             for i in range(batch)])
        rows = []
        for contact in contacts:
            draw = rng.random()
            first = (rng.choice(own[people[0].pk]) if draw < 0.001
                     else rng.choice(own[rng.choice(people).pk]) if draw < 0.5 else rng.randrange(len(phones)))
            for number in (first, rng.randrange(len(phones))):
                entity = phones[number]
                rows.append(Mention(kind="phone", role="person_of_concern", raw=entity.key, key=entity.key,
                                    entity=entity, contact=contact, created_at=contact.received_at))
        Mention.objects.bulk_create(rows, batch_size=BATCH)
        Share.objects.bulk_create([Share(content_type=report_type, object_id=contact.pk, agency=police,
                                         purpose="CSE analysis", lawful_basis="dpa_s1_p18",
                                         granted_by=users["manager"]) for contact in contacts[::4]])
        made += len(rows)
        reports += batch
    return reports


def make_operation(users, police, people, items, rng):
    from django.utils import timezone

    from safehub import clock
    from safehub.cases.models import Child
    from safehub.intelligence.models import Breach, Disruption, IntelligenceItem, JusticeStep, Operation

    analyst, now = users["analyst"], timezone.now()
    operation = Operation.objects.create(name="Operation Bench", owning_agency=police, lead=analyst,
                                         created_by=analyst, reference="OP-000001",
                                         profile_refreshed_on=clock.today(),
                                         profile_due=clock.problem_profile_due(clock.today()))
    members = people[:40]
    operation.people.set(members)
    children = Child.objects.bulk_create([Child(owning_agency=police, reference=f"CH-B{i:05d}", first_name=f"Child{i}",
                                                last_name="Bench", created_by=analyst) for i in range(20)])
    operation.children.set(children)
    IntelligenceItem.objects.filter(pk__in=[item.pk for item in items[:300]]).update(operation=operation)
    disruptions = []
    for i in range(120):
        served = now - dt.timedelta(days=rng.randint(1, 400))
        kind = rng.choice(["cawn", "sro", "shpo", "closure_order", "licensing_review"])
        disruptions.append(Disruption(operation=operation, kind=kind, person=rng.choice(members), served_at=served,
                                      ends_at=clock.disruption_ends(kind, served),
                                      review_on=clock.disruption_review_due(kind, served), recorded_by=analyst))
    disruptions = Disruption.objects.bulk_create(disruptions)
    Breach.objects.bulk_create([Breach(disruption=d, happened_at=now, details="Seen with the child", recorded_by=analyst)
                                for d in disruptions[:15]])
    kinds = ["investigation", "arrest", "bail", "charge", "first_hearing"]
    JusticeStep.objects.bulk_create([JusticeStep(operation=operation, person=rng.choice(members),
                                                 kind=kinds[i % len(kinds)], at=now - dt.timedelta(days=i),
                                                 details="Bench", recorded_by=analyst) for i in range(400)])
    return operation


def count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries)


def profile(pages):
    """With SAFEHUB_BENCH_PROFILE=1: each page's slowest SQL statements and Python functions, on stderr."""
    import cProfile
    import io
    import pstats

    from django.db import connection

    for name, (client, url) in pages.items():
        timed = []

        def timer(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                timed.append((time.perf_counter() - started, sql))

        profiler = cProfile.Profile()
        with connection.execute_wrapper(timer):
            profiler.enable()
            client.get(url)
            profiler.disable()
        log(f"{name}: {len(timed)} queries, {1000 * sum(t for t, _ in timed):.0f} ms in SQL")
        for seconds, sql in sorted(timed, key=lambda row: row[0], reverse=True)[:6]:
            log(f"  {1000 * seconds:7.1f} ms  {sql[:400]}")
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
        log(out.getvalue())


def measure(pages):
    timings = {name: [] for name in pages}
    for _ in range(3):
        for client, url in pages.values():
            assert client.get(url).status_code == 200, url
    for _ in range(ROUNDS):
        for name, (client, url) in pages.items():
            started = time.perf_counter()
            assert client.get(url).status_code == 200
            timings[name].append(time.perf_counter() - started)
    result = {}
    for name, values in timings.items():
        values.sort()
        result[name] = {"url": pages[name][1], "requests": len(values),
                        "p50_ms": round(1000 * statistics.median(values), 1),
                        "p95_ms": round(1000 * values[min(len(values) - 1, int(0.95 * len(values)))], 1),
                        "queries": count_queries(*pages[name])}
    return result


def main():
    pg_database.recreate_database(DATABASE)
    started_all = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory() as var_dir:
            pg_database.setup_django(DATABASE, var_dir)
            from safehub.accounts.models import Agency
            from safehub.demo.accounts import ensure_demo_users
            from django.db import connection

            from safehub.linking.models import Mention, Network
            from safehub.linking.networks import current_networks

            rng = random.Random(SEED)
            users = ensure_demo_users()
            police, council = Agency.objects.get(code="POLICE"), Agency.objects.get(code="COUNCIL")
            started = time.perf_counter()
            people, own = make_people(users, police, rng)
            phones = make_entities(PHONES)
            log(f"{len(people):,} people of concern in {time.perf_counter() - started:.0f} s")
            items, _ = make_items(users, police, people, own, phones, rng)
            log(f"{len(items):,} intelligence items in {time.perf_counter() - started:.0f} s")
            make_person_mentions(phones)
            reports = make_reports(MENTIONS - Mention.objects.count(), users, council, police, people, own, phones,
                                   rng)
            log(f"{reports:,} reports in {time.perf_counter() - started:.0f} s")
            operation = make_operation(users, police, people, items, rng)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            load_seconds = time.perf_counter() - started
            log(f"loaded in {load_seconds:.0f} s: {Mention.objects.count():,} mentions")
            started = time.perf_counter()
            list(current_networks(users["analyst"]))
            networks_seconds = time.perf_counter() - started
            log(f"networks computed in {networks_seconds:.0f} s")
            analyst = pg_database.signed_in(users["analyst"])
            pages = {"person_of_concern_busiest": (analyst, f"/people/{people[0].pk}/"),
                     "person_of_concern_typical": (analyst, f"/people/{people[PEOPLE // 2].pk}/"),
                     "operation": (analyst, f"/operations/{operation.pk}/")}
            figures = measure(pages)
            if os.environ.get("SAFEHUB_BENCH_PROFILE"):
                profile(pages)
            from safehub.intelligence.models import IntelligenceItem, PersonOfConcern

            rows = {"people_of_concern": PersonOfConcern.objects.count(),
                    "intelligence_items": IntelligenceItem.objects.count(), "mentions": Mention.objects.count(),
                    "reports": reports, "networks": Network.objects.count(),
                    "items_about_busiest": IntelligenceItem.objects.filter(people=people[0]).count()}
    finally:
        pg_database.drop_database(DATABASE)
    result = {"benchmark": "intelligence_pages", "database": "postgresql", "rounds": ROUNDS, "rows": rows,
              "load_seconds": round(load_seconds, 1), "networks_seconds": round(networks_seconds, 1),
              "pages": figures,
              "total_seconds": round(time.perf_counter() - started_all, 1)}
    RESULTS_FILE.parent.mkdir(exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
