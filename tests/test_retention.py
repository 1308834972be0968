"""Retention: records come under a schedule by group (MoPI for the police, the child's 75th birthday for the
council's children's social care records), a record past its schedule is on its custodians' review list, keeping
it moves its next review, and disposing of it deletes its content, leaves a line in the disposal log and an audit
chain that still verifies. Nobody else sees the list."""

import datetime as dt
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from safehub import clock
from safehub.accounts.actions import create_user
from safehub.audit.models import AuditEvent
from safehub.intake.actions import submit_contact
from safehub.intake.models import Contact, ContactChild
from safehub.linking.models import Entity, Mention
from safehub.retention.models import Disposal, RetentionReview
from safehub.retention.review import run_due_reviews
from safehub.screening.actions import record_decision
from tests.conftest import sign_in_client

pytestmark = pytest.mark.django_db


def old_report(users, *, received, phone, child_age="10", outcome="nfa", agency=None):
    """A public report received (and decided) long ago, naming a child, a man's nickname and a phone."""
    draft = {"kind": "public", "concern": "A man called Spider gives girls lifts after school",
             "children": [{"name": "Synthetic Child", "age": child_age}],
             "people": [{"nicknames": f"Spider{uuid.uuid4().hex[:4]}"}],
             "phones": [{"number": phone}]}
    contact, _ = submit_contact(draft, submission_key=uuid.uuid4().hex, received_at=received)
    record_decision(users["screener"], contact, outcome, "Checked with partners: nothing further",
                    at=received + dt.timedelta(hours=3))
    if agency is not None:
        Contact.objects.filter(pk=contact.pk).update(owning_agency=agency)
    contact.refresh_from_db()
    return contact


@pytest.fixture
def police_manager(agencies):
    user, _ = create_user(username="police-manager", password="p" * 12, role="manager", agency=agencies["POLICE"])
    return user


@pytest.fixture
def council_report(users):
    # Received in 1948 about a child of 10: the 75th birthday fell in 2013.
    return old_report(users, received=dt.datetime(1948, 6, 1, 10, tzinfo=dt.timezone.utc), phone="07700 900111")


def decide(client, reference, **answers):
    return client.post(f"/retention/{reference}/", answers)


def test_records_fall_into_their_groups_with_due_dates_from_the_clock(users, agencies, council_report):
    police_nfa = old_report(users, received=dt.datetime(2018, 3, 5, 9, tzinfo=dt.timezone.utc), phone="07700 900222",
                            agency=agencies["POLICE"])
    police_response = old_report(users, received=dt.datetime(2018, 3, 5, 9, tzinfo=dt.timezone.utc),
                                 phone="07700 900333", outcome="strategy", agency=agencies["POLICE"])
    undecided, _ = submit_contact({"kind": "public", "concern": "Still waiting"}, submission_key=uuid.uuid4().hex)

    summary = run_due_reviews(timezone.now())

    reviews = {review.reference: review for review in RetentionReview.objects.all()}
    assert undecided.reference not in reviews  # live work is not under review
    assert (reviews[council_report.reference].group, reviews[council_report.reference].due_on) == (
        "childrens_social_care", dt.date(2013, 6, 1))
    assert (reviews[police_nfa.reference].group, reviews[police_nfa.reference].due_on) == ("mopi_3", dt.date(2024, 3, 5))
    assert (reviews[police_response.reference].group, reviews[police_response.reference].due_on) == (
        "mopi_2", dt.date(2028, 3, 5))
    assert summary["newly_scheduled"] == 3 and summary["due"] == 2
    assert run_due_reviews(timezone.now())["newly_scheduled"] == 0
    assert AuditEvent.objects.filter(action="retention_reviews_run").count() == 2


def test_a_record_past_its_schedule_is_on_its_custodians_list_and_nobody_elses(users, police_manager,
                                                                               council_report):
    recent = old_report(users, received=timezone.now() - dt.timedelta(days=30), phone="07700 900444")
    run_due_reviews(timezone.now())

    page = sign_in_client(users["manager"]).get("/retention/").content.decode()
    assert council_report.reference in page
    assert "Children&#x27;s social care: until the child&#x27;s 75th birthday" in page
    assert "1 Jun 2013" in page
    assert recent.reference not in page  # not due for 75 years
    assert council_report.reference not in sign_in_client(police_manager).get("/retention/").content.decode()
    for role in ("screener", "worker", "referrer", "admin"):
        response = sign_in_client(users[role]).get("/retention/")
        assert response.status_code == 403, role
    assert sign_in_client(users["worker"]).get(f"/retention/{council_report.reference}/").status_code == 403


