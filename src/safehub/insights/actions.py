"""The changes of state in insights: publishing a period's figures, and exporting a child's case bundle.
Each checks who may do it, and writes its audit event in the same transaction."""

import hashlib
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from safehub.access.policy import require
from safehub.audit.trail import chain_head, record as audit
from safehub.insights import disclosure
from safehub.insights.figures import Scope
from safehub.insights.models import PublishedSnapshot
from safehub.insights.tables import publish_all

PUBLISHERS = ("manager",)
BUNDLE_EXPORTERS = ("manager",)


def snapshot_digest(tables, rules):
    return hashlib.sha256(json.dumps({"tables": tables, "rules": rules}, sort_keys=True).encode()).hexdigest()


def publish_snapshot(user, period, *, request=None):
    """Freeze the published figures of a period that has ended: counted now, disclosure control applied, stamped
    with the time, the publisher and the audit chain head. A period is published once."""
    if user.role not in PUBLISHERS:
        raise PermissionDenied("Only a team manager publishes figures.")
    now = timezone.now()
    if period.end_at > now:
        raise ValidationError(f"{period.label} has not ended yet: figures are published once a period is over.")
    with transaction.atomic():
        if PublishedSnapshot.objects.filter(period=period.slug).exists():
            raise ValidationError(f"The figures for {period.label} are already published, and cannot be changed.")
        rules = disclosure.rules()
        tables = publish_all(Scope(period), public_only=True, rule=rules)
        position, head = chain_head()
        digest = snapshot_digest(tables, rules)
        snapshot = PublishedSnapshot.objects.create(
            period=period.slug, period_kind=period.kind, period_label=period.label, period_start=period.start,
            period_end=period.end, published_at=now, published_by=user,
            published_by_name=user.get_full_name() or user.username, audit_position=position, audit_hash=head,
            rules=rules, tables=tables, digest=digest)
        audit("figures_published", user=user, obj=snapshot, request=request,
              reason=f"{period.slug}; audit chain head {position} {head}; tables digest {digest}")
    return snapshot


def record_figures_export(user, what, *, request=None):
    """A download of figures (counts only, after disclosure control) is audited like any export."""
    audit("figures_exported", user=user, object_type="figures", object_id=what[:40], request=request)


def export_case_bundle(user, child, *, reason, request=None):
    """One child's records and chronology as a PDF for an inquiry or a court: a manager who may manage the
    child's record, with a reason; audited, and every page stamped with who exported it and the audit event."""
    from safehub.insights.bundle import case_bundle_pdf

    if user.role not in BUNDLE_EXPORTERS:
        raise PermissionDenied("Only a team manager exports a case bundle.")
    require(user, "manage", child)
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValidationError("Say why the bundle is needed (for example the inquiry or court, and its reference).")
    with transaction.atomic():
        event = audit("case_bundle_exported", user=user, obj=child, reason=reason[:2000], request=request)
        return case_bundle_pdf(user, child, reason=reason, event=event)
