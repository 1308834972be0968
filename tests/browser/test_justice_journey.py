"""From network to justice in a real browser, as issue 11 asks: an analyst opens a flagged network, opens an
operation from it, promotes two linked men to people of concern (asked for ethnicity and nationality), records
intelligence graded 2/B/C with its condition, issues a Child Abduction Warning Notice and records an arrest and a
charge; the council worker on the victim's case then sees the charge on the chronology and the sanitised
summary, never the intelligence text; a new public report naming the suspect's phone shows the link to the
analyst and not to the council's screener."""

import datetime as dt
import re
import uuid

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from safehub import clock
from safehub.access.actions import share_record
from safehub.cases import actions as case_actions
from safehub.intake.actions import submit_contact
from safehub.intelligence.models import PersonOfConcern
from safehub.linking import networks
from safehub.screening.actions import record_decision

pytestmark = pytest.mark.browser

SECRET = "CHIS 4471 says Dean Mercer drives girls to a flat on Mill Street on Fridays"
SUMMARY = "Police hold information that a man linked to this child drives children to an address."
CONDITION = "Not to be shared with the family or in court papers"


def report(children, people, phones):
    draft = {"kind": "public", "concern": "Girls picked up from the park in cars by older men.",
             "children": [{"name": name, "age": "14"} for name in children],
             "people": [{"name": name, "nicknames": nick} for name, nick in people],
             "phones": [{"number": number} for number in phones]}
    return submit_contact(draft, submission_key=uuid.uuid4().hex)[0]


def share(users, agencies, *records):
    for record in records:
        share_record(users["manager"], record, agency=agencies["POLICE"], purpose="CSE analysis",
                     lawful_basis="dpa_s1_p18")


def town(users, agencies):
    """Two reports naming two men and a girl, each man with his own phone and the reports sharing a car; the
    girl's council case opened from the first; reports and case shared with the police."""
    draft = {"kind": "public", "concern": "Girls picked up from the park in cars by older men.",
             "children": [{"name": "Tia Marsh", "age": "14"}],
             "people": [{"name": "Dean Mercer", "nicknames": "Smiler"}],
             "phones": [{"number": "07700 900601"}], "vehicles": [{"registration": "KX19 LRC"}]}
    first = submit_contact(draft, submission_key=uuid.uuid4().hex)[0]
    draft = {**draft, "people": [{"name": "Kyle Storey", "nicknames": ""}], "phones": [{"number": "07700 900602"}]}
    second = submit_contact(draft, submission_key=uuid.uuid4().hex)[0]
    first = record_decision(users["screener"], first, "open_case", "Risk of exploitation: open a case.")
    tia = case_actions.create_child(users["screener"], first_name="Tia", last_name="Marsh",
                                    date_of_birth=dt.date(2012, 5, 4))
    case = case_actions.open_case(users["screener"], tia, contact=first)
    share(users, agencies, first, second, case)
    network = next(n for n in networks.current_networks(users["analyst"]) if first.pk in n.contact_ids)
    return {"case": case, "tia": tia, "network": network}


def promote(page, name, ethnicity, nationality, recorded="", disability="No"):
    """Promote a man from the network page (networks are worked out again after each change, so the page is
    found from the list, as a user would)."""
    page.goto("/networks/")
    page.locator("#networks tbody tr").first.get_by_role("link").first.click()
    page.get_by_role("link", name=re.compile(f"Promote to a person of concern.*{name}")).click()
    expect(page.get_by_label("First name")).to_have_value(name.split()[0])
    page.get_by_label("Ethnicity (ONS 2021)").select_option(label=ethnicity)
    page.get_by_label(nationality, exact=False).first.check()
    if recorded:
        page.get_by_label("Nationality as recorded").fill(recorded)
    page.get_by_role("group", name="Does the person have a disability?").get_by_label(disability, exact=True).check()
    page.get_by_role("button", name="Promote to a person of concern").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    return PersonOfConcern.objects.get(first_name=name.split()[0], last_name=name.split()[1])


