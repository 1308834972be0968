"""Adult survivors of non-recent abuse: the public journey of their own, the adult survivor record a screener
opens from it (no child case), routing with consent to the police and support, and the people they remember
linking to today's reports."""

import re
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from safehub.access.models import Share
from safehub.audit.models import AuditEvent
from safehub.cases.models import Case, Child
from safehub.intake.actions import submit_contact
from safehub.intake.models import Contact
from safehub.support import actions
from safehub.support.models import AdultSurvivor, Consent, SafeContact, SupportService
from tests.journey import send, send_and_file

pytestmark = pytest.mark.django_db


def non_recent(**extra):
    draft = {"kind": "non_recent", "concern": "When I was 14, in 2003, men took me to flats above a takeaway.",
             "when_happened": "2003", "wants": "police", "reporter": {"anonymous": False, "name": "Casey Example",
                                                                     "email": "casey@example.org"},
             "people": [{"name": "", "nicknames": "Smiler"}], "places": [{"address": "Flats above Kebab Palace"}],
             "others": {"other_victims": "yes", "other_victims_details": "A girl called Jo from my school"},
             "safe_contact": {"no_phone": True, "safe_email": "casey.safe@example.org", "preferred_name": "Cas",
                              "no_letters": True}, **extra}
    contact, _ = submit_contact(draft, submission_key=uuid.uuid4().hex)
    return contact


def test_the_public_journey_asks_what_they_want_others_and_safe_contact(agencies):
    client = Client()
    client.post("/report/", {"route": "non_recent"})
    client.post("/report/concern/", {"concern": "Abused by older men as a teenager.", "when_happened": "around 2004"})
    wants = client.get("/report/wants/").content.decode()
    assert "I want to report it to the police" in wants and "I want to be heard" in wants
    empty = client.post("/report/wants/", {})
    assert empty.status_code == 200 and "Select what you would like to happen" in empty.content.decode()
    client.post("/report/wants/", {"wants": "heard"})
    people = client.get("/report/people/").content.decode()
    assert "People you remember" in people
    client.post("/report/people/", {"count": "1", "action": "continue", "0-nicknames": "Smiler"})
    client.post("/report/places/", {"count": "1", "action": "continue", "0-address": "The old bus station"})
    client.post("/report/others/", {"other_victims": "yes", "other_victims_details": "Two girls from my estate"})
    client.post("/report/you/", {"anonymous": "yes", "name": "Robin Example", "email": "robin@example.org"})
    bad = client.post("/report/safe_contact/", {"safe_phone": "07700 900123", "no_phone": "on"})
    assert "Remove the phone number, or untick" in bad.content.decode()
    assert 'value="07700 900123"' in bad.content.decode()
    client.post("/report/safe_contact/", {"safe_phone": "07700 900123", "safe_times": "weekdays 10 to 2",
                                          "no_voicemail": "on", "pronouns": "they/them"})
    check = client.get("/report/check/").content.decode()
    for text in ("To be heard", "Two girls from my estate", "Only phone 07700 900123.", "Do not leave voicemail",
                 "People you remember", "Smiler"):
        assert text in check, text
    key = re.search(r'name="submission_key" value="([0-9a-f]+)"', check).group(1)
    send_and_file(client, key)
    contact = Contact.objects.get()
    assert contact.survivor_answers.wants == "heard" and contact.survivor_answers.safe_times == "weekdays 10 to 2"
    assert contact.people.get().nicknames == "Smiler"


def test_an_anonymous_survivor_is_not_asked_for_safe_contact(agencies):
    client = Client()
    client.post("/report/", {"route": "non_recent"})
    client.post("/report/concern/", {"concern": "It happened to me."})
    client.post("/report/wants/", {"wants": "support"})
    client.post("/report/people/", {"count": "1", "action": "continue"})
    client.post("/report/places/", {"count": "1", "action": "continue"})
    client.post("/report/others/", {"other_victims": "no"})
    assert client.post("/report/you/", {"anonymous": "no"})["Location"] == "/report/check/"
    assert client.get("/report/safe_contact/").status_code == 404


def test_the_people_they_remember_link_to_todays_reports(agencies, users, client_for):
    for n in range(2):
        submit_contact({"kind": "public", "concern": "Girls picked up by Smiler.", "people": [{"nicknames": "Smiler"}],
                        "phones": [{"number": "07700 900777"}]}, submission_key=uuid.uuid4().hex)
    contact = non_recent()
    page = client_for("screener").get(f"/screening/{contact.reference}/").content.decode()
    links = page.split('id="links"')[1]
    assert "Smiler" in links and "2 other reports" in links


def test_the_screener_sees_what_they_want_and_safe_contact_before_their_details(users, client_for):
    contact = non_recent()
    page = client_for("screener").get(f"/screening/{contact.reference}/").content.decode()
    assert "To report it to the police" in page and "A girl called Jo" in page
    assert page.index('id="safe-contact"') < page.index("casey@example.org")
    assert "Do not phone." in page and "Do not send letters home." in page
    assert 'id="open-survivor"' in page


