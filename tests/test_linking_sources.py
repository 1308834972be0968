"""Linking reads four kinds of record: reports, children's records, intelligence items and people of concern.
Intelligence feeds linking without leaking through it: whoever may not open an intelligence item sees no trace of
its mentions (no network member, tie, count, flag, hub, label or person link), and a person of concern's phone
named in a new report says so to those who may open the person, and to nobody else. All data synthetic."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied

from safehub import clock
from safehub.access.actions import share_record
from safehub.access.models import Restriction
from safehub.accounts.actions import create_user
from safehub.intelligence.models import IntelligenceItem, IntelligenceMention, PersonDetail, PersonOfConcern
from safehub.linking import actions as link_actions
from safehub.linking import networks
from safehub.linking.models import Mention, PersonLink
from safehub.linking.resolve import link_intelligence_item, link_person_of_concern
from tests.conftest import sign_in_client
from tests.test_linking import report

pytestmark = pytest.mark.django_db


def intelligence(agency, user, named, number=1):
    """A police intelligence item naming these (kind, value) pairs, linked as the intelligence room will."""
    item = IntelligenceItem.objects.create(reference=f"INT-{number:04d}", owning_agency=agency, submitted_by=user,
                                           source_grade="1", intelligence_grade="B", handling_code="P",
                                           text="Synthetic intelligence for a test.")
    for kind, value in named:
        IntelligenceMention.objects.create(item=item, kind=kind, value=value)
    link_intelligence_item(item)
    return item


def person_of_concern(agency, user, first, last, nicknames="", phones=(), number=1):
    person = PersonOfConcern.objects.create(reference=f"POC-{number:04d}", owning_agency=agency, created_by=user,
                                            first_name=first, last_name=last, nicknames=nicknames)
    for phone in phones:
        PersonDetail.objects.create(person=person, kind=PersonDetail.Kind.PHONE, value=phone)
    link_person_of_concern(person)
    return person


def share_with_police(users, agencies, *contacts):
    for contact in contacts:
        share_record(users["manager"], contact, agency=agencies["POLICE"], purpose="CSE analysis",
                     lawful_basis="dpa_s1_p18")


def page(user, url):
    return sign_in_client(user).get(url).content.decode()


def council_analyst(agencies):
    return create_user(username="council-analyst", password="c" * 12, role="analyst", agency=agencies["COUNCIL"])[0]


def test_an_intelligence_item_ties_reports_into_a_network_only_for_those_who_may_read_it(users, agencies):
    first = report(children=["Ava Pike"], phones=["07700 900301"])
    second = report(children=["Ben Orr"], vehicles=["KX20 ABC"])
    share_with_police(users, agencies, first, second)
    item = intelligence(agencies["POLICE"], users["analyst"], [("phone", "07700 900301"), ("vehicle", "KX20ABC")])

    analyst = sign_in_client(users["analyst"])
    listing = analyst.get("/networks/").content.decode()
    network = networks.current_networks(users["analyst"]).get()
    assert f'href="/networks/{network.reference}/"' in listing
    shown = analyst.get(f"/networks/{network.reference}/").content.decode()
    assert "2 reports and 1 intelligence item you can open" in shown
    assert first.reference in shown and second.reference in shown and "INT-0001" in shown
    assert "Phone number +447700900301</a>, in 2 of these records: strong" in shown
    phone = Mention.objects.get(contact=first, kind="phone").entity_id
    assert "INT-0001" in analyst.get(f"/networks/selectors/{phone}/").content.decode()

    # The council, who filed and may open both reports, and an analyst of the council: the two reports share
    # nothing they may see, so there is no network, no count, no tie and no word of intelligence.
    for viewer in (users["manager"], users["worker"], council_analyst(agencies)):
        client = sign_in_client(viewer)
        listing = client.get("/networks/").content.decode()
        assert "No network joins records you can open" in listing, viewer
        assert client.get(f"/networks/{network.reference}/").status_code == 404
        selector = client.get(f"/networks/selectors/{phone}/").content.decode()
        assert first.reference in selector and "INT-0001" not in selector and "ntelligence" not in selector
        assert networks.current_networks(viewer).count() == 0
    for contact in (first, second):
        screening = page(users["screener"], f"/screening/{contact.reference}/")
        assert "Nothing in this report appears in any other report you can open" in screening
        assert "INT-0001" not in screening and "ntelligence" not in screening
    assert item.pk not in {pk for n in networks.current_networks(users["manager"]) for pk in n.intelligence_ids}


def test_intelligence_restricted_against_one_analyst_shapes_nothing_they_see(users, agencies):
    first = report(children=["Ava Pike"], phones=["07700 900311"])
    second = report(children=["Ben Orr"], handles=["ghost_rider_77"])
    share_with_police(users, agencies, first, second)
    item = intelligence(agencies["POLICE"], users["analyst"],
                        [("phone", "07700 900311"), ("handle", "@Ghost_Rider_77")])
    kept_out, _ = create_user(username="police-analyst-2", password="p" * 12, role="analyst", agency=agencies["POLICE"])
    restriction = Restriction.objects.create(content_type=ContentType.objects.get_for_model(item), object_id=item.pk,
                                             reason_kind="high_risk_intelligence", reason="Source protection",
                                             created_by=users["analyst"], review_due=Restriction.review_date_from(
                                                 clock.today()))
    restriction.allowed_users.add(users["analyst"])
    assert networks.current_networks(users["analyst"]).count() == 1
    assert networks.current_networks(kept_out).count() == 0
    assert "No network joins records you can open" in page(kept_out, "/networks/")


def test_flags_and_counts_come_only_from_what_the_viewer_may_read(users, agencies):
    first = report(children=["Ava Pike"], phones=["07700 900321"])
    second = report(children=["Ava Pike"], people=[("Tariq Malik", "")], phones=["07700 900321"])
    share_with_police(users, agencies, first, second)
    intelligence(agencies["POLICE"], users["analyst"], [("phone", "07700 900321"), ("person", "Imran Shah"),
                                                        ("child", "Ben Orr")])
    police = networks.current_networks(users["analyst"]).get()
    assert police.flag_reason == "Possible group-based exploitation: 2 persons of concern and 2 children"
    council = networks.current_networks(users["manager"]).get()
    assert not council.flagged and council.intelligence_ids == []
    listing = page(users["manager"], "/networks/")
    assert "Flagged for review" not in listing and "restricted record" not in listing
    shown = page(users["manager"], f"/networks/{council.reference}/")
    assert "Imran Shah" not in shown and "Ben Orr" not in shown and "not shown" not in shown
    assert "Possible group-based exploitation" in page(users["analyst"], f"/networks/{police.reference}/")


def test_hubs_made_by_intelligence_show_only_to_those_who_may_read_it(users, agencies):
    taxi = "01952 000 311"
    contacts = [report(children=[f"Child{n} Hubless"], phones=[taxi]) for n in range(9)]
    share_with_police(users, agencies, *contacts)
    for number in range(3):
        intelligence(agencies["POLICE"], users["analyst"], [("phone", taxi)], number=number + 1)
    hubs = page(users["analyst"], "/networks/hubs/")
    assert "A hub: named in 9 reports about 9 children" in hubs
    assert "No hub or marked selector is named in records you can open" in page(users["screener"], "/networks/hubs/")
    screening = page(users["screener"], f"/screening/{contacts[0].reference}/")
    assert "appears in 8 other reports" in screening and "Strong evidence.</strong>" in screening
    assert "Hub.</strong>" not in screening
    assert "Hub.</strong>" in page(users["analyst"], f"/screening/{contacts[0].reference}/")
    council = networks.current_networks(users["manager"]).get()
    assert sorted(council.contact_ids) == sorted(contact.pk for contact in contacts)


def test_a_person_of_concerns_phone_named_in_a_new_report_says_so_to_who_may_open_the_person(users, agencies):
    person = person_of_concern(agencies["POLICE"], users["investigator"], "Daniel", "Moss", nicknames="Dee",
                               phones=["07700 900331"])
    new = report(children=["Cal Eno"], phones=["07700 900331"])
    share_with_police(users, agencies, new)
    said = (f'This phone number (+447700900331) belongs to a person of concern</strong>: <a class="govuk-link" '
            f'href="/people/{person.pk}/">Daniel Moss (POC-0001)</a>')
    for reader in ("analyst", "investigator"):
        shown = page(users[reader], f"/screening/{new.reference}/")
        assert said in shown, reader
    for viewer in ("screener", "manager", "worker"):
        shown = page(users[viewer], f"/screening/{new.reference}/")
        assert "person of concern</strong>" not in shown and "Daniel Moss" not in shown and "POC-0001" not in shown
        assert "Nothing in this report appears in any other report you can open" in shown

    police_manager, _ = create_user(username="police-manager", password="m" * 12, role="manager",
                                    agency=agencies["POLICE"])
    share_record(police_manager, person, agency=agencies["COUNCIL"], purpose="Joint CSE work",
                 lawful_basis="dpa_s1_p18")
    assert said in page(users["manager"], f"/screening/{new.reference}/")
    assert "Daniel Moss" not in page(users["screener"], f"/screening/{new.reference}/")  # screeners read no person


def test_people_of_concern_in_a_network_are_shown_as_such_to_who_may_open_them(users, agencies):
    person_of_concern(agencies["POLICE"], users["investigator"], "Daniel", "Moss", nicknames="Dee",
                      phones=["07700 900341"])
    first = report(children=["Ava Pike"], phones=["07700 900341"])
    second = report(children=["Ben Orr"], phones=["07700 900341"])
    share_with_police(users, agencies, first, second)
    police = networks.current_networks(users["analyst"]).get()
    shown = page(users["analyst"], f"/networks/{police.reference}/")
    assert "2 reports and 1 person of concern you can open" in shown
    assert "People of concern in this network" in shown and "Daniel Moss (POC-0001)" in shown
    assert any(f"Daniel Moss (POC-0001){end} (person of concern)" in shown for end in ("</a>", ""))
    council = networks.current_networks(users["manager"]).get()
    shown = page(users["manager"], f"/networks/{council.reference}/")
    assert first.reference in shown and "1 restricted record in this network is not shown" in shown
    assert "Daniel Moss" not in shown and "Dee" not in shown and "People of concern in this network" not in shown


def test_a_person_link_between_intelligence_and_a_report_shows_only_to_who_may_open_both(users, agencies):
    contact = report(children=["Ava Pike"], people=[("Daniel Moss", "")], phones=["07700 900351"])
    item = intelligence(agencies["POLICE"], users["analyst"], [("person", "Daniel Moss"), ("phone", "07700 900351")])
    theirs = Mention.objects.get(intelligence=item, kind="person")
    ours = Mention.objects.get(contact=contact, kind="person")
    link = PersonLink.objects.get(left__in=[ours, theirs], right__in=[ours, theirs])
    assert ours.entity_id != theirs.entity_id, "an intelligence mention never shares an entity with a report's"
    url = f"/networks/links/{link.pk}/"

    analyst = sign_in_client(users["analyst"])
    assert analyst.get(url).status_code == 404, "the police may not open the council's report yet"
    share_with_police(users, agencies, contact)
    shown = analyst.get(url).content.decode()
    assert contact.reference in shown and "INT-0001" in shown
    network = networks.current_networks(users["analyst"]).get()
    assert f'href="{url}"' in analyst.get(f"/networks/{network.reference}/").content.decode()

    other_analyst = council_analyst(agencies)
    for viewer in (users["manager"], users["worker"], other_analyst):
        assert sign_in_client(viewer).get(url).status_code == 404
    with pytest.raises(PermissionDenied):
        link_actions.judge_link(other_analyst, link, "rejected", reason="Not the same man")
    link_actions.judge_link(users["analyst"], link, "confirmed", reason="Same date of birth on the PNC")
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert ours.entity_id != theirs.entity_id, "a confirmed pair still keeps intelligence in its own entity"


def test_a_partial_mark_in_a_report_never_takes_its_full_value_from_intelligence(users, agencies):
    partial = report(vehicles=["AB12 C??"])
    intelligence(agencies["POLICE"], users["analyst"], [("vehicle", "AB12 CDE")])
    assert Mention.objects.get(contact=partial, kind="vehicle").entity_id is None
    full = report(vehicles=["ab12cde"])
    full_entity = Mention.objects.get(contact=full, kind="vehicle").entity_id
    assert Mention.objects.get(contact=partial, kind="vehicle").entity_id == full_entity
    later = intelligence(agencies["POLICE"], users["analyst"], [("vehicle", "AB12 C?E")], number=2)
    assert Mention.objects.get(intelligence=later, kind="vehicle").entity_id == full_entity


def test_a_person_is_the_same_only_through_records_the_viewer_may_open(users, agencies):
    """Two reports name Kieran Vale; an analyst confirms each is the person of concern, so all three are one
    entity. A screener, who may not open the person, must not see the reports joined through that record, nor
    the nickname the person's record gives, until the two reports are themselves confirmed as one man."""
    person_of_concern(agencies["POLICE"], users["investigator"], "Kieran", "Vale", nicknames="Smudge")
    first = report(children=["Ava Pike"], people=[("Kieran Vale", "")])
    second = report(children=["Ben Orr"], people=[("Kieran Vale", "")])
    share_with_police(users, agencies, first, second)
    theirs = Mention.objects.get(person_of_concern__isnull=False, kind="person")
    ours = [Mention.objects.get(contact=contact, kind="person") for contact in (first, second)]

    def judge(a, b):
        link = PersonLink.objects.get(left__in=[a, b], right__in=[a, b])
        link_actions.judge_link(users["analyst"], link, "confirmed", reason="Same man on the PNC")

    for mention in ours:
        judge(theirs, mention)
    assert len({m.entity_id for m in Mention.objects.filter(kind="person")}) == 1
    said = "This person (Kieran Vale)</strong> appears in 1 other report"
    assert said in page(users["analyst"], f"/screening/{first.reference}/")
    shown = page(users["screener"], f"/screening/{first.reference}/")
    assert "Nothing in this report appears in any other report you can open" in shown and "Smudge" not in shown
    judge(*ours)
    shown = page(users["screener"], f"/screening/{first.reference}/")
    assert said in shown and "Smudge" not in shown and "POC-0001" not in shown


