"""The exploitation team's journey in a real browser: a case opened from a report is allocated by the
manager; the worker screens the child's risk (significant), adds a plan action and records a MACE meeting;
the chronology shows it all in order; the manager's team view shows when the risk must be reassessed."""

import datetime as dt
import re
import uuid

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from safehub import clock, risk
from safehub.intake.actions import submit_contact
from safehub.screening.actions import record_decision

pytestmark = pytest.mark.browser


def decided_report(screener):
    draft = {"kind": "public", "concern": "Girl of 14 picked up from school by different cars; new phone.",
             "children": [{"name": "Skye Hollins", "age": "14"}]}
    contact, _ = submit_contact(draft, submission_key=uuid.uuid4().hex)
    return record_decision(screener, contact, "open_case", "Indicators of sexual exploitation.")


def screener_opens_the_case(page, contact):
    page.goto(f"/screening/{contact.reference}/")
    page.get_by_role("link", name="Open a case").click()
    expect(page.get_by_role("main")).to_contain_text("Skye Hollins")
    page.get_by_label("A child not yet known to Safehub").check()
    page.get_by_role("button", name="Open the case").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^EX-\d{4}-\d{6}$"))
    return heading.inner_text()


def manager_allocates(page, reference):
    page.goto("/cases/team/")
    page.locator("#unallocated").locator("xpath=following-sibling::table[1]").get_by_role("link", name=reference).click()
    page.get_by_text("Allocate the case").click()
    page.get_by_label("Allocate to").select_option(label="Wen Demo-Worker")
    page.get_by_role("button", name="Allocate").click()
    expect(page.locator("#allocated-to")).to_contain_text("Wen Demo-Worker")


def worker_screens_risk(page, reference):
    page.goto("/cases/")
    expect(page.get_by_role("main")).to_contain_text(f"{reference} has been allocated to you.")
    page.locator("#my-cases").get_by_role("link", name=reference, exact=True).click()
    page.get_by_role("link", name="Start the risk screening").click()
    page.get_by_label("Child sexual exploitation").check()
    page.get_by_label("Hotel or short-let").check()
    page.get_by_label("Family breakdown").check()
    page.get_by_label("Staying out late").check()
    page.get_by_label("Going missing overnight or longer").select_option("recent")
    page.get_by_label('Older "boyfriend" or a controlling adult').select_option("recent")
    page.get_by_label("Getting into cars with unknown adults").select_option("recent")
    page.get_by_label("Unexplained money, phones, clothes or gifts").select_option("both")
    page.get_by_role("button", name="Save the screening").click()
    result = page.locator(".safehub-screening")
    expect(result.locator("[data-result]")).to_contain_text("Significant risk")
    expect(result).to_contain_text("Getting into cars with unknown adults")
    expect(result.locator("[data-harms]")).to_have_text("Child sexual exploitation")
    expect(result.locator("[data-settings]")).to_have_text("Hotel or short-let")


def worker_adds_action(page, due):
    page.get_by_text("Add an action").click()
    form = page.locator("#action-form")
    form.get_by_label("What must be done").fill("Safety planning session with Skye")
    form.get_by_label("Who will do it").fill("Wen Demo-Worker")
    form.get_by_label("Due date").fill(due.strftime("%d/%m/%Y"))
    form.get_by_role("button", name="Add the action").click()
    expect(page.locator("#plan-actions")).to_contain_text("Safety planning session with Skye")


def worker_records_mace(page, held, due):
    page.get_by_role("link", name="Record a meeting").click()
    page.get_by_label("MACE (multi-agency child exploitation) meeting").check()
    page.get_by_label("Date held").fill(held.strftime("%d/%m/%Y"))
    page.get_by_label("Time it started").fill(held.strftime("%H:%M"))
    page.get_by_label("Chair", exact=True).fill("DI Jo Rowe")
    first = page.locator("fieldset", has_text="Attendee 1")
    first.get_by_label("Name").fill("DI Jo Rowe")
    first.get_by_label("Agency").select_option(label="Wrekinshire Police")
    second = page.locator("fieldset", has_text="Attendee 2")
    second.get_by_label("Name").fill("Wen Demo-Worker")
    second.get_by_label("Agency").select_option(label="Wrekinshire Council Children's Services")
    page.get_by_label("Locations").fill("Car park behind the takeaway on Forge Street")
    action = page.locator("fieldset", has_text="Action 1")
    action.get_by_label("What must be done").fill("Disruption visit to the takeaway")
    action.get_by_label("Who will do it").fill("DI Jo Rowe")
    action.get_by_label("Their agency").select_option(label="Wrekinshire Police")
    action.get_by_label("Due date").fill(due.strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Save the meeting").click()
    expect(page.locator("#meetings + .govuk-summary-card, #meetings ~ .govuk-summary-card").first).to_contain_text(
        "Car park behind the takeaway")
    expect(page.locator("#plan-actions")).to_contain_text("Disruption visit to the takeaway")


def chronology_in_order(page, contact):
    page.get_by_role("link", name="Chronology").first.click()
    rows = page.locator("#chronology tbody tr")
    expect(rows.first).to_be_visible()
    text = page.locator("#chronology").inner_text()
    for expected in ("Risk screening: Significant risk", "Harm: child sexual exploitation. Settings: hotel or short-let",
                     "Safety planning session with Skye",
                     "MACE (multi-agency child exploitation) meeting held", "Disruption visit to the takeaway",
                     "Allocated to Wen Demo-Worker", "opened", contact.reference):
        assert expected in text, expected
    moments = [int(value) for value in rows.evaluate_all("rows => rows.map(r => r.dataset.at)")]
    assert moments == sorted(moments, reverse=True), "the chronology is newest first"


def test_case_allocated_screened_planned_met_and_seen_in_order(new_context, sign_in, demo_users):
    contact = decided_report(demo_users["screener"])
    reference = screener_opens_the_case(sign_in(new_context(), "screener"), contact)

    manager = sign_in(new_context(), "manager")
    manager_allocates(manager, reference)

    worker = sign_in(new_context(), "worker")
    worker_screens_risk(worker, reference)
    due = clock.today() + dt.timedelta(days=10)
    worker_adds_action(worker, due)
    held = clock.local(timezone.now() - dt.timedelta(minutes=5))
    worker_records_mace(worker, held, due)
    chronology_in_order(worker, contact)

    manager.goto("/cases/team/")
    row = manager.locator("#caseload-table tr", has_text=reference)
    expected_due = risk.reassessment_due(clock.today())
    expect(row.locator("[data-reassessment]")).to_have_text(f"{expected_due.day} {expected_due:%b %Y}")
    manager.goto("/cases/mace/")
    expect(manager.locator("#mace-list")).to_contain_text(reference)
