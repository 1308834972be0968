"""Networks kept up to date by the worker's upkeep, with their identities: after a new report, an addition to a
report, an analyst's judgement or "not linking" mark, the worker recomputes only the networks the changes reach
(`update_networks_for`, run here at once by `upkeep`), and
what that leaves is what a full recomputation (`recompute_all_networks`, the worker's) makes of the same records.
A network keeps its reference as it grows; of two that merge, the larger keeps it and the other's address leads
there; of a network that splits, the larger part keeps it and the other says where it split from."""

import io
import random
import uuid

import pytest
from django.core.management import call_command

from safehub.audit.models import AuditEvent
from safehub.intake.actions import add_information
from safehub.linking import actions as link_actions
from safehub.linking import networks
from safehub.linking.models import Hub, Mention, Network, NetworkState, PendingNetworkChange, PersonLink
from tests.conftest import sign_in_client
from tests.test_linking import networks_now, report, upkeep
from tests.test_networks import phone_entity, share_with_police

pytestmark = pytest.mark.django_db


def snapshot():
    """Everything a user is shown of the current networks and hubs (of the set computed without a user)."""
    shown = {network.reference: (sorted(networks.sources.network_keys(network)), network.flagged, network.flag_reason,
                                 network.ties, network.communities, sorted(network.entity_ids))
             for network in Network.objects.filter(intelligence_seen=networks.seen_by(None), retired_at__isnull=True)}
    hubs = dict(Hub.objects.filter(intelligence_seen=networks.seen_by(None)).values_list("entity_id", "groups"))
    return shown, hubs


CHILDREN = ["Ava Pike", "Ben Orr", "Cal Eno", "Dee Ray", "Eve Lam", "Fay Uba", "Gus Hale", "Ivy Moon"]
MEN = [("Daniel Moss", "Ghost"), ("Tariq Malik", "Ghost"), ("", "Bugsy"), ("Imran Shah", "Sparky"),
       ("Imran Shaw", ""), ("", "Jay"), ("Kev Orme", "Kev"), ("Pawel Nowak", "")]
PHONES = [f"07700 900{n:03d}" for n in range(300, 330)]
TAXI = "01952 000 111"
VEHICLES = ["KX19 ABC", "KX19 ABD", "LM21 XYZ"]
PLACES = ["12 Mill Street, TF1 1AA", "Flat 3, 4 Kiln Lane, TF2 2BB"]


def random_report(rng):
    phones = rng.sample(PHONES, 2 if rng.random() < 0.12 else int(rng.random() < 0.6))
    return report(children=rng.sample(CHILDREN, rng.randint(0, 2)), people=rng.sample(MEN, int(rng.random() < 0.4)),
                  phones=phones + ([TAXI] if rng.random() < 0.3 else []),
                  vehicles=rng.sample(VEHICLES, rng.randint(0, 1)), places=rng.sample(PLACES, rng.randint(0, 1)))


# A town's collisions: children given by first name alone (which corroborates a tie when the ages fit), men's
# common full names without a date of birth (the matcher's "needs review", weighed as common names), nicknames
# made from a first name, popular nicknames, places everyone mentions, a taxi firm's phone.
TOWN_CHILDREN = [("Amelia", "13"), ("Amelia", "14"), ("Amelia Hart", "13"), ("Ruby", "15"), ("Ruby Lowe", "15"),
                 ("Mia", "12"), ("Ava Pike", "14"), ("Mia Khan", "12")]
TOWN_MEN = [("Mohammed Khan", ""), ("Mohammed Khan", "Mo"), ("James Smith", ""), ("James Smyth", "Jay"), ("", "Jay"),
            ("", "Mo"), ("Tomasz Nowak", "Tomzzy"), ("Tomasz Nowak", ""), ("Lee Ward", "Bugsy"), ("", "Bugsy")]
TOWN_PHONES = [f"07700 900{n:03d}" for n in range(600, 612)]
TOWN_PLACES = ["12 Mill Street, TF1 1AA", "Bus station, TF1 1AB", "Flat 3, 4 Kiln Lane, TF2 2BB"]


def town_report(rng):
    return report(children=rng.sample(TOWN_CHILDREN, rng.randint(0, 2)), people=rng.sample(TOWN_MEN, rng.randint(0, 2)),
                  phones=rng.sample(TOWN_PHONES, int(rng.random() < 0.5)) + ([TAXI] if rng.random() < 0.2 else []),
                  places=rng.sample(TOWN_PLACES, int(rng.random() < 0.4)))


