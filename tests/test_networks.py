"""Networks that hold apart on data shaped like a real town's: nicknames shared by unrelated men, a taxi
firm's phone named by many children, an analyst's "not linking" mark, and hub counts that reveal nothing
hidden. Reports are filed through the same action a public report takes."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from safehub.access.actions import share_record
from safehub.audit.models import AuditEvent
from safehub.intake.models import Contact
from safehub.linking import actions as link_actions
from safehub.linking import ties
from safehub.linking.models import Hub, Mention
from tests.conftest import sign_in_client
from tests.test_linking import networks_now, report

pytestmark = pytest.mark.django_db

TAXI = "01952 000 111"


def found():
    """The current networks as sets of report references."""
    references = dict(Contact.objects.values_list("pk", "reference"))
    return sorted((sorted(references[pk] for pk in network.contact_ids) for network in networks_now()))


def refs(*contacts):
    return sorted(contact.reference for contact in contacts)


def phone_entity(number):
    return Mention.objects.filter(kind="phone", raw=number).select_related("entity").first().entity


def share_with_police(users, agencies, *contacts):
    for contact in contacts:
        share_record(users["manager"], contact, agency=agencies["POLICE"], purpose="CSE analysis",
                     lawful_basis="dpa_s1_p18")


def test_two_groups_whose_men_share_a_nickname_stay_two_networks(users):
    first = [report(children=["Ava Pike"], people=[("Daniel Moss", "Ghost")], phones=["07700 900201"]),
             report(children=["Ava Pike"], people=[("", "Ghost")], phones=["07700 900201"])]
    second = [report(children=["Ben Orr"], people=[("Tariq Malik", "Ghost")], phones=["07700 900202"]),
              report(children=["Cal Eno"], people=[("", "ghost")], vehicles=["KX19 ABC"]),
              report(children=["Cal Eno"], people=[("Tariq Malik", "")], vehicles=["KX19ABC"], phones=["07700900202"])]
    assert found() == sorted([refs(*first), refs(*second)])


def test_a_nickname_alone_never_joins_but_with_a_shared_phone_or_place_it_does(users):
    alone = [report(children=["Ava Pike"], people=[("", "Bugsy")]), report(children=["Ben Orr"], people=[("", "Bugsy")])]
    assert found() == []
    with_phone = [report(children=["Cal Eno"], people=[("", "Skinny")], phones=["07700 900203"]),
                  report(children=["Dee Ray"], people=[("", "Skinny")], phones=["07700 900203"])]
    with_place = [report(children=["Eve Lam"], people=[("", "Ricky")], places=["Flat 3, 12 Mill Street, TF1 1AA"]),
                  report(children=["Fay Uba"], people=[("", "Ricky")], places=["flat 3 12 mill st tf1 1aa"])]
    assert found() == sorted([refs(*with_phone), refs(*with_place)])
    assert not set(refs(*alone)) & {ref for network in found() for ref in network}


def test_a_place_and_a_child_alone_are_one_childs_story_not_a_network(users):
    report(children=["Ava Pike"], places=["12 Mill Street, TF1 1AA"])
    report(children=["Ava Pike"], places=["12 Mill Street, TF1 1AA"])
    assert found() == []


def test_a_taxi_firms_phone_named_in_many_reports_is_a_hub_and_joins_nothing(users, agencies):
    group = [report(children=["Ava Pike"], people=[("Daniel Moss", "")], phones=["07700 900204", TAXI]),
             report(children=["Ava Pike"], phones=["07700 900204"])]
    unrelated = [report(children=[f"Child{n} Unrelated"], phones=[TAXI]) for n in range(12)]
    assert found() == [refs(*group)]
    taxi = phone_entity(TAXI)
    assert Hub.objects.get(entity=taxi).groups == 13
    share_with_police(users, agencies, *group, *unrelated)
    analyst = sign_in_client(users["analyst"])
    hubs = analyst.get("/networks/hubs/").content.decode()
    assert "A hub: named in 13 reports about 13 children, probably a business or public number" in hubs
    page = analyst.get(f"/networks/selectors/{taxi.pk}/").content.decode()
    assert all(contact.reference in page for contact in unrelated)
    screening = sign_in_client(users["screener"]).get(f"/screening/{unrelated[0].reference}/").content.decode()
    assert "Hub.</strong> This phone number is named in many otherwise separate groups of records" in screening
    assert f'href="/networks/selectors/{taxi.pk}/">see the reports' in screening


def test_a_phone_the_reporter_says_is_a_taxi_firms_is_not_a_person_of_concerns(users):
    def taxi_report(child, whose):
        from safehub.intake.actions import submit_contact
        import uuid

        draft = {"kind": "public", "concern": "Picked up from school.", "children": [{"name": child, "age": "14"}],
                 "phones": [{"number": "01952 000 222", "whose": whose}]}
        return submit_contact(draft, submission_key=uuid.uuid4().hex)[0]

    first, second = taxi_report("Ava Pike", "Castle Cabs taxi firm"), taxi_report("Ben Orr", "the taxi office")
    assert set(Mention.objects.filter(kind="phone", contact__in=[first, second]).values_list("role", flat=True)) == {"other"}
    assert found() == []
    unnoted = [taxi_report("Cal Eno", ""), taxi_report("Dee Ray", "")]
    assert found() == [], "a number one report names as a business's joins nothing, even where others say nothing"
    page = sign_in_client(users["screener"]).get(f"/screening/{unnoted[0].reference}/").content.decode()
    assert "Someone else&#x27;s.</strong> A report names this phone number as a business or public number" in page


def test_a_name_match_needs_corroboration(users):
    named = [report(children=["Ava Pike"], people=[("Daniel Moss", "")]), report(children=["Ben Orr"], people=[("Daniel Moss", "")])]
    assert found() == []
    corroborated = [report(children=["Cal Eno"], people=[("Imran Shah", "Sparky")]),
                    report(children=["Dee Ray"], people=[("Imran Shah", "Sparky")])]
    assert found() == [refs(*corroborated)]
    assert set(refs(*named)).isdisjoint(found()[0])


def test_a_childs_first_name_given_alone_corroborates_a_name_match_when_the_ages_fit(users, agencies):
    same_story = [report(children=[("Lakshmi Wadhwa", "13")], people=[("Ross Gole", "")]),
                  report(children=[("Lakshmi", "about 13")], people=[("Ross Gole", "")])]
    assert found() == [refs(*same_story)]
    network = networks_now().get()
    assert {tie["kind"]: tie["strength"] for tie in network.ties} == {"child": "weak", "person": "weak"}
    share_with_police(users, agencies, *same_story)
    page = sign_in_client(users["analyst"]).get(f"/networks/{network.reference}/").content.decode()
    assert ("A child&#x27;s first name given alone that fits a child of about the same age in another record, in 2 "
            "of these records: weak") in page
    apart = [report(children=[("Emily Parkes", "15")], people=[("Pawel Dabrowski", "")]),
             report(children=[("Emily", "12")], people=[("Pawel Dabrowski", "")])]
    assert found() == [refs(*same_story)], "two Emilys three years apart are two children"
    assert set(refs(*apart)).isdisjoint(found()[0])


def test_an_analysts_not_linking_mark_splits_a_network_once_the_worker_runs_and_survives_link_run(users, agencies):
    shared = [report(children=["Ava Pike"], phones=["07700 900205"]), report(children=["Ben Orr"], phones=["07700 900205"])]
    share_with_police(users, agencies, *shared)
    assert found() == [refs(*shared)]
    phone = phone_entity("07700 900205")
    analyst = sign_in_client(users["analyst"])
    response = analyst.post(f"/networks/selectors/{phone.pk}/mark/", {"reason": "The school's main number"})
    assert response.status_code == 302
    assert found() == []
    call_command("link", "run", stdout=io.StringIO(), stderr=io.StringIO())
    assert found() == []
    page = analyst.get(f"/networks/selectors/{phone.pk}/").content.decode()
    assert "Marked as not linking by" in page and "The school&#x27;s main number" in page
    assert AuditEvent.objects.filter(action="selector_marked_not_linking", object_id=str(phone.pk)).exists()
    analyst.post(f"/networks/selectors/{phone.pk}/mark/", {"reason": "It is the man's own phone after all"})
    assert found() == [refs(*shared)]
    assert AuditEvent.objects.filter(action="selector_mark_undone", object_id=str(phone.pk)).exists()


def test_only_an_analyst_who_can_open_a_record_naming_it_marks_a_selector(users, agencies):
    report(phones=["07700 900206"])
    phone = phone_entity("07700 900206")
    with pytest.raises(PermissionDenied):
        link_actions.mark_not_linking(users["analyst"], phone, reason="Not shared with the police")
    with pytest.raises(PermissionDenied):
        link_actions.mark_not_linking(users["manager"], phone, reason="Not an analyst")
    share_with_police(users, agencies, Contact.objects.get())
    with pytest.raises(ValidationError, match="Give the reason"):
        link_actions.mark_not_linking(users["analyst"], phone, reason="  ")
    response = sign_in_client(users["analyst"]).post(f"/networks/selectors/{phone.pk}/mark/", {"reason": ""})
    assert response.status_code == 400 and "Give the reason" in response.content.decode()


def test_nothing_about_a_hidden_record_shows_through_hub_counts(users, agencies):
    contacts = [report(children=[f"Child{n} Hidden"], phones=[TAXI]) for n in range(12)]
    networks_now()
    taxi = phone_entity(TAXI)
    assert Hub.objects.filter(entity=taxi).exists()
    seen = contacts[:3]
    share_with_police(users, agencies, *seen)
    analyst = sign_in_client(users["analyst"])
    hubs = analyst.get("/networks/hubs/").content.decode()
    assert "named in 3 reports about 3 children" in hubs and "12 reports" not in hubs and ">12<" not in hubs
    page = analyst.get(f"/networks/selectors/{taxi.pk}/").content.decode()
    assert "Named in 3 reports you can open, about 3 children" in page
    for hidden in contacts[3:]:
        assert hidden.reference not in page and hidden.reference not in hubs
    other_phone = report(phones=["07700 900207"])
    entity = Mention.objects.get(contact=other_phone, kind="phone").entity_id
    assert analyst.get(f"/networks/selectors/{entity}/").status_code == 404


def test_the_network_page_says_why_its_records_belong_together(users, agencies):
    group = [report(children=["Ava Pike"], people=[("", "Ghost")], phones=["07700 900208"]),
             report(children=["Ben Orr"], people=[("", "Ghost")], phones=["07700 900208"], vehicles=["KX19 ABD"]),
             report(children=["Cal Eno"], vehicles=["KX19ABD"])]
    share_with_police(users, agencies, *group)
    network = networks_now().get()
    page = sign_in_client(users["analyst"]).get(f"/networks/{network.reference}/").content.decode()
    assert "Phone number +447700900208</a>, in 2 of these records: strong: joins these records on its own." in page
    assert "Vehicle KX19ABD</a>, in 2 of these records: strong" in page
    assert ">Weak evidence</strong>" in page and ">Strong evidence</strong>" in page


# --- The rules on their own (no database) -----------------------------------------------------------------


def rows_for(records):
    """Mention rows for ties.plan: {record: [(kind, entity, pattern, identifying)]}."""
    return [(kind, "person_of_concern", entity, record, pattern, identifying)
            for record, mentions in records.items() for kind, entity, pattern, identifying in mentions]


def test_a_thin_bridge_between_two_dense_groups_splits_them():
    records = {f"c{n}": [("phone", 100, "", True)] for n in range(1, 5)}
    records |= {f"c{n}": [("phone", 200, "", True)] for n in range(5, 9)}
    records["c4"].append(("vehicle", 300, "", True))
    records["c5"].append(("vehicle", 300, "", True))
    decided = ties.plan(rows_for(records))
    assert sorted(sorted(group) for group in decided.groups) == [["c1", "c2", "c3", "c4"], ["c5", "c6", "c7", "c8"]]


def test_a_chain_of_real_ties_stays_one_network():
    records = {f"c{n}": [("phone", 100 + n, "", True), ("phone", 101 + n, "", True)] for n in range(1, 9)}
    decided = ties.plan(rows_for(records))
    assert [sorted(group) for group in decided.groups] == [sorted(records)]


def test_a_phone_named_by_one_network_in_many_reports_is_not_a_hub():
    records = {f"c{n}": [("phone", 100, "", True), ("vehicle", 200 + n // 3, "", True)] for n in range(1, 16)}
    decided = ties.plan(rows_for(records), hub_groups=10)
    assert decided.hubs == {} and [len(group) for group in decided.groups] == [15]


def test_a_partial_mark_is_weak():
    records = {"c1": [("vehicle", 300, "KX19%", False)], "c2": [("vehicle", 300, "", True)]}
    assert ties.plan(rows_for(records)).groups == []
    records["c1"].append(("nickname", 400, "", False))
    records["c2"].append(("nickname", 400, "", False))
    assert [sorted(group) for group in ties.plan(rows_for(records)).groups] == [["c1", "c2"]]


def test_two_pairs_of_names_alike_are_one_clue_and_need_something_else():
    records = {"c1": [("child", 500, "", False)], "c2": [("child", 501, "", False)]}
    alike = [("c1", "c2", "link:1", "person", "weak"), ("c1", "c2", "link:2", "person", "weak")]
    assert ties.plan(rows_for(records), alike).groups == []
    records["c1"].append(("nickname", 400, "", False))
    records["c2"].append(("nickname", 400, "", False))
    assert [sorted(group) for group in ties.plan(rows_for(records), alike).groups] == [["c1", "c2"]]


def test_a_name_alike_in_many_separate_groups_is_a_common_name_and_joins_nothing():
    records = {f"c{n}": [("child", 600 + n, "", False)] for n in range(1, 13)}
    kids = {record: [("emily", False, 14)] for record in records}
    common = [(f"c{n}", f"c{n + 1}", f"link:{n}", "person", "weak", ("person: grzegorz zak",) * 2) for n in range(1, 12)]
    decided = ties.plan(rows_for(records), common, hub_groups=10, child_names=kids)
    assert decided.groups == [] and decided.common_names == {"person: grzegorz zak": 12}
    for n in range(1, 12):  # one network's man, named in its reports that a chain of phones already ties
        records[f"c{n}"] += [("phone", 700 + n, "", True), ("phone", 701 + n, "", True)]
    decided = ties.plan(rows_for(records), common, hub_groups=10, child_names=kids)
    assert [sorted(group) for group in decided.groups] == [sorted(records)] and decided.common_names == {}


def test_a_nickname_made_from_the_mans_first_name_adds_nothing_to_his_name():
    records = {"c1": [("nickname", 400, "", False)], "c2": [("nickname", 400, "", False)]}
    alike = [("c1", "c2", "link:1", "person", "weak", ("person: tomasz janc",) * 2)]
    assert [sorted(group) for group in ties.plan(rows_for(records), alike).groups] == [["c1", "c2"]]
    assert ties.plan(rows_for(records), alike, name_nicknames={400}).groups == [], "Tomzzy for Tomasz"


def test_a_childs_first_name_does_not_corroborate_a_nickname_made_from_a_first_name():
    """Barnabas Fyfe "Barsy" and Barnabas Clark "Barsy", each with a child called Antonia: two first names alike."""
    records = {"c1": [("nickname", 400, "", False)], "c2": [("nickname", 400, "", False)]}
    kids = {"c1": [("antonia", False, 12)], "c2": [("antonia", True, 13)]}
    assert ties.plan(rows_for(records), child_names=kids, name_nicknames={400}).groups == []
    alike = [("c1", "c2", "link:1", "person", "weak", ("person: barnabas fyfe",) * 2)]
    assert [sorted(group) for group in ties.plan(rows_for({"c1": [], "c2": []}), alike, child_names=kids).groups] == [
        ["c1", "c2"]], "a full name alike is corroborated"
