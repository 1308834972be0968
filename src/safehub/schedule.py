"""Every scheduled job, with how often the scheduler (`safehub scheduler`) enqueues it for the worker.

To schedule more work, write a task (`@task()` from django_tasks, in your app's tasks.py, safe to run twice:
the worker runs a task again when the worker running it was killed) and add one line here.
"""

from dataclasses import dataclass
from datetime import timedelta

from safehub.access.tasks import remind_restriction_reviews
from safehub.audit.tasks import anchor_audit_shards
from safehub.background.mail import send_waiting_emails
from safehub.background.tasks import prune_task_results
from safehub.federation.tasks import refresh_federation_encodings
from safehub.linking.tasks import update_networks
from safehub.retention.tasks import run_retention_reviews
from safehub.screening.tasks import escalate_overdue_reports, send_deadline_summaries
from safehub.support.tasks import escalate_victims_code


@dataclass(frozen=True)
class Job:
    name: str
    task: object
    every: timedelta


SCHEDULE = [
    Job("escalate overdue reports", escalate_overdue_reports, timedelta(minutes=1)),
    Job("escalate Victims' Code notifications", escalate_victims_code, timedelta(minutes=5)),
    Job("send e-mails still waiting", send_waiting_emails, timedelta(minutes=5)),
    Job("bring the networks up to date", update_networks, timedelta(minutes=10)),
    Job("remind restriction reviews", remind_restriction_reviews, timedelta(hours=1)),
    Job("send managers' deadline summary", send_deadline_summaries, timedelta(hours=1)),
    Job("anchor the audit shards", anchor_audit_shards, timedelta(minutes=1)),
    Job("put new records on their retention schedule", run_retention_reviews, timedelta(days=1)),
    Job("re-make the encodings other areas ask", refresh_federation_encodings, timedelta(hours=1)),
    Job("prune finished task results", prune_task_results, timedelta(days=1)),
]
