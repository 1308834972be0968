"""Read-only views of the screening queue, always through the access policy."""

from django.db.models import Count, Q
from django.utils import timezone

from safehub import clock
from safehub.intake.models import Contact


def open_contacts(user):
    return Contact.objects.visible_to(user).filter(decided_at__isnull=True).order_by("decision_due_at", "pk")


def queue_counts(user, now=None):
    """Awaiting, overdue and due-today counts of the contacts this user may open, in one query."""
    now = now or timezone.now()
    due_today = Q(decision_due_at__gte=now, decision_due_at__lt=clock.end_of_today(now))
    return open_contacts(user).order_by().aggregate(
        awaiting=Count("pk"),
        overdue=Count("pk", filter=Q(decision_due_at__lt=now)),
        due_today=Count("pk", filter=due_today),
    )


def new_information(user):
    """Information reporters added to reports this user may open, not yet read, soonest deadline first."""
    from safehub.intake.models import ContactAddition

    return (ContactAddition.objects.filter(reviewed_at__isnull=True, contact__in=Contact.objects.visible_to(user))
            .select_related("contact").order_by("review_due_at", "pk"))
