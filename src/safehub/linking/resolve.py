"""Resolving mentions to entities, in real time (inside the transaction that files a report) and in batch.

Selectors (phones, full registration marks, handles, nicknames, places) resolve at once to the one entity
of their normalised value. A partial mark or number links to the one full selector it matches, if exactly one
does. People and children are matched pair by pair with the saved model (`safehub.linking.people`): each
scored pair is a PersonLink with its evidence and band; mentions join an entity only through links that
join (auto-linked or confirmed, never rejected), and never into an entity holding a mention the pair-by-pair
judgement keeps apart.
"""

import json
import logging
from functools import reduce
from operator import or_

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from safehub.linking import people
from safehub.linking.clustering import groups_clash
from safehub.linking.mentions import (MERGED_FROM, child_record_mentions, contact_mentions, intelligence_mentions,
                                     person_of_concern_mentions)
from safehub.linking.models import Entity, Mention, PersonLink
from safehub.linking.sources import CHILD_RECORD, INTELLIGENCE, PERSON_OF_CONCERN, REPORT, mention_key
from safehub.rows import insert_rows

SELECTOR_KINDS = {Entity.Kind.NICKNAME, Entity.Kind.PHONE, Entity.Kind.VEHICLE, Entity.Kind.HANDLE,
                  Entity.Kind.PLACE}
PERSON_KINDS = {Entity.Kind.PERSON, Entity.Kind.CHILD}


logger = logging.getLogger(__name__)


def link_in_request(link, record):
    """Link a record inside the transaction that stores or files it (a request, or the worker filing a public
    report, ADR 35), in a savepoint: if linking fails, the record is still stored (and `safehub link run` links
    it later); the failure is logged, never shown to the reporter. The
    networks are brought up to date by the background worker once the change commits (`_upkept`)."""
    try:
        with transaction.atomic():
            link(record)
        return True
    except Exception:  # noqa: BLE001 (a report must never be lost because linking failed)
        logger.exception("Linking failed for %s %s; it will be linked by the next batch run", type(record).__name__,
                         record.pk)
        return False


def link_contact(contact, *, details=None, new=False, upkeep=True):
    """Store and resolve everything a report mentions, then ask the worker to bring the networks it joins up to
    date (unless `upkeep` is off: `link run` recomputes them all at the end). Call inside the transaction that stores the
    report (`new`: it has no mentions yet; `details`: its rows just stored, by section)."""
    moved = set()
    with transaction.atomic(savepoint=False):
        fresh = contact_mentions(contact, details)
        if new:
            return _upkept(_store_and_resolve(fresh, moved), REPORT.key(contact.pk), upkeep, moved, new=True)
        return _upkept(_sync(Mention.objects.filter(contact=contact), fresh, moved), REPORT.key(contact.pk), upkeep,
                       moved)


def link_child_record(child, *, upkeep=True):
    """Store and resolve what a child's record mentions, after any change to it (leaving alone the names that
    came with a record merged into it)."""
    own = Mention.objects.filter(child_record=child).exclude(source_detail__startswith=MERGED_FROM)
    moved = set()
    with transaction.atomic(savepoint=False):
        return _upkept(_sync(own, child_record_mentions(child), moved), CHILD_RECORD.key(child.pk), upkeep, moved)


def link_person_of_concern(person):
    """Store and resolve a person of concern's own mentions (names, nicknames, phones, vehicles, accounts,
    addresses), after any change to the record."""
    moved = set()
    with transaction.atomic(savepoint=False):
        mentions = _sync(Mention.objects.filter(person_of_concern=person), person_of_concern_mentions(person), moved)
        return _upkept(mentions, PERSON_OF_CONCERN.key(person.pk), True, moved)


def link_intelligence_item(item):
    """Store and resolve what an intelligence item names, after any change to it."""
    moved = set()
    with transaction.atomic(savepoint=False):
        return _upkept(_sync(Mention.objects.filter(intelligence=item), intelligence_mentions(item), moved),
                       INTELLIGENCE.key(item.pk), True, moved)


def _upkept(changes, record, upkeep, moved, new=False):
    """The mentions stored; if anything changed, the record noted for the worker to bring its networks up to
    date (`tasks.networks_changed`: nothing of the networks is computed in the request), with the records whose
    mentions the linking moved to another entity (`moved`: regrouped people, partial marks adopted)."""
    mentions, changed = changes if isinstance(changes, tuple) else (changes, bool(changes))
    if upkeep and changed:
        from safehub.linking.tasks import networks_changed

        networks_changed({record} | moved, new={record} if new else ())
    return mentions


