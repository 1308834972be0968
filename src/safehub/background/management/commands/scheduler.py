import signal
import threading

from django.core.management.base import BaseCommand

from safehub.background.scheduler import enqueue_due, run_forever


class Command(BaseCommand):
    help = "Enqueue the scheduled jobs of safehub/schedule.py for the worker when each one's interval has passed."

    def add_arguments(self, parser):
        parser.add_argument("--tick", type=float, default=10.0, help="seconds between looks at the schedule")
        parser.add_argument("--once", action="store_true", help="enqueue what is due now, then exit")

    def handle(self, *, tick, once, **options):
        from safehub.schedule import SCHEDULE

        if once:
            for name in enqueue_due(SCHEDULE):
                self.stdout.write(f"Enqueued {name}")
            return
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write(f"Safehub scheduler running: {len(SCHEDULE)} jobs (Ctrl-C to stop)")
        run_forever(SCHEDULE, tick, stop)
