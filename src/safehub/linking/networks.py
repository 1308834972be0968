"""Networks: the graph of entities joined by shared reports and records, its connected parts, their Leiden
communities, and the flag for possible group-based exploitation (a flag for an analyst, never a decision).

Nodes are the records (reports, children's records) and the entities they mention. Children and places are
attached to the records that name them but do not join records together: a busy bus station or a common
name is not evidence that two reports are about one group. People, nicknames, phones, vehicles and online
accounts do join them. A network spans at least two records, since one report alone shows nothing new.
"""

import hashlib
from collections import defaultdict

import igraph
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone

from safehub.linking.models import Entity, Mention, Network, PersonLink

JOINING_KINDS = {Entity.Kind.PERSON, Entity.Kind.NICKNAME, Entity.Kind.PHONE, Entity.Kind.VEHICLE, Entity.Kind.HANDLE}
MIN_RECORDS = 2


def current_generation():
    """A fingerprint of everything the graph depends on: mentions and link judgements."""
    mentions = Mention.objects.aggregate(count=Count("pk"), last=Max("pk"), resolved=Count("entity"))
    links = PersonLink.objects.aggregate(scored=Max("scored_at"), judged=Max("judged_at"))
    text = f"{mentions}|{links}"
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def _node(kind, pk):
    return f"{kind}:{pk}"


def build_graph(rows):
    """rows: (mention kind, role, entity id, contact id, child record id). Returns (graph, names, roles)."""
    names, edges, roles = {}, [], defaultdict(set)
    for kind, role, entity_id, contact_id, child_id in rows:
        record = _node("contact", contact_id) if contact_id else _node("child_record", child_id)
        entity = _node("entity", entity_id)
        for name in (record, entity):
            names.setdefault(name, len(names))
        edges.append((names[record], names[entity]))
        roles[entity_id].add(role)
    graph = igraph.Graph(n=len(names), edges=edges)
    graph.vs["name"] = list(names)
    return graph, names, roles


def _joining_graph(rows):
    """Only the edges that may join records (people and selectors, not the reporter's own), for the
    connected parts: a teacher who reports twice does not make one group of two unrelated reports."""
    return build_graph([row for row in rows if row[0] in JOINING_KINDS and row[1] != Mention.Role.REPORTER])


def compute(now=None):
    """Recompute the networks from the current mentions; returns the list of Network rows stored."""
    generation = current_generation()
    rows = list(Mention.objects.filter(entity__isnull=False)
                .values_list("kind", "role", "entity_id", "contact_id", "child_record_id"))
    with transaction.atomic():
        Network.objects.exclude(generation=generation).delete()
        Network.objects.filter(generation=generation).delete()
        stored = [_store(number, group_rows, generation) for number, group_rows in enumerate(network_rows(rows))]
    return [network for network in stored if network is not None]


def network_rows(rows):
    """The rows of each network: records joined by people and selectors (connected parts of the joining
    graph), each with all its rows (children and places too), keeping those spanning MIN_RECORDS or more."""
    joining, names, _ = _joining_graph(rows)
    membership = joining.connected_components().membership
    by_record = {name: membership[index] for name, index in names.items() if not name.startswith("entity:")}
    groups = defaultdict(list)
    for row in rows:
        record = _node("contact", row[3]) if row[3] else _node("child_record", row[4])
        if record in by_record:
            groups[by_record[record]].append(row)
    return list(_networks(groups))


def _networks(groups):
    for rows in groups.values():
        records = {(row[3], row[4]) for row in rows}
        if len(records) >= MIN_RECORDS:
            yield rows


def communities(rows):
    """{entity id (text): Leiden community number} for one network's rows (modularity)."""
    return _communities(rows)


def _communities(rows):
    graph, names, _ = build_graph(rows)
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