def _identity(mention):
    """What makes a mention the same one: a changed name, birth date or postcode makes a new mention, to be
    scored afresh."""
    return (mention.kind, mention.source_detail, mention.raw, mention.key, mention.pattern, mention.role,
            mention.date_of_birth, mention.age, mention.postcode, mention.nicknames)


def _sync(existing, fresh, moved):
    """Keep the mentions that are unchanged (with their links and any analyst's judgement), remove the ones
    no longer there, and store and resolve the new ones."""
    kept = {_identity(mention): mention for mention in existing}
    new = [mention for mention in fresh if kept.pop(_identity(mention), None) is None]
    Mention.objects.filter(pk__in=[mention.pk for mention in kept.values()]).delete()
    return _store_and_resolve(new, moved), bool(new or kept)


def _store_and_resolve(mentions, moved):
    """Store fresh mentions and resolve them, in a fixed handful of statements however many candidates there are:
    selectors take their entity (`_selector_entities`); people are scored against the candidates of all of them
    (one statement); a person joining nobody (no auto-linked candidate: every person a public report names, who
    comes with no date of birth or address) takes an entity of their own, all in one insert; the mentions are
    stored in one insert, their scored pairs in another; partial selectors waiting for a new full one are
    adopted; only a person with an auto-linked candidate is then grouped, with the people those candidates
    are (`resolve_person`). `moved` gets the records of other mentions this moves to another entity."""
    waiting_for = _selector_entities(mentions)
    people_ = [mention for mention in mentions if mention.kind in PERSON_KINDS]
    scored = dict(zip(map(id, people_), people.score_candidates_of(people_)))
    joining = [mention for mention in people_ if _joins_someone(scored[id(mention)])]
    alone = [mention for mention in people_ if not _joins_someone(scored[id(mention)])]
    entities = insert_rows([Entity(kind=mention.kind, label=person_label(mention)) for mention in alone])
    for mention, entity in zip(alone, entities):
        mention.entity = entity
    insert_rows(mentions)
    _adopt_partials(waiting_for, moved)
    _insert_links([(*sorted((mention.pk, candidate.pk)), score) for mention in people_
                   for candidate, score in scored[id(mention)]])
    for mention in joining:
        resolve_person(mention, scored[id(mention)], stored=True, moved=moved)
    return mentions


def _joins_someone(scored):
    """A freshly scored pair joins only if auto-linked (nobody has judged it yet)."""
    return any(score.band == PersonLink.Band.AUTO for _, score in scored)


# --- Selectors ---------------------------------------------------------------------------------------


def _label(mention):
    """An entity's label, from the mention that first names it. A report's or child record's own writing;
    an entity first named by an intelligence item or a person of concern is labelled by its normalised value,
    so that its label says nothing more than the value a report's reader sees in their own report."""
    if mention.kind == Entity.Kind.PHONE:
        return mention.key
    if mention.kind == Entity.Kind.HANDLE:
        return f"@{mention.key}"
    if not _is_open(mention):
        return mention.key.title() if mention.kind == Entity.Kind.NICKNAME else mention.key
    return mention.raw.strip() or mention.key


def _is_open(mention):
    """From a report or a child's record (not from intelligence or a person of concern's record)."""
    return bool(mention.contact_id or mention.child_record_id)


OPEN_FULL = Q(mentions__contact__isnull=False) | Q(mentions__child_record__isnull=False)


PHONE_PREFIX = "+44"


def _like_for(kind, pattern):
    """The LIKE pattern a full selector's key must match to fit a partial mention (a partial phone holds only
    the UK national digits)."""
    return (PHONE_PREFIX if kind == Entity.Kind.PHONE else "") + pattern


def _partial_subject(entity):
    """What a partial mention's pattern is matched against: the mark, or a UK phone's national digits."""
    if entity.kind != Entity.Kind.PHONE:
        return entity.key
    return entity.key[len(PHONE_PREFIX):] if entity.key.startswith(PHONE_PREFIX) else None


def _fitting(mention):
    """The full selectors a partial mention fits. A partial in a report or a child's record fits only a full
    value that a report or a child's record names: it never takes its full value (shown as its label, and
    joining it to other partials) from intelligence or a person of concern its readers may not open."""
    found = Entity.objects.filter(kind=mention.kind, key__like=_like_for(mention.kind, mention.pattern))
    if _is_open(mention):
        found = found.filter(OPEN_FULL, mentions__pattern="").distinct()
    return found


