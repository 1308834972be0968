"""The case lists, the case page and the chronology run a bounded number of SQL queries however many cases,
actions, screenings, meetings, notes and chronology lines there are, and still show what a worker or manager
needs to see.

Each page is measured on a small world, then again after many more rows were added (through the real
actions); the second count may not be larger than the first.
"""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safehub import clock
from safehub.cases import actions, queries
from safehub.cases.models import Case, ChronologyEntry
from tests.conftest import sign_in_client

pytestmark = pytest.mark.django_db

HEALTH_INDICATORS = {"missing_overnight_or_longer": "recent", "older_boyfriend_or_controlling_adult": "recent",
                     "getting_into_cars_with_unknown_adults": "recent", "unexplained_money_or_gifts": "recent"}


def get(client, url):
    """(number of SQL queries, page text) of one GET, after a first GET to warm caches (content types)."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries.captured_queries), response.content.decode()


def new_case(users, agencies, n, *, allocate=True, risk=None, moderate=(), assessed_days_ago=10,
             overdue_action=False, notes=0, meeting=False):
    manager, worker = users["manager"], users["worker"]
    child = actions.create_child(worker, first_name=f"Testchild{n:03d}", last_name="Query",
                                 date_of_birth=dt.date(2011, 5, 1) + dt.timedelta(days=n))
    case = actions.open_case(worker, child, at=timezone.now() - dt.timedelta(days=60))
    if allocate:
        case = actions.allocate_case(manager, case, worker)
    today = clock.today()
    if risk is not None:
        actions.record_risk_screening(worker, case, harms=["cse"], assessed_on=today - dt.timedelta(days=assessed_days_ago),
                                      vulnerabilities=["low_self_esteem"], moderate=moderate,
                                      significant=risk)
    actions.add_plan_action(worker, case, description=f"Visit school {n}", owner_name="Wen",
                            owner_agency=agencies["COUNCIL"],
                            due_on=today - dt.timedelta(days=3) if overdue_action else today + dt.timedelta(days=20))
    for i in range(notes):
        actions.add_case_note(worker, case, kind=["visit", "phone_call", "missing_episode"][i % 3],
                              happened_at=timezone.now() - dt.timedelta(hours=i + 1), text=f"Note {i} on case {n}")
    if meeting:
        record_meeting(users, agencies, case, kind="mace", hours_ago=5)
    return case


def record_meeting(users, agencies, case, *, kind, hours_ago):
    return actions.record_meeting(
        users["worker"], case, kind=kind, held_at=timezone.now() - dt.timedelta(hours=hours_ago), chair="Morgan",
        attendees=[{"name": "Wen", "agency": agencies["COUNCIL"], "role": "Worker"},
                   {"name": "PC Jones", "agency": agencies["POLICE"], "role": "Officer"},
                   {"name": "Nurse Ali", "agency": agencies["HEALTH"], "role": "School nurse"}],
        victims="One child", themes="Cars", decisions="Disrupt",
        actions=[{"description": f"Follow up {kind} {hours_ago}", "owner_name": "PC Jones",
                  "owner_agency": agencies["POLICE"], "due_on": clock.today() + dt.timedelta(days=7)}])


@pytest.fixture
def world(users, agencies):
    """Three cases: one unallocated, one at significant risk with an overdue action and an overdue
    reassessment, one at mild risk with notes and a meeting."""
    unallocated = new_case(users, agencies, 1, allocate=False)
    significant = new_case(users, agencies, 2, risk=HEALTH_INDICATORS, assessed_days_ago=100, overdue_action=True)
    mild = new_case(users, agencies, 3, risk={"missing_overnight_or_longer": "recent"},
                    moderate=["staying_out_late"], notes=3, meeting=True)
    return {"unallocated": unallocated, "significant": significant, "mild": mild}


def grow(users, agencies, start=10, count=40):
    """Many more cases of every sort (allocated, unallocated, overdue, at significant risk, with meetings)."""
    for n in range(start, start + count):
        new_case(users, agencies, n, allocate=n % 5 != 0, overdue_action=n % 3 == 0,
                 risk=HEALTH_INDICATORS if n % 2 else {}, moderate=["staying_out_late"],
                 assessed_days_ago=100 if n % 4 == 0 else 5, notes=2 if n % 7 == 0 else 0, meeting=n % 10 == 1)


def test_team_view_queries_do_not_grow_with_cases(users, agencies, world):
    client = sign_in_client(users["manager"])
    before, page = get(client, "/cases/team/")
    assert world["unallocated"].reference in page
    assert "Visit school 2" in page  # the overdue action
    reassessment = world["significant"]
    reassessment.refresh_from_db()
    assert reassessment.risk_reassessment_due < clock.today()
    assert f"{reassessment.risk_reassessment_due:%-d %b %Y}" in page

    grow(users, agencies)
    after, page = get(client, "/cases/team/")
    assert "Visit school 39" in page and "Visit school 12" in page  # more overdue actions listed
    assert after <= before, f"team view ran {before} queries with 3 cases and {after} with 43"


def test_each_team_list_is_shown_whole_page_by_page(users, agencies, world, monkeypatch):
    monkeypatch.setattr(queries, "TEAM_LIMIT", 5)  # 43 cases make nine pages
    grow(users, agencies)
    client = sign_in_client(users["manager"])
    team = client.get("/cases/team/").content.decode()
    assert 'href="/cases/team/caseload/"' in team and "See the whole list" in team
    listed, counts, number = [], set(), 1
    while True:
        count, page = get(client, f"/cases/team/caseload/?page={number}")
        counts.add(count)
        listed += re.findall(r'href="/cases/([^/"]+)/"', page.split("<h1")[1])
        if 'rel="next"' not in page:
            break
        number += 1
    open_cases = Case.objects.filter(status__in=queries.ACTIVE).values_list("reference", flat=True)
    assert sorted(listed) == sorted(open_cases) and len(open_cases) == 43
    assert number == 9 and len(counts) == 1  # every page runs the same queries
    assert client.get("/cases/team/no-such-list/").status_code == 404


def test_my_cases_queries_do_not_grow_with_cases(users, agencies, world):
    client = sign_in_client(users["worker"])
    before, page = get(client, "/cases/")
    assert world["significant"].reference in page and world["mild"].reference in page
    assert world["unallocated"].reference not in page  # not allocated to this worker

    grow(users, agencies)
    after, page = get(client, "/cases/")
    assert "34 cases" in page  # 2, and the 32 of the 40 new ones allocated to this worker
    assert after <= before, f"my cases ran {before} queries with 2 cases and {after} with 34"


def test_mace_list_queries_do_not_grow_with_cases(users, agencies, world):
    client = sign_in_client(users["manager"])
    before, page = get(client, "/cases/mace/")
    assert world["significant"].reference in page and world["mild"].reference not in page

    grow(users, agencies)
    after, page = get(client, "/cases/mace/")
    assert page.count("Testchild") == 1 + 20  # the odd-numbered new cases are at significant risk
    assert after <= before, f"MACE list ran {before} queries with 1 child and {after} with 21"


def test_case_page_queries_do_not_grow_with_plan_meetings_notes_and_screenings(users, agencies, world):
    case = world["mild"]
    client = sign_in_client(users["manager"])
    url = f"/cases/{case.reference}/"
    before, page = get(client, url)
    assert "Note 0 on case 3" in page

    worker, today = users["worker"], clock.today()
    for i in range(15):
        actions.add_plan_action(worker, case, description=f"Extra action {i}", owner_name="Sam",
                                owner_agency=agencies["HEALTH" if i % 2 else "POLICE"],
                                due_on=today + dt.timedelta(days=i - 5))
        actions.add_case_note(worker, case, kind="visit", happened_at=timezone.now() - dt.timedelta(minutes=i + 1),
                              text=f"Extra note {i}")
        actions.record_risk_screening(worker, case, harms=["cse"], assessed_on=today - dt.timedelta(days=i),
                                      moderate=["staying_out_late"], notes=f"Screening {i}")
    for i in range(6):
        record_meeting(users, agencies, case, kind=["mace", "review", "strategy"][i % 3], hours_ago=10 + i)
    after, page = get(client, url)
    assert "Extra action 14" in page and "Extra note 14" in page and "Nurse Ali" in page
    assert after <= before, f"case page ran {before} queries before and {after} after more rows"


def test_chronology_queries_do_not_grow_and_show_newest_first(users, agencies, world):
    case = world["mild"]
    child = case.child
    client = sign_in_client(users["manager"])
    url = f"/children/{child.reference}/chronology/"
    before, _ = get(client, url)
    meetings_before, _ = get(client, url + "?kind=meeting")

    worker = users["worker"]
    for i in range(200):
        at = timezone.now() - dt.timedelta(hours=10 * i + 1)
        if i % 20 == 0:
            record_meeting(users, agencies, case, kind="review", hours_ago=10 * i + 2)
        else:
            actions.add_case_note(worker, case, kind=["visit", "missing_episode", "phone_call"][i % 3],
                                  happened_at=at, text=f"Chronology line {i}")
    after, page = get(client, url)
    assert after <= before, f"chronology ran {before} queries before and {after} after 200 more lines"
    whens = [dt.datetime.strptime(w, "%d %b %Y %H:%M") for w in re.findall(
        r'<td class="govuk-table__cell">(\d{1,2} \w{3} \d{4} \d{2}:\d{2})</td>', page)]
    assert len(whens) == 100 and whens == sorted(whens, reverse=True)
    assert "Chronology line 1<" in page or "Chronology line 1\n" in page or "Visit: Chronology line 1" in page
    assert 'rel="next"' in page

    meetings_after, page = get(client, url + "?kind=meeting")
    assert meetings_after <= meetings_before
    kinds = re.findall(r'data-kind="(\w+)"', page)
    assert kinds and set(kinds) == {"meeting"}
    assert len(kinds) == ChronologyEntry.objects.filter(child=child, kind="meeting").count() == 1 + 10
    deep, page = get(client, url + "?page=3")
    assert deep <= before and "data-kind=" in page
