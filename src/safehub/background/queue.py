"""Enqueueing helpers and what the queue holds (for `/readyz`, `safehub worker --status` and monitoring)."""

from datetime import timedelta

from django.db.models import Count, Min
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max


def enqueue_once(task, *args, delay=None):
    """Enqueue `task` unless the same call is already waiting to run (work that only needs doing once, such as
    recomputing the networks after a burst of reports); `delay` (a timedelta) holds it back that long, so a
    burst coalesces into one run. Inside a transaction, it is enqueued with its change. Returns whether it was
    enqueued now, and when the waiting run is due (None if it may run at once)."""
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY, task_path=task.module_path)
    for args_kwargs, run_after in waiting.values_list("args_kwargs", "run_after")[:20]:
        if args_kwargs == {"args": list(args), "kwargs": {}}:
            return False, None if run_after == get_date_max() else run_after
    run_after = timezone.now() + delay if delay else None
    if run_after:
        task = task.using(run_after=run_after)
    task.enqueue(*args)
    return True, run_after


def queue_state(now=None):
    """How many tasks wait, how old the oldest is, how many run and how many failed in the last day; and how
    many public reports wait to be filed (ADR 35), with how long the oldest has waited."""
    from safehub.intake.models import Contact

    now = now or timezone.now()
    unfiled = Contact.objects.filter(filed_at__isnull=True).aggregate(count=Count("pk"), oldest=Min("received_at"))
    ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    oldest = ready.aggregate(oldest=Min("enqueued_at"))["oldest"]
    return {
        "waiting": ready.count(),
        "oldest_waiting_seconds": round((now - oldest).total_seconds(), 1) if oldest else 0,
        "running": DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count(),
        "failed_last_day": DBTaskResult.objects.filter(
            status=TaskResultStatus.FAILED, finished_at__gte=now - timedelta(days=1)).count(),
        "reports_waiting_to_be_filed": unfiled["count"],
        "oldest_report_waiting_seconds": round((now - unfiled["oldest"]).total_seconds(), 1) if unfiled["oldest"] else 0,
    }


KEEP_FINISHED = timedelta(days=7)
KEEP_FAILED = timedelta(days=30)


def prune_finished(now=None):
    """Delete task results finished more than KEEP_FINISHED ago (failed ones after KEEP_FAILED), and workers
    not seen for as long."""
    from safehub.background.models import WorkerSeen

    now = now or timezone.now()
    WorkerSeen.objects.filter(seen_at__lt=now - KEEP_FINISHED).delete()
    done = DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL, finished_at__lt=now - KEEP_FINISHED)
    failed = DBTaskResult.objects.filter(status=TaskResultStatus.FAILED, finished_at__lt=now - KEEP_FAILED)
    return done.delete()[0] + failed.delete()[0]
