"""How strongly a shared value ties two records together, and which records that makes one network.

Real records have hubs and collisions: a taxi firm's phone named in sixty reports, "Jay" given alone in forty,
two unrelated men both called "Bugsy". Joining records on any shared value turns a town into one network.
So each shared value is a clue with a strength:

- **strong**: a full phone number, a full registration mark, an online account, or the same person by the
  person matcher where both records give a full name (first name with a surname or a date of birth);
- **weak**: a nickname, a first name or nickname given alone, a partial mark or number, a place, a child,
  or two mentions the person matcher scored "needs review" (probably the same person).

Two records join when they share a strong clue, or two different weak clues of which at least one is about
a person or a selector (all their nicknames count as one clue, and so do all their names that look alike; a
child and a place together only say the same child's story). A value shared by many otherwise separate groups of records is a **hub** whatever its
kind: it is shown, never followed. How specific a value is comes from the data: the number of groups its
records fall into without it (the idea of Splink's term-frequency adjustment, and of IDF in search).

Inside a connected part, Leiden communities on the weighted record graph split groups that only a thin
bridge joins (one report naming two groups' phones), keeping long chains of real ties together.
"""

import random
from collections import defaultdict
from dataclasses import dataclass, field

import igraph

STRONG, WEAK = "strong", "weak"
WEIGHT = {STRONG: 3.0, WEAK: 1.0}

STRONG_KINDS = {"phone", "vehicle", "handle"}
# Kinds that corroborate a tie but say nothing about who exploits a child.
CONTEXT_KINDS = {"place", "child"}
NON_JOINING_ROLES = {"reporter", "other"}
# A nickname made from the man's own first name ("Tomzzy" for Tomasz) says nothing his name does not.
NAME_NICKNAME = "nickname from a name"
# A value named in more records than this joins them only by its strong incidences (no pair by pair look).
MAX_PAIRED_RECORDS = 60
# Connected parts this large are split along their Leiden communities where only a thin bridge joins them.
SPLIT_MIN_RECORDS = 6
SPLIT_MIN_SIDE = 3
# A bridge is thin when the ties across it weigh less than this share of the smaller side's ties.
THIN_BRIDGE = 0.1
CHILD_FIRST_NAME = "child's first name"
# How `joinable` weighs a nickname: a clue of its own, about a person, at least what `plan` makes of it.
ANY_NICKNAME = "nickname, counted alone"


def incidence_strength(kind, pattern, identifying):
    """How strong a record's mention of a value is, before counting how many records share it."""
    if kind in STRONG_KINDS:
        return WEAK if pattern else STRONG
    if kind == "person":
        return STRONG if identifying else WEAK
    return WEAK


def joins(clues):
    """Whether a pair's shared clues ({clue: (kind, strength)}) tie the two records into one network."""
    if any(strength == STRONG for _, strength in clues.values()):
        return True
    kinds = {kind for kind, _ in clues.values()}
    return len({_evidence(clue, kind) for clue, (kind, _) in clues.items()}) >= 2 and bool(kinds - CONTEXT_KINDS)


def _evidence(clue, kind):
    """What counts as one piece of evidence: every shared nickname together, every pair of names that look alike
    ("needs review") together, every pair of children's names together; any other shared value on its own. In a
    town, two men's names and two nicknames coincide between unrelated reports far too often to count twice."""
    if kind == "nickname":
        return "nicknames"
    if kind == NAME_NICKNAME:
        return "person names alike"
    if isinstance(clue, str) and clue.startswith("link:"):
        return f"{kind} names alike"
    return clue


class UnionFind:
    def __init__(self):
        self.parent = {}

    def find(self, x):
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a, b):
        self.parent[self.find(a)] = self.find(b)


@dataclass(frozen=True)
class Outside:
    """What an incremental update knows of a value's records beyond its region (`networks._region`), enough to
    decide the value as the whole town's computation does without reading them: whether it was a hub before,
    how many groups those records fall into at least (a hub's stored count less its region records' old parts)
    or at most (for a value that was followed: fewer than a hub's number of groups in all, less the groups its
    unchanged region records were in), and how many records name it in all."""

    hub: bool
    at_least: int = 0
    at_most: int = 0
    records: int = 0


@dataclass
class Plan:
    """The outcome: groups of records (each a network), the ties inside each, and the hubs."""

    groups: list = field(default_factory=list)
    ties: list = field(default_factory=list)
    hubs: dict = field(default_factory=dict)
    common_names: dict = field(default_factory=dict)
    parts: list = field(default_factory=list)  # each group's connected part before splitting: its first record
    # Values with records outside an incremental update's region (`outside`) that this region cannot decide as
    # before (a hub that might now be followed, a followed value that might now be a hub): the update must take
    # in all their records.
    unsettled: set = field(default_factory=set)


