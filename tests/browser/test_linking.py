"""Linking in a real browser: a screener sees that a new report's nickname and phone recur in two earlier
reports about other children; an analyst opens the network, reads a person link's evidence and rejects it."""

import uuid

import pytest
from playwright.sync_api import expect

from safehub.access.actions import share_record
from safehub.intake.actions import submit_contact

pytestmark = pytest.mark.browser


def report(child, phone, person="Dean Marsh", nickname="Smiler"):
    draft = {"kind": "public", "concern": f"{child} is picked up by a man they call {nickname}.",
             "children": [{"name": child, "age": "14"}], "people": [{"name": person, "nicknames": nickname}],
             "phones": [{"number": phone}]}
    contact, _ = submit_contact(draft, submission_key=uuid.uuid4().hex)
    return contact


def test_screener_sees_links_and_analyst_rejects_a_link(new_context, sign_in, demo_users, agencies):
    earlier = [report("Ava Pike", "07700 900432"), report("Ben Orr", "07700900432", nickname="smiler")]
    new = report("Cal Eno", "+44 7700 900432", person="", nickname="SMILER")
    for contact in (*earlier, new):
        share_record(demo_users["manager"], contact, agency=agencies["POLICE"], purpose="MASH",
                     lawful_basis="dpa_s1_p18")

    screener = sign_in(new_context(), "screener")
    screener.goto(f"/screening/{new.reference}/")
    links = screener.locator("#link-list")
    expect(links).to_contain_text("This phone number (+447700900432) appears in 2 other reports about 2 other children")
    expect(links).to_contain_text("This nickname (Smiler) appears in 2 other reports about 2 other children")
    for contact in earlier:
        expect(links.get_by_role("link", name=contact.reference).first).to_be_visible()

    analyst = sign_in(new_context(), "analyst")
    analyst.get_by_role("link", name="Networks").click()
    row = analyst.locator("#networks tbody tr").first
    expect(row).to_contain_text("Flagged for review")
    row.get_by_role("link", name="Network N-").first.click()
    expect(analyst.locator("#network-graph canvas").first).to_be_attached()
    expect(analyst.locator("#network-table")).to_contain_text("+447700900432")
    analyst.locator("#links-table").get_by_role("link", name="Dean Marsh and Dean Marsh").click()
    evidence = analyst.locator("#evidence")
    expect(evidence).to_contain_text("Surname")
    expect(evidence).to_contain_text("Total")
    analyst.get_by_label("No: reject the link (they will be kept apart)").check()
    analyst.get_by_label("Why").fill("Two different men: one is 50, the other 19 (intelligence log 4411)")
    analyst.get_by_role("button", name="Save the judgement").click()
    expect(analyst.locator("#judgement")).to_contain_text("Rejected by an analyst by Ade Demo-Analyst")
