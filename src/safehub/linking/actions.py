"""The one door for changes an analyst makes to linking: confirming or rejecting a person link."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from safehub.access.policy import has_role
from safehub.audit.trail import record as audit
from safehub.linking.models import PersonLink
from safehub.linking.queries import link_is_visible
from safehub.linking.resolve import recluster_entities

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
        recluster_entities({link.left.entity_id, link.right.entity_id} - {None})
        audit(f"link_{judgement}", user=user, obj=link, reason=reason[:200], request=request)
    return link
