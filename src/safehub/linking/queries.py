"""What linking shows a user, always within what the access policy lets them open.

Every query here reads mentions only in records the user may open: their record keys come from each kind's
`visible_to` (`sources.visible_keys`, `sources.readable`), so a mention from an intelligence item (or a
person of concern, or a report) the user may not open is never read for them and shows nowhere, not even as a
count. A person is "the same" only as grouped from the mentions the user may open (`_same_person`), and
networks and hubs are those computed with exactly the intelligence the user may open (`networks.seen_by`).
"""

from collections import defaultdict

from safehub.linking import networks as linking_networks
from safehub.linking import sources, ties
from safehub.linking.models import Entity, Hub, Mention, PersonLink, SelectorMark
from safehub.linking.networks import MentionIndex, distinct_children, identifying, in_keys, people_of_concern
from safehub.linking.resolve import PERSON_KINDS, clusters, links_among, person_label

SELECTOR_WORDS = {Entity.Kind.PHONE: "phone number", Entity.Kind.VEHICLE: "vehicle",
                  Entity.Kind.HANDLE: "online account", Entity.Kind.NICKNAME: "nickname",
                  Entity.Kind.PERSON: "person", Entity.Kind.PLACE: "place", Entity.Kind.CHILD: "child"}


def shown_label(mention):
    """How a mention's value is shown: a selector by its entity's label, a person or child as this mention
    writes them (an entity's label may come from a record the viewer may not open)."""
    return person_label(mention) if mention.kind in PERSON_KINDS else mention.entity.label


def link_is_visible(user, link):
    """The user may open the records of both mentions (an intelligence item's too)."""
    keys = {sources.mention_key(link.left), sources.mention_key(link.right)}
    return keys <= sources.visible_keys(user, keys)


def _same_person(own, others):
    """The mentions among `others` (of own's person entity, all in records the viewer may open) that are the
    same person as `own` when grouped pair by pair from these mentions alone: the entity may have been joined
    through a record the viewer may not open, which must not join anything for them."""
    group = [own, *others]
    mine = next(members for members in clusters(group, links_among(group)) if own in members)
    return [mention for mention in others if mention in mine]


def _named_elsewhere(user, contact, kinds):
    """[(own mention, [mentions of the same value in other records the user may open])] for each value of
    these kinds the report names (one mention per value)."""
    own = {}
    for mention in Mention.objects.filter(contact=contact, entity__isnull=False, kind__in=kinds).select_related(
            "entity").order_by("pk"):
        own.setdefault(mention.entity_id, mention)
    if not own:
        return []
    others = defaultdict(list)
    for mention in (Mention.objects.filter(entity_id__in=own).filter(sources.readable(user)).exclude(contact=contact)
                    .select_related("person_of_concern")):
        others[mention.entity_id].append(mention)
    found = []
    for entity_id, mention in own.items():
        same = others.get(entity_id, [])
        if mention.kind in PERSON_KINDS and same:
            same = _same_person(mention, same)
        found.append((mention, same))
    return found


def links_for_contact(user, contact):
    """For each selector or person this report names: the other reports the user may open that name it,
    and the children those reports are about.

    [{"kind", "word", "label", "raw", "entity", "strength", "reports": [Contact], "children": count}], most
    reports first.
    """
    kinds = [kind for kind in Entity.Kind.values if kind != Entity.Kind.CHILD]
    reports_by_mention = {}
    for mention, same in _named_elsewhere(user, contact, kinds):
        reports = {other.contact_id for other in same if other.contact_id}
        if reports:
            reports_by_mention[mention] = reports
    if not reports_by_mention:
        return []
    all_reports = set().union(*reports_by_mention.values())
    contacts = {c.pk: c for c in sources.REPORT.model.objects.filter(pk__in=all_reports)
                .only("pk", "reference", "received_at")}
    children_by_report = defaultdict(set)
    own_children = set(Mention.objects.filter(contact=contact, kind=Entity.Kind.CHILD).values_list("entity_id", flat=True))
    for contact_id, entity_id in Mention.objects.filter(contact_id__in=all_reports, kind=Entity.Kind.CHILD).values_list(
            "contact_id", "entity_id"):
        if entity_id not in own_children:
            children_by_report[contact_id].add(entity_id)
    entity_ids = [mention.entity_id for mention in reports_by_mention]
    hubs, marks = hub_ids(entity_ids, linking_networks.seen_by(user)), standing_marks(entity_ids)
    businesses = business_ids(entity_ids)
    found = []
    for mention, report_ids in reports_by_mention.items():
        entity = mention.entity
        children = set().union(*(children_by_report[r] for r in report_ids))
        found.append({"kind": entity.kind, "word": SELECTOR_WORDS[entity.kind], "label": shown_label(mention),
                      "raw": mention.raw, "entity": entity,
                      "strength": strength(entity.kind, partial=bool(mention.pattern), identifying=identifying(mention),
                                           hub=entity.pk in hubs, mark=marks.get(entity.pk),
                                           business=entity.pk in businesses),
                      "reports": sorted((contacts[r] for r in report_ids), key=lambda c: c.received_at),
                      "children": len(children)})
    return sorted(found, key=lambda item: (-len(item["reports"]), item["label"]))


