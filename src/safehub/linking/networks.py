"""Networks: records (reports, children's records, intelligence items, people of concern) tied together by the
people and selectors they share, weighed by how strong each shared value is (`safehub.linking.ties`), split
along thin bridges by Leiden communities, and flagged for possible group-based exploitation (a flag for an
analyst, never a decision).

A nickname, a first name alone, a partial mark, a place or a child is weak and joins records only with
corroboration; a value shared by many otherwise separate groups (a taxi firm's phone) is a hub, shown but
never followed; an analyst can mark a selector as not linking. A network spans at least two records, since
one report alone shows nothing new.

Intelligence never shapes what someone who may not read it sees: networks and hubs are computed for a set of
intelligence items (`intelligence_seen`, a fingerprint of the set's name), and a user is shown the networks
computed from exactly the items they may open: none for most users, so for them intelligence does not exist
(no member, tie, count, flag or hub comes from it). The set is named by the rule that gives it (the access
policy's `visible_named`: "agency 2, its transfers so far, without the items restricted against this user"),
so naming it costs a few small queries on every page, and its items are read only when the networks are
computed. Records of the other kinds are members whoever may open them; pages show each viewer only those
they may open.
"""

import hashlib
from collections import defaultdict

import igraph
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Case, Count, Max, Q, Value, When
from django.utils import timezone

from safehub.access.policy import NOTHING, visible_named
from safehub.linking import normalise, sources, ties
from safehub.linking.models import Entity, Hub, Mention, Network, PersonLink, SelectorMark

MIN_RECORDS = 2
NO_INTELLIGENCE = NOTHING
ALL_INTELLIGENCE = "all"


def hub_groups():
    return settings.SAFEHUB_NETWORK_HUB_GROUPS


def current_generation():
    """A fingerprint of everything the graph depends on: mentions, link judgements and "not linking" marks."""
    mentions = Mention.objects.aggregate(count=Count("pk"), last=Max("pk"), resolved=Count("entity"))
    links = PersonLink.objects.aggregate(scored=Max("scored_at"), judged=Max("judged_at"))
    marks = SelectorMark.objects.aggregate(count=Count("pk"), marked=Max("marked_at"), undone=Max("undone_at"))
    text = f"{mentions}|{links}|{marks}|{hub_groups()}"
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def readable_intelligence(user=None):
    """(name, items): the intelligence items whose mentions count in this user's networks, those they may open,
    and the name of that set (`access.policy.visible_named`); the items are a queryset, read only to compute.
    Without a user (`link run`, benchmarks), all of them ("none" while there are none)."""
    model = sources.INTELLIGENCE.model
    if user is None:
        everything = model.objects.exists()
        return (ALL_INTELLIGENCE, model.objects.all()) if everything else (NO_INTELLIGENCE, model.objects.none())
    return visible_named(model, user)


def intelligence_seen(name):
    """Which intelligence items networks were computed with: "none", "all", or a fingerprint of the set's name."""
    if name in (NO_INTELLIGENCE, ALL_INTELLIGENCE):
        return name
    return hashlib.sha256(name.encode()).hexdigest()[:16]


def counted(mention, item_ids):
    """The mention counts in networks computed with these intelligence items."""
    return mention.intelligence_id is None or mention.intelligence_id in item_ids


def in_keys(keys):
    """A MentionIndex filter: only mentions in these records (the ones a viewer may open)."""
    return lambda mention: sources.mention_key(mention) in keys


def identifying(mention):
    """A person is identified by a first name with a surname or a date of birth."""
    return bool(mention.first_name and (mention.last_name or mention.date_of_birth))


def build_graph(rows):
    """rows: (mention kind, role, entity id, record key). Returns (graph, node names)."""
    names, edges = {}, []
    for _, _, entity_id, record_key, *_ in rows:
        record = f"record:{record_key}"
        entity = f"entity:{entity_id}"
        for name in (record, entity):
            names.setdefault(name, len(names))
        edges.append((names[record], names[entity]))
    graph = igraph.Graph(n=len(names), edges=edges)
    graph.vs["name"] = list(names)
    return graph, names