def _selector_entities(mentions):
    """Set each selector mention's entity (not saved): the one entity of its normalised value, made if new (in
    one insert; a value another worker makes at the same moment is read back, not duplicated), and for a
    partial mark or number the one full selector it fits, if exactly one does. Returns the full phones and
    marks that partial mentions may be waiting for: made just now, or first named now by a report or a child's
    record."""
    full = [mention for mention in mentions if mention.kind in SELECTOR_KINDS and mention.key]
    keys = {(mention.kind, mention.key): mention for mention in reversed(full)}  # the first mention names it
    if keys and connection.vendor == "postgresql":
        found, missing = _found_or_made(keys)
    else:
        found = _selector_rows(keys) if keys else {}
        missing = [key for key in keys if key not in found]
        if missing:
            Entity.objects.bulk_create([Entity(kind=kind, key=key, label=_label(keys[(kind, key)])[:300])
                                        for kind, key in missing], ignore_conflicts=True)
    if absent := [key for key in keys if key not in found]:  # made by another worker at this moment
        found |= _selector_rows(absent)
        missing += absent
    waiting_for = {}
    for mention in full:
        entity = mention.entity = found[(mention.kind, mention.key)]
        if mention.kind in (Entity.Kind.PHONE, Entity.Kind.VEHICLE) and (
                (mention.kind, mention.key) in missing or (_is_open(mention) and not entity.named_openly)):
            waiting_for[entity.pk] = entity
    for mention in mentions:
        if mention.kind in SELECTOR_KINDS and not mention.key and mention.pattern:
            fitting = list(_fitting(mention)[:2])
            if len(fitting) == 1:
                mention.entity = fitting[0]
    return list(waiting_for.values())


# Whether a report or a child's record names the selector `entity` by its full value yet.
_NAMED_OPENLY = f"""EXISTS(
        SELECT 1 FROM {Mention._meta.db_table} AS openly
        WHERE openly.entity_id = entity.id AND openly.pattern = ''
          AND (openly.contact_id IS NOT NULL OR openly.child_record_id IS NOT NULL))"""  # nosec B608: our table name

_SELECTOR_ROWS = f"""
    SELECT entity.id, entity.kind, entity.key, entity.label, entity.created_at, {_NAMED_OPENLY} AS named_openly
    FROM {Entity._meta.db_table} AS entity WHERE {{wanted}}"""  # nosec B608: our table names; values are parameters


def _selector_rows(keys):
    """{(kind, key): entity} of these selector values, each with `named_openly`: whether a report or a child's
    record names its full value yet. Hand-written: the ORM took longer to build this than the database to answer
    it (ADR 38)."""
    wanted = " OR ".join(["(entity.kind = %s AND entity.key = %s)"] * len(keys))
    found = Entity.objects.raw(_SELECTOR_ROWS.format(wanted=wanted), [value for key in keys for value in key])
    return {(entity.kind, entity.key): entity for entity in found}


_FOUND_OR_MADE = f"""
    WITH wanted (kind, key, label) AS (VALUES {{values}}),
    made AS (
        INSERT INTO {Entity._meta.db_table} (kind, key, label, created_at)
        SELECT kind, key, label, %s FROM wanted
        WHERE NOT EXISTS (SELECT 1 FROM {Entity._meta.db_table} AS entity
                          WHERE entity.kind = wanted.kind AND entity.key = wanted.key)
        ON CONFLICT DO NOTHING
        RETURNING id, kind, key, label, created_at)
    SELECT id, kind, key, label, created_at, false AS named_openly, true AS made FROM made
    UNION ALL
    SELECT entity.id, entity.kind, entity.key, entity.label, entity.created_at, {_NAMED_OPENLY}, false
    FROM {Entity._meta.db_table} AS entity JOIN wanted ON entity.kind = wanted.kind AND entity.key = wanted.key
"""  # nosec B608: our table names; values are parameters


def _found_or_made(keys):
    """PostgreSQL: `_selector_rows` and the insert of the values not yet there in one statement (one round trip,
    where a new phone took three: ADR 38). Returns ({(kind, key): entity}, [(kind, key) made now]). A value another
    worker makes at the same moment is neither made nor found here (it is not in this statement's snapshot)."""
    params = [value for kind, key in keys for value in (kind, key, _label(keys[(kind, key)])[:300])]
    sql = _FOUND_OR_MADE.format(values=", ".join(["(%s, %s, %s)"] * len(keys)))
    rows = list(Entity.objects.raw(sql, [*params, timezone.now()]))
    return {(entity.kind, entity.key): entity for entity in rows}, [(e.kind, e.key) for e in rows if e.made]


