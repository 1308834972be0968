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

A network keeps its identity (its row and reference, `N-000012`) as it grows, merges and splits
(`match_identities`). A change only notes the records it changed (`linking.tasks.networks_changed`); the
background worker then applies `update_networks_for` to all of them, which recomputes only the region of records
the changes can reach; `recompute_all_networks` (`safehub link networks --full`, and the worker for a set upkeep
could not follow) makes the same networks from scratch. Until the worker has run, pages show the networks as
last computed, saying they are being updated (ADR 28).
"""

import hashlib
import random
from collections import defaultdict

import igraph
from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, Case, Q, Value, When
from django.utils import timezone

from safehub.access.policy import NOTHING, visible_named
from safehub.linking import normalise, sources, ties
from safehub.linking.models import Entity, Hub, Mention, Network, NetworkMember, NetworkState, PersonLink, SelectorMark

MIN_RECORDS = 2
NO_INTELLIGENCE = NOTHING
ALL_INTELLIGENCE = "all"


def hub_groups():
    return settings.SAFEHUB_NETWORK_HUB_GROUPS


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


def counted(name, items, prefix=""):
    """A Q over Mention (or, with `prefix`, a related mention): the mentions that count in networks computed with
    the intelligence items of this set: every mention not from intelligence, and the set's items'."""
    outside = Q(**{f"{prefix}intelligence__isnull": True})
    if name == NO_INTELLIGENCE:
        return outside
    if name == ALL_INTELLIGENCE:
        return Q()
    return outside | Q(**{f"{prefix}intelligence__in": items})


def items_of(name):
    """The items of a set named by `readable_intelligence`, read again from its name (for upkeep without a user);
    None for a name no rule gives any more."""
    from safehub.intelligence.policy import items_named

    model = sources.INTELLIGENCE.model
    if name == NO_INTELLIGENCE:
        return model.objects.none()
    if name == ALL_INTELLIGENCE:
        return model.objects.all()
    return items_named(model.objects.all(), name)


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


IS_IDENTIFYING = Case(When(~Q(first_name="") & (~Q(last_name="") | Q(date_of_birth__isnull=False)), then=Value(True)),
                      default=Value(False), output_field=BooleanField())


def mention_rows(where=Q()):
    """Every resolved mention counted (`where`) as (kind, role, entity, record key, pattern, identifying): what
    the ties between records are weighed from. A person is identified by a first name with a surname or a date
    of birth; a first name or nickname alone is a weak clue."""
    rows = (Mention.objects.filter(where, entity__isnull=False).annotate(identifying=IS_IDENTIFYING)
            .values_list("kind", "role", "entity_id", *sources.ID_FIELDS, "pattern", "identifying"))
    return [(kind, role, entity_id, sources.record_key(contact_id, child_id, item_id, person_id), pattern, named)
            for kind, role, entity_id, contact_id, child_id, item_id, person_id, pattern, named in rows]


PAIRED_LINKS = Q(band=PersonLink.Band.REVIEW) | Q(left__intelligence__isnull=False) | Q(right__intelligence__isnull=False)


# What a pair's two mentions are read for (`identifying`, `_name`, `sources.mention_key`, `across_intelligence`):
# a held name's pairs are thousands at a million mentions, and whole rows cost more to load than to weigh.
PAIR_MENTION_FIELDS = [f"{side}__{field}" for side in ("left", "right")
                       for field in ("kind", "first_name", "last_name", "date_of_birth", "first_key", "last_key",
                                     *(name.removesuffix("_id") for name in sources.ID_FIELDS))]


def link_pairs(where_left=Q(), where_right=Q(), mention_ids=None):
    """(record, record, clue, kind, strength, names) for person and child mentions the matcher paired that are not
    one entity and that no analyst or guard keeps apart. A pair scored "needs review" (probably the same person)
    is a weak clue. An intelligence mention never shares an entity with another record's (`resolve.clusters`),
    so a pair across the two that the matcher linked ties as one entity would: strong where both name the
    person in full. Only pairs both of whose mentions count (`where_left`, `where_right`: `counted` with the
    prefixes "left__" and "right__"); with `mention_ids`, only pairs with a mention among them."""
    from safehub.linking.resolve import across_intelligence, keeps_apart

    links = (PersonLink.objects.filter(PAIRED_LINKS, where_left, where_right)
             .exclude(left__role__in=ties.NON_JOINING_ROLES).exclude(right__role__in=ties.NON_JOINING_ROLES)
             .select_related("left", "right").only("band", "judgement", "evidence", *PAIR_MENTION_FIELDS))
    if mention_ids is not None:  # the links of these mentions first, on the two indexes: most have none
        # The links table alone: joined to the mentions here, PostgreSQL with statistics older than the links
        # (autovacuum off, or not yet run) hashed all a million mentions twice for each region (0.5 s at 1M).
        # The links kept are filtered by the query below, on their ids.
        near = PersonLink.objects.filter(Q(left_id__in=mention_ids) | Q(right_id__in=mention_ids))
        ids = list(near.values_list("pk", flat=True))
        if not ids:
            return []
        links = links.filter(pk__in=ids)
    found = []
    for link in links:
        left, right = link.left, link.right
        if keeps_apart(link):
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


def child_first_names(where=Q()):
    """{record key: [(first name key, given with a surname, age)]} for the children named in each record."""
    names = defaultdict(list)
    rows = (Mention.objects.filter(where, kind=Entity.Kind.CHILD).exclude(first_key="")
            .values_list("first_key", "last_key", "age", *sources.ID_FIELDS))
    for first_key, last_key, age, *ids in rows:
        names[sources.record_key(*ids)].append((first_key, bool(last_key), age))
    return dict(names)


def name_nicknames(entity_ids=None):
    """Nickname entities (of these, or all) some record gives as a pet form of the same man's first name
    ("Tomzzy" for Tomasz)."""
    nicknames = Entity.objects.filter(kind=Entity.Kind.NICKNAME)
    people = Mention.objects.filter(kind=Entity.Kind.PERSON).exclude(nickname_key="").exclude(first_name="")
    if entity_ids is not None:
        nicknames = nicknames.filter(pk__in=entity_ids)
        people = people.filter(nickname_key__in=set(nicknames.values_list("key", flat=True)))
    pairs = people.values_list("nickname_key", "first_name").distinct()
    keys = {nickname for nickname, first in pairs if nickname[:3] == normalise.name_key(first)[:3]}
    return set(nicknames.filter(key__in=keys).values_list("pk", flat=True)) if keys else set()


def standing_marks():
    return set(SelectorMark.objects.filter(undone_at__isnull=True).values_list("entity_id", flat=True))


# --- Full recomputation ------------------------------------------------------------------------------------


def recompute_all_networks(readable=None):
    """Recompute every network and hub seen by those who may open exactly these intelligence items (a (name,
    items) pair from `readable_intelligence`; None: all of them), keeping each network's identity (`_store`).
    For the background worker, `safehub link networks --full` and a set never computed. Returns the current
    Network rows of the set. A fixed number of queries however many networks there are."""
    name, items = readable if readable is not None else readable_intelligence()
    seen = intelligence_seen(name)
    with transaction.atomic():
        state = _locked_state(seen, name)
        where = counted(name, items)
        rows = mention_rows(where)
        pairs = link_pairs(where_left=counted(name, items, "left__"), where_right=counted(name, items, "right__"))
        decided = network_rows(rows, pairs, standing_marks(), child_first_names(where), name_nicknames())
        index = MentionIndex(where=where) if decided.groups else None
        received = _received() if decided.groups else {}
        old = list(Network.objects.filter(intelligence_seen=seen, retired_at__isnull=True))
        known = _known_communities(old)
        built = [_network(group_rows, group_ties, seen, index, received, part, known)
                 for group_rows, group_ties, part in decided.groups]
        _store(seen, old, built)
        Hub.objects.filter(intelligence_seen=seen).delete()
        Hub.objects.bulk_create(Hub(intelligence_seen=seen, entity_id=entity, groups=groups)
                                for entity, groups in decided.hubs.items())
        now = timezone.now()
        NetworkState.objects.filter(pk=state.pk).update(updated_at=now, full_at=now, needs_full=False)
    _analyze_network_tables()
    return list(Network.objects.filter(intelligence_seen=seen, retired_at__isnull=True))


def _analyze_network_tables():
    """Fresh PostgreSQL statistics for the tables a full recomputation rewrites. The upkeep's look-ups by part
    were planned from statistics taken when the tables were empty (autovacuum off, or not yet come round):
    a sequential scan of every member, 113 ms, where the indexes take 0.4 ms at a million mentions."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE linking_network, linking_networkmember, linking_hub")


