"""The demo loader: a few hundred synthetic reports through the real actions, with planted networks whose
ground truth later linking work is checked against, and background that must never look linked."""

import json
import re
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from safehub.audit.models import AuditEvent
from safehub.demo.generator import DemoDataMismatch, load_demo_reports, plan
from safehub.demo.models import GroundTruth
from safehub.intake.models import (
    DETAIL_MODELS,
    Contact,
    ContactHandle,
    ContactPerson,
    ContactPhone,
    ContactPlace,
    ContactVehicle,
)
from safehub.screening.models import Notification

COUNT = 120
SEED = 2026


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def loaded(users, var_dir):
    return load_demo_reports(users, count=COUNT, seed=SEED)


def networks():
    return [row.data for row in GroundTruth.objects.filter(seed=SEED, kind=GroundTruth.Kind.NETWORK)]


def confounders():
    return GroundTruth.objects.get(seed=SEED, kind=GroundTruth.Kind.CONFOUNDER).data


def shared_nicknames():
    """{nickname (folded): keys of the planted networks whose men share it}."""
    return {nickname.casefold(): set(keys) for nickname, keys in confounders()["shared_nicknames"].items()}


# Light normalisation, as a linker would do before comparing selectors.

def phone_key(raw):
    if "?" in raw:
        return None
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("44"):
        digits = "0" + digits[2:]
    return "+44" + digits[1:]


def registration_key(raw):
    mark = re.sub(r"\s", "", raw).upper()
    return None if "?" in mark else mark


def handle_key(raw):
    return raw.strip().lstrip("@").casefold()


def nickname_keys(raw):
    return [n.strip().casefold() for n in raw.split(",") if n.strip()]


def selector_contacts():
    """{kind: {normalised value: {contact ids}}} over every stored report; part values are left out."""
    found = {kind: defaultdict(set) for kind in ("phone", "vehicle", "handle", "nickname")}
    for contact_id, number in ContactPhone.objects.values_list("contact_id", "number"):
        if phone_key(number):
            found["phone"][phone_key(number)].add(contact_id)
    for contact_id, mark in ContactVehicle.objects.values_list("contact_id", "registration"):
        if registration_key(mark):
            found["vehicle"][registration_key(mark)].add(contact_id)
    for contact_id, username in ContactHandle.objects.values_list("contact_id", "username"):
        found["handle"][handle_key(username)].add(contact_id)
    for contact_id, nicknames in ContactPerson.objects.values_list("contact_id", "nicknames"):
        for nickname in nickname_keys(nicknames):
            found["nickname"][nickname].add(contact_id)
    return found


def network_selectors(network):
    persons = network["persons"]
    return {
        "phone": {n for p in persons for n in p["phones"]},
        "vehicle": {v["registration"] for p in persons for v in p["vehicles"]},
        "handle": {h["username"] for p in persons for h in p["handles"]},
        "nickname": {p["nicknames"][0].casefold() for p in persons},  # aliases like "LJ" may turn up once
    }


def ids_of(references):
    return set(Contact.objects.filter(reference__in=references).values_list("pk", flat=True))


