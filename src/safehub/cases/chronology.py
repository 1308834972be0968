"""A child's chronology: one timeline of reports, decisions, screenings, meetings, actions, shares and notes.

Each action writes its line with `add`; reading a page of it is one indexed query (`timeline`).
"""

from django.db.models import Q

from safehub.cases.models import Case, ChronologyEntry, Child

PAGE_SIZE = 100
Kind = ChronologyEntry.Kind


def add(child, kind, summary, *, at, case=None, actor=None, subtype=""):
    return ChronologyEntry.objects.create(child=child, case=case, kind=kind, subtype=subtype, at=at,
                                          summary=summary[:500], actor=actor)


def add_report(case, contact):
    """The report a case was opened from, and its screening decision."""
    add(case.child, Kind.REPORT, f"{contact.reference}: {contact.get_kind_display()} received",
        at=contact.received_at, case=case, actor=contact.referrer)
    if contact.decided_at:
        add(case.child, Kind.DECISION, f"{contact.reference}: {contact.get_outcome_display()}",
            at=contact.decided_at, case=case, actor=contact.decided_by)


def note_share(sender, instance, created, **kwargs):
    """A share of a child's record or case is part of the child's story (signal receiver, inside the
    share's own transaction)."""
    if not created:
        return
    model = instance.content_type.model_class()
    if model is Case:
        case = Case.objects.select_related("child").get(pk=instance.object_id)
        child = case.child
    elif model is Child:
        case, child = None, Child.objects.get(pk=instance.object_id)
    else:
        return
    add(child, Kind.SHARE, f"Shared with {instance.agency.name}: {instance.purpose}", at=instance.granted_at,
        case=case, actor=instance.granted_by)


def timeline(user, child, *, kind="", page=1):
    """One page of the child's chronology, newest first, holding only lines about cases this user may open.

    Returns (entries, has_more). A bounded number of queries, however long the chronology.
    """
    visible_cases = Case.objects.visible_to(user).filter(child=child).values("pk")
    entries = (ChronologyEntry.objects.filter(child=child)
               .filter(Q(case__isnull=True) | Q(case__in=visible_cases))
               .select_related("actor", "case"))
    if kind:
        entries = entries.filter(kind=kind)
    start = (page - 1) * PAGE_SIZE
    rows = list(entries[start:start + PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
