"""Background work run by the real worker: each scheduled task is enqueued through the real task backend
(django-tasks' database backend) and run by `safehub worker --batch`, then we look at what a user sees."""

import datetime as dt
import json
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from safehub.access.actions import restrict_record
from safehub.audit.models import AuditEvent
from safehub.background.models import OutgoingEmail, WorkerSeen
from safehub.background.scheduler import enqueue_due
from safehub.linking import networks
from safehub.linking.models import Network
from safehub.schedule import SCHEDULE
from safehub.screening import actions
from safehub.screening.models import Notification
from tests.conftest import sign_in_client
from tests.test_linking import report
from tests.test_screening import make_contact

# The worker commits as it goes and checks its connection between tasks, as in production: the tests let it
# (transactions committed, the tables emptied after each test).
pytestmark = pytest.mark.django_db(transaction=True)


def run_worker():
    call_command("worker", "--batch", verbosity=0)


def tasks_in(status):
    return DBTaskResult.objects.filter(status=status)


def test_overdue_reports_escalate_when_the_worker_runs_not_when_the_queue_is_opened(users, client_for):
    contact = make_contact(received_at=timezone.now() - dt.timedelta(days=5))
    client_for("screener").get("/screening/")
    assert contact.reference not in client_for("manager").get("/screening/escalations/").content.decode()
    from safehub.screening.tasks import escalate_overdue_reports

    escalate_overdue_reports.enqueue()
    escalate_overdue_reports.enqueue()
    run_worker()
    assert contact.reference in client_for("manager").get("/screening/escalations/").content.decode()
    assert Notification.objects.filter(contact=contact, kind="escalation").count() == 1
    assert AuditEvent.objects.filter(action="contact_escalated", object_id=str(contact.pk)).count() == 1
    assert tasks_in(TaskResultStatus.SUCCESSFUL).filter(task_path__endswith="escalate_overdue_reports").count() == 2


def test_the_outcome_email_goes_out_from_the_worker_once(users):
    contact = make_contact(reporter={"anonymous": False, "name": "A Neighbour", "email": "neighbour@example.invalid"})
    actions.record_decision(users["screener"], contact, "strategy", "Child known to police; strategy meeting")
    assert mail.outbox == []  # the decision never waits on a mail server
    run_worker()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["neighbour@example.invalid"] and contact.reference in message.body
    assert "strategy" not in message.body.lower()
    from safehub.background.mail import send_email

    send_email.enqueue(OutgoingEmail.objects.get().pk)  # sent again by mistake: still one e-mail
    run_worker()
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="email_sent").count() == 1


def test_no_email_is_queued_for_a_decision_that_is_rolled_back(users):
    contact = make_contact(reporter={"anonymous": False, "name": "A Neighbour", "email": "neighbour@example.invalid"})
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.record_decision(users["screener"], contact, "nfa", "Nothing to act on")
        raise RuntimeError("the decision's transaction fails after the e-mail was queued")
    run_worker()
    assert mail.outbox == [] and not OutgoingEmail.objects.exists()


def test_networks_are_fresh_before_anyone_opens_a_page(users, agencies):
    first = report(children=["Ava Pike"], people=[("", "Ghost")], phones=["07700 900301"])
    second = report(children=["Ben Orr"], people=[("", "Ghost")], phones=["07700 900301"])
    analyst = users["analyst"]
    fresh = Network.objects.filter(intelligence_seen=networks.seen_by(analyst), retired_at__isnull=True)
    assert not fresh.exists()  # filing the reports computed nothing
    upkeep = tasks_in(TaskResultStatus.READY).filter(task_path__endswith="update_networks")
    assert upkeep.count() == 1  # one for both reports, held back so that a burst is brought up to date once
    run_worker()
    assert not fresh.exists() and upkeep.count() == 1
    upkeep.update(run_after=timezone.now())  # its delay has passed
    run_worker()
    computed = list(fresh.values_list("pk", flat=True))
    assert len(computed) == 1
    assert set(Network.objects.get(pk=computed[0]).contact_ids) == {first.pk, second.pk}
    third = report(children=["Cal Dunn"], people=[("", "Ghost")], phones=["07700 900301"])
    page = sign_in_client(users["worker"]).get("/networks/").content.decode()
    assert f"/networks/{fresh.get().reference}/" in page and "being updated" in page  # as last computed
    assert third.pk not in Network.objects.get(pk=computed[0]).contact_ids
    upkeep.update(run_after=timezone.now())
    run_worker()
    assert list(fresh.values_list("pk", flat=True)) == computed  # the same network, grown by the worker
    assert set(Network.objects.get(pk=computed[0]).contact_ids) == {first.pk, second.pk, third.pk}
    page = sign_in_client(users["worker"]).get("/networks/").content.decode()
    assert f"/networks/{fresh.get().reference}/" in page and "being updated" not in page


