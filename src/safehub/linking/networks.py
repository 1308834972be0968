"""Networks: records (reports, children's records) tied together by the people and selectors they share,
weighed by how strong each shared value is (`safehub.linking.ties`), split along thin bridges by Leiden
communities, and flagged for possible group-based exploitation (a flag for an analyst, never a decision).

A nickname, a first name alone, a partial mark, a place or a child is weak and joins records only with
corroboration; a value shared by many otherwise separate groups (a taxi firm's phone) is a hub, shown but
never followed; an analyst can mark a selector as not linking. A network spans at least two records, since
one report alone shows nothing new.
"""

import hashlib
from collections import defaultdict

import igraph
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Case, Count, Max, Q, Value, When
from django.utils import timezone

from safehub.linking import ties
from safehub.linking.models import Entity, Hub, Mention, Network, PersonLink, SelectorMark

MIN_RECORDS = 2


def hub_groups():
    return settings.SAFEHUB_NETWORK_HUB_GROUPS


def current_generation():
    """A fingerprint of everything the graph depends on: mentions, link judgements and "not linking" marks."""
    mentions = Mention.objects.aggregate(count=Count("pk"), last=Max("pk"), resolved=Count("entity"))
    links = PersonLink.objects.aggregate(scored=Max("scored_at"), judged=Max("judged_at"))
    marks = SelectorMark.objects.aggregate(count=Count("pk"), marked=Max("marked_at"), undone=Max("undone_at"))
    text = f"{mentions}|{links}|{marks}|{hub_groups()}"
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def _node(kind, pk):
    return f"{kind}:{pk}"


def build_graph(rows):
    """rows: (mention kind, role, entity id, contact id, child record id). Returns (graph, node names)."""
    names, edges = {}, []
    for _, _, entity_id, contact_id, child_id in rows:
        record = _node("contact", contact_id) if contact_id else _node("child_record", child_id)
        entity = _node("entity", entity_id)
        for name in (record, entity):
            names.setdefault(name, len(names))
        edges.append((names[record], names[entity]))
    graph = igraph.Graph(n=len(names), edges=edges)
    graph.vs["name"] = list(names)
    return graph, names


def mention_rows():
    """Every resolved mention as (kind, role, entity, contact, child record, pattern, identifying): what the
    ties between records are weighed from. A person is identified by a first name with a surname or a date
    of birth; a first name or nickname alone is a weak clue."""
    identifying = Case(When(~Q(first_name="") & (~Q(last_name="") | Q(date_of_birth__isnull=False)), then=Value(True)),
                       default=Value(False), output_field=BooleanField())
    mentions = Mention.objects.filter(entity__isnull=False, intelligence__isnull=True, person_of_concern__isnull=True)
    return list(mentions.annotate(identifying=identifying)
                .values_list("kind", "role", "entity_id", "contact_id", "child_record_id", "pattern", "identifying"))


def review_pairs():
    """(record, record, clue, kind) for people and children the matcher scored "needs review" (probably the
    same person) and no analyst or guard keeps apart: a weak clue that needs corroboration."""
    from safehub.linking.resolve import keeps_apart

    links = (PersonLink.objects.filter(band=PersonLink.Band.REVIEW)
             .exclude(left__role__in=ties.NON_JOINING_ROLES).exclude(right__role__in=ties.NON_JOINING_ROLES)
             .select_related("left", "right").only("pk", "judgement", "band", "evidence", "left__kind", "left__contact_id",
                                                    "left__child_record_id", "right__contact_id",
                                                    "right__child_record_id"))
    return [(ties.record_key(link.left.contact_id, link.left.child_record_id),
             ties.record_key(link.right.contact_id, link.right.child_record_id), f"link:{link.pk}", link.left.kind)
            for link in links if not keeps_apart(link) and link.judgement != PersonLink.Judgement.CONFIRMED]


def standing_marks():
    return set(SelectorMark.objects.filter(undone_at__isnull=True).values_list("entity_id", flat=True))


