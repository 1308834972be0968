"""Real-time linking across records: exact selectors, people matched pair by pair with evidence, analysts'
judgements surviving a re-run, networks on the demo's planted data, and nothing revealed across agencies."""

import datetime as dt
import io
import uuid

import pytest
from django.core.management import CommandError, call_command

from safehub.access.actions import restrict_record, share_record
from safehub.accounts.actions import create_user
from safehub.cases import actions as case_actions
from safehub.intake.actions import submit_contact
from safehub.intake.models import Contact
from safehub.linking import actions as link_actions
from safehub.linking import batch, networks
from safehub.linking.models import Entity, Mention, Network, NetworkState, PersonLink
from safehub.linking.resolve import clusters
from safehub.linking.tasks import update_networks
from tests.conftest import sign_in_client

pytestmark = pytest.mark.django_db


def report(children=(), people=(), phones=(), vehicles=(), handles=(), places=()):
    draft = {"kind": "public", "concern": "Worried about older men and cars.",
             "children": [{"name": child[0], "age": child[1]} if isinstance(child, tuple) else {"name": child, "age": "14"}
                          for child in children],
             "people": [{"name": name, "nicknames": nick} for name, nick in people],
             "phones": [{"number": number} for number in phones],
             "vehicles": [{"registration": mark} for mark in vehicles],
             "handles": [{"username": handle, "app": "Snapchat"} for handle in handles],
             "places": [{"address": address} for address in places]}
    contact, _ = submit_contact(draft, submission_key=uuid.uuid4().hex)
    return contact


def upkeep():
    """What the background worker does after changes (`linking.tasks.update_networks`), run here at once: filing,
    judging and marking only note what changed."""
    return update_networks.call()


def networks_now(user=None):
    """The networks this user is shown once the worker has brought them up to date."""
    upkeep()
    return networks.current_networks(user)


def entity_of(contact, kind):
    return Mention.objects.get(contact=contact, kind=kind).entity_id


def test_the_same_phone_written_three_ways_is_one_entity_at_once(users):
    first = report(children=["Ava Pike"], phones=["07700 900123"])
    second = report(children=["Ben Orr"], phones=["+44 7700 900123"])
    third = report(children=["Cal Eno"], phones=["447700900123"])
    assert entity_of(first, "phone") == entity_of(second, "phone") == entity_of(third, "phone")
    assert Entity.objects.get(pk=entity_of(first, "phone")).key == "+447700900123"


def test_screening_page_says_what_a_new_report_links_to(users):
    report(children=["Ava Pike"], people=[("", "Skinny")], phones=["07700 900321"])
    report(children=["Ben Orr"], people=[("", "skinny")], phones=["07700900321"])
    new = report(children=["Cal Eno"], people=[("", "SKINNY")], phones=["+447700900321"])
    page = sign_in_client(users["screener"]).get(f"/screening/{new.reference}/").content.decode()
    assert "This phone number (+447700900321)</strong> appears in 2 other reports about 2 other children" in page
    assert "This nickname (Skinny)</strong> appears in 2 other reports" in page


def test_a_partial_mark_links_to_the_one_full_mark_it_fits(users):
    partial = report(vehicles=["AB12 C??"])
    assert entity_of(partial, "vehicle") is None
    full = report(vehicles=["ab12 cde"])
    partial_mention = Mention.objects.get(contact=partial, kind="vehicle")
    assert partial_mention.entity_id == entity_of(full, "vehicle")
    report(vehicles=["XY99 ZZZ"])
    assert Mention.objects.get(pk=partial_mention.pk).entity_id == entity_of(full, "vehicle")


def child(users, first, last, dob, postcode="WK1 7UT", address="12 Forge Drive, Wellbridge"):
    return case_actions.create_child(users["worker"], first_name=first, last_name=last, date_of_birth=dob,
                                     addresses=[{"address": address, "postcode": postcode}])


def child_entity(record):
    return Mention.objects.get(child_record=record, kind="child").entity_id


