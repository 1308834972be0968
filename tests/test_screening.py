"""The front door: every report in the queue, BRAG priority, decisions, escalation, feedback."""

import datetime as dt
import re
import uuid

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from safehub.intake.actions import submit_contact
from safehub.intake.models import Contact
from safehub.screening import actions
from safehub.screening.models import Notification

pytestmark = pytest.mark.django_db


def make_contact(referrer=None, received_at=None, **draft):
    kind = "professional" if referrer else "public"
    body = {"kind": kind, "concern": "Seen getting into cars with older men.", **draft}
    if referrer:
        body["referral"] = {"role": "DSL", "family_knows": "Mother knows", "consent": "not_sought",
                            "consent_reason": "Would put the child at risk"}
    contact, _ = submit_contact(body, submission_key=uuid.uuid4().hex, referrer=referrer, received_at=received_at)
    return contact


def test_new_report_is_in_the_queue_with_its_deadline(users, client_for):
    contact = make_contact()
    page = client_for("screener").get("/screening/").content.decode()
    assert contact.reference in page
    due = timezone.localtime(contact.decision_due_at).strftime("%a %-d %b %H:%M")
    assert due in page


def test_queue_is_sorted_by_deadline_and_marks_overdue(users, client_for):
    now = timezone.now()
    late = make_contact(received_at=now - dt.timedelta(days=6))
    fresh = make_contact()
    older = make_contact(received_at=now - dt.timedelta(days=2))
    page = client_for("screener").get("/screening/").content.decode()
    positions = [page.index(c.reference) for c in (late, older, fresh)]
    assert positions == sorted(positions)
    row = page[page.index(late.reference) - 200: page.index(late.reference) + 900]
    assert "Overdue" in row


def test_counts_of_due_today_and_overdue_are_on_every_staff_page(users, client_for):
    make_contact(received_at=timezone.now() - dt.timedelta(days=6))
    make_contact(received_at=timezone.now() - dt.timedelta(days=7))
    page = client_for("screener").get("/screening/decided/").content.decode()
    counts = re.search(r'id="queue-counts".*?</p>', page, re.S).group(0)
    assert re.search(r"<strong[^>]*>2</strong> overdue", counts)
    assert "due today" in counts


def test_screener_sets_priority_and_records_decision(users, client_for):
    contact = make_contact()
    screener = client_for("screener")
    screener.post(f"/screening/{contact.reference}/priority/", {"priority": "red"})
    contact.refresh_from_db()
    assert contact.priority == "red"
    assert contact.partner_checks_due_at == contact.priority_set_at + dt.timedelta(hours=2)
    response = screener.post(f"/screening/{contact.reference}/decision/",
                             {"outcome": "strategy", "reason": "Significant harm suspected"})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.status == "decided" and contact.outcome == "strategy" and contact.decided_by == users["screener"]
    assert contact.reference not in client_for("screener").get("/screening/").content.decode()


def test_decision_needs_an_outcome_and_a_reason(users, client_for):
    contact = make_contact()
    page = client_for("screener").post(f"/screening/{contact.reference}/decision/", {"outcome": "", "reason": ""})
    html = page.content.decode()
    assert page.status_code == 400
    assert "Select what happens next" in html and "Give the reason for the decision" in html
    contact.refresh_from_db()
    assert contact.decided_at is None


def test_report_cannot_be_closed_without_a_decision(users, client_for):
    contact = make_contact()
    page = client_for("screener").post(f"/screening/{contact.reference}/close/")
    assert page.status_code == 400
    assert "cannot be closed without a decision" in page.content.decode()
    with pytest.raises(ValidationError):
        actions.close_contact(users["screener"], contact)
    # The database itself refuses it too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.filter(pk=contact.pk).update(closed_at=timezone.now(), status="closed")


def test_decided_report_can_be_closed(users):
    contact = make_contact()
    contact = actions.record_decision(users["screener"], contact, "advice", "Signposted to youth service")
    contact = actions.close_contact(users["screener"], contact)
    assert contact.status == "closed"


def test_a_decision_cannot_be_made_twice(users):
    contact = make_contact()
    actions.record_decision(users["screener"], contact, "nfa", "No concern")
    with pytest.raises(ValidationError):
        actions.record_decision(users["manager"], contact, "open_case", "Changed mind")


