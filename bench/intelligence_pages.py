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
DATABASE = "safehub_bench_intelligence"
PEOPLE = int(os.environ.get("SAFEHUB_BENCH_PEOPLE", 10_000))
ITEMS = int(os.environ.get("SAFEHUB_BENCH_ITEMS", 100_000))
MENTIONS = int(os.environ.get("SAFEHUB_BENCH_MENTIONS", 1_000_000))
ROUNDS = int(os.environ.get("SAFEHUB_BENCH_ROUNDS", 30))
BATCH = 5_000
SEED = 2026


def log(message):
    print(f"[intelligence bench] {message}", file=sys.stderr, flush=True)


def phone(number):
    return f"+4477009{number:05d}"


def make_people(users, police, rng):
    from safehub.intelligence.models import Answered, PersonDetail, PersonOfConcern

    analyst = users["analyst"]
    people = PersonOfConcern.objects.bulk_create(
        [PersonOfConcern(owning_agency=police, first_name=f"First{i}", last_name=f"Surname{i % 3000}",
                         nicknames=rng.choice(["", "Bugsy", "Jay", "Ghost", f"Nick{i}"]), created_by=analyst,
                         ethnicity=rng.choice(["", "white_british", "asian_pakistani", "not_known", "refused"]),
                         nationality_answer=rng.choice(["", Answered.NOT_KNOWN, Answered.REFUSED]))
         for i in range(PEOPLE)], batch_size=BATCH)
    for person in people:
        person.reference = f"POC-{person.pk:06d}"
    PersonOfConcern.objects.bulk_update(people, ["reference"], batch_size=BATCH)
    details = [PersonDetail(person=person, kind="phone", value=phone(i % 90_000))
               for i, person in enumerate(people) for _ in range(rng.randint(1, 3))]
    PersonDetail.objects.bulk_create(details, batch_size=BATCH)
    return people


def make_entities(count):
    from safehub.linking.models import Entity

    return Entity.objects.bulk_create([Entity(kind="phone", key=phone(i), label=phone(i)) for i in range(count)],
                                      batch_size=BATCH)


def make_items(users, police, people, phones, rng):
    """Intelligence items with what they name, and their linking mentions; the busiest person (the first) is
    named in one item in twenty."""
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
        for _ in range(rng.randint(2, 4)):
            entity = phones[rng.randrange(len(phones))]
            named.append(IntelligenceMention(item=item, kind="phone", value=entity.key))
            mentions.append(Mention(kind="phone", role="person_of_concern", raw=entity.key, key=entity.key,
                                    entity=entity, intelligence=item))
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


def make_reports(count, users, council, phones, rng):
    """Reports, each naming two phones, to bring the mentions up to the total."""
    from django.utils import timezone

    from safehub.intake.models import Contact
    from safehub.linking.models import Mention

    made = 0
    while made < count:
        batch = min(BATCH, (count - made + 1) // 2)
        contacts = Contact.objects.bulk_create(
            [Contact(submission_key=f"bench-{made + i}", kind="public", owning_agency=council, concern="Bench",
                     received_at=timezone.now(), decision_due_at=timezone.now())
             for i in range(batch)])
        rows = []
        for contact in contacts:
            for _ in range(2):
                entity = phones[rng.randrange(len(phones))]
                rows.append(Mention(kind="phone", role="person_of_concern", raw=entity.key, key=entity.key,
                                    entity=entity, contact=contact))
        Mention.objects.bulk_create(rows, batch_size=BATCH)
        made += len(rows)
    return made


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
    children = Child.objects.bulk_create([Child(owning_agency=police, first_name=f"Child{i}", last_name="Bench",
                                                created_by=analyst) for i in range(20)])
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


def signed_in(user):
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
    session.save()
    return client


def count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries)


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
            from safehub.linking.models import Mention

            rng = random.Random(SEED)
            users = ensure_demo_users()
            police, council = Agency.objects.get(code="POLICE"), Agency.objects.get(code="COUNCIL")
            started = time.perf_counter()
            people = make_people(users, police, rng)
            phones = make_entities(90_000)
            items, _ = make_items(users, police, people, phones, rng)
            make_person_mentions(phones)
            make_reports(MENTIONS - Mention.objects.count(), users, council, phones, rng)
            operation = make_operation(users, police, people, items, rng)
            load_seconds = time.perf_counter() - started
            log(f"loaded in {load_seconds:.0f} s: {Mention.objects.count():,} mentions")
            analyst = signed_in(users["analyst"])
            pages = {"person_of_concern_busiest": (analyst, f"/people/{people[0].pk}/"),
                     "person_of_concern_typical": (analyst, f"/people/{people[PEOPLE // 2].pk}/"),
                     "operation": (analyst, f"/operations/{operation.pk}/")}
            figures = measure(pages)
            from safehub.intelligence.models import IntelligenceItem, PersonOfConcern

            rows = {"people_of_concern": PersonOfConcern.objects.count(),
                    "intelligence_items": IntelligenceItem.objects.count(), "mentions": Mention.objects.count(),
                    "items_naming_busiest": IntelligenceItem.objects.filter(people=people[0]).count()}
    finally:
        pg_database.drop_database(DATABASE)
    result = {"benchmark": "intelligence_pages", "database": "postgresql", "rounds": ROUNDS, "rows": rows,
              "load_seconds": round(load_seconds, 1), "pages": figures,
              "total_seconds": round(time.perf_counter() - started_all, 1)}
    RESULTS_FILE.parent.mkdir(exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