def test_transliterations_of_one_child_link_with_their_evidence(users):
    first = child(users, "Mohammed", "Qureshi", dt.date(2011, 4, 3))
    second = child(users, "Muhammad", "Qureshi", dt.date(2011, 4, 3))
    link = PersonLink.objects.get()
    assert link.band == PersonLink.Band.AUTO
    assert child_entity(first) == child_entity(second)
    fields = {item["field"]: item for item in link.evidence}
    assert fields["first_name"]["comparison"] == "same name group" and fields["first_name"]["weight"] > 0
    assert fields["dob"]["weight"] > 0 and fields["surname"]["weight"] > 0
    assert abs(sum(item["weight"] for item in link.evidence) - link.match_weight) < 0.01


def test_twins_and_a_father_and_son_stay_apart(users):
    dob = dt.date(2012, 9, 9)
    twin_one, twin_two = child(users, "Amira", "Bhatti", dob), child(users, "Zara", "Bhatti", dob)
    father = case_actions.create_child(users["worker"], first_name="Tomasz", last_name="Wozniak",
                                       date_of_birth=dt.date(1984, 1, 5))
    son = case_actions.create_child(users["worker"], first_name="Tomasz", last_name="Wozniak",
                                    date_of_birth=dt.date(2012, 1, 5))
    assert child_entity(twin_one) != child_entity(twin_two)
    assert child_entity(father) != child_entity(son)
    held = [item["comparison"] for link in PersonLink.objects.all()
            for item in link.evidence if item["field"] == "guard"]
    assert any(reason.startswith("first names clearly differ") for reason in held)
    assert any(reason.startswith("born ten or more years apart") for reason in held)


def test_two_slips_of_one_name_join_but_a_slip_never_bridges_twins(users):
    dob = dt.date(2011, 2, 11)
    sam, slip, other_slip = (child(users, name, "Pickering", dob) for name in ("Sam", "Sma", "Ssm"))
    assert child_entity(sam) == child_entity(slip) == child_entity(other_slip)
    twin_one, twin_two = child(users, "Amira", "Bhatti", dob), child(users, "Zara", "Bhatti", dob)
    child(users, "Amria", "Bhatti", dob)
    assert child_entity(twin_one) != child_entity(twin_two)


def test_swapped_names_and_day_month_swapped_still_link(users):
    first = child(users, "Ioana", "Popescu", dt.date(2010, 3, 11))
    second = child(users, "Popescu", "Ioana", dt.date(2010, 11, 3))
    assert child_entity(first) == child_entity(second)


def fake(pk, kind="person"):
    mention = Mention(kind=kind, raw=f"m{pk}")
    mention.pk = pk
    return mention


def link(left, right, weight, band="auto", judgement=""):
    return PersonLink(left_id=left, right_id=right, match_weight=weight, probability=0.5, band=band,
                      judgement=judgement, evidence=[{"field": "dob", "weight": -5 if band == "none" else 5}])


def test_a_third_record_never_chains_two_people_together():
    one, two, three = fake(1), fake(2), fake(3)
    # 1 and 3 are scored as different people; 2 links strongly to both (e.g. a record with only a surname).
    groups = clusters([one, two, three], [link(1, 2, 20), link(2, 3, 18), link(1, 3, -10, band="none")])
    sizes = sorted(len(group) for group in groups)
    assert sizes == [1, 2]
    assert {1, 2} in [{m.pk for m in group} for group in groups]


def test_a_rejected_link_keeps_apart_and_a_confirmed_one_joins():
    one, two = fake(1), fake(2)
    assert len(clusters([one, two], [link(1, 2, 30, judgement="rejected")])) == 2
    assert len(clusters([one, two], [link(1, 2, -3, band="review", judgement="confirmed")])) == 1


def test_an_analysts_rejection_splits_at_once_and_survives_a_re_run(users, agencies):
    first = child(users, "Mohammed", "Qureshi", dt.date(2011, 4, 3))
    second = child(users, "Muhammad", "Qureshi", dt.date(2011, 4, 3))
    analyst, _ = create_user(username="council-analyst", password="a" * 12, role="analyst", agency=agencies["COUNCIL"])
    pair = PersonLink.objects.get()
    link_actions.judge_link(analyst, pair, "rejected", reason="Cousins: different schools")
    assert child_entity(first) != child_entity(second)
    batch.run()
    pair.refresh_from_db()
    assert pair.judgement == "rejected" and pair.band == PersonLink.Band.AUTO
    assert child_entity(first) != child_entity(second)