def test_loads_reports_from_every_route_and_decides_most(loaded):
    now = timezone.now()
    contacts = Contact.objects.filter(submission_key__startswith=f"demo-{SEED}-")
    assert contacts.count() == COUNT == Contact.objects.count()
    assert set(contacts.values_list("kind", flat=True)) == {"public", "non_recent", "professional"}
    assert set(contacts.values_list("referrer_agency__code", flat=True)) >= {None, "SCHOOLS", "HEALTH", "POLICE"}
    assert set(contacts.values_list("channel", flat=True)) >= {"web", "api"}
    assert contacts.filter(kind="public", reporter_anonymous=False).exists()
    assert contacts.filter(kind="public", reporter_anonymous=True).exists()
    assert not contacts.filter(kind="non_recent").exclude(children=None).exists()
    oldest = contacts.order_by("received_at").first().received_at
    assert 90 < (now - oldest).days <= 151
    assert not contacts.filter(received_at__gt=now).exists()

    # Most are decided, mostly in time; some wait, a few of them overdue.
    decided = contacts.filter(decided_at__isnull=False)
    awaiting = contacts.filter(decided_at__isnull=True)
    overdue = awaiting.filter(decision_due_at__lt=now)
    not_yet_due = awaiting.filter(decision_due_at__gte=now)
    assert overdue.exists() and not_yet_due.exists()
    assert 4 <= awaiting.count() <= 20
    assert loaded == (f"Loaded {COUNT} demo reports ({COUNT} new; 4 planted networks, "
                      f"{awaiting.count()} awaiting a decision, {overdue.count()} overdue)")
    assert all(2 <= (now - c.received_at).days <= 10 for c in overdue)

    late = [c for c in decided if c.decided_at > c.decision_due_at]
    assert 0 < len(late) < decided.count() * 0.15
    assert len(set(decided.values_list("outcome", flat=True))) >= 5
    for contact in decided.select_related("decided_by"):
        assert contact.priority and contact.outcome_reason
        assert contact.received_at <= contact.priority_set_at <= contact.decided_at <= now
        assert contact.decided_by.username in {"screener", "manager"}
    assert contacts.filter(status=Contact.Status.DECIDED).count() == decided.count()
    # Decisions went through the action: audited, and referrers told of their referrals' outcomes.
    assert AuditEvent.objects.filter(action="decision_recorded").count() == decided.count()
    assert Notification.objects.filter(kind="outcome").count() == decided.filter(referrer__isnull=False).count()


def test_planted_networks_recur_across_reports_and_routes(loaded):
    found = selector_contacts()
    planted = networks()
    assert len(planted) == 4
    shared = shared_nicknames()
    own_of = {network["key"]: ids_of(network["references"]) for network in planted}

    def owners(kind, value):
        """The reports a network's value may turn up in: its own, or those of every group sharing the nickname."""
        keys = shared.get(value.casefold(), set()) if kind == "nickname" else set()
        return set().union(*(own_of[key] for key in keys)) if keys else None

    for network in planted:
        references = network["references"]
        own = ids_of(references)
        assert 4 <= len(own) == len(references) <= 10
        routes = set(Contact.objects.filter(pk__in=own).values_list("kind", "referrer_agency__code"))
        assert len(routes) >= 2, network["key"]
        assert 2 <= len(network["persons"]) <= 4 and 2 <= len(network["children"]) <= 5
        for kind, values in network_selectors(network).items():
            for value in values:
                in_reports = found[kind][value.casefold() if kind == "nickname" else value]
                assert len(in_reports & own) >= 2, (network["key"], kind, value)
                assert in_reports <= (owners(kind, value) or own), (network["key"], kind, value)
        aliases = {n.casefold() for p in network["persons"] for n in p["nicknames"]}
        assert all(found["nickname"][alias] & own and found["nickname"][alias] <= (owners("nickname", alias) or own)
                   for alias in aliases)
        # The same phone is written in more than one way across the network's reports.
        raw = set(ContactPhone.objects.filter(contact_id__in=own, number_partial=False).values_list("number", flat=True))
        assert len(raw) > len(network_selectors(network)["phone"])

    # One network has a person of concern with two or more children; another has a report naming two or more
    # persons of concern together with a child.
    assert any(len(children) >= 2 for n in planted for children in n["person_children"].values())
    assert any(len(r["persons"]) >= 2 and r["children"] for n in planted for r in n["reports"])

    # A part registration mark fits one vehicle at most.
    marks = defaultdict(set)
    for contact_id, mark in ContactVehicle.objects.values_list("contact_id", "registration"):
        if registration_key(mark):
            marks[registration_key(mark)].add(contact_id)
    partials = ContactVehicle.objects.filter(registration_partial=True).values_list("registration", flat=True)
    assert partials
    for partial in partials:
        pattern = re.compile(partial.replace("?", ".") + (".*" if len(partial) < 7 else ""))
        assert len([m for m in marks if pattern.fullmatch(m)]) <= 1, partial


