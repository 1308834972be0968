"""axe-core on every public page, in their real states (JavaScript on, GOV.UK Frontend initialised).

The site's Content Security Policy allows no inline or injected scripts, so this test's context bypasses
CSP to load axe-core. Only the 'serious' and 'critical' violations fail the test.
"""

from pathlib import Path

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

AXE_SOURCE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = {"serious", "critical"}
RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html, summary: n.failureSummary})),
  }));
}"""


@pytest.fixture(scope="module")
def axe_source():
    assert AXE_SOURCE.exists(), f"axe-core is missing: {AXE_SOURCE} (run npm ci)"
    return AXE_SOURCE.read_text()


class Audit:
    def __init__(self, page, axe_source):
        self.page = page
        self.axe_source = axe_source
        self.checked = []
        self.failures = []

    def check(self, name):
        """Run axe on the page as it is now, under this name."""
        self.page.wait_for_load_state("load")
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.evaluate(self.axe_source)
        violations = self.page.evaluate(RUN_AXE)
        self.checked.append(name)
        for violation in violations:
            if violation["impact"] in FAILING_IMPACTS:
                self.failures.append((name, self.page.url, violation))

    def report(self):
        lines = []
        for name, url, v in self.failures:
            lines.append(f"{name} {url}: [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
            lines.extend(f"    {n['target']}: {n['html'][:200]}\n      {n['summary']}" for n in v["nodes"][:5])
        return "\n".join(lines)


def continue_(page):
    page.get_by_role("button", name="Continue", exact=True).click()


def expect_heading(page, text):
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def test_public_pages_have_no_serious_accessibility_problems(new_context, demo_users, axe_source):
    page = new_context(bypass_csp=True).new_page()
    audit = Audit(page, axe_source)

    page.goto("/")
    expect_heading(page, "Report a concern about a child")
    audit.check("home")

    page.get_by_role("button", name="Start now").click()
    expect(page.get_by_role("group", name="Who is your concern about?")).to_be_visible()
    audit.check("start")
    continue_(page)  # nothing chosen
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select who your concern is about")
    audit.check("start with an error")
    page.get_by_label("A child or young person").check()
    continue_(page)

    expect_heading(page, "Your concern")
    audit.check("concern")
    continue_(page)  # left empty
    expect(page.locator(".govuk-error-summary")).to_contain_text("Tell us what worries you")
    audit.check("concern with an error")
    page.get_by_label("What worries you?").fill("Older men pick up a boy from the park at night.")
    continue_(page)

    expect_heading(page, "The child or children")
    audit.check("children")
    page.get_by_label("Age or rough age").fill("40")
    page.get_by_role("button", name="Add another child").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter an age of 25 or under")
    audit.check("children with an error")
    page.get_by_label("Age or rough age").fill("13")
    page.get_by_role("button", name="Add another child").click()
    expect(page.get_by_role("group", name="Child 2")).to_be_visible()
    audit.check("children with two items")
    continue_(page)

    for heading, name in [("People involved", "people"), ("Vehicles", "vehicles"), ("Phone numbers", "phones"),
                          ("Online accounts", "handles"), ("Places", "places")]:
        expect_heading(page, heading)
        audit.check(name)
        continue_(page)

    expect_heading(page, "About you")
    audit.check("you")
    page.get_by_label("Yes, I will give my name and contact details").check()
    continue_(page)  # no name, no way to contact
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your name")
    audit.check("you with errors")
    page.get_by_label("No, I want to stay anonymous").check()
    continue_(page)

    expect_heading(page, "Check your answers before sending your report")
    audit.check("check answers")
    page.get_by_role("button", name="Send report").click()

    expect(page.locator(".govuk-panel--confirmation")).to_be_visible()
    audit.check("confirmation")

    page.goto("/contact-us/")
    expect_heading(page, "Who else you can contact")
    audit.check("contact us")

    # The route for adults reporting abuse from their own childhood.
    page.goto("/report/")
    page.get_by_label("Myself, about abuse that happened to me when I was a child").check()
    continue_(page)
    expect(page.get_by_label("What happened to you?")).to_be_visible()
    audit.check("non-recent concern")

    for path, heading, name in [("/accessibility/", None, "accessibility statement"), ("/privacy/", None, "privacy"),
                                ("/accounts/login/", "Sign in to Safehub", "staff sign in"),
                                ("/no-such-page/", None, "page not found")]:
        page.goto(path)
        if heading:
            expect_heading(page, heading)
        audit.check(name)

    page.get_by_role("link", name="Staff sign in").click()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#id_username-error")).to_contain_text("Enter your username")
    audit.check("staff sign in with errors")

    required = {"home", "start", "concern", "children", "people", "vehicles", "phones", "handles", "places", "you",
                "concern with an error", "check answers", "confirmation", "contact us", "non-recent concern",
                "staff sign in"}
    assert required <= set(audit.checked), required - set(audit.checked)
    assert not audit.failures, "axe found serious or critical problems:\n" + audit.report()


def test_case_work_and_network_pages_have_no_serious_accessibility_problems(new_context, sign_in, demo_users,
                                                                           agencies, axe_source):
    import datetime as dt
    import uuid

    from django.utils import timezone

    from safehub import clock
    from safehub.access.actions import share_record
    from safehub.cases import actions
    from safehub.intake.actions import submit_contact
    from safehub.linking.models import Mention, PersonLink

    worker, manager = demo_users["worker"], demo_users["manager"]
    contacts = []
    for child_name in ("Ava Pike", "Ben Orr"):
        draft = {"kind": "public", "concern": "Picked up by Smiler.", "children": [{"name": child_name, "age": "14"}],
                 "people": [{"name": "Dean Marsh", "nicknames": "Smiler"}], "phones": [{"number": "07700 900432"}]}
        contacts.append(submit_contact(draft, submission_key=uuid.uuid4().hex)[0])
        share_record(manager, contacts[-1], agency=agencies["POLICE"], purpose="MASH", lawful_basis="dpa_s1_p18")
    from safehub.intelligence.models import IntelligenceItem, IntelligenceMention, PersonDetail, PersonOfConcern
    from safehub.linking.resolve import link_intelligence_item, link_person_of_concern

    analyst = demo_users["analyst"]
    person = PersonOfConcern.objects.create(reference="POC-0001", owning_agency=agencies["POLICE"], created_by=analyst,
                                            first_name="Dean", last_name="Marsh", nicknames="Smiler")
    PersonDetail.objects.create(person=person, kind="phone", value="07700 900432")
    link_person_of_concern(person)
    item = IntelligenceItem.objects.create(reference="INT-0001", owning_agency=agencies["POLICE"], submitted_by=analyst,
                                           source_grade="2", intelligence_grade="C", handling_code="P",
                                           text="Synthetic: a grey car collects children near the station.")
    IntelligenceMention.objects.create(item=item, kind="phone", value="07700 900432")
    link_intelligence_item(item)
    child = actions.create_child(worker, first_name="Ava", last_name="Pike", date_of_birth=dt.date(2012, 2, 2))
    case = actions.open_case(worker, child)
    actions.allocate_case(manager, case, worker)
    actions.record_risk_screening(worker, case, harms=["cse"], assessed_on=clock.today(), moderate=["staying_out_late"],
                                  significant={"missing_overnight_or_longer": "recent"})
    actions.add_plan_action(worker, case, description="Visit", owner_name="Wen", owner_agency=agencies["COUNCIL"],
                            due_on=clock.today() - dt.timedelta(days=1))
    actions.record_meeting(worker, case, kind="mace", held_at=timezone.now() - dt.timedelta(hours=1),
                           chair="DI Rowe", attendees=[{"name": "DI Rowe", "agency": agencies["POLICE"], "role": ""}])

    worker_page = sign_in(new_context(bypass_csp=True), "worker")
    audit = Audit(worker_page, axe_source)
    for name, url in [("my cases", "/cases/"), ("case", f"/cases/{case.reference}/"),
                      ("child", f"/children/{child.reference}/"), ("chronology", f"/children/{child.reference}/chronology/"),
                      ("risk screening", f"/cases/{case.reference}/risk/"),
                      ("meeting", f"/cases/{case.reference}/meetings/new/"), ("new child", "/children/new/"),
                      ("MACE list", "/cases/mace/")]:
        worker_page.goto(url)
        audit.check(name)
    worker_page.goto(f"/cases/{case.reference}/risk/")
    worker_page.get_by_label("Date of the screening").fill("31/02/2026")
    worker_page.get_by_role("button", name="Save the screening").click()
    expect(worker_page.locator(".govuk-error-summary")).to_be_visible()
    # The kinds of harm: GOV.UK checkboxes in a fieldset with a legend; the summary links to the first box.
    harms = worker_page.get_by_role("group", name="What harm is the child experiencing or at risk of?")
    expect(harms).to_contain_text("Select at least one kind of harm")
    worker_page.locator(".govuk-error-summary").get_by_role("link", name="Select at least one kind of harm").click()
    expect(worker_page.get_by_label("Child sexual exploitation")).to_be_focused()
    audit.check("risk screening with an error")

    manager_page = sign_in(new_context(bypass_csp=True), "manager")
    audit.page = manager_page
    manager_page.goto("/cases/team/")
    audit.check("team view")
    manager_page.goto("/cases/team/caseload/")
    audit.check("a whole team list")

    analyst_page = sign_in(new_context(bypass_csp=True), "analyst")
    audit.page = analyst_page
    analyst_page.goto("/networks/")
    audit.check("networks")
    analyst_page.get_by_role("link", name="Network N-").first.click()
    expect(analyst_page.locator("#people-of-concern-list")).to_contain_text("Dean Marsh (POC-0001)")
    expect(analyst_page.locator("#network-table")).to_contain_text("INT-0001 (intelligence)")
    audit.check("network")
    link = PersonLink.objects.order_by("pk").first()
    analyst_page.goto(f"/networks/links/{link.pk}/")
    audit.check("person link")
    analyst_page.goto("/networks/hubs/")
    audit.check("hubs")
    phone = Mention.objects.filter(kind="phone").first().entity_id
    analyst_page.goto(f"/networks/selectors/{phone}/")
    audit.check("selector")
    analyst_page.get_by_role("button", name="Mark as not linking").click()
    expect(analyst_page.locator(".govuk-error-summary")).to_be_visible()
    audit.check("selector with an error")
    _check_networks_that_changed(analyst_page, audit, manager, analyst, agencies)
    assert len(audit.checked) == 20
    assert not audit.failures, audit.report()


def _check_networks_that_changed(page, audit, manager, analyst, agencies):
    """The list while the worker has changes to make, a network merged into another (its address leads there)
    and one whose records no longer make a network."""
    import uuid

    from safehub.access.actions import share_record
    from safehub.intake.actions import submit_contact
    from safehub.linking import actions as link_actions
    from safehub.linking import networks
    from safehub.linking.models import Mention
    from safehub.linking.tasks import update_networks

    def filed(child, *phones):
        draft = {"kind": "public", "concern": "Collected from school by a car.",
                 "children": [{"name": child, "age": "13"}], "phones": [{"number": phone} for phone in phones]}
        contact = submit_contact(draft, submission_key=uuid.uuid4().hex)[0]
        share_record(manager, contact, agency=agencies["POLICE"], purpose="MASH", lawful_basis="dpa_s1_p18")
        return contact

    def network_of(contact):
        return next(n for n in networks.current_networks(analyst) if contact.pk in n.contact_ids)

    kept, merged, ending = (filed("Cal Eno", "07700 900501"), filed("Dee Ray", "07700 900502"),
                            filed("Eve Lam", "07700 900503"))
    for child, phone in [("Fay Uba", "07700 900501"), ("Gus Hale", "07700 900501"), ("Hal Ives", "07700 900502"),
                         ("Ivy Moon", "07700 900503")]:
        filed(child, phone)
    update_networks.call()
    kept, merged, ending = network_of(kept), network_of(merged), network_of(ending)
    filed("Jo Kerr", "07700 900501", "07700 900502")
    link_actions.mark_not_linking(analyst, Mention.objects.filter(raw="07700 900503").first().entity, reason="A school")
    page.goto("/networks/")
    expect(page.locator("#being-updated")).to_be_visible()
    audit.check("networks being updated")
    update_networks.call()
    page.goto(f"/networks/{merged.reference}/")
    expect(page.locator("#merged-notice")).to_contain_text(f"Network {merged.reference} was merged into this network")
    expect(page.locator("h1")).to_have_text(f"Network {kept.reference}")
    audit.check("a merged network's address")
    page.goto(f"/networks/{ending.reference}/")
    expect(page.locator("#main-content")).to_contain_text("its records no longer share enough to make a network")
    audit.check("network ended")


def test_merge_pages_have_no_serious_accessibility_problems(new_context, sign_in, demo_users, axe_source):
    """A suggestion, the review (and its errors), the kept record with its undo, the pointer and its chronology."""
    import datetime as dt

    from safehub.cases import actions

    worker, screener = demo_users["worker"], demo_users["screener"]
    born = dt.date(2011, 3, 14)
    council = actions.create_child(worker, first_name="Kayleigh", last_name="Smith", date_of_birth=born,
                                   addresses=[{"address": "12 Forge Street, Wellington", "postcode": "TF1 1AA"}])
    actions.open_case(worker, council)
    health = actions.create_child(screener, first_name="Kayleigh", last_name="Smyth", date_of_birth=born)
    actions.open_case(worker, health)

    page = sign_in(new_context(bypass_csp=True), "manager")
    audit = Audit(page, axe_source)
    page.goto("/children/merges/")
    audit.check("merge suggestions")
    page.goto(f"/children/{council.reference}/")
    expect(page.locator("#merge-suggestions")).to_be_visible()
    audit.check("child with a suggestion")
    page.goto(f"/children/{council.reference}/merge/")
    audit.check("merge: choose the other record")
    page.get_by_label("Reference of the other child's record").fill("CH-999999")
    page.get_by_role("button", name="Review the two records").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    audit.check("merge: choose the other record with an error")
    page.goto(f"/children/{council.reference}/merge/?other={health.reference}")
    audit.check("merge review")
    page.get_by_role("button", name=f"Merge {health.reference} into {council.reference}").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    audit.check("merge review with an error")
    page.get_by_label("Reason for the merge").fill("Same child: same birthday and address.")
    page.get_by_role("button", name=f"Merge {health.reference} into {council.reference}").click()
    page.get_by_text("Undo this merge").click()
    page.get_by_role("button", name="Undo the merge").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the reason for undoing the merge")
    audit.check("kept record with an undo error")
    page.goto(f"/children/{health.reference}/")
    audit.check("merged record (pointer)")
    page.goto(f"/children/{health.reference}/chronology/")
    audit.check("merged record's chronology")
    page.goto("/children/merges/")
    audit.check("merges that stand")
    assert len(audit.checked) == 10
    assert not audit.failures, audit.report()


def test_people_of_concern_and_intelligence_pages_have_no_serious_accessibility_problems(new_context, sign_in,
                                                                                       demo_users, agencies,
                                                                                       axe_source):
    """The people list, adding and promoting a person (and their errors), the person's page, changing them,
    completeness (with names, and counts only), recording intelligence (and its errors), an item, and a
    council worker's child page with a shared summary."""
    import datetime as dt
    import uuid

    from safehub.access.actions import share_record
    from safehub.cases import actions
    from safehub.intake.actions import submit_contact
    from safehub.intelligence.models import Operation

    worker, manager = demo_users["worker"], demo_users["manager"]
    for child_name, phone in (("Ava Pike", "07700 900432"), ("Ben Orr", "07700 900432")):
        draft = {"kind": "public", "concern": "Picked up by Smiler.", "children": [{"name": child_name, "age": "14"}],
                 "people": [{"name": "Dean Marsh", "nicknames": "Smiler"}], "phones": [{"number": phone}],
                 "vehicles": [{"registration": "KX19 ABC"}]}
        contact = submit_contact(draft, submission_key=uuid.uuid4().hex)[0]
        share_record(manager, contact, agency=agencies["POLICE"], purpose="CSE analysis", lawful_basis="dpa_s1_p18")
    child = actions.create_child(worker, first_name="Ava", last_name="Pike", date_of_birth=dt.date(2012, 2, 2))
    actions.open_case(worker, child)
    operation = Operation.objects.create(name="Operation Larch", owning_agency=agencies["POLICE"],
                                         lead=demo_users["investigator"], created_by=demo_users["investigator"])
    operation.children.add(child)

    page = sign_in(new_context(bypass_csp=True), "analyst")
    audit = Audit(page, axe_source)
    page.goto("/people/")
    audit.check("people (none yet)")
    page.goto("/people/new/")
    audit.check("new person")
    page.get_by_role("button", name="Add the person of concern").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the person's ethnicity")
    audit.check("new person with errors")

    page.goto("/networks/")
    page.get_by_role("link", name="Network N-").first.click()
    page.get_by_role("link", name="Promote to a person of concern").first.click()
    expect_heading(page, "Promote to a person of concern")
    audit.check("promotion")
    page.get_by_role("button", name="Promote to a person of concern").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say whether the person's nationality is recorded")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say whether the person has a disability")
    audit.check("promotion with errors")
    page.get_by_label("Ethnicity (ONS 2021)").select_option("not_known")
    page.get_by_label("Recorded", exact=True).check()
    page.get_by_role("group", name="Does the person have a disability?").get_by_label("Not known", exact=False).check()
    page.get_by_label("Nationality as recorded").fill("British")
    page.get_by_role("button", name="Promote to a person of concern").click()
    expect(page.locator("#promoted-from")).to_be_visible()
    audit.check("person")
    person_url = page.url

    page.get_by_text("Add a phone, vehicle, account, address or associate").click()
    page.get_by_role("button", name="Add it").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    audit.check("person with an error")
    page.goto(person_url + "edit/")
    audit.check("change person")
    page.goto("/people/")
    audit.check("people")
    page.goto("/people/completeness/")
    audit.check("completeness")
    page.goto("/people/new/?entity=999999")
    audit.check("promotion refused")

    page.goto(person_url)
    page.get_by_role("link", name="Record intelligence about them").click()
    audit.check("new intelligence")
    page.get_by_role("button", name="Record the intelligence").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the grading scheme")
    audit.check("new intelligence with errors")
    page.get_by_label("3x5x2 (College of Policing): use for new items").check()
    page.locator("#id_source_352").select_option("2")
    page.locator("#id_intelligence_352").select_option("B")
    page.locator("#id_handling_352").select_option("C")
    page.get_by_label("Handling condition").fill("Not to be shared with the family.")
    page.get_by_label("Date received").fill("2/11/2026")
    page.get_by_label("Time received").fill("21:30")
    page.get_by_label("The intelligence", exact=True).fill("A source says he takes girls to a flat on Mill Street.")
    page.get_by_label("Sanitised summary for partners").fill("Police hold information that girls may be taken to a "
                                                             "flat in town.")
    page.get_by_label("Operation").select_option(label="Operation Larch")
    page.get_by_role("button", name="Record the intelligence").click()
    expect(page.locator("#item-text")).to_be_visible()
    audit.check("intelligence item")

    worker_page = sign_in(new_context(bypass_csp=True), "worker")
    audit.page = worker_page
    worker_page.goto(f"/children/{child.reference}/")
    expect(worker_page.locator("#shared-intelligence")).to_be_visible()
    audit.check("child with a shared summary")

    ask_other_areas(page, person_url, audit)

    scrutiny_page = sign_in(new_context(bypass_csp=True), "scrutiny")
    audit.page = scrutiny_page
    scrutiny_page.goto("/people/completeness/")
    audit.check("completeness, counts only")
    assert len(audit.checked) == 18
    assert not audit.failures, audit.report()