def test_only_an_analyst_who_can_open_both_records_judges_a_link(users, agencies):
    child(users, "Mohammed", "Qureshi", dt.date(2011, 4, 3))
    child(users, "Muhammad", "Qureshi", dt.date(2011, 4, 3))
    pair = PersonLink.objects.get()
    with pytest.raises(Exception, match="Only an analyst"):
        link_actions.judge_link(users["analyst"], pair, "rejected", reason="x")  # a police analyst: not shared
    assert sign_in_client(users["analyst"]).get(f"/networks/links/{pair.pk}/").status_code == 404


def test_demo_networks_are_all_found_with_no_false_flag(users):
    from safehub.demo.generator import load_demo_reports
    from safehub.demo.models import GroundTruth

    load_demo_reports(users, count=300, seed=2026)
    found = networks.compute()
    references = dict(Contact.objects.values_list("pk", "reference"))
    planted = {truth.key: truth.data for truth in GroundTruth.objects.filter(seed=2026, kind="network")}
    assert len(planted) == 4
    flagged = [{references[pk] for pk in network.contact_ids} for network in found if network.flagged]
    in_planted = {r["reference"] for truth in planted.values() for r in truth["reports"]}
    assert not [refs for refs in flagged if not refs & in_planted], "a network of unrelated reports only was flagged"
    for truth in planted.values():
        assert {r["reference"] for r in truth["reports"]} in flagged, truth["key"]
    assert len(flagged) == len(planted), "a network was flagged outside the planted ones"
    near_miss = GroundTruth.objects.get(seed=2026, kind="near_miss").data["references"]
    assert not any(set(near_miss) <= refs for refs in ({references[pk] for pk in n.contact_ids} for n in found))
    for network in found:
        truth = next(t for t in planted.values() if {r["reference"] for r in t["reports"]} ==
                     {references[pk] for pk in network.contact_ids})
        assert network.flag_reason == (f"Possible group-based exploitation: {len(truth['persons'])} persons of "
                                       f"concern and {len(truth['children'])} children")


def test_networks_reveal_nothing_the_viewer_may_not_open(users, agencies):
    shared = report(children=["Ava Pike"], people=[("", "Taz")], phones=["07700 900555"])
    hidden = report(children=["Ben Orr"], people=[("", "Taz")], phones=["07700 900555"])
    restricted = report(children=["Cal Eno"], phones=["07700 900555"])
    for contact in (shared, restricted):
        share_record(users["manager"], contact, agency=agencies["POLICE"], purpose="MASH", lawful_basis="dpa_s1_p18")
    restrict_record(users["manager"], restricted, reason_kind="high_profile", reason="Locked",
                    allowed_users=[users["manager"]])
    analyst = sign_in_client(users["analyst"])
    listing = analyst.get("/networks/").content.decode()
    network = networks_now().get()
    assert "2 restricted records" in listing
    page = analyst.get(f"/networks/{network.reference}/").content.decode()
    assert shared.reference in page and "2 restricted records in this network are not shown" in page
    for secret in (hidden.reference, restricted.reference, "Ben Orr", "Cal Eno"):
        assert secret not in page and secret not in listing
    screening = analyst.get(f"/screening/{shared.reference}/").content.decode()
    assert hidden.reference not in screening
    assert "Nothing in this report appears in any other report you can open" in screening


def test_a_network_nobody_shared_with_you_is_not_listed(users, agencies):
    report(people=[("", "Taz")], phones=["07700 900556"])
    report(people=[("", "Taz")], phones=["07700 900556"])
    police_worker, _ = create_user(username="pw", password="p" * 12, role="worker", agency=agencies["POLICE"])
    client = sign_in_client(police_worker)
    assert "No network joins records you can open" in client.get("/networks/").content.decode()
    network = networks_now().get()
    assert client.get(f"/networks/{network.reference}/").status_code == 404


