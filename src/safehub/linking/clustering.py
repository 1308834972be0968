"""Clustering judged pairs into people without chaining two different people through a third record.

Plain connected components join A and C whenever A~B and B~C, so one record with little in it (a name and a
postcode) can glue twins or a father and son together. Here the auto-link pairs are taken strongest first
and two groups are merged only when no record of one clearly contradicts a record of the other:

- both first names known, not in one variant group, not similar (Jaro-Winkler below 0.8), not one typing
  slip apart (one letter changed, added, dropped, or two neighbours swapped; names of three letters or
  more), not an initial and not the surname written first (twins, siblings);
- both dates of birth known and ten or more years apart (a parent and child of the same name), unless the
  two dates are the same digits with two neighbours swapped (1937 keyed as 1973);
- first names that are not the same name (nor a variant, initial or the surname written first) and dates
  of birth that are not the same date give or take a slip (more than two characters apart, not day and
  month swapped): brothers and sisters at one address, Maria and Marie born years apart.

A pair that contradicts itself is never auto-linked either.
"""

from rapidfuzz.distance import OSA, JaroWinkler, Levenshtein

NAME_SIMILAR = 0.8
YEARS_APART = 10
# A group this large is compared member by member only against a sample of its earliest members.
MAX_MEMBERS_CHECKED = 50


def _slip(a, b):
    """The same name but for one typing slip: a letter changed, added or dropped, or two neighbours swapped
    (names of three letters or more; of two letters, only when the first letter is kept: 'Jy' for 'Jay')."""
    if not a or not b:
        return False
    if a == b:
        return True
    shortest = min(len(a), len(b))
    if shortest < 2 or (shortest == 2 and a[0] != b[0]):
        return False
    return OSA.distance(a, b) <= 1


def _written_first(a, b):
    """One record gives the other's surname (give or take a slip) as the first name."""
    return _slip(a["first_name"], b["surname"]) or _slip(b["first_name"], a["surname"])


def _names_clash(a, b):
    first_a, first_b = a["first_name"], b["first_name"]
    if not first_a or not first_b or a["first_key"] == b["first_key"] or _written_first(a, b):
        return False
    if len(first_a) == 1 or len(first_b) == 1:
        return first_a[0] != first_b[0]
    if _slip(first_a, first_b):
        return False
    # Rounded as in comparisons.py: 'roy' and 'riy' score 0.8 less a rounding error.
    return round(JaroWinkler.similarity(first_a, first_b), 9) < NAME_SIMILAR


def _dobs_clash(a, b):
    dob_a, dob_b = a["dob"], b["dob"]
    if not (dob_a and dob_b) or abs(int(dob_a[:4]) - int(dob_b[:4])) < YEARS_APART:
        return False
    return not _neighbours_swapped(dob_a, dob_b)


def _neighbours_swapped(a, b):
    """The same string but for two neighbouring characters swapped ('1937-04-16', '1973-04-16')."""
    if len(a) != len(b):
        return False
    differ = [index for index in range(len(a)) if a[index] != b[index]]
    return (len(differ) == 2 and differ[1] == differ[0] + 1
            and a[differ[0]] == b[differ[1]] and a[differ[1]] == b[differ[0]])


def _other_name(a, b):
    first_a, first_b = a["first_name"], b["first_name"]
    if not first_a or not first_b or first_a == first_b or a["first_key"] == b["first_key"]:
        return False
    if _written_first(a, b):
        return False
    if len(first_a) == 1 or len(first_b) == 1:
        return first_a[0] != first_b[0]
    return True


def _other_date(a, b):
    dob_a, dob_b = a["dob"], b["dob"]
    if not (dob_a and dob_b) or Levenshtein.distance(dob_a, dob_b) <= 2:
        return False
    return not (dob_a[:4] == dob_b[:4] and dob_a[5:7] == dob_b[8:10] and dob_a[8:10] == dob_b[5:7])


