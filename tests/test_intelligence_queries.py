"""A person of concern's page and an operation's page run a bounded number of SQL queries however many reports
name him, intelligence items, operations, disruption measures, breaches, justice steps, people and children
there are, and still show them.

Each page is measured on a small world, then again after many more connected rows were added (through the
real actions where there are any); the second count may not be larger than the first. A warm-up request
comes first (content types, the networks computed once).
"""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safehub.access.actions import share_record
from safehub.cases import actions as case_actions
from safehub.intelligence.actions import operations as operation_actions
from safehub.intelligence.actions import people as people_actions
from safehub.intelligence.actions.items import record_intelligence
from safehub.intelligence.models import Breach, Disruption, IntelligenceItem, JusticeStep
from tests.conftest import sign_in_client
from tests.test_linking import report
from tests.test_people_of_concern import police_manager

pytestmark = pytest.mark.django_db

ANSWERED = {"ethnicity": "white_british", "nationality_answer": "recorded", "nationality": "British",
            "disability": "no"}
SUMMARY = "Police hold information that he takes girls to a flat in town."


def get(client, url):
    """(number of SQL queries, page text) of one GET, after a first GET to warm caches (content types, the
    networks)."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    import os
    if os.environ.get("DUMP_SQL"):
        print("=====", url, len(queries.captured_queries))
        for q in queries.captured_queries:
            print(q["sql"][:300])
    return len(queries.captured_queries), response.content.decode()


def phone(n):
    return f"07700 9{n:05d}"


def item(analyst, n, people, phones=(), operation=None):
    return record_intelligence(analyst, scheme="3x5x2", source_grade="2", intelligence_grade="B", handling_code="P",
                               text=f"Source says item {n}.", sanitised_summary=f"{SUMMARY} ({n})",
                               received_at=timezone.now() - dt.timedelta(hours=n), people=people,
                               named=[("phone", p) for p in phones], operation=operation)


def shared_report(users, agencies, n, phones):
    contact = report(children=[f"Ava Pike{n}"], phones=phones)
    share_record(users["manager"], contact, agency=agencies["POLICE"], purpose="CSE analysis",
                 lawful_basis="dpa_s1_p18")
    return contact


def serve(analyst, operation, person, n, breaches=0):
    measure = Disruption.objects.create(operation=operation, kind="cawn", person=person,
                                        served_at=timezone.now() - dt.timedelta(days=n + 1),
                                        ends_at=timezone.now() + dt.timedelta(days=10 + n), recorded_by=analyst)
    for b in range(breaches):
        Breach.objects.create(disruption=measure, happened_at=timezone.now() - dt.timedelta(hours=b + 1),
                              details=f"Seen with the child {n}.{b}", recorded_by=analyst)
    return measure


def step(analyst, operation, person, n, kind="arrest"):
    return JusticeStep.objects.create(operation=operation, person=person, kind=kind,
                                      at=timezone.now() - dt.timedelta(days=40 - n), details=f"Step {n}",
                                      recorded_by=analyst)


def new_person(analyst, n, phones=()):
    person = people_actions.create_person(analyst, first_name=f"Dean{n}", last_name="Marsh", **ANSWERED)
    for p in phones:
        people_actions.add_detail(analyst, person, kind="phone", value=p)
    return person


def open_operation(analyst, n):
    return operation_actions.open_operation(analyst, name=f"Operation Larch {n}", lead=analyst)


@pytest.fixture
def dean(users, agencies):
    """Dean, with a phone and an associate; one report names the phone, one item names him, one operation with
    a measure (breached once) and a justice step; shared with the council."""
    analyst = users["analyst"]
    dean = new_person(analyst, 0, phones=[phone(1)])
    shared_report(users, agencies, 0, [phone(1)])
    item(analyst, 0, [dean], [phone(1)])
    operation = open_operation(analyst, 0)
    operation_actions.add_person(analyst, operation, dean)
    serve(analyst, operation, dean, 0, breaches=1)
    step(analyst, operation, dean, 0)
    people_actions.add_detail(analyst, dean, kind="associate", value=new_person(analyst, 99).reference)
    share_record(police_manager(agencies), dean, agency=agencies["COUNCIL"], purpose="Safety planning", lawful_basis="dpa_s1_p18")
    return dean


def grow_around(users, agencies, dean, count=12, start=1):
    """Many more reports naming his phones, items about him and naming his phones, operations with measures,
    breaches and justice steps, and associates."""
    analyst = users["analyst"]
    for n in range(start, start + count):
        people_actions.add_detail(analyst, dean, kind="phone", value=phone(100 + n))
        shared_report(users, agencies, n, [phone(1), phone(100 + n)])
        item(analyst, n, [dean] if n % 2 else [], [phone(100 + n)])
        if n % 3 == 0:
            associate = new_person(analyst, n)
            people_actions.add_detail(analyst, dean, kind="associate", value=associate.reference)
            operation = open_operation(analyst, n)
            operation_actions.add_person(analyst, operation, dean)
            operation_actions.add_person(analyst, operation, associate)
            serve(analyst, operation, dean, n, breaches=2)
            serve(analyst, operation, associate, n)
            step(analyst, operation, dean, n)
            step(analyst, operation, dean, n + 1, kind="charge")


def test_a_persons_page_queries_do_not_grow_with_what_names_him(users, agencies, dean):
    analyst = sign_in_client(users["analyst"])
    url = f"/people/{dean.pk}/"
    before, page = get(analyst, url)
    assert "INT-" in page and "Operation Larch 0" in page and "Child Abduction Warning Notice" in page

    grow_around(users, agencies, dean)
    after, page = get(analyst, url)
    assert page.count("Source says") == 0 and page.count('href="/intelligence/') >= 2 * 7  # table + chronology
    assert "Operation Larch 12" in page and "Charged" in page and "Dean12 Marsh" in page
    assert page.count("phone number +447700900") >= 12 or page.count("phone number") >= 12
    assert after <= before, f"the person's page ran {before} queries before and {after} after more rows"


def test_a_persons_page_for_a_partner_does_not_grow_with_summaries(users, agencies, dean):
    council = sign_in_client(users["manager"])
    url = f"/people/{dean.pk}/"
    before, page = get(council, url)
    assert f"{SUMMARY} (0)" in page and "Source says" not in page

    grow_around(users, agencies, dean)
    after, page = get(council, url)
    assert f"{SUMMARY} (11)" in page and f"{SUMMARY} (2)" not in page  # item 2 is not about him
    assert "Source says" not in page
    assert after <= before, f"the person's page (council) ran {before} queries before and {after} after"


def test_an_operations_page_queries_do_not_grow_with_its_rows(users, agencies):
    analyst, boss = users["analyst"], police_manager(agencies)
    operation = open_operation(analyst, 0)
    first = new_person(analyst, 0, phones=[phone(1)])
    operation_actions.add_person(analyst, operation, first)
    child = case_actions.create_child(boss, first_name="Tia", last_name="Marsh0")
    operation_actions.add_child(analyst, operation, child)
    item(analyst, 0, [first], [phone(1)], operation=operation)
    serve(analyst, operation, first, 0, breaches=1)
    step(analyst, operation, first, 0)
    client = sign_in_client(analyst)
    url = f"/operations/{operation.pk}/"
    before, page = get(client, url)
    assert "Dean0 Marsh" in page and "Tia" in page and "INT-" in page

    for n in range(1, 13):
        person = new_person(analyst, n, phones=[phone(n + 1)])
        operation_actions.add_person(analyst, operation, person)
        child = case_actions.create_child(boss, first_name="Tia", last_name=f"Marsh{n}")
        operation_actions.add_child(analyst, operation, child)
        item(analyst, n, [person], [phone(n + 1)], operation=operation)
        serve(analyst, operation, person, n, breaches=n % 3)
        step(analyst, operation, person, n)
        step(analyst, operation, person, n + 1, kind="charge")
    after, page = get(client, url)
    assert "Dean12 Marsh" in page and "Marsh12" in page and "Charged" in page and page.count("INT-") >= 13
    assert after <= before, f"the operation's page ran {before} queries before and {after} after more rows"


def test_each_list_on_a_persons_page_shows_its_newest_rows_with_a_count_and_a_page_of_its_own(users, agencies,
                                                                                                dean, monkeypatch):
    """With more rows than a list shows (3 here, 50 in use), the page shows the newest of each with the count and
    a link to the whole list, paged; neither the page nor a list's page runs more queries as rows grow."""
    from safehub.intelligence import queries

    monkeypatch.setattr(queries, "LIST_LIMIT", 3)
    analyst = sign_in_client(users["analyst"])
    url = f"/people/{dean.pk}/"
    grow_around(users, agencies, dean, count=6)
    before, _ = get(analyst, url)
    pages_before = {section: get(analyst, f"{url}all/{section}/")[0] for section in queries.SECTIONS}
    grow_around(users, agencies, dean, count=12, start=7)
    after, page = get(analyst, url)
    assert after <= before, f"the person's page ran {before} queries before and {after} after more rows"
    items = page[page.index('id="items-table"'):page.index("</table>", page.index('id="items-table"'))]
    assert items.count('href="/intelligence/') == 3
    assert "The 3 most recent of " in page and f'href="{url}all/intelligence/"' in page
    assert f'href="{url}all/reports/"' in page and f'href="{url}all/chronology/"' in page
    assert page.count('class="govuk-table__row"', page.index('id="chronology-table"')) == 1 + 3  # head + 3 lines

    for section in queries.SECTIONS:
        queries_run, shown = get(analyst, f"{url}all/{section}/?page=2")
        assert queries_run <= pages_before[section] + (3 if section == "chronology" else 0), section
        assert 'rel="prev"' in shown, section
    listing = get(analyst, f"{url}all/intelligence/")[1]
    seen = set()
    for number in range(1, 30):
        shown = get(analyst, f"{url}all/intelligence/?page={number}")[1]
        found = set(re.findall(r'href="/intelligence/(\d+)/"', shown))
        if not found:
            break
        assert not found & seen, "a row shown on two pages"
        seen |= found
    assert len(seen) > 3 and f"{len(seen)} intelligence items you can open" in listing
    assert len(seen) >= IntelligenceItem.objects.filter(people=dean).count()