def ask_other_areas(page, person_url, audit):
    """A person's page after asking other areas (a partner that cannot be reached), and the error when this
    partnership has no federation key."""
    import socket

    from django.test import override_settings

    with socket.socket() as probe:  # a port with nothing listening: the partner is down
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    partners = {"downfield": {"name": "Downfield", "url": f"http://127.0.0.1:{closed}", "secret": "s"}}
    with override_settings(SAFEHUB_FEDERATION={"area": "wrekin", "key_id": "k1", "keys": {"k1": "key"},
                                               "timeout": 1.0, "partners": partners}):
        page.goto(person_url)
        page.get_by_role("button", name="Ask other areas").click()
        expect(page.locator("#other-areas-answers")).to_contain_text("No answer")
        audit.check("person with answers from other areas")
    with override_settings(SAFEHUB_FEDERATION={"area": "wrekin", "partners": partners}):
        page.goto(person_url)
        page.get_by_role("button", name="Ask other areas").click()
        expect(page.locator("#ask-error")).to_contain_text("no key or partners are set")
        audit.check("asking other areas refused")


def test_operation_pages_have_no_serious_accessibility_problems(new_context, sign_in, demo_users, agencies,
                                                                axe_source):
    """Operations: the lists, opening one from a network, its page, and each form with and without errors; the
    network page's operation block; MACE meetings naming people of concern; a justice line on a chronology."""
    import datetime as dt

    from django.utils import timezone

    from django.contrib.contenttypes.models import ContentType

    from safehub import clock
    from safehub.access.models import Share
    from safehub.cases import actions as case_actions
    from tests.browser.test_operations import town

    world = town(demo_users, agencies)
    network, dean = world["network"], world["Dean"]
    yesterday = clock.local(timezone.now() - dt.timedelta(days=1)).strftime("%d/%m/%Y")
    dean_label = f"Dean Mercer ({dean.reference})"

    page = sign_in(new_context(bypass_csp=True), "analyst")
    audit = Audit(page, axe_source)
    page.goto("/operations/")
    audit.check("operations (none yet)")
    page.goto(f"/operations/new/?network={network.pk}")
    audit.check("open an operation from a network")
    page.get_by_role("button", name="Open the operation").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the name of the operation")
    audit.check("open an operation with an error")
    page.get_by_label("Name of the operation").fill("Operation Larch")
    page.get_by_role("button", name="Open the operation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Operation Larch")
    audit.check("a new operation")

    page.get_by_text("Add a person of concern").click()
    page.get_by_label("Reference of the person of concern").fill("POC-999999")
    page.get_by_role("button", name="Add the person").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("There is no person of concern POC-999999")
    expect(page.get_by_label("Reference of the person of concern")).to_have_value("POC-999999")
    audit.check("operation page with an error")
    page.get_by_label("Reference of the person of concern").fill(dean.reference)
    page.get_by_role("button", name="Add the person").click()

    page.get_by_role("link", name="Write the profile").click()
    audit.check("problem profile")
    page.get_by_role("button", name="Save the profile").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Write at least one part of the profile")
    audit.check("problem profile with an error")
    page.get_by_label("Victims").fill("Girls aged 13 to 15 from two schools")
    page.get_by_role("button", name="Save the profile").click()

    page.get_by_role("link", name="Record a disruption measure").click()
    audit.check("disruption measure")
    page.get_by_label("Sexual Risk Order", exact=True).check()
    page.get_by_label("Served on (a person in the operation)").select_option(label=dean_label)
    page.get_by_label("Date served").fill(yesterday)
    page.get_by_label("Time served").fill("10:00")
    page.get_by_label("Sexual Risk Order or Sexual Harm Prevention Order: term in years").fill("1")
    page.get_by_role("button", name="Save the measure").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("A Sexual Risk Order lasts at least 2 years")
    audit.check("disruption measure with an error")
    page.get_by_label("Sexual Risk Order or Sexual Harm Prevention Order: term in years").fill("2")
    page.get_by_role("button", name="Save the measure").click()
    page.get_by_role("link", name="Record a disruption measure").click()
    page.get_by_label("Premises closure notice").check()
    page.get_by_label("Premises or place").fill("Flat 3, 12 Mill Street, TF1 1AA")
    served = clock.local(timezone.now() - dt.timedelta(hours=2))
    page.get_by_label("Date served").fill(served.strftime("%d/%m/%Y"))
    page.get_by_label("Time served").fill(served.strftime("%H:%M"))
    page.get_by_role("button", name="Save the measure").click()

    page.get_by_role("link", name="Record a disruption measure").click()
    page.get_by_label("Hotel or short-let information request").check()
    page.get_by_label("Premises or place").fill("Station Hotel, Wellington")
    page.get_by_label("Date served").fill(yesterday)
    page.get_by_label("Time served").fill("09:00")
    page.get_by_role("button", name="Save the measure").click()

    page.get_by_role("link", name="Record a breach of the Premises closure notice").click()
    audit.check("breach")
    page.get_by_role("button", name="Save the breach").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    audit.check("breach with errors")
    page.get_by_label("Date of the breach").fill(served.strftime("%d/%m/%Y"))
    page.get_by_label("Time of the breach").fill((served + dt.timedelta(minutes=30)).strftime("%H:%M"))
    page.get_by_label("Details of the breach").fill("Two men went back into the flat")
    page.get_by_role("button", name="Save the breach").click()

    page.get_by_role("link", name="Record a review of the Hotel or short-let information request").click()
    audit.check("review of a measure")
    page.get_by_role("button", name="Save the review").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say whether the measure continues or ends")
    audit.check("review of a measure with errors")
    page.get_by_label("Date of the review").fill(clock.today().strftime("%d/%m/%Y"))
    page.get_by_label("The measure continues: set the next review").check()
    page.get_by_role("button", name="Save the review").click()

    page.get_by_role("link", name="Record a justice step").click()
    audit.check("justice step")
    page.get_by_label("Person", exact=True).select_option(label=dean_label)
    page.get_by_label("Charged", exact=True).check()
    page.get_by_label("Date", exact=True).fill(yesterday)
    page.get_by_label("Time", exact=True).fill("18:00")
    page.get_by_role("button", name="Save the step").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("List the offences charged")
    audit.check("justice step with an error")
    page.get_by_label("Details").fill("2 offences of arranging the sexual exploitation of a child")
    page.get_by_role("button", name="Save the step").click()
    expect(page.locator("#operation-justice")).to_contain_text("Charged")
    audit.check("operation with people, measures, breaches and steps")
    page.goto("/operations/")
    audit.check("operations")
    page.goto("/operations/mine/")
    expect(page.locator("#breached-measures")).to_contain_text("Premises closure notice")
    audit.check("operations you lead")
    page.goto(f"/networks/{network.reference}/")
    expect(page.locator("#main-content")).to_contain_text("Operation Larch")
    audit.check("network with its operation")

    Share.objects.create(content_type_id=ContentType.objects.get_for_model(dean).pk, object_id=dean.pk,
                         agency=agencies["COUNCIL"], purpose="MACE", lawful_basis="dpa_s1_p18",
                         granted_by=demo_users["analyst"])
    case_actions.record_meeting(demo_users["worker"], world["case"], kind="mace", chair="DI Rowe",
                                held_at=timezone.now() - dt.timedelta(hours=2), offenders="A man called Jay",
                                attendees=[{"name": "DI Rowe", "agency": agencies["POLICE"], "role": ""}],
                                people_of_concern=[dean])
    case_actions.record_risk_screening(demo_users["worker"], world["case"], harms=["cse"], assessed_on=clock.today(),
                                       significant={"missing_overnight_or_longer": "recent",
                                                    "older_boyfriend_or_controlling_adult": "recent",
                                                    "getting_into_cars_with_unknown_adults": "recent",
                                                    "unexplained_money_or_gifts": "both"})
    worker = sign_in(new_context(bypass_csp=True), "worker")
    audit.page = worker
    for name, url in [("MACE list with people of concern", "/cases/mace/"),
                      ("case with offenders", f"/cases/{world['case'].reference}/"),
                      ("meeting with people of concern", f"/cases/{world['case'].reference}/meetings/new/"),
                      ("chronology with a justice line", f"/children/{world['tia'].reference}/chronology/")]:
        worker.goto(url)
        audit.check(name)
    expect(worker.locator("#chronology")).to_contain_text("Dean M. charged")
    worker.goto("/cases/mace/")
    expect(worker.locator("#mace-list")).to_contain_text("Dean Mercer")
    assert len(audit.checked) == 23
    assert not audit.failures, audit.report()