def recompute_every_set():
    """`recompute_all_networks` for every set of intelligence networks are kept for whose name still names a set
    (and for the set seen without a user): what the background worker runs, and `safehub link networks --full`.
    Returns the networks of the set seen without a user."""
    for state in NetworkState.objects.exclude(name__in=[NO_INTELLIGENCE, ALL_INTELLIGENCE]):
        items = items_of(state.name)
        if items is not None:
            recompute_all_networks((state.name, items))
    return recompute_all_networks()


def compute(readable=None):
    """The networks recomputed in full (`recompute_all_networks`): kept for `link run` and the benchmarks."""
    return recompute_all_networks(readable)


def _locked_state(seen, name):
    """The set's NetworkState, made if new, locked until the end of the transaction (PostgreSQL): one upkeep
    of a set at a time."""
    state, _ = NetworkState.objects.get_or_create(intelligence_seen=seen, defaults={"name": name})
    return NetworkState.objects.select_for_update().get(pk=state.pk)


def _received(keys=None):
    """{record key: when it came in} for reports and intelligence items (of these keys): a network's newest
    activity."""
    found = {}
    for source in (sources.REPORT, sources.INTELLIGENCE):
        rows = source.model.objects.all()
        if keys is not None:
            rows = rows.filter(pk__in=sources.split(keys).get(source, ()))
        found |= {source.key(pk): at for pk, at in rows.values_list("pk", "received_at")}
    return found


