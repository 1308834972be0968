"""People of concern as the partnership sees them: added with ethnicity and nationality always asked (not
known and refused kept apart from never asked), promoted from a network in one step with the evidence kept,
their page showing only what the viewer may open, and completeness counted by hand."""

import datetime as dt
import re
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from safehub.access.actions import restrict_record, share_record
from safehub.accounts.actions import create_user
from safehub.audit.models import AuditEvent
from safehub.cases import actions as case_actions
from safehub.intelligence import promotion
from safehub.intelligence.actions import people as actions
from safehub.intelligence.actions.items import record_intelligence
from safehub.intelligence.models import Disruption, Operation, PersonDetail, PersonOfConcern
from safehub.intelligence.queries import completeness_figures
from safehub.linking.models import Mention
from tests.conftest import sign_in_client
from tests.test_linking import networks_now, report

pytestmark = pytest.mark.django_db

ANSWERED = {"ethnicity": "white_british", "nationality_answer": "recorded", "nationality": "British",
            "disability": "no"}


def person(user, **fields):
    return actions.create_person(user, **{"first_name": "Dean", "last_name": "Marsh", **ANSWERED, **fields})


def form(**fields):
    """A filled-in person form (the POST the page sends)."""
    return {"first_name": "Dean", "last_name": "Marsh", "nicknames": "", "aliases": "", "date_of_birth": "",
            "age_from": "", "age_to": "", "sex": "male", "ethnicity": "white_british", "nationality_answer": "recorded",
            "nationality": "British", "disability": "no", "description": "", **fields}


def police_manager(agencies):
    user, _ = create_user(username="police-manager", password="p" * 12, role="manager", agency=agencies["POLICE"])
    return user


def share_with_police(users, agencies, *contacts):
    for contact in contacts:
        share_record(users["manager"], contact, agency=agencies["POLICE"], purpose="CSE analysis",
                     lawful_basis="dpa_s1_p18")


def events(action, **where):
    return AuditEvent.objects.filter(action=action, **where)


# --- Adding a person of concern ---------------------------------------------------------------------------


def test_an_analyst_adds_a_person_whose_phone_then_links_a_new_public_report(users, agencies):
    analyst = users["analyst"]
    dean = person(analyst, nicknames="Smiler, D")
    assert re.fullmatch(r"POC-\d{6}", dean.reference) and dean.reference == f"POC-{dean.pk:06d}"
    assert dean.owning_agency == agencies["POLICE"]
    assert events("person_created", object_id=str(dean.pk)).count() == 1
    actions.add_detail(analyst, dean, kind="phone", value="07700 900555", note="From a custody record")
    own = Mention.objects.filter(person_of_concern=dean)
    assert sorted(own.values_list("kind", flat=True)) == ["nickname", "nickname", "person", "phone"]
    phone = own.get(kind="phone")
    assert phone.entity.key == "+447700900555"

    later = report(children=["Ava Pike"], phones=["+44 7700 900555"])
    assert Mention.objects.get(contact=later, kind="phone").entity_id == phone.entity_id
    share_with_police(users, agencies, later)
    page = sign_in_client(analyst).get(f"/people/{dean.pk}/").content.decode()
    assert later.reference in page and "phone number +44 7700 900555" in page


