"""The support side in real Chromium: an adult survivor's non-recent report through to support; a member of
the public coming back to add a number plate; and five wrong passphrases locking that reference."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from safehub.intake.actions import set_reporter_passphrase, submit_contact

pytestmark = pytest.mark.browser

REFERENCE = re.compile(r"SH-\d{4}-\d{6}")
WORDS = "I was a child. I want them to know it was not my fault."


def continue_(page):
    page.get_by_role("button", name="Continue", exact=True).click()


def heading(page, text):
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def planted_network(manager, police):
    """Two of today's reports naming 'Smiler' and sharing his phone (a network of two), shared with the police
    for joint work as the demo's network reports are."""
    from safehub.access.actions import share_record

    for child in ("Ava Example", "Bea Example"):
        contact, _ = submit_contact({"kind": "public", "concern": "Girls are picked up by a man called Smiler.",
                        "children": [{"name": child, "age": "14"}], "people": [{"nicknames": "Smiler"}],
                        "phones": [{"number": "07700 900777"}]}, submission_key=uuid.uuid4().hex)
        share_record(manager, contact, agency=police, purpose="Joint section 47 work", lawful_basis="dpa_s1_p18")


def file_non_recent_report(page):
    page.goto("/report/")
    page.get_by_label("Myself, about abuse that happened to me when I was a child").check()
    continue_(page)
    page.get_by_label("What happened to you?").fill("In 2005, when I was 13, a man called Smiler took me to "
                                                     "parties in a flat. There were other girls.")
    page.get_by_label("Roughly when did it happen?").fill("2005")
    continue_(page)
    heading(page, "What you would like to happen")
    page.get_by_label("I want to report it to the police").check()
    continue_(page)
    heading(page, "People you remember")
    page.get_by_label("Nicknames or street names").fill("Smiler")
    continue_(page)
    heading(page, "Places you remember")
    page.get_by_label("Address or name of the place").fill("A flat above the chip shop")
    continue_(page)
    heading(page, "Other people it happened to")
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("Tell us about them, if you want to").fill("Two girls from my school")
    continue_(page)
    page.get_by_label("Yes, I will give my name and contact details").check()
    page.get_by_label("Your name").fill("Robin Example")
    page.get_by_label("Email address").fill("robin@example.org")
    continue_(page)
    heading(page, "Contacting you safely")
    page.get_by_label("Do not phone me").check()
    page.get_by_label("An email address that is safe to use").fill("robin.safe@example.org")
    page.get_by_label("What name should we use for you?").fill("Rob")
    continue_(page)
    heading(page, "Check your answers before sending your report")
    expect(page.get_by_role("main")).to_contain_text("Do not phone.")
    page.get_by_role("button", name="Send report").click()
    expect(page.locator(".govuk-panel--confirmation")).to_be_visible()
    return page.locator("#reference").inner_text()


def test_an_adult_survivor_is_heard_routed_linked_and_supported(new_context, sign_in, demo_users, agencies):
    planted_network(demo_users["manager"], agencies["POLICE"])
    reference = file_non_recent_report(new_context().new_page())

    screener = sign_in(new_context(), "screener")
    screener.goto(f"/screening/{reference}/")
    safe = screener.locator("#safe-contact")
    expect(safe).to_contain_text("Do not phone.")
    expect(screener.locator("#survivor-answers")).to_contain_text("To report it to the police")
    screener.get_by_role("link", name="Open an adult survivor record").click()
    heading(screener, "Open an adult survivor record")
    screener.get_by_role("button", name="Open the record").click()
    expect(screener.locator("#safe-contact")).to_contain_text("Call them Rob.")
    survivor_url = screener.url
    screener.get_by_role("link", name="Route to the police or support").click()
    screener.get_by_label("Share their record with the police").select_option(label="Wrekinshire Police")
    screener.get_by_role("button", name="Route the survivor").click()
    expect(screener.locator(".govuk-error-summary")).to_contain_text("choose the lawful basis")
    screener.get_by_label("The survivor agreed to these routes").check()
    screener.get_by_role("button", name="Route the survivor").click()
    expect(screener.locator("#route-list")).to_contain_text("Wrekinshire Police")

    analyst = sign_in(new_context(), "analyst")
    analyst.goto(survivor_url)
    expect(analyst.locator("#link-list")).to_contain_text("Smiler")
    expect(analyst.locator("#link-list")).to_contain_text("2 other reports")
    analyst.locator("#survivor-networks").get_by_role("link").first.click()
    expect(analyst.get_by_role("heading", level=1)).to_contain_text("Network")

    worker = sign_in(new_context(), "worker")
    worker.goto(survivor_url)
    worker.get_by_role("link", name="Support plan").click()
    heading(worker, "Support plan")
    expect(worker.locator("#safe-contact")).to_contain_text("Do not phone.")
    worker.get_by_text("Add a service").click()
    worker.locator("#id_service").select_option(label="Independent sexual violence adviser (ISVA)")
    worker.locator("#id_provider").fill("Wrekin Survivors' ISVA service")
    worker.locator("#id_status").select_option("accepted")
    worker.get_by_role("button", name="Add the service").click()
    expect(worker.locator("#service-list")).to_contain_text("Wrekin Survivors' ISVA service")
    expect(worker.locator("#service-list")).to_contain_text("Accepted")
    worker.get_by_text("Record their words or a wish").click()
    worker.get_by_role("radio", name="In their own words").check()
    worker.get_by_label("What they said, in their own words").fill(WORDS)
    worker.get_by_role("button", name="Record it").click()
    expect(worker.locator(".safehub-voice")).to_have_text(WORDS)