def _adopt_partials(entities, moved):
    """Earlier partial mentions that fit one of these full selectors, and fit nothing else, now point at it
    (one query for the partials waiting, then one for each that fits); their records go into `moved`."""
    subjects = [(entity, _partial_subject(entity)) for entity in entities]
    fits = [Q(kind=entity.kind, pattern__fits=subject) for entity, subject in subjects if subject is not None]
    if not fits:
        return
    waiting = Mention.objects.filter(entity__isnull=True).exclude(pattern="").filter(reduce(or_, fits))
    for mention in waiting:
        fitting = list(_fitting(mention)[:2])
        if len(fitting) == 1 and fitting[0] in entities:
            mention.entity = fitting[0]
            mention.save(update_fields=["entity"])
            moved.add(mention_key(mention))


# --- People --------------------------------------------------------------------------------------------


def _ordered(a, b):
    return (a, b) if a.pk < b.pk else (b, a)


_INSERT_LINKS = f"""
    INSERT INTO {PersonLink._meta.db_table} (left_id, right_id, match_weight, probability, band, evidence, model_version,
                                             judgement, judgement_reason, scored_at)
    SELECT pair.left_id, pair.right_id, (its.score->>'weight')::double precision,
           (its.score->>'probability')::double precision, its.score->>'band', its.score->'evidence',
           its.score->>'model_version', '', '', %s
    FROM jsonb_to_recordset(%s::jsonb) AS pair(left_id integer, right_id integer, number integer),
         LATERAL (SELECT %s::jsonb -> pair.number AS score) AS its"""  # nosec B608: our table and column names


def _insert_links(pairs):
    """Insert fresh scored pairs [(left id, right id, Score)] (new, so inserted, never looked up) in one statement.
    On PostgreSQL the pairs travel as one JSON parameter and each distinct score (namesakes score the same) once
    in another, unpacked by the server: Django's bulk insert of fifty pairs spent longer compiling, and psycopg
    longer escaping, its hundreds of parameters in Python than the database took to store them (ADR 32, 38).
    Elsewhere (SQLite, in process) the ORM's bulk insert. What is stored is the same either way."""
    if not pairs:
        return
    if connection.vendor != "postgresql":
        PersonLink.objects.bulk_create(PersonLink(left_id=left, right_id=right, **_link_fields(score))
                                       for left, right, score in pairs)
        return
    numbers, scores, rows = {}, [], []
    for left, right, score in pairs:
        if id(score) not in numbers:
            numbers[id(score)] = len(scores)
            scores.append(score.__dict__)
        rows.append({"left_id": left, "right_id": right, "number": numbers[id(score)]})
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_LINKS, [timezone.now(), json.dumps(rows), json.dumps(scores)])


def record_link(left, right, score):
    """Store (or refresh) a scored pair, keeping any analyst's judgement."""
    left, right = _ordered(left, right)
    link, _ = PersonLink.objects.update_or_create(left_id=left.pk, right_id=right.pk, defaults=_link_fields(score))
    return link


def _link_fields(score):
    """What a stored pair keeps of its Score."""
    return {"match_weight": score.weight, "probability": score.probability, "band": score.band,
            "evidence": score.evidence, "model_version": score.model_version}


def scored_apart(link):
    """The pair is judged to be two people: rejected by an analyst, or scored against (a field disagreed)."""
    if link.judgement:
        return link.judgement == PersonLink.Judgement.REJECTED
    evidence = sum(item["weight"] for item in link.evidence if item.get("field") != "prior")
    return link.band == PersonLink.Band.NONE and evidence < 0


def keeps_apart(link):
    """Scored apart, or held apart by the twin and parent guards until an analyst confirms."""
    guarded = not link.judgement and any(item.get("field") == people.GUARD for item in link.evidence)
    return scored_apart(link) or guarded


def across_intelligence(a, b):
    """One of two mentions comes from an intelligence item and the other does not. They never share an
    entity: an entity joins records for everyone who reads them, and intelligence must not be what joins two
    reports for a reader who may not open it. Networks tie such a pair only where the item is read
    (`networks.link_pairs`); the scored pair is kept with its evidence like any other."""
    return (a.intelligence_id is None) != (b.intelligence_id is None)


