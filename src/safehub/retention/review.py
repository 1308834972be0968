"""The scheduled review run: bring every record that has come under a schedule onto it, and count what is due.

`run_due_reviews(now)` is the job a scheduler runs (daily is plenty); `safehub retention review` runs it by hand.
"""

from django.db import transaction

from safehub import clock
from safehub.audit.trail import record
from safehub.retention.models import RetentionReview
from safehub.retention.schedules import KINDS, schedule_of

BATCH = 1000


def schedule_new_records():
    """Give every record under a schedule that has no review yet its group and first due date. Returns how many."""
    made = 0
    for kind, scheduled in KINDS.items():
        reviewed = RetentionReview.objects.filter(kind=kind).values("record_id")
        new = (scheduled.under_schedule(scheduled.model._base_manager.all()).exclude(pk__in=reviewed)
               .select_related("owning_agency").order_by("pk"))
        if kind == "contact":
            new = new.prefetch_related("children")
        batch = []
        for found in new.iterator(chunk_size=BATCH):
            group, recorded_on, due_on = schedule_of(kind, found)
            batch.append(RetentionReview(kind=kind, record_id=found.pk, reference=found.reference or str(found.pk),
                                         owning_agency_id=found.owning_agency_id, group=group,
                                         recorded_on=recorded_on, due_on=due_on))
            if len(batch) == BATCH:
                made += len(RetentionReview.objects.bulk_create(batch))
                batch = []
        made += len(RetentionReview.objects.bulk_create(batch))
    return made


def due_reviews(today):
    return RetentionReview.objects.filter(due_on__lte=today)


def run_due_reviews(now=None):
    """Schedule new records and count those due by group; one audit event per run. Returns a summary."""
    today = clock.local(now).date() if now else clock.today()
    with transaction.atomic():
        scheduled = schedule_new_records()
        due = {}
        for group in due_reviews(today).values_list("group", flat=True):
            due[group] = due.get(group, 0) + 1
        record("retention_reviews_run", object_type="retention", object_id=today.isoformat(),
               reason=f"{scheduled} newly scheduled; {sum(due.values())} due")
    return {"on": today.isoformat(), "newly_scheduled": scheduled, "due": sum(due.values()), "due_by_group": due}