def test_support_pages_have_no_serious_accessibility_problems(new_context, sign_in, demo_users, agencies, axe_source):
    """The non-recent journey's own questions, the passphrase and coming back, new information in the queue,
    adult survivor records and routing, support plans, safe contact, consent and the Victims' Code list, each
    form with and without errors."""
    import datetime as dt
    import uuid

    from django.utils import timezone

    from safehub.cases import actions as case_actions
    from safehub.intake.actions import add_information, set_reporter_passphrase, submit_contact
    from safehub.intelligence.models import JusticeStep, Operation, PersonOfConcern
    from safehub.support import actions as support

    page = new_context(bypass_csp=True).new_page()
    audit = Audit(page, axe_source)
    page.goto("/report/")
    page.get_by_label("Myself, about abuse that happened to me when I was a child").check()
    continue_(page)
    page.get_by_label("What happened to you?").fill("It happened in 2002.")
    continue_(page)
    continue_(page)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select what you would like to happen")
    audit.check("wants with an error")
    page.get_by_label("I want support, without reporting it to the police for now").check()
    continue_(page)
    expect_heading(page, "People you remember")
    audit.check("people you remember")
    continue_(page)
    expect_heading(page, "Places you remember")
    continue_(page)
    expect_heading(page, "Other people it happened to")
    audit.check("others")
    page.get_by_label("I am not sure").check()
    continue_(page)
    page.get_by_label("Yes, I will give my name and contact details").check()
    page.get_by_label("Your name").fill("Robin Example")
    page.get_by_label("Email address").fill("robin@example.org")
    continue_(page)
    expect_heading(page, "Contacting you safely")
    audit.check("safe contact")
    page.get_by_label("A phone number that is safe to call").fill("07700 900123")
    page.get_by_label("Do not phone me").check()
    continue_(page)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Remove the phone number")
    audit.check("safe contact with an error")
    page.get_by_label("Do not phone me").uncheck()
    continue_(page)
    expect_heading(page, "Check your answers before sending your report")
    audit.check("non-recent check answers")
    page.get_by_role("button", name="Send report").click()
    audit.check("confirmation with the passphrase form")
    non_recent_reference = page.locator("#reference").inner_text()
    page.get_by_role("button", name="Set the passphrase").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a passphrase")
    audit.check("passphrase with errors")
    page.get_by_label("Choose a passphrase").fill("kettle orange bicycle")
    page.get_by_label("Enter the passphrase again").fill("kettle orange bicycle")
    page.get_by_role("button", name="Set the passphrase").click()
    expect(page.locator("#passphrase-set")).to_be_visible()
    audit.check("passphrase set")

    page.goto("/report/add/")
    audit.check("come back")
    continue_(page)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your reference number")
    audit.check("come back with errors")
    page.get_by_label("Reference number").fill(non_recent_reference)
    page.get_by_label("Passphrase").fill("kettle orange bicycle")
    continue_(page)
    audit.check("what do you want to add")
    page.get_by_role("button", name="Send what I have added").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Tell us what you want to add")
    audit.check("what do you want to add with an error")
    page.get_by_label("Phone number").fill("07700 900999")
    page.get_by_role("button", name="Send what I have added").click()
    audit.check("information received")
    other, _ = submit_contact({"kind": "public", "concern": "A car."}, submission_key=uuid.uuid4().hex)
    set_reporter_passphrase(other, "another long passphrase")
    page.goto("/report/add/")
    for _ in range(5):
        page.get_by_label("Reference number").fill(other.reference)
        page.get_by_label("Passphrase").fill("not the passphrase")
        continue_(page)
    expect_heading(page, "Sorry, there have been too many tries")
    audit.check("locked")

    # Staff pages: a case with a plan, a survivor, a Victims' Code notification.
    worker_user, analyst = demo_users["worker"], demo_users["analyst"]
    child = case_actions.create_child(worker_user, first_name="Tia", last_name="Example",
                                      addresses=[{"address": "1 Example Row", "postcode": "TF1 1AA"}])
    case = case_actions.open_case(worker_user, child)
    support.set_safe_contact(worker_user, child, no_letters=True, safe_phone="07700 900432")
    support.record_consent(worker_user, child, scope="share_record", agency=agencies["HEALTH"],
                           given_on=dt.date(2026, 11, 1))
    support.add_service(worker_user, case, service="camhs", provider="CAMHS North", referred_on=dt.date(2026, 11, 2),
                        status="waiting")
    support.add_voice(worker_user, case, kind="words", said_on=dt.date(2026, 11, 2), text="I want to feel safe.")
    support.add_goal(worker_user, case, goal="Sleep at home every night")
    person = PersonOfConcern.objects.create(owning_agency=agencies["POLICE"], first_name="Dean", last_name="Example",
                                            created_by=analyst, reference="POC-800001")
    operation = Operation.objects.create(name="Operation Axe", owning_agency=agencies["POLICE"], lead=analyst,
                                         created_by=analyst, reference="OP-800001")
    operation.children.add(child)
    JusticeStep.objects.create(operation=operation, person=person, kind="charge", details="1 offence",
                               at=timezone.now() - dt.timedelta(days=5), recorded_by=analyst)
    add_information(other, {"text": "One more thing."}, submission_key=uuid.uuid4().hex)

    screener = sign_in(new_context(bypass_csp=True), "screener")
    audit.page = screener
    screener.goto("/screening/")
    expect(screener.locator("#additions")).to_be_visible()
    audit.check("queue with new information")
    screener.goto(f"/screening/{non_recent_reference}/")
    audit.check("non-recent report with safe contact")
    screener.get_by_role("link", name="Open an adult survivor record").click()
    audit.check("open a survivor record")
    screener.get_by_role("button", name="Open the record").click()
    audit.check("survivor record")
    survivor_url = screener.url
    screener.get_by_role("link", name="Route to the police or support").click()
    audit.check("route")
    screener.get_by_role("button", name="Route the survivor").click()
    expect(screener.locator(".govuk-error-summary")).to_be_visible()
    audit.check("route with an error")
    screener.goto("/survivors/")
    audit.check("survivors")
    screener.goto(f"/survivors/from-report/{other.reference}/")
    audit.check("survivor record refused for a child's report")

    manager = sign_in(new_context(bypass_csp=True), "manager")
    audit.page = manager
    manager.goto(survivor_url + "operations/")
    audit.check("add a survivor to an operation")
    manager.get_by_role("button", name="Add to the operation").click()
    expect(manager.locator(".govuk-error-summary")).to_contain_text("Enter the operation's reference")
    audit.check("add a survivor to an operation with an error")

    worker = sign_in(new_context(bypass_csp=True), "worker")
    audit.page = worker
    for name, url in [("child with safe contact and consent", f"/children/{child.reference}/"),
                      ("case with safe contact", f"/cases/{case.reference}/"),
                      ("case support plan", f"/cases/{case.reference}/support/"),
                      ("child safe contact form", f"/children/{child.reference}/safe-contact/"),
                      ("survivor support plan", survivor_url + "support/"),
                      ("survivor safe contact form", survivor_url + "safe-contact/"),
                      ("victims code", "/victims-code/")]:
        worker.goto(url)
        audit.check(name)
    worker.goto(f"/cases/{case.reference}/support/")
    worker.get_by_text("Add a service").click()
    worker.get_by_role("button", name="Add the service").click()
    expect(worker.locator(".govuk-error-summary")).to_be_visible()
    audit.check("support plan with errors")
    worker.goto(f"/children/{child.reference}/safe-contact/")
    worker.get_by_label("A phone number that is safe to call").fill("07700 900432")
    worker.get_by_label("Do not phone me").check()
    worker.get_by_role("button", name="Save the preferences").click()
    expect(worker.locator(".govuk-error-summary")).to_be_visible()
    audit.check("safe contact form with an error")
    worker.goto(f"/children/{child.reference}/")
    worker.get_by_text("Record consent", exact=True).click()
    worker.get_by_role("button", name="Record the consent").click()
    expect(worker.locator(".govuk-error-summary")).to_be_visible()
    audit.check("consent with errors")
    worker.goto("/victims-code/")
    worker.get_by_role("button", name=re.compile("Record that they were told")).first.click()
    expect(worker.locator(".govuk-error-summary")).to_contain_text("Say how the victim was told")
    audit.check("victims code with an error")
    assert len(audit.checked) == 36, audit.checked