class Found:
    """Networks found by `network_rows`: (rows, ties, part) per network, the hubs, and the values with records
    outside an incremental update's region that it could not settle (`ties.Plan.unsettled`)."""

    def __init__(self, groups, hubs, unsettled=()):
        self.groups, self.hubs, self.unsettled = groups, hubs, set(unsettled)


def network_rows(rows, pairs=(), marked=(), child_names=None, nicknames_from_names=(), outside=None, business=(),
                 common=None):
    """The networks as ([(kind, role, entity, record key)] rows, ties, part), and {hub entity: groups}: records
    tied by the clues of `ties`, each network with all its records' rows (children, places and hubs too, for
    the page). `outside`, `business`: as `ties.plan` takes them, for an incremental update."""
    decided = ties.plan(rows, pairs, marked, hub_groups(), child_names, nicknames_from_names, outside=outside,
                        businesses=business, common=common)
    network_of = {record: number for number, group in enumerate(decided.groups) for record in group}
    grouped = defaultdict(list)
    for row in rows:
        number = network_of.get(row[3])
        if number is not None:
            grouped[number].append(tuple(row[:4]))
    groups = [(grouped[number], decided.ties[number], decided.parts[number]) for number in range(len(decided.groups))]
    return Found(groups, decided.hubs, decided.unsettled)


# --- Keeping identities -------------------------------------------------------------------------------------


def match_identities(old, new):
    """Which network each new group continues. old: {network id: set of record keys}; new: [set of record keys].
    Pairs sharing the most records go first (then the larger old network, then the older): each new group keeps
    at most one old network's identity and each old network gives it to one group. Returns (kept {new index: old
    id}, merged {retired old id: the old id that took it over}, split {new index: old id it split from})."""
    owner = {key: pk for pk, keys in old.items() for key in keys}
    overlap = defaultdict(int)
    for number, keys in enumerate(new):
        for key in keys:
            if key in owner:
                overlap[(owner[key], number)] += 1
    order = sorted(overlap, key=lambda pair: (-overlap[pair], -len(old[pair[0]]), pair[0], min(new[pair[1]])))
    kept, taken = {}, set()
    for pk, number in order:
        if number not in kept and pk not in taken:
            kept[number] = pk
            taken.add(pk)
    merged, split = {}, {}
    for pk, number in order:
        if pk not in taken and pk not in merged:
            merged[pk] = kept[number]
        if number not in kept and number not in split:
            split[number] = pk
    return kept, merged, split


STORED_FIELDS = ["part", "contact_ids", "child_record_ids", "intelligence_ids", "person_ids", "entity_ids",
                 "communities", "graph", "flagged", "flag_reason", "newest_activity", "ties"]