def random_change(rng, users, agencies, filed, new_report=random_report):
    """One of the changes the app makes: a new report (most often, shared with the police for their analyst),
    information added to a report, an analyst's judgement of a person link or a "not linking" mark made or
    lifted."""
    roll = rng.random()
    if roll < 0.6 or len(filed) < 4:
        filed.append(new_report(rng))
        share_with_police(users, agencies, filed[-1])
        return "report"
    if roll < 0.75:
        add_information(rng.choice(filed), {"phones": [{"number": rng.choice(PHONES)}]},
                        submission_key=uuid.uuid4().hex)
        return "addition"
    if roll < 0.87:
        links = list(PersonLink.objects.exclude(band="none").filter(judgement="").order_by("pk"))
        if links:
            link_actions.judge_link(users["analyst"], rng.choice(links), rng.choice(["confirmed", "rejected"]),
                                    reason="Checked against the records")
            return "judgement"
        return "nothing"
    named = Mention.objects.filter(kind="phone", raw=rng.choice(PHONES[:10])).select_related("entity").first()
    if named is None:
        return "nothing"
    phone = named.entity
    if phone.marks.filter(undone_at__isnull=True).exists():
        link_actions.undo_not_linking(users["analyst"], phone, reason="The man's own phone after all")
    else:
        link_actions.mark_not_linking(users["analyst"], phone, reason="A school's number")
    return "mark"


@pytest.mark.parametrize("seed,changes_per_run", [(1, 1), (2, 1), (3, 3)])
def test_incremental_upkeep_leaves_what_a_full_recomputation_makes(users, agencies, settings, seed, changes_per_run):
    """After every run of the worker's upkeep, one change at a time or a few together (as changes wait for it),
    the networks (members, flags, ties, references) and hubs are exactly those a full recomputation makes of the
    same records, and no change needed one."""
    settings.SAFEHUB_NETWORK_HUB_GROUPS = 6  # hubs appear within a few dozen reports
    rng = random.Random(seed)
    filed = [random_report(rng) for _ in range(3)]
    networks.current_networks()  # the first computation of the set
    share_with_police(users, agencies, *filed)
    kinds = []
    for step in range(45):
        kinds.append(random_change(rng, users, agencies, filed))
        if step % changes_per_run != changes_per_run - 1:
            continue
        upkeep()
        assert not PendingNetworkChange.objects.exists()
        assert not NetworkState.objects.filter(needs_full=True).exists(), f"step {step} ({kinds[-1]}) was not local"
        incremental = snapshot()
        networks.recompute_all_networks()
        full = snapshot()
        differing = sorted(ref for ref in set(full[0]) | set(incremental[0])
                           if full[0].get(ref) != incremental[0].get(ref))
        assert full == incremental, f"step {step} ({kinds[-1]}): networks {differing} differ, or the hubs"
    assert {"report", "addition", "judgement", "mark"} <= set(kinds)
    assert Network.objects.filter(retired_at__isnull=False).exists(), "networks merged, split or ended on the way"
    assert len(incremental[0]) >= 2 and incremental[1], "networks and hubs to compare"


def assert_upkeep_equals_full(step, kind):
    upkeep()
    assert not PendingNetworkChange.objects.exists()
    assert not NetworkState.objects.filter(needs_full=True).exists(), f"step {step} ({kind}) was not local"
    incremental = snapshot()
    networks.recompute_all_networks()
    full = snapshot()
    differing = sorted(ref for ref in set(full[0]) | set(incremental[0]) if full[0].get(ref) != incremental[0].get(ref))
    assert full == incremental, f"step {step} ({kind}): networks {differing} differ, or the hubs"
    return incremental


@pytest.mark.parametrize("seed", [4, 5])
def test_upkeep_in_a_town_of_collisions_leaves_what_a_full_recomputation_makes(users, agencies, settings, seed):
    """The same on reports full of weak and common values (children's first names alone, common men's names
    without a date of birth, popular nicknames, busy places), with hubs at 4 groups, so that values become hubs
    and stop being hubs, names are held as common and corroboration joins pairs along the way."""
    settings.SAFEHUB_NETWORK_HUB_GROUPS = 4
    rng = random.Random(seed)
    filed = [town_report(rng) for _ in range(3)]
    networks.current_networks()
    share_with_police(users, agencies, *filed)
    kinds, seen_hubs, flagged = [], set(), False
    for step in range(40):
        kinds.append(random_change(rng, users, agencies, filed, new_report=town_report))
        shown, hubs = assert_upkeep_equals_full(step, kinds[-1])
        seen_hubs |= set(hubs)
        flagged |= any(network[1] for network in shown.values())
    assert PersonLink.objects.filter(band="review").exists(), "names alike to weigh"
    assert len(seen_hubs) >= 2 and shown, "hubs and networks to compare"


