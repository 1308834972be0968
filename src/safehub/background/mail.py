"""Outgoing e-mail: queued in the transaction of the change it tells of, sent by the background worker.

A page request never waits on a mail server, an e-mail is never sent for a change that was rolled back, and a
mail server that is down delays the e-mail (`send_waiting_emails` tries again) instead of losing it.
"""

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from safehub.audit.trail import record
from safehub.background.models import OutgoingEmail

NO_EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
RETRY_AFTER = timedelta(minutes=5)


def queue_email(key, to, subject, body):
    """Queue one e-mail (call inside the change's transaction). `key` names what it is about: the same key
    queued again is ignored. Nothing is queued where e-mail goes nowhere (the demo loader)."""
    if settings.EMAIL_BACKEND == NO_EMAIL_BACKEND:
        return None
    try:
        with transaction.atomic():
            email = OutgoingEmail.objects.create(key=key, to=to, subject=subject, body=body)
    except IntegrityError:
        return None
    send_email.enqueue(email.pk)
    return email


@task()
def send_email(email_id):
    """Send one queued e-mail unless it went already. The row stays locked while the mail server is asked,
    so two workers never send it twice."""
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().filter(pk=email_id, sent_at__isnull=True).first()
        if email is None:
            return "already sent"
        send_mail(email.subject, email.body, None, [email.to])
        email.sent_at = timezone.now()
        email.save(update_fields=["sent_at"])
        record("email_sent", object_type="outgoingemail", object_id=str(email.pk), reason=email.key)
    return "sent"


@task()
def send_waiting_emails():
    """Scheduled: e-mails queued more than RETRY_AFTER ago and still not sent (the mail server was down, or
    the task failed) are tried again."""
    waiting = OutgoingEmail.objects.filter(sent_at__isnull=True, queued_at__lt=timezone.now() - RETRY_AFTER)
    sent = 0
    for email_id in waiting.values_list("pk", flat=True)[:500]:
        sent += send_email.call(email_id) == "sent"
    return sent
