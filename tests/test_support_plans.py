"""Support plans on a child's case and on an adult survivor's record; safe contact preferences shown first on
every page that shows a way of contacting the person; consent, its withdrawal, and shares it does not cover."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from safehub import clock
from safehub.access.actions import share_record
from safehub.audit.models import AuditEvent
from safehub.cases import actions as case_actions
from safehub.cases.models import ChronologyEntry
from safehub.intake.actions import submit_contact
from safehub.support import actions
from safehub.support.models import Consent, SafeContact, SupportGoal, SupportService, VoiceEntry

pytestmark = pytest.mark.django_db
TODAY = lambda: clock.today().strftime("%d/%m/%Y")  # noqa: E731


@pytest.fixture
def case(users):
    child = case_actions.create_child(users["worker"], first_name="Tia", last_name="Example",
                                      date_of_birth=dt.date(2012, 5, 5),
                                      addresses=[{"address": "1 Example Row", "postcode": "TF1 1AA"}])
    return case_actions.open_case(users["worker"], child)


@pytest.fixture
def survivor(users):
    draft = {"kind": "non_recent", "concern": "It happened in 1999.", "wants": "support",
             "reporter": {"anonymous": False, "name": "Jordan Example", "phone": "07700 900321"},
             "safe_contact": {"safe_times": "after 6pm"}}
    contact, _ = submit_contact(draft, submission_key=uuid.uuid4().hex)
    return actions.open_survivor_record(users["screener"], contact)


def post_plan(client, url, form, **data):
    return client.post(url + "change/", {"form": form, **data})


def test_a_worker_builds_a_childs_support_plan(case, client_for, users):
    worker = client_for("worker")
    url = f"/cases/{case.reference}/support/"
    assert worker.get(url).status_code == 200
    for status in ("offered", "accepted", "declined", "waiting"):
        response = post_plan(worker, url, "service", service="isva", provider=f"Provider {status}",
                             referred_on=TODAY(), status=status)
        assert response.status_code == 302, response.content.decode()[:2000]
    ended = post_plan(worker, url, "service", service="camhs", provider="CAMHS North", referred_on=TODAY(),
                      status="ended")
    body = ended.content.decode()
    assert ended.status_code == 400 and "Say what came of the service when it ends" in body and "CAMHS North" in body
    post_plan(worker, url, "service", service="camhs", provider="CAMHS North", referred_on=TODAY(), status="ended",
              outcome="Six sessions, discharged")
    assert sorted(SupportService.objects.values_list("status", flat=True)) == sorted(
        ["offered", "accepted", "declined", "waiting", "ended"])
    unknown = post_plan(worker, url, "service", service="astrology", provider="X", referred_on=TODAY())
    assert unknown.status_code == 400
    words = "I don't want to go to the police. I just want him to stop texting me."
    post_plan(worker, url, "voice", kind="words", text=words, said_on=TODAY())
    post_plan(worker, url, "voice", kind="wish", text="To go back to football.", said_on=TODAY())
    assert VoiceEntry.objects.get(kind="words").text == words  # kept as said
    post_plan(worker, url, "goal", goal="Feel safe walking home")
    goal = SupportGoal.objects.get()
    post_plan(worker, url, "goal_progress", item=goal.pk, status="going", progress="Walks home with her cousin")
    goal.refresh_from_db()
    assert goal.status == "going" and "Walks home with her cousin" in goal.progress
    service = SupportService.objects.get(status="waiting")
    post_plan(worker, url, "service_status", item=service.pk, status="accepted")
    service.refresh_from_db()
    assert service.status == "accepted"
    page = worker.get(url).content.decode()
    assert words.replace("'", "&#x27;") in page and "Feel safe walking home" in page and "Six sessions" in page
    assert ChronologyEntry.objects.filter(kind="support").count() >= 7
    assert AuditEvent.objects.filter(action="support_service_added").count() == 5


def test_a_reader_who_does_not_work_the_case_cannot_change_the_plan(case, client_for, users):
    screener = client_for("screener")
    assert screener.get(f"/cases/{case.reference}/support/").status_code == 200
    response = post_plan(screener, f"/cases/{case.reference}/support/", "goal", goal="X")
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        actions.add_goal(users["screener"], case, goal="X")


def test_a_survivors_plan_holds_services_words_and_goals(survivor, client_for):
    worker = client_for("worker")
    url = f"/survivors/{survivor.reference}/support/"
    post_plan(worker, url, "service", service="isva", provider="Wrekin ISVA service", referred_on=TODAY(),
              status="accepted")
    post_plan(worker, url, "voice", kind="words", text="I want it written down that I told someone.", said_on=TODAY())
    page = worker.get(url).content.decode()
    assert "Wrekin ISVA service" in page and "I want it written down that I told someone." in page


def test_safe_contact_for_a_child_is_set_with_clear_errors(case, client_for):
    worker = client_for("worker")
    url = f"/children/{case.child.reference}/safe-contact/"
    bad = worker.post(url, {"safe_phone": "07700 900999", "no_phone": "on", "preferred_name": "T"})
    assert bad.status_code == 400 and "Remove the phone number" in bad.content.decode()
    assert 'value="T"' in bad.content.decode()
    ok = worker.post(url, {"no_phone": "on", "no_letters": "on", "preferred_name": "T", "pronouns": "she/her",
                           "language": "Polish", "interpreter": "on", "safe_times": "school hours"})
    assert ok.status_code == 302
    safe = SafeContact.objects.get(child=case.child)
    assert safe.safe_lines()[0] == "Do not phone." and "Language: Polish (needs an interpreter)." in safe.safe_lines()


def contact_route_positions(page, markers):
    return [page.index(marker) for marker in markers if marker in page]


def test_every_page_showing_a_contact_route_shows_safe_contact_first(case, survivor, client_for, users):
    """Walk the pages that show a way of contacting a child or survivor: the safe contact preferences come
    before every phone number, email, address or contact detail on them."""
    actions.set_safe_contact(users["worker"], case.child, no_letters=True, no_phone=True)
    worker, screener = client_for("worker"), client_for("screener")
    pages = [
        (worker, f"/children/{case.child.reference}/", ['id="addresses"', "1 Example Row"]),
        (worker, f"/cases/{case.reference}/", ['id="case-summary"']),
        (worker, f"/cases/{case.reference}/support/", ['id="services"']),
        (worker, f"/survivors/{survivor.reference}/", ['id="contact-route"', "07700 900321"]),
        (worker, f"/survivors/{survivor.reference}/support/", ['id="services"']),
        (screener, f"/survivors/{survivor.reference}/route/", ["Share their record with the police"]),
        (screener, f"/screening/{survivor.contact.reference}/", ["07700 900321"]),
    ]
    for client, url, markers in pages:
        page = client.get(url).content.decode()
        assert 'id="safe-contact"' in page, url
        first = page.index('id="safe-contact"')
        positions = contact_route_positions(page, markers)
        assert positions, f"{url}: none of {markers} on the page"
        assert first < min(positions), f"{url}: a contact route comes before the safe contact preferences"
    child_page = worker.get(f"/children/{case.child.reference}/").content.decode()
    assert "Do not phone." in child_page and "Do not send letters home." in child_page
    survivor_page = worker.get(f"/survivors/{survivor.reference}/").content.decode()
    assert "Safe times: after 6pm." in survivor_page


def test_consent_is_recorded_and_withdrawn_on_a_childs_record(case, client_for, users, agencies):
    worker = client_for("worker")
    url = f"/children/{case.child.reference}/consent/"
    bad = worker.post(url, {"scope": "share_record", "given_on": "31/02/2026", "notes": "Not to school"})
    body = bad.content.decode()
    assert bad.status_code == 400 and "Enter the date consent was given as a real date" in body and "Not to school" in body
    assert worker.post(url, {"scope": "share_record", "agency": agencies["HEALTH"].pk, "given_on": TODAY(),
                             "given_by": "parent"}).status_code == 302
    consent = Consent.objects.get()
    assert consent.given_by == "parent" and consent.active
    # A share "on consent" with the health trust is covered; one with the youth charity is not.
    share_record(users["manager"], case.child, agency=agencies["HEALTH"], purpose="Health support",
                 lawful_basis="consent")
    with pytest.raises(ValidationError, match="No recorded consent covers"):
        share_record(users["manager"], case.child, agency=agencies["YOUTH"], purpose="Youth work",
                     lawful_basis="consent")
    share_record(users["manager"], case.child, agency=agencies["YOUTH"], purpose="Youth work",
                 lawful_basis="dpa_s1_p18")
    withdrawn = worker.post(url, {"withdraw": consent.pk, "withdrawn_on": TODAY(), "reason": "Mum phoned to withdraw"})
    assert withdrawn.status_code == 302
    consent.refresh_from_db()
    assert not consent.active and consent.withdrawal_reason == "Mum phoned to withdraw"
    assert [share.agency.code for share in actions.shares_without_consent(case.child)] == ["HEALTH"]
    with pytest.raises(ValidationError, match="No recorded consent covers"):
        share_record(users["manager"], case.child, agency=agencies["HEALTH"], purpose="Again", lawful_basis="consent")
    page = worker.get(f"/children/{case.child.reference}/").content.decode()
    assert "Withdrawn" in page and "Mum phoned to withdraw" in page
    assert AuditEvent.objects.filter(action="consent_withdrawn").exists()


def test_consent_cannot_be_dated_ahead_or_withdrawn_before_it_was_given(case, users, agencies):
    with pytest.raises(ValidationError):
        actions.record_consent(users["worker"], case.child, scope="referral", with_whom="CAMHS",
                               given_on=clock.today() + dt.timedelta(days=1))
    consent = actions.record_consent(users["worker"], case.child, scope="referral", with_whom="CAMHS",
                                     given_on=clock.today())
    with pytest.raises(ValidationError):
        actions.withdraw_consent(users["worker"], consent, withdrawn_on=clock.today() - dt.timedelta(days=3),
                                 reason="x")
