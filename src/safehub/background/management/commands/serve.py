"""`safehub serve`: the web server, the background worker and the scheduler, started and stopped together."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

RESTART_DELAY = 1.0
STOP_WAIT = 30


def safehub(*args):
    return [sys.executable, "-m", "safehub.cli", *args]


def server_command(server, bind, workers):
    bin_dir = Path(sys.executable).parent
    if server == "runserver":
        return safehub("runserver", bind, "--noreload")
    if server == "granian":
        host, port = bind.rsplit(":", 1)
        return [str(bin_dir / "granian"), "--interface", "wsgi", "--host", host, "--port", port, "--workers",
                str(workers), "--blocking-threads", "1", "--log-level", "warning", "safehub.wsgi:application"]
    return [str(bin_dir / "gunicorn"), "-c", "python:safehub.gunicorn_conf", "--bind", bind, "--workers",
            str(workers), "safehub.wsgi:application"]


class Command(BaseCommand):
    help = ("Serve Safehub for real: migrate, gather static files (production mode), then run the web server "
            "(gunicorn by default), the background worker and the scheduler until Ctrl-C or SIGTERM.")

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("SAFEHUB_BIND", "127.0.0.1:8000"))
        parser.add_argument("--server", choices=["gunicorn", "granian", "runserver"], default="gunicorn")
        parser.add_argument("--workers", type=int, default=int(os.environ.get("SAFEHUB_WEB_WORKERS", "4")),
                            help="web server processes")
        parser.add_argument("--no-migrate", dest="migrate", action="store_false")
        parser.add_argument("--no-background", dest="background", action="store_false",
                            help="serve only: no worker, no scheduler (they run elsewhere)")

    def handle(self, *, bind, server, workers, migrate, background, **options):
        if migrate:
            call_command("migrate", interactive=False, verbosity=0)
        if settings.PRODUCTION:
            call_command("collectstatic", interactive=False, verbosity=0)
        commands = {"server": server_command(server, bind, workers)}
        if background:
            commands["worker"] = safehub("worker")
            commands["scheduler"] = safehub("scheduler")
        self.stdout.write(f"Serving Safehub on http://{bind} with {server}"
                          f"{', the background worker and the scheduler' if background else ''} (Ctrl-C to stop)")
        self.stdout.flush()
        sys.exit(Supervisor(commands).run())


class Supervisor:
    """Starts the processes, restarts the worker or scheduler if one dies, and stops all of them when told to
    or when the server exits."""

    def __init__(self, commands):
        self.commands = commands
        self.processes = {}
        self.stopping = False

    def start(self, name):
        self.processes[name] = subprocess.Popen(self.commands[name])

    def run(self):
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self.stop)
        for name in self.commands:
            self.start(name)
        try:
            while not self.stopping:
                time.sleep(0.5)
                for name, process in list(self.processes.items()):
                    if process.poll() is None or self.stopping:
                        continue
                    if name == "server":
                        return process.returncode
                    print(f"safehub serve: the {name} stopped ({process.returncode}); starting it again",
                          file=sys.stderr, flush=True)
                    time.sleep(RESTART_DELAY)
                    self.start(name)
            return 0
        finally:
            self.stop_all()

    def stop(self, signum, frame):
        self.stopping = True

    def stop_all(self):
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_WAIT
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