CONCERN_WORDS = {Entity.Kind.PHONE: "belongs to", Entity.Kind.VEHICLE: "belongs to", Entity.Kind.HANDLE: "belongs to",
                 Entity.Kind.PLACE: "is an address of", Entity.Kind.PERSON: "is probably"}


def people_of_concern_named(user, contact):
    """For each phone, vehicle, online account, address or person this report names that is also a person of
    concern's whom the user may open (one of their own details, or the same person by the matcher), who that
    is: [{"word", "label", "how", "people": [{"name", "url"}]}]. A partial number or mark says nothing here,
    and a person of concern the user may not open is never read."""
    found = []
    for mention, same in _named_elsewhere(user, contact, list(CONCERN_WORDS)):
        people = {other.person_of_concern_id: other.person_of_concern for other in same if other.person_of_concern_id}
        if not people or mention.pattern:
            continue
        found.append({"word": SELECTOR_WORDS[mention.kind], "label": shown_label(mention),
                      "how": CONCERN_WORDS[mention.kind],
                      "people": [sources.shown(sources.PERSON_OF_CONCERN.key(pk), person)
                                 for pk, person in sorted(people.items())]})
    return found


def network_view(user, network):
    """What of a network this user may see: records they can open, the entities those records name, the
    edges between them, and how many records are hidden from them. None if they can open none of it, or if
    it was computed with other intelligence than the user may open (`networks.seen_by`)."""
    if network.intelligence_seen != linking_networks.seen_by(user):
        return None
    visible = sources.visible_keys(user, sources.network_keys(network))
    if not visible:
        return None
    told = [source for source in sources.SOURCES if source.counted_when_hidden]
    hidden = len([key for key in sources.network_keys(network, told) if key not in visible])
    mentions = list(Mention.objects.filter(sources.in_records(visible), entity_id__in=network.entity_ids)
                    .select_related("entity"))
    loaded = sources.load(visible)
    records = [sources.shown(key, loaded[key]) for key in _in_order(loaded)]
    return {"network": network, "mentions": mentions, "hidden": hidden, "visible": visible, "records": records,
            "records_by_key": {record["key"]: record for record in records},
            "people_of_concern": [r for r in records if r["kind"] == sources.PERSON_OF_CONCERN.node],
            "counted": _counted_words(visible), "links": visible_links(mentions)}


def _in_order(loaded):
    """Record keys by kind (reports, children's records, intelligence, people of concern), each kind oldest
    first."""
    def order(key):
        record = loaded[key]
        when = getattr(record, "received_at", None) or getattr(record, "created_at", None)
        return sources.SOURCES.index(sources.source_of(key)), when is None, when or 0, record.pk

    return sorted(loaded, key=order)


def _counted_words(keys):
    """The records of each kind among these, in words: "2 reports, 1 child record and 1 person of concern"."""
    by_source = sources.split(keys)
    parts = [f"{len(by_source[s])} {s.noun if len(by_source[s]) == 1 else s.plural}" for s in sources.SOURCES
             if by_source.get(s)]
    return " and ".join([", ".join(parts[:-1]), parts[-1]]) if len(parts) > 1 else "".join(parts)


