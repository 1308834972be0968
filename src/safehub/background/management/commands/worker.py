import json
import logging
import os
from pathlib import Path

from django.core.management.base import BaseCommand

from safehub.background.worker import SafehubWorker


def lower_priority(amount):
    """Lower this process's CPU priority. Linux's autogroup scheduling weighs a process's nice only against
    others in its session, so a worker that leads a session of its own (started with setsid, as the benchmark
    does) lowers its session's weight too. Under systemd, give the worker's unit a lower CPUWeight instead."""
    if amount <= 0:
        return
    os.nice(amount)
    if os.getsid(0) == os.getpid():
        try:
            Path("/proc/self/autogroup").write_text(str(amount))
        except OSError:
            pass  # no autogroup here (another kernel, or not allowed): nice alone applies


class Command(BaseCommand):
    help = ("Run the background worker: the tasks Safehub queues (e-mails, escalations, network upkeep, "
            "scheduled jobs). --batch runs what is waiting, then exits. --status prints the queue as JSON.")

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="run every task waiting, then exit")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between looks at an empty queue")
        parser.add_argument("--max-tasks", type=int, default=None, help="exit after this many tasks")
        parser.add_argument("--status", action="store_true", help="print the queue and the workers seen, as JSON")
        parser.add_argument("--nice", type=int, default=None,
                            help="lower this process's CPU priority by this much (default SAFEHUB_WORKER_NICE): "
                                 "under a surge the web server answers reporters first and the worker catches up")

    def handle(self, *, batch, interval, max_tasks, status, nice, verbosity, **options):
        if status:
            return self.print_status()
        from django.conf import settings

        lower_priority(settings.SAFEHUB_WORKER_NICE if nice is None else nice)
        logging.getLogger("safehub.background").setLevel(logging.INFO if verbosity else logging.WARNING)
        logging.getLogger("django_tasks_db").setLevel(logging.INFO if verbosity > 1 else logging.WARNING)
        worker = SafehubWorker(batch=batch, interval=interval, max_tasks=max_tasks)
        if not batch:
            worker.configure_signals()
            self.stdout.write(f"Safehub worker {worker.worker_id} running (Ctrl-C to stop)")
        worker.run_until_stopped()

    def print_status(self):
        from django.utils import timezone

        from safehub.background.models import WorkerSeen
        from safehub.background.queue import queue_state

        now = timezone.now()
        workers = [{"worker": w.worker_id, "host": w.host, "pid": w.pid,
                    "last_seen_seconds": round((now - w.seen_at).total_seconds(), 1)}
                   for w in WorkerSeen.objects.order_by("-seen_at")[:20]]
        self.stdout.write(json.dumps({"queue": queue_state(now), "workers": workers}, indent=2))
