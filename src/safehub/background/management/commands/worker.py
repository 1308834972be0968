import json
import logging

from django.core.management.base import BaseCommand

from safehub.background.worker import SafehubWorker


class Command(BaseCommand):
    help = ("Run the background worker: the tasks Safehub queues (e-mails, escalations, network upkeep, "
            "scheduled jobs). --batch runs what is waiting, then exits. --status prints the queue as JSON.")

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="run every task waiting, then exit")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between looks at an empty queue")
        parser.add_argument("--max-tasks", type=int, default=None, help="exit after this many tasks")
        parser.add_argument("--status", action="store_true", help="print the queue and the workers seen, as JSON")

    def handle(self, *, batch, interval, max_tasks, status, verbosity, **options):
        if status:
            return self.print_status()
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
