"""The Victims' Code: each key justice decision (charge, no further action, bail and its changes, release) is
owed to the victims of the operation (its children and the adult survivors in it) within 1 working day, from the
one clock; overdue ones are listed and escalate."""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import given, settings as hsettings, strategies as st

from safehub import clock
from safehub.audit.models import AuditEvent
from safehub.intake.actions import submit_contact
from safehub.intelligence.actions.operations import record_justice_step
from safehub.intelligence.models import Operation, PersonOfConcern
from safehub.support import actions
from safehub.support.models import VictimNotification

LONDON = ZoneInfo("Europe/London")


def at(*args):
    return dt.datetime(*args, tzinfo=LONDON)


# --- The clock -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("decided, due", [
    (at(2026, 11, 25, 14, 30), at(2026, 11, 26, 14, 30)),   # Wednesday -> Thursday, same time
    (at(2026, 11, 27, 17, 0), at(2026, 11, 30, 17, 0)),     # Friday evening -> Monday
    (at(2026, 11, 28, 10, 0), at(2026, 12, 1, 0, 0)),       # Saturday: from the start of Monday, so by end of Monday
    (at(2026, 11, 29, 23, 59), at(2026, 12, 1, 0, 0)),      # Sunday night likewise
    (at(2026, 12, 24, 15, 0), at(2026, 12, 29, 15, 0)),     # Christmas Eve: Christmas, weekend, Boxing Day moved to Mon 28
    (at(2026, 12, 25, 9, 0), at(2026, 12, 30, 0, 0)),       # on Christmas Day: from the start of Tue 29, by end of it
    (at(2027, 3, 25, 18, 0), at(2027, 3, 30, 18, 0)),       # before Easter: Good Friday, weekend, Easter Monday
    (at(2026, 4, 2, 11, 0), at(2026, 4, 7, 11, 0)),         # Easter 2026 likewise
])
def test_victims_code_deadline_is_one_working_day(decided, due):
    assert clock.victims_code_due(decided) == due


def test_an_extra_closed_day_moves_the_deadline(settings):
    settings.SAFEHUB_EXTRA_CLOSED_DAYS = ["2026-11-26"]
    clock._closed_days.cache_clear()
    try:
        assert clock.victims_code_due(at(2026, 11, 25, 9, 0)) == at(2026, 11, 27, 9, 0)
    finally:
        settings.SAFEHUB_EXTRA_CLOSED_DAYS = []
        clock._closed_days.cache_clear()


@hsettings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2028, 12, 31)))
def test_the_deadline_is_always_after_exactly_one_working_day(naive):
    decided = naive.replace(tzinfo=LONDON)
    due = clock.victims_code_due(decided)
    assert due > decided
    start = clock.start_of_working_time(decided)
    # One working day later: the deadline's day is the next working day after the (working) start day.
    assert due.date() == clock.next_working_day(start.date())
    assert clock.is_working_day(due.date())
    assert clock.working_days_between(start.date(), due.date()) == 1


# --- Notifications -------------------------------------------------------------------------------------------


@pytest.fixture
def operation(users, agencies):
    from safehub.cases import actions as case_actions

    analyst = users["analyst"]
    person = PersonOfConcern.objects.create(owning_agency=agencies["POLICE"], first_name="Dean", last_name="Example",
                                            created_by=analyst, reference="POC-900001")
    operation = Operation.objects.create(name="Operation Test", owning_agency=agencies["POLICE"], lead=analyst,
                                         created_by=analyst, reference="OP-900001")
    operation.people.add(person)
    child = case_actions.create_child(users["worker"], first_name="Tia", last_name="Example")
    case_actions.open_case(users["worker"], child)
    operation.children.add(child)
    draft = {"kind": "non_recent", "concern": "It happened in 2001.", "wants": "police"}
    contact, _ = submit_contact(draft, submission_key=uuid.uuid4().hex)
    survivor = actions.open_survivor_record(users["screener"], contact)
    survivor.operations.add(operation)
    return {"operation": operation, "person": person, "child": child, "survivor": survivor}


def step(users, world, kind, when, details=""):
    return record_justice_step(users["analyst"], world["operation"], world["person"], kind=kind, at=when,
                               details=details)


@pytest.mark.django_db
def test_each_key_decision_is_owed_to_every_victim_of_the_operation(users, operation):
    friday = clock.local(timezone.now()).replace(hour=9) - dt.timedelta(days=8)
    step(users, operation, "arrest", friday)
    assert not VictimNotification.objects.exists()  # an arrest is not one of the key decisions
    charged = step(users, operation, "charge", friday + dt.timedelta(hours=5), "2 offences")
    owed = VictimNotification.objects.filter(step=charged)
    assert {(n.child_id, n.survivor_id) for n in owed} == {(operation["child"].pk, None),
                                                           (None, operation["survivor"].pk)}
    assert all(n.due_at == clock.victims_code_due(charged.at) for n in owed)
    assert owed.first().decision == "Dean E.: charged"
    step(users, operation, "bail", friday + dt.timedelta(hours=6))
    step(users, operation, "bail", friday + dt.timedelta(hours=7))
    decisions = set(VictimNotification.objects.values_list("decision", flat=True))
    assert {"Dean E.: released on bail", "Dean E.: bail changed"} <= decisions
    step(users, operation, "rui", friday + dt.timedelta(hours=8))
    step(users, operation, "nfa", friday + dt.timedelta(hours=9), "Insufficient evidence")
    assert VictimNotification.objects.count() == 2 * 5
    assert AuditEvent.objects.filter(action="victims_code_due").count() == 5