def test_keeping_a_record_moves_its_next_review(users, council_report):
    run_due_reviews(timezone.now())
    manager = sign_in_client(users["manager"])

    response = decide(manager, council_report.reference, decision="retain",
                      reason="Sibling's case still open; needed for the family's history")

    assert response.status_code == 302
    review = RetentionReview.objects.get(reference=council_report.reference)
    assert review.due_on == clock.retention_next_review("childrens_social_care", clock.today())
    assert review.last_reviewed_by == users["manager"]
    assert council_report.reference not in manager.get("/retention/").content.decode()
    event = AuditEvent.objects.get(action="retention_retained")
    assert event.object_id == str(council_report.pk) and "Sibling's case still open" in event.reason


def test_keeping_needs_a_reason_and_a_next_review_within_the_schedule(users, council_report):
    manager = sign_in_client(users["manager"])

    blank = decide(manager, council_report.reference, decision="retain", reason="")
    too_late = decide(manager, council_report.reference, decision="retain", reason="Still needed for a review",
                      next_review_on="1/1/2090")

    assert blank.status_code == 400 and "Enter the reason" in blank.content.decode()
    body = too_late.content.decode()
    assert too_late.status_code == 400 and "The next review must be after today and no later than" in body
    assert "Still needed for a review" in body and "1/1/2090" in body  # the input is kept
    assert not AuditEvent.objects.filter(action="retention_retained").exists()


def test_disposal_deletes_the_content_keeps_a_log_line_and_the_chain_verifies(users, council_report):
    shared_phone = old_report(users, received=timezone.now() - dt.timedelta(days=3), phone="07700 900111")
    run_due_reviews(timezone.now())
    pk, reference = council_report.pk, council_report.reference
    mention_entities = set(Mention.objects.filter(contact_id=pk).values_list("entity_id", flat=True))
    kept_phone_entity = Mention.objects.get(contact=shared_phone, kind="phone").entity_id
    submitted = AuditEvent.objects.get(action="contact_submitted", object_id=str(pk))

    response = decide(sign_in_client(users["manager"]), reference, decision="dispose",
                      reason="Review found no further need: child now an adult, no open work")

    assert response.status_code == 302
    assert not Contact.objects.filter(pk=pk).exists()
    assert not ContactChild.objects.filter(contact_id=pk).exists()
    assert not Mention.objects.filter(contact_id=pk).exists()
    assert len(mention_entities) >= 3  # the child, the man's nickname, the phone
    assert not RetentionReview.objects.filter(reference=reference).exists()
    # The selectors only this report named are gone; a phone another report names stays.
    assert Entity.objects.filter(pk=kept_phone_entity).exists()
    assert not Entity.objects.filter(pk__in=mention_entities - {kept_phone_entity}).exists()
    line = Disposal.objects.get(reference=reference)
    assert (line.kind, line.record_id, line.disposed_by, line.group) == ("contact", pk, users["manager"],
                                                                       "childrens_social_care")
    assert line.reason == "Review found no further need: child now an adult, no open work"
    log = sign_in_client(users["scrutiny"]).get("/retention/disposals/").content.decode()
    assert reference in log and "child now an adult" in log and "75th birthday" in log
    assert AuditEvent.objects.filter(pk=submitted.pk).exists()
    disposed = AuditEvent.objects.get(action="record_disposed")
    assert disposed.object_id == str(pk) and reference in disposed.reason
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert out.getvalue().startswith("OK")