def test_background_selectors_never_recur_but_for_the_confounders(loaded):
    found = selector_contacts()
    planted = {kind: set() for kind in found}
    for network in networks():
        for kind, values in network_selectors(network).items():
            planted[kind] |= {v.casefold() if kind == "nickname" else v for v in values}
        planted["nickname"] |= {n.casefold() for p in network["persons"] for n in p["nicknames"]}
    hubs = confounders()
    planted["phone"] |= {hubs["taxi_firm"]["phone"], hubs["takeaway"]["phone"]}
    planted["nickname"] |= {n.casefold() for n in hubs["nicknames_alone"]}
    for kind, values in found.items():
        background = {value: ids for value, ids in values.items() if value not in planted[kind]}
        assert background, kind
        recurring = {value: ids for value, ids in background.items() if len(ids) > 1}
        assert not recurring, (kind, recurring)
    # The confounders recur, as they do in a real town, and are recorded in the ground truth.
    network_ids = set().union(*(ids_of(n["references"]) for n in networks()))
    background = Contact.objects.exclude(pk__in=network_ids).filter(kind__in=["public", "professional"]).count()
    taxi = found["phone"][hubs["taxi_firm"]["phone"]]
    assert taxi == ids_of(hubs["taxi_firm"]["references"])
    assert len(taxi - network_ids) >= max(3, 0.08 * background) and taxi & network_ids
    assert set(hubs["taxi_firm"]["network_references"].values()) == {"network-1", "network-2"}
    whose = set(ContactPhone.objects.filter(contact_id__in=taxi).values_list("whose", flat=True))
    assert {"taxi firm", "Castle Cabs", ""} <= whose
    takeaway = ids_of(hubs["takeaway"]["references"])
    assert len(takeaway) >= max(3, 0.06 * background) and not takeaway & network_ids
    assert found["phone"][hubs["takeaway"]["phone"]] < takeaway  # some name only the place
    assert ContactPlace.objects.filter(address__startswith=hubs["takeaway"]["name"]).values("contact").distinct().count() >= 2
    for nickname, references in hubs["nicknames_alone"].items():
        assert found["nickname"][nickname.casefold()] == ids_of(references) and len(references) >= 3, nickname
        assert not ids_of(references) & network_ids
        assert ContactPerson.objects.filter(nicknames=nickname, name="").count() == len(references)
    near = GroundTruth.objects.get(seed=SEED, key="near-miss-1").data["references"]
    assert not set(near) & set().union(hubs["taxi_firm"]["references"], hubs["takeaway"]["references"],
                                       *hubs["nicknames_alone"].values())

    # Phones are only ever Ofcom drama numbers.
    for number in ContactPhone.objects.values_list("number", flat=True):
        national = "0" + phone_key(number.replace("?", "0"))[3:]
        assert national.startswith("07700900") or re.match(r"^0(1[0-9]{2}49[68]|2079460)", national), number

    # The near-miss: two reports that share only a busy public place.
    near_miss = GroundTruth.objects.get(seed=SEED, key="near-miss-1")
    first, second = Contact.objects.filter(reference__in=near_miss.data["references"])
    place = near_miss.data["shared"]["place"]["address"]
    assert first.places.filter(address=place).exists() and second.places.filter(address=place).exists()

    def selectors(contact):
        return ({phone_key(n) for n in contact.phones.values_list("number", flat=True)}
                | {registration_key(v) for v in contact.vehicles.values_list("registration", flat=True)}
                | {handle_key(h) for h in contact.handles.values_list("username", flat=True)}
                | {n.casefold() for n in contact.people.values_list("name", flat=True) if n}
                | {n.casefold() for n in contact.children.values_list("name", flat=True) if n}) - {None}

    assert not selectors(first) & selectors(second)
    assert not {first.pk, second.pk} & network_ids
    # The place turns up nowhere else.
    assert ContactPlace.objects.filter(address__icontains="bus station").count() == 2


