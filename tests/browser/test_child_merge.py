"""Two records of one child in a real browser: the council's record of Kayleigh Smith and the record a school
nurse's referral made of "Kayleigh Smyth", born the same day. Linking suggests they are one child; the team
manager reviews both side by side, merges them with a reason, sees the merge on the chronology, then undoes it
and finds both records back."""

import datetime as dt
import re
import uuid

import pytest
from playwright.sync_api import expect

from safehub.cases import actions
from safehub.intake.actions import submit_contact
from safehub.screening.actions import record_decision

pytestmark = pytest.mark.browser

BORN = dt.date(2011, 3, 14)


def two_records_of_one_child(users):
    council = actions.create_child(users["worker"], first_name="Kayleigh", last_name="Smith", date_of_birth=BORN,
                                   addresses=[{"address": "12 Forge Street, Wellington", "postcode": "TF1 1AA"}])
    actions.open_case(users["worker"], council)
    draft = {"kind": "professional", "concern": "Seen at the sexual health clinic with a much older man.",
             "children": [{"name": "Kayleigh Smyth", "age": "15"}],
             "referral": {"role": "School nurse", "family_knows": "Nothing yet", "consent": "given"}}
    contact, _ = submit_contact(draft, submission_key=uuid.uuid4().hex, referrer=users["health-referrer"])
    contact = record_decision(users["screener"], contact, "open_case", "Indicators of sexual exploitation.")
    health = actions.create_child(users["screener"], first_name="Kayleigh", last_name="Smyth", date_of_birth=BORN)
    health_case = actions.open_case(users["screener"], health, contact=contact)
    return council, health, health_case, contact


def test_manager_merges_a_suggested_pair_sees_it_on_the_chronology_and_undoes_it(new_context, sign_in, demo_users):
    council, health, health_case, contact = two_records_of_one_child(demo_users)
    page = sign_in(new_context(), "manager")

    # The suggestion, from the team view.
    page.get_by_role("link", name="Team view").click()
    page.get_by_role("link", name="Children's records that may be of the same child").click()
    row = page.locator("#suggestions-table tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(council.reference)
    expect(row).to_contain_text(health.reference)
    expect(row).to_contain_text("Date of birth: the same")
    row.get_by_role("link", name=re.compile("Review a merge")).click()

    # Both records side by side, the linking evidence in words.
    expect(page.get_by_role("heading", level=1)).to_have_text("Are these records of the same child?")
    table = page.locator("#side-by-side")
    expect(table).to_contain_text("Kayleigh Smith")
    expect(table).to_contain_text("Kayleigh Smyth")
    expect(table).to_contain_text(health_case.reference)
    expect(page.locator("#linking-headline")).to_contain_text("same child with probability")
    expect(page.locator("#linking-evidence")).to_contain_text("Surname: alike")

    # A reason is required; the error is at the top and nothing is merged.
    merge_button = page.get_by_role("button", name=f"Merge {health.reference} into {council.reference}")
    merge_button.click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the reason for the merge")
    page.get_by_label("Reason for the merge").fill("Same girl: same birthday and address; the nurse spelt Smith as "
                                                   "Smyth. Checked with the school.")
    page.get_by_role("button", name=f"Merge {health.reference} into {council.reference}").click()

    # The kept record carries both histories.
    expect(page.get_by_role("heading", level=1)).to_have_text("Kayleigh Smith")
    expect(page.locator("#merged-records")).to_be_visible()
    expect(page.locator("#cases")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(health_case.reference)
    page.get_by_role("link", name="Chronology").first.click()
    chronology = page.locator("#chronology")
    expect(chronology).to_contain_text(f"Record {health.reference} (Kayleigh Smyth) merged into this one by "
                                       f"Morgan Demo-Manager: Same girl")
    expect(chronology).to_contain_text(contact.reference)  # the health referral, now on the kept record

    # The other record is a pointer.
    page.goto(f"/children/{health.reference}/")
    banner = page.locator("#merged-into")
    expect(banner).to_contain_text(f"This record was merged into {council.reference}")
    banner.get_by_role("link", name=council.reference).click()

    # Undo, with a reason.
    page.get_by_text(f"Undo this merge").click()
    page.get_by_label("Reason for undoing the merge").fill("The school has two girls of that name after all.")
    page.get_by_role("button", name="Undo the merge").click()
    expect(page.locator("#merged-records")).to_have_count(0)
    expect(page.locator("#merge-suggestions")).to_contain_text(f"may be the same child as {health.reference}")
    page.get_by_role("link", name="Chronology").first.click()
    expect(page.locator("#chronology")).to_contain_text(f"Record {health.reference} (Kayleigh Smyth) unmerged from "
                                                        f"this one by Morgan Demo-Manager")
    expect(page.locator("#chronology")).not_to_contain_text(contact.reference)

    # Both records are back as they were.
    page.goto(f"/children/{health.reference}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kayleigh Smyth")
    expect(page.locator("#merged-into")).to_have_count(0)
    expect(page.get_by_role("main")).to_contain_text(health_case.reference)
    page.get_by_role("link", name="Chronology").first.click()
    expect(page.locator("#chronology")).to_contain_text(contact.reference)