def test_a_screener_opens_an_adult_survivor_record_without_a_child_case(users, client_for):
    contact = non_recent()
    screener = client_for("screener")
    form = screener.get(f"/survivors/from-report/{contact.reference}/")
    assert form.status_code == 200
    response = screener.post(f"/survivors/from-report/{contact.reference}/", {"wants": "police", "summary": "Calm"})
    survivor = AdultSurvivor.objects.get()
    assert response["Location"] == f"/survivors/{survivor.reference}/"
    assert survivor.reference.startswith("AS-") and survivor.name == "Casey Example"
    assert not Child.objects.exists() and not Case.objects.exists()
    safe = SafeContact.objects.get(survivor=survivor)
    assert safe.no_phone and safe.preferred_name == "Cas"
    page = screener.get(f"/survivors/{survivor.reference}/").content.decode()
    assert page.index('id="safe-contact"') < page.index('id="contact-route"')
    assert AuditEvent.objects.filter(action="survivor_viewed", object_id=str(survivor.pk)).exists()
    again = screener.post(f"/survivors/from-report/{contact.reference}/", {"wants": "police"})
    assert again.status_code == 400 and "already has an adult survivor record" in again.content.decode()


def test_only_a_non_recent_report_opens_a_survivor_record(users):
    contact, _ = submit_contact({"kind": "public", "concern": "A child"}, submission_key="p1")
    with pytest.raises(ValidationError):
        actions.open_survivor_record(users["screener"], contact)
    with pytest.raises(PermissionDenied):
        actions.open_survivor_record(users["worker"], non_recent())


def test_routing_with_consent_shares_with_the_police_and_refers_to_support(users, agencies, client_for):
    survivor = actions.open_survivor_record(users["screener"], non_recent())
    screener = client_for("screener")
    assert screener.get(f"/survivors/{survivor.reference}/route/").status_code == 200
    response = screener.post(f"/survivors/{survivor.reference}/route/", {
        "police_agency": agencies["POLICE"].pk, "services": ["isva", "counselling"],
        "provider": "Wrekin Survivors' Service", "consent_given": "on", "consent_given_on": "27/11/2026"})
    assert response.status_code == 302, response.content.decode()[:3000]
    share = Share.objects.get(object_id=survivor.pk, content_type__model="adultsurvivor")
    assert share.agency == agencies["POLICE"] and share.lawful_basis == "consent"
    assert set(SupportService.objects.values_list("service", "status")) == {("isva", "offered"),
                                                                            ("counselling", "offered")}
    assert set(Consent.objects.values_list("scope", flat=True)) == {"police", "referral"}
    # The police can now open the survivor's record; a referrer and another agency cannot.
    assert client_for("investigator").get(f"/survivors/{survivor.reference}/").status_code == 200
    assert client_for("analyst").get(f"/screening/{survivor.contact.reference}/").status_code == 200
    assert client_for("referrer").get(f"/survivors/{survivor.reference}/").status_code == 403
    assert AuditEvent.objects.filter(action="survivor_routed").exists()


def test_a_police_share_without_consent_needs_a_lawful_basis_written_down(users, agencies, client_for):
    survivor = actions.open_survivor_record(users["screener"], non_recent())
    screener = client_for("screener")
    refused = screener.post(f"/survivors/{survivor.reference}/route/", {"police_agency": agencies["POLICE"].pk})
    assert refused.status_code == 400 and "choose the lawful basis" in refused.content.decode()
    no_reason = screener.post(f"/survivors/{survivor.reference}/route/", {"police_agency": agencies["POLICE"].pk,
                                                                         "lawful_basis": "dpa_s1_p18"})
    assert "Say why the record is shared with the police" in no_reason.content.decode()
    ok = screener.post(f"/survivors/{survivor.reference}/route/", {
        "police_agency": agencies["POLICE"].pk, "lawful_basis": "dpa_s1_p18",
        "basis_reason": "They named a man who still has access to children."})
    assert ok.status_code == 302
    share = Share.objects.get(content_type__model="adultsurvivor")
    assert share.lawful_basis == "dpa_s1_p18" and "still has access to children" in share.purpose
    report = Share.objects.get(content_type__model="contact")  # their account goes with them
    assert report.object_id == survivor.contact_id and report.lawful_basis == "dpa_s1_p18"


def test_a_referral_to_support_always_needs_consent(users, agencies):
    survivor = actions.open_survivor_record(users["screener"], non_recent())
    with pytest.raises(ValidationError, match="needs the survivor's consent"):
        actions.route_survivor(users["screener"], survivor, services=[("isva", "ISVA service")])


def test_a_share_on_consent_that_no_consent_covers_is_refused(users, agencies):
    from safehub.access.actions import share_record

    survivor = actions.open_survivor_record(users["screener"], non_recent())
    with pytest.raises(ValidationError, match="No recorded consent covers"):
        share_record(users["screener"], survivor, agency=agencies["HEALTH"], purpose="Support",
                     lawful_basis="consent")
    import datetime as dt

    actions.record_consent(users["worker"], survivor, scope="share_record", agency=agencies["HEALTH"],
                           given_on=dt.date(2026, 11, 1))
    share_record(users["screener"], survivor, agency=agencies["HEALTH"], purpose="Support", lawful_basis="consent")
    assert Share.objects.filter(agency=agencies["HEALTH"]).exists()