def test_access_pages_on_people_operations_and_intelligence_have_no_serious_accessibility_problems(
        new_context, sign_in, demo_users, agencies, axe_source):
    """Sharing, transfer, restriction and break-glass on the new kinds of record (ADR 15), each with its errors:
    an item restricted by its analyst, a person of concern and an operation in their police manager's hands, the
    restricted page offering the break-glass, and a person's lists paged on their own."""
    from safehub.accounts.actions import create_user
    from safehub.demo.accounts import DEMO_PASSWORD, demo_totp_key
    from safehub.intelligence.actions import operations as operation_actions
    from safehub.intelligence.actions.items import record_intelligence
    from safehub.intelligence.actions.people import create_person

    for username, name in (("police-boss", "Pat"), ("police-boss-2", "Sol")):
        demo_users[username] = create_user(username=username, password=DEMO_PASSWORD, role="manager",
                                           agency=agencies["POLICE"], first_name=name, last_name="Demo-Inspector",
                                           totp_key=demo_totp_key(username))[0]
    analyst = demo_users["analyst"]
    dean = create_person(analyst, first_name="Dean", last_name="Mercer", ethnicity="not_known",
                         nationality_answer="not_known", disability="not_known")
    operation = operation_actions.open_operation(analyst, name="Operation Larch", lead=analyst)
    operation_actions.add_person(analyst, operation, dean)
    item = record_intelligence(analyst, scheme="3x5x2", source_grade="2", intelligence_grade="B", handling_code="P",
                               text="Synthetic: seen at the station.", sanitised_summary="Seen in town.",
                               people=[dean], operation=operation)

    page = sign_in(new_context(bypass_csp=True), "analyst")
    audit = Audit(page, axe_source)
    page.goto(f"/intelligence/{item.pk}/")
    page.get_by_text("Restrict this record", exact=True).click()
    page.get_by_role("button", name="Restrict").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose why the record is restricted")
    audit.check("item: restriction with errors")
    page.get_by_text("Restrict this record", exact=True).click()
    page.get_by_label("High-risk intelligence").check()
    page.get_by_label("Details").fill("Source protection.")
    page.get_by_label("Ivo Demo-Investigator").check()
    page.get_by_role("button", name="Restrict").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Ivo Demo-Investigator")
    audit.check("item: restricted, with the transfer form")
    for section in ("chronology", "intelligence", "details"):
        page.goto(f"/people/{dean.pk}/all/{section}/")
        audit.check(f"a person's whole list: {section}")

    boss = sign_in(new_context(bypass_csp=True), "police-boss")
    audit.page = boss
    boss.goto(f"/people/{dean.pk}/")
    boss.get_by_text("Share with another agency").click()
    boss.get_by_role("button", name="Share").click()
    expect(boss.locator(".govuk-error-summary")).to_contain_text("Choose the agency to share with")
    audit.check("person: share with errors")
    boss.get_by_text("Restrict this record", exact=True).click()
    boss.get_by_label("High-profile person or case").check()
    boss.get_by_label("Details").fill("Known to staff.")
    boss.get_by_role("button", name="Restrict").click()
    expect(boss.locator(".govuk-notification-banner")).to_contain_text("Restricted record")
    audit.check("person: restricted, with sharing and transfer")
    boss.goto(f"/operations/{operation.pk}/")
    boss.get_by_text("Transfer to another agency").click()
    boss.get_by_role("button", name="Offer the transfer").click()
    expect(boss.locator(".govuk-error-summary")).to_contain_text("Choose the agency to transfer to")
    audit.check("operation: transfer with errors")

    other = sign_in(new_context(bypass_csp=True), "police-boss-2")
    audit.page = other
    other.goto(f"/people/{dean.pk}/")
    expect(other.get_by_role("heading", level=1)).to_have_text("This record is restricted")
    audit.check("person: restricted page with the break-glass")
    other.get_by_role("button", name="Break the glass and open the record").click()
    expect(other.locator(".govuk-error-summary")).to_be_visible()
    audit.check("person: break-glass with an error")
    other.get_by_label("Why do you need to open this record now?").fill("Seen with a missing child tonight.")
    other.get_by_role("button", name="Break the glass and open the record").click()
    expect(other.get_by_role("heading", level=1)).to_have_text("Dean Mercer")
    audit.check("person: opened by breaking the glass")
    assert len(audit.checked) == 11
    assert not audit.failures, audit.report()