def test_a_network_keeps_its_reference_as_it_grows(users, agencies):
    first = [report(children=["Ava Pike"], phones=["07700 900401"]), report(children=["Ben Orr"], phones=["07700 900401"])]
    network = networks_now().get()
    grown = report(children=["Cal Eno"], phones=["07700 900401"])
    again = networks_now().get()
    assert again.pk == network.pk and again.reference == network.reference
    assert sorted(again.contact_ids) == sorted(c.pk for c in [*first, grown])
    share_with_police(users, agencies, *first, grown)
    analyst = sign_in_client(users["analyst"])
    page = analyst.get(f"/networks/{network.reference}/").content.decode()
    assert f"Network {network.reference}" in page and grown.reference in page
    old_address = analyst.get(f"/networks/{network.pk}/")
    assert old_address.status_code == 302 and old_address["Location"] == f"/networks/{network.reference}/"


def test_two_networks_that_merge_keep_the_larger_ones_reference_and_the_others_address_leads_there(users, agencies):
    larger = [report(children=[child], phones=["07700 900402"]) for child in ("Ava Pike", "Ben Orr", "Cal Eno")]
    smaller = [report(children=[child], phones=["07700 900403"]) for child in ("Dee Ray", "Eve Lam")]
    kept, merged = sorted(networks_now(), key=lambda network: -len(network.contact_ids))
    bridge = report(children=["Fay Uba"], phones=["07700 900402", "07700 900403"])
    network = networks_now().get()
    assert network.pk == kept.pk
    assert sorted(network.contact_ids) == sorted(c.pk for c in [*larger, *smaller, bridge])
    merged.refresh_from_db()
    assert merged.retired_at is not None and merged.merged_into_id == kept.pk
    share_with_police(users, agencies, *larger, *smaller, bridge)
    analyst = sign_in_client(users["analyst"])
    response = analyst.get(f"/networks/{merged.reference}/", follow=True)
    assert response.redirect_chain == [(f"/networks/{kept.reference}/?merged={merged.reference}", 302)]
    page = response.content.decode()
    assert f"Network {merged.reference} was merged into this network on" in page
    assert f"Network {merged.reference} merged into this one on" in page
    by_old_number = analyst.get(f"/networks/{merged.pk}/", follow=True)
    assert by_old_number.redirect_chain[-1][0] == f"/networks/{kept.reference}/?merged={merged.reference}"
    screener = sign_in_client(users["screener"])
    assert screener.get(f"/networks/{merged.reference}/").status_code == 403, "the screener reads no networks"


def test_a_network_that_splits_leaves_the_larger_part_its_reference_and_the_other_says_where_it_came_from(
        users, agencies):
    left = [report(children=["Ava Pike"], phones=["07700 900404"]),
            report(children=["Ben Orr"], phones=["07700 900404", "07700 900406"]),
            report(children=["Gus Hale"], phones=["07700 900404"])]
    right = [report(children=["Cal Eno"], phones=["07700 900405", "07700 900406"]),
             report(children=["Dee Ray"], phones=["07700 900405"])]
    share_with_police(users, agencies, *left, *right)
    whole = networks_now().get()
    analyst = sign_in_client(users["analyst"])
    bridge = phone_entity("07700 900406")
    analyst.post(f"/networks/selectors/{bridge.pk}/mark/", {"reason": "The youth club's number"})
    parts = {len(network.contact_ids): network for network in networks_now()}
    assert parts[3].pk == whole.pk and sorted(parts[3].contact_ids) == sorted(c.pk for c in left)
    assert parts[2].split_from_id == whole.pk and sorted(parts[2].contact_ids) == sorted(c.pk for c in right)
    page = analyst.get(f"/networks/{parts[2].reference}/").content.decode()
    assert f"Split from network <a class=\"govuk-link\" href=\"/networks/{whole.reference}/\">{whole.reference}</a>" in page
    assert f"{parts[2].reference}</a> split from this one" in analyst.get(f"/networks/{whole.reference}/").content.decode()


def test_a_network_whose_records_no_longer_share_enough_says_it_ended(users, agencies):
    pair = [report(children=["Ava Pike"], phones=["07700 900407"]), report(children=["Ben Orr"], phones=["07700 900407"])]
    share_with_police(users, agencies, *pair)
    network = networks_now().get()
    analyst = sign_in_client(users["analyst"])
    analyst.post(f"/networks/selectors/{phone_entity('07700 900407').pk}/mark/", {"reason": "A school's number"})
    assert not networks_now().exists()
    response = analyst.get(f"/networks/{network.reference}/")
    assert response.status_code == 404
    assert "its records no longer share enough to make a network" in response.content.decode()