def test_from_a_flagged_network_to_a_charge_the_victims_worker_sees(new_context, sign_in, demo_users, agencies):
    world = town(demo_users, agencies)
    network = world["network"]
    yesterday = clock.local(timezone.now() - dt.timedelta(days=1)).strftime("%d/%m/%Y")

    analyst = sign_in(new_context(), "analyst")
    analyst.get_by_role("link", name="Networks").click()
    analyst.get_by_role("link", name=f"Network {network.reference}", exact=True).click()
    expect(analyst.locator(".govuk-warning-text")).to_contain_text("Possible group-based exploitation")
    analyst.get_by_role("link", name="Open an operation from this network").click()
    analyst.get_by_label("Name of the operation").fill("Operation Larch")
    analyst.get_by_label("Lead officer").select_option(label="Ade Demo-Analyst")
    analyst.get_by_role("button", name="Open the operation").click()
    expect(analyst.get_by_role("heading", level=1)).to_have_text("Operation Larch")
    operation_url = analyst.url

    dean = promote(analyst, "Dean Mercer", "White: English, Welsh, Scottish, Northern Irish or British",
                   "Recorded", recorded="British")
    kyle = promote(analyst, "Kyle Storey", "Not known (not yet obtained)", "Refused",
                   disability="Not known (not yet obtained)")
    assert (dean.ethnicity, dean.nationality_answer, dean.nationality) == ("white_british", "recorded", "British")
    assert (kyle.ethnicity, kyle.nationality_answer, kyle.disability) == ("not_known", "refused", "not_known")
    assert dean.disability == "no"
    assert dean.details.filter(kind="phone").exists(), "the phone of the report naming him alone comes with him"

    analyst.goto(operation_url)
    for person in (dean, kyle):
        analyst.get_by_text("Add a person of concern").click()
        analyst.get_by_label("Reference of the person of concern").fill(person.reference)
        analyst.get_by_role("button", name="Add the person").click()
    expect(analyst.locator("#operation-people")).to_contain_text("Kyle Storey")

    analyst.goto("/intelligence/new/")
    analyst.get_by_label("3x5x2 (College of Policing): use for new items").check()
    analyst.locator("#id_source_352").select_option("2")
    analyst.locator("#id_intelligence_352").select_option("B")
    analyst.locator("#id_handling_352").select_option("C")
    analyst.get_by_label("Handling condition").fill(CONDITION)
    analyst.get_by_label("Date received").fill(yesterday)
    analyst.get_by_label("Time received").fill("09:15")
    analyst.get_by_label("The intelligence").fill(SECRET)
    analyst.get_by_label("Sanitised summary for partners").fill(SUMMARY)
    analyst.get_by_label("People of concern it is about").fill(dean.reference)
    analyst.get_by_label("Operation").select_option(label="Operation Larch")
    analyst.get_by_role("button", name=re.compile("Save|Record")).click()
    expect(analyst.locator("body")).to_contain_text("2/B/C")
    expect(analyst.locator("body")).to_contain_text(CONDITION)

    analyst.goto(operation_url)
    analyst.get_by_role("link", name="Record a disruption measure").click()
    analyst.get_by_label("Child Abduction Warning Notice").check()
    analyst.get_by_label("Served on (a person in the operation)").select_option(label=f"Dean Mercer ({dean.reference})")
    analyst.get_by_label("Date served").fill(yesterday)
    analyst.get_by_label("Time served").fill("19:30")
    analyst.get_by_role("button", name="Save the measure").click()
    expect(analyst.locator("#operation-disruptions")).to_contain_text("Child Abduction Warning Notice")
    for step, time, details in (("Arrested", "06:10", ""),
                                ("Charged", "18:45", "2 offences of arranging the sexual exploitation of a child")):
        analyst.get_by_role("link", name="Record a justice step").click()
        analyst.get_by_label("Person", exact=True).select_option(label=f"Dean Mercer ({dean.reference})")
        analyst.get_by_label(step, exact=True).check()
        analyst.get_by_label("Date", exact=True).fill(yesterday)
        analyst.get_by_label("Time", exact=True).fill(time)
        analyst.get_by_label("Details").fill(details)
        analyst.get_by_role("button", name="Save the step").click()
        expect(analyst.locator("#operation-justice")).to_contain_text(step)

    worker = sign_in(new_context(), "worker")
    worker.goto(f"/children/{world['tia'].reference}/chronology/")
    chronology = worker.locator("#chronology")
    expect(chronology).to_contain_text(
        "Wrekinshire Police: Dean M. charged (2 offences of arranging the sexual exploitation of a child)")
    worker.goto(f"/children/{world['tia'].reference}/")
    shared = worker.locator(".safehub-shared-summary")
    expect(shared).to_contain_text(SUMMARY)
    expect(shared).to_contain_text(CONDITION)
    expect(shared).to_contain_text("graded 2/B/C")
    for url in (f"/children/{world['tia'].reference}/", f"/children/{world['tia'].reference}/chronology/",
                f"/cases/{world['case'].reference}/"):
        worker.goto(url)
        expect(worker.locator("body")).not_to_contain_text("CHIS 4471")
        expect(worker.locator("body")).not_to_contain_text("Mill Street")

    new = report(["Ava Pike"], [], ["+44 7700 900601"])
    share(demo_users, agencies, new)
    analyst.goto(f"/screening/{new.reference}/")
    expect(analyst.locator("#people-of-concern")).to_contain_text(
        f"This phone number (+447700900601) belongs to a person of concern: Dean Mercer ({dean.reference})")
    screener = sign_in(new_context(), "screener")
    screener.goto(f"/screening/{new.reference}/")
    expect(screener.locator("#links")).to_be_visible()
    expect(screener.locator("body")).not_to_contain_text("person of concern: Dean")
    expect(screener.locator("body")).not_to_contain_text(dean.reference)