class _Ties:
    """Clues shared by pairs of records, and the records joined so far."""

    def __init__(self):
        self.clues = defaultdict(dict)
        self.joined = UnionFind()

    def add(self, clue, kind, strength_by_record):
        records = sorted(strength_by_record)
        for i, left in enumerate(records):
            for right in records[i + 1:]:
                strength = STRONG if strength_by_record[left] == strength_by_record[right] == STRONG else WEAK
                self.add_pair(left, right, clue, kind, strength)

    def add_pair(self, left, right, clue, kind, strength):
        pair = (left, right) if left < right else (right, left)
        found = self.clues[pair]
        found[clue] = (kind, STRONG if STRONG in (strength, found.get(clue, ("", ""))[1]) else strength)
        if joins(found):
            self.joined.join(left, right)

    def joining_pairs(self):
        return {pair: clues for pair, clues in self.clues.items() if joins(clues)}


def _incidences(rows, marked, name_nicknames=(), businesses=()):
    """{entity: {record: strength}} and {entity: kind} from mention rows
    (kind, role, entity, record key, pattern, identifying). A value some report names as a business's number
    (in these rows, or one of `businesses`) joins nothing, whoever else names it without saying so."""
    incidences, kind_of = defaultdict(dict), {}
    businesses = {row[2] for row in rows if row[1] == "other"} | set(businesses)
    for kind, role, entity, record, pattern, identifying in rows:
        if role in NON_JOINING_ROLES or entity in marked or entity in businesses:
            continue
        strength = incidence_strength(kind, pattern, identifying)
        if incidences[entity].get(record) != STRONG:
            incidences[entity][record] = strength
        kind_of[entity] = NAME_NICKNAME if entity in name_nicknames else kind
    return incidences, kind_of


def plan(rows, pairs=(), marked=(), hub_groups=10, child_names=None, name_nicknames=(), outside=None, businesses=(),
         common=None):
    """Decide the networks. `rows`: mention rows as in `_incidences`; `pairs`: (record, record, clue, kind,
    strength[, names]) for person and child mentions the matcher paired that are not one entity (scored "needs
    review", or across intelligence and another record) and not kept apart, with the two names compared;
    `marked`: entities an analyst marked as not linking; `hub_groups`: a value (or a name) whose records fall
    into this many separate groups is a hub; `child_names`: {record: [(first name, with surname, age)]};
    `name_nicknames`: nickname entities made from the first name of the man they are given for.

    For an incremental update, `rows` are those of a region of records (`networks._region`), `outside` says what
    is known of the records beyond it of each value named in the region that has some ({entity: Outside}), and
    `unsettled` lists those the region cannot decide as before; `businesses`: entities named as a business's
    anywhere; `common`: {name: Outside} for the names held as common whose records outside the region surely
    fall into a hub's number of groups (`records`: how many records the town's pairs naming it have)."""
    marked = set(marked)
    outside = outside or {}
    common = common or {}
    incidences, kind_of = _incidences(rows, marked, set(name_nicknames), businesses)
    ties = _Ties()
    candidates = {}
    for entity in outside:
        if entity not in incidences and entity not in marked:
            candidates[entity] = ({}, _never_followed(entity))
    for entity, records in incidences.items():
        if entity in outside or len(records) >= hub_groups:
            total = outside[entity].records if entity in outside else len(records)
            candidates[entity] = (records, _follow_value(ties, entity, kind_of[entity], records, total))
        elif len(records) >= 2:
            ties.add(entity, kind_of[entity], records)
    held_by_name = _pairs_by_common_name(pairs, hub_groups, common)
    for name, (records, held) in held_by_name.items():
        candidates[name] = (records, lambda held=held: [ties.add_pair(*pair[:5]) for pair in held])
    held = {id(pair) for _, pairs_held in held_by_name.values() for pair in pairs_held}
    for pair in pairs:
        if pair[0] != pair[1] and id(pair) not in held:
            ties.add_pair(*pair[:5])
    beyond = {**outside, **{("name", name): known for name, known in common.items()}}
    settled, unsettled = _settle_candidates(ties, candidates, hub_groups, beyond)
    _corroborate(ties, child_names or {})
    # Counted again in the final groups (which corroboration may have joined): the count an incremental update
    # starts from, where the connected parts are all it knows of the groups outside its region.
    final = {key: len({ties.joined.find(record) for record in candidates[key][0]})
             + (beyond[key].at_least if key in beyond else 0) for key in settled}
    hubs = {key: groups for key, groups in final.items() if key in incidences or key in outside}
    groups, network_ties, parts = _networks(ties)
    return Plan(groups=groups, ties=network_ties, hubs=hubs, parts=parts,
                common_names={key[1]: groups for key, groups in final.items() if key not in hubs},
                unsettled=unsettled)


