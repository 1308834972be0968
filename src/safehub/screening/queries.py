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


def held_batches(user):
    """Batches of reports held as a possible flood from one address, for the front door's screeners: each with its
    undecided reports the user may open, how many are overdue and the soonest deadline (one query)."""
    from django.db.models import Min

    from safehub.intake.models import FloodBatch

    if user.agency_id is None:
        return FloodBatch.objects.none()
    now = timezone.now()
    waiting = Q(contacts__decided_at__isnull=True, contacts__in=Contact.objects.visible_to(user))
    return (FloodBatch.objects.filter(status=FloodBatch.Status.HELD, owning_agency_id=user.agency_id)
            .annotate(waiting=Count("contacts", filter=waiting),
                      overdue=Count("contacts", filter=waiting & Q(contacts__decision_due_at__lt=now)),
                      soonest_due=Min("contacts__decision_due_at", filter=waiting))
            .order_by("soonest_due", "pk"))


def not_held(contacts):
    """Contacts outside any batch still held: the queue lists these one by one and held batches as one row each."""
    from safehub.intake.models import FloodBatch

    return contacts.exclude(flood_batch__status=FloodBatch.Status.HELD)


def batch_groups(user, batch, shown=50):
    """The batch's reports the user may open, grouped by their text read loosely (case and spacing ignored), the
    largest group first: near-identical reports sent again and again show as one group. Returns (groups, count)
    where each group is {"text", "contacts"} and at most `shown` groups are returned."""
    rows = (Contact.objects.visible_to(user).filter(flood_batch=batch)
            .order_by("received_at", "pk").values("pk", "reference", "received_at", "decision_due_at", "decided_at",
                                                  "concern"))
    groups = {}
    for row in rows:
        key = " ".join(row["concern"].lower().split())[:300]
        groups.setdefault(key, {"text": row["concern"][:600], "contacts": []})["contacts"].append(row)
    ordered = sorted(groups.values(), key=lambda group: -len(group["contacts"]))
    return ordered[:shown], len(ordered)