def test_networks_follow_an_item_restricted_or_moved_to_another_force_though_no_mention_changes(users, agencies):
    """The items a user may read change while every mention stays as it was: a restriction keeps one analyst
    out (then is lifted), and the item moves to another police force. What each analyst is shown follows at
    once, though the networks were already computed for them."""
    from safehub.access import actions as access_actions
    from safehub.accounts.models import Agency

    first = report(children=["Ava Pike"], phones=["07700 900361"])
    second = report(children=["Ben Orr"], vehicles=["KX21 ABC"])
    share_with_police(users, agencies, first, second)
    item = intelligence(agencies["POLICE"], users["analyst"], [("phone", "07700 900361"), ("vehicle", "KX21ABC")])
    intelligence(agencies["POLICE"], users["analyst"], [("phone", "07700 900369")], number=2)  # stays with the police
    analyst = users["analyst"]
    colleague, _ = create_user(username="police-analyst-2", password="p" * 12, role="analyst",
                               agency=agencies["POLICE"])
    for viewer in (analyst, colleague):
        assert networks.current_networks(viewer).get().intelligence_ids == [item.pk]

    restriction = access_actions.restrict_record(analyst, item, reason_kind="high_risk_intelligence",
                                                 reason="Source protection", allowed_users=[])
    assert networks.current_networks(colleague).count() == 0
    assert "No network joins records you can open" in page(colleague, "/networks/")
    assert networks.current_networks(analyst).get().intelligence_ids == [item.pk]
    access_actions.lift_restriction(analyst, restriction)
    assert networks.current_networks(colleague).get().intelligence_ids == [item.pk]

    force = Agency.objects.create(code="TRANSPORT", name="Synthetic Transport Police", kind="police")
    their_analyst, _ = create_user(username="transport-analyst", password="t" * 12, role="analyst", agency=force)
    their_manager, _ = create_user(username="transport-manager", password="t" * 12, role="manager", agency=force)
    transfer = access_actions.request_transfer(analyst, item, to_agency=force, reason="Their investigation")
    assert networks.current_networks(colleague).get().intelligence_ids == [item.pk]  # not yet accepted
    access_actions.answer_transfer(their_manager, transfer, accept=True)
    for viewer in (analyst, colleague):
        assert networks.current_networks(viewer).count() == 0, viewer
        listing = page(viewer, "/networks/")
        assert "No network joins records you can open" in listing and "INT-0001" not in listing
    assert networks.current_networks(their_analyst).get().intelligence_ids == [item.pk]
