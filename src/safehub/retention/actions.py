"""Retention decisions: retain (with a reason and the next review) or dispose (the content deleted, one line in
the disposal log). Each checks the user is the record's custodian, and writes its audit event in the same
transaction as the change."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from safehub import clock
from safehub.access.models import BreakGlass, Restriction, Share, Transfer
from safehub.access.policy import can
from safehub.audit.trail import record as audit
from safehub.forms import required_text
from safehub.linking import sources
from safehub.linking.actions import records_naming
from safehub.linking.models import Entity
from safehub.linking.tasks import networks_changed
from safehub.retention.models import Disposal, RetentionReview
from safehub.retention.schedules import KINDS, schedule_of

# The record kinds under retention schedules, as the networks name their records.
DISPOSED_SOURCES = {"contact": sources.REPORT, "intelligenceitem": sources.INTELLIGENCE}
MIN_REASON = 10


def is_custodian(user, kind, found):
    return user.role in KINDS[kind].custodians and can(user, "restrict", found)


def require_custodian(user, kind, found):
    if not is_custodian(user, kind, found):
        raise PermissionDenied("Only the record's custodians decide its retention: the owning agency's managers "
                               "for a report, its analysts and investigators for intelligence.")


def review_of(kind, found):
    """The record's review, scheduled now if the review run has not reached it yet."""
    review = RetentionReview.objects.filter(kind=kind, record_id=found.pk).first()
    if review is None:
        group, recorded_on, due_on = schedule_of(kind, found)
        review = RetentionReview.objects.create(kind=kind, record_id=found.pk, reference=found.reference,
                                                owning_agency_id=found.owning_agency_id, group=group,
                                                recorded_on=recorded_on, due_on=due_on)
    return review


def reason_given(reason, what):
    reason = required_text(reason, f"Say why the record is {what}.")
    if len(reason) < MIN_REASON:
        raise ValidationError({"reason": f"Say why the record is {what} in at least {MIN_REASON} characters."})
    return reason


def retain(user, kind, found, *, reason, next_review_on=None, request=None):
    """Keep the record: its next review falls `review_every_years` on, or earlier on a date the reviewer names.
    The group is worked out again (a report may since have opened a case)."""
    require_custodian(user, kind, found)
    reason = reason_given(reason, "kept")
    today = clock.today()
    group = KINDS[kind].group(found)
    latest = clock.retention_next_review(group, today)
    next_review_on = next_review_on or latest
    if not today < next_review_on <= latest:
        raise ValidationError({"next_review_on": f"The next review must be after today and no later than "
                                                 f"{latest:%-d %B %Y} (the schedule's longest interval)."})
    with transaction.atomic():
        review = review_of(kind, found)
        RetentionReview.objects.filter(pk=review.pk).update(
            group=group, due_on=next_review_on, last_reviewed_at=timezone.now(), last_reviewed_by=user,
            last_reason=reason)
        audit("retention_retained", user=user, obj=found,
              reason=f"{group}; next review {next_review_on.isoformat()}; {reason}", request=request)
    review.refresh_from_db()
    return review


def dispose(user, kind, found, *, reason, request=None):
    """Delete the record and everything that is its content (details, additions, linking mentions and the
    selectors only it named, shares and restrictions pointing at it), keep one line in the disposal log, and
    write the audit event. The audit trail's own events about the record stay: they name it by id only."""
    require_custodian(user, kind, found)
    reason = reason_given(reason, "disposed of")
    today = clock.today()
    with transaction.atomic():
        review = review_of(kind, found)
        if review.due_on > today:
            raise ValidationError(f"{found.reference} is not due for review until {review.due_on:%-d %B %Y}: a "
                                  "record is disposed of only once its review is due.")
        held = KINDS[kind].held_by(found)
        if held:
            raise ValidationError(f"{found.reference} cannot be disposed of on its own: {'; '.join(held)}.")
        label = review.group_label
        record_id, reference = found.pk, found.reference
        removed = remove_content(found)
        networks_changed({DISPOSED_SOURCES[kind].key(record_id)} | records_naming(removed.pop("entity_ids")))
        disposal = Disposal.objects.create(
            kind=kind, record_id=record_id, reference=reference, owning_agency_id=review.owning_agency_id,
            group=review.group, schedule=label, recorded_on=review.recorded_on, due_on=review.due_on,
            disposed_at=timezone.now(), disposed_by=user, reason=reason, removed=removed)
        review.delete()
        audit("record_disposed", user=user, object_type=kind, object_id=str(record_id),
              reason=f"{reference}; {label}; {reason}", request=request)
    return disposal


def remove_content(found):
    """Delete the record with what hangs off it; returns rows removed by model."""
    content_type = ContentType.objects.get_for_model(found)
    pointing = {"content_type": content_type, "object_id": found.pk}
    entity_ids = set(found.mentions.exclude(entity=None).values_list("entity_id", flat=True))
    removed = {}
    for model in (Share, Restriction, BreakGlass, Transfer):
        _, counts = model.objects.filter(**pointing).delete()
        removed.update(counts)
    _, counts = found.delete()
    removed.update(counts)
    # A selector no other record names is the disposed record's content too (a phone number, a nickname), unless
    # a person of concern was promoted from it.
    orphans = (Entity.objects.filter(pk__in=entity_ids).annotate(left=Count("mentions"))
               .filter(left=0, promoted_people=None))
    _, counts = orphans.delete()
    removed.update(counts)
    return {"entity_ids": entity_ids, **{label: count for label, count in removed.items() if count}}
