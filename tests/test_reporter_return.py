"""Every reporter can come back: a passphrase on the confirmation page, then reference and passphrase to add
information to the same report, which lands in the screening queue as new information and is linked like the
first submission. Wrong passphrases are counted per reference and per client, and every attempt is audited."""

import re
import uuid

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client

from safehub.audit.models import AuditEvent
from safehub.intake.actions import add_information, set_reporter_passphrase, submit_contact
from safehub.intake.models import Contact, ContactAddition, ContactVehicle, ReporterPassphrase
from safehub.linking.models import Mention
from tests.journey import fill_public_report, send

pytestmark = pytest.mark.django_db
PASSPHRASE = "kettle orange bicycle"


@pytest.fixture
def public(agencies):
    return Client()


def sent_report(client):
    send(client, fill_public_report(client))
    done = client.get("/report/done/").content.decode()
    return re.search(r"SH-\d{4}-\d{6}", done).group(0), done


def filed(reg="", phone="07700 900555"):
    draft = {"kind": "public", "concern": "Men in a car outside the school.", "phones": [{"number": phone}]}
    if reg:
        draft["vehicles"] = [{"registration": reg}]
    contact, _ = submit_contact(draft, submission_key=uuid.uuid4().hex)
    return contact


def come_back(client, reference, passphrase=PASSPHRASE, **meta):
    return client.post("/report/add/", {"reference": reference, "passphrase": passphrase}, **meta)


def test_confirmation_page_offers_a_passphrase_stored_only_as_a_hash(public):
    reference, done = sent_report(public)
    assert "Choose a passphrase" in done
    response = public.post("/report/done/passphrase/", {"passphrase": PASSPHRASE, "confirm": PASSPHRASE})
    assert response.status_code == 302
    stored = ReporterPassphrase.objects.get(contact__reference=reference)
    assert PASSPHRASE not in stored.passphrase_hash and check_password(PASSPHRASE, stored.passphrase_hash)
    page = public.get("/report/done/").content.decode()
    assert "A passphrase is set for this report" in page and "Choose a passphrase" not in page
    assert AuditEvent.objects.filter(action="reporter_passphrase_set", object_id=str(stored.contact_id)).exists()


def test_a_bad_passphrase_gets_a_specific_error(public):
    reference, _ = sent_report(public)
    short = public.post("/report/done/passphrase/", {"passphrase": "short", "confirm": "short"})
    assert short.status_code == 400 and "12 characters or more" in short.content.decode()
    differ = public.post("/report/done/passphrase/", {"passphrase": PASSPHRASE, "confirm": PASSPHRASE + "x"})
    assert "The passphrases do not match" in differ.content.decode()
    digits = public.post("/report/done/passphrase/", {"passphrase": "1234567890123", "confirm": "1234567890123"})
    assert "cannot be only numbers" in digits.content.decode()
    assert not ReporterPassphrase.objects.exists()


def test_only_the_session_that_sent_the_report_sets_its_passphrase_and_only_once(public):
    stranger = Client()
    assert stranger.post("/report/done/passphrase/", {"passphrase": PASSPHRASE, "confirm": PASSPHRASE}).status_code == 302
    assert not ReporterPassphrase.objects.exists()
    sent_report(public)
    public.post("/report/done/passphrase/", {"passphrase": PASSPHRASE, "confirm": PASSPHRASE})
    again = public.post("/report/done/passphrase/", {"passphrase": "another long passphrase", "confirm": "another long passphrase"})
    assert again.status_code == 400
    assert check_password(PASSPHRASE, ReporterPassphrase.objects.get().passphrase_hash)


def test_come_back_adds_to_the_same_report_and_sees_only_that_it_was_received(public, users):
    contact = filed()
    set_reporter_passphrase(contact, PASSPHRASE)
    visitor = Client()
    response = come_back(visitor, contact.reference.lower())
    assert response.status_code == 302 and response["Location"] == "/report/add/details/"
    form = visitor.get("/report/add/details/").content.decode()
    assert contact.concern not in form  # nothing of the report is shown back
    added = visitor.post("/report/add/details/", {"more": "I remembered the plate.", "registration": "ab12 cde",
                                                 "vehicle": "silver Ford Focus"})
    assert added.status_code == 302
    page = visitor.get("/report/add/received/").content.decode()
    assert "Information received" in page and contact.reference in page
    assert "decision" not in page.lower() and "outcome" not in page.lower()
    addition = ContactAddition.objects.get()
    assert addition.contact == contact and addition.summary == ["Vehicle: AB12CDE, silver Ford Focus"]
    assert ContactVehicle.objects.get(contact=contact).registration == "AB12CDE"
    assert Contact.objects.count() == 1
    assert Mention.objects.filter(contact=contact, kind="vehicle", key="AB12CDE").exists()
    # The permission ends with the addition: another needs the passphrase again.
    assert visitor.get("/report/add/details/")["Location"] == "/report/add/"


def test_the_addition_is_new_information_in_the_queue_with_its_new_link(users, client_for):
    earlier = filed(reg="AB12 CDE", phone="07700 900111")
    contact = filed()
    set_reporter_passphrase(contact, PASSPHRASE)
    add_information(contact, {"vehicles": [{"registration": "ab12cde"}]}, submission_key="k1")
    screener = client_for("screener")
    queue = screener.get("/screening/").content.decode()
    assert "New information" in queue and contact.reference in queue.split('id="new-information"')[1]
    page = screener.get(f"/screening/{contact.reference}/").content.decode()
    assert "Information the reporter added later" in page and "Vehicle: AB12CDE" in page
    links = page.split('id="links"')[1]
    assert earlier.reference in links
    addition = ContactAddition.objects.get()
    read = screener.post(f"/screening/{contact.reference}/additions/{addition.pk}/read/")
    assert read.status_code == 302
    addition.refresh_from_db()
    assert addition.reviewed_by == users["screener"]
    assert contact.reference not in screener.get("/screening/").content.decode().split('id="new-information"')[1]


