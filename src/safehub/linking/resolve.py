"""Resolving mentions to entities, in real time (inside the transaction that files a report) and in batch.

Selectors (phones, full registration marks, handles, nicknames, places) resolve at once to the one entity
of their normalised value. A partial mark or number links to the one full selector it matches, if exactly one
does. People and children are matched pair by pair with the saved model (`safehub.linking.people`): each
scored pair is a PersonLink with its evidence and band; mentions join an entity only through links that
join (auto-linked or confirmed, never rejected), and never into an entity holding a mention the pair-by-pair
judgement keeps apart.
"""

import logging

from django.db import transaction
from django.db.models import Q

from safehub.linking import people
from safehub.linking.clustering import groups_clash
from safehub.linking.mentions import (MERGED_FROM, child_record_mentions, contact_mentions, intelligence_mentions,
                                     person_of_concern_mentions)
from safehub.linking.models import Entity, Mention, PersonLink
from safehub.linking.sources import CHILD_RECORD, INTELLIGENCE, PERSON_OF_CONCERN, REPORT, mention_key

SELECTOR_KINDS = {Entity.Kind.NICKNAME, Entity.Kind.PHONE, Entity.Kind.VEHICLE, Entity.Kind.HANDLE,
                  Entity.Kind.PLACE}
PERSON_KINDS = {Entity.Kind.PERSON, Entity.Kind.CHILD}


logger = logging.getLogger(__name__)


def link_in_request(link, record):
    """Link a record inside the request that stores it, in a savepoint: if linking fails, the record is still
    stored (and `safehub link run` links it later); the failure is logged, never shown to the reporter. The
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
    """Selectors take their entity before they are stored, and so do people with no candidate at all (one
    insert for all); people with candidates are then matched pair by pair. `moved` gets the records of other
    mentions this moves to another entity."""
    created = [entity for entity in map(_selector_entity, mentions) if entity is not None]
    scored = {id(m): people.score_candidates(m) for m in mentions if m.kind in PERSON_KINDS}
    for mention in mentions:
        if mention.kind in PERSON_KINDS and not scored[id(mention)]:
            mention.entity = Entity.objects.create(kind=mention.kind, label=person_label(mention))
    Mention.objects.bulk_create(mentions)
    for entity in created:
        _adopt_partials(entity, moved)
    for mention in mentions:
        if scored.get(id(mention)):
            resolve_person(mention, scored[id(mention)], moved)
    return mentions


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


def _selector_entity(mention):
    """Set a selector mention's entity (not saved). Returns the entity if partial mentions may be waiting for
    it: a full phone or mark created just now, or first named now by a report or a child's record."""
    if mention.kind not in SELECTOR_KINDS:
        return None
    if mention.key:
        entity, created = Entity.objects.get_or_create(kind=mention.kind, key=mention.key,
                                                       defaults={"label": _label(mention)[:300]})
        mention.entity = entity
        if mention.kind not in (Entity.Kind.PHONE, Entity.Kind.VEHICLE):
            return None
        first_open = _is_open(mention) and not Mention.objects.filter(
            Q(contact__isnull=False) | Q(child_record__isnull=False), entity=entity, pattern="").exists()
        return entity if created or first_open else None
    if mention.pattern:
        candidates = list(_fitting(mention)[:2])
        if len(candidates) == 1:
            mention.entity = candidates[0]
    return None


def _adopt_partials(entity, moved):
    """Earlier partial mentions that fit this full selector, and fit nothing else, now point at it (their
    records go into `moved`)."""
    subject = _partial_subject(entity)
    if subject is None:
        return
    waiting = Mention.objects.filter(kind=entity.kind, entity__isnull=True).exclude(pattern="").filter(pattern__fits=subject)
    for mention in waiting:
        if list(_fitting(mention)[:2]) == [entity]:
            mention.entity = entity
            mention.save(update_fields=["entity"])
            moved.add(mention_key(mention))


# --- People --------------------------------------------------------------------------------------------


def _ordered(a, b):
    return (a, b) if a.pk < b.pk else (b, a)


def record_link(left, right, score):
    """Store (or refresh) a scored pair, keeping any analyst's judgement."""
    left, right = _ordered(left, right)
    link, _ = PersonLink.objects.update_or_create(
        left=left, right=right,
        defaults={"match_weight": score.weight, "probability": score.probability, "band": score.band,
                  "evidence": score.evidence, "model_version": score.model_version})
    return link


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
    """Point each group's mentions at one entity, keeping existing entities where they fit. Returns the
    number of mentions whose entity changed (and adds their records to `moved`, if given)."""
    changed, used = 0, set()
    before = {m.entity_id for members in groups for m in members if m.entity_id}
    for members in sorted(groups, key=len, reverse=True):
        current = [m.entity_id for m in members if m.entity_id and m.entity_id not in used]
        entity_id = max(set(current), key=current.count) if current else None
        if entity_id is None:
            entity_id = Entity.objects.create(kind=members[0].kind, label=person_label(members[0])).pk
        used.add(entity_id)
        for mention in members:
            if mention.entity_id != entity_id:
                mention.entity_id = entity_id
                mention.save(update_fields=["entity"])
                changed += 1
                if moved is not None:
                    moved.add(mention_key(mention))
    Entity.objects.filter(pk__in=before - used, mentions__isnull=True).delete()
    return changed


def recluster_entities(entity_ids):
    """Re-group the mentions of these person entities (after a judgement) and everything linked to them."""
    mentions = list(Mention.objects.filter(entity_id__in=entity_ids))
    return assign_entities(clusters(mentions, links_among(mentions)))


def resolve_person(mention, scored=None, moved=None):
    """Score the mention against its candidates, store every pair's link, then regroup it with the people
    it links to (pair by pair, never chaining); `moved` gets the records of other mentions regrouped."""
    scored = people.score_candidates(mention) if scored is None else scored
    for candidate, score in scored:
        record_link(mention, candidate, score)
    touched = {candidate.entity_id for candidate, score in scored if candidate.entity_id}
    mentions = [mention, *Mention.objects.filter(entity_id__in=touched)]
    assign_entities(clusters(mentions, links_among(mentions)), moved)
    mention.refresh_from_db(fields=["entity"])
    return mention.entity


def person_label(mention):
    name = mention.raw.strip()
    if mention.nicknames and mention.nicknames.strip() != name:
        return f"{name} ({mention.nicknames})"[:300]
    return name[:300]
