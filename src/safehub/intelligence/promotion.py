"""Promoting a linked person to a person of concern: who may, and what the form offers.

A linked person is what a network page shows as one person: a linking entity (the mentions linking matched
as one man across reports and children's records), with the entities the network shows as the same man (a
likely name match or the same nickname inside the network, `linking.networks.display_groups`). The form
is pre-filled from those mentions: his names as written, the nicknames given for him in the same records, a
date of birth or the ages reporters gave, and the phones, vehicles and online accounts of the reports that
name him. A report naming two men and one phone does not say whose phone it is, so a selector is ticked in
advance only where a report names it with exactly one person of concern (and it is not a hub or marked as not
linking); the others are offered for the analyst to decide.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Q

from safehub.intake.models import Contact
from safehub.cases.models import Child
from safehub.intelligence.actions.people import OLDEST, YOUNGEST
from safehub.intelligence.models import PersonDetail, PersonOfConcern
from safehub.linking.models import Entity, Mention
from safehub.linking import sources
from safehub.linking.networks import display_groups, seen_by
from safehub.linking.queries import hub_ids, network_view, standing_marks

Kind = Entity.Kind
Role = Mention.Role
SELECTOR_DETAILS = {Kind.PHONE: PersonDetail.Kind.PHONE, Kind.VEHICLE: PersonDetail.Kind.VEHICLE,
                    Kind.HANDLE: PersonDetail.Kind.HANDLE}


@dataclass
class Offer:
    """A phone, vehicle or online account the form offers to record on the person."""

    value: str  # the form's value: "<detail kind>:<as written>"
    kind: str
    raw: str
    records: list
    ticked: bool
    why: str

    @property
    def label(self):
        return f"{PersonDetail.Kind(self.kind).label} {self.raw} (in {', '.join(self.records)})"


def same_person(user, entity, network=None):
    """The person entities shown as one person with `entity` on the network's page, from the records the user
    may open (just `entity` without a network, or if the network no longer holds it)."""
    view = network_view(user, network) if network is not None and entity.pk in network.entity_ids else None
    if view is None:
        return [entity]
    rows = [(m.kind, m.role, m.entity_id, sources.mention_key(m)) for m in view["mentions"]]
    shown_as = display_groups(rows, view["visible"])
    group = shown_as.get(entity.pk, entity.pk)
    ids = {pk for pk, shown in shown_as.items() if shown == group} | {entity.pk}
    return list(Entity.objects.filter(pk__in=ids, kind=Kind.PERSON).order_by("pk"))


def _record_mentions(entities):
    """The entities' mentions in reports and children's records (not in intelligence or a person's record)."""
    return Mention.objects.filter(entity__in=entities).filter(Q(contact__isnull=False) | Q(child_record__isnull=False))


def refusal(user, entities):
    """Why this user may not promote this linked person, or "" if they may: a person named in reports or
    children's records, every one of which the user may open, and not promoted already."""
    if not entities or any(entity.kind != Kind.PERSON for entity in entities):
        return "Choose a person named in reports or children's records to promote."
    rows = list(_record_mentions(entities).values_list("contact_id", "child_record_id"))
    if not rows:
        return "No report or child's record names this person, so there is nothing to promote."
    keys = {sources.record_key(contact, child) for contact, child in rows}
    if sources.visible_keys(user, keys) != keys:
        return ("You cannot open every report and child's record that names this person, so you cannot promote "
                "them. Ask someone who can open them all.")
    already = PersonOfConcern.objects.filter(promoted_from_entities__in=entities).first()
    if already is not None:
        return f"This person was already promoted to a person of concern: {already.reference}."
    return ""


def evidence(user, entities):
    """(reports, children's records) naming the entities that the user may open."""
    rows = list(_record_mentions(entities).values_list("contact_id", "child_record_id"))
    visible = sources.split(sources.visible_keys(user, {sources.record_key(c, r) for c, r in rows}))
    contacts, children = visible.get(sources.REPORT, set()), visible.get(sources.CHILD_RECORD, set())
    return (list(Contact.objects.filter(pk__in=contacts).order_by("received_at")),
            list(Child.objects.filter(pk__in=children).order_by("reference")))


def _names(people):
    """(first name, last name, other names) from the person mentions: the fullest name written, and the rest."""
    named = [m for m in people if m.first_name]
    best = max(named, key=lambda m: (len(m.raw.split()), len(m.raw), -m.pk), default=None)
    first, last = "", ""
    if best is not None:
        parts = best.raw.split()
        first, last = parts[0], " ".join(parts[1:])
    others, seen = [], {f"{first} {last}".strip().casefold()}
    for mention in named:
        name = " ".join(mention.raw.split())
        if name.casefold() not in seen:
            seen.add(name.casefold())
            others.append(name)
    return first, last, others


def _nicknames(people):
    """The nicknames given for this person in the same records (the same person row of a report)."""
    places = {(m.contact_id, m.child_record_id, m.source_detail) for m in people if m.source_detail}
    found = {}
    rows = Mention.objects.filter(kind=Kind.NICKNAME, source_detail__in={place[2] for place in places}).order_by("pk")
    for mention in rows:
        if (mention.contact_id, mention.child_record_id, mention.source_detail) in places:
            found.setdefault(mention.key, mention.raw.strip())
    return list(found.values())


def _birth(people):
    """{"date_of_birth"} from the most often given date, else {"age_from", "age_to"} from the ages given."""
    dates = Counter(m.date_of_birth for m in people if m.date_of_birth)
    if dates:
        return {"date_of_birth": dates.most_common(1)[0][0]}
    ages = [m.age for m in people if m.age is not None and YOUNGEST <= m.age <= OLDEST]
    return {"age_from": min(ages), "age_to": max(ages)} if ages else {}


def _offers(user, people):
    """The phones, vehicles and accounts of the reports naming the person, with which to tick in advance."""
    contacts = {m.contact_id for m in people if m.contact_id}
    rows = Mention.objects.filter(contact_id__in=contacts, role=Role.PERSON_OF_CONCERN,
                                  kind__in=[Kind.PERSON, *SELECTOR_DETAILS]).order_by("pk")
    people_in, selectors = defaultdict(set), {}
    for mention in rows:
        if mention.kind == Kind.PERSON:
            people_in[mention.contact_id].add(mention.entity_id or f"mention {mention.pk}")
            continue
        identity = mention.entity_id or (mention.kind, mention.key or mention.pattern)
        selectors.setdefault(identity, (mention, set()))[1].add(mention.contact_id)
    references = dict(Contact.objects.filter(pk__in=contacts).values_list("pk", "reference"))
    entity_ids = [identity for identity in selectors if isinstance(identity, int)]
    joins_nothing = hub_ids(entity_ids, seen_by(user)) | set(standing_marks(entity_ids))
    offers = []
    for identity, (mention, named_in) in selectors.items():
        alone = sorted(references[c] for c in named_in if len(people_in[c]) == 1)
        if identity in joins_nothing:
            ticked, why = False, "A hub or marked as not linking: probably a business or public number."
        elif alone:
            ticked, why = True, f"{', '.join(alone)} names only this person of concern."
        else:
            ticked, why = False, "Every report naming it names more than one person of concern: check whose it is."
        kind = SELECTOR_DETAILS[mention.kind]
        offers.append(Offer(value=f"{kind}:{mention.raw.strip()}", kind=kind, raw=mention.raw.strip(),
                            records=sorted(references[c] for c in named_in), ticked=ticked, why=why))
    return sorted(offers, key=lambda offer: (list(SELECTOR_DETAILS.values()).index(offer.kind), offer.raw))


def proposal(user, entities):
    """What the promotion form starts from: {"initial": form fields, "offers": [Offer]}. Call only after
    `refusal` said the user may open every record behind the entities."""
    people = list(_record_mentions(entities).filter(kind=Kind.PERSON).order_by("pk"))
    first, last, others = _names(people)
    initial = {"first_name": first, "last_name": last, "aliases": ", ".join(others),
               "nicknames": ", ".join(_nicknames(people)), **_birth(people)}
    return {"initial": initial, "offers": _offers(user, people)}
