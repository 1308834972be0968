"""Graded intelligence: both grading schemes (what fits and what does not), recorded by analysts and
investigators only, opened only by the owning agency's analysts and investigators (pages and API, every read
audited), and read by a council worker only as the sanitised summary, with its condition, where the handling
code allows it."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from safehub.access.actions import answer_transfer, request_transfer, restrict_record, share_record
from safehub.access.models import Transfer
from safehub.accounts.actions import create_user
from safehub.accounts.api_auth import issue_token
from safehub.audit.models import AuditEvent
from safehub.cases import actions as case_actions
from safehub.intelligence import grading
from safehub.intelligence.actions.items import record_intelligence
from safehub.intelligence.actions.people import create_person
from safehub.intelligence.models import IntelligenceItem, Operation
from safehub.intelligence.sharing import sanitised_summaries
from safehub.linking.models import Mention
from tests.conftest import sign_in_client
from tests.test_linking import report

pytestmark = pytest.mark.django_db

SECRET = "CHIS 4471 says Dean keeps girls at the flat above the Golden Fry on Friday nights."
SUMMARY = "Police hold information that a girl may be taken to a flat in the town centre at weekends."
CONDITION = "Do not share with the family; do not act on it without speaking to DS Rowe."


def item(user, **fields):
    graded = {"scheme": "3x5x2", "source_grade": "2", "intelligence_grade": "B", "handling_code": "C",
              "handling_condition": CONDITION, "text": SECRET, "sanitised_summary": SUMMARY}
    return record_intelligence(user, **{**graded, **fields})


def api(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user, 'test')}")
    return client


def events(action, **where):
    return AuditEvent.objects.filter(action=action, **where)


# --- Grading -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme, source, intelligence, handling, condition", [
    ("3x5x2", "1", "A", "P", ""),
    ("3x5x2", "2", "B", "C", "Not to the family"),
    ("3x5x2", "3", "E", "P", ""),
    ("5x5x5", "A", "1", "1", ""),
    ("5x5x5", "E", "5", "5", ""),
    ("5x5x5", "B", "3", "2", "Authorised by DI Khan"),
])
def test_valid_gradings_of_both_schemes(users, scheme, source, intelligence, handling, condition):
    recorded = item(users["analyst"], scheme=scheme, source_grade=source, intelligence_grade=intelligence,
                    handling_code=handling, handling_condition=condition)
    assert recorded.grading == f"{source}/{intelligence}/{handling}" and recorded.scheme == scheme


@pytest.mark.parametrize("scheme, source, intelligence, handling, condition, field, message", [
    ("3x5x2", "4", "A", "P", "", "source_grade", "Choose the source evaluation of the 3x5x2 scheme: 1, 2 or 3"),
    ("3x5x2", "A", "A", "P", "", "source_grade", "Choose the source evaluation of the 3x5x2 scheme"),
    ("3x5x2", "1", "F", "P", "", "intelligence_grade", "intelligence assessment of the 3x5x2 scheme: A, B, C, D or E"),
    ("3x5x2", "1", "A", "2", "", "handling_code", "Choose the handling code of the 3x5x2 scheme: P or C"),
    ("3x5x2", "1", "A", "C", "", "handling_condition", "Write down the condition: handling code C means sharing"),
    ("3x5x2", "1", "A", "C", "   ", "handling_condition", "Write down the condition"),
    ("3x5x2", "1", "A", "P", "Only to police", "handling_condition", "Handling code P has no conditions"),
    ("5x5x5", "1", "1", "1", "", "source_grade", "Choose the source evaluation of the 5x5x5 scheme: A, B, C, D or E"),
    ("5x5x5", "A", "A", "1", "", "intelligence_grade", "the 5x5x5 scheme: 1, 2, 3, 4 or 5"),
    ("5x5x5", "A", "1", "P", "", "handling_code", "Choose the handling code of the 5x5x5 scheme: 1, 2, 3, 4 or 5"),
    ("5x5x5", "A", "1", "6", "", "handling_code", "Choose the handling code of the 5x5x5 scheme"),
    ("4x4", "1", "A", "P", "", "scheme", "Choose the grading scheme"),
])
def test_invalid_gradings_say_which_field_and_why(users, scheme, source, intelligence, handling, condition, field,
                                                  message):
    with pytest.raises(ValidationError) as refused:
        item(users["analyst"], scheme=scheme, source_grade=source, intelligence_grade=intelligence,
             handling_code=handling, handling_condition=condition)
    assert message in " ".join(refused.value.message_dict[field])
    assert not IntelligenceItem.objects.exists()


def test_the_grade_meanings_are_written_out():
    assert grading.meaning("3x5x2", "intelligence", "B") == "B: known indirectly but corroborated"
    assert grading.meaning("5x5x5", "handling", "4") == "4: within the originating agency only"


def test_the_form_keeps_the_input_and_puts_each_error_on_its_field(users):
    client = sign_in_client(users["analyst"])
    data = {"scheme": "3x5x2", "source_352": "2", "intelligence_352": "B", "handling_352": "C",
            "handling_condition": "", "received_on": "2/11/2026", "received_time": "21:30", "text": SECRET,
            "sanitised_summary": SUMMARY, "named_phone": "07700 900432\n", "people": "", "operation": ""}
    response = client.post("/intelligence/new/", data)
    page = response.content.decode()
    assert response.status_code == 400
    assert 'href="#id_handling_condition">Write down the condition' in page
    assert "Golden Fry" in page and "07700 900432" in page
    response = client.post("/intelligence/new/", {**data, "scheme": "", "text": ""})
    page = response.content.decode()
    assert "Choose the grading scheme" in page and "Enter the intelligence" in page
    response = client.post("/intelligence/new/", {**data, "scheme": "5x5x5", "source_555": "B"})
    page = response.content.decode()
    assert 'href="#id_intelligence_555">Choose the intelligence assessment of the 5x5x5 scheme' in page
    response = client.post("/intelligence/new/", {**data, "handling_condition": CONDITION, "people": "POC-999999"})
    assert "There is no person of concern POC-999999 that you can open" in response.content.decode()
    response = client.post("/intelligence/new/", {**data, "handling_condition": CONDITION,
                                                  "received_on": "2/11/2099"})
    assert "The time it was received cannot be in the future" in response.content.decode()
    assert not IntelligenceItem.objects.exists()

    response = client.post("/intelligence/new/", {**data, "handling_condition": CONDITION})
    assert response.status_code == 302
    made = IntelligenceItem.objects.get()
    assert made.reference == f"INT-{made.pk:06d}" and made.grading == "2/B/C"
    assert made.received_at == dt.datetime(2026, 11, 2, 21, 30, tzinfo=dt.timezone.utc)  # GMT in November


# --- Recording ------------------------------------------------------------------------------------------


def test_an_item_names_what_linking_then_links_and_who_submitted_it_when(users, agencies):
    investigator = users["investigator"]
    dean = create_person(users["analyst"], first_name="Dean", last_name="Marsh", ethnicity="not_known",
                         nationality_answer="not_known", disability="not_known")
    received = timezone.now() - dt.timedelta(days=40)
    recorded = item(investigator, received_at=received, people=[dean],
                    named=[("person", "Dean Marsh"), ("nickname", "Smiler"), ("phone", "07700 900432"),
                           ("vehicle", "KX19 ABC"), ("child", "Ava Pike"), ("place", "Golden Fry, Mill Street")])
    assert recorded.owning_agency == agencies["POLICE"] and recorded.submitted_by == investigator
    assert recorded.received_at == received and recorded.submitted_at > received
    assert set(recorded.people.all()) == {dean}
    kinds = sorted(Mention.objects.filter(intelligence=recorded).values_list("kind", flat=True))
    assert kinds == ["child", "nickname", "person", "phone", "place", "vehicle"]
    later = report(children=["Ben Orr"], phones=["07700900432"])
    assert (Mention.objects.get(contact=later, kind="phone").entity_id
            == Mention.objects.get(intelligence=recorded, kind="phone").entity_id)
    assert events("intelligence_recorded", object_id=str(recorded.pk)).get().reason == "2/B/C"
    with pytest.raises(ValidationError, match="cannot be read"):
        item(investigator, named=[("phone", "call me maybe")])


def test_only_analysts_and_investigators_record_intelligence(users):
    for role in ("worker", "manager", "screener", "scrutiny", "admin"):
        with pytest.raises(PermissionDenied):
            item(users[role])
        assert sign_in_client(users[role]).get("/intelligence/new/").status_code == 403
    assert sign_in_client(users["investigator"]).get("/intelligence/new/").status_code == 200


def test_an_item_can_only_be_about_people_and_an_operation_the_recorder_may_open(users, agencies):
    council_person = create_person(users["manager"], first_name="Kev", ethnicity="not_known",
                                   nationality_answer="not_known", disability="not_known")
    with pytest.raises(ValidationError, match="only people of concern whose records you can open"):
        item(users["analyst"], people=[council_person])
    other = Operation.objects.create(name="Operation Holly", owning_agency=agencies["HEALTH"],
                                     lead=users["manager"], created_by=users["manager"])
    with pytest.raises(ValidationError, match="only an operation you can open"):
        item(users["analyst"], operation=other)


# --- Who opens an item ----------------------------------------------------------------------------------


def test_the_owning_agencys_analysts_and_investigators_open_it_and_every_read_is_audited(users):
    recorded = item(users["analyst"])
    for role in ("analyst", "investigator"):
        page = sign_in_client(users[role]).get(f"/intelligence/{recorded.pk}/").content.decode()
        assert SECRET in page and CONDITION in page and "B: known indirectly but corroborated" in page
        assert "Submitted" in page and "Ade Demo-Analyst" in page
    body = api(users["investigator"]).get(f"/api/v1/intelligence/{recorded.pk}/").json()
    assert body["text"] == SECRET and body["grading"] == "2/B/C"
    listed = api(users["analyst"]).get("/api/v1/intelligence/").json()
    assert [row["reference"] for row in listed] == [recorded.reference]
    assert events("intelligence_viewed", object_id=str(recorded.pk)).count() == 3


def test_a_council_worker_never_opens_an_item(users, agencies):
    recorded = item(users["analyst"])
    council_analyst, _ = create_user(username="council-analyst", password="c" * 12, role="analyst",
                                     agency=agencies["COUNCIL"])
    for user in (users["worker"], users["manager"], users["screener"], council_analyst):
        response = sign_in_client(user).get(f"/intelligence/{recorded.pk}/")
        assert response.status_code == 404 and SECRET not in response.content.decode()
        response = api(user).get(f"/api/v1/intelligence/{recorded.pk}/")
        assert response.status_code == 404 and SECRET not in response.content.decode()
    assert api(users["worker"]).get("/api/v1/intelligence/").status_code == 403
    assert api(council_analyst).get("/api/v1/intelligence/").json() == []
    assert events("access_denied", object_type="intelligenceitem", object_id=str(recorded.pk)).count() == 8
    assert not events("intelligence_viewed").exists()


def test_a_restricted_item_opens_only_for_its_allow_list_and_shares_no_summary(users, agencies, victim):
    """The analyst who holds an item restricts it from its page to a named colleague (an item's allow-list offers
    only its agency's analysts and investigators); nobody else opens it, no partner reads its summary, and the
    restriction is audited. Lifting it opens the item to the agency's readers again."""
    from safehub.access.models import Restriction

    boss, _ = create_user(username="police-manager", password="p" * 12, role="manager", agency=agencies["POLICE"],
                          first_name="Pat", last_name="Synthetic-Boss")
    recorded = item(users["analyst"], operation=victim["operation"])
    analyst = sign_in_client(users["analyst"])
    page = analyst.get(f"/intelligence/{recorded.pk}/").content.decode()
    assert "Restrict this record" in page and "Share with another agency" not in page
    assert "Restrict" not in page.split("</title>")[0]
    assert users["investigator"].get_full_name() in page and boss.get_full_name() not in page
    response = analyst.post(f"/access/intelligenceitem/{recorded.reference}/restrict/", {
        "restrict-reason_kind": "high_risk_intelligence", "restrict-reason": "Source at risk",
        "restrict-allowed_users": [users["investigator"].pk]})
    assert response.status_code == 302
    restriction = Restriction.pointing_at(recorded).active().get()
    assert set(restriction.allowed_users.all()) == {users["analyst"], users["investigator"]}
    assert events("record_restricted", object_type="intelligenceitem", object_id=str(recorded.pk)).exists()
    colleague, _ = create_user(username="police-analyst-2", password="p" * 12, role="analyst",
                               agency=agencies["POLICE"])
    assert sign_in_client(colleague).get(f"/intelligence/{recorded.pk}/").status_code == 404
    assert sign_in_client(users["investigator"]).get(f"/intelligence/{recorded.pk}/").status_code == 200
    assert sanitised_summaries(users["worker"], child=victim["child"]) == []
    with pytest.raises(PermissionDenied):  # a manager opens no item, so restricts none and breaks no glass
        restrict_record(boss, recorded, reason_kind="high_profile", reason="Locked", allowed_users=[])
    assert sign_in_client(boss).post(f"/access/intelligenceitem/{recorded.reference}/break-glass/",
                                     {"reason": "Urgent"}).status_code == 404

    analyst.post(f"/access/restrictions/{restriction.pk}/lift/")
    assert sign_in_client(colleague).get(f"/intelligence/{recorded.pk}/").status_code == 200
    assert events("restriction_lifted", object_type="intelligenceitem").exists()


def test_an_item_is_never_shared_and_moves_only_to_another_police_force(users, agencies):
    """Sharing an item would open its text to a partner: refused, as the sanitised summary is what partners
    read. It may move to another police force (its manager accepts), never to a partner agency, and not under a
    5x5x5 handling code that keeps it in the originating agency."""
    from safehub.accounts.models import Agency

    recorded = item(users["analyst"])
    with pytest.raises(PermissionDenied):
        share_record(users["analyst"], recorded, agency=agencies["COUNCIL"], purpose="MACE",
                     lawful_basis="dpa_s1_p18")
    analyst = sign_in_client(users["analyst"])
    assert analyst.post(f"/access/intelligenceitem/{recorded.reference}/share/", {
        "share-agency": agencies["COUNCIL"].pk, "share-purpose": "MACE",
        "share-lawful_basis": "dpa_s1_p18"}).status_code == 403
    with pytest.raises(ValidationError, match="only to another police force"):
        request_transfer(users["analyst"], recorded, to_agency=agencies["COUNCIL"], reason="Their case now")
    force = Agency.objects.create(code="TRANSPORT", name="Synthetic Transport Police", kind="police")
    page = analyst.get(f"/intelligence/{recorded.pk}/").content.decode()
    assert "Transfer to another agency" in page and "Synthetic Transport Police" in page
    assert agencies["COUNCIL"].name not in page.split("Transfer to another agency")[1]
    response = analyst.post(f"/access/intelligenceitem/{recorded.reference}/transfer/", {
        "transfer-to_agency": agencies["COUNCIL"].pk, "transfer-reason": "Their case now"})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert analyst.post(f"/access/intelligenceitem/{recorded.reference}/transfer/", {
        "transfer-to_agency": force.pk, "transfer-reason": "Their investigation"}).status_code == 302
    their_manager, _ = create_user(username="transport-manager", password="t" * 12, role="manager", agency=force)
    their_analyst, _ = create_user(username="transport-analyst", password="t" * 12, role="analyst", agency=force)
    answer_transfer(their_manager, Transfer.pointing_at(recorded).get(), accept=True)
    assert sign_in_client(their_analyst).get(f"/intelligence/{recorded.pk}/").status_code == 200
    assert analyst.get(f"/intelligence/{recorded.pk}/").status_code == 404

    kept_home = item(users["analyst"], scheme="5x5x5", source_grade="B", intelligence_grade="2", handling_code="4",
                     handling_condition="")
    with pytest.raises(PermissionDenied):
        request_transfer(users["analyst"], kept_home, to_agency=force, reason="Their investigation")


# --- What a partner reads ---------------------------------------------------------------------------------


@pytest.fixture
def victim(users, agencies):
    """A council child with an open case held by the worker, in a police operation."""
    worker, manager = users["worker"], users["manager"]
    child = case_actions.create_child(worker, first_name="Ava", last_name="Pike", date_of_birth=dt.date(2012, 2, 2))
    case = case_actions.open_case(worker, child)
    case_actions.allocate_case(manager, case, worker)
    operation = Operation.objects.create(name="Operation Larch", owning_agency=agencies["POLICE"],
                                         lead=users["investigator"], created_by=users["investigator"])
    operation.children.add(child)
    return {"child": child, "operation": operation}


def test_the_council_worker_sees_the_sanitised_summary_with_its_condition_never_the_text(users, victim):
    child, operation = victim["child"], victim["operation"]
    recorded = item(users["analyst"], operation=operation)
    response = sign_in_client(users["worker"]).get(f"/children/{child.reference}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Shared intelligence summaries" in page and SUMMARY in page
    assert "Condition" in page and CONDITION in page
    assert "2/B/C" in page and "B: known indirectly but corroborated" in page
    assert SECRET not in page and "Golden Fry" not in page and recorded.reference not in page
    assert "Operation Larch" not in page
    event = events("intelligence_summary_viewed", object_id=str(recorded.pk)).get()
    assert (event.actor_name, event.reason) == ("worker", f"about {child.reference}")


@pytest.mark.parametrize("grade, council_reads", [
    ({"scheme": "3x5x2", "source_grade": "1", "intelligence_grade": "A", "handling_code": "P",
      "handling_condition": ""}, True),
    ({"scheme": "5x5x5", "source_grade": "B", "intelligence_grade": "2", "handling_code": "2"}, True),
    ({"scheme": "5x5x5", "source_grade": "B", "intelligence_grade": "2", "handling_code": "1"}, False),
    ({"scheme": "5x5x5", "source_grade": "B", "intelligence_grade": "2", "handling_code": "3"}, False),
    ({"scheme": "5x5x5", "source_grade": "B", "intelligence_grade": "2", "handling_code": "4"}, False),
    ({"scheme": "5x5x5", "source_grade": "B", "intelligence_grade": "2", "handling_code": "5"}, False),
    ({"sanitised_summary": ""}, False),
])
def test_the_handling_code_decides_whether_a_partner_reads_the_summary(users, victim, grade, council_reads):
    recorded = item(users["analyst"], operation=victim["operation"], **grade)
    page = sign_in_client(users["worker"]).get(f"/children/{victim['child'].reference}/").content.decode()
    assert (SUMMARY in page) is council_reads
    assert ("Shared intelligence summaries" in page) is council_reads, "nothing at all when nothing is shared"
    assert SECRET not in page
    assert events("intelligence_summary_viewed", object_id=str(recorded.pk)).exists() is council_reads


def test_code_1_reaches_a_police_partner_but_never_the_council(users, agencies, victim):
    recorded = item(users["analyst"], operation=victim["operation"], scheme="5x5x5", source_grade="A",
                    intelligence_grade="1", handling_code="1", handling_condition="")
    police_worker, _ = create_user(username="police-worker", password="w" * 12, role="worker",
                                   agency=agencies["POLICE"])
    assert sanitised_summaries(police_worker, child=victim["child"]) == [], "the child is the council's"
    share_record(users["manager"], victim["child"], agency=agencies["POLICE"], purpose="Joint investigation",
                 lawful_basis="dpa_s1_p18")
    assert [s.item_id for s in sanitised_summaries(police_worker, child=victim["child"])] == [recorded.pk]
    assert sanitised_summaries(users["worker"], child=victim["child"]) == []


def test_a_child_outside_the_operation_or_a_record_the_reader_cannot_open_shows_nothing(users, victim):
    item(users["analyst"], operation=victim["operation"])
    other = case_actions.create_child(users["worker"], first_name="Ben", last_name="Orr")
    assert sanitised_summaries(users["worker"], child=other) == []
    assert sanitised_summaries(users["referrer"], child=victim["child"]) == []
    assert len(sanitised_summaries(users["worker"], child=victim["child"])) == 1


def test_a_shared_person_of_concern_shows_the_summaries_about_them(users, agencies):
    boss, _ = create_user(username="police-manager", password="p" * 12, role="manager", agency=agencies["POLICE"])
    dean = create_person(users["analyst"], first_name="Dean", last_name="Marsh", ethnicity="not_known",
                         nationality_answer="not_known", disability="not_known")
    item(users["analyst"], people=[dean])
    share_record(boss, dean, agency=agencies["COUNCIL"], purpose="Safety planning", lawful_basis="dpa_s1_p18")
    page = sign_in_client(users["worker"]).get(f"/people/{dean.pk}/").content.decode()
    assert SUMMARY in page and CONDITION in page and SECRET not in page
    council_analyst, _ = create_user(username="council-analyst", password="c" * 12, role="analyst",
                                     agency=agencies["COUNCIL"])
    page = sign_in_client(council_analyst).get(f"/people/{dean.pk}/").content.decode()
    assert "No intelligence item you can open" in page and SUMMARY in page and SECRET not in page
    page = sign_in_client(users["analyst"]).get(f"/people/{dean.pk}/").content.decode()
    assert "INT-" in page and "Shared intelligence summaries" not in page  # the item itself, not its summary


def test_the_api_is_in_the_openapi_schema(client):
    schema = client.get("/api/schema/").content.decode()
    for path in ("/api/v1/people/", "/api/v1/people/{person_id}/", "/api/v1/intelligence/",
                 "/api/v1/intelligence/{item_id}/"):
        assert f"{path}:" in schema


def test_the_api_gives_a_partner_the_summary_and_condition_never_the_item(users, victim):
    child, operation = victim["child"], victim["operation"]
    recorded = item(users["analyst"], operation=operation)
    response = api(users["worker"]).get(f"/api/v1/children/{child.reference}/intelligence-summaries/")
    assert response.status_code == 200
    [shared] = response.json()
    assert (shared["summary"], shared["condition"], shared["grading"]) == (SUMMARY, CONDITION, "2/B/C")
    body = response.content.decode()
    assert SECRET not in body and recorded.reference not in body and "Golden Fry" not in body
    assert api(users["worker"]).get(f"/api/v1/intelligence/{recorded.pk}/").status_code == 404
    assert events("intelligence_summary_viewed", object_id=str(recorded.pk)).count() == 1
    outsider = api(users["referrer"]).get(f"/api/v1/children/{child.reference}/intelligence-summaries/")
    assert outsider.status_code in (403, 404)
    assert "/api/v1/children/{reference}/intelligence-summaries/:" in api(users["worker"]).get("/api/schema/").content.decode()