def _join_probable_pairs(groups, mentions):
    """Inside one network the shared selectors already tie the records together, so a pair the matcher
    scored "needs review" is probably one person: join it, unless it is kept apart (rejected by an analyst,
    scored against, or caught by the twin and parent guards)."""
    from safehub.linking.resolve import keeps_apart

    ids = [m.pk for m in mentions]
    entity_of = {m.pk: m.entity_id for m in mentions}
    links = PersonLink.objects.filter(left_id__in=ids, right_id__in=ids).exclude(band=PersonLink.Band.NONE)
    for link in links:
        if not keeps_apart(link):
            groups.join(entity_of[link.left_id], entity_of[link.right_id])


def person_groups(rows):
    """{person entity: group} for the persons of concern in one network: probable pairs, and persons given
    the same nickname, count as one."""
    persons = {row[2] for row in rows if row[0] == Entity.Kind.PERSON and row[1] == Mention.Role.PERSON_OF_CONCERN}
    groups = _Groups(persons)
    if persons:
        _join_probable_pairs(groups, list(Mention.objects.filter(entity_id__in=persons, kind=Entity.Kind.PERSON)))
        nickname_owner = {}
        for person, nickname in person_nickname_pairs(persons):
            groups.join(person, nickname_owner.setdefault(nickname, person))
    return groups.mapping()


def people_of_concern(rows):
    return set(person_groups(rows).values())


def person_nickname_pairs(persons):
    """(person entity, nickname entity) for the nicknames given for the same person in one record."""
    person_rows = Mention.objects.filter(entity_id__in=persons, kind=Entity.Kind.PERSON).exclude(source_detail="")
    by_detail = {(m.contact_id, m.child_record_id, m.source_detail): m.entity_id for m in person_rows}
    nicknames = Mention.objects.filter(kind=Entity.Kind.NICKNAME, entity__isnull=False).exclude(source_detail="")
    for mention in nicknames.filter(source_detail__in=[key[2] for key in by_detail]):
        person = by_detail.get((mention.contact_id, mention.child_record_id, mention.source_detail))
        if person is not None:
            yield person, mention.entity_id


def child_groups(rows):
    """{child entity: group} in one network: probable pairs count as one child, and so does a first name
    given alone that fits exactly one fuller name in the network."""
    children = {row[2] for row in rows if row[0] == Entity.Kind.CHILD}
    mentions = list(Mention.objects.filter(entity_id__in=children, kind=Entity.Kind.CHILD))
    groups = _Groups(children)
    _join_probable_pairs(groups, mentions)
    full = [m for m in mentions if m.last_key]
    for alone in (m for m in mentions if not m.last_key and m.first_key):
        fits = {groups.find(m.entity_id) for m in full if m.first_key == alone.first_key}
        if len(fits) == 1:
            groups.join(alone.entity_id, fits.pop())
    return groups.mapping()


def distinct_children(rows):
    return set(child_groups(rows).values())


def display_groups(rows):
    """{entity: the entity it is shown as} for a network page: probable same people and children as one."""
    return {**child_groups(rows), **person_groups(rows)}


def flag_reason(persons_of_concern, children):
    if persons_of_concern >= 2 and children >= 1:
        return f"{persons_of_concern} persons of concern and {children} child{'ren' if children != 1 else ''}"
    if persons_of_concern == 1 and children >= 2:
        return f"1 person of concern linked to {children} children"
    return ""


def _store(number, rows, generation):
    from safehub.intake.models import Contact

    contact_ids = sorted({row[3] for row in rows if row[3]})
    child_record_ids = sorted({row[4] for row in rows if row[4]})
    entity_ids = sorted({row[2] for row in rows})
    reason = flag_reason(len(people_of_concern(rows)), len(distinct_children(rows)))
    newest = Contact.objects.filter(pk__in=contact_ids).aggregate(newest=Max("received_at"))["newest"]
    return Network.objects.create(
        number=number + 1, generation=generation, contact_ids=contact_ids, child_record_ids=child_record_ids,
        entity_ids=entity_ids, communities=_communities(rows), flagged=bool(reason),
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