def test_a_partners_list_of_summaries_is_bounded_too(users, agencies, dean, monkeypatch):
    from safehub.intelligence import queries

    monkeypatch.setattr(queries, "LIST_LIMIT", 3)
    council = sign_in_client(users["manager"])
    url = f"/people/{dean.pk}/"
    grow_around(users, agencies, dean, count=12)
    _, page = get(council, url)
    assert page.count("safehub-shared-summary") == 3 and f"{SUMMARY} (1)" in page and f"{SUMMARY} (5)" not in page
    assert f'href="{url}all/summaries/"' in page and "INT-" not in page and "Source says" not in page
    _, second = get(council, f"{url}all/summaries/?page=2")
    assert second.count("safehub-shared-summary") == 3 and f"{SUMMARY} (5)" in second and "Source says" not in second
    assert f"{SUMMARY} (11)" in get(council, f"{url}all/summaries/?page=3")[1]
    from safehub.audit.models import AuditEvent

    shown = AuditEvent.objects.filter(action="intelligence_summary_viewed", actor_name=users["manager"].username)
    assert shown.exists()


def test_the_add_a_person_form_does_not_grow_with_the_people_the_user_may_open(users, agencies):
    """The operation's page asks for a reference instead of listing every person the user may open."""
    analyst = users["analyst"]
    operation = open_operation(analyst, 0)
    client = sign_in_client(analyst)
    url = f"/operations/{operation.pk}/"
    before, page = get(client, url)
    size = len(page)
    for n in range(1, 40):
        new_person(analyst, n)
    after, page = get(client, url)
    assert after <= before and len(page) <= size + 50 and "Dean39 Marsh" not in page
