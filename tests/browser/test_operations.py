"""An operation in a real browser: an analyst opens a flagged network, opens an operation from it, adds a person
of concern, issues a Child Abduction Warning Notice and records an arrest and a charge; the council worker on
the victim's case then sees the charge on the child's chronology."""

import datetime as dt
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


def report(children, people, phones):
    draft = {"kind": "public", "concern": "Girls picked up from the park in cars by older men.",
             "children": [{"name": name, "age": "14"} for name in children],
             "people": [{"name": name, "nicknames": nick} for name, nick in people],
             "phones": [{"number": number} for number in phones]}
    return submit_contact(draft, submission_key=uuid.uuid4().hex)[0]


def town(users, agencies):
    """Two reports joined by a phone, naming two men and a girl whose council case was opened from the first;
    the reports and the case shared with the police; the two men recorded as people of concern."""
    first = report(["Tia Marsh"], [("Dean Mercer", "Smiler")], ["07700 900501"])
    second = report(["Tia Marsh"], [("Kyle Storey", "")], ["07700 900501"])
    first = record_decision(users["screener"], first, "open_case", "Risk of exploitation: open a case.")
    tia = case_actions.create_child(users["screener"], first_name="Tia", last_name="Marsh",
                                    date_of_birth=dt.date(2012, 5, 4))
    case = case_actions.open_case(users["screener"], tia, contact=first)
    for record in (first, second, case):
        share_record(users["manager"], record, agency=agencies["POLICE"], purpose="CSE analysis",
                     lawful_basis="dpa_s1_p18")
    people = {}
    for first_name, last_name in (("Dean", "Mercer"), ("Kyle", "Storey")):
        person = PersonOfConcern.objects.create(owning_agency=agencies["POLICE"], first_name=first_name,
                                                last_name=last_name, created_by=users["analyst"])
        PersonOfConcern.objects.filter(pk=person.pk).update(reference=f"PC-{person.pk:06d}")
        person.refresh_from_db()
        people[first_name] = person
    network = next(n for n in networks.current_networks() if first.pk in n.contact_ids)
    return {"case": case, "tia": tia, "network": network, **people}


def test_an_analyst_runs_an_operation_from_a_network_and_the_victims_worker_sees_the_charge(
        new_context, sign_in, demo_users, agencies):
    world = town(demo_users, agencies)
    network = world["network"]
    yesterday = clock.local(timezone.now() - dt.timedelta(days=1)).strftime("%d/%m/%Y")

    page = sign_in(new_context(), "analyst")
    page.get_by_role("link", name="Networks").click()
    page.get_by_role("link", name=f"Network {network.reference}", exact=True).click()
    expect(page.locator(".govuk-warning-text")).to_contain_text("Possible group-based exploitation")
    page.get_by_role("link", name="Open an operation from this network").click()
    expect(page.locator("#from-network")).to_contain_text("2 reports and 1 child you can open")
    page.get_by_label("Name of the operation").fill("Operation Larch")
    page.get_by_label("Lead officer").select_option(label="Ade Demo-Analyst")
    page.get_by_role("button", name="Open the operation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Operation Larch")
    expect(page.locator("#operation-children")).to_contain_text("Tia Marsh")
    expect(page.locator("#operation-networks")).to_contain_text(f"Network {network.reference}")

    page.get_by_text("Add a person of concern").click()
    page.get_by_label("Reference of the person of concern").fill(world["Dean"].reference.lower())
    page.get_by_role("button", name="Add the person").click()
    expect(page.locator("#operation-people")).to_contain_text("No justice step recorded")

    page.get_by_role("link", name="Record a disruption measure").click()
    page.get_by_label("Child Abduction Warning Notice").check()
    page.get_by_label("Served on (a person in the operation)").select_option(
        label=f"Dean Mercer ({world['Dean'].reference})")
    page.get_by_label("Date served").fill(yesterday)
    page.get_by_label("Time served").fill("19:30")
    page.get_by_role("button", name="Save the measure").click()
    expect(page.locator("#operation-disruptions")).to_contain_text("Child Abduction Warning Notice")
    expect(page.locator("#operation-disruptions")).to_contain_text("Review")

    for step, time, details in (("Arrested", "06:10", ""),
                                ("Charged", "18:45", "2 offences of arranging the sexual exploitation of a child")):
        page.get_by_role("link", name="Record a justice step").click()
        page.get_by_label("Person", exact=True).select_option(label=f"Dean Mercer ({world['Dean'].reference})")
        page.get_by_label(step, exact=True).check()
        page.get_by_label("Date", exact=True).fill(yesterday)
        page.get_by_label("Time", exact=True).fill(time)
        page.get_by_label("Details").fill(details)
        page.get_by_role("button", name="Save the step").click()
        expect(page.locator("#operation-justice")).to_contain_text(step)
    expect(page.locator("#operation-people")).to_contain_text("Charged, ")

    worker = sign_in(new_context(), "worker")
    worker.goto(f"/cases/{world['case'].reference}/")
    worker.get_by_role("link", name="Chronology").click()
    chronology = worker.locator("#chronology")
    expect(chronology).to_contain_text(
        "Wrekinshire Police: Dean M. charged (2 offences of arranging the sexual exploitation of a child)")
    expect(chronology).to_contain_text("Wrekinshire Police: Dean M. arrested")
    expect(chronology).not_to_contain_text("Mercer")
