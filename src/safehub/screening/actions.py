"""The one door for screening changes: priority, decision, closure and escalation of contacts."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from safehub import clock
from safehub.access.policy import has_role, require
from safehub.accounts.models import Role, User
from safehub.audit.trail import record, record_many
from safehub.background.mail import queue_email
from safehub.intake.models import Contact
from safehub.screening.models import Notification

PUBLIC_OUTCOME_EMAIL = (
    "Thank you for your report {reference}.\n\n"
    "It has been looked at by the {area} child exploitation team and acted on. To protect the children and "
    "families involved we cannot tell you what was done.\n\n"
    "If a child is in immediate danger, call 999. To add to your report, call 101 and quote {reference}."
)


def _locked(contact):
    return Contact.objects.select_for_update().get(pk=contact.pk)


def set_priority(user, contact, priority, *, request=None, at=None):
    require(user, "screen", contact)
    if priority not in Contact.Priority.values:
        raise ValidationError("Choose Red, Amber, Green or Blue.")
    with transaction.atomic():
        contact = _locked(contact)
        now = at or timezone.now()
        contact.priority = priority
        contact.priority_set_at = now
        contact.partner_checks_due_at = clock.partner_checks_due(now, priority)
        contact.save(update_fields=["priority", "priority_set_at", "partner_checks_due_at"])
        record("priority_set", user=user, obj=contact, reason=priority, request=request)
    return contact


def record_decision(user, contact, outcome, reason, *, request=None, at=None):
    """Decide a contact and tell the referrer. A decision is final.

    `at` is for decisions recorded after the fact (imports, demo data); it defaults to now.
    """
    require(user, "screen", contact)
    if outcome not in Contact.Outcome.values:
        raise ValidationError("Choose what happens next.")
    if not (reason or "").strip():
        raise ValidationError("Give the reason for the decision.")
    with transaction.atomic():
        contact = _locked(contact)
        if contact.decided_at is not None:
            raise ValidationError(f"{contact.reference} was already decided.")
        contact.outcome = outcome
        contact.outcome_reason = reason.strip()
        contact.decided_at = at or timezone.now()
        contact.decided_by = user
        contact.status = Contact.Status.DECIDED
        contact.save(update_fields=["outcome", "outcome_reason", "decided_at", "decided_by", "status"])
        record("decision_recorded", user=user, obj=contact, reason=outcome, request=request)
        _tell_referrer(contact)
    return contact


def _tell_referrer(contact):
    if contact.referrer_id:
        Notification.objects.create(
            user_id=contact.referrer_id,
            contact=contact,
            kind=Notification.Kind.OUTCOME,
            message=f"{contact.reference}: {contact.get_outcome_display()}",
        )
    elif not contact.reporter_anonymous and contact.reporter_email:
        from django.conf import settings

        body = PUBLIC_OUTCOME_EMAIL.format(reference=contact.reference, area=settings.SAFEHUB_AREA_NAME)
        email = contact.reporter_email
        # Sent by the background worker, only if this decision commits (ADR 20).
        subject = f"Your report {contact.reference} has been looked at"
        queue_email(f"outcome:{contact.pk}", email, subject, body)


def close_contact(user, contact, *, request=None):
    require(user, "screen", contact)
    with transaction.atomic():
        contact = _locked(contact)
        if contact.decided_at is None:
            raise ValidationError("A report cannot be closed without a decision.")
        contact.closed_at = timezone.now()
        contact.status = Contact.Status.CLOSED
        contact.save(update_fields=["closed_at", "status"])
        record("contact_closed", user=user, obj=contact, request=request)
    return contact


def escalate_overdue(now=None):
    """Mark every undecided contact past its deadline as escalated and tell its agency's team managers.

    Run by the background worker every minute (`safehub.schedule`) and by `safehub escalate`. Idempotent.
    """
    now = now or timezone.now()
    escalated = 0
    overdue = Contact.objects.filter(decided_at__isnull=True, escalated_at__isnull=True, decision_due_at__lt=now)
    for contact_id in overdue.values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            contact = Contact.objects.select_for_update().get(pk=contact_id)
            if contact.escalated_at is not None or contact.decided_at is not None:
                continue
            contact.escalated_at = now
            contact.save(update_fields=["escalated_at"])
            managers = User.objects.filter(role=Role.MANAGER, agency_id=contact.owning_agency_id, is_active=True)
            Notification.objects.bulk_create(
                [
                    Notification(
                        user=manager,
                        contact=contact,
                        kind=Notification.Kind.ESCALATION,
                        message=f"{contact.reference} has no decision and is overdue.",
                    )
                    for manager in managers
                ],
                ignore_conflicts=True,
            )
            record("contact_escalated", obj=contact, reason="decision overdue")
            escalated += 1
    return escalated


def mark_read(user, contact=None, *, case=None):
    """The user has seen what Safehub told them about this contact (or case)."""
    if (contact is None) == (case is None):
        raise ValueError("mark_read needs a contact or a case, not both or neither")
    about = {"contact": contact} if contact is not None else {"case": case}
    user.notifications.filter(**about, read_at__isnull=True).update(read_at=timezone.now())


def mark_addition_read(user, addition, *, request=None):
    """A screener has read information a reporter added to their report (it leaves the queue's new information)."""
    require(user, "screen", addition.contact)
    with transaction.atomic():
        from safehub.intake.models import ContactAddition

        addition = ContactAddition.objects.select_for_update().get(pk=addition.pk)
        if addition.reviewed_at is not None:
            raise ValidationError("That information was already marked as read.")
        addition.reviewed_at, addition.reviewed_by = timezone.now(), user
        addition.save(update_fields=["reviewed_at", "reviewed_by"])
        record("contact_addition_read", user=user, obj=addition.contact, reason=f"addition {addition.pk}",
               request=request)
    return addition


# --- Reports held as a possible flood from one address (ADR 21) ------------------------------------------

FLOOD_OUTCOME_REASON = "Part of a flood from one address, judged so by {user}: {reason}"


def _held_batch(user, batch):
    """The batch locked for this change, if the user may screen its agency's reports and it is still held."""
    from safehub.intake.models import FloodBatch

    if not has_role(user, "screener", "manager") or user.agency_id != batch.owning_agency_id:
        raise PermissionDenied("Only the front door's screeners and managers can act on held reports.")
    batch = FloodBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != FloodBatch.Status.HELD:
        raise ValidationError(f"This batch was already {batch.get_status_display().lower()}.")
    return batch


def release_flood_batch(user, batch, reason="", *, request=None):
    """A screener judges a held batch genuine (a school's or a library's shared connection): its reports join the
    queue like any other, on the deadlines they had from the start."""
    from safehub.intake.models import FloodBatch

    with transaction.atomic():
        batch = _held_batch(user, batch)
        batch.status, batch.decided_at, batch.decided_by = FloodBatch.Status.RELEASED, timezone.now(), user
        batch.decision_reason = (reason or "").strip()[:2000]
        batch.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
        record("flood_batch_released", user=user, obj=batch, reason=f"{batch.held_count} reports. {batch.decision_reason}"
               .strip(), request=request)
    return batch


def mark_flood_batch(user, batch, reason, *, request=None):
    """A screener judges a held batch a flood: each of its undecided reports the user may open is decided "no
    further action" with the reason (each audited), kept, and nobody is emailed. A report in it that needs
    action is opened from the batch before this, like any other."""
    from safehub.intake.models import FloodBatch

    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Say why this is a flood, such as the same text sent again and again.")
    with transaction.atomic():
        batch = _held_batch(user, batch)
        now = timezone.now()
        batch.status, batch.decided_at, batch.decided_by = FloodBatch.Status.FLOOD, now, user
        batch.decision_reason = reason[:2000]
        batch.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
        undecided = Contact.objects.visible_to(user).filter(flood_batch=batch, decided_at__isnull=True)
        decided_ids = list(undecided.values_list("pk", flat=True))
        Contact.objects.filter(pk__in=decided_ids).update(
            outcome=Contact.Outcome.NO_FURTHER_ACTION, decided_at=now, decided_by=user, status=Contact.Status.DECIDED,
            outcome_reason=FLOOD_OUTCOME_REASON.format(user=user.username, reason=batch.decision_reason))
        record("flood_batch_marked", user=user, obj=batch, reason=f"{len(decided_ids)} reports. {reason}",
               request=request)
        record_many("decision_recorded", user=user, object_type="contact", object_ids=decided_ids,
                    reason=Contact.Outcome.NO_FURTHER_ACTION, request=request)
    return batch