def test_ground_truth_is_stored_and_names_do_not_collide(loaded, var_dir):
    planted = networks()
    on_disk = json.loads((var_dir / "demo" / "ground_truth.json").read_text())
    assert on_disk["networks"] == planted
    assert on_disk["near_misses"] == [GroundTruth.objects.get(kind="near_miss").data]
    assert on_disk["confounders"] == confounders()

    # Men of different groups share a nickname (and nothing else: the checks below), as in a real town.
    shared = shared_nicknames()
    assert shared == {"bugsy": {"network-1", "network-4"}, "bruv": {"network-2", "network-3"}}
    for nickname, keys in shared.items():
        assert {n["key"] for n in planted if nickname in network_selectors(n)["nickname"]} == keys

    seen = defaultdict(dict)
    for network in planted:
        values = {
            "name": [p["name"] for p in network["persons"]] + [c["name"] for c in network["children"]],
            "surname": [p["name"].split()[-1] for p in network["persons"]]
                       + [c["name"].split()[-1] for c in network["children"]],
            **{kind: list(v) for kind, v in network_selectors(network).items()},
        }
        for kind, items in values.items():
            for item in items:
                if kind == "nickname" and item.casefold() in shared:
                    continue
                owner = seen[kind].setdefault(item.casefold(), network["key"])
                assert owner == network["key"], (kind, item)
        for person in network["persons"]:
            assert all(re.fullmatch(r"\+4477009001[0-9]{2}|\+447700900[2-4][0-9]{2}", n) for n in person["phones"])
            assert all(re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z]{3}", v["registration"]) for v in person["vehicles"])
            assert all(h["username"] == h["username"].lower() and "@" not in h["username"] for h in person["handles"])
        assert len(network["places"]) >= 3 and any(p["postcode"] for p in network["places"])


def test_loading_again_adds_nothing_and_a_different_load_is_refused(loaded, users):
    def counts():
        tables = [Contact, AuditEvent, Notification, GroundTruth, *DETAIL_MODELS.values()]
        return {model.__name__: model.objects.count() for model in tables}

    before = counts()
    decided = set(Contact.objects.filter(decided_at__isnull=False).values_list("pk", "decided_at"))
    summary = load_demo_reports(users, count=COUNT, seed=SEED)
    assert summary.startswith(f"Loaded {COUNT} demo reports (0 new;")
    assert counts() == before
    assert set(Contact.objects.filter(decided_at__isnull=False).values_list("pk", "decided_at")) == decided

    # Another count or seed over the same data would break the ground truth: refused.
    with pytest.raises(DemoDataMismatch):
        load_demo_reports(users, count=COUNT + 10, seed=SEED)
    with pytest.raises(DemoDataMismatch):
        load_demo_reports(users, count=COUNT, seed=SEED + 1)
    assert Contact.objects.count() == COUNT


def test_plan_is_the_same_for_a_seed():
    def drafts(count, seed):
        specs, _ = plan(count, seed)
        return [(s.route, s.state, s.days_ago, s.outcome, json.dumps(s.draft, sort_keys=True)) for s in specs]

    assert drafts(80, 11) == drafts(80, 11)
    assert drafts(80, 11) != drafts(80, 12)


def test_demo_command_prints_the_summary(users, var_dir):
    out = StringIO()
    call_command("demo", reports=60, seed=5, stdout=out)
    assert "Loaded 60 demo reports (60 new; 4 planted networks" in out.getvalue()
    assert "Loaded demo support:" in out.getvalue()
    # The 60 generated reports, and the support side's four non-recent reports and one reporter who came back.
    assert Contact.objects.count() == 60 + 5
    assert Contact.objects.filter(submission_key__startswith="demo-support-").count() == 5
