"""The one door for changes an analyst makes to linking: confirming or rejecting a person link, and marking a
selector as not linking."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from safehub.access.policy import has_role
from safehub.audit.trail import record as audit
from safehub.linking.models import Entity, Mention, PersonLink, SelectorMark
from safehub.linking.queries import link_is_visible
from safehub.linking.resolve import recluster_entities
from safehub.linking.sources import ID_FIELDS, mention_key, record_key
from safehub.linking.tasks import networks_changed

ANALYST_ROLES = ("analyst",)


def judge_link(user, link, judgement, *, reason, request=None):
    """An analyst confirms or rejects that two mentions are one person. The judgement survives every re-run:
    the batch resolver rescoring a pair keeps it, and the entities are regrouped at once."""
    if not has_role(user, *ANALYST_ROLES) or not link_is_visible(user, link):
        raise PermissionDenied("Only an analyst who can open both records may judge this link.")
    if judgement not in (PersonLink.Judgement.CONFIRMED, PersonLink.Judgement.REJECTED):
        raise ValidationError("Choose confirm or reject.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Give the reason for your judgement.")
    with transaction.atomic():
        link = PersonLink.objects.select_for_update().select_related("left", "right").get(pk=link.pk)
        link.judgement, link.judged_by, link.judged_at, link.judgement_reason = judgement, user, timezone.now(), reason
        link.save(update_fields=["judgement", "judged_by", "judged_at", "judgement_reason"])
        before = {link.left.entity_id, link.right.entity_id} - {None}
        records = {mention_key(link.left), mention_key(link.right)} | records_naming(before)
        recluster_entities(before)
        networks_changed(records)
        audit(f"link_{judgement}", user=user, obj=link, reason=reason[:200], request=request)
    return link


def mark_not_linking(user, entity, *, reason, request=None):
    """An analyst marks a selector as not linking (a known taxi firm, a school's phone): it joins no records
    while the mark stands, survives every re-run, and is undone only by another audited action."""
    from safehub.linking.queries import selector_is_visible

    if not has_role(user, *ANALYST_ROLES) or not selector_is_visible(user, entity):
        raise PermissionDenied("Only an analyst who can open a record naming it may mark a selector.")
    if entity.kind in (Entity.Kind.PERSON, Entity.Kind.CHILD):
        raise ValidationError("Only a nickname, phone, vehicle, online account or place can be marked as not "
                              "linking; reject a person link instead.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Give the reason this selector should not link records.")
    with transaction.atomic():
        Entity.objects.select_for_update().get(pk=entity.pk)
        if SelectorMark.objects.filter(entity=entity, undone_at__isnull=True).exists():
            raise ValidationError("This selector is already marked as not linking.")
        mark = SelectorMark.objects.create(entity=entity, reason=reason, marked_by=user)
        networks_changed(records_naming({entity.pk}))
        audit("selector_marked_not_linking", user=user, obj=entity, reason=reason[:200], request=request)
    return mark


def undo_not_linking(user, entity, *, reason, request=None):
    """Lift a standing "not linking" mark: the selector joins records again from the next recomputation."""
    from safehub.linking.queries import selector_is_visible

    if not has_role(user, *ANALYST_ROLES) or not selector_is_visible(user, entity):
        raise PermissionDenied("Only an analyst who can open a record naming it may lift the mark.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Give the reason the mark is lifted.")
    with transaction.atomic():
        mark = SelectorMark.objects.select_for_update().filter(entity=entity, undone_at__isnull=True).first()
        if mark is None:
            raise ValidationError("This selector is not marked as not linking.")
        mark.undone_by, mark.undone_at, mark.undo_reason = user, timezone.now(), reason
        mark.save(update_fields=["undone_by", "undone_at", "undo_reason"])
        networks_changed(records_naming({entity.pk}))
        audit("selector_mark_undone", user=user, obj=entity, reason=reason[:200], request=request)
    return mark


def records_naming(entity_ids):
    """The records whose mentions are (or were, before a regrouping) of these entities."""
    rows = Mention.objects.filter(entity_id__in=entity_ids).values_list(*ID_FIELDS).distinct()
    return {record_key(*ids) for ids in rows}
