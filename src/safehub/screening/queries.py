"""Read-only views of the screening queue, always through the access policy."""

from django.utils import timezone

from safehub import clock
from safehub.intake.models import Contact


def open_contacts(user):
    return Contact.objects.visible_to(user).filter(decided_at__isnull=True).order_by("decision_due_at", "pk")


def queue_counts(user, now=None):
    now = now or timezone.now()
    contacts = open_contacts(user)
    return {
        "awaiting": contacts.count(),
        "overdue": contacts.filter(decision_due_at__lt=now).count(),
        "due_today": contacts.filter(decision_due_at__gte=now, decision_due_at__lt=clock.end_of_today(now)).count(),
    }
