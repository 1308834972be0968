"""What a partner reads of police intelligence: the sanitised summary written for sharing, never the item.

A summary is shown only where all of these hold:

- the item's handling code lets the reader's agency have it (`grading.partner_may_read`: 3x5x2 P, and C with
  its condition shown beside the summary; 5x5x5 code 2, and code 1 to police partners only);
- the item has a sanitised summary (no summary, nothing shared);
- the item is connected to a record the reader may open: a child of the operation the item belongs to
  (analysts put the child in the operation: a child named in an item is matched by name only, and a wrong
  match would put another child's intelligence before a worker), or a person of concern the item is about;
- no restriction on the item keeps the reader out.

Every summary shown is audited, one event per item (written together, `record_many`).
"""

from dataclasses import dataclass
from datetime import datetime

from safehub.access.policy import is_signed_in, is_visible, restricted_against
from safehub.audit.trail import record_many
from safehub.intelligence import grading
from safehub.intelligence.models import IntelligenceItem
from safehub.intelligence.policy import INTELLIGENCE_READERS


@dataclass(frozen=True)
class SharedSummary:
    """The part of an item a partner may read. It carries no text, source or reference."""

    item_id: int
    summary: str
    scheme: str
    grading: str
    source: str
    intelligence: str
    handling: str
    condition: str
    received_at: datetime


def _shared(item):
    def meaning(part, code):
        return grading.meaning(item.scheme, part, code)

    return SharedSummary(item_id=item.pk, summary=item.sanitised_summary, scheme=item.scheme, grading=item.grading,
                         source=meaning("source", item.source_grade),
                         intelligence=meaning("intelligence", item.intelligence_grade),
                         handling=meaning("handling", item.handling_code), condition=item.handling_condition,
                         received_at=item.received_at)


def shared_items(user, *, child=None, person=None, leaving_out=(), but_readable=False):
    """The items whose sanitised summary this user may read about a child's record or a person of concern they
    may open, newest first (a queryset; none for a record they may not open). `leaving_out`: ids of items the
    page shows in full (to their readers) instead; `but_readable`: leave out every item the user may open."""
    record = child if child is not None else person
    if record is None or not is_signed_in(user) or not user.agency_id or not is_visible(user, record):
        return IntelligenceItem.objects.none()
    # One row per item either way (an item has one operation, which holds a child once; it names a person once).
    items = (IntelligenceItem.objects.filter(operation__children=child) if child is not None
             else IntelligenceItem.objects.filter(people=person))
    locked, _ = restricted_against(IntelligenceItem, user)
    if but_readable and user.role in INTELLIGENCE_READERS:  # the agency's own items, less the locked (below)
        items = items.exclude(owning_agency_id=user.agency_id)
    return (items.exclude(sanitised_summary="").filter(grading.partner_may_read(user.agency.kind))
            .exclude(pk__in=locked).exclude(pk__in=leaving_out).order_by("-received_at", "-pk"))


def summaries_of(items):
    """What a partner may read of these items (from `shared_items`): never their text, source or reference."""
    return [_shared(item) for item in items]


def audit_summaries(user, item_ids, *, about, request=None):
    """One "intelligence_summary_viewed" event per summary shown, written together."""
    record_many("intelligence_summary_viewed", user=user, object_type="intelligenceitem",
                object_ids=[str(pk) for pk in item_ids], reason=f"about {about.reference}", request=request)


def sanitised_summaries(user, *, child=None, person=None, leaving_out=(), request=None):
    """The sanitised summaries this user may read about a child's record or a person of concern they may open,
    newest first, each read audited. Empty for a record they may not open. `leaving_out`: ids of items the
    page shows in full (to their readers) instead."""
    shown = summaries_of(shared_items(user, child=child, person=person, leaving_out=list(leaving_out)))
    audit_summaries(user, [summary.item_id for summary in shown], about=child if child is not None else person,
                    request=request)
    return shown