def test_a_restriction_due_for_review_is_reminded_to_its_manager_once(users):
    manager = users["manager"]
    contact = make_contact()
    restriction = restrict_record(manager, contact, reason_kind="staff_conflict", reason="A relative works here",
                                  allowed_users=[])
    from safehub.access.tasks import remind_restriction_reviews

    remind_restriction_reviews.enqueue()
    run_worker()
    assert mail.outbox == []  # not due yet
    restriction.review_due = timezone.localdate() - timedelta(days=1)
    restriction.save(update_fields=["review_due"])
    remind_restriction_reviews.enqueue()
    remind_restriction_reviews.enqueue()
    run_worker()
    assert [m.to for m in mail.outbox] == [[manager.email]]
    assert "due for review" in mail.outbox[0].body and contact.reference not in mail.outbox[0].body
    assert AuditEvent.objects.filter(action="restriction_review_reminded", object_id=str(contact.pk)).count() == 1


def test_managers_get_a_daily_deadline_summary_on_working_days(users):
    make_contact(received_at=timezone.now() - dt.timedelta(days=5))
    from safehub.screening.tasks import send_deadline_summaries

    send_deadline_summaries.enqueue(at="2026-12-01T06:30:00+00:00")  # a Tuesday, before 07:00
    send_deadline_summaries.enqueue(at="2026-12-05T09:00:00+00:00")  # a Saturday
    run_worker()
    assert mail.outbox == []
    send_deadline_summaries.enqueue(at="2026-12-01T09:00:00+00:00")
    send_deadline_summaries.enqueue(at="2026-12-01T15:00:00+00:00")  # later the same day: no second one
    run_worker()
    assert [m.to for m in mail.outbox] == [[users["manager"].email]]
    assert "- overdue: 1" in mail.outbox[0].body and "SH-" not in mail.outbox[0].body


def test_a_task_left_running_by_a_killed_worker_runs_again_to_completion_once(users):
    contact = make_contact(received_at=timezone.now() - dt.timedelta(days=5))
    from safehub.screening.tasks import escalate_overdue_reports

    result = escalate_overdue_reports.enqueue()
    WorkerSeen.objects.create(worker_id="killed", host="vm", pid=1, seen_at=timezone.now() - timedelta(minutes=5))
    DBTaskResult.objects.get(pk=result.id).claim("killed")  # claimed, then the worker was SIGKILLed
    run_worker()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.SUCCESSFUL and row.worker_ids[0] == "killed" and len(row.worker_ids) == 2
    assert Notification.objects.filter(contact=contact, kind="escalation").count() == 1


def test_a_task_running_on_a_live_worker_is_left_alone(users):
    from safehub.screening.tasks import escalate_overdue_reports

    result = escalate_overdue_reports.enqueue()
    WorkerSeen.objects.create(worker_id="busy", host="vm", pid=1)
    DBTaskResult.objects.get(pk=result.id).claim("busy")
    run_worker()
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.RUNNING


def test_the_scheduler_enqueues_each_job_once_per_interval(users):
    now = timezone.now()
    assert enqueue_due(SCHEDULE, now) == [job.name for job in SCHEDULE]
    assert enqueue_due(SCHEDULE, now + timedelta(seconds=30)) == []
    every_minute = [job.name for job in SCHEDULE if job.every == timedelta(minutes=1)]
    assert "escalate overdue reports" in every_minute
    assert enqueue_due(SCHEDULE, now + timedelta(seconds=61)) == every_minute
    assert tasks_in(TaskResultStatus.READY).count() == len(SCHEDULE) + len(every_minute)
    run_worker()
    assert not tasks_in(TaskResultStatus.READY).exists() and not tasks_in(TaskResultStatus.FAILED).exists()
    done = set(tasks_in(TaskResultStatus.SUCCESSFUL).values_list("task_path", flat=True))
    assert {job.task.module_path for job in SCHEDULE} <= done