MEMBER_FIELDS = [source.network_field for source in sources.SOURCES]


def _store(seen, old, built):
    """Write the networks `built` (unsaved rows) in place of the `old` ones: a row that continues an old network
    updates it (its id and reference stay), a new one is created (split from the old one it shares most with),
    and an old one no group continues is retired (pointing at the network that took over most of its records,
    when any did). Only the fields that changed are written (grouped by which changed: Django's bulk update
    writes a CASE per field and row), and members only for networks whose records changed."""
    old_keys = {network.pk: set(sources.network_keys(network)) for network in old}
    new_keys = [set(sources.network_keys(network)) for network in built]
    kept, merged, split = match_identities(old_keys, new_keys)
    by_pk = {network.pk: network for network in old}
    now = timezone.now()
    changed, moved, created = defaultdict(list), [], []
    for number, network in enumerate(built):
        if number in kept:
            current = by_pk[kept[number]]
            fields = tuple(field for field in STORED_FIELDS if getattr(current, field) != getattr(network, field))
            if fields:
                for field in fields:
                    setattr(current, field, getattr(network, field))
                current.computed_at = now
                changed[fields].append(current)
                if set(fields) & set(MEMBER_FIELDS):
                    moved.append(current)
        else:
            network.split_from_id = split.get(number)
            created.append(network)
    continued = set(kept.values())  # a set: `in kept.values()` scans them all, for each of 62,000 old networks
    retired = [Network(pk=pk, retired_at=now, merged_into_id=merged.get(pk)) for pk in old_keys
               if pk not in continued]
    for fields, updated in changed.items():
        Network.objects.bulk_update(updated, [*fields, "computed_at"], batch_size=500)
    created = Network.objects.bulk_create(created, batch_size=500)
    Network.objects.bulk_update(retired, ["retired_at", "merged_into"], batch_size=500)
    gone = [network.pk for network in moved + retired]
    if gone:
        NetworkMember.objects.filter(network_id__in=gone).delete()
    NetworkMember.objects.bulk_create(
        (NetworkMember(network_id=network.pk, intelligence_seen=seen, record=key)
         for network in [*moved, *created] for key in sources.network_keys(network)), batch_size=2000)


# --- Incremental upkeep -------------------------------------------------------------------------------------


def update_networks_for(records, new=()):
    """Bring every stored set of networks up to date after these records changed (record keys: a report just
    filed or added to, a child's record, an intelligence item, a person of concern; `new`: those of them that
    did not exist before). Only the networks the records join are recomputed (`_update_set`); a set the change
    cannot be followed in locally is marked for a full recomputation (`needs_full`)."""
    records, new = set(records), set(new)
    if not records:
        return
    for state in NetworkState.objects.filter(needs_full=False).order_by("intelligence_seen"):
        _update_set(state, records, new)


def _update_set(state, records, new):
    with transaction.atomic():
        state = NetworkState.objects.select_for_update().get(pk=state.pk)
        if state.needs_full:
            return
        items = items_of(state.name)
        if items is None or not _update_region(state.intelligence_seen, state.name, items, records, new):
            state.needs_full = True
        state.updated_at = timezone.now()
        state.save(update_fields=["needs_full", "updated_at"])


def _update_region(seen, name, items, records, new):
    """Recompute the networks of the region these records reach (`_Region`) and store them. Returns True: the
    region is always made large enough to be recomputed on its own."""
    region = _Region(seen, name, items, standing_marks(), records, new)
    decided = region.decide()
    rows = region.all_rows()
    entities = {row[2] for row in rows}
    keys = {row[3] for group_rows, _, _ in decided.groups for row in group_rows}
    people = {row[2] for row in rows if row[0] in (Entity.Kind.PERSON, Entity.Kind.CHILD)}
    index = MentionIndex(people, where=region.where) if decided.groups else None
    received = _received(keys) if keys else {}
    parts = set(region.old_part.values())
    old = list(Network.objects.filter(intelligence_seen=seen, retired_at__isnull=True, part__in=parts)) if parts else []
    known = _known_communities(old)
    built = [_network(group_rows, group_ties, seen, index, received, part, known)
             for group_rows, group_ties, part in decided.groups]
    _store(seen, old, built)
    _store_hubs(seen, region.stored_hubs(entities), decided.hubs)
    return True


