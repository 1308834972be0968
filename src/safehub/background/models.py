"""What the background worker and the scheduler keep: when each worker was last seen, when each scheduled job
was last enqueued, and the e-mails waiting to go out (an outbox, so an e-mail is queued in the transaction of
the change it tells of and sent once)."""

from django.db import models
from django.utils import timezone


class WorkerSeen(models.Model):
    """A background worker process, and when it last said it was alive (every few seconds while it runs)."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=200)
    pid = models.IntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)


class ScheduledRun(models.Model):
    """When the scheduler last enqueued a job of `safehub.schedule.SCHEDULE` (one row a job, locked while it
    decides, so two schedulers never enqueue the same run)."""

    job = models.CharField(max_length=100, primary_key=True)
    last_enqueued_at = models.DateTimeField()


class OutgoingEmail(models.Model):
    """An e-mail to send. `key` names what it is about (one outcome e-mail per report, one reminder per review
    date), so queueing it again is a no-op; `sent_at` is set when the mail server took it."""

    key = models.CharField(max_length=200, unique=True)
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    queued_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
