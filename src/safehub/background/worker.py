"""The background worker: django-tasks-db's worker, plus what running it for real needs.

- It says it is alive every few seconds (`WorkerSeen`), which `/readyz` and `safehub worker --status` read.
- A task left "running" by a worker that stopped being seen (killed, its machine lost) is put back in the
  queue, so it runs to completion on another worker. Every Safehub task is safe to run again (ADR 20).
- When the database goes away (restarted, failed over) the worker waits and carries on instead of exiting,
  and the task it was running when the connection broke is queued again.
- It files the reports the public form accepted as one row each (ADR 35), every half second.
"""

import logging
import os
import socket
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from safehub.background.models import WorkerSeen

logger = logging.getLogger(__name__)

BEAT_SECONDS = 5
FILE_SECONDS = 0.5
RECONNECT_SECONDS = 1


def stale_before(now=None):
    return (now or timezone.now()) - timedelta(seconds=settings.SAFEHUB_WORKER_STALE_SECONDS)


def say_alive(worker_id):
    WorkerSeen.objects.update_or_create(worker_id=worker_id, defaults={
        "host": socket.gethostname()[:200], "pid": os.getpid(), "seen_at": timezone.now()})


def requeue(task_ids):
    """Put tasks claimed by a worker that no longer runs them back in the queue; returns how many."""
    return DBTaskResult.objects.filter(pk__in=list(task_ids), status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.READY, started_at=None)


def requeue_abandoned(now=None):
    """Tasks left running by workers not seen for SAFEHUB_WORKER_STALE_SECONDS go back in the queue."""
    alive = set(WorkerSeen.objects.filter(seen_at__gte=stale_before(now)).values_list("worker_id", flat=True))
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).values_list("pk", "worker_ids")
    abandoned = [pk for pk, worker_ids in running if not worker_ids or worker_ids[-1] not in alive]
    count = requeue(abandoned) if abandoned else 0
    if count:
        logger.warning("Queued again %d task(s) abandoned by a worker that stopped", count)
    return count


def requeue_own(worker_id):
    """After losing the database mid-task: this worker runs nothing now, so what it had claimed goes back."""
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).values_list("pk", "worker_ids")
    return requeue(pk for pk, worker_ids in running if worker_ids and worker_ids[-1] == worker_id)


class Heartbeat(threading.Thread):
    """Says the worker is alive, and requeues abandoned tasks, every BEAT_SECONDS, on its own connection."""

    def __init__(self, worker_id):
        super().__init__(daemon=True, name="safehub-heartbeat")
        self.worker_id = worker_id
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            try:
                say_alive(self.worker_id)
                requeue_abandoned()
            except DatabaseError as error:
                logger.warning("Heartbeat could not reach the database: %s", error)
            finally:
                connection.close()
            self.stopping.wait(BEAT_SECONDS)


class Filer(threading.Thread):
    """Files the reports the public form accepted (ADR 35) every FILE_SECONDS, on its own connection, beside the
    worker's tasks: a report's details and links are in place within about a second of it arriving."""

    def __init__(self):
        super().__init__(daemon=True, name="safehub-filer")
        self.stopping = threading.Event()

    def run(self):
        from safehub.intake.actions import file_waiting_reports

        while not self.stopping.is_set():
            try:
                while file_waiting_reports() and not self.stopping.is_set():
                    pass
            except DatabaseError as error:
                logger.warning("Filer could not reach the database: %s", error)
                connection.close()
            self.stopping.wait(FILE_SECONDS)
        connection.close()


class SafehubWorker(Worker):
    def __init__(self, *, batch=False, interval=1.0, max_tasks=None, worker_id=None):
        super().__init__(queue_names=["*"], interval=interval, batch=batch, backend_name=DEFAULT_TASK_BACKEND_ALIAS,
                         startup_delay=not batch, max_tasks=max_tasks, worker_id=worker_id or get_random_string(32),
                         excluded_queue_names=[])

    def run_until_stopped(self):
        """Run tasks until told to stop (or, in batch mode, until none is waiting), riding out database outages."""
        heartbeat = filer = None
        if not self.batch:
            heartbeat, filer = Heartbeat(self.worker_id), Filer()
            heartbeat.start()
            filer.start()
        else:
            from safehub.intake.actions import file_waiting_reports

            with transaction.atomic():
                say_alive(self.worker_id)
                requeue_abandoned()
            while file_waiting_reports():
                pass
        try:
            while self.running:
                try:
                    return self.run()
                except DatabaseError as error:
                    if self.batch or connection.in_atomic_block:
                        raise  # a one-off run (or one inside a transaction) reports the error instead of waiting
                    logger.warning("Worker lost the database (%s); trying again in %s s", error, RECONNECT_SECONDS)
                    self.running_task = False
                    self._wait_for_database()
        finally:
            for thread in (heartbeat, filer):
                if thread is not None:
                    thread.stopping.set()

    def _wait_for_database(self):
        while self.running:
            time.sleep(RECONNECT_SECONDS)
            try:
                connection.close()
                close_old_connections()
                requeue_own(self.worker_id)
                return
            except DatabaseError:
                continue