def _siblings(a, b):
    return _other_name(a, b) and _other_date(a, b)


CLASHES = (
    (_names_clash, "first names clearly differ (twins or brothers and sisters share the rest)"),
    (_dobs_clash, "born ten or more years apart (a parent and child can share a name and address)"),
    (_siblings, "another first name and another date of birth (brothers and sisters at one address)"),
)


def _clash(a, b):
    """Why two prepared records cannot be one person, in words for an analyst, or None."""
    return next((reason for clashes, reason in CLASHES if clashes(a, b)), None)


def contradicts(a, b):
    """True when two prepared records (dicts) cannot be the same person whatever else agrees."""
    return _clash(a, b) is not None


def held_reason(a, b):
    """Why a pair scored as one person was held apart (by its own records or another in their groups)."""
    return _clash(a, b) or "another record of one of them contradicts the other"


def _names_agree(a, b):
    """Both first names are given and are one name: the same, a variant, a slip apart or similar."""
    first_a, first_b = a["first_name"], b["first_name"]
    if not first_a or not first_b or min(len(first_a), len(first_b)) < 2:
        return False
    return (a["first_key"] == b["first_key"] or _slip(first_a, first_b)
            or round(JaroWinkler.similarity(first_a, first_b), 9) >= NAME_SIMILAR)


def _same_person(a, b):
    """Both records give one first name and one date of birth, give or take a slip in each."""
    return bool(a["dob"] and b["dob"]) and _names_agree(a, b) and not _other_date(a, b)


def groups_clash(left, right):
    """Some record of one group contradicts some record of the other (lists of prepared records).

    Two slips of one name can be two slips apart ('Sma' and 'Ssm' for Sam): a first-name clash between two
    records does not count when either name agrees with a name in the other group. A record with no first
    name agrees with nothing, so it cannot excuse twins. Likewise a record that is plainly one person with a
    record of the other group (name and date of birth each the same give or take a slip) is not held apart as
    a brother or sister of another of its records: a slip in the name and one in the date on one record, a
    swapped day and month on the other, look like another name and another date (ADR 37).
    """
    for a in left:
        for b in right:
            if _dobs_clash(a, b):
                return True
            if _siblings(a, b) and not (any(_same_person(b, x) for x in left)
                                        or any(_same_person(a, y) for y in right)):
                return True
            if _names_clash(a, b) and not (any(_names_agree(b, x) for x in left)
                                           or any(_names_agree(a, y) for y in right)):
                return True
    return False


def cluster(edges, records, guards=True):
    """Union of pairs (id_l, id_r) taken in the order given (strongest first), refusing contradicting merges.

    records maps an id to its prepared record; guards=False gives plain connected components (for comparison
    in benchmarks only). Returns {id: root id} for every id in an edge that was kept, the list of kept edges
    and the list of edges the guards held apart.
    """
    parent, members, kept, held = {}, {}, [], []

    def find(node):
        root = node
        while parent.get(root, root) != root:
            root = parent[root]
        while node != root:
            parent[node], node = root, parent[node]
        return root

    for left, right in edges:
        root_l, root_r = find(left), find(right)
        if root_l == root_r:
            kept.append((left, right))
            continue
        group_l, group_r = members.get(root_l, [left]), members.get(root_r, [right])
        if guards and groups_clash([records[x] for x in group_l[:MAX_MEMBERS_CHECKED]],
                                   [records[y] for y in group_r[:MAX_MEMBERS_CHECKED]]):
            held.append((left, right))
            continue
        if len(group_l) < len(group_r):
            root_l, root_r, group_l, group_r = root_r, root_l, group_r, group_l
        parent[root_r] = root_l
        members[root_l] = group_l + group_r
        members.pop(root_r, None)
        kept.append((left, right))
    still_apart = [(left, right) for left, right in held if find(left) != find(right)]
    return {node: find(node) for node in parent} | {root: root for root in members}, kept, still_apart