def test_link_run_reports_a_summary_and_train_refuses_too_little_data(users):
    report(children=["Ava Pike"], phones=["07700 900777"])
    report(children=["Ben Orr"], phones=["07700 900777"])
    out = io.StringIO()
    call_command("link", "run", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "networks: 1 (0 flagged for review)" in text and "changes since the last run" in text
    with pytest.raises(CommandError, match="named people to train on"):
        call_command("link", "train", stdout=io.StringIO())


def test_a_report_is_stored_even_if_linking_fails(users, monkeypatch):
    from safehub.linking import resolve

    def broken(contact):
        raise RuntimeError("linking is down")

    monkeypatch.setattr(resolve, "contact_mentions", broken)
    contact = report(children=["Ava Pike"], phones=["07700 900888"])
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert not Mention.objects.filter(contact=contact).exists()
    monkeypatch.undo()
    batch.run()
    assert Mention.objects.filter(contact=contact, kind="phone").exists()


def test_a_judgement_survives_a_change_to_the_child_record(users, agencies):
    first = child(users, "Mohammed", "Qureshi", dt.date(2011, 4, 3))
    second = child(users, "Muhammad", "Qureshi", dt.date(2011, 4, 3))
    analyst, _ = create_user(username="council-analyst", password="a" * 12, role="analyst", agency=agencies["COUNCIL"])
    link_actions.judge_link(analyst, PersonLink.objects.get(), "rejected", reason="Cousins")
    case_actions.update_child(users["worker"], second, school="Wellbridge Academy")
    case_actions.add_person_around(users["worker"], second, name="Dean Marsh", relationship="Uncle")
    assert PersonLink.objects.get().judgement == "rejected"
    assert child_entity(first) != child_entity(second)


def test_a_new_surname_or_a_nickname_still_links_the_same_child(users):
    before = child(users, "Ioana", "Popescu", dt.date(2010, 3, 11))
    married_name = child(users, "Ioana", "Stanciu", dt.date(2010, 3, 11))  # mother remarried, same home
    assert child_entity(before) == child_entity(married_name)
    robert = child(users, "Robert", "Hartley", dt.date(2011, 7, 2), postcode="WK2 4AB", address="3 Kiln Lane")
    bobby = child(users, "Bobby", "Hartley", dt.date(2011, 7, 2), postcode="WK2 4AB", address="3 Kiln Lane")
    assert child_entity(robert) == child_entity(bobby)


def test_no_date_of_birth_still_links_on_name_and_address(users):
    known = child(users, "Chinedu", "Okonkwo", dt.date(2009, 5, 5))
    undated = case_actions.create_child(users["worker"], first_name="Chinedu", last_name="Okonkwo",
                                        addresses=[{"address": "12 Forge Drive, Wellbridge", "postcode": "WK1 7UT"}])
    link = PersonLink.objects.get()
    dob = next(item for item in link.evidence if item["field"] == "dob")
    assert (dob["comparison"], dob["weight"]) == ("dob missing", 0)  # a missing field adds nothing
    assert link.band == PersonLink.Band.AUTO and child_entity(known) == child_entity(undated)


def test_a_named_reporter_is_a_mention_but_does_not_join_their_reports_into_a_network(users):
    def named_report(child_name):
        draft = {"kind": "public", "concern": "Worried.", "children": [{"name": child_name, "age": "13"}],
                 "reporter": {"anonymous": False, "name": "Jo Teacher", "phone": "07700 900999",
                              "relationship": "Teacher"}}
        return submit_contact(draft, submission_key=uuid.uuid4().hex)[0]

    first, second = named_report("Ava Pike"), named_report("Ben Orr")
    roles = set(Mention.objects.filter(contact=first, role="reporter").values_list("kind", flat=True))
    assert roles == {"person", "phone"}
    assert entity_of(first, "phone") == entity_of(second, "phone")
    assert networks.compute() == []


def _network_of_two(number):
    phone = f"07700 900{100 + number:03d}"
    report(children=[f"Child{number} Alpha"], people=[(f"Adult{number} Beta", f"Nick{number}")], phones=[phone])
    report(children=[f"Child{number} Gamma"], people=[(f"Adult{number} Beta", "")], phones=[phone])


def test_computing_networks_runs_the_same_queries_however_many_there_are(users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def measured():  # from scratch each time, as the first full recomputation of a set
        Network.objects.all().delete()
        NetworkState.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            found = networks.compute()
        return len(found), len(queries.captured_queries)

    def listed(client):
        client.get("/networks/")  # warm up (session, content types)
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/networks/").content.decode()
        return page.count('href="/networks/'), len(queries.captured_queries)

    manager = sign_in_client(users["manager"])
    for number in range(2):
        _network_of_two(number)
    few, few_listed = measured(), listed(manager)
    for number in range(2, 8):
        _network_of_two(number)
    many, many_listed = measured(), listed(manager)
    assert (few[0], many[0]) == (2, 8)
    assert many[1] == few[1], f"{few[1]} queries for 2 networks, {many[1]} for 8"
    assert many_listed[0] == few_listed[0] + 6
    assert many_listed[1] <= few_listed[1], f"the list ran {few_listed[1]} queries for 2 networks, {many_listed[1]} for 8"


def test_a_report_sharing_its_names_with_many_is_linked_in_the_same_statements_and_joins_none(users):
    """Names collide: every earlier child called Amelia Ashley is a candidate of the next. Each pair is stored with
    its evidence and needs review (a name alone is not enough), nobody is joined, and linking the report runs
    the same statements with 12 namesakes on file as with 2 (ADR 32)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def filed(number):
        with CaptureQueriesContext(connection) as queries:
            contact = report(children=["Amelia Ashley"], people=[("Kyle Hartley", "Bugsy")],
                             phones=[f"07700 900{number:03d}"])
        return contact, len(queries.captured_queries)

    earlier = [filed(number)[0] for number in range(2)]
    few = filed(50)
    earlier += [few[0]] + [filed(number)[0] for number in range(2, 11)]
    many = filed(51)
    assert many[1] == few[1], f"{few[1]} statements with 2 namesakes, {many[1]} with 12"

    child = Mention.objects.get(contact=many[0], kind="child")
    links = PersonLink.objects.filter(right=child)
    assert sorted(link.left.contact_id for link in links) == sorted(contact.pk for contact in earlier)
    assert {link.band for link in links} == {"review"}
    assert all([item["comparison"] for item in link.evidence if item["field"] in ("first_name", "surname")]
               == ["exact", "exact"] for link in links)
    from safehub.linking import people

    version, scorer_ = people.scorer()
    mentions = Mention.objects.filter(contact=many[0])
    stored = PersonLink.objects.filter(right__in=mentions).select_related("left", "right")
    assert stored.count() == 24  # the child's namesakes and the man's, each pair with its own score
    for link in stored:
        expected = people.score_pair(scorer_, version, link.left, link.right)
        assert (link.match_weight, link.probability, link.band, link.evidence, link.model_version) == (
            expected.weight, expected.probability, expected.band, expected.evidence, version)
    assert Mention.objects.filter(entity_id=child.entity_id).count() == 1
    assert Mention.objects.filter(kind="child").values("entity_id").distinct().count() == 13
    man = Mention.objects.get(contact=many[0], kind="person")
    assert PersonLink.objects.filter(right=man).count() == 12
    assert entity_of(many[0], "nickname") == entity_of(earlier[0], "nickname")


def test_a_record_plainly_one_person_with_another_is_not_held_apart_as_their_brother(users):
    # A slip in the name and one in the date on one record, the day and month swapped on another: against each
    # other they look like another name and another date, but the third record shows they are one man.
    first = child(users, "Cornel", "Dochioiu", dt.date(1972, 10, 12))
    swapped = child(users, "Cornel", "Dochioiu", dt.date(1972, 12, 10))
    slipped = child(users, "Corntl", "Dochioiu", dt.date(1972, 10, 22))
    assert child_entity(first) == child_entity(swapped) == child_entity(slipped)


def test_brothers_and_sisters_at_one_address_stay_apart(users):
    maria = child(users, "Maria", "Kowalska", dt.date(2009, 3, 14))
    marie = child(users, "Marie", "Kowalska", dt.date(2013, 8, 2))
    assert child_entity(maria) != child_entity(marie)