def test_single_sign_on_pages_have_no_serious_accessibility_problems(new_context, sign_in, demo_users, axe_source,
                                                                     live_server, agencies):
    """The sign-in page with its provider button, a person waiting for approval (through a real provider), and the
    administrator's provider and waiting sign-in pages, with their errors."""
    from tests.oidc import PASSWORD, PROVIDER_PK, RunningProvider, council_provider_for

    running = RunningProvider(callbacks=[f"{live_server.url}/accounts/login/provider/{PROVIDER_PK}/callback/"])
    try:
        provider = council_provider_for(agencies["COUNCIL"], running.issuer)
        page = new_context(bypass_csp=True).new_page()
        audit = Audit(page, axe_source)
        page.goto("/accounts/login/")
        audit.check("sign in with providers")
        page.get_by_role("button", name="Sign in with Wrekinshire Council").click()
        page.get_by_label("Username").fill("cal.test")  # the provider's own page, not Safehub's
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect_heading(page, "Your account is waiting for approval")
        audit.check("waiting for approval")

        audit.page = page = sign_in(new_context(bypass_csp=True), "admin")
        page.goto("/manage/sign-in-providers/")
        expect_heading(page, "Sign-in providers")
        audit.check("providers")
        page.get_by_role("link", name="Add a provider").click()
        expect_heading(page, "Add a sign-in provider")
        audit.check("add a provider")
        page.get_by_role("button", name="Save provider").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the issuer URL")
        audit.check("add a provider with errors")
        page.goto(f"/manage/sign-in-providers/{provider.pk}/")
        expect_heading(page, "Change Wrekinshire Council")
        audit.check("change a provider")

        page.goto("/manage/sign-ins/")
        expect_heading(page, "Sign-ins waiting for approval")
        audit.check("waiting sign-ins")
        page.get_by_label("Username for the new account").fill("")
        page.get_by_role("button", name="Approve").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a username")
        audit.check("waiting sign-ins with an error")
        page.get_by_label("Username for the new account").fill("cal-test")
        page.get_by_role("button", name="Approve").click()
        expect_heading(page, "Give these to Cal Test in person")
        audit.check("approved")
    finally:
        running.stop()
    assert audit.checked == ["sign in with providers", "waiting for approval", "providers", "add a provider",
                             "add a provider with errors", "change a provider", "waiting sign-ins",
                             "waiting sign-ins with an error", "approved"]
    assert not audit.failures, "axe found serious or critical problems:\n" + audit.report()
