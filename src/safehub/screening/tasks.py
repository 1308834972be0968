"""The front door's background work: escalating overdue reports, and the managers' daily deadline summary."""

from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from safehub import clock
from safehub.accounts.models import Role, User
from safehub.screening import actions
from safehub.screening.queries import queue_counts

SUMMARY_FROM_HOUR = 7
SUMMARY = (
    "Good morning.\n\n"
    "Reports waiting for a screening decision that you may open, at {time}:\n"
    "- overdue: {overdue}\n"
    "- due by the end of today: {due_today}\n"
    "- waiting in all: {awaiting}\n\n"
    "Open the screening queue in Safehub to see them. This e-mail holds counts only, never a report."
)


@task()
def escalate_overdue_reports():
    """Scheduled: every undecided report past its deadline (from the clock) escalates to its team managers."""
    return actions.escalate_overdue()


@task()
def send_deadline_summaries(at=None):
    """Scheduled hourly: on a working day from SUMMARY_FROM_HOUR, each team manager with an e-mail address is
    sent the counts of reports overdue and due today that they may open; one a manager a day, however often it
    runs. `at` (ISO 8601) is the moment to act as of, for tests; default now."""
    from safehub.background.mail import queue_email

    now = datetime.fromisoformat(at) if at else timezone.now()
    day = clock.local(now).date()
    if not clock.is_working_day(day) or clock.local(now).hour < SUMMARY_FROM_HOUR:
        return 0
    sent = 0
    for manager in User.objects.filter(role=Role.MANAGER, is_active=True).exclude(email="").select_related("agency"):
        counts = queue_counts(manager, now)
        body = SUMMARY.format(time=clock.local(now).strftime("%H:%M on %A %-d %B %Y"), **counts)
        subject = f"{settings.SAFEHUB_AREA_NAME} front door: {counts['overdue']} overdue, {counts['due_today']} due today"
        sent += queue_email(f"deadline-summary:{day}:{manager.pk}", manager.email, subject, body) is not None
    return sent
