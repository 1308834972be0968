"""Operations as the partnership uses them: an analyst opens one from a flagged network, adds people of concern,
writes the problem profile, serves disruption measures and records breaches, records arrests and charges; the
council worker on a victim's case sees the charge on the child's chronology; the network page and the MACE
meetings show the people of concern; the API lists it all through the same policy."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from safehub import clock
from safehub.access.actions import share_record
from safehub.access.models import Restriction, Share
from safehub.accounts.actions import create_user
from safehub.accounts.api_auth import issue_token
from safehub.audit.models import AuditEvent
from safehub.cases import actions as case_actions
from safehub.cases.models import ChronologyEntry
from safehub.intake.actions import submit_contact
from safehub.intelligence.actions import operations as actions
from safehub.intelligence.models import Disruption, JusticeStep, Operation, PersonOfConcern
from safehub.screening.actions import record_decision
from tests.conftest import sign_in_client
from tests.test_linking import networks_now

pytestmark = pytest.mark.django_db

NOW = timezone.now


def ago(**delta):
    return timezone.now() - dt.timedelta(**delta)


def report(children=(), people=(), phones=()):
    draft = {"kind": "public", "concern": "Girls picked up from the park in cars by older men.",
             "children": [{"name": name, "age": "14"} for name in children],
             "people": [{"name": name, "nicknames": nick} for name, nick in people],
             "phones": [{"number": number} for number in phones]}
    return submit_contact(draft, submission_key=uuid.uuid4().hex)[0]


def person_of_concern(agency, by, first="", last="", nicknames=""):
    person = PersonOfConcern.objects.create(owning_agency=agency, first_name=first, last_name=last,
                                            nicknames=nicknames, created_by=by, sex="male")
    PersonOfConcern.objects.filter(pk=person.pk).update(reference=f"PC-{person.pk:06d}")
    person.refresh_from_db()
    return person


def share(users, record, agency, by=None):
    return Share.objects.create(content_type_id=_content_type(record), object_id=record.pk, agency=agency,
                                purpose="Joint exploitation work", lawful_basis="dpa_s1_p18",
                                granted_by=by or users["manager"])


def _content_type(record):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(record).pk


@pytest.fixture
def town(users, agencies):
    """Two reports joined by one phone, naming two men and a girl; the council opened a case for her from the
    first report and shared it, and both reports, with the police."""
    first = report(children=["Tia Marsh"], people=[("Dean Mercer", "Smiler")], phones=["07700 900501"])
    second = report(children=["Tia Marsh"], people=[("Kyle Storey", "")], phones=["07700 900501"])
    unrelated = report(children=["Ava Pike"], phones=["07700 900777"])
    first = record_decision(users["screener"], first, "open_case", "Risk of exploitation: open a case.")
    tia = case_actions.create_child(users["screener"], first_name="Tia", last_name="Marsh",
                                    date_of_birth=dt.date(2012, 5, 4))
    case = case_actions.open_case(users["screener"], tia, contact=first)
    for record in (first, second, unrelated, case):
        share_record(users["manager"], record, agency=agencies["POLICE"], purpose="CSE analysis",
                     lawful_basis="dpa_s1_p18")
    network = next(n for n in networks_now() if first.pk in n.contact_ids)
    dean = person_of_concern(agencies["POLICE"], users["analyst"], "Dean", "Mercer", "Smiler")
    kyle = person_of_concern(agencies["POLICE"], users["analyst"], "Kyle", "Storey")
    return {"reports": [first, second], "unrelated": unrelated, "tia": tia, "case": case, "network": network,
            "dean": dean, "kyle": kyle}


@pytest.fixture
def operation(users, town):
    operation = actions.open_operation(users["analyst"], name="Operation Larch", lead=users["analyst"],
                                       network=town["network"])
    actions.add_person(users["analyst"], operation, town["dean"])
    actions.add_person(users["analyst"], operation, town["kyle"])
    return operation


# --- Opening an operation ---------------------------------------------------------------------------------


def test_an_analyst_opens_an_operation_from_a_flagged_network_with_its_reports_and_children(users, town):
    network = town["network"]
    assert network.flagged and sorted(network.contact_ids) == sorted(r.pk for r in town["reports"])
    analyst = sign_in_client(users["analyst"])
    page = analyst.get(f"/networks/{network.reference}/").content.decode()
    assert "Open an operation from this network" in page and "No operation you can open holds these reports" in page
    form = analyst.get(f"/operations/new/?network={network.pk}").content.decode()
    assert f"From network {network.reference}" in form and "2 reports and 1 child you can open" in form
    response = analyst.post("/operations/new/", {"name": "Operation Larch", "lead": users["investigator"].pk,
                                                 "network": network.pk})
    operation = Operation.objects.get(name="Operation Larch")
    assert response.status_code == 302 and response["Location"] == f"/operations/{operation.pk}/"
    assert operation.reference == f"OP-{operation.pk:06d}"
    assert operation.owning_agency == users["analyst"].agency and operation.lead == users["investigator"]
    assert set(operation.network_reports.all()) == set(town["reports"])
    assert list(operation.children.all()) == [town["tia"]]
    page = analyst.get(f"/operations/{operation.pk}/").content.decode()
    assert "Ivo Demo-Investigator" in page and town["tia"].reference in page
    assert f"Network {network.reference}</a>" in page
    assert AuditEvent.objects.filter(action="operation_viewed", object_id=str(operation.pk)).exists()
    # A worker may read networks but does not open operations.
    worker_page = sign_in_client(users["worker"]).get(f"/networks/{network.reference}/").content.decode()
    assert "Open an operation from this network" not in worker_page


def test_only_analysts_investigators_and_managers_open_an_operation_led_by_one_of_their_agency(users, agencies):
    with pytest.raises(PermissionDenied):
        actions.open_operation(users["worker"], name="Operation Ash", lead=users["worker"])
    with pytest.raises(ValidationError, match="Choose a lead"):
        actions.open_operation(users["analyst"], name="Operation Ash", lead=users["manager"])  # the council's
    actions.open_operation(users["investigator"], name="Operation Ash", lead=users["analyst"])
    client = sign_in_client(users["analyst"])
    response = client.post("/operations/new/", {"name": "operation ash", "lead": users["analyst"].pk})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is already an operation called operation ash" in page and 'value="operation ash"' in page
    assert sign_in_client(users["worker"]).get("/operations/new/").status_code == 403


def test_an_operation_shared_with_the_council_is_read_there_but_run_only_by_the_police(users, agencies, operation,
                                                                                       town):
    worker = sign_in_client(users["worker"])
    assert worker.get(f"/operations/{operation.pk}/").status_code == 404
    share(users, operation, agencies["COUNCIL"], by=users["analyst"])
    page = worker.get(f"/operations/{operation.pk}/").content.decode()
    assert "Operation Larch" in page and town["tia"].reference in page
    assert "2 more people you cannot open" in page and "Dean Mercer" not in page  # people are not shared
    assert "Record a disruption measure" not in page and "Add a child" not in page
    assert worker.get(f"/operations/{operation.pk}/disruptions/new/").status_code == 403
    assert sign_in_client(users["manager"]).post(f"/operations/{operation.pk}/close/",
                                                 {"reason": "Done"}).status_code == 403
    with pytest.raises(PermissionDenied):
        actions.serve_disruption(users["manager"], operation, kind="trespass", place="Park", served_at=ago(hours=1))


def test_the_operation_page_names_only_children_people_and_intelligence_the_viewer_may_open(users, agencies,
                                                                                            operation, town):
    from safehub.intelligence.models import IntelligenceItem

    hidden_child = case_actions.create_child(users["worker"], first_name="Ruby", last_name="Kerr")  # the council's
    operation.children.add(hidden_child)
    council_person = person_of_concern(agencies["COUNCIL"], users["manager"], "Lee", "Varden")
    operation.people.add(council_person)
    IntelligenceItem.objects.create(owning_agency=agencies["POLICE"], source_grade="1", intelligence_grade="B",
                                    handling_code="P", text="Seen with Tia at the park.", submitted_by=users["analyst"],
                                    operation=operation, reference="IN-000001")
    page = sign_in_client(users["analyst"]).get(f"/operations/{operation.pk}/").content.decode()
    assert hidden_child.reference not in page and "1 more child you cannot open" in page
    assert "Lee Varden" not in page and "1 more person you cannot open" in page
    assert "1 item you can open" in page and "IN-000001" in page and "1/B/P" in page
    investigator_page = sign_in_client(users["investigator"]).get(f"/operations/{operation.pk}/").content.decode()
    assert "IN-000001" in investigator_page
    share(users, operation, agencies["COUNCIL"], by=users["analyst"])
    council = sign_in_client(users["manager"]).get(f"/operations/{operation.pk}/").content.decode()
    assert "IN-000001" not in council and "No intelligence you can open" in council
    assert hidden_child.reference in council and "Lee Varden" in council


def test_people_and_children_are_added_only_from_records_the_user_may_open(users, agencies, operation, town):
    hidden = case_actions.create_child(users["worker"], first_name="Ruby", last_name="Kerr")
    client = sign_in_client(users["analyst"])
    response = client.post(f"/operations/{operation.pk}/children/", {"child": hidden.reference})
    assert response.status_code == 400
    assert f"There is no child&#x27;s record {hidden.reference} that you can open" in response.content.decode()
    council_person = person_of_concern(agencies["COUNCIL"], users["manager"], "Lee", "Varden")
    with pytest.raises(PermissionDenied):
        actions.add_person(users["analyst"], operation, council_person)
    with pytest.raises(ValidationError, match="already in this operation"):
        actions.add_person(users["analyst"], operation, town["dean"])
    shared_child = case_actions.create_child(users["worker"], first_name="Amy", last_name="Lowe")
    share_record(users["manager"], shared_child, agency=agencies["POLICE"], purpose="CSE", lawful_basis="dpa_s1_p18")
    response = client.post(f"/operations/{operation.pk}/children/", {"child": shared_child.reference.lower()})
    assert response.status_code == 302
    assert operation.children.filter(pk=shared_child.pk).exists()


def test_a_person_is_added_by_their_reference_with_a_clear_error_that_keeps_what_was_typed(users, agencies,
                                                                                          operation, town):
    """The form is a text box for the reference, not a list of everyone the user may open (thousands at a
    force's scale): a reference that is unknown, not openable or already in the operation is refused on the
    field, with the typed text kept."""
    client = sign_in_client(users["analyst"])
    page = client.get(f"/operations/{operation.pk}/").content.decode()
    assert 'name="person" type="text"' in page or 'type="text" name="person"' in page
    assert "<select" not in page.split('id="people"')[1].split('id="children"')[0]
    council_person = person_of_concern(agencies["COUNCIL"], users["manager"], "Lee", "Varden")
    for typed, error in [("", "Enter the reference of the person of concern"),
                         ("PC-999999", "There is no person of concern PC-999999 that you can open"),
                         (council_person.reference, f"There is no person of concern {council_person.reference} "
                                                    "that you can open"),
                         (town["dean"].reference, "Dean Mercer is already in this operation")]:
        response = client.post(f"/operations/{operation.pk}/people/", {"person": typed})
        body = response.content.decode()
        assert response.status_code == 400 and error in body, typed
        assert 'class="govuk-error-summary' in body and f'value="{typed}"' in body or not typed
        assert "Lee Varden" not in body
    newcomer = person_of_concern(agencies["POLICE"], users["analyst"], "Jon", "Hale")
    response = client.post(f"/operations/{operation.pk}/people/", {"person": f" {newcomer.reference.lower()} "})
    assert response.status_code == 302 and operation.people.filter(pk=newcomer.pk).exists()


# --- The problem profile ------------------------------------------------------------------------------------


def test_the_profile_falls_due_12_months_after_it_is_refreshed_and_the_list_flags_an_overdue_one(users, operation):
    client = sign_in_client(users["analyst"])
    listing = client.get("/operations/").content.decode()
    assert "Operation Larch" in listing and "Not written yet" in listing
    response = client.post(f"/operations/{operation.pk}/profile/", {"victims": "", "offenders": "", "locations": "",
                                                                  "themes": ""})
    assert response.status_code == 400 and "Write at least one part of the profile" in response.content.decode()
    response = client.post(f"/operations/{operation.pk}/profile/", {"victims": "Girls aged 13 to 15 from two schools",
                                                                  "offenders": "", "locations": "The park, Mill Street",
                                                                  "themes": "Lifts in cars, gifts"})
    assert response.status_code == 302
    operation.refresh_from_db()
    assert operation.profile_refreshed_on == clock.today()
    assert operation.profile_due == clock.problem_profile_due(clock.today())
    assert "Overdue" not in client.get("/operations/").content.decode()
    thirteen_months_ago = clock.months_later(clock.today(), -13)
    actions.update_profile(users["analyst"], operation, victims="Girls", refreshed_on=thirteen_months_ago)
    operation.refresh_from_db()
    assert operation.profile_due == clock.months_later(thirteen_months_ago, 12) < clock.today()
    assert "Overdue" in client.get("/operations/").content.decode()
    with pytest.raises(ValidationError, match="cannot be in the future"):
        actions.update_profile(users["analyst"], operation, victims="Girls",
                               refreshed_on=clock.today() + dt.timedelta(days=1))


# --- Disruption -----------------------------------------------------------------------------------------------


SERVED = dict(days=3, hours=2)

KINDS = [
    ("cawn", {"person": "dean"}),
    ("sro", {"person": "dean", "years": 2}),
    ("sro", {"person": "dean", "years": 3}),
    ("shpo", {"person": "dean", "years": 5}),
    ("closure_notice", {"place": "Flat 3, 12 Mill Street, TF1 1AA"}),
    ("closure_notice", {"place": "Flat 3, 12 Mill Street, TF1 1AA", "extended": True}),
    ("closure_order", {"place": "Flat 3, 12 Mill Street, TF1 1AA", "months": 3}),
    ("closure_order", {"place": "Flat 3, 12 Mill Street, TF1 1AA", "months": 1}),
    ("hotel_request", {"place": "Station Hotel, Wellington"}),
    ("recovery_order", {"place": "12 Mill Street"}),
    ("licensing_review", {"person": "kyle"}),
    ("trespass", {"person": "kyle", "place": "Bus station"}),
]


@pytest.mark.parametrize("kind,given", KINDS)
def test_each_measure_takes_its_expiry_and_review_from_the_clock(users, operation, town, kind, given):
    served = ago(**SERVED)
    given = {**given, "person": town[given["person"]]} if "person" in given else given
    measure = actions.serve_disruption(users["analyst"], operation, kind=kind, served_at=served, **given)
    assert measure.ends_at == clock.disruption_ends(kind, served, extended=given.get("extended", False),
                                                    months=given.get("months"), years=given.get("years"))
    assert measure.review_on == clock.disruption_review_due(kind, served)
    assert (measure.ends_at is None) == (kind not in ("sro", "shpo", "closure_notice", "closure_order"))
    assert AuditEvent.objects.filter(action="disruption_served", object_id=str(operation.pk)).exists()


def test_a_sexual_harm_prevention_order_may_run_until_further_order(users, operation, town):
    measure = actions.serve_disruption(users["analyst"], operation, kind="shpo", person=town["dean"],
                                       served_at=ago(days=1), until_further_order=True)
    assert measure.ends_at is None and measure.review_on is None
    page = sign_in_client(users["analyst"]).get(f"/operations/{operation.pk}/").content.decode()
    assert "Until further order" in page


REFUSALS = [
    ({"kind": "sro", "person": "dean", "years": 1}, "years", "A Sexual Risk Order lasts at least 2 years"),
    ({"kind": "shpo", "person": "dean", "years": 4}, "years", "A Sexual Harm Prevention Order lasts at least 5 years"),
    ({"kind": "sro", "person": "dean"}, "years", "Enter the Sexual Risk Order's term in years (at least 2)"),
    ({"kind": "closure_order", "place": "12 Mill Street", "months": 4}, "months", "A closure order lasts at most 3"),
    ({"kind": "closure_order", "place": "12 Mill Street"}, "months", "Enter how many months"),
    ({"kind": "trespass"}, "person", "Say whom or what the measure is served on"),
    ({"kind": "cawn", "place": "12 Mill Street"}, "person", "is served on a person: choose the person"),
    ({"kind": "closure_notice", "person": "dean"}, "place", "is served on premises: enter the address"),
    ({"kind": "cawn", "person": "outsider"}, "person", "is not in this operation"),
    ({"kind": "cawn", "person": "dean", "months": 2}, "months", "A term in months is given only for a closure order"),
    ({"kind": "trespass", "place": "Park", "extended": True}, "extended", "Only a closure notice is extended"),
    ({"kind": "cawn", "person": "dean", "served_at": "future"}, "served_at", "the date cannot be in the future"),
]


@pytest.mark.parametrize("given,field,message", REFUSALS)
def test_a_measure_the_law_does_not_allow_is_refused_with_a_clear_error(users, agencies, operation, town, given,
                                                                      field, message):
    town["outsider"] = person_of_concern(agencies["POLICE"], users["analyst"], "Rob", "Outlaw")
    given = dict(given)
    if "person" in given:
        given["person"] = town[given["person"]]
    served = timezone.now() + dt.timedelta(hours=2) if given.pop("served_at", None) else ago(days=1)
    with pytest.raises(ValidationError) as refused:
        actions.serve_disruption(users["analyst"], operation, served_at=served, **given)
    assert field in refused.value.error_dict and message in " ".join(refused.value.messages)
    assert not Disruption.objects.exists()


def test_the_measure_form_shows_the_law_s_refusal_on_its_field_and_keeps_what_was_typed(users, operation, town):
    client = sign_in_client(users["analyst"])
    served = clock.local(ago(days=2))
    form = {"kind": "sro", "person": town["dean"].pk, "place": "", "served_on": served.strftime("%d/%m/%Y"),
            "served_time": "10:15", "years": "1", "notes": "Served at his flat by DC Ivo"}
    response = client.post(f"/operations/{operation.pk}/disruptions/new/", form)
    page = response.content.decode()
    assert response.status_code == 400
    assert '<a href="#id_years">A Sexual Risk Order lasts at least 2 years: the term cannot be 1.</a>' in page
    assert 'value="1"' in page and "Served at his flat by DC Ivo" in page and 'value="10:15"' in page
    form["years"] = "2"
    assert client.post(f"/operations/{operation.pk}/disruptions/new/", form).status_code == 302
    page = client.get(f"/operations/{operation.pk}/").content.decode()
    assert "Sexual Risk Order" in page and "Dean Mercer" in page


def test_a_closure_notice_is_extended_to_48_hours_once_and_only_while_in_force(users, operation):
    served = ago(hours=10)
    notice = actions.serve_disruption(users["analyst"], operation, kind="closure_notice", place="12 Mill Street",
                                      served_at=served)
    assert notice.ends_at == clock.disruption_ends("closure_notice", served)
    client = sign_in_client(users["investigator"])
    assert client.post(f"/operations/{operation.pk}/disruptions/{notice.pk}/extend/").status_code == 302
    notice.refresh_from_db()
    assert notice.extended and notice.ends_at == clock.disruption_ends("closure_notice", served, extended=True)
    response = client.post(f"/operations/{operation.pk}/disruptions/{notice.pk}/extend/")
    assert response.status_code == 400 and "already extended" in response.content.decode()
    lapsed = actions.serve_disruption(users["analyst"], operation, kind="closure_notice", place="4 Dale Road",
                                      served_at=ago(hours=30))
    with pytest.raises(ValidationError, match="has lapsed"):
        actions.extend_closure_notice(users["analyst"], lapsed)
    order = actions.serve_disruption(users["analyst"], operation, kind="closure_order", place="4 Dale Road",
                                     served_at=ago(hours=2), months=3)
    with pytest.raises(ValidationError, match="Only a closure notice"):
        actions.extend_closure_notice(users["analyst"], order)


def test_breaches_are_recorded_while_a_measure_is_in_force(users, operation, town):
    notice = actions.serve_disruption(users["analyst"], operation, kind="closure_notice", place="12 Mill Street",
                                      served_at=ago(hours=30))
    with pytest.raises(ValidationError, match="had lapsed by then"):
        actions.record_breach(users["analyst"], notice, happened_at=ago(hours=2), details="Back in the flat")
    with pytest.raises(ValidationError, match="before the measure was served"):
        actions.record_breach(users["analyst"], notice, happened_at=ago(hours=31), details="In the flat")
    actions.record_breach(users["analyst"], notice, happened_at=ago(hours=29), details="Two men went back in")
    cawn = actions.serve_disruption(users["analyst"], operation, kind="cawn", person=town["dean"],
                                    served_at=ago(days=10))
    client = sign_in_client(users["analyst"])
    response = client.post(f"/operations/{operation.pk}/disruptions/{cawn.pk}/breaches/",
                           {"happened_on": clock.local(ago(days=1)).strftime("%d/%m/%Y"), "happened_time": "21:40",
                            "details": ""})
    assert response.status_code == 400 and "Enter the details of the breach" in response.content.decode()
    assert 'value="21:40"' in response.content.decode()
    response = client.post(f"/operations/{operation.pk}/disruptions/{cawn.pk}/breaches/",
                           {"happened_on": clock.local(ago(days=1)).strftime("%d/%m/%Y"), "happened_time": "21:40",
                            "details": "Seen with Tia in his car outside school"})
    assert response.status_code == 302
    assert "Seen with Tia in his car outside school" in client.get(f"/operations/{operation.pk}/").content.decode()


def test_the_lead_sees_ending_and_breached_measures_across_their_operations(users, agencies, operation, town,
                                                                            settings):
    other = actions.open_operation(users["investigator"], name="Operation Birch", lead=users["analyst"])
    actions.add_person(users["investigator"], other, town["kyle"])
    notice = actions.serve_disruption(users["analyst"], operation, kind="closure_notice", place="12 Mill Street",
                                      served_at=ago(hours=20))  # ends within 14 days
    hotel = actions.serve_disruption(users["analyst"], operation, kind="hotel_request", place="Station Hotel",
                                     served_at=ago(days=25))  # review due within 7 days, or overdue
    order = actions.serve_disruption(users["analyst"], operation, kind="closure_order", place="4 Dale Road",
                                     served_at=ago(days=1), months=3)  # review in 27 days, ends in 3 months
    cawn = actions.serve_disruption(users["investigator"], other, kind="cawn", person=town["kyle"],
                                    served_at=ago(days=40))
    actions.record_breach(users["investigator"], cawn, happened_at=ago(days=2), details="Waited outside her school")
    lapsed = actions.serve_disruption(users["analyst"], operation, kind="closure_notice", place="9 Dale Road",
                                      served_at=ago(days=5))
    actions.record_breach(users["analyst"], lapsed, happened_at=ago(days=5) + dt.timedelta(hours=1), details="Entry")

    page = sign_in_client(users["analyst"]).get("/operations/mine/").content.decode()
    ending = page.split('id="ending-measures"')[1].split("</table>")[0]
    assert "Premises closure notice" in ending and "Hotel or short-let information request" in ending
    assert "Premises closure order" not in ending and "9 Dale Road" not in ending
    breached = page.split('id="breached-measures"')[1].split("</table>")[0]
    assert "Child Abduction Warning Notice" in breached and "Kyle Storey" in breached and "Operation Birch" in breached
    assert "9 Dale Road" not in breached  # lapsed: history, not something to act on
    assert "Operation Larch" in page and "Operation Birch" in page
    # The investigator leads neither; the operation page shows its own lists to those who run it.
    investigator = sign_in_client(users["investigator"])
    assert "Child Abduction Warning Notice" not in investigator.get("/operations/mine/").content.decode()
    own = investigator.get(f"/operations/{operation.pk}/").content.decode()
    assert 'id="ending-measures"' in own and "Needs attention" in own
    # The windows are configurable.
    settings.SAFEHUB_DISRUPTION_ENDING_DAYS = 100
    page = sign_in_client(users["analyst"]).get("/operations/mine/").content.decode()
    assert "Premises closure order" in page.split('id="ending-measures"')[1].split("</table>")[0]
    assert notice and hotel and order


def test_a_review_sets_the_next_one_from_the_clock_or_ends_the_measure(users, operation, town):
    cawn = actions.serve_disruption(users["analyst"], operation, kind="cawn", person=town["dean"],
                                    served_at=ago(days=190))
    hotel = actions.serve_disruption(users["analyst"], operation, kind="hotel_request", place="Station Hotel",
                                     served_at=ago(days=30))
    client = sign_in_client(users["analyst"])
    ending = client.get("/operations/mine/").content.decode().split('id="ending-measures"')[1].split("</table>")[0]
    assert "Review overdue since" in ending and "Hotel or short-let information request" in ending
    page = client.get(f"/operations/{operation.pk}/disruptions/{cawn.pk}/review/")
    assert page.status_code == 200 and "Dean Mercer" in page.content.decode()
    tomorrow = (clock.today() + dt.timedelta(days=1)).strftime("%d/%m/%Y")
    response = client.post(f"/operations/{operation.pk}/disruptions/{cawn.pk}/review/",
                           {"reviewed_on": tomorrow, "outcome": "continue", "notes": "Still seen near the school"})
    page = response.content.decode()
    assert response.status_code == 400 and "the date cannot be in the future" in page
    assert "Still seen near the school" in page and f'value="{tomorrow}"' in page
    today = clock.today().strftime("%d/%m/%Y")
    assert client.post(f"/operations/{operation.pk}/disruptions/{cawn.pk}/review/",
                       {"reviewed_on": today, "outcome": "continue", "notes": "Still seen near the school"}
                       ).status_code == 302
    cawn.refresh_from_db()
    noon = dt.datetime.combine(clock.today(), dt.time(12), tzinfo=clock.LONDON)
    assert cawn.review_on == clock.disruption_review_due("cawn", noon) and cawn.ends_at is None
    assert cawn.notes.endswith("continues. Still seen near the school")
    actions.review_disruption(users["analyst"], hotel, reviewed_on=clock.today(), outcome="end",
                              notes="The hotel answered")
    hotel.refresh_from_db()
    assert hotel.ends_at <= timezone.now() and hotel.review_on is None
    assert "id=\"ending-measures\"" not in client.get("/operations/mine/").content.decode()
    with pytest.raises(ValidationError, match="no review due"):
        actions.review_disruption(users["analyst"], hotel, reviewed_on=clock.today(), outcome="continue")
    sro = actions.serve_disruption(users["analyst"], operation, kind="sro", person=town["dean"], years=2,
                                   served_at=ago(days=3))
    with pytest.raises(ValidationError, match="no review due"):
        actions.review_disruption(users["analyst"], sro, reviewed_on=clock.today(), outcome="continue")
    with pytest.raises(ValidationError, match="before the measure was served"):
        actions.review_disruption(users["analyst"], cawn, reviewed_on=clock.today() - dt.timedelta(days=400),
                                  outcome="continue")


# --- Justice outcomes ---------------------------------------------------------------------------------------


def test_justice_steps_follow_the_rules_of_each_step(users, operation, town):
    dean = town["dean"]
    with pytest.raises(ValidationError, match="reason for no further action"):
        actions.record_justice_step(users["investigator"], operation, dean, kind="nfa", at=ago(days=1))
    with pytest.raises(ValidationError, match="List the offences charged"):
        actions.record_justice_step(users["investigator"], operation, dean, kind="charge", at=ago(days=1), details=" ")
    with pytest.raises(ValidationError, match="only a first hearing or a trial is dated ahead"):
        actions.record_justice_step(users["investigator"], operation, dean, kind="arrest",
                                    at=timezone.now() + dt.timedelta(days=1))
    arrest = actions.record_justice_step(users["investigator"], operation, dean, kind="arrest",
                                         at=clock.local(ago(days=3)).replace(hour=6, minute=0))
    bail = actions.record_justice_step(users["investigator"], operation, dean, kind="bail",
                                       at=clock.local(ago(days=2)).replace(hour=11, minute=0))
    assert bail.bail_ends_on == clock.pre_charge_bail_ends(arrest.at)  # from the arrest, not the release
    trial = actions.record_justice_step(users["investigator"], operation, dean, kind="trial",
                                        at=timezone.now() + dt.timedelta(days=200), details="Crown Court")
    assert trial.pk
    outsider = person_of_concern(operation.owning_agency, users["analyst"], "Rob", "Outlaw")
    with pytest.raises(ValidationError, match="not in this operation"):
        actions.record_justice_step(users["investigator"], operation, outsider, kind="arrest", at=ago(days=1))


def test_steps_out_of_the_usual_order_are_kept_with_advice_not_refused(users, operation, town):
    kyle = town["kyle"]
    actions.record_justice_step(users["analyst"], operation, kyle, kind="conviction", at=ago(days=400),
                                details="Guilty: 3 counts of sexual activity with a child")
    actions.record_justice_step(users["analyst"], operation, kyle, kind="sentence", at=ago(days=380),
                                details="9 years")
    bail = actions.record_justice_step(users["analyst"], operation, kyle, kind="bail", at=ago(days=800))
    assert bail.bail_ends_on == clock.pre_charge_bail_ends(bail.at)  # no arrest recorded: from the release
    assert list(JusticeStep.objects.filter(person=kyle).values_list("kind", flat=True)) == \
        ["bail", "conviction", "sentence"]
    page = sign_in_client(users["analyst"]).get(f"/operations/{operation.pk}/").content.decode()
    assert "No \u201carrested\u201d step is recorded before this one." in page
    assert "No \u201ccharged\u201d step is recorded before this one." in page
    assert page.count("step is recorded before this one") == 2  # the sentence follows its conviction


def test_the_justice_form_keeps_the_input_and_puts_the_refusal_on_its_field(users, operation, town):
    client = sign_in_client(users["investigator"])
    form = {"person": town["dean"].pk, "kind": "charge", "on": clock.local(ago(days=1)).strftime("%d/%m/%Y"),
            "time": "16:20", "details": ""}
    response = client.post(f"/operations/{operation.pk}/justice/new/", form)
    assert response.status_code == 400
    assert '<a href="#id_details">List the offences charged.</a>' in response.content.decode()
    assert 'value="16:20"' in response.content.decode()
    form["details"] = "2 offences of arranging the sexual exploitation of a child"
    assert client.post(f"/operations/{operation.pk}/justice/new/", form).status_code == 302
    page = client.get(f"/operations/{operation.pk}/").content.decode()
    assert "Charged, " in page and "2 offences of arranging the sexual exploitation of a child" in page


def test_a_council_worker_on_the_victims_case_sees_the_charge_on_her_chronology(users, agencies, operation, town):
    dean, tia, case = town["dean"], town["tia"], town["case"]
    actions.serve_disruption(users["analyst"], operation, kind="cawn", person=dean, served_at=ago(days=5))
    actions.record_justice_step(users["investigator"], operation, dean, kind="arrest", at=ago(days=4))
    actions.record_justice_step(users["investigator"], operation, dean, kind="charge", at=ago(days=3),
                                details="2 offences of causing a child to engage in sexual activity")
    lines = list(ChronologyEntry.objects.filter(child=tia, kind="justice").order_by("at"))
    assert [line.summary for line in lines] == [
        "Wrekinshire Police: Dean M. arrested",
        "Wrekinshire Police: Dean M. charged (2 offences of causing a child to engage in sexual activity)"]
    assert all(line.case == case for line in lines)
    page = sign_in_client(users["worker"]).get(f"/children/{tia.reference}/chronology/").content.decode()
    assert "Wrekinshire Police: Dean M. charged (2 offences of causing a child to engage in sexual activity)" in page
    assert "Mercer" not in page  # the surname stays on the person's record
    assert "Police and court" in page
    # A health worker shown the child's record, but not her case, does not see the lines about that case.
    health_worker, _ = create_user(username="hw", password="h" * 12, role="worker", agency=agencies["HEALTH"])
    share_record(users["manager"], tia, agency=agencies["HEALTH"], purpose="School nursing", lawful_basis="dpa_s1_p18")
    health = sign_in_client(health_worker).get(f"/children/{tia.reference}/chronology/")
    assert health.status_code == 200 and "charged" not in health.content.decode()
    # Restricting the case takes the lines away from a worker outside its allow-list.
    restriction = Restriction.objects.create(content_type_id=_content_type(case), object_id=case.pk,
                                             reason_kind="high_profile", reason="Locked", created_by=users["manager"],
                                             review_due="2027-03-01")
    restriction.allowed_users.set([users["manager"]])
    again = sign_in_client(users["worker"]).get(f"/children/{tia.reference}/chronology/")
    assert again.status_code == 200 and "charged" not in again.content.decode()


def test_a_listed_trial_goes_on_the_chronology_when_it_is_listed_and_a_closed_case_still_hears_the_verdict(
        users, operation, town):
    dean, tia, case = town["dean"], town["tia"], town["case"]
    listed_for = clock.local(timezone.now() + dt.timedelta(days=90)).replace(hour=10, minute=0)
    actions.record_justice_step(users["investigator"], operation, dean, kind="trial", at=listed_for,
                                details="Wrekinshire Crown Court")
    line = ChronologyEntry.objects.get(child=tia, kind="justice")
    assert line.at <= timezone.now()
    assert line.summary == (f"Wrekinshire Police: Dean M.: trial on {listed_for.day} {listed_for:%B %Y} "
                            f"(Wrekinshire Crown Court)")
    from safehub.cases.models import Case

    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)
    actions.record_justice_step(users["investigator"], operation, dean, kind="conviction", at=ago(minutes=5),
                                details="Guilty on both counts")
    assert ChronologyEntry.objects.filter(child=tia, case=case, summary__contains="convicted").exists()


def test_a_person_known_only_by_a_nickname_is_named_by_it():
    person = PersonOfConcern(first_name="", last_name="", nicknames="Smiler, Dee")
    assert actions.name_for_workers(person) == "\u201cSmiler\u201d"
    assert actions.name_for_workers(PersonOfConcern(first_name="Dean")) == "Dean"
    assert actions.name_for_workers(PersonOfConcern()) == "a person of concern"


# --- The network page and MACE meetings ----------------------------------------------------------------------


def test_the_network_page_shows_the_operation_its_people_and_their_justice_status(users, agencies, operation, town):
    actions.record_justice_step(users["investigator"], operation, town["dean"], kind="arrest", at=ago(days=4))
    actions.record_justice_step(users["investigator"], operation, town["dean"], kind="rui", at=ago(days=3))
    network = next(n for n in networks_now() if town["reports"][0].pk in n.contact_ids)
    page = sign_in_client(users["analyst"]).get(f"/networks/{network.reference}/").content.decode()
    block = page.split('id="operation"')[1].split('id="why"')[0]
    assert "Operation Larch" in block and "Dean Mercer" in block and "Kyle Storey" in block
    assert "Released under investigation, " in block and "No justice step recorded" in block
    # A council worker sees the network but not the operation until it is shared, and then not its people.
    worker = sign_in_client(users["worker"])
    assert "Operation Larch" not in worker.get(f"/networks/{network.reference}/").content.decode()
    share(users, operation, agencies["COUNCIL"], by=users["analyst"])
    block = worker.get(f"/networks/{network.reference}/").content.decode().split('id="operation"')[1].split('id="why"')[0]
    assert "Operation Larch" in block and "Dean Mercer" not in block and "2 more people you cannot open" in block


def test_mace_meetings_link_offenders_to_people_of_concern_and_keep_the_free_text(users, agencies, town):
    case = town["case"]
    council_person = person_of_concern(agencies["COUNCIL"], users["manager"], "Lee", "Varden")
    share(users, town["dean"], agencies["COUNCIL"], by=users["analyst"])
    client = sign_in_client(users["worker"])
    form = client.get(f"/cases/{case.reference}/meetings/new/").content.decode()
    assert "People of concern discussed" in form and "Dean Mercer (PC-" in form and "Lee Varden" in form
    assert "Kyle Storey" not in form  # not shared with the council
    with pytest.raises(PermissionDenied):
        case_actions.record_meeting(users["worker"], case, kind="mace", held_at=ago(hours=3), chair="DI Rowe",
                                    attendees=[{"name": "DI Rowe", "agency": agencies["POLICE"], "role": ""}],
                                    people_of_concern=[town["kyle"]])
    held = clock.local(ago(days=1))
    response = client.post(f"/cases/{case.reference}/meetings/new/", {
        "kind": "mace", "held_on": held.strftime("%d/%m/%Y"), "held_time": "10:00", "chair": "DI Rowe",
        "offenders": "An older man called Jay, not yet identified", "people_of_concern": [town["dean"].pk,
                                                                                           council_person.pk],
        "attendee-TOTAL_FORMS": "1", "attendee-INITIAL_FORMS": "0", "attendee-0-name": "DI Rowe",
        "attendee-0-agency": agencies["POLICE"].pk, "action-TOTAL_FORMS": "0", "action-INITIAL_FORMS": "0"})
    assert response.status_code == 302, response.content.decode()[:2000]
    case_page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Dean Mercer" in case_page and "Lee Varden" in case_page and "called Jay, not yet identified" in case_page
    case_actions.record_risk_screening(users["worker"], case, harms=["cse"], assessed_on=clock.today(),
                                       significant={"missing_overnight_or_longer": "recent",
                                                    "older_boyfriend_or_controlling_adult": "recent",
                                                    "getting_into_cars_with_unknown_adults": "recent",
                                                    "unexplained_money_or_gifts": "both"})
    mace = client.get("/cases/mace/").content.decode().split('id="mace-list"')[1]
    assert "Tia Marsh" in mace and "Dean Mercer" in mace and "Lee Varden" in mace
    # The police analyst, who may open the case and Dean but not the council's person, is told there is one more.
    analyst_mace = sign_in_client(users["analyst"]).get("/cases/mace/").content.decode().split('id="mace-list"')[1]
    assert "Dean Mercer" in analyst_mace and "Lee Varden" not in analyst_mace
    assert "1 more person of concern you cannot open" in analyst_mace


def test_offender_links_point_at_the_person_page_once_it_exists(town):
    """The people of concern pages are built in parallel: a link appears as soon as the route does."""
    import sys
    import types

    from django.test import override_settings
    from django.urls import include, path

    from safehub.intelligence import links

    dean = town["dean"]
    assert links.person_url(dean) in ("", f"/people/{dean.pk}/")
    urlconf = types.ModuleType("people_pages_urlconf")
    pages = [path("people/<int:person_id>/", lambda request, person_id: None, name="person")]
    urlconf.urlpatterns = [path("", include((pages, "intelligence")))]
    sys.modules[urlconf.__name__] = urlconf
    with override_settings(ROOT_URLCONF=urlconf.__name__):
        assert links.person_url(dean) == f"/people/{dean.pk}/"


# --- API ---------------------------------------------------------------------------------------------------


def api_for(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user, 'police-records')}")
    return client


def test_the_api_lists_operations_with_disruption_and_justice_through_the_policy(users, agencies, operation, town):
    actions.serve_disruption(users["analyst"], operation, kind="cawn", person=town["dean"], served_at=ago(days=5))
    actions.record_justice_step(users["analyst"], operation, town["dean"], kind="arrest", at=ago(days=4))
    police = api_for(users["analyst"])
    listed = police.get("/api/v1/operations/").json()
    assert [row["reference"] for row in listed] == [operation.reference]
    assert sorted(listed[0]["people"]) == sorted([town["dean"].pk, town["kyle"].pk])
    assert listed[0]["children"] == [town["tia"].reference]
    detail = police.get(f"/api/v1/operations/{operation.pk}/").json()
    assert detail["disruptions"][0]["kind"] == "cawn" and detail["disruptions"][0]["person"] == town["dean"].pk
    assert detail["justice_steps"][0]["kind"] == "arrest"
    assert AuditEvent.objects.filter(action="operation_viewed", object_id=str(operation.pk),
                                     actor_name="analyst").exists()

    served = ago(days=1).isoformat()
    refused = police.post(f"/api/v1/operations/{operation.pk}/disruptions/",
                          {"kind": "sro", "person": town["dean"].pk, "served_at": served, "years": 1}, format="json")
    assert refused.status_code == 422 and "at least 2 years" in str(refused.json())
    made = police.post(f"/api/v1/operations/{operation.pk}/disruptions/",
                       {"kind": "sro", "person": town["dean"].pk, "served_at": served, "years": 2}, format="json")
    assert made.status_code == 201 and made.json()["ends_at"]
    step = police.post(f"/api/v1/operations/{operation.pk}/justice/",
                       {"person": town["dean"].pk, "kind": "charge", "at": served, "details": "2 offences"},
                       format="json")
    assert step.status_code == 201
    assert ChronologyEntry.objects.filter(child=town["tia"], summary__contains="Dean M. charged (2 offences)").exists()

    council = api_for(users["worker"])
    assert council.get("/api/v1/operations/").json() == []
    assert council.get(f"/api/v1/operations/{operation.pk}/").status_code == 404
    share(users, operation, agencies["COUNCIL"], by=users["analyst"])
    shared = council.get(f"/api/v1/operations/{operation.pk}/").json()
    assert shared["people"] == [] and shared["justice_steps"] == []  # people are not shared with the operation
    assert all(row["person"] is None for row in shared["disruptions"])
    assert council.post(f"/api/v1/operations/{operation.pk}/justice/",
                        {"person": town["dean"].pk, "kind": "arrest", "at": served}, format="json").status_code == 403
    assert api_for(users["screener"]).get("/api/v1/operations/").status_code == 403


def test_the_operations_api_is_in_the_openapi_schema(client):
    schema = client.get("/api/schema/").content.decode()
    for path in ("/api/v1/operations/", "/api/v1/operations/{operation_id}/",
                 "/api/v1/operations/{operation_id}/disruptions/", "/api/v1/operations/{operation_id}/justice/"):
        assert path in schema
    assert "until_further_order" in schema and "bail_ends_on" in schema


def test_a_network_the_user_cannot_open_or_that_was_recomputed_is_refused(users, agencies, town):
    health_manager, _ = create_user(username="hm", password="h" * 12, role="manager", agency=agencies["HEALTH"])
    client = sign_in_client(health_manager)
    response = client.get(f"/operations/new/?network={town['network'].pk}")
    assert response.status_code == 400 and "That network is not one you can open" in response.content.decode()
    assert "Tia" not in response.content.decode()
    response = sign_in_client(users["analyst"]).post("/operations/new/", {"name": "Operation Elm",
                                                                          "lead": users["analyst"].pk,
                                                                          "network": 999999})
    assert response.status_code == 400 and not Operation.objects.filter(name="Operation Elm").exists()