def test_a_network_view_is_audited_with_the_records_the_viewer_was_shown_and_no_others(users, agencies):
    seen = [report(children=["Ava Pike"], phones=["07700 900408"]), report(children=["Ben Orr"], phones=["07700 900408"])]
    hidden = report(children=["Cal Eno"], phones=["07700 900408"])
    share_with_police(users, agencies, *seen)
    network = networks_now().get()
    analyst = sign_in_client(users["analyst"])
    analyst.get(f"/networks/{network.reference}/")
    event = AuditEvent.objects.filter(action="network_viewed").latest("position")
    assert event.object_id == str(network.pk)
    assert event.reason == f"{network.reference} shown with: {', '.join(sorted(c.reference for c in seen))}"
    assert hidden.reference not in event.reason
    analyst.get("/networks/")
    listed = AuditEvent.objects.filter(action="networks_viewed").latest("position")
    assert listed.reason == f"Listed: {network.reference}"


def test_a_full_recomputation_from_the_command_keeps_every_reference(users):
    for number in range(3):
        report(children=[f"Child{number} Alpha"], phones=[f"07700 9005{number:02d}"])
        report(children=[f"Child{number} Beta"], phones=[f"07700 9005{number:02d}"])
    before = {network.pk: sorted(network.contact_ids) for network in networks_now()}
    out = io.StringIO()
    call_command("link", "networks", "--full", stdout=out)
    assert "3 networks (0 flagged) computed in full" in out.getvalue()
    assert {network.pk: sorted(network.contact_ids) for network in networks_now()} == before


def region_of(*contacts):
    """The records the worker's upkeep would recompute for these new reports (`networks._Region`)."""
    name, items = networks.readable_intelligence()
    keys = {f"c{contact.pk}" for contact in contacts}
    return networks._Region(networks.intelligence_seen(name), name, items, networks.standing_marks(), keys,
                            keys).records


def test_a_weak_value_alone_joins_no_network_in_upkeep_as_in_a_full_recomputation(users):
    """A place (or a nickname) shared with another network's report is one weak clue: the new report joins the
    network it shares a phone with and leaves the other alone, and upkeep does not even recompute the other
    one; with a second weak clue about a person (the same nickname) it joins, in upkeep as in full."""
    mill = "12 Mill Street, TF1 1AA"
    first = [report(children=["Ava Pike"], phones=["07700 900701"]), report(children=["Ben Orr"], phones=["07700 900701"])]
    other = [report(children=["Cal Eno"], people=[("", "Smokey")], phones=["07700 900702"], places=[mill]),
             report(children=["Dee Ray"], phones=["07700 900702"])]
    assert len(networks_now()) == 2
    at_the_mill = report(children=["Eve Lam"], phones=["07700 900701"], places=[mill])
    assert region_of(at_the_mill) == {f"c{contact.pk}" for contact in [*first, at_the_mill]}
    shown, _ = assert_upkeep_equals_full(0, "a report sharing a phone with one network, a place with another")
    assert sorted(sorted(network[0]) for network in shown.values()) == sorted(
        [sorted(f"c{c.pk}" for c in [*first, at_the_mill]), sorted(f"c{c.pk}" for c in other)])
    smokey = report(children=["Fay Uba"], people=[("", "Smokey")], places=[mill])
    assert f"c{other[0].pk}" in region_of(smokey) and f"c{first[0].pk}" not in region_of(smokey)
    shown, _ = assert_upkeep_equals_full(1, "a report sharing a place and a nickname with one report")
    assert sorted(f"c{c.pk}" for c in [*other, smokey]) in [sorted(network[0]) for network in shown.values()]


def test_when_an_upkeep_run_fails_the_worker_recomputes_every_network_in_full(users, monkeypatch, caplog):
    """A change the incremental upkeep cannot take (here a fault in it) is never retried for ever nor left
    behind: the same run recomputes every network in full, and the pages no longer say they are being updated."""
    first = report(children=["Ava Pike"], phones=["07700 900711"])
    networks_now()
    second = report(children=["Ben Orr"], phones=["07700 900711"])

    def broken(*args, **kwargs):
        raise RuntimeError("a fault in the incremental upkeep")

    monkeypatch.setattr(networks, "_update_region", broken)
    assert upkeep() == 1
    assert "Network upkeep failed for 1 changes" in caplog.text
    assert not PendingNetworkChange.objects.exists() and not networks.being_updated()
    assert [sorted(n.contact_ids) for n in networks.current_networks()] == [sorted([first.pk, second.pk])]
