"""What linking shows a user, always within what the access policy lets them open."""

from collections import defaultdict

from django.db.models import Q

from safehub.cases.models import Child
from safehub.intake.models import Contact
from safehub.linking import ties
from safehub.linking.models import Entity, Hub, Mention, PersonLink, SelectorMark
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

    [{"kind", "word", "label", "raw", "entity", "strength", "reports": [Contact], "children": count}], most
    reports first.
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
    found, hubs, marks = [], hub_ids(reports_by_entity), standing_marks(reports_by_entity)
    businesses = business_ids(reports_by_entity)
    for entity_id, report_ids in reports_by_entity.items():
        mention = entities[entity_id]
        children = set().union(*(children_by_report[r] for r in report_ids))
        identifying = bool(mention.first_name and (mention.last_name or mention.date_of_birth))
        found.append({"kind": mention.entity.kind, "word": SELECTOR_WORDS[mention.entity.kind],
                      "label": mention.entity.label, "raw": mention.raw, "entity": mention.entity,
                      "strength": strength(mention.entity.kind, partial=bool(mention.pattern), identifying=identifying,
                                           hub=entity_id in hubs, mark=marks.get(entity_id),
                                           business=entity_id in businesses),
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
    mentions = list(Mention.objects.filter(Q(contact_id__in=contacts) | Q(child_record_id__in=children),
                                           entity_id__in=network.entity_ids).select_related("entity"))
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
    network_of = {("c", pk): network.pk for network in networks for pk in network.contact_ids}
    network_of |= {("r", pk): network.pk for network in networks for pk in network.child_record_ids}
    kinds = defaultdict(lambda: defaultdict(set))
    visible_rows = defaultdict(list)
    rows = Mention.objects.filter(Q(contact_id__in=contacts) | Q(child_record_id__in=children),
                                  entity__isnull=False).values_list("kind", "role", "entity_id", "contact_id",
                                                                    "child_record_id")
    for row in rows:
        kind, role, entity_id, contact_id, child_id = row
        network = network_of.get(("c", contact_id) if contact_id else ("r", child_id))
        if network is not None:
            kinds[network][kind].add(entity_id)
            visible_rows[network].append(row)
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


# --- How strong a selector is, in words a screener understands --------------------------------------------

WEAK_WHY = {
    Entity.Kind.NICKNAME: "many people share a nickname",
    Entity.Kind.PLACE: "many people pass through one place",
    Entity.Kind.CHILD: "a child's name says nothing about who exploits them",
    Entity.Kind.PERSON: "a first name or nickname given alone fits many people",
    Entity.Kind.PHONE: "a partial number fits more than one phone",
    Entity.Kind.VEHICLE: "a partial registration mark fits more than one vehicle",
}


def standing_marks(entity_ids):
    """{entity id: its standing "not linking" mark}."""
    return {mark.entity_id: mark for mark in SelectorMark.objects.filter(entity_id__in=entity_ids, undone_at__isnull=True)
            .select_related("marked_by")}


def hub_ids(entity_ids):
    """The hubs among these entities, as last computed with the networks."""
    return set(Hub.objects.filter(entity_id__in=entity_ids).values_list("entity_id", flat=True))


def business_ids(entity_ids):
    """The selectors among these that some report names as a business's or public number."""
    return set(Mention.objects.filter(entity_id__in=entity_ids, role=Mention.Role.OTHER).values_list("entity_id", flat=True))


LEVEL_TITLES = {"strong": "Strong evidence", "weak": "Weak evidence", "context": "Context", "hub": "Hub",
                "other": "Someone else's", "marked": "Not linking"}


def strength(kind, *, partial=False, identifying=True, hub=False, mark=None, business=False):
    """{"level", "title", "words"} for one selector as one record names it: marked, a hub, someone else's,
    context (a child or a place), weak or strong. The words never count records (counts are per viewer and
    said beside them)."""
    word = SELECTOR_WORDS[kind]
    if mark is not None:
        level, words = "marked", (f"Marked by {mark.marked_by} on {mark.marked_at:%d %b %Y}: {mark.reason}. "
                                  "It joins no records.")
    elif hub:
        level, words = "hub", (f"This {word} is named in many otherwise separate groups of records: probably a "
                               "business or public number. Shown, but it joins no records.")
    elif business:
        level, words = "other", (f"A report names this {word} as a business or public number. Shown, but it "
                                 "joins no records.")
    elif ties.incidence_strength(kind, "partial" if partial else "", identifying) == ties.STRONG:
        level, words = "strong", f"The same {word} joins records on its own."
    else:
        level = "context" if kind in ties.CONTEXT_KINDS else "weak"
        words = (f"{WEAK_WHY[kind].capitalize()}, so it joins records only together with something else they "
                 "share (a phone, a vehicle, a place or a likely name match).")
    return {"level": level, "title": LEVEL_TITLES[level], "words": words}


def selector_is_visible(user, entity):
    """The user may open at least one record that names this selector."""
    contacts, children = _naming_records(entity)
    visible_contacts, visible_children = visible_record_ids(user, contacts, children)
    return bool(visible_contacts or visible_children)


def _naming_records(entity):
    rows = Mention.objects.filter(entity=entity).values_list("contact_id", "child_record_id")
    return {c for c, _ in rows if c}, {r for _, r in rows if r}


def selector_view(user, entity):
    """A selector's page: its strength, the reports and children's records naming it that the user may open,
    how many children those reports are about, and the history of "not linking" marks. None if the user may
    open no record naming it (so nothing about hidden records shows)."""
    contacts, children = _naming_records(entity)
    contacts, children = visible_record_ids(user, contacts, children)
    if not contacts and not children:
        return None
    child_entities = set(Mention.objects.filter(contact_id__in=contacts, kind=Entity.Kind.CHILD, entity__isnull=False)
                         .values_list("entity_id", flat=True))
    marks = list(SelectorMark.objects.filter(entity=entity).select_related("marked_by", "undone_by")
                 .order_by("-marked_at"))
    standing = next((mark for mark in marks if mark.standing), None)
    partial = not Mention.objects.filter(entity=entity, pattern="").exists()
    return {"entity": entity, "reports": list(Contact.objects.filter(pk__in=contacts).order_by("-received_at")),
            "child_records": list(Child.objects.filter(pk__in=children)), "children": len(child_entities),
            "strength": strength(entity.kind, partial=partial, hub=Hub.objects.filter(entity=entity).exists(),
                                 mark=standing, business=bool(business_ids([entity.pk]))),
            "marks": marks, "standing": standing}


def hub_summaries(user):
    """Hubs, selectors some report names as a business's, and marked selectors, each with how many reports the user may open name it and how many
    children those reports are about; only those the user can open a record of."""
    marked = {mark.entity_id: mark for mark in SelectorMark.objects.filter(undone_at__isnull=True)
              .select_related("marked_by")}
    businesses = set(Mention.objects.filter(role=Mention.Role.OTHER, entity__isnull=False)
                     .values_list("entity_id", flat=True))
    entity_ids = set(Hub.objects.values_list("entity_id", flat=True)) | set(marked) | businesses
    rows = list(Mention.objects.filter(entity_id__in=entity_ids).values_list("entity_id", "contact_id", "child_record_id"))
    contacts, children = visible_record_ids(user, {c for _, c, _ in rows if c}, {r for _, _, r in rows if r})
    reports, records = defaultdict(set), defaultdict(set)
    for entity_id, contact_id, child_id in rows:
        if contact_id in contacts:
            reports[entity_id].add(contact_id)
        if child_id in children:
            records[entity_id].add(child_id)
    about = defaultdict(set)
    for contact_id, child_entity in Mention.objects.filter(contact_id__in=contacts, kind=Entity.Kind.CHILD,
                                                           entity__isnull=False).values_list("contact_id", "entity_id"):
        about[contact_id].add(child_entity)
    entities = Entity.objects.in_bulk(entity_ids)
    summaries = []
    for entity_id in entity_ids:
        if not reports[entity_id] and not records[entity_id]:
            continue
        children_named = set().union(*(about[c] for c in reports[entity_id]))
        summaries.append({"entity": entities[entity_id], "reports": len(reports[entity_id]),
                          "records": len(records[entity_id]), "children": len(children_named),
                          "mark": marked.get(entity_id), "business": entity_id in businesses})
    return sorted(summaries, key=lambda row: (-row["reports"], row["entity"].label))


def network_ties(network, contacts, children):
    """Why a network's records belong together, in words: its ties (strongest first) between records the
    viewer may open, each with the records behind it. Ties seen in fewer than two visible records are left
    out, so nothing about a hidden record shows."""
    visible = {ties.record_key(pk, None) for pk in contacts} | {ties.record_key(None, pk) for pk in children}
    entities = Entity.objects.in_bulk([tie["entity"] for tie in network.ties if tie["entity"]])
    said = []
    for tie in network.ties:
        records = [record for record in tie["records"] if record in visible]
        if len(records) < 2:
            continue
        entity = entities.get(tie["entity"])
        what = (f"{SELECTOR_WORDS[entity.kind].capitalize()} {entity.label}" if entity
                else f"Two mentions the matcher scored as probably the same {tie['kind']}")
        how = ("strong: joins these records on its own" if tie["strength"] == ties.STRONG
               else "weak: counted only because these records also share something else")
        said.append({"what": what, "how": how, "strength": tie["strength"], "records": len(records),
                     "entity": entity})
    return said[:10]