def visible_links(mentions):
    """Person links between mentions the user can see."""
    ids = {m.pk for m in mentions if m.kind in (Entity.Kind.PERSON, Entity.Kind.CHILD)}
    return list(PersonLink.objects.filter(left_id__in=ids, right_id__in=ids).exclude(band=PersonLink.Band.NONE)
                .select_related("left", "right").order_by("-match_weight"))


def network_summaries(user, networks):
    """One row per network the user can open any record of: counts within their access, and how many records
    are hidden from them (never intelligence items). A bounded number of queries however many networks
    there are."""
    networks = list(networks)
    told = [source for source in sources.SOURCES if source.counted_when_hidden]
    all_keys = {key for network in networks for key in sources.network_keys(network)}
    visible = sources.visible_keys(user, all_keys)
    agency_of = sources.agency_names(visible)
    network_of = {key: network.pk for network in networks for key in sources.network_keys(network)}
    kinds = defaultdict(lambda: defaultdict(set))
    visible_rows = defaultdict(list)
    rows = (Mention.objects.filter(sources.in_records(visible), entity__isnull=False)
            .values_list("kind", "role", "entity_id", *sources.ID_FIELDS))
    for kind, role, entity_id, *ids in rows:
        key = sources.record_key(*ids)
        network = network_of.get(key)
        if network is not None:
            kinds[network][kind].add(entity_id)
            visible_rows[network].append((kind, role, entity_id, key))
    summaries, index = [], MentionIndex(keep=in_keys(visible)) if networks else None
    for network in networks:
        seen = [key for key in sources.network_keys(network) if key in visible]
        if not seen:
            continue
        counted = kinds[network.pk]
        selectors = sum(len(counted[k]) for k in (Entity.Kind.PHONE, Entity.Kind.VEHICLE, Entity.Kind.HANDLE,
                                                   Entity.Kind.NICKNAME))
        summaries.append({"network": network,
                          "reports": len([key for key in seen if sources.source_of(key) is sources.REPORT]),
                          "children": len(distinct_children(visible_rows[network.pk], index)),
                          "persons": len(people_of_concern(visible_rows[network.pk], index)), "selectors": selectors,
                          "size": sum(len(ids) for ids in counted.values()),
                          "agencies": sorted({agency_of[key] for key in seen}),
                          "hidden": len([key for key in sources.network_keys(network, told) if key not in visible])})
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


def hub_ids(entity_ids, seen):
    """The hubs among these entities, as last computed with the networks this viewer is shown (`seen`:
    `networks.seen_by(user)`), so a hub made by intelligence shows only to those who may read it."""
    return set(Hub.objects.filter(entity_id__in=entity_ids, intelligence_seen=seen).values_list("entity_id", flat=True))


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


def _naming_keys(entity):
    return {sources.record_key(*ids) for ids in Mention.objects.filter(entity=entity).values_list(*sources.ID_FIELDS)}


def selector_is_visible(user, entity):
    """The user may open at least one record that names this selector."""
    return bool(sources.visible_keys(user, _naming_keys(entity)))


def selector_view(user, entity):
    """A selector's page: its strength, the records naming it that the user may open (reports, children's
    records, intelligence items, people of concern), how many children those reports are about, and the
    history of "not linking" marks. None if the user may open no record naming it (so nothing about hidden
    records shows)."""
    visible = sources.visible_keys(user, _naming_keys(entity))
    if not visible:
        return None
    loaded = sources.load(visible)
    by_source = sources.split(visible)
    contacts = by_source.get(sources.REPORT, set())
    child_entities = set(Mention.objects.filter(contact_id__in=contacts, kind=Entity.Kind.CHILD, entity__isnull=False)
                         .values_list("entity_id", flat=True))
    marks = list(SelectorMark.objects.filter(entity=entity).select_related("marked_by", "undone_by")
                 .order_by("-marked_at"))
    standing = next((mark for mark in marks if mark.standing), None)
    partial = not Mention.objects.filter(sources.in_records(visible), entity=entity, pattern="").exists()
    others = [sources.shown(key, loaded[key]) for key in _in_order(loaded)
              if sources.source_of(key) in (sources.INTELLIGENCE, sources.PERSON_OF_CONCERN)]
    hub = bool(hub_ids([entity.pk], linking_networks.seen_by(user)))
    return {"entity": entity,
            "reports": sorted((loaded[sources.REPORT.key(pk)] for pk in contacts), key=lambda c: c.received_at,
                              reverse=True),
            "child_records": [loaded[sources.CHILD_RECORD.key(pk)]
                              for pk in sorted(by_source.get(sources.CHILD_RECORD, ()))],
            "others": others, "children": len(child_entities),
            "strength": strength(entity.kind, partial=partial, hub=hub, mark=standing,
                                 business=bool(business_ids([entity.pk]))),
            "marks": marks, "standing": standing}


