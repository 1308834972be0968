"""A member of the public reports a concern: question pages, errors, check answers, reference."""

import re

import pytest
from django.db import connection
from django.test import Client

from safehub.intake.actions import file_waiting_reports
from safehub.intake.models import Contact, ContactChild, ContactPhone, ContactVehicle
from tests.journey import fill_public_report, send, send_and_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def public(agencies):
    return Client()


def test_every_public_page_shows_999(public):
    for url in ["/", "/report/", "/contact-us/", "/accounts/login/", "/privacy/"]:
        page = public.get(url)
        assert page.status_code == 200
        assert "call <a href=\"tel:999\">999</a>" in page.content.decode()


def test_report_gets_a_reference_and_lands_in_one_piece(public):
    key = fill_public_report(public)
    response = send(public, key)
    assert response.status_code == 302 and response["Location"] == "/report/done/"
    done = public.get("/report/done/").content.decode()
    reference = re.search(r"SH-\d{4}-\d{6}", done).group(0)
    contact = Contact.objects.get(reference=reference)
    assert contact.kind == "public" and contact.reporter_anonymous
    assert contact.status == "awaiting" and contact.decision_due_at > contact.received_at
    # Accepted as one row (ADR 35): what it names waits, cleaned, for the worker to file it.
    assert not contact.filed and contact.answers["children"][0]["school"] == "Hilltop Academy"
    assert not ContactChild.objects.exists()
    assert file_waiting_reports() == 1 and file_waiting_reports() == 0
    contact.refresh_from_db()
    assert contact.filed and contact.answers == {}
    assert ContactChild.objects.get(contact=contact).school == "Hilltop Academy"
    vehicle = ContactVehicle.objects.get(contact=contact)
    assert vehicle.registration == "AB12C??" and vehicle.registration_partial
    assert not ContactPhone.objects.get(contact=contact).number_partial
    assert "What happens next" in done


def test_check_answers_shows_what_was_typed(public):
    fill_public_report(public, concern="She comes home with new phones and money.")
    page = public.get("/report/check/").content.decode()
    assert "She comes home with new phones and money." in page
    assert "Hilltop Academy" in page and "ab12 c??" in page and "Anonymous" in page


def test_double_submit_stores_one_report(public):
    key = fill_public_report(public)
    first = send(public, key)
    second = send(public, key)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == "/report/done/"
    assert Contact.objects.count() == 1


