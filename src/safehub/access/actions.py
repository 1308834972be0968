"""The one door for changes to who may see a record: shares, transfers, restrictions and break-glass."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from safehub import clock
from safehub.access.models import BreakGlass, LawfulBasis, Restriction, Share, Transfer
from safehub.access.policy import require
from safehub.access.records import kind_of, transfer_targets
from safehub.audit.trail import record as audit
from safehub.forms import required_text


def _pointer(record):
    return {"content_type": ContentType.objects.get_for_model(record), "object_id": record.pk}


# Checks a higher room adds to every share (registered in its AppConfig.ready): `check(record, agency,
# lawful_basis)` raises ValidationError to refuse, e.g. "consent" as the basis where no consent covers it.
SHARE_CHECKS = []


def share_record(user, record, *, agency, purpose, lawful_basis, expires_at=None, request=None):
    require(user, "share", record)
    if agency.pk == record.owning_agency_id:
        raise ValidationError("The record already belongs to that agency.")
    if lawful_basis not in LawfulBasis.values:
        raise ValidationError("Choose the lawful basis for sharing.")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError("The expiry must be in the future.")
    purpose = required_text(purpose, "Say why the record is shared.")
    for check in SHARE_CHECKS:
        check(record, agency, lawful_basis)
    with transaction.atomic():
        share = Share.objects.create(**_pointer(record), agency=agency, purpose=purpose, lawful_basis=lawful_basis,
                                     granted_by=user, expires_at=expires_at)
        audit("record_shared", user=user, obj=record, reason=f"with {agency.code}: {purpose}", request=request)
    return share


def revoke_share(user, share, *, reason, request=None):
    record = share.content_type.get_object_for_this_type(pk=share.object_id)
    require(user, "share", record)
    reason = required_text(reason, "Say why the share is revoked.")
    with transaction.atomic():
        share = Share.objects.select_for_update().get(pk=share.pk)
        if share.revoked_at is not None:
            raise ValidationError("That share was already revoked.")
        share.revoked_at, share.revoked_by, share.revoke_reason = timezone.now(), user, reason
        share.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        audit("share_revoked", user=user, obj=record, reason=f"from {share.agency.code}: {reason}", request=request)
    return share


def request_transfer(user, record, *, to_agency, reason, request=None):
    require(user, "transfer", record)
    if to_agency.pk == record.owning_agency_id:
        raise ValidationError("The record already belongs to that agency.")
    if not transfer_targets(record).filter(pk=to_agency.pk).exists():
        raise ValidationError(kind_of(record).receivers_words)
    reason = required_text(reason, "Say why the record should move to another agency.")
    with transaction.atomic():
        if Transfer.pointing_at(record).filter(status=Transfer.Status.PENDING).exists():
            raise ValidationError("A transfer of this record is already waiting for an answer.")
        transfer = Transfer.objects.create(**_pointer(record), from_agency_id=record.owning_agency_id,
                                           to_agency=to_agency, reason=reason, requested_by=user)
        audit("transfer_requested", user=user, obj=record, reason=f"to {to_agency.code}: {reason}", request=request)
    return transfer


def answer_transfer(user, transfer, *, accept, request=None):
    """The receiving agency's manager accepts (the owner changes) or declines (nothing changes)."""
    require(user, "accept_transfer", transfer)
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
        if transfer.status != Transfer.Status.PENDING:
            raise ValidationError("That transfer was already answered.")
        transfer.status = Transfer.Status.ACCEPTED if accept else Transfer.Status.DECLINED
        transfer.decided_by, transfer.decided_at = user, timezone.now()
        transfer.save(update_fields=["status", "decided_by", "decided_at"])
        model = transfer.content_type.model_class()
        if accept:
            model.objects.filter(pk=transfer.object_id).update(owning_agency_id=transfer.to_agency_id)
        audit("transfer_accepted" if accept else "transfer_declined", user=user,
              object_type=transfer.content_type.model, object_id=transfer.object_id,
              reason=f"{transfer.from_agency.code} to {transfer.to_agency.code}", request=request)
    return transfer


def restrict_record(user, record, *, reason_kind, reason, allowed_users, request=None):
    require(user, "restrict", record)
    if reason_kind not in Restriction.Reason.values:
        raise ValidationError("Choose why the record is restricted.")
    reason = required_text(reason, "Give the reason for the restriction.")
    with transaction.atomic():
        if Restriction.pointing_at(record).active().exists():
            raise ValidationError("This record is already restricted.")
        restriction = Restriction.objects.create(**_pointer(record), reason_kind=reason_kind, reason=reason,
                                                 created_by=user,
                                                 review_due=Restriction.review_date_from(timezone.localdate()))
        restriction.allowed_users.set({*allowed_users, user})
        names = ", ".join(sorted(u.username for u in restriction.allowed_users.all()))
        audit("record_restricted", user=user, obj=record, reason=f"{reason_kind}: {reason} (allowed: {names})",
              request=request)
    return restriction


def lift_restriction(user, restriction, *, request=None):
    record = restriction.content_type.get_object_for_this_type(pk=restriction.object_id)
    require(user, "restrict", record)
    with transaction.atomic():
        Restriction.objects.filter(pk=restriction.pk, lifted_at__isnull=True).update(lifted_at=timezone.now(), lifted_by=user)
        audit("restriction_lifted", user=user, obj=record, request=request)


def break_glass(user, record, *, reason, session_key, request=None):
    """Open a restricted record for the rest of this session. Logged and flagged for review."""
    require(user, "break_glass", record)
    reason = required_text(reason, "Give the reason you need to open this restricted record.")
    with transaction.atomic():
        glass = BreakGlass.objects.create(**_pointer(record), user=user, reason=reason, session_key=session_key)
        audit("break_glass", user=user, obj=record, reason=reason, request=request)
    return glass


def review_break_glass(user, glass, *, note, request=None):
    record = glass.content_type.get_object_for_this_type(pk=glass.object_id)
    require(user, "restrict", record)
    with transaction.atomic():
        BreakGlass.objects.filter(pk=glass.pk).update(reviewed_by=user, reviewed_at=timezone.now(), review_note=note)
        audit("break_glass_reviewed", user=user, obj=record, reason=note, request=request)


RESTRICTION_REVIEW_EMAIL = (
    "A restriction you made on {made} is due for review on {due}.\n\n"
    "Sign in to Safehub and open \"Break-glass and restrictions\" to review it: keep it, change who is on it, "
    "or lift it. This e-mail does not say which record it is."
)


def remind_restriction_review(restriction):
    """Tell the manager who restricted a record that its review date has come (once a review date, by e-mail,
    audited). Acts with the runner's authority (ADR 5): the scheduler. Returns True if a reminder was queued."""
    from safehub.background.mail import queue_email

    maker = restriction.created_by
    if not maker.is_active or not maker.email:
        return False
    with transaction.atomic():
        body = RESTRICTION_REVIEW_EMAIL.format(made=f"{clock.local(restriction.created_at):%-d %B %Y}",
                                               due=f"{restriction.review_due:%-d %B %Y}")
        queued = queue_email(f"restriction-review:{restriction.pk}:{restriction.review_due}", maker.email,
                             "A restriction is due for review", body)
        if queued is None:
            return False
        audit("restriction_review_reminded", object_type=restriction.content_type.model,
              object_id=str(restriction.object_id), reason=f"review due {restriction.review_due} (to {maker.username})")
    return True