def test_retention_pages_have_no_serious_accessibility_problems(new_context, sign_in, demo_users, axe_source):
    """The review list with a record due, its retention page (and its errors), and the disposal log with a line."""
    import datetime as dt

    from django.utils import timezone

    from safehub.retention.review import run_due_reviews
    from tests.test_retention import old_report

    due = old_report(demo_users, received=dt.datetime(1948, 6, 1, 10, tzinfo=dt.timezone.utc), phone="07700 900818")
    other = old_report(demo_users, received=dt.datetime(1947, 2, 3, 10, tzinfo=dt.timezone.utc), phone="07700 900819")
    run_due_reviews(timezone.now())

    page = sign_in(new_context(bypass_csp=True), "manager")
    audit = Audit(page, axe_source)
    page.goto("/retention/")
    expect(page.get_by_role("link", name=due.reference)).to_be_visible()
    audit.check("retention reviews due")
    page.get_by_role("link", name=due.reference).click()
    expect_heading(page, f"Retention of {due.reference}")
    audit.check("a record's retention")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose whether to keep the record or dispose of it")
    audit.check("a record's retention with errors")
    page.get_by_label("Dispose of it").check()
    page.get_by_label("Reason").fill("No further need: the child is now an adult")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("cell", name=due.reference)).to_be_visible()
    audit.check("disposal log")
    page.goto("/retention/")
    expect(page.get_by_role("link", name=other.reference)).to_be_visible()
    assert len(audit.checked) == 4
    assert not audit.failures, audit.report()