def compute():
    """Recompute the networks and hubs from the current mentions; returns the Network rows stored. A fixed
    number of queries however many networks there are."""
    from safehub.intake.models import Contact

    generation = current_generation()
    rows = mention_rows()
    found, hubs = network_rows(rows, review_pairs(), standing_marks())
    index = MentionIndex() if found else None
    received = dict(Contact.objects.values_list("pk", "received_at")) if found else {}
    built = [_network(number, group_rows, group_ties, generation, index, received)
             for number, (group_rows, group_ties) in enumerate(found)]
    with transaction.atomic():
        Network.objects.all().delete()
        Hub.objects.all().delete()
        Hub.objects.bulk_create(Hub(generation=generation, entity_id=entity, groups=groups)
                                for entity, groups in hubs.items())
        return Network.objects.bulk_create(built)


def network_rows(rows, review=(), marked=()):
    """The networks as ([(kind, role, entity, contact, child record)] rows, ties), and {hub entity: groups}:
    records tied by the clues of `ties`, each network with all its records' rows (children, places and
    hubs too, for the page)."""
    decided = ties.plan(rows, review, marked, hub_groups())
    network_of = {record: number for number, group in enumerate(decided.groups) for record in group}
    grouped = defaultdict(list)
    for row in rows:
        number = network_of.get(ties.record_key(row[3], row[4]))
        if number is not None:
            grouped[number].append(tuple(row[:5]))
    return [(grouped[number], decided.ties[number]) for number in range(len(decided.groups))], decided.hubs


def communities(rows):
    """{entity id (text): Leiden community number} for one network's rows (modularity)."""
    graph, names = build_graph(rows)
    if graph.ecount() == 0:
        return {}
    membership = graph.community_leiden(objective_function="modularity", n_iterations=-1).membership
    return {name.split(":")[1]: membership[index] for name, index in names.items() if name.startswith("entity:")}


class _Groups:
    """Union-find over entity ids."""

    def __init__(self, members):
        self.parent = {member: member for member in members}

    def find(self, x):
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a, b):
        self.parent[self.find(a)] = self.find(b)

    def mapping(self):
        return {member: self.find(member) for member in self.parent}


class MentionIndex:
    """The person, child and nickname mentions behind some networks, and the scored pairs among them, read
    in three queries: for every network at once when computing them (entity_ids None), or for one network's
    entities when drawing its page. Given `visible` (contact ids, child record ids), only the mentions in
    records a viewer may open count, so what they are shown is grouped from what they may see."""

    def __init__(self, entity_ids=None, visible=None):
        mentions = Mention.objects.filter(kind__in=GROUPED_KINDS, entity__isnull=False)
        links = PersonLink.objects.exclude(band=PersonLink.Band.NONE)
        if entity_ids is not None:
            mentions = mentions.filter(entity_id__in=entity_ids)
            links = links.filter(left__entity_id__in=entity_ids, right__entity_id__in=entity_ids)
        self.by_entity, self.nicknames_at = defaultdict(list), defaultdict(list)
        for mention in mentions:
            if visible is not None and not in_records(mention, *visible):
                continue
            if mention.kind == Entity.Kind.NICKNAME:
                if mention.source_detail:
                    self.nicknames_at[(mention.contact_id, mention.child_record_id, mention.source_detail)].append(
                        mention.entity_id)
            else:
                self.by_entity[mention.entity_id].append(mention)
        self.links_from = defaultdict(list)
        for link in links:
            self.links_from[link.left_id].append(link)

    def mentions(self, entity_ids, kind):
        return [m for entity_id in entity_ids for m in self.by_entity.get(entity_id, ()) if m.kind == kind]

    def links_among(self, mentions):
        ids = {m.pk for m in mentions}
        return [link for m in mentions for link in self.links_from.get(m.pk, ()) if link.right_id in ids]


GROUPED_KINDS = [Entity.Kind.PERSON, Entity.Kind.CHILD, Entity.Kind.NICKNAME]


def in_records(mention, contact_ids, child_ids):
    """The mention is in one of these reports or children's records."""
    return (mention.contact_id in contact_ids) if mention.contact_id else (mention.child_record_id in child_ids)