def test_a_reporter_comes_back_with_a_number_plate_and_the_screener_sees_it_and_its_link(new_context, sign_in,
                                                                                         demo_users, agencies):
    earlier, _ = submit_contact({"kind": "public", "concern": "A car outside the school.",
                                 "vehicles": [{"registration": "AB12 CDE"}]}, submission_key=uuid.uuid4().hex)
    page = new_context().new_page()
    page.goto("/report/")
    page.get_by_label("A child or young person").check()
    continue_(page)
    page.get_by_label("What worries you?").fill("A girl gets into a grey car after school.")
    continue_(page)
    for _ in range(6):
        continue_(page)
    page.get_by_label("No, I want to stay anonymous").check()
    continue_(page)
    page.get_by_role("button", name="Send report").click()
    reference = page.locator("#reference").inner_text()
    page.get_by_label("Choose a passphrase").fill("kettle orange bicycle")
    page.get_by_label("Enter the passphrase again").fill("kettle orange bicycles")
    page.get_by_role("button", name="Set the passphrase").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The passphrases do not match")
    page.get_by_label("Choose a passphrase").fill("kettle orange bicycle")
    page.get_by_label("Enter the passphrase again").fill("kettle orange bicycle")
    page.get_by_role("button", name="Set the passphrase").click()
    expect(page.locator("#passphrase-set")).to_contain_text("A passphrase is set for this report")

    later = new_context().new_page()  # the next day, another browser session
    later.goto("/")
    later.get_by_role("link", name="add information to it").click()
    heading(later, "Add to a report you made")
    later.get_by_label("Reference number").fill(reference)
    later.get_by_label("Passphrase").fill("kettle orange bicycle")
    continue_(later)
    heading(later, "What do you want to add?")
    later.get_by_label("Registration number (number plate)").fill("ab12 cde")
    later.get_by_label("What do you want to add or correct?").fill("I saw the number plate this morning.")
    later.get_by_role("button", name="Send what I have added").click()
    expect(later.get_by_role("heading", level=1)).to_have_text("Information received")
    expect(later.get_by_role("main")).not_to_contain_text("grey car")

    screener = sign_in(new_context(), "screener")
    screener.goto("/screening/")
    additions = screener.locator("#additions")
    expect(additions).to_contain_text(reference)
    additions.get_by_role("link", name=reference).click()
    expect(screener.locator("#new-information")).to_be_visible()
    expect(screener.get_by_role("main")).to_contain_text("Vehicle: AB12CDE")
    expect(screener.locator("#link-list")).to_contain_text(earlier.reference)
    screener.get_by_role("button", name=re.compile("Mark as read")).click()
    expect(screener.get_by_role("main")).to_contain_text("Read by")


def test_five_wrong_passphrases_lock_that_reference_for_this_client(new_context, demo_users, agencies):
    contact, _ = submit_contact({"kind": "public", "concern": "Something I saw."}, submission_key=uuid.uuid4().hex)
    set_reporter_passphrase(contact, "kettle orange bicycle")
    page = new_context().new_page()
    page.goto("/report/add/")
    for attempt in range(1, 5):
        page.get_by_label("Reference number").fill(contact.reference)
        page.get_by_label("Passphrase").fill(f"wrong guess number {attempt}")
        continue_(page)
        expect(page.locator(".govuk-error-summary")).to_contain_text(f"you have {5 - attempt} more")
        expect(page.get_by_label("Reference number")).to_have_value(contact.reference)
    page.get_by_label("Passphrase").fill("wrong guess number 5")
    continue_(page)
    heading(page, "Sorry, there have been too many tries")
    # The right passphrase no longer opens that reference from this client, in any session.
    again = new_context().new_page()
    again.goto("/report/add/")
    again.get_by_label("Reference number").fill(contact.reference)
    again.get_by_label("Passphrase").fill("kettle orange bicycle")
    continue_(again)
    heading(again, "Sorry, there have been too many tries")