def hub_summaries(user):
    """Hubs (of the networks this user is shown), selectors some report names as a business's, and marked
    selectors, each with how many reports the user may open name it and how many children those reports are
    about; only those the user can open a report or child's record of."""
    marked = {mark.entity_id: mark for mark in SelectorMark.objects.filter(undone_at__isnull=True)
              .select_related("marked_by")}
    businesses = set(Mention.objects.filter(role=Mention.Role.OTHER, entity__isnull=False)
                     .values_list("entity_id", flat=True))
    hubs = Hub.objects.filter(intelligence_seen=linking_networks.seen_by(user))
    entity_ids = set(hubs.values_list("entity_id", flat=True)) | set(marked) | businesses
    rows = (Mention.objects.filter(entity_id__in=entity_ids)
            .filter(sources.readable(user, (sources.REPORT, sources.CHILD_RECORD)))
            .values_list("entity_id", "contact_id", "child_record_id", "raw"))
    reports, records, written = defaultdict(set), defaultdict(set), {}
    for entity_id, contact_id, child_id, raw in rows:
        if contact_id:
            reports[entity_id].add(contact_id)
        if child_id:
            records[entity_id].add(child_id)
        written.setdefault(entity_id, raw)
    about = defaultdict(set)
    for contact_id, child_entity in Mention.objects.filter(contact_id__in=set().union(*reports.values()),
                                                           kind=Entity.Kind.CHILD,
                                                           entity__isnull=False).values_list("contact_id", "entity_id"):
        about[contact_id].add(child_entity)
    entities = Entity.objects.in_bulk(entity_ids)
    summaries = []
    for entity_id in entity_ids:
        if not reports[entity_id] and not records[entity_id]:
            continue
        entity = entities[entity_id]
        children_named = set().union(*(about[c] for c in reports[entity_id]))
        summaries.append({"entity": entity, "reports": len(reports[entity_id]),
                          "label": written[entity_id] if entity.kind in PERSON_KINDS else entity.label,
                          "records": len(records[entity_id]), "children": len(children_named),
                          "mark": marked.get(entity_id), "business": entity_id in businesses})
    return sorted(summaries, key=lambda row: (-row["reports"], row["label"]))


def network_ties(network, visible, labels):
    """Why a network's records belong together, in words: its ties (strongest first) between records the
    viewer may open (`visible`: record keys), each with the records behind it. Ties seen in fewer than two
    visible records are left out, so nothing about a hidden record shows. `labels`: {entity: how the page
    shows it} for people and children, written as the viewer's records write them."""
    entities = Entity.objects.in_bulk([tie["entity"] for tie in network.ties if tie["entity"]])
    said = []
    for tie in network.ties:
        records = [record for record in tie["records"] if record in visible]
        if len(records) < 2:
            continue
        entity = entities.get(tie["entity"])
        if entity:
            what = f"{SELECTOR_WORDS[entity.kind].capitalize()} {labels.get(entity.pk, entity.label)}"
        elif tie.get("clue") == ties.CHILD_FIRST_NAME:
            what = "A child's first name given alone that fits a child of about the same age in another record"
        else:
            what = f"Two mentions the matcher scored as probably the same {tie['kind']}"
        how = ("strong: joins these records on its own" if tie["strength"] == ties.STRONG
               else "weak: counted only because these records also share something else")
        said.append({"what": what, "how": how, "strength": tie["strength"], "records": len(records),
                     "entity": entity})
    return said[:10]