def joinable(changed, rows, pairs=(), marked=(), child_names_of=None):
    """The records that a tie may join directly to one of the `changed` records, by the same clues as `plan`
    but taking every value and name as followed (none a hub, none held as a common name) and every nickname as
    a plain nickname: at least the records `plan` would join to them, so an incremental update that starts
    from these (and their old networks) misses none. `rows`: the mention rows of the records naming the
    changed records' values (theirs too); `pairs`: the scored person pairs of the changed records' mentions;
    `child_names_of(records)`: the children's first names `_corroborate` needs, read only for the pairs that
    need them."""
    changed = set(changed)
    incidences, kind_of = _incidences(rows, set(marked))
    # Each nickname its own clue: at least what `plan` counts, whether or not one is made from a first name.
    kind_of = {entity: ANY_NICKNAME if kind == "nickname" else kind for entity, kind in kind_of.items()}
    ties = _Ties()
    for entity, records in incidences.items():
        for record in changed & set(records):
            for other, strength in records.items():
                if other != record:
                    both = STRONG if strength == records[record] == STRONG else WEAK
                    ties.add_pair(record, other, entity, kind_of[entity], both)
    for pair in pairs:
        if pair[0] != pair[1] and (pair[0] in changed or pair[1] in changed):
            ties.add_pair(*pair[:5])
    waiting = {record for pair, clues in ties.clues.items() if _corroborable(clues) for record in pair}
    if waiting and child_names_of is not None:
        _corroborate(ties, child_names_of(waiting))
    return {record for pair in ties.joining_pairs() for record in pair} - changed


def _never_followed(entity):
    return lambda: None


def _follow_value(ties, entity, kind, records, total):
    """Tie the records of a value named in many records (`total` of them in all): pair by pair, or by its
    strong incidences alone."""
    def follow():
        if total <= MAX_PAIRED_RECORDS:
            ties.add(entity, kind, records)
        else:
            strong = sorted(record for record, strength in records.items() if strength == STRONG)
            for record in strong[1:]:
                ties.add_pair(strong[0], record, entity, kind, STRONG)
    return follow


def _pairs_by_common_name(pairs, hub_groups, common=None):
    """{("name", name): (records, pairs)} for the names alike in so many records that they may be common names
    (a Grzegorz Żak or a Mohammed Khan of the town): each pair is held under the more widely named of its two
    names, to be followed only if that name's records fall into few groups, like any other hub. `common`: the
    town's count of some names' records, for an incremental update's region."""
    common = common or {}
    records_of = defaultdict(set)
    for pair in pairs:
        for name in (pair[5] if len(pair) > 5 else ()):
            records_of[name].update(pair[:2])

    def count(name):
        return common[name].records if name in common else len(records_of[name])
    held = defaultdict(list)
    for pair in pairs:
        names = pair[5] if len(pair) > 5 else ()
        if pair[0] != pair[1] and names:
            name = max(names, key=lambda n: (count(n), n))
            if count(name) >= hub_groups:
                held[name].append(pair)
    return {("name", name): (records_of[name], pairs_held) for name, pairs_held in held.items()}


def _settle_candidates(ties, candidates, hub_groups, outside):
    """Values and names found in many records ({key: (records, follow)}): each is followed only if its records
    fall into fewer than `hub_groups` separate groups without it. Following one can bring another's groups
    together, so repeat until nothing changes (the outcome does not depend on the order: following only ever
    joins groups). A value with records outside an incremental update's region (`outside`) is followed only if
    it was before and its groups are surely still too few; a hub stays one while its groups are surely enough;
    any other is unsettled. Returns ({hub key: groups}, {unsettled keys})."""
    def inside(key):
        return len({ties.joined.find(record) for record in candidates[key][0]})

    def followed(key):
        if key not in outside:
            return inside(key) < hub_groups
        return not outside[key].hub and inside(key) + outside[key].at_most < hub_groups

    pending = sorted(candidates, key=lambda key: (len(candidates[key][0]), str(key)))
    while True:
        still = []
        for key in pending:
            if followed(key):
                candidates[key][1]()
            else:
                still.append(key)
        if len(still) == len(pending):
            break
        pending = still
    unsettled = {key for key in pending if key in outside
                 and not (outside[key].hub and inside(key) + outside[key].at_least >= hub_groups)}
    return {key: inside(key) + (outside[key].at_least if key in outside else 0) for key in pending}, unsettled


