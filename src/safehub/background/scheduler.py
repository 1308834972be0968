"""The scheduler: enqueues each job of `safehub.schedule.SCHEDULE` when its interval has passed.

The last enqueue time of each job is a row (`ScheduledRun`) locked while deciding, so a restarted scheduler
carries on where it was and two schedulers never enqueue the same run. It only enqueues: the worker runs.
"""

import logging

from django.db import DatabaseError, close_old_connections, transaction
from django.utils import timezone

from safehub.background.models import ScheduledRun

logger = logging.getLogger(__name__)


def enqueue_due(schedule, now=None):
    """Enqueue every job whose interval has passed; returns the names enqueued."""
    now = now or timezone.now()
    enqueued = []
    for job in schedule:
        with transaction.atomic():
            run, _ = ScheduledRun.objects.select_for_update().get_or_create(
                job=job.name, defaults={"last_enqueued_at": now - job.every})
            if now - run.last_enqueued_at < job.every:
                continue
            job.task.enqueue()
            run.last_enqueued_at = now
            run.save(update_fields=["last_enqueued_at"])
            enqueued.append(job.name)
    return enqueued


def run_forever(schedule, tick_seconds, stop):
    """Enqueue due jobs every tick until the `stop` event is set."""
    while not stop.is_set():
        try:
            close_old_connections()
            for name in enqueue_due(schedule):
                logger.info("Enqueued %s", name)
        except DatabaseError as error:
            logger.warning("Scheduler could not reach the database: %s", error)
        stop.wait(tick_seconds)