@pytest.mark.django_db
def test_overdue_notifications_are_listed_escalated_and_told(users, operation, client_for):
    long_ago = timezone.now() - dt.timedelta(days=10)
    recent = timezone.now() - dt.timedelta(minutes=5)
    step(users, operation, "charge", long_ago, "2 offences")
    step(users, operation, "nfa", recent, "No evidence")  # a different person would be usual; the same is fine here
    worker = client_for("worker")
    page = worker.get("/victims-code/").content.decode()
    assert "2 overdue" in page and "4 decisions to tell" in page  # the charge to the child and survivor, not the NFA
    assert "Overdue" in page and "Escalated" in page
    overdue = VictimNotification.objects.get(child=operation["child"], decision__contains="charged")
    assert overdue.escalated_at is not None
    assert AuditEvent.objects.filter(action="victims_code_escalated").count() == 2  # the child and the survivor
    bad = worker.post(f"/victims-code/{overdue.pk}/told/", {"how": ""})
    assert bad.status_code == 400 and "Say how the victim was told" in bad.content.decode()
    told = worker.post(f"/victims-code/{overdue.pk}/told/", {"how": "Phoned on her safe number"})
    assert told.status_code == 302
    overdue.refresh_from_db()
    assert overdue.told_by == users["worker"] and overdue.how == "Phoned on her safe number"
    page = worker.get("/victims-code/").content.decode()
    assert "Recently told" in page and "Late" in page
    child_page = worker.get(f"/children/{operation['child'].reference}/").content.decode()
    assert 'id="victims-code-owed"' in child_page  # the NFA is still owed
    with pytest.raises(ValidationError):
        actions.record_victim_told(users["worker"], overdue, how="again")


@pytest.mark.django_db
def test_nobody_sees_or_tells_a_notification_about_a_victim_they_cannot_open(users, operation, client_for, agencies):
    step(users, operation, "charge", timezone.now() - dt.timedelta(hours=1), "1 offence")
    about_child = VictimNotification.objects.get(child=operation["child"])
    investigator = client_for("investigator")  # police: the council's child is not shared with them
    assert operation["child"].reference not in investigator.get("/victims-code/").content.decode()
    assert investigator.post(f"/victims-code/{about_child.pk}/told/", {"how": "x"}).status_code == 404
    with pytest.raises(PermissionDenied):
        actions.record_victim_told(users["investigator"], about_child, how="x")
    assert client_for("screener").get("/victims-code/").status_code == 403


@pytest.mark.django_db
def test_the_operations_lead_adds_a_routed_survivor_to_the_operation_and_owes_them_its_decisions(
        users, agencies, client_for):
    analyst = users["analyst"]
    operation = Operation.objects.create(name="Operation Kestrel", owning_agency=agencies["POLICE"], lead=analyst,
                                         created_by=analyst, reference="OP-900002")
    person = PersonOfConcern.objects.create(owning_agency=agencies["POLICE"], first_name="Lee", last_name="Sample",
                                            created_by=analyst, reference="POC-900002")
    operation.people.add(person)
    contact, _ = submit_contact({"kind": "non_recent", "concern": "It happened in 1999.", "wants": "police"},
                                submission_key=uuid.uuid4().hex)
    survivor = actions.open_survivor_record(users["screener"], contact)
    actions.route_survivor(users["screener"], survivor, police_agency=agencies["POLICE"],
                           consent_given_on=clock.today())
    page = client_for("analyst").get(f"/survivors/{survivor.reference}/").content.decode()
    assert "Not a victim in any operation you may open." in page and 'id="add-to-operation"' in page
    wrong = client_for("analyst").post(f"/survivors/{survivor.reference}/operations/", {"reference": "op-999999"})
    assert wrong.status_code == 400 and 'value="op-999999"' in wrong.content.decode()
    assert "There is no operation with that reference that you may open." in wrong.content.decode()
    added = client_for("analyst").post(f"/survivors/{survivor.reference}/operations/", {"reference": "op-900002"})
    assert added.status_code == 302 and list(survivor.operations.all()) == [operation]
    assert AuditEvent.objects.filter(action="survivor_added_to_operation").count() == 1
    page = client_for("analyst").get(f"/survivors/{survivor.reference}/").content.decode()
    assert "OP-900002</a> Operation Kestrel" in page
    charged = record_justice_step(analyst, operation, person, kind="charge", at=timezone.now(), details="1 offence")
    assert VictimNotification.objects.filter(step=charged, survivor=survivor).exists()
    worker = client_for("worker").get(f"/survivors/{survivor.reference}/").content.decode()
    assert 'id="add-to-operation"' not in worker, "only those who may run an operation add victims to it"