# --- Health and readiness -------------------------------------------------------------------------------


def test_healthz_answers_without_sign_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "alive"}


def test_readyz_is_not_ready_until_a_worker_has_been_seen(client, settings):
    events = AuditEvent.objects.count()
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready" and body["checks"]["database"] == "ok" and body["checks"]["migrations"] == "ok"
    assert "no background worker has ever run" in body["checks"]["worker"]
    run_worker()
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["status"] == "ready"
    assert response.json()["queue"]["waiting"] == 0
    WorkerSeen.objects.update(seen_at=timezone.now() - timedelta(seconds=settings.SAFEHUB_WORKER_STALE_SECONDS + 5))
    response = client.get("/readyz")
    assert response.status_code == 503 and "no background worker seen for" in response.json()["checks"]["worker"]
    text = json.dumps(response.json())
    assert settings.SECRET_KEY not in text and str(settings.DATABASES["default"]["NAME"]) not in text
    assert AuditEvent.objects.count() == events


def test_readyz_counts_the_tasks_waiting_and_the_oldest_ones_age(client):
    from safehub.screening.tasks import escalate_overdue_reports

    result = escalate_overdue_reports.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(enqueued_at=timezone.now() - timedelta(minutes=3))
    queue = client.get("/readyz").json()["queue"]
    assert queue["waiting"] == 1 and 179 < queue["oldest_waiting_seconds"] < 200


def test_finished_tasks_and_gone_workers_are_pruned_after_a_week(users):
    from safehub.background.tasks import prune_task_results
    from safehub.screening.tasks import escalate_overdue_reports

    old, recent = escalate_overdue_reports.enqueue(), escalate_overdue_reports.enqueue()
    run_worker()
    DBTaskResult.objects.filter(pk=old.id).update(finished_at=timezone.now() - timedelta(days=8))
    WorkerSeen.objects.create(worker_id="gone", host="vm", pid=1, seen_at=timezone.now() - timedelta(days=8))
    prune_task_results.enqueue()
    run_worker()
    assert not DBTaskResult.objects.filter(pk=old.id).exists() and DBTaskResult.objects.filter(pk=recent.id).exists()
    assert not WorkerSeen.objects.filter(worker_id="gone").exists() and WorkerSeen.objects.exists()


def test_retention_reviews_put_an_old_report_on_its_custodians_list_when_the_worker_runs(users):
    from safehub.retention.tasks import run_retention_reviews
    from tests.test_retention import old_report

    old = old_report(users, received=dt.datetime(1948, 6, 1, 10, tzinfo=dt.timezone.utc), phone="07700 900112")
    assert old.reference not in sign_in_client(users["manager"]).get("/retention/").content.decode()
    run_retention_reviews.enqueue()
    run_worker()
    assert old.reference in sign_in_client(users["manager"]).get("/retention/").content.decode()
    assert AuditEvent.objects.filter(action="retention_reviews_run").count() == 1


def test_the_audit_shards_are_anchored_by_the_worker_and_the_chain_verifies(users):
    from safehub.audit.models import AuditAnchor
    from safehub.audit.tasks import anchor_audit_shards
    from safehub.audit.trail import shard_heads, verify_whole_chain

    make_contact()
    anchor_audit_shards.enqueue()
    run_worker()
    latest = AuditAnchor.objects.order_by("-position").first()
    assert latest is not None and all(f"{shard}:{position}:{digest}" in latest.heads
                                      for shard, (position, digest) in shard_heads().items())
    assert verify_whole_chain()[1] is None


def test_the_worker_remakes_the_federation_encodings_under_the_current_key(users, settings):
    from safehub.federation.models import Encoding
    from safehub.federation.tasks import refresh_federation_encodings
    from tests.test_federation import BORN, person

    person(users, "Lee", "Brandon", BORN, details=[("phone", "07700 900461"), ("handle", "@lee.b")])
    settings.SAFEHUB_FEDERATION = {"key_id": "k2", "keys": {"k2": "two"}}
    refresh_federation_encodings.enqueue()
    run_worker()
    assert set(Encoding.objects.values_list("kind", flat=True)) == {"person", "phone", "handle"}
    assert set(Encoding.objects.values_list("key_id", flat=True)) == {"k2"}
