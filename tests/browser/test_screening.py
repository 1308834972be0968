"""A professional referral goes through the front door: referrer, screener and back to the referrer."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from safehub import clock
from safehub.intake.actions import submit_contact
from safehub.intake.models import Contact

pytestmark = pytest.mark.browser

REFERENCE = re.compile(r"^SH-\d{4}-\d{6}$")
CONCERN = "Year 9 pupil seen getting into cars outside school with older men; new phone and cash."
REASON = "Strong indicators of sexual exploitation; the child is known to children's services."


def seed_other_contacts():
    """One report already overdue and, unless it is about to be midnight, one due later today."""
    now = timezone.now()
    overdue, _ = submit_contact({"kind": "public", "concern": "An older report"}, submission_key="seed-overdue")
    Contact.objects.filter(pk=overdue.pk).update(decision_due_at=now - dt.timedelta(hours=2))
    end_of_today = clock.end_of_today(now)
    if end_of_today - now < dt.timedelta(minutes=5):
        return overdue.reference, 0
    due_today, _ = submit_contact({"kind": "public", "concern": "A report due today"}, submission_key="seed-today")
    Contact.objects.filter(pk=due_today.pk).update(decision_due_at=end_of_today - dt.timedelta(seconds=1))
    return overdue.reference, 1


def continue_(page):
    page.get_by_role("button", name="Continue", exact=True).click()


def make_referral(page):
    """The referrer's journey from My referrals to the confirmation; returns the reference shown."""
    main = page.get_by_role("main")
    expect(page.get_by_role("heading", level=1)).to_have_text("My referrals")
    expect(main).to_contain_text("You have not made any referrals yet.")
    main.get_by_role("link", name="Make a referral").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your concern")
    expect(page.locator(".govuk-caption-l")).to_have_text("Professional referral")
    page.get_by_label("What worries you?").fill(CONCERN)
    continue_(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("The child or children")
    page.get_by_label("Name, if you know it").fill("Casey Example")
    page.get_by_label("Age or rough age").fill("14")
    page.get_by_label("School, if you know it").fill("Wrekinshire Academy")
    continue_(page)
    for heading in ["People involved", "Vehicles", "Phone numbers", "Online accounts", "Places"]:
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        continue_(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("About this referral")
    expect(page.get_by_role("main")).to_contain_text("You are referring as Priya Demo-Referrer of Wrekinshire Schools Partnership.")
    page.get_by_label("Your role").fill("Designated safeguarding lead")
    page.get_by_label("What do the child and family know about this referral?").fill("Mother knows and agrees.")
    page.get_by_label("Consent given by the child or family").check()
    continue_(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before sending your referral")
    expect(page.get_by_role("main")).to_contain_text(CONCERN)
    page.get_by_role("button", name="Send referral").click()

    panel = page.locator(".govuk-panel--confirmation")
    expect(panel.get_by_role("heading")).to_have_text("Referral sent")
    expect(panel.locator("#reference")).to_have_text(REFERENCE)
    return panel.locator("#reference").inner_text()


def expect_counts(page, due_today, overdue, awaiting):
    expect(page.locator("#queue-counts")).to_have_text(
        re.compile(rf"^\s*Screening:\s+{due_today} due today,\s+{overdue} overdue,\s+{awaiting} awaiting a decision\s*$")
    )


def test_referral_screened_and_outcome_shown_to_referrer(new_context, sign_in, demo_users):
    referrer_page = sign_in(new_context(), "referrer")
    reference = make_referral(referrer_page)
    referral = Contact.objects.get(reference=reference)
    assert referral.kind == Contact.Kind.PROFESSIONAL
    assert referral.referrer == demo_users["referrer"]
    assert list(referral.children.values_list("name", "age", "school")) == [("Casey Example", "14", "Wrekinshire Academy")]

    overdue_reference, due_today = seed_other_contacts()

    screener_page = sign_in(new_context(), "screener")
    expect(screener_page.get_by_role("heading", level=1)).to_have_text("Screening queue")
    expect_counts(screener_page, due_today, 1, 2 + due_today)

    queue = screener_page.locator("#queue")
    expect(queue.get_by_role("columnheader")).to_have_text(["Reference", "Received", "From", "Priority", "Decision due"])
    row = queue.get_by_role("row").filter(has=screener_page.get_by_role("link", name=reference))
    due = clock.local(referral.decision_due_at)
    expect(row.get_by_role("cell").nth(2)).to_contain_text("Professional referral")
    expect(row.get_by_role("cell").nth(2)).to_contain_text("Wrekinshire Schools Partnership")
    expect(row.get_by_role("cell").nth(3)).to_have_text("Not set")
    expect(row.get_by_role("cell").nth(4)).to_have_text(f"{due:%a} {due.day} {due:%b %H:%M}")
    expect(row).not_to_contain_text("Overdue")
    overdue_row = queue.get_by_role("row").filter(has=screener_page.get_by_role("link", name=overdue_reference))
    expect(overdue_row).to_contain_text("Overdue")
    # Soonest deadline first: the overdue report heads the queue.
    expect(queue.locator("tbody tr").first).to_contain_text(overdue_reference)

    row.get_by_role("link", name=reference).click()
    expect(screener_page.get_by_role("heading", level=1)).to_have_text(reference)
    expect(screener_page.locator("#decision-due")).to_have_text(f"{due:%A} {due.day} {due:%B %Y %H:%M}")
    expect(screener_page.locator("#status")).to_have_text("Awaiting decision")
    expect(screener_page.get_by_role("main")).to_contain_text(CONCERN)
    expect(screener_page.get_by_role("main")).to_contain_text("Casey Example, age 14, Wrekinshire Academy")

    screener_page.get_by_label("Amber: partner checks within 6 hours").check()
    screener_page.get_by_role("button", name="Set priority").click()
    priority = screener_page.locator("#deadlines .govuk-summary-list__row").filter(has_text="Priority")
    expect(priority.locator(".govuk-tag")).to_have_text("Amber")
    expect(priority).to_contain_text("partner checks due")

    screener_page.get_by_label("Open an exploitation case").check()
    screener_page.get_by_label("Reason for the decision").fill(REASON)
    screener_page.get_by_role("button", name="Record decision").click()
    expect(screener_page.locator("#status")).to_have_text("Decided")
    expect(screener_page.locator("dd#decision")).to_contain_text("Open an exploitation case")
    expect(screener_page.locator("dd#decision")).to_contain_text(REASON)
    expect(screener_page.get_by_role("button", name="Record decision")).to_have_count(0)
    expect_counts(screener_page, due_today, 1, 1 + due_today)

    referrer_page.get_by_role("navigation", name="Menu").get_by_role("link", name="My referrals").click()
    referrals = referrer_page.get_by_role("table")
    mine = referrals.get_by_role("row").filter(has=referrer_page.get_by_role("link", name=reference))
    expect(mine.get_by_role("cell").nth(2)).to_have_text("Decided")
    expect(mine.get_by_role("cell").nth(3)).to_have_text("Open an exploitation case")
    mine.get_by_role("link", name=reference).click()
    expect(referrer_page.locator("#outcome")).to_have_text("Open an exploitation case")
    expect(referrer_page.get_by_role("main")).to_contain_text(REASON)

    referral.refresh_from_db()
    assert (referral.priority, referral.outcome, referral.decided_by) == ("amber", "open_case", demo_users["screener"])