def _corroborate(ties, child_names):
    """A child's first name given alone is too common to tie records, but it corroborates a pair that already
    shares a person or a selector when it fits the other record's child of about the same age. A nickname made
    from a first name is no more than a first name, which with a child's first name is a coincidence in any
    town."""
    for (left, right), clues in list(ties.clues.items()):
        if _corroborable(clues) and _same_child_first_name(child_names.get(left, ()), child_names.get(right, ())):
            ties.add_pair(left, right, CHILD_FIRST_NAME, "child", WEAK)


def _corroborable(clues):
    """Whether a child's first name could still join a pair sharing these clues: not joined yet, and sharing a
    person or a selector."""
    return not joins(clues) and bool({kind for kind, _ in clues.values()} - CONTEXT_KINDS - {NAME_NICKNAME})


def _same_child_first_name(left, right):
    """left, right: [(first name key, given with a surname, age)]. Two full names are the matcher's to judge; a
    first name given alone fits a child of that first name whose age is at most a year apart."""
    for first, full, age in left:
        for other_first, other_full, other_age in right:
            if first == other_first and not (full and other_full) and (
                    age is None or other_age is None or abs(age - other_age) <= 1):
                return True
    return False


def _networks(ties):
    """Groups of two or more records, split along thin bridges, with the ties inside each."""
    parts = defaultdict(dict)
    for pair, clues in ties.joining_pairs().items():
        parts[ties.joined.find(pair[0])][pair] = clues
    found = []
    for pairs in parts.values():
        records = {record for pair in pairs for record in pair}
        groups = _split(records, pairs) if len(records) >= SPLIT_MIN_RECORDS else [records]
        found += [(group, _group_ties(group, pairs), min(records)) for group in groups if len(group) >= 2]
    found.sort(key=lambda item: sorted(item[0]))
    return [item[0] for item in found], [item[1] for item in found], [item[2] for item in found]


def _pair_weight(clues):
    return sum(WEIGHT[strength] for _, strength in clues.values())


def _split(records, pairs):
    """Leiden communities (modularity, weighted by tie strength), merged back together unless only a thin
    bridge joins two sides of at least SPLIT_MIN_SIDE records each."""
    order = sorted(records)
    index = {record: i for i, record in enumerate(order)}
    edges = [(index[a], index[b], _pair_weight(clues)) for (a, b), clues in pairs.items()]
    graph = igraph.Graph(n=len(order), edges=[(a, b) for a, b, _ in edges])
    graph.es["weight"] = [weight for _, _, weight in edges]
    igraph.set_random_number_generator(random.Random(2026))
    membership = graph.community_leiden(objective_function="modularity", weights="weight", n_iterations=-1).membership
    communities = defaultdict(set)
    for i, community in enumerate(membership):
        communities[community].add(i)
    merged = _merge_thick_bridges(list(communities.values()), edges)
    return [{order[i] for i in community} for community in merged]


def _merge_thick_bridges(communities, edges):
    while len(communities) > 1:
        of = {node: n for n, members in enumerate(communities) for node in members}
        volume, across = defaultdict(float), defaultdict(float)
        for a, b, weight in edges:
            volume[of[a]] += weight
            volume[of[b]] += weight
            if of[a] != of[b]:
                across[tuple(sorted((of[a], of[b])))] += weight
        best = None
        for (x, y), weight in across.items():
            small = min(len(communities[x]), len(communities[y])) < SPLIT_MIN_SIDE
            ratio = weight / min(volume[x], volume[y])
            if (small or ratio >= THIN_BRIDGE) and (best is None or (small, ratio) > best[0]):
                best = ((small, ratio), x, y)
        if best is None:
            break
        _, x, y = best
        communities = [c for n, c in enumerate(communities) if n not in (x, y)] + [communities[x] | communities[y]]
    return communities


def _group_ties(group, pairs):
    """The clues that join records inside one group: [{entity, kind, strength, records}], strongest first.
    Person links scored "needs review" are listed by their mentions' records under clue "person link"."""
    found = {}
    for (a, b), clues in pairs.items():
        if a not in group or b not in group:
            continue
        for clue, (kind, strength) in clues.items():
            tie = found.setdefault(str(clue), {"entity": clue if isinstance(clue, int) else None, "kind": kind,
                                               "strength": strength, "records": set(),
                                               **({"clue": clue} if clue == CHILD_FIRST_NAME else {})})
            tie["records"].update((a, b))
            if strength == STRONG:
                tie["strength"] = STRONG
    listed = [({**tie, "records": sorted(tie["records"])}, clue) for clue, tie in found.items()]
    # In full, so that a network's ties read the same however it was computed (one region or the whole town).
    listed.sort(key=lambda item: (item[0]["strength"] != STRONG, -len(item[0]["records"]), item[0]["kind"],
                                  item[0]["records"], item[1]))
    return [tie for tie, _ in listed]
