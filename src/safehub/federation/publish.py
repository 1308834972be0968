"""The encodings this partnership publishes, made from its linking mentions.

`refresh_encodings` re-makes the whole table under the federation's current key (a rotated key re-makes every
encoding, and the old key's are deleted in the same transaction). It is the function to schedule after mentions
change; `safehub federation_encode` runs it by hand.
"""

from django.db import transaction

from safehub.federation import config
from safehub.federation.answering import forget_people_index
from safehub.federation.encodings import SELECTOR_KINDS, ClkEncoder, clk_to_text, date_variants, selector_digest
from safehub.federation.models import Encoding
from safehub.linking import normalise
from safehub.linking.models import Entity, Mention, SelectorMark

# Phones a reporter gave as their own or named as a business's are nobody of concern's: never published.
UNPUBLISHED_ROLES = (Mention.Role.REPORTER, Mention.Role.OTHER)


def person_fields(mention):
    """The fields a person's CLK is made of: name keys (case, accents, spaces and hyphens folded) and the date
    of birth as YYYYMMDD."""
    born = mention.date_of_birth.strftime("%Y%m%d") if mention.date_of_birth else ""
    return normalise.name_key(mention.first_name), normalise.name_key(mention.last_name), born


def selector_mentions():
    marked = SelectorMark.objects.filter(undone_at__isnull=True).values("entity_id")
    return (Mention.objects.filter(kind__in=SELECTOR_KINDS).exclude(key="").exclude(role__in=UNPUBLISHED_ROLES)
            .exclude(entity_id__in=marked).values_list("kind", "key", "entity_id").distinct())


def person_mentions():
    """People of concern with a name and a date of birth: a name alone matches too many men (ADR 30), and a filter
    of a name alone is the easiest to reverse."""
    return (Mention.objects.filter(kind=Entity.Kind.PERSON, role=Mention.Role.PERSON_OF_CONCERN,
                                   date_of_birth__isnull=False).exclude(first_name="", last_name=""))


def make_encodings(key_id, key):
    """Unsaved Encodings of every published selector and person of concern."""
    found = {}
    for kind, value, entity_id in selector_mentions().iterator():
        digest = selector_digest(key, kind, value)
        found[(kind, digest)] = Encoding(kind=kind, key_id=key_id, value=digest, entity_id=entity_id)
    encoder = ClkEncoder(key)
    for mention in person_mentions().iterator():
        text = clk_to_text(encoder.encode(*person_fields(mention)))
        found[("person", text)] = Encoding(kind="person", key_id=key_id, value=text, entity_id=mention.entity_id)
    return list(found.values())


def refresh_encodings():
    """Re-make every encoding under the current key; returns how many there are (None with no key set)."""
    key_id, key = config.current_key()
    if key is None:
        return None
    encodings = make_encodings(key_id, key)
    with transaction.atomic():
        Encoding.objects.all().delete()
        Encoding.objects.bulk_create(encodings, batch_size=2000)
    forget_people_index()
    return len(encodings)


def person_query(person, key):
    """The encodings asked about a person of concern: their own mentions' selectors and their CLKs (a second CLK
    with the date's day and month swapped where that is a date: `encodings.date_variants`)."""
    mentions = Mention.objects.filter(person_of_concern=person)
    selectors = sorted({(m.kind, m.key) for m in mentions if m.kind in SELECTOR_KINDS and m.key})
    encoder = ClkEncoder(key)
    people = set()
    for mention in mentions:
        if mention.kind == Entity.Kind.PERSON and (mention.first_name or mention.last_name) and mention.date_of_birth:
            first, last, born = person_fields(mention)
            people |= {clk_to_text(encoder.encode(first, last, date)) for date in date_variants(born)}
    return {"selectors": [{"kind": kind, "digest": selector_digest(key, kind, value)} for kind, value in selectors],
            "people": sorted(people)}