def test_professional_referrer_sees_the_outcome(users, client_for):
    contact = make_contact(referrer=users["referrer"])
    actions.record_decision(users["screener"], contact, "open_case", "Exploitation indicators present")
    referrer = client_for("referrer")
    page = referrer.get("/referrals/").content.decode()
    assert contact.reference in page and "Open an exploitation case" in page
    detail = referrer.get(f"/referrals/{contact.reference}/").content.decode()
    assert "Exploitation indicators present" in detail
    assert Notification.objects.get(user=users["referrer"], contact=contact).read_at is not None


@pytest.mark.django_db(transaction=True)  # the worker commits as it goes
def test_named_public_reporter_is_emailed_without_details(users):
    contact = make_contact(reporter={"anonymous": False, "name": "A Neighbour", "email": "neighbour@example.invalid"})
    actions.record_decision(users["screener"], contact, "strategy", "Child known to police; strategy meeting")
    call_command("worker", "--batch", verbosity=0)  # e-mails go out from the background worker
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["neighbour@example.invalid"] and contact.reference in message.body
    assert "strategy" not in message.body.lower() and "police; strategy" not in message.body


@pytest.mark.django_db(transaction=True)
def test_anonymous_reporter_gets_no_email(users):
    contact = make_contact()
    actions.record_decision(users["screener"], contact, "nfa", "Nothing to act on")
    call_command("worker", "--batch", verbosity=0)
    assert mail.outbox == []


def test_overdue_reports_escalate_to_the_team_manager_once(users, client_for):
    contact = make_contact(received_at=timezone.now() - dt.timedelta(days=5))
    assert actions.escalate_overdue() == 1
    assert actions.escalate_overdue() == 0
    note = Notification.objects.get(contact=contact, kind="escalation")
    assert note.user == users["manager"]
    page = client_for("manager").get("/screening/escalations/").content.decode()
    assert contact.reference in page


def test_referrer_and_other_roles_cannot_open_the_queue(users, client_for):
    contact = make_contact()
    for username in ["referrer", "scrutiny", "admin"]:
        assert client_for(username).get("/screening/").status_code == 403
        assert client_for(username).get(f"/screening/{contact.reference}/").status_code == 403


def test_worker_of_another_agency_cannot_see_the_report(users, client_for):
    from safehub.accounts.actions import create_user
    from safehub.accounts.models import Agency
    from tests.conftest import sign_in_client

    contact = make_contact()
    police_screener, _ = create_user(username="police-screener", password="x" * 12, role="screener",
                                     agency=Agency.objects.get(code="POLICE"))
    client = sign_in_client(police_screener)
    assert contact.reference not in client.get("/screening/").content.decode()
    assert client.get(f"/screening/{contact.reference}/").status_code == 404


def test_referrer_sees_only_their_own_referrals(users, client_for):
    mine = make_contact(referrer=users["referrer"])
    theirs = make_contact(referrer=users["health-referrer"])
    public = make_contact()
    client = client_for("referrer")
    page = client.get("/referrals/").content.decode()
    assert mine.reference in page and theirs.reference not in page and public.reference not in page
    assert client.get(f"/referrals/{theirs.reference}/").status_code == 404
    assert client.get(f"/referrals/{public.reference}/").status_code == 404


def test_pages_need_sign_in_with_second_factor(users):
    from django.test import Client

    half = Client()
    half.force_login(users["screener"], backend="django.contrib.auth.backends.ModelBackend")
    response = half.get("/screening/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_opening_a_report_is_audited(users, client_for):
    from safehub.audit.models import AuditEvent

    contact = make_contact()
    client_for("screener").get(f"/screening/{contact.reference}/")
    event = AuditEvent.objects.filter(action="contact_viewed").get()
    assert event.actor == users["screener"] and event.object_id == str(contact.pk) and event.agency_code == "COUNCIL"


def test_escalations_never_show_a_report_restricted_against_the_manager(users):
    from safehub.access.actions import restrict_record
    from safehub.accounts.actions import create_user
    from tests.conftest import sign_in_client

    other_manager, _ = create_user(username="manager2", password="m" * 12, role="manager",
                                   agency=users["manager"].agency)
    contact = make_contact(received_at=timezone.now() - dt.timedelta(days=5))
    actions.escalate_overdue()
    restrict_record(users["manager"], contact, reason_kind="high_profile", reason="x", allowed_users=[])
    assert contact.reference in sign_in_client(users["manager"]).get("/screening/escalations/").content.decode()
    assert contact.reference not in sign_in_client(other_manager).get("/screening/escalations/").content.decode()