def _join_probable_pairs(groups, mentions, index):
    """Inside one network the shared selectors already tie the records together, so a pair the matcher
    scored "needs review" is probably one person: join it, unless it is kept apart (rejected by an analyst,
    scored against, or caught by the twin and parent guards)."""
    from safehub.linking.resolve import keeps_apart

    entity_of = {m.pk: m.entity_id for m in mentions}
    for link in index.links_among(mentions):
        if not keeps_apart(link):
            groups.join(entity_of[link.left_id], entity_of[link.right_id])


def person_groups(rows, index):
    """{person entity: group} for the persons of concern in one network: probable pairs, and persons given
    the same nickname, count as one."""
    persons = {row[2] for row in rows if row[0] == Entity.Kind.PERSON and row[1] == Mention.Role.PERSON_OF_CONCERN}
    groups = _Groups(persons)
    mentions = index.mentions(persons, Entity.Kind.PERSON)
    _join_probable_pairs(groups, mentions, index)
    nickname_owner = {}
    for person, nickname in person_nickname_pairs(mentions, index):
        groups.join(person, nickname_owner.setdefault(nickname, person))
    return groups.mapping()


def people_of_concern(rows, index):
    return set(person_groups(rows, index).values())


def person_nickname_pairs(person_mentions, index):
    """(person entity, nickname entity) for the nicknames given for the same person in one record."""
    for mention in person_mentions:
        if mention.source_detail:
            key = (mention.contact_id, mention.child_record_id, mention.source_detail)
            for nickname in index.nicknames_at.get(key, ()):
                yield mention.entity_id, nickname


def child_groups(rows, index):
    """{child entity: group} in one network: probable pairs count as one child, and so does a first name
    given alone that fits exactly one fuller name in the network."""
    children = {row[2] for row in rows if row[0] == Entity.Kind.CHILD}
    mentions = index.mentions(children, Entity.Kind.CHILD)
    groups = _Groups(children)
    _join_probable_pairs(groups, mentions, index)
    full = [m for m in mentions if m.last_key]
    for alone in (m for m in mentions if not m.last_key and m.first_key):
        fits = {groups.find(m.entity_id) for m in full if m.first_key == alone.first_key}
        if len(fits) == 1:
            groups.join(alone.entity_id, fits.pop())
    return groups.mapping()


def distinct_children(rows, index):
    return set(child_groups(rows, index).values())


def display_groups(rows, visible):
    """{entity: the entity it is shown as} for a network page, from the records the viewer may open
    (`visible`: contact ids, child record ids): probable same people and children as one."""
    index = MentionIndex({row[2] for row in rows}, visible)
    return {**child_groups(rows, index), **person_groups(rows, index)}


def flag_reason(persons_of_concern, children):
    if persons_of_concern >= 2 and children >= 1:
        return f"{persons_of_concern} persons of concern and {children} child{'ren' if children != 1 else ''}"
    if persons_of_concern == 1 and children >= 2:
        return f"1 person of concern linked to {children} children"
    return ""


def _network(number, rows, group_ties, generation, index, received):
    """The Network row (not yet saved) for one network's rows."""
    contact_ids = sorted({row[3] for row in rows if row[3]})
    child_record_ids = sorted({row[4] for row in rows if row[4]})
    entity_ids = sorted({row[2] for row in rows})
    reason = flag_reason(len(people_of_concern(rows, index)), len(distinct_children(rows, index)))
    newest = max((received[pk] for pk in contact_ids if pk in received), default=None)
    return Network(
        number=number + 1, generation=generation, contact_ids=contact_ids, child_record_ids=child_record_ids,
        entity_ids=entity_ids, communities=communities(rows), flagged=bool(reason), ties=group_ties,
        flag_reason=f"Possible group-based exploitation: {reason}" if reason else "",
        newest_activity=newest or timezone.now())


def current_networks():
    """The networks for the current data, recomputed first if anything changed since the last run. Two
    requests computing the same generation at once: the second finds the first's rows."""
    generation = current_generation()
    if not Network.objects.filter(generation=generation).exists():
        try:
            compute()
        except IntegrityError:
            pass
    return Network.objects.filter(generation=generation)