def test_empty_concern_shows_specific_error_and_keeps_nothing_lost(public):
    public.post("/report/", {"route": "public"})
    page = public.post("/report/concern/", {"concern": "", "when_happened": "last week"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "There is a problem" in html and '<a href="#id_concern">Tell us what worries you</a>' in html
    assert 'value="last week"' in html
    assert "<title>Error:" in html


def test_overlong_text_is_refused_with_its_limit_and_kept(public):
    public.post("/report/", {"route": "public"})
    too_long = "x" * 10_001
    html = public.post("/report/concern/", {"concern": too_long}).content.decode()
    assert "must be 10,000 characters or fewer" in html
    assert too_long in html


def test_bad_registration_and_phone_get_specific_errors_and_answers_kept(public):
    fill_public_report(public)
    html = public.post("/report/vehicles/", {"count": "1", "action": "continue", "0-registration": "AB<12>",
                                             "0-make": "Ford"}).content.decode()
    assert "Use ? for characters you do not know" in html and 'value="Ford"' in html
    html = public.post("/report/phones/", {"count": "1", "action": "continue", "0-number": "call me"}).content.decode()
    assert "Enter a phone number using digits" in html and 'value="call me"' in html


def test_partial_phone_is_accepted_and_marked_partial(public):
    key = fill_public_report(public, phone={"0-number": "07700 900???"})
    send_and_file(public, key)
    assert ContactPhone.objects.get().number_partial


def test_several_of_each_with_add_another_and_remove(public):
    fill_public_report(public)
    response = public.post("/report/people/", {"count": "1", "action": "add", "0-name": "Adult One"})
    assert response["Location"].endswith("?add=1")
    page = public.get(response["Location"]).content.decode()
    assert 'name="1-name"' in page and 'value="Adult One"' in page
    public.post("/report/people/", {"count": "3", "action": "continue", "0-name": "Adult One", "1-name": "Adult Two",
                                    "2-nicknames": "Big D"})
    public.post("/report/people/", {"count": "3", "action": "remove-1", "0-name": "Adult One", "1-name": "Adult Two",
                                    "2-nicknames": "Big D"})
    page = public.get("/report/check/").content.decode()
    assert "Adult One" in page and "Big D" in page and "Adult Two" not in page


def test_named_reporter_needs_a_way_to_contact_them(public):
    fill_public_report(public)
    html = public.post("/report/you/", {"anonymous": "yes", "name": "A Neighbour"}).content.decode()
    assert "Enter an email address or a phone number so we can contact you" in html
    html = public.post("/report/you/", {"anonymous": "yes", "name": "A Neighbour", "email": "not-an-email"}).content.decode()
    assert "Enter an email address in the correct format" in html


AUDIT_INSERT_FAILS = {
    "postgresql": ["CREATE FUNCTION test_audit_fails() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION 'disk full'; END; $$",
                   "CREATE TRIGGER test_audit_fails BEFORE INSERT ON audit_auditevent "
                   "FOR EACH ROW EXECUTE FUNCTION test_audit_fails()"],
    "sqlite": ["CREATE TRIGGER test_audit_fails BEFORE INSERT ON audit_auditevent "
               "BEGIN SELECT RAISE(ABORT, 'disk full'); END"],
}


def test_database_failure_shows_calm_page_keeps_answers_and_stores_nothing(public):
    key = fill_public_report(public)
    # The database refuses the report's audit event, which is stored after the report's own row (in the same
    # statement on PostgreSQL, the same transaction on SQLite): the report must not be stored without it.
    with connection.cursor() as cursor:
        for statement in AUDIT_INSERT_FAILS[connection.vendor]:
            cursor.execute(statement)
    response = send(public, key)
    html = response.content.decode()
    assert response.status_code == 503
    assert "your report has not been sent yet" in html and "Traceback" not in html and "disk full" not in html
    assert Contact.objects.count() == 0 and ContactChild.objects.count() == 0
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER test_audit_fails" + (" ON audit_auditevent" if connection.vendor == "postgresql" else ""))
    assert send(public, key).status_code == 302
    assert Contact.objects.count() == 1


def test_over_the_limit_a_report_is_held_with_its_reference_never_refused(public, settings):
    settings.SAFEHUB_PUBLIC_SUBMISSIONS_PER_WINDOW = 2
    for _ in range(2):
        assert send(public, fill_public_report(public)).status_code == 302
    response = send(public, fill_public_report(public))
    assert response.status_code == 302 and response["Location"] == "/report/done/"
    done = public.get("/report/done/").content.decode()
    held = Contact.objects.get(reference=re.search(r"SH-\d{4}-\d{6}", done).group(0))
    assert held.flood_batch is not None and held.flood_batch.held_count == 1
    assert 'id="held"' in done and "within 1 working day" in done and "If a child is in immediate danger" in done
    assert Contact.objects.count() == 3


def test_too_many_pages_asks_the_reporter_to_wait_with_their_answers_saved(public, settings):
    settings.SAFEHUB_PUBLIC_PAGES_PER_WINDOW = 2
    public.post("/report/", {"route": "public"})
    public.post("/report/concern/", {"concern": "A van outside the park every night."})
    response = public.post("/report/children/", {"count": "1", "action": "continue", "0-name": "Child B"})
    html = response.content.decode()
    assert response.status_code == 429 and "Your answers so far are saved" in html
    assert 'href="/report/people/"' in html
    page = public.get("/report/check/").content.decode()
    assert "Child B" in page and "A van outside the park every night." in page


def test_csrf_is_enforced_with_a_plain_message(agencies):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/report/", {"route": "public"})
    assert response.status_code == 403
    assert "Your session has expired" in response.content.decode()


def test_unknown_step_is_a_plain_404(public):
    public.post("/report/", {"route": "public"})
    response = public.get("/report/nonsense/")
    assert response.status_code == 404 and "Page not found" in response.content.decode()


def test_non_recent_route_asks_about_the_reporter_not_a_child(public):
    public.post("/report/", {"route": "non_recent"})
    page = public.get("/report/concern/").content.decode()
    assert "What happened to you?" in page
    public.post("/report/concern/", {"concern": "A man abused me in 1998 when I was 13.", "when_happened": "1998"})
    assert public.post("/report/wants/", {"wants": "support"})["Location"] == "/report/people/"
    assert public.post("/report/people/", {"count": "1", "action": "continue"})["Location"] == "/report/places/"
    assert public.post("/report/places/", {"count": "1", "action": "continue"})["Location"] == "/report/others/"
    assert public.post("/report/others/", {"other_victims": "not_sure"})["Location"] == "/report/you/"
    assert public.get("/report/children/").status_code == 404
    response = public.post("/report/you/", {"anonymous": "yes", "name": "Adult Survivor", "phone": "07700 900555"})
    assert response["Location"] == "/report/safe_contact/"
    public.post("/report/safe_contact/", {"no_phone": "on", "safe_email": "safe@example.org"})
    key = re.search(r'name="submission_key" value="([0-9a-f]+)"', public.get("/report/check/").content.decode()).group(1)
    send_and_file(public, key)
    contact = Contact.objects.get()
    assert contact.kind == "non_recent" and not contact.reporter_anonymous and not contact.children.exists()
    answers = contact.survivor_answers
    assert answers.wants == "support" and answers.other_victims == "not_sure"
    assert answers.no_phone and answers.safe_email == "safe@example.org"


def test_signposting_page_shows_default_routes(public):
    html = public.get("/contact-us/").content.decode()
    for route in ["101", "0800 1111", "CEOP", "Family Connect", "01952 385385"]:
        assert route in html


def test_signposting_is_configurable_per_area(public, settings, tmp_path):
    from safehub.intake import signposting

    routes_file = tmp_path / "routes.json"
    routes_file.write_text('[{"name": "Harbourtown Front Door", "how": "Call 01000 000000", "when": "Any time", "url": ""}]')
    settings.SAFEHUB_SIGNPOSTING_FILE = str(routes_file)
    signposting._load.cache_clear()
    html = public.get("/contact-us/").content.decode()
    assert "Harbourtown Front Door" in html and "Childline" not in html


def test_pasted_html_is_never_rendered(public, client_for):
    key = fill_public_report(public, concern="<script>alert(1)</script><b>bold</b>")
    send(public, key)
    reference = Contact.objects.get().reference
    html = client_for("screener").get(f"/screening/{reference}/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
