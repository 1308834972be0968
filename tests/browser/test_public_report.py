"""A member of the public reports a concern about a child, in real Chromium, with JavaScript on and off."""

import re

import pytest
from playwright.sync_api import expect

from safehub.intake.models import Contact

pytestmark = pytest.mark.browser

REFERENCE = re.compile(r"^SH-\d{4}-\d{6}$")
CONCERN = "A girl from the estate gets into a silver car after school most days.\nShe has new phones and trainers."
WHEN = "Since the summer"
CHILD_NAME = "Jodie"
CHILD_AGE = "about 14"
NICKNAMES = "Tiny, T-Bone"
PERSON_DESCRIPTION = "Man in his twenties with a neck tattoo"
REGISTRATION = "AB12 C??"
PHONE = "07700 900123"


def continue_(page):
    page.get_by_role("button", name="Continue", exact=True).click()


def expect_question(page, check_999, heading):
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    check_999(page)


def answer_up_to_check(page, check_999, *, error_round_trip=False):
    """Home -> Start now -> every question page -> check your answers."""
    page.goto("/")
    expect(page.get_by_role("heading", name="Report a concern about a child")).to_be_visible()
    check_999(page)
    page.get_by_role("button", name="Start now").click()

    expect(page.get_by_role("group", name="Who is your concern about?")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who is your concern about?")
    check_999(page)
    page.get_by_label("A child or young person").check()
    continue_(page)

    expect_question(page, check_999, "Your concern")
    if error_round_trip:
        continue_(page)
        summary = page.locator(".govuk-error-summary")
        expect(summary).to_be_visible()
        expect(summary.get_by_role("heading")).to_have_text("There is a problem")
        expect(summary.get_by_role("link", name="Tell us what worries you")).to_be_visible()
        expect(page.locator("#id_concern-error")).to_contain_text("Tell us what worries you")
        expect(page).to_have_title(re.compile(r"^Error: "))
        check_999(page)
        # The summary link takes the user to the field that needs fixing.
        summary.get_by_role("link", name="Tell us what worries you").click()
        expect(page).to_have_url(re.compile(r"#id_concern$"))
    page.get_by_label("What worries you?").fill(CONCERN)
    page.get_by_label("When did this happen?").fill(WHEN)
    continue_(page)

    expect_question(page, check_999, "The child or children")
    expect(page.get_by_role("group", name="Child 1")).to_be_visible()
    page.get_by_label("Name, if you know it").fill(CHILD_NAME)
    page.get_by_label("Age or rough age").fill(CHILD_AGE)
    continue_(page)

    expect_question(page, check_999, "People involved")
    page.get_by_label("Nicknames or street names").fill(NICKNAMES)
    page.get_by_label("What they look like, or anything else about them").fill(PERSON_DESCRIPTION)
    continue_(page)

    expect_question(page, check_999, "Vehicles")
    page.get_by_label("Registration number (number plate)").fill(REGISTRATION)
    page.get_by_label("Make and model").fill("Ford Focus")
    page.get_by_label("Colour").fill("Silver")
    continue_(page)

    expect_question(page, check_999, "Phone numbers")
    page.get_by_label("Phone number").fill(PHONE)
    page.get_by_label("Whose number is it?").fill("The driver")
    continue_(page)

    expect_question(page, check_999, "Online accounts")
    continue_(page)  # nothing known: skip

    expect_question(page, check_999, "Places")
    continue_(page)  # nothing known: skip

    expect_question(page, check_999, "About you")
    page.get_by_label("No, I want to stay anonymous").check()
    continue_(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before sending your report")
    check_999(page)


def expect_answers_shown(page):
    """Check your answers shows what was typed, under the right headings."""
    main = page.locator("main")

    def row(key):
        return main.locator(".govuk-summary-list__row").filter(
            has=page.locator(".govuk-summary-list__key", has_text=re.compile(f"^{re.escape(key)}$")))

    expect(row("What worries you").locator(".govuk-summary-list__value")).to_have_text(CONCERN)
    expect(row("When")).to_contain_text(WHEN)
    expect(main).to_contain_text(f"Name, if you know it: {CHILD_NAME}")
    expect(main).to_contain_text(f"Age or rough age: {CHILD_AGE}")
    expect(main).to_contain_text(f"Nicknames or street names: {NICKNAMES}")
    expect(main).to_contain_text(f"Registration number (number plate): {REGISTRATION}")
    expect(main).to_contain_text(f"Phone number: {PHONE}")
    expect(row("Online accounts")).to_contain_text("None given")
    expect(row("Places")).to_contain_text("None given")
    expect(row("Who you are")).to_contain_text("Anonymous")


def expect_confirmation(page, check_999):
    panel = page.locator(".govuk-panel--confirmation")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("heading")).to_have_text("Report sent")
    reference = panel.locator("#reference")
    expect(reference).to_have_text(REFERENCE)
    check_999(page)
    return reference.inner_text()


def expect_stored(reference):
    """Exactly one contact, with what the user typed and nothing made up, once the worker has filed it."""
    from safehub.intake.actions import file_waiting_reports

    assert Contact.objects.count() == 1
    file_waiting_reports()
    contact = Contact.objects.get(reference=reference)
    assert contact.kind == Contact.Kind.PUBLIC
    assert contact.concern.replace("\r\n", "\n") == CONCERN  # browsers send textarea line breaks as CRLF
    assert contact.when_happened == WHEN
    assert contact.reporter_anonymous is True
    assert contact.reporter_name == ""
    assert [(c.name, c.age) for c in contact.children.all()] == [(CHILD_NAME, CHILD_AGE)]
    assert [(p.nicknames, p.description) for p in contact.people.all()] == [(NICKNAMES, PERSON_DESCRIPTION)]
    assert [(v.registration, v.registration_partial, v.make, v.colour) for v in contact.vehicles.all()] == [
        ("AB12C??", True, "Ford Focus", "Silver")
    ]
    assert [(p.number, p.whose) for p in contact.phones.all()] == [(PHONE, "The driver")]
    assert not contact.handles.exists()
    assert not contact.places.exists()
    return contact


def test_public_report_with_javascript(page, demo_users, check_999):
    answer_up_to_check(page, check_999)
    expect(page.locator("body")).to_have_class(re.compile(r"\bjs-enabled\b"))
    expect_answers_shown(page)

    page.get_by_role("button", name="Send report").click()

    reference = expect_confirmation(page, check_999)
    expect_stored(reference)


def test_public_report_without_javascript(new_context, demo_users, check_999):
    context = new_context(java_script_enabled=False)
    page = context.new_page()
    sends = []
    context.on("request", lambda r: sends.append(r) if r.method == "POST" and r.url.endswith("/report/check/") else None)

    answer_up_to_check(page, check_999, error_round_trip=True)
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))
    expect_answers_shown(page)

    # The same check page left open in a second tab: its form carries the same submission key.
    other_tab = context.new_page()
    other_tab.goto("/report/check/")
    expect(other_tab.get_by_role("heading", level=1)).to_have_text("Check your answers before sending your report")

    # An impatient double press of Send report, with no JavaScript to stop it.
    page.get_by_role("button", name="Send report").dblclick()
    reference = expect_confirmation(page, check_999)
    assert sends, "the report was not sent"

    # Send report again from the stale check page: the user is shown the same report, not a second one.
    sent_before = len(sends)
    other_tab.get_by_role("button", name="Send report").click()
    assert len(sends) == sent_before + 1
    assert expect_confirmation(other_tab, check_999) == reference

    # Going back after sending does not bring the answers back: the draft left the session with the report.
    page.go_back()
    expect(page.get_by_role("group", name="Who is your concern about?")).to_be_visible()
    expect(page.get_by_label("A child or young person")).not_to_be_checked()
    expect(page.locator("main")).not_to_contain_text(CHILD_NAME)

    expect_stored(reference)


def test_sending_from_two_tabs_at_once_stores_one_report(new_context, demo_users, check_999):
    context = new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto("/report/")
    page.get_by_label("A child or young person").check()
    continue_(page)
    page.get_by_label("What worries you?").fill(CONCERN)
    continue_(page)
    page.goto("/report/check/")
    other_tab = context.new_page()
    other_tab.goto("/report/check/")
    sends = []
    context.on("request", lambda r: sends.append(r) if r.method == "POST" and r.url.endswith("/report/check/") else None)

    # Both requests are in flight together (on PostgreSQL the server handles them concurrently).
    page.get_by_role("button", name="Send report").click(no_wait_after=True)
    other_tab.get_by_role("button", name="Send report").click(no_wait_after=True)

    reference = expect_confirmation(page, check_999)
    assert expect_confirmation(other_tab, check_999) == reference
    assert len(sends) == 2
    assert list(Contact.objects.values_list("reference", flat=True)) == [reference]