def _store_hubs(seen, before, after):
    """Write the region's hubs where they changed (`before`: those stored for its entities)."""
    gone = [entity for entity in before if before[entity] != after.get(entity)]
    if gone:
        Hub.objects.filter(intelligence_seen=seen, entity_id__in=gone).delete()
    Hub.objects.bulk_create(Hub(intelligence_seen=seen, entity_id=entity, groups=groups)
                            for entity, groups in after.items() if before.get(entity) != groups)


IS_PERSON = Case(When(kind__in=[Entity.Kind.PERSON, Entity.Kind.CHILD], then=Value(True)), default=Value(False),
                 output_field=BooleanField())


class _Region:
    """The records whose networks a change to some records may alter, read in a few indexed queries, and the
    networks `ties.plan` makes of them: those a full recomputation makes there (ADR 28, ADR 33).

    A record's network changes only through the ties `ties.plan` makes, which are the whole town's rules. So
    the region is: the changed records; the records a tie may join to them (`ties.joinable`, from the records
    naming their values, never a stored hub, a marked value or a business's, and their scored person pairs);
    the whole old connected part (`Network.part`) of every record in it, since a part may merge or split; every
    record of a name held as possibly common (its count is the whole town's); and every record of a value
    whose standing (hub or followed) the region cannot settle from what is known of its records outside
    (`ties.Outside`). The records taken in for the last three reasons are unchanged: their ties are those of
    before, so the region does not spread from them through every value they name (the first version did, and
    grew through places, nicknames and common names into thousands of records at a million mentions)."""

    def __init__(self, seen, name, items, marked, changed, new):
        self.seen, self.marked = seen, set(marked)
        self.where = counted(name, items)
        self.where_left, self.where_right = counted(name, items, "left__"), counted(name, items, "right__")
        self.changed, self.new = set(changed), set(new)
        self.records, self.old_part = set(), {}
        self.rows, self.people = {}, {}  # by record: mention rows; person and child mention ids
        self.pairs, self.paired = {}, set()  # scored pairs by clue; the records whose pairs are read
        self.hubs, self.naming = {}, {}  # stored hub counts; every record's rows naming a value that is no hub
        self.names, self.name_pairs = {}, {}  # {name: records, pairs} of every pair naming it, for names looked up
        self.common = {}  # {name: ties.Outside} for held names whose records outside surely make a hub's groups
        self._read(self.changed)
        changed_values = self._values_in(self.changed)
        self._look_up(changed_values)
        neighbours = [row for entity in changed_values - set(self.hubs) for row in self.naming[entity]]
        pairs = self._pairs_of(self.changed)
        joined = ties.joinable(self.changed, neighbours, pairs, self.marked | set(self.hubs), self._child_names)
        self._take_in(self.changed | joined | self._newly_businesses(changed_values))

    def _child_names(self, records):
        return child_first_names(self.where & sources.in_records(records))

    def _read(self, records):
        """Read the mention rows (as `mention_rows` gives them) and person mentions of these records."""
        records = [record for record in records if record not in self.rows]
        for record in records:
            self.rows[record], self.people[record] = [], []
        if not records:
            return
        query = (Mention.objects.filter(self.where & sources.in_records(records), entity__isnull=False)
                 .annotate(identifying=IS_IDENTIFYING, person=IS_PERSON)
                 .values_list("pk", "person", "kind", "role", "entity_id", *sources.ID_FIELDS, "pattern",
                              "identifying"))
        for pk, person, kind, role, entity, contact_id, child_id, item_id, person_id, pattern, named in query:
            record = sources.record_key(contact_id, child_id, item_id, person_id)
            self.rows[record].append((kind, role, entity, record, pattern, named))
            if person and role not in ties.NON_JOINING_ROLES:
                self.people[record].append(pk)

    def all_rows(self):
        return [row for record in sorted(self.records) for row in self.rows[record]]

    def _values_in(self, records):
        """The values these records name in a role that joins, not marked."""
        return {row[2] for record in records for row in self.rows[record]
                if row[1] not in ties.NON_JOINING_ROLES} - self.marked

    def _look_up(self, entities):
        """Which of these values are stored hubs (with their counts), and the rows of every record naming each
        of the others: two queries on the indexes, however many values."""
        entities = set(entities) - set(self.hubs) - set(self.naming)
        if entities:
            self.hubs |= dict(Hub.objects.filter(intelligence_seen=self.seen, entity_id__in=entities)
                              .values_list("entity_id", "groups"))
            self._read_naming(entities - set(self.hubs))

    def _read_naming(self, entities):
        for entity in entities:
            self.naming[entity] = []
        if entities:
            for row in mention_rows(self.where & Q(entity_id__in=sorted(entities))):
                self.naming[row[2]].append(row)

    def _pairs_of(self, records):
        """The scored person pairs (`link_pairs`) of these records' mentions, read once per record."""
        records = set(records) - self.paired
        self.paired |= records
        ids = [pk for record in records for pk in self.people[record]]
        if not ids:
            return []
        found = link_pairs(self.where_left, self.where_right, mention_ids=ids)
        self.pairs |= {pair[2]: pair for pair in found}
        return found

    def _newly_businesses(self, values):
        """The records of every value that a changed record names as a business's and no other record does:
        it may have joined records before and joins none now."""
        found = set()
        for entity in values - set(self.hubs):
            owners = {row[3] for row in self.naming[entity] if row[1] == Mention.Role.OTHER}
            if owners and owners <= self.changed:
                found |= {row[3] for row in self.naming[entity]}
        return found

    def _take_in(self, records):
        """Add these records to the region with the whole old connected part of each (two queries)."""
        records = set(records) - self.records
        if not records:
            return
        parts = set(NetworkMember.objects.filter(intelligence_seen=self.seen, record__in=records)
                    .values_list("network__part", flat=True))
        if parts:  # two queries: as one (a subquery) PostgreSQL's plan was at the mercy of stale statistics; and
            # the members by their networks alone (their set is the network's): asked for the set too, PostgreSQL
            # also scanned the index of every member of the set (12 ms at 100,000 mentions)
            for record, part in (NetworkMember.objects.filter(network__part__in=parts, network__intelligence_seen=self.seen)
                                 .values_list("record", "network__part")):
                self.old_part[record] = part
                records.add(record)
        self.records |= records
        self._read(records)

    def _held_names(self, pairs):
        """The records, not yet in the region, of every name in these pairs that `ties.plan` may hold as a
        possibly common name (the pairs naming it in the whole town name it in a hub's number of records or
        more): its count is made from all of them."""
        names = {name for pair in pairs for name in pair[5]} - set(self.names)
        if names:
            condition = Q(pk__in=[])
            for name in names:  # as `_name` writes it: "person: jakub kaczmarek"
                kind, _, rest = name.partition(":")
                first_key, _, last_key = rest[1:].partition(" ")
                condition |= Q(kind=kind, first_key=first_key, last_key=last_key)
            ids = list(Mention.objects.filter(self.where & condition).values_list("pk", flat=True))
            for name in names:
                self.names[name], self.name_pairs[name] = set(), []
            for pair in (link_pairs(self.where_left, self.where_right, mention_ids=ids) if ids else ()):
                for name in set(pair[5]) & names:
                    self.names[name].update(pair[:2])
                    self.name_pairs[name].append(pair)
        return self._not_surely_common()

    def _not_surely_common(self):
        """The records outside the region of the held names it must take in. A name is held and not followed,
        before the change and after, if the records of its pairs untouched by the change fall outside the region
        into a hub's number of old parts or more (their groups are unchanged, and they were counted before): it
        is settled from those (`self.common`) without them. One query."""
        held = {}
        for name, records in self.names.items():
            if len(records) >= hub_groups() and records - self.records:
                held[name] = {record for pair in self.name_pairs[name]
                              if pair[0] not in self.changed and pair[1] not in self.changed
                              for record in pair[:2]} - self.records
        beyond = set().union(*held.values()) if held else set()
        part_of = dict(NetworkMember.objects.filter(intelligence_seen=self.seen, record__in=beyond)
                       .values_list("record", "network__part")) if beyond else {}
        self.common, take = {}, set()
        for name, untouched in held.items():
            parts = len({part_of.get(record, record) for record in untouched})
            if parts >= hub_groups():
                self.common[name] = ties.Outside(hub=True, at_least=parts, records=len(self.names[name]))
            else:
                take |= self.names[name] - self.records
        return take

    def _outside(self):
        """{value: ties.Outside} for the values named in the region that have records beyond it, and the
        records to take in instead for the values whose standing cannot be told from that."""
        inside = defaultdict(set)
        for record in self.records:
            for _, role, entity, *_ in self.rows[record]:
                if role not in ties.NON_JOINING_ROLES and entity not in self.marked:
                    inside[entity].add(record)
        self._look_up(inside)
        groups, outside, take = hub_groups(), {}, set()
        for entity, records in inside.items():
            if entity in self.naming:
                named = {row[3] for row in self.naming[entity] if row[1] not in ties.NON_JOINING_ROLES}
                if not named - self.records:
                    continue
                if entity not in self.hubs:
                    if len(named) < groups:
                        continue
                    if self._maybe_paired_before(named):
                        take |= named
                        continue
                    before = {self.old_part.get(record, record) for record in records - self.changed}
                    outside[entity] = ties.Outside(hub=False, at_most=groups - 1 - len(before), records=len(named))
                    continue
            before = {self.old_part.get(record, record) for record in records - self.new}
            outside[entity] = ties.Outside(hub=True, at_least=max(0, self.hubs[entity] - len(before)))
        return outside, take

    def stored_hubs(self, entities):
        """{entity: stored count} of the hubs among these values (looked up once)."""
        unknown = set(entities) - set(self.hubs) - set(self.naming)
        if unknown:
            self.hubs |= dict(Hub.objects.filter(intelligence_seen=self.seen, entity_id__in=unknown)
                              .values_list("entity_id", "groups"))
        return {entity: groups for entity, groups in self.hubs.items() if entity in entities}

    def _maybe_paired_before(self, named):
        """Whether a value named in more than `ties.MAX_PAIRED_RECORDS` records may have been named in no more
        than that before the change, or the other way round: its weak mentions then tied records outside."""
        new = len(named & self.new)
        edited = len(self.changed - self.new)
        now = len(named) > ties.MAX_PAIRED_RECORDS
        return any((count > ties.MAX_PAIRED_RECORDS) != now for count in (len(named) - new - edited,
                                                                          len(named) - new + edited))

    def _businesses(self, values):
        """The values named as a business's number by any record counted. For a value that is no hub the rows
        of every record naming it say so; a stored hub never was one (a business's value joins nothing, so a
        full recomputation makes no hub of it), so it is one now only if a region record names it so."""
        known = {entity for entity in values if entity in self.naming
                 and any(row[1] == Mention.Role.OTHER for row in self.naming[entity])}
        return known | {row[2] for record in self.records for row in self.rows[record]
                        if row[1] == Mention.Role.OTHER and row[2] in self.hubs}

    def decide(self):
        """The region's networks and hubs (`network_rows`), taking in records until every value and name in it
        is settled as a full recomputation settles it."""
        while True:
            self._pairs_of(self.records)
            pairs = [pair for pair in self.pairs.values() if pair[0] in self.records or pair[1] in self.records]
            missing = self._held_names(pairs)
            if missing:
                self._take_in(missing)
                continue
            outside, missing = self._outside()
            if missing - self.records:
                self._take_in(missing)
                continue
            rows = self.all_rows()
            values = {row[2] for row in rows}
            inside = [pair for pair in pairs if pair[0] in self.records and pair[1] in self.records]
            nicknames = {row[2] for row in rows if row[0] == Entity.Kind.NICKNAME
                         and not (row[2] in outside and outside[row[2]].hub)}
            decided = network_rows(rows, inside, self.marked, self._child_names(self.records),
                                   name_nicknames(nicknames) if nicknames else (), outside=outside,
                                   business=self._businesses(values), common=self.common)
            if not decided.unsettled:
                return decided
            hubs = {entity for entity in decided.unsettled if entity in self.hubs}
            self._read_naming(hubs - set(self.naming))
            self._take_in({row[3] for entity in decided.unsettled for row in self.naming[entity]})