def test_a_record_not_due_or_held_by_a_case_is_not_disposed_of(users, council_report):
    from safehub.cases.models import Case, Child

    recent = old_report(users, received=timezone.now() - dt.timedelta(days=30), phone="07700 900666")
    manager = sign_in_client(users["manager"])

    early = decide(manager, recent.reference, decision="dispose", reason="No longer needed, I think")

    assert early.status_code == 400
    assert "is not due for review until" in early.content.decode()
    assert "No longer needed, I think" in early.content.decode()
    assert Contact.objects.filter(pk=recent.pk).exists()
    child = Child.objects.create(owning_agency=council_report.owning_agency, first_name="Synthetic",
                                 last_name="Child", created_by=users["manager"])
    case = Case.objects.create(child=child, owning_agency=child.owning_agency, opened_by=users["manager"],
                               source_contact=council_report, referral_received_at=council_report.received_at,
                               assessment_due=dt.date(1948, 8, 1))
    Case.objects.filter(pk=case.pk).update(reference=f"EX-1948-{case.pk:06d}")
    held = decide(manager, council_report.reference, decision="dispose", reason="No longer needed, surely")
    assert held.status_code == 400
    assert "cannot be disposed of on its own: it opened case EX-" in held.content.decode()
    assert Contact.objects.filter(pk=council_report.pk).exists()
    assert not Disposal.objects.exists()


def test_an_analyst_disposes_of_intelligence_past_its_mopi_review(users, agencies):
    from safehub.intelligence.models import IntelligenceItem, IntelligenceMention

    item = IntelligenceItem.objects.create(owning_agency=agencies["POLICE"], source_grade="2",
                                           intelligence_grade="B", handling_code="P", text="Synthetic intelligence",
                                           submitted_by=users["analyst"],
                                           received_at=dt.datetime(2009, 1, 15, tzinfo=dt.timezone.utc))
    IntelligenceItem.objects.filter(pk=item.pk).update(reference=f"INT-{item.pk:06d}")
    item.refresh_from_db()
    IntelligenceMention.objects.create(item=item, kind="phone", value="07700 900777")
    run_due_reviews(timezone.now())
    analyst = sign_in_client(users["analyst"])

    listed = analyst.get("/retention/").content.decode()
    assert item.reference in listed and "MoPI group 1" in listed and "15 Jan 2019" in listed
    assert item.reference not in sign_in_client(users["manager"]).get("/retention/").content.decode()
    response = decide(analyst, item.reference, decision="dispose",
                      reason="MoPI review: no longer necessary for a policing purpose")

    assert response.status_code == 302
    assert not IntelligenceItem.objects.filter(pk=item.pk).exists()
    assert not IntelligenceMention.objects.filter(item_id=item.pk).exists()
    assert Disposal.objects.get(reference=item.reference).schedule.startswith("MoPI group 1")
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert out.getvalue().startswith("OK")


def test_the_review_command_schedules_and_counts_what_is_due(council_report):
    import json

    out = StringIO()
    call_command("retention", "review", stdout=out)

    summary = json.loads(out.getvalue())
    assert summary["newly_scheduled"] == 1
    assert summary["due_by_group"] == {"childrens_social_care": 1}


def test_a_restriction_the_custodian_is_not_on_keeps_the_record_off_their_list(users, council_report):
    from safehub.access.models import Restriction
    from tests.test_permission_matrix import pointer

    run_due_reviews(timezone.now())
    restriction = Restriction.objects.create(**pointer(council_report), reason_kind="high_profile", reason="Locked",
                                             created_by=users["manager"], review_due="2027-03-01")
    restriction.allowed_users.set([users["screener"]])
    manager = sign_in_client(users["manager"])

    assert council_report.reference not in manager.get("/retention/").content.decode()
    assert decide(manager, council_report.reference, decision="dispose",
                  reason="Review found no further need at all").status_code == 403
    assert Contact.objects.filter(pk=council_report.pk).exists()


def test_a_disposed_report_leaves_its_network_when_the_worker_next_runs(users, council_report):
    from tests.test_linking import networks_now

    neighbour = old_report(users, received=timezone.now() - dt.timedelta(days=3), phone="07700 900111")
    third = old_report(users, received=timezone.now() - dt.timedelta(days=2), phone="07700 900111")
    members = [set(network.contact_ids) for network in networks_now()]
    assert {council_report.pk, neighbour.pk, third.pk} in members
    run_due_reviews(timezone.now())
    decide(sign_in_client(users["manager"]), council_report.reference, decision="dispose",
           reason="Review found no further need: child now an adult, no open work")

    members = [set(network.contact_ids) for network in networks_now()]
    assert {neighbour.pk, third.pk} in members
    assert not any(council_report.pk in network for network in members)
