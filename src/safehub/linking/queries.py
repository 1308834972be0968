"""What linking shows a user, always within what the access policy lets them open."""

from collections import defaultdict

from safehub.cases.models import Child
from safehub.intake.models import Contact
from safehub.linking.models import Entity, Mention, PersonLink
from safehub.linking.networks import MentionIndex, in_records, distinct_children, people_of_concern

SELECTOR_WORDS = {Entity.Kind.PHONE: "phone number", Entity.Kind.VEHICLE: "vehicle",
                  Entity.Kind.HANDLE: "online account", Entity.Kind.NICKNAME: "nickname",
                  Entity.Kind.PERSON: "person", Entity.Kind.PLACE: "place", Entity.Kind.CHILD: "child"}


def visible_record_ids(user, contact_ids=None, child_ids=None):
    """(contact ids, child record ids) the user may open, out of those given (or all)."""
    contacts = Contact.objects.visible_to(user)
    children = Child.objects.visible_to(user)
    if contact_ids is not None:
        contacts = contacts.filter(pk__in=contact_ids)
    if child_ids is not None:
        children = children.filter(pk__in=child_ids)
    return set(contacts.values_list("pk", flat=True)), set(children.values_list("pk", flat=True))


def link_is_visible(user, link):
    mentions = [link.left, link.right]
    contacts, children = visible_record_ids(user, [m.contact_id for m in mentions if m.contact_id],
                                            [m.child_record_id for m in mentions if m.child_record_id])
    return all(in_records(m, contacts, children) for m in mentions)


def links_for_contact(user, contact):
    """For each selector or person this report names: the other reports the user may open that name it,
    and the children those reports are about.

    [{"kind", "label", "entity", "reports": [Contact], "children": {names}}], most reports first.
    """
    own = Mention.objects.filter(contact=contact, entity__isnull=False).exclude(kind=Entity.Kind.CHILD)
    entities = {m.entity_id: m for m in own.select_related("entity")}
    if not entities:
        return []
    others = (Mention.objects.filter(entity_id__in=entities, contact__isnull=False).exclude(contact=contact)
              .filter(contact__in=Contact.objects.visible_to(user)).values_list("entity_id", "contact_id"))
    reports_by_entity = defaultdict(set)
    for entity_id, contact_id in others:
        reports_by_entity[entity_id].add(contact_id)
    all_reports = set().union(*reports_by_entity.values()) if reports_by_entity else set()
    contacts = {c.pk: c for c in Contact.objects.filter(pk__in=all_reports).only("pk", "reference", "received_at")}
    children_by_report = defaultdict(set)
    own_children = set(Mention.objects.filter(contact=contact, kind=Entity.Kind.CHILD).values_list("entity_id", flat=True))
    for contact_id, entity_id in Mention.objects.filter(contact_id__in=all_reports, kind=Entity.Kind.CHILD).values_list(
            "contact_id", "entity_id"):
        if entity_id not in own_children:
            children_by_report[contact_id].add(entity_id)
    found = []
    for entity_id, report_ids in reports_by_entity.items():
        mention = entities[entity_id]
        children = set().union(*(children_by_report[r] for r in report_ids))
        found.append({"kind": mention.entity.kind, "word": SELECTOR_WORDS[mention.entity.kind],
                      "label": mention.entity.label, "raw": mention.raw,
                      "reports": sorted((contacts[r] for r in report_ids), key=lambda c: c.received_at),
                      "children": len(children)})
    return sorted(found, key=lambda item: (-len(item["reports"]), item["label"]))


def network_view(user, network):
    """What of a network this user may see: records they can open, the entities those records name, the
    edges between them, and how many records are hidden from them. None if they can open none of it."""
    contacts, children = visible_record_ids(user, network.contact_ids, network.child_record_ids)
    if not contacts and not children:
        return None
    hidden = len(network.contact_ids) - len(contacts) + len(network.child_record_ids) - len(children)
    mentions = [m for m in Mention.objects.filter(entity_id__in=network.entity_ids).select_related("entity")
                if in_records(m, contacts, children)]
    return {"network": network, "mentions": mentions, "hidden": hidden,
            "contacts": list(Contact.objects.filter(pk__in=contacts).order_by("received_at")),
            "child_records": list(Child.objects.filter(pk__in=children)),
            "links": visible_links(mentions)}


def visible_links(mentions):
    """Person links between mentions the user can see."""
    ids = {m.pk for m in mentions if m.kind in (Entity.Kind.PERSON, Entity.Kind.CHILD)}
    return list(PersonLink.objects.filter(left_id__in=ids, right_id__in=ids).exclude(band=PersonLink.Band.NONE)
                .select_related("left", "right").order_by("-match_weight"))


def network_summaries(user, networks):
    """One row per network the user can open any record of: counts within their access, and how many records
    are hidden from them. A bounded number of queries however many networks there are."""
    networks = list(networks)
    all_contacts = {pk for network in networks for pk in network.contact_ids}
    all_children = {pk for network in networks for pk in network.child_record_ids}
    contacts, children = visible_record_ids(user, all_contacts, all_children)
    agency_of = dict(Contact.objects.filter(pk__in=contacts).values_list("pk", "owning_agency__name"))
    agency_of_child = dict(Child.objects.filter(pk__in=children).values_list("pk", "owning_agency__name"))
    network_of = {entity: network.pk for network in networks for entity in network.entity_ids}
    kinds = defaultdict(lambda: defaultdict(set))
    visible_rows = defaultdict(list)
    rows = Mention.objects.filter(entity_id__in=network_of).values_list("kind", "role", "entity_id", "contact_id",
                                                                         "child_record_id")
    for row in rows:
        kind, role, entity_id, contact_id, child_id = row
        if (contact_id in contacts) if contact_id else (child_id in children):
            kinds[network_of[entity_id]][kind].add(entity_id)
            visible_rows[network_of[entity_id]].append(row)
    summaries, index = [], MentionIndex(visible=(contacts, children)) if networks else None
    for network in networks:
        seen = [pk for pk in network.contact_ids if pk in contacts]
        seen_children = [pk for pk in network.child_record_ids if pk in children]
        if not seen and not seen_children:
            continue
        counted = kinds[network.pk]
        selectors = sum(len(counted[k]) for k in (Entity.Kind.PHONE, Entity.Kind.VEHICLE, Entity.Kind.HANDLE,
                                                   Entity.Kind.NICKNAME))
        agencies = {agency_of[pk] for pk in seen} | {agency_of_child[pk] for pk in seen_children}
        summaries.append({"network": network, "reports": len(seen),
                          "children": len(distinct_children(visible_rows[network.pk], index)),
                          "persons": len(people_of_concern(visible_rows[network.pk], index)), "selectors": selectors,
                          "size": sum(len(ids) for ids in counted.values()), "agencies": sorted(agencies),
                          "hidden": len(network.contact_ids) - len(seen) + len(network.child_record_ids)
                          - len(seen_children)})
    return summaries