def links_among(mentions):
    ids = [mention.pk for mention in mentions]
    return list(PersonLink.objects.filter(left_id__in=ids, right_id__in=ids))


def clusters(mentions, links):
    """Group mentions into people, pair by pair: strongest joining links first (confirmed before any
    score). Two groups merge only if no pair across them is scored apart and, unless an analyst confirmed
    the link, no record of one contradicts a record of the other (the guards of `clustering`, as in batch
    linking), so a third record never chains two different people together. A mention from intelligence
    joins only other intelligence mentions (`across_intelligence`). Returns lists of mentions."""
    group = {mention.pk: {mention.pk} for mention in mentions}
    by_id = {mention.pk: mention for mention in mentions}
    records = {mention.pk: people.prepared(mention) for mention in mentions}
    apart = {(link.left_id, link.right_id) for link in links if scored_apart(link)}
    joining = sorted((link for link in links if link.joins),
                     key=lambda link: (link.judgement != PersonLink.Judgement.CONFIRMED, -link.match_weight))
    for link in joining:
        a, b = group[link.left_id], group[link.right_id]
        if a is b or across_intelligence(by_id[link.left_id], by_id[link.right_id]):
            continue
        if any((min(x, y), max(x, y)) in apart for x in a for y in b):
            continue
        confirmed = link.judgement == PersonLink.Judgement.CONFIRMED
        if not confirmed and groups_clash([records[x] for x in sorted(a)], [records[y] for y in sorted(b)]):
            continue
        merged = a | b
        for pk in merged:
            group[pk] = merged
    unique = {id(members): members for members in group.values()}
    return [[by_id[pk] for pk in sorted(members)] for members in unique.values()]


def assign_entities(groups, moved=None):
    """Point each group's mentions at one entity, keeping existing entities where they fit (one update for each
    entity that gains mentions). Returns the number of mentions whose entity changed (and adds their records to
    `moved`, if given)."""
    changed, used = 0, set()
    before = {m.entity_id for members in groups for m in members if m.entity_id}
    for members in sorted(groups, key=len, reverse=True):
        current = [m.entity_id for m in members if m.entity_id and m.entity_id not in used]
        entity_id = max(set(current), key=current.count) if current else None
        if entity_id is None:
            entity_id = Entity.objects.create(kind=members[0].kind, label=person_label(members[0])).pk
        used.add(entity_id)
        shifted = [mention for mention in members if mention.entity_id != entity_id]
        for mention in shifted:
            mention.entity_id = entity_id
        if shifted:
            Mention.objects.filter(pk__in=[mention.pk for mention in shifted]).update(entity_id=entity_id)
            changed += len(shifted)
            if moved is not None:
                moved.update(mention_key(mention) for mention in shifted)
    Entity.objects.filter(pk__in=before - used, mentions__isnull=True).delete()
    return changed


def recluster_entities(entity_ids):
    """Re-group the mentions of these person entities (after a judgement) and everything linked to them."""
    mentions = list(Mention.objects.filter(entity_id__in=entity_ids))
    return assign_entities(clusters(mentions, links_among(mentions)))


def resolve_person(mention, scored=None, stored=False, moved=None):
    """Score the mention against its candidates, store every pair's link (unless `stored`: a fresh mention's
    links were inserted with the others), then regroup it with the people it joins (pair by pair, never
    chaining): the mention and every mention, as they are now, of the entities of the candidates whose link
    joins; `moved` gets the records of other mentions regrouped. Returns the mention's entity id."""
    scored = people.score_candidates(mention) if scored is None else scored
    if stored:
        joined = [candidate.pk for candidate, score in scored if score.band == PersonLink.Band.AUTO]
    else:
        joined = [candidate.pk for candidate, score in scored if record_link(mention, candidate, score).joins]
    entities = Mention.objects.filter(pk__in=joined).values("entity_id")
    group = [mention, *Mention.objects.filter(entity_id__in=entities).exclude(pk=mention.pk)
             .only(*people.CANDIDATE_FIELDS, "raw", "nicknames")]
    assign_entities(clusters(group, links_among(group)), moved)
    return mention.entity_id


def person_label(mention):
    name = mention.raw.strip()
    if mention.nicknames and mention.nicknames.strip() != name:
        return f"{name} ({mention.nicknames})"[:300]
    return name[:300]