COMMUNITY_ITERATIONS = 20


def communities(rows):
    """{entity id (text): Leiden community number} for one network's rows (modularity), the same however and
    whenever the network is computed (rows in order, a fixed seed)."""
    graph, names = build_graph(sorted(rows))
    if graph.ecount() == 0:
        return {}
    igraph.set_random_number_generator(random.Random(2026))
    # A bounded number of iterations: "until stable" (-1) never ended on one network of the benchmark's town.
    membership = graph.community_leiden(objective_function="modularity", n_iterations=COMMUNITY_ITERATIONS).membership
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
    in a few queries: for every network at once when computing them (entity_ids None), or for some networks'
    entities (with the nicknames given in the records naming their people) when updating them or drawing a
    page. Only the mentions `where` selects (those of the intelligence items the networks are computed with)
    and `keep` accepts (those in records a viewer may open: `in_keys`) count, so what a viewer is shown is
    grouped from what they may see. Mentions are read as light rows (named tuples with the fields used, `pk`
    among them), not model instances: a whole town's are a million."""

    def __init__(self, entity_ids=None, keep=None, where=Q()):
        mentions = (Mention.objects.filter(where, kind__in=GROUPED_KINDS, entity__isnull=False)
                    .values_list("pk", "kind", "entity_id", "source_detail", "first_key", "last_key",
                                 *sources.ID_FIELDS, named=True))
        links = PersonLink.objects.exclude(band=PersonLink.Band.NONE).only("left_id", "right_id", "judgement",
                                                                          "evidence", "band")
        if entity_ids is not None:
            people = list(mentions.filter(entity_id__in=entity_ids).exclude(kind=Entity.Kind.NICKNAME))
            named_in = {sources.mention_key(m) for m in people if m.source_detail}
            nicknames = mentions.filter(sources.in_records(named_in), kind=Entity.Kind.NICKNAME) if named_in else []
            mentions = people + list(nicknames)
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