def test_the_form_asks_ethnicity_and_nationality_and_keeps_what_was_typed(users):
    client = sign_in_client(users["analyst"])
    response = client.post("/people/new/", form(ethnicity="", nationality_answer="", nationality="", disability="",
                                                description="Tall, red Audi"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in page
    assert "Choose the person&#x27;s ethnicity, or choose not known or refused" in page
    assert "Say whether the person&#x27;s nationality is recorded, not known or refused" in page
    assert "Say whether the person has a disability, or choose not known or refused" in page
    assert 'href="#id_disability"' in page, "the error summary links to the first radio"
    assert 'value="Dean"' in page and "Tall, red Audi" in page
    assert not PersonOfConcern.objects.exists()

    response = client.post("/people/new/", form(nationality=""))
    assert response.status_code == 400
    assert "Enter the nationality, or choose not known or refused" in response.content.decode()

    response = client.post("/people/new/", form(ethnicity="not_known", nationality_answer="refused", nationality="",
                                                disability="not_known"))
    assert response.status_code == 302
    made = PersonOfConcern.objects.get()
    assert (made.ethnicity, made.nationality_answer, made.disability) == ("not_known", "refused", "not_known")
    page = client.get(response["Location"]).content.decode()
    assert "Ethnicity: not known" in page and "Nationality: refused" in page and "Disability: not known" in page
    assert "1 of 5 core facts recorded" in page  # only sex: not known and refused are answers, not facts


def test_disability_is_asked_and_shown_on_the_record(users):
    client = sign_in_client(users["analyst"])
    response = client.post("/people/new/", form(disability="yes"))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Has a disability" in page and "Disability: recorded" in page and "4 of 5 core facts recorded" in page  # no age
    made = PersonOfConcern.objects.get()
    edit = client.get(f"/people/{made.pk}/edit/").content.decode()
    assert 'value="yes" checked' in edit
    actions.update_person(users["analyst"], made, disability="refused")
    made.refresh_from_db()
    assert made.disability == "refused" and not made.disability_recorded
    with pytest.raises(ValidationError, match="disability"):
        actions.update_person(users["analyst"], made, disability="")


@pytest.mark.parametrize("fields, message", [
    ({"age_from": "40", "age_to": "30"}, "The end of the age range must be the same as or more than its start"),
    ({"age_from": "5"}, "Enter an age from 10 to 100"),
    ({"date_of_birth": "1/1/2090"}, "The date of birth must be in the past"),
    ({"date_of_birth": "1/1/1980", "age_from": "40"}, "Give the date of birth or an age range, not both"),
    ({"age_to": "forty"}, "Enter the age as a whole number, like 35"),
    ({"first_name": "", "last_name": ""}, "Enter a name, or a nickname the person is known by"),
    ({"nationality_answer": "not_known", "nationality": "Polish"},
     "Leave the nationality blank when it is not known or refused"),
])
def test_the_form_says_what_is_wrong(users, fields, message):
    response = sign_in_client(users["investigator"]).post("/people/new/", form(**fields))
    assert response.status_code == 400
    assert message in response.content.decode()


def test_only_analysts_investigators_and_managers_add_people(users, agencies):
    for role in ("worker", "screener", "scrutiny"):
        with pytest.raises(PermissionDenied):
            person(users[role])
        assert sign_in_client(users[role]).get("/people/new/").status_code == 403
    assert person(users["manager"]).owning_agency == agencies["COUNCIL"]
    assert person(users["investigator"]).owning_agency == agencies["POLICE"]


def test_details_are_checked_deduplicated_and_removed_with_their_mentions(users):
    analyst = users["analyst"]
    dean, tariq = person(analyst), person(analyst, first_name="Tariq", last_name="Malik")
    with pytest.raises(ValidationError, match="Enter a phone number like"):
        actions.add_detail(analyst, dean, kind="phone", value="not a number")
    phone = actions.add_detail(analyst, dean, kind="phone", value="07700 900777")
    with pytest.raises(ValidationError, match="already recorded"):
        actions.add_detail(analyst, dean, kind="phone", value="+447700900777")
    actions.add_detail(analyst, dean, kind="vehicle", value="kx19 ab?")
    friend = actions.add_detail(analyst, dean, kind="associate", value=tariq.reference.lower(), note="Drives for him")
    assert friend.associate == tariq
    assert Mention.objects.filter(person_of_concern=dean, kind="vehicle", pattern="KX19AB_").exists()

    client = sign_in_client(analyst)
    page = client.get(f"/people/{dean.pk}/").content.decode()
    assert f'href="/people/{tariq.pk}/"' in page
    response = client.post(f"/people/{dean.pk}/details/", {"kind": "handle", "value": "", "note": ""})
    assert response.status_code == 400 and "Enter the online account" in response.content.decode()
    assert client.post(f"/people/{dean.pk}/details/{phone.pk}/remove/").status_code == 302
    assert not PersonDetail.objects.filter(pk=phone.pk).exists()
    assert not Mention.objects.filter(person_of_concern=dean, kind="phone").exists()
    assert events("person_detail_removed", object_id=str(dean.pk)).get().reason == "phone: 07700 900777"


def test_a_change_keeps_both_answers_required(users):
    analyst = users["analyst"]
    dean = person(analyst)
    client = sign_in_client(analyst)
    response = client.post(f"/people/{dean.pk}/edit/", form(ethnicity="", sex="", description="Now with a beard"))
    assert response.status_code == 400 and "Choose the person&#x27;s ethnicity" in response.content.decode()
    response = client.post(f"/people/{dean.pk}/edit/", form(ethnicity="refused", sex="",
                                                             description="Now with a beard"))
    assert response.status_code == 302
    dean.refresh_from_db()
    assert (dean.ethnicity, dean.description) == ("refused", "Now with a beard")
    assert events("person_updated", object_id=str(dean.pk)).get().reason == "description, ethnicity"


# --- Promotion from linking ----------------------------------------------------------------------------


@pytest.fixture
def dean_in_reports(users, agencies):
    """Two reports tied by a phone naming Dean Marsh "Smiler" (one with a car), and a third naming him with
    another man and a phone that could be either's, all shared with the police."""
    first = report(children=["Ava Pike"], people=[("Dean Marsh", "Smiler")], phones=["07700 900432"])
    second = report(children=["Ben Orr"], people=[("Dean Marsh", "Smiler")], phones=["07700 900432"],
                    vehicles=["KX19 ABC"])
    third = report(children=["Cal Eno"], people=[("Dean Marsh", "Smiler"), ("Tariq Malik", "Tiny")],
                   phones=["07700 900999"], vehicles=["KX19 ABC"])
    share_with_police(users, agencies, first, second, third)
    network = next(n for n in networks_now() if first.pk in n.contact_ids)
    entity = Mention.objects.get(contact=first, kind="person").entity
    return {"reports": [first, second, third], "network": network, "entity": entity}


def test_an_analyst_promotes_a_network_person_in_one_step_with_his_nicknames_and_selectors(users, dean_in_reports):
    first, second, third = dean_in_reports["reports"]
    network, entity = dean_in_reports["network"], dean_in_reports["entity"]
    assert set(network.contact_ids) == {first.pk, second.pk, third.pk}
    client = sign_in_client(users["analyst"])
    page = client.get(f"/networks/{network.reference}/").content.decode()
    link = f"/people/new/?entity={entity.pk}&amp;network={network.pk}"
    assert f'href="{link}">Promote to a person of concern' in page

    page = client.get(link.replace("&amp;", "&")).content.decode()
    assert 'value="Dean"' in page and 'value="Marsh"' in page and 'value="Smiler"' in page
    for reference in (first.reference, second.reference, third.reference):
        assert reference in page
    ticked = set(re.findall(r'value="([^"]+)" checked', page))
    offered = set(re.findall(r'name="offers" type="checkbox" value="([^"]+)"', page))
    assert offered == {"phone:07700 900432", "phone:07700 900999", "vehicle:KX19ABC"}
    assert ticked == {"phone:07700 900432", "vehicle:KX19ABC"}, "a phone of a report naming two men is not ticked"
    assert "names more than one person of concern: check whose it is" in page

    response = client.post("/people/new/", {**form(first_name="Dean", nicknames="Smiler", sex="male",
                                                   ethnicity="not_known", nationality_answer="recorded",
                                                   nationality="British"),
                                            "entity": entity.pk, "network": network.pk,
                                            "offers": ["phone:07700 900432", "vehicle:KX19ABC"]})
    assert response.status_code == 302
    dean = PersonOfConcern.objects.get()
    assert sorted(dean.details.values_list("kind", "value")) == [("phone", "07700 900432"), ("vehicle", "KX19ABC")]
    group = set(Mention.objects.filter(contact__in=[first, second, third], kind="person", raw="Dean Marsh")
                .values_list("entity_id", flat=True))
    assert set(dean.promoted_from_entities.values_list("pk", flat=True)) == group
    assert Mention.objects.filter(contact=first, kind="person", entity=entity).exists(), "the evidence stays"
    assert events("person_promoted", object_id=str(dean.pk)).count() == 1

    page = client.get(f"/people/{dean.pk}/").content.decode()
    assert "Promoted from linking" in page
    for reference in (first.reference, second.reference, third.reference):
        assert f'href="/screening/{reference}/"' in page
    assert "Promoted to a person of concern from linking by Ade Demo-Analyst" in page

    again = client.get(link.replace("&amp;", "&"))
    assert again.status_code == 403 and dean.reference in again.content.decode()


def test_promotion_is_refused_to_someone_who_cannot_open_every_record(users, agencies):
    shared = report(children=["Ava Pike"], people=[("Dean Marsh", "Smiler")], phones=["07700 900432"])
    share_with_police(users, agencies, shared)
    entity = Mention.objects.get(contact=shared, kind="person").entity
    hidden = report(children=["Ben Orr"], people=[("Dean Marsh", "")])
    Mention.objects.filter(contact=hidden, kind="person").update(entity=entity)  # as if linking matched them

    response = sign_in_client(users["analyst"]).get(f"/people/new/?entity={entity.pk}")
    assert response.status_code == 403
    page = response.content.decode()
    assert "You cannot open every report and child" in page and hidden.reference not in page
    with pytest.raises(PermissionDenied):
        actions.promote_person(users["analyst"], [entity], **{"first_name": "Dean", **ANSWERED})
    assert events("promotion_refused", object_id=str(entity.pk)).exists()
    assert sign_in_client(users["worker"]).get(f"/people/new/?entity={entity.pk}").status_code == 403
    with pytest.raises(PermissionDenied):
        actions.promote_person(users["manager"], [entity], **{"first_name": "Dean", **ANSWERED})
    assert not PersonOfConcern.objects.exists()


def test_the_person_link_page_offers_promotion(users, agencies):
    from safehub.linking.models import PersonLink

    first = report(children=["Ava Pike"], people=[("Dean Marsh", "")], phones=["07700 900433"])
    second = report(children=["Ben Orr"], people=[("Dean Marsh", "")], phones=["07700 900433"])
    share_with_police(users, agencies, first, second)
    link = PersonLink.objects.get()
    page = sign_in_client(users["analyst"]).get(f"/networks/links/{link.pk}/").content.decode()
    assert f'href="/people/new/?entity={link.left.entity_id}">Promote to a person of concern' in page
    assert "Promote to a person of concern" not in sign_in_client(users["worker"]).get(
        f"/networks/links/{link.pk}/").content.decode()


def test_a_promotion_proposal_counts_the_men_each_report_names(users, dean_in_reports):
    entities = promotion.same_person(users["analyst"], dean_in_reports["entity"], dean_in_reports["network"])
    offers = {offer.raw: offer for offer in promotion.proposal(users["analyst"], entities)["offers"]}
    first, second, third = dean_in_reports["reports"]
    assert offers["KX19ABC"].records == sorted([second.reference, third.reference])
    assert offers["KX19ABC"].ticked and not offers["07700 900999"].ticked


# --- The person's page ---------------------------------------------------------------------------------


def test_the_page_shows_only_what_the_viewer_may_open(users, agencies):
    analyst, manager, boss = users["analyst"], users["manager"], police_manager(agencies)
    seen = report(children=["Ava Pike"], people=[("Dean Marsh", "Smiler")], phones=["07700 900321"])
    share_with_police(users, agencies, seen)  # the council's report, shared with the police
    unseen = report(children=["Ben Orr"], phones=["07700 900321"])  # the council's, not shared
    entity = Mention.objects.get(contact=seen, kind="person").entity
    dean = actions.promote_person(analyst, [entity], first_name="Dean", last_name="Marsh", nicknames="Smiler",
                                  details=[("phone", "07700 900321")], **ANSWERED)
    child = case_actions.create_child(manager, first_name="Ava", last_name="Pike")
    case_actions.add_person_around(manager, child, name="Dean Marsh", relationship="Older boyfriend", of_concern=True)
    # Later, linking matches the Dean Marsh around the child to him (an analyst's confirmation, say).
    Mention.objects.filter(child_record=child, kind="person").update(entity=entity)
    item = record_intelligence(analyst, scheme="3x5x2", source_grade="2", intelligence_grade="B",
                               handling_code="C", handling_condition="Not to be shared with the family",
                               text="Source says Dean keeps girls at a flat above the takeaway.",
                               sanitised_summary="Police hold information that he takes girls to a flat in town.",
                               people=[dean], named=[("phone", "07700 900321")])
    operation = Operation.objects.create(name="Operation Larch", owning_agency=agencies["POLICE"], lead=boss,
                                         created_by=boss)
    operation.people.add(dean)
    Disruption.objects.create(operation=operation, kind="cawn", person=dean, served_at=timezone.now(),
                              recorded_by=boss)
    share_record(boss, dean, agency=agencies["COUNCIL"], purpose="Safety planning", lawful_basis="dpa_s1_p18")

    police = sign_in_client(analyst).get(f"/people/{dean.pk}/").content.decode()
    assert seen.reference in police and unseen.reference not in police
    assert item.reference in police and "Operation Larch" in police
    assert "Child Abduction Warning Notice served" in police
    assert child.reference not in police  # the council's child record is not shared with the police

    council = sign_in_client(manager).get(f"/people/{dean.pk}/").content.decode()
    assert seen.reference in council and unseen.reference in council  # both are the council's own reports
    assert child.reference in council and "person Dean Marsh" in council
    assert item.reference not in council and "takeaway" not in council
    assert "Police hold information that he takes girls to a flat in town." in council
    assert "Not to be shared with the family" in council
    assert "Operation Larch" not in council and "Warning Notice" not in council

    assert events("person_viewed", object_id=str(dean.pk)).count() == 2
    assert events("intelligence_summary_viewed", object_id=str(item.pk), actor_name="manager").count() == 1
    assert events("intelligence_listed", actor_name="analyst").count() == 1


def test_a_person_nobody_shared_is_not_found_and_the_look_is_audited(users):
    dean = person(users["analyst"])
    for role in ("manager", "worker"):
        assert sign_in_client(users[role]).get(f"/people/{dean.pk}/").status_code == 404
    assert events("access_denied", object_type="personofconcern", object_id=str(dean.pk)).count() == 2
    assert sign_in_client(users["screener"]).get(f"/people/{dean.pk}/").status_code == 403


def test_a_restricted_person_opens_only_for_the_allow_list(users, agencies):
    boss = police_manager(agencies)
    dean = person(boss)
    restrict_record(boss, dean, reason_kind="high_risk_intelligence", reason="Covert tactic",
                    allowed_users=[boss, users["investigator"]])
    refused = sign_in_client(users["analyst"]).get(f"/people/{dean.pk}/")
    assert refused.status_code == 403 and "This record is restricted" in refused.content.decode()
    assert "Break the glass" not in refused.content.decode() and str(dean) not in refused.content.decode()
    assert sign_in_client(users["investigator"]).get(f"/people/{dean.pk}/").status_code == 200


def test_a_manager_outside_a_persons_restriction_breaks_the_glass_and_it_is_audited(users, agencies):
    """People of concern take the access routes of every record: the restricted page offers a manager of the
    agency the break-glass, which opens the person for that session and is audited."""
    boss = police_manager(agencies)
    dean = person(boss)
    restrict_record(boss, dean, reason_kind="high_profile", reason="Known to staff", allowed_users=[boss])
    other, _ = create_user(username="police-manager-2", password="p" * 12, role="manager", agency=agencies["POLICE"])
    client = sign_in_client(other)
    refused = client.get(f"/people/{dean.pk}/").content.decode()
    assert "Break the glass and open the record" in refused
    assert f'action="/access/personofconcern/{dean.reference}/break-glass/"' in refused
    response = client.post(f"/access/personofconcern/{dean.reference}/break-glass/",
                           {"reason": "He was seen with a missing child tonight."})
    assert response.status_code == 302 and response["Location"] == f"/people/{dean.pk}/"
    assert client.get(f"/people/{dean.pk}/").status_code == 200
    assert events("break_glass", object_type="personofconcern", object_id=str(dean.pk)).exists()


def test_the_chronology_is_newest_first(users, agencies):
    analyst = users["analyst"]
    dean = person(analyst)
    actions.add_detail(analyst, dean, kind="phone", value="07700 900654")
    received = timezone.now() - dt.timedelta(days=3)
    item = record_intelligence(analyst, scheme="5x5x5", source_grade="B", intelligence_grade="2", handling_code="4",
                               text="Seen with two girls at the station.", received_at=received, people=[dean])
    page = sign_in_client(analyst).get(f"/people/{dean.pk}/").content.decode()
    chronology = page[page.index('id="chronology-table"'):]
    order = [chronology.index(text) for text in ("Phone added: 07700 900654", "Record created by",
                                                 f"Intelligence {item.reference} received (B/2/4)")]
    assert order == sorted(order)


# --- Completeness ----------------------------------------------------------------------------------------


def _older_record(owner, by, **fields):
    """A record migrated from an older system, where nobody asked: blank ethnicity or nationality."""
    made = PersonOfConcern.objects.create(owning_agency=owner, created_by=by, first_name="Old",
                                          last_name=uuid.uuid4().hex[:6], **fields)
    made.reference = f"POC-{made.pk:06d}"
    PersonOfConcern.objects.filter(pk=made.pk).update(reference=made.reference)
    return made


@pytest.fixture
def completeness_world(users, agencies):
    """Eleven people of concern: eight the police hold, three the council holds."""
    analyst, manager = users["analyst"], users["manager"]
    police, council = agencies["POLICE"], agencies["COUNCIL"]
    made = [
        person(analyst, ethnicity="asian_pakistani", nationality="British", disability="yes"),
        person(analyst, ethnicity="white_british", nationality="British"),
        person(analyst, ethnicity="white_other", nationality="Polish"),
        person(analyst, ethnicity="not_known", nationality_answer="not_known", nationality="", disability="not_known"),
        person(analyst, ethnicity="refused", nationality_answer="refused", nationality="", disability="refused"),
        person(analyst, ethnicity="refused", nationality_answer="not_known", nationality=""),
        _older_record(police, analyst),
        _older_record(police, analyst, ethnicity="black_african"),
        person(manager, ethnicity="not_known", nationality="British"),
        _older_record(council, manager),
        _older_record(council, manager, nationality_answer="refused"),
    ]
    return made


def test_completeness_figures_counted_by_hand(users, completeness_world):
    # Police-held (8): ethnicity recorded 4 (Pakistani, White British, White other, Black African),
    # not known 1, refused 2, not asked 1; nationality recorded 3, not known 2, refused 1, not asked 2.
    police = completeness_figures(PersonOfConcern.objects.visible_to(users["analyst"]))
    assert police["total"] == 8
    assert police["questions"] == [
        ("Ethnicity", [("Recorded", 4, 50), ("Not known", 1, 13), ("Refused", 2, 25), ("Not asked", 1, 13)]),
        ("Nationality", [("Recorded", 3, 38), ("Not known", 2, 25), ("Refused", 1, 13), ("Not asked", 2, 25)]),
        # disability recorded 4 (yes 1, no 3), not known 1, refused 1, not asked 2 (the older records)
        ("Disability", [("Recorded", 4, 50), ("Not known", 1, 13), ("Refused", 1, 13), ("Not asked", 2, 25)])]
    # All eleven: add the council's three (ethnicity not known, not asked, not asked; nationality recorded,
    # not asked, refused).
    everyone = completeness_figures(PersonOfConcern.objects.all())
    assert everyone["total"] == 11
    assert [count for _, count, _ in everyone["questions"][0][1]] == [4, 2, 2, 3]
    assert [count for _, count, _ in everyone["questions"][1][1]] == [4, 2, 2, 3]
    assert [count for _, count, _ in everyone["questions"][2][1]] == [5, 1, 1, 4]


def test_the_completeness_page_counts_what_each_viewer_may_open_and_scrutiny_sees_counts_only(users,
                                                                                            completeness_world):
    older = completeness_world[6]
    police = sign_in_client(users["analyst"]).get("/people/completeness/").content.decode()
    assert "Counted over the 8 people of concern you can open." in police
    assert older.reference in police  # listed as never asked, to be put right

    council = sign_in_client(users["manager"]).get("/people/completeness/").content.decode()
    assert "Counted over the 3 people of concern you can open." in council and older.reference not in council

    scrutiny = sign_in_client(users["scrutiny"]).get("/people/completeness/").content.decode()
    assert "Counted over all 11 people of concern in the partnership" in scrutiny
    assert not any(p.reference in scrutiny or p.last_name in scrutiny for p in completeness_world)
    assert sign_in_client(users["worker"]).get("/people/completeness/").status_code == 403
    assert events("completeness_viewed").count() == 3


def test_each_record_shows_its_completeness(users, completeness_world):
    client = sign_in_client(users["analyst"])
    never = client.get(f"/people/{completeness_world[6].pk}/").content.decode()
    assert "Ethnicity: not asked" in never and "Nationality: not asked" in never
    assert "Disability: not asked" in never and "0 of 5 core facts recorded" in never
    listing = client.get("/people/").content.decode()
    assert listing.count("Not asked</strong>") == 3  # the two older police records: 1 + 2 questions


# --- API -------------------------------------------------------------------------------------------------


def test_the_api_lists_and_opens_people_through_the_policy(users, agencies):
    from rest_framework.test import APIClient

    from safehub.accounts.api_auth import issue_token

    def api(role):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(users[role], 'test')}")
        return client

    dean = person(users["analyst"], ethnicity="refused", nationality_answer="not_known", nationality="")
    actions.add_detail(users["analyst"], dean, kind="phone", value="07700 900111")
    listed = api("investigator").get("/api/v1/people/").json()
    assert [row["reference"] for row in listed] == [dean.reference]
    one = api("analyst").get(f"/api/v1/people/{dean.pk}/").json()
    assert (one["ethnicity_answer"], one["nationality_answer"]) == ("refused", "not_known")
    assert one["details"][0]["value"] == "07700 900111"
    assert events("person_viewed", object_id=str(dean.pk)).count() == 1
    assert api("manager").get(f"/api/v1/people/{dean.pk}/").status_code == 404
    assert api("manager").get("/api/v1/people/").json() == []
    assert api("screener").get("/api/v1/people/").status_code == 403
