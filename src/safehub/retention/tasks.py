"""Retention's background work: putting new records on their schedule and counting those due (ADR 25)."""

from django_tasks import task

from safehub.retention.review import run_due_reviews


@task()
def run_retention_reviews():
    """Scheduled daily: new records get their first review date; the run's counts go to the audit trail."""
    return run_due_reviews()