def graph_fingerprint(rows):
    """What a network's communities are worked out from (`communities`: its rows, sorted), as a short digest."""
    return hashlib.sha1(repr(sorted(rows)).encode(), usedforsecurity=False).hexdigest()  # a change detector, not a secret


def _known_communities(networks):
    """{graph fingerprint: communities} of stored networks: a network whose rows are unchanged has the same
    communities (a fixed seed on sorted rows), so Leiden is run again only for the networks that changed."""
    return {network.graph: network.communities for network in networks if network.graph}


def _network(rows, group_ties, seen, index, received, part, known=None):
    """The Network row (not yet saved) for one network's rows; `known`: communities already worked out, by
    graph fingerprint."""
    keys = {row[3] for row in rows}
    reason = flag_reason(len(people_of_concern(rows, index)), len(distinct_children(rows, index)))
    newest = max((received[key] for key in keys if key in received), default=None)
    graph = graph_fingerprint(rows)
    found = (known or {}).get(graph)
    return Network(
        intelligence_seen=seen, part=part, **sources.network_members(keys), graph=graph,
        entity_ids=sorted({row[2] for row in rows}), communities=found if found is not None else communities(rows),
        flagged=bool(reason),
        ties=group_ties, flag_reason=f"Possible group-based exploitation: {reason}" if reason else "",
        newest_activity=newest or timezone.now())


def current_networks(user=None):
    """The networks this user is shown (computed with the intelligence items they may open; without a user,
    with all of them) as the worker last brought them up to date. Only a set never computed (no rows at all to
    show) is computed here, in full; changes waiting for the worker are not (`being_updated`)."""
    readable = readable_intelligence(user)
    seen = intelligence_seen(readable[0])
    if not NetworkState.objects.filter(intelligence_seen=seen).exists():
        recompute_all_networks(readable)
    return Network.objects.filter(intelligence_seen=seen, retired_at__isnull=True)


def being_updated():
    """Whether the networks shown may be behind: a change waits for the worker, or a set waits for its full
    recomputation."""
    from safehub.linking.models import PendingNetworkChange

    return PendingNetworkChange.objects.exists() or NetworkState.objects.filter(needs_full=True).exists()


def sets_needing_full():
    """The sets of networks a change left for a full recomputation (for the background worker)."""
    return list(NetworkState.objects.filter(needs_full=True).values_list("intelligence_seen", flat=True))


def seen_by(user):
    """Which networks and hubs this user is shown (`Network.intelligence_seen`), in a few small queries."""
    return intelligence_seen(readable_intelligence(user)[0])