def mention_rows(item_ids=None):
    """Every resolved mention as (kind, role, entity, record key, pattern, identifying): what the ties between
    records are weighed from; of intelligence, only the mentions of the items in `item_ids` (None: all). A
    person is identified by a first name with a surname or a date of birth; a first name or nickname alone is
    a weak clue."""
    is_identifying = Case(When(~Q(first_name="") & (~Q(last_name="") | Q(date_of_birth__isnull=False)),
                               then=Value(True)), default=Value(False), output_field=BooleanField())
    rows = (Mention.objects.filter(entity__isnull=False).annotate(identifying=is_identifying)
            .values_list("kind", "role", "entity_id", *sources.ID_FIELDS, "pattern", "identifying"))
    found = []
    for kind, role, entity_id, contact_id, child_id, item_id, person_id, pattern, named in rows:
        if item_id and item_ids is not None and item_id not in item_ids:
            continue
        found.append((kind, role, entity_id, sources.record_key(contact_id, child_id, item_id, person_id), pattern,
                      named))
    return found


def link_pairs(item_ids=None):
    """(record, record, clue, kind, strength) for person and child mentions the matcher paired that are not one
    entity and that no analyst or guard keeps apart. A pair scored "needs review" (probably the same person) is
    a weak clue. An intelligence mention never shares an entity with another record's (`resolve.clusters`),
    so a pair across the two that the matcher linked ties as one entity would: strong where both name the
    person in full. Pairs with an intelligence item outside `item_ids` (None: all) are left out."""
    from safehub.linking.resolve import across_intelligence, keeps_apart

    links = (PersonLink.objects.filter(Q(band=PersonLink.Band.REVIEW) | Q(left__intelligence__isnull=False)
                                       | Q(right__intelligence__isnull=False))
             .exclude(left__role__in=ties.NON_JOINING_ROLES).exclude(right__role__in=ties.NON_JOINING_ROLES)
             .select_related("left", "right"))
    found = []
    for link in links:
        left, right = link.left, link.right
        if keeps_apart(link) or (item_ids is not None and not (counted(left, item_ids) and counted(right, item_ids))):
            continue
        if across_intelligence(left, right) and link.joins:
            strength = ties.incidence_strength(left.kind, "", identifying(left) and identifying(right))
        elif link.band == PersonLink.Band.REVIEW and not link.judgement:
            strength = ties.WEAK
        else:
            continue
        found.append((sources.mention_key(left), sources.mention_key(right), f"link:{link.pk}", left.kind, strength,
                      (_name(left), _name(right))))
    return found


def _name(mention):
    """A person's or child's name as compared for commonness: kind, first name's variant group and surname."""
    return f"{mention.kind}: {mention.first_key} {mention.last_key}".strip()


def child_first_names(item_ids=None):
    """{record key: [(first name key, given with a surname, age)]} for the children named in each record."""
    names = defaultdict(list)
    rows = (Mention.objects.filter(kind=Entity.Kind.CHILD).exclude(first_key="")
            .values_list("first_key", "last_key", "age", *sources.ID_FIELDS))
    for first_key, last_key, age, contact_id, child_id, item_id, person_id in rows:
        if item_id and item_ids is not None and item_id not in item_ids:
            continue
        names[sources.record_key(contact_id, child_id, item_id, person_id)].append((first_key, bool(last_key), age))
    return dict(names)


def name_nicknames():
    """Nickname entities some record gives as a pet form of the same man's first name ("Tomzzy" for Tomasz)."""
    pairs = (Mention.objects.filter(kind=Entity.Kind.PERSON).exclude(nickname_key="").exclude(first_name="")
             .values_list("nickname_key", "first_name").distinct())
    keys = {nickname for nickname, first in pairs if nickname[:3] == normalise.name_key(first)[:3]}
    return set(Entity.objects.filter(kind=Entity.Kind.NICKNAME, key__in=keys).values_list("pk", flat=True))


def standing_marks():
    return set(SelectorMark.objects.filter(undone_at__isnull=True).values_list("entity_id", flat=True))


def compute(readable=None):
    """Recompute the networks and hubs seen by those who may open exactly these intelligence items (a (name,
    items) pair from `readable_intelligence`; None: all of them); returns the Network rows stored. A fixed
    number of queries however many networks there are. The items are read after the generation, so rows never
    carry a newer generation than what they were computed from."""
    name, items = readable if readable is not None else readable_intelligence()
    seen = intelligence_seen(name)
    generation = current_generation()
    item_ids = set(items.values_list("pk", flat=True))
    rows = mention_rows(item_ids)
    found, hubs = network_rows(rows, link_pairs(item_ids), standing_marks(), child_first_names(item_ids))
    index = MentionIndex(keep=lambda mention: counted(mention, item_ids)) if found else None
    received = _received(item_ids) if found else {}
    built = [_network(number, group_rows, group_ties, generation, seen, index, received)
             for number, (group_rows, group_ties) in enumerate(found)]
    with transaction.atomic():
        Network.objects.filter(intelligence_seen=seen).delete()
        Hub.objects.filter(intelligence_seen=seen).delete()
        Hub.objects.bulk_create(Hub(generation=generation, intelligence_seen=seen, entity_id=entity, groups=groups)
                                for entity, groups in hubs.items())
        return Network.objects.bulk_create(built)