def test_an_addition_is_due_within_one_working_day_and_a_double_send_stores_one(agencies):
    import datetime as dt
    from zoneinfo import ZoneInfo

    contact = filed()
    friday = dt.datetime(2026, 12, 4, 16, 0, tzinfo=ZoneInfo("Europe/London"))
    first, created = add_information(contact, {"text": "More"}, submission_key="same", received_at=friday)
    again, created_again = add_information(contact, {"text": "More"}, submission_key="same", received_at=friday)
    assert created and not created_again and first.pk == again.pk
    assert first.review_due_at == dt.datetime(2026, 12, 7, 16, 0, tzinfo=ZoneInfo("Europe/London"))


def test_an_empty_or_invalid_addition_keeps_what_was_typed(public, agencies):
    contact = filed()
    set_reporter_passphrase(contact, PASSPHRASE)
    come_back(public, contact.reference)
    empty = public.post("/report/add/details/", {})
    assert empty.status_code == 400 and "Tell us what you want to add" in empty.content.decode()
    bad = public.post("/report/add/details/", {"registration": "AB12 CDE9999", "more": "Kept text"})
    body = bad.content.decode()
    assert bad.status_code == 400 and "Registration numbers use only letters" in body and "Kept text" in body
    assert not ContactAddition.objects.exists()


def test_five_wrong_passphrases_lock_that_reference_for_that_client(agencies):
    contact = filed()
    other = filed(phone="07700 900556")
    set_reporter_passphrase(contact, PASSPHRASE)
    set_reporter_passphrase(other, PASSPHRASE)
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    for attempt in range(4):
        response = come_back(guesser, contact.reference, "wrong passphrase here", REMOTE_ADDR="203.0.113.9")
        assert response.status_code == 400
        assert f"you have {4 - attempt} more" in response.content.decode()
    fifth = come_back(guesser, contact.reference, "wrong passphrase here", REMOTE_ADDR="203.0.113.9")
    assert fifth.status_code == 429 and "too many tries" in fifth.content.decode()
    # Now even the right passphrase is refused from that client, for that reference...
    assert come_back(guesser, contact.reference, REMOTE_ADDR="203.0.113.9").status_code == 429
    # ...while another reference from that client, and that reference from another client, still open.
    assert come_back(Client(), other.reference, REMOTE_ADDR="203.0.113.9").status_code == 302
    assert come_back(Client(), contact.reference, REMOTE_ADDR="198.51.100.7").status_code == 302
    actions = list(AuditEvent.objects.filter(action__startswith="reporter_return").values_list("action", flat=True))
    assert actions.count("reporter_return_failed") == 5 and actions.count("reporter_return_locked") == 2
    assert actions.count("reporter_return_opened") == 2


def test_unknown_references_answer_like_wrong_passphrases_and_are_audited(agencies):
    visitor = Client()
    response = come_back(visitor, "SH-2026-999999")
    assert response.status_code == 400 and "The reference number or passphrase is not right" in response.content.decode()
    event = AuditEvent.objects.get(action="reporter_return_failed")
    assert event.object_id == "SH-2026-999999" and event.role == "public"
    badly = come_back(visitor, "my report")
    assert "Enter your reference number as it was given" in badly.content.decode()


def test_a_report_without_a_passphrase_and_a_referral_cannot_be_opened(agencies, users):
    contact = filed()
    assert come_back(Client(), contact.reference).status_code == 400
    draft = {"kind": "professional", "concern": "A referral", "referral": {"role": "DSL", "family_knows": "No",
                                                                          "consent": "given"}}
    referral, _ = submit_contact(draft, submission_key="ref1", referrer=users["referrer"])
    with pytest.raises(Exception):
        set_reporter_passphrase(referral, PASSPHRASE)


def test_one_client_cannot_try_reference_after_reference(agencies, settings):
    settings.SAFEHUB_RETURN_ATTEMPTS_PER_WINDOW = 3
    visitor = Client()
    for n in range(3):
        assert come_back(visitor, f"SH-2026-00000{n}").status_code == 400
    assert come_back(visitor, "SH-2026-000009").status_code == 429
    assert AuditEvent.objects.filter(action="reporter_return_rate_limited").count() == 1


def test_adding_to_a_report_the_worker_has_not_filed_yet_files_it_first(users):
    draft = {"kind": "public", "concern": "Men in a car outside the school.", "phones": [{"number": "07700 900556"}]}
    contact, _ = submit_contact(draft, submission_key=uuid.uuid4().hex, file_now=False)
    assert not contact.filed
    add_information(contact, {"vehicles": [{"registration": "ab12 cdf"}]}, submission_key=uuid.uuid4().hex)
    contact.refresh_from_db()
    assert contact.filed and contact.answers == {}
    assert set(Mention.objects.filter(contact=contact).values_list("kind", flat=True)) == {"phone", "vehicle"}
    assert Mention.objects.filter(contact=contact, kind="phone").count() == 1