def test_held_report_pages_have_no_serious_accessibility_problems(new_context, sign_in, demo_users, axe_source,
                                                                  settings):
    """A report over its address's limit (held, ADR 21), the page asking a fast reporter to wait, and the
    screener's held batch."""
    settings.SAFEHUB_PUBLIC_SUBMISSIONS_PER_WINDOW = 0
    page = new_context(bypass_csp=True).new_page()
    audit = Audit(page, axe_source)
    page.goto("/report/")
    page.get_by_label("A child or young person").check()
    continue_(page)
    page.get_by_label("What worries you?").fill("Men hand out vapes to children by the library.")
    continue_(page)
    page.goto("/report/check/")
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("#held")).to_be_visible()
    audit.check("confirmation, held")

    settings.SAFEHUB_PUBLIC_PAGES_PER_WINDOW = 0
    page.goto("/report/")
    page.get_by_label("A child or young person").check()
    continue_(page)
    expect_heading(page, "Please wait a moment before you continue")
    audit.check("wait before continuing")

    from safehub.intake.models import Contact, FloodBatch

    batch = FloodBatch.objects.get()
    screener = sign_in(new_context(bypass_csp=True), "screener")
    screener_audit = Audit(screener, axe_source)
    screener.goto("/screening/")
    expect(screener.locator("#held")).to_contain_text("1 report from one address")
    screener_audit.check("queue with a held batch")
    screener.goto(f"/screening/{Contact.objects.get().reference}/")
    expect(screener.locator("#flood-batch")).to_contain_text("Part of a possible flood from one address")
    screener_audit.check("held report")
    screener.goto(f"/screening/held/{batch.pk}/")
    screener_audit.check("held batch")
    screener.get_by_role("button", name="Mark as a flood").click()
    expect(screener.locator(".govuk-error-summary")).to_contain_text("Say why this is a flood")
    screener_audit.check("held batch with an error")
    screener.get_by_label("Reason").fill("Checked: a school's assembly")
    screener.get_by_role("button", name="Release into the queue").click()
    expect(screener.locator("#batch-decision")).to_contain_text("Checked: a school's assembly")
    screener_audit.check("released batch")
    failures = audit.failures + screener_audit.failures
    assert not failures, "axe found serious or critical problems:\n" + audit.report() + screener_audit.report()