def _received(item_ids):
    """{record key: when it came in} for reports and these intelligence items: a network's newest activity."""
    reports = sources.REPORT.model.objects.values_list("pk", "received_at")
    items = sources.INTELLIGENCE.model.objects.values_list("pk", "received_at")
    return ({sources.REPORT.key(pk): at for pk, at in reports}
            | {sources.INTELLIGENCE.key(pk): at for pk, at in items if pk in item_ids})


def network_rows(rows, pairs=(), marked=(), child_names=None):
    """The networks as ([(kind, role, entity, record key)] rows, ties), and {hub entity: groups}: records tied
    by the clues of `ties`, each network with all its records' rows (children, places and hubs too, for the
    page)."""
    decided = ties.plan(rows, pairs, marked, hub_groups(), child_names, name_nicknames())
    network_of = {record: number for number, group in enumerate(decided.groups) for record in group}
    grouped = defaultdict(list)
    for row in rows:
        number = network_of.get(row[3])
        if number is not None:
            grouped[number].append(tuple(row[:4]))
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
    entities when drawing its page. Only the mentions `keep` accepts count: those of the intelligence items
    the networks are computed with, or those in records a viewer may open (`in_keys`), so what they are shown
    is grouped from what they may see."""

    def __init__(self, entity_ids=None, keep=None):
        mentions = Mention.objects.filter(kind__in=GROUPED_KINDS, entity__isnull=False)
        links = PersonLink.objects.exclude(band=PersonLink.Band.NONE)
        if entity_ids is not None:
            mentions = mentions.filter(entity_id__in=entity_ids)
            links = links.filter(left__entity_id__in=entity_ids, right__entity_id__in=entity_ids)
        self.by_entity, self.nicknames_at = defaultdict(list), defaultdict(list)
        for mention in mentions:
            if keep is not None and not keep(mention):
                continue
            if mention.kind == Entity.Kind.NICKNAME:
                if mention.source_detail:
                    self.nicknames_at[(sources.mention_key(mention), mention.source_detail)].append(mention.entity_id)
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
            key = (sources.mention_key(mention), mention.source_detail)
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
    (`visible`: record keys): probable same people and children as one."""
    index = MentionIndex({row[2] for row in rows}, in_keys(visible))
    return {**child_groups(rows, index), **person_groups(rows, index)}


def flag_reason(persons_of_concern, children):
    if persons_of_concern >= 2 and children >= 1:
        return f"{persons_of_concern} persons of concern and {children} child{'ren' if children != 1 else ''}"
    if persons_of_concern == 1 and children >= 2:
        return f"1 person of concern linked to {children} children"
    return ""


def _network(number, rows, group_ties, generation, seen, index, received):
    """The Network row (not yet saved) for one network's rows."""
    keys = {row[3] for row in rows}
    reason = flag_reason(len(people_of_concern(rows, index)), len(distinct_children(rows, index)))
    newest = max((received[key] for key in keys if key in received), default=None)
    return Network(
        number=number + 1, generation=generation, intelligence_seen=seen, **sources.network_members(keys),
        entity_ids=sorted({row[2] for row in rows}), communities=communities(rows), flagged=bool(reason),
        ties=group_ties, flag_reason=f"Possible group-based exploitation: {reason}" if reason else "",
        newest_activity=newest or timezone.now())


def current_networks(user=None):
    """The networks this user is shown (computed with the intelligence items they may open; without a user,
    with all of them), recomputed first if anything changed since the last run. Two requests computing the
    same networks at once: the second finds the first's rows."""
    readable = readable_intelligence(user)
    generation = current_generation()
    current = Network.objects.filter(generation=generation, intelligence_seen=intelligence_seen(readable[0]))
    if not current.exists():
        try:
            compute(readable)
        except IntegrityError:
            pass
    return current


def seen_by(user):
    """Which networks and hubs this user is shown (`Network.intelligence_seen`), in a few small queries."""
    return intelligence_seen(readable_intelligence(user)[0])
