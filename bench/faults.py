"""Faults survived: public reports at a steady rate while PostgreSQL restarts, a server worker and the background
worker are killed. Prints JSON (also written to bench/results/faults.json); progress goes to stderr.

`make bench-faults` (or `.venv/bin/python bench/faults.py [--rate 6] [--seconds 90]`). About four minutes;
talks only to 127.0.0.1 and stops by itself.

What it does:
  1. Makes a throwaway PostgreSQL cluster of its own (scripts/with-postgres's, on a free port from 5430-5439,
     with fsync and synchronous commit back on, so a restart loses what a real server would), migrates it,
     adds the agencies, a team manager and OVERDUE reports left undecided for the escalation fault.
  2. Starts Safehub as in production: `safehub serve --no-background` (gunicorn, 4 workers, production mode,
     Redis database 1 for the rate limits and cache) and `safehub worker` beside it, restarted one second
     after it dies, as systemd's Restart= would (deploy/safehub-worker.service).
  3. Reporters behave like browsers: each report walks the public form page by page (GET /report/, the route,
     the concern, a child, the empty sections, "about you", check your answers) with one session cookie, and
     sends the final step with the submission key from the check page. After an error page or a dropped
     connection a reporter waits half a second and sends the same step again (a browser's reload or "resend"),
     so the final step is retried with the same submission key (ADR 4). New reports start at a steady rate.
  4. Faults, one after another: (a) PostgreSQL restarted (`pg_ctl restart -m fast`, as a service restart does);
     (b) a gunicorn worker SIGKILLed mid-load; (c) the background worker SIGKILLed in the middle of escalating
     the overdue reports, then restarted: the task must run to completion afterwards, each report escalated
     exactly once (one audit event each, one notification to the manager each).
  5. Counts rows afterwards: accepted (the reporter saw the "report sent" page with a reference), stored (rows
     with this run's marker), lost (accepted but not stored: must be 0), duplicates (one report stored twice:
     must be 0); the error pages and dropped connections reporters saw before a retry got through, by fault;
     and how long each fault cost: from its first failed request to the last retry that got through.
     `safehub audit verify` checks the audit chain at the end.
"""

import argparse
import importlib.machinery
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import psycopg

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
from public_submit import CSRF_INPUT, EMPTY_SECTIONS, KEY_INPUT, Client, children_of  # noqa: E402

RESULTS_FILE = BENCH_DIR / "results" / "faults.json"
HOST = "127.0.0.1"
WEB_PORT = 8160
PG_PORTS = range(5430, 5440)
REDIS_URL = os.environ.get("SAFEHUB_BENCH_REDIS", "redis://127.0.0.1:6379/1")
OVERDUE_REPORTS = 300
RETRY_PAUSE = 0.5
GIVE_UP_AFTER = 90  # seconds a reporter keeps trying one report
STALE_SECONDS = 10  # SAFEHUB_WORKER_STALE_SECONDS for this run: a killed worker's task is requeued after this
REFERENCE = re.compile(rb"SH-\d{4}-\d{6}")


def log(message):
    print(f"[faults {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def with_postgres():
    loader = importlib.machinery.SourceFileLoader("with_postgres", str(PROJECT_DIR / "scripts" / "with-postgres"))
    spec = importlib.util.spec_from_loader("with_postgres", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    module.free_port = free_pg_port  # this benchmark's clusters live on 5430-5439
    return module


def free_pg_port():
    for port in PG_PORTS:
        with socket.socket() as probe:
            if probe.connect_ex((HOST, port)) != 0:
                return port
    raise RuntimeError("ports 5430-5439 are all taken")


# --- the system under test -------------------------------------------------------------------------------

SETUP = """
import uuid, datetime as dt
import django
django.setup()
from django.core.management import call_command
from django.utils import timezone
call_command("migrate", interactive=False, verbosity=0)
from safehub.accounts.models import User
from safehub.demo.accounts import ensure_agencies
from safehub.intake.actions import submit_contact
agencies = ensure_agencies()
User.objects.create(username="bench-manager", role="manager", agency=agencies["COUNCIL"], email="m@example.invalid")
past = timezone.now() - dt.timedelta(days=6)
for n in range({count}):
    submit_contact({{"kind": "public", "concern": f"Overdue benchmark report {{n}}"}}, submission_key=uuid.uuid4().hex,
                   received_at=past)
"""


def environment(database_url, var_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAFEHUB_", "DJANGO_"))}
    env.update({
        "PYTHONPATH": str(PROJECT_DIR / "src"), "DJANGO_SETTINGS_MODULE": "safehub.settings",
        "SAFEHUB_DATABASE_URL": database_url, "SAFEHUB_REDIS_URL": REDIS_URL,
        "SAFEHUB_PRODUCTION": "1", "SAFEHUB_SSL_REDIRECT": "0",  # TLS ends at the reverse proxy, not here
        "SAFEHUB_SECRET_KEY": "faults-bench-" + "k" * 50, "SAFEHUB_ALLOWED_HOSTS": HOST,
        "SAFEHUB_VAR_DIR": str(var_dir), "SAFEHUB_WORKER_STALE_SECONDS": str(STALE_SECONDS),
        # one address sends every report here: the flood limits are another benchmark's subject
        "SAFEHUB_PUBLIC_SUBMISSIONS_PER_WINDOW": "1000000", "SAFEHUB_PUBLIC_PAGES_PER_WINDOW": "1000000",
        "SAFEHUB_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    })
    return env


def safehub(*args):
    return [sys.executable, "-m", "safehub.cli", *args]


class Services:
    """The web server (safehub serve --no-background) and the background worker, restarted when it dies."""

    def __init__(self, env, var_dir):
        self.env, self.var_dir = env, var_dir
        self.server = self.worker = None
        self.stopping = threading.Event()
        self.worker_restarts = 0

    def start(self):
        self.server = subprocess.Popen(
            safehub("serve", "--no-background", "--no-migrate", "--bind", f"{HOST}:{WEB_PORT}", "--workers", "4"),
            env=self.env, stdout=open(self.var_dir / "server.log", "wb"), stderr=subprocess.STDOUT,
            start_new_session=True)
        self.start_worker()
        threading.Thread(target=self.keep_worker_running, daemon=True).start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if Client(WEB_PORT).request("GET", "/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError("Safehub did not become ready (see server.log)")

    def start_worker(self):
        self.worker = subprocess.Popen(safehub("worker", "-v", "2"), env=self.env,
                                       stdout=open(self.var_dir / "worker.log", "ab"), stderr=subprocess.STDOUT,
                                       start_new_session=True)

    def keep_worker_running(self):
        while not self.stopping.is_set():
            if self.worker.poll() is not None:
                time.sleep(1)
                self.worker_restarts += 1
                self.start_worker()
            time.sleep(0.1)

    def gunicorn_workers(self):
        masters = children_of(self.server.pid)
        return [pid for master in masters for pid in children_of(master)]

    def stop(self):
        self.stopping.set()
        for process in (self.server, self.worker):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in (self.server, self.worker):
            if process is not None:
                try:
                    process.wait(timeout=40)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)


# --- reporters -------------------------------------------------------------------------------------------

class Outcomes:
    """Every request a reporter made: when, which step, and whether it got through."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []  # (at, reporter, step, ok, what went wrong)
        self.accepted = {}  # marker -> reference shown to the reporter
        self.given_up = []

    def note(self, reporter, step, ok, problem=""):
        with self.lock:
            self.requests.append((time.monotonic(), reporter, step, ok, f"{problem} ({step})" if problem else ""))


class Reporter:
    """One member of the public sending one report, retrying each page as a browser user would."""

    def __init__(self, number, run, outcomes):
        self.marker = f"Fault benchmark {run} report {number}"
        self.outcomes = outcomes
        self.client = Client(WEB_PORT)
        self.jar = {}
        self.token = ""
        self.started = time.monotonic()

    def send(self, step, method, path, form=None, expect=(302,), location=""):
        """Send one page until it answers as expected; returns the body. Raises TimeoutError on giving up."""
        while time.monotonic() - self.started < GIVE_UP_AFTER:
            fields = None if form is None else {"csrfmiddlewaretoken": self.token, **form}
            try:
                status, where, body = self.client.request(method, path, self.jar, fields)
            except (OSError, Exception) as error:  # noqa: BLE001 - a dropped connection is what we measure
                self.outcomes.note(self.marker, step, False, f"connection: {type(error).__name__}")
                time.sleep(RETRY_PAUSE)
                continue
            if status in expect and where.endswith(location):
                self.outcomes.note(self.marker, step, True)
                return body
            self.outcomes.note(self.marker, step, False, f"{status}{' ' + where if where else ''}")
            time.sleep(RETRY_PAUSE)
        raise TimeoutError(step)

    def run(self):
        try:
            page = self.send("start page", "GET", "/report/", expect=(200,))
            self.token = CSRF_INPUT.search(page).group(1).decode()
            self.send("route", "POST", "/report/", {"route": "public"}, location="/report/concern/")
            self.send("concern", "POST", "/report/concern/", {
                "concern": f"{self.marker}: a 14 year old is picked up from school by older men in a car.",
                "when_happened": "Most weekday afternoons"}, location="/report/children/")
            self.send("children", "POST", "/report/children/", {
                "0-name": "Sam", "0-description": "Red school coat", "0-age": "about 14", "count": "1",
                "action": "continue"}, location="/report/people/")
            for here, after in zip(EMPTY_SECTIONS, [*EMPTY_SECTIONS[1:], "you"]):
                self.send(here, "POST", f"/report/{here}/", {"count": "1", "action": "continue"},
                          location=f"/report/{after}/")
            self.send("about you", "POST", "/report/you/", {"anonymous": "no"}, location="/report/check/")
            page = self.send("check page", "GET", "/report/check/", expect=(200,))
            key = KEY_INPUT.search(page).group(1).decode()
            self.send("send", "POST", "/report/check/", {"submission_key": key}, location="/report/done/")
            done = self.send("report sent page", "GET", "/report/done/", expect=(200,))
            reference = REFERENCE.search(done).group(0).decode()
            with self.outcomes.lock:
                self.outcomes.accepted[self.marker] = reference
        except TimeoutError as step:
            with self.outcomes.lock:
                self.outcomes.given_up.append((self.marker, str(step)))
        finally:
            self.client.close()


def reporters(rate, seconds, run, outcomes, stop):
    """Start one reporter every 1/rate seconds for `seconds`; returns the threads."""
    threads = []
    start = time.monotonic()
    for number in range(int(rate * seconds)):
        delay = start + number / rate - time.monotonic()
        if delay > 0 and stop.wait(delay):
            break
        thread = threading.Thread(target=Reporter(number, run, outcomes).run, daemon=True)
        thread.start()
        threads.append(thread)
    return threads


# --- faults ----------------------------------------------------------------------------------------------

def restart_postgres(cluster):
    log("fault (a): restarting PostgreSQL")
    started = time.monotonic()
    done = cluster.run("pg_ctl", "restart", "-D", str(cluster.data), "-m", "fast", "-w", "-t", "60", "-s",
                       "-l", str(cluster.folder / "server.log"), "-o", f"-p {cluster.port}")
    return {"pg_ctl_restart_ok": done.returncode == 0, "restart_took_seconds": round(time.monotonic() - started, 2)}


def kill_a_server_worker(services):
    workers = services.gunicorn_workers()
    log(f"fault (b): SIGKILL gunicorn worker {workers[0]} of {workers}")
    os.kill(workers[0], signal.SIGKILL)
    return {"killed_pid": workers[0]}


def kill_the_background_worker_mid_task(services, database_url):
    """Enqueue the escalation of the overdue reports, SIGKILL the worker while it runs, wait for it to finish."""
    code = ("import django; django.setup()\nfrom safehub.screening.tasks import escalate_overdue_reports\n"
            "print(escalate_overdue_reports.enqueue().id)")
    task_id = subprocess.run([sys.executable, "-c", code], env=services.env, capture_output=True, text=True,
                             check=True).stdout.strip()
    with psycopg.connect(database_url, autocommit=True) as conn:
        status = lambda: conn.execute("SELECT status FROM django_tasks_database_dbtaskresult WHERE id = %s",
                                      [task_id]).fetchone()[0]
        escalated = lambda: conn.execute("SELECT count(*) FROM intake_contact WHERE escalated_at IS NOT NULL"
                                         ).fetchone()[0]
        deadline = time.monotonic() + 60
        while status() != "RUNNING" or escalated() < OVERDUE_REPORTS // 10:
            if time.monotonic() > deadline or status() in ("SUCCESSFUL", "FAILED"):
                return {"error": f"the task was {status()} before it could be killed mid-way"}
            time.sleep(0.02)
        pid = services.worker.pid
        os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        before = escalated()
        log(f"fault (c): SIGKILL the background worker {pid} with {before} of {OVERDUE_REPORTS} reports escalated")
        while status() not in ("SUCCESSFUL", "FAILED") and time.monotonic() - killed_at < 120:
            time.sleep(0.2)
        return {"escalated_when_killed": before, "task_status_after": status(),
                "seconds_from_kill_to_task_done": round(time.monotonic() - killed_at, 1),
                "worker_restarts": services.worker_restarts}


# --- counting --------------------------------------------------------------------------------------------

def fault_costs(outcomes, fault_times, end):
    """Per fault: the errors reporters saw between it and the next fault, and how long it cost: from the first
    failed request to the moment the last reporter who met a failure got the same page through."""
    costs = {}
    marks = [*fault_times.items(), ("end", end)]
    requests = sorted(outcomes.requests)
    for (name, start), (_, stop) in zip(marks, marks[1:]):
        failures = [r for r in requests if start <= r[0] < stop and not r[3]]
        recovered = []
        for at, reporter, step, _, _ in failures:
            later = (r[0] for r in requests if r[0] > at and r[1] == reporter and r[2] == step and r[3])
            recovered.append(next(later, None))
        cost = None
        if failures:
            done = [at for at in recovered if at is not None]
            cost = round(max(done) - failures[0][0], 2) if len(done) == len(recovered) else "not recovered"
        costs[name] = {"errors_shown": len(failures),
                       "what_reporters_saw": dict(Counter(r[4] for r in failures).most_common()),
                       "seconds_first_failure_to_recovery": cost}
    return costs


def database_counts(database_url, run, accepted):
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT concern, reference FROM intake_contact WHERE concern LIKE %s",
                            [f"Fault benchmark {run} report %"]).fetchall()
        escalations = conn.execute(
            "SELECT count(*), count(DISTINCT object_id) FROM audit_auditevent WHERE action = 'contact_escalated'"
        ).fetchone()
        notifications = conn.execute("SELECT count(*) FROM screening_notification WHERE kind = 'escalation'"
                                     ).fetchone()[0]
        unescalated = conn.execute("SELECT count(*) FROM intake_contact WHERE concern LIKE 'Overdue benchmark%%' "
                                   "AND escalated_at IS NULL").fetchone()[0]
    markers = Counter(concern.split(":")[0] for concern, _ in rows)
    stored_references = {reference for _, reference in rows}
    return {
        "stored": len(markers),
        "lost": sum(1 for marker, reference in accepted.items() if reference not in stored_references
                    or markers.get(marker, 0) == 0),
        "duplicates": sum(count - 1 for count in markers.values() if count > 1),
        "escalation": {"overdue_reports": OVERDUE_REPORTS, "escalated_audit_events": escalations[0],
                       "reports_escalated": escalations[1], "manager_notifications": notifications,
                       "left_unescalated": unescalated},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=6.0, help="new reports a second")
    parser.add_argument("--seconds", type=int, default=90, help="how long new reports keep coming")
    args = parser.parse_args()
    wp = with_postgres()
    var_dir = PROJECT_DIR / "var" / "bench-faults"
    var_dir.mkdir(parents=True, exist_ok=True)
    cluster = wp.Cluster(wp.find_bindir(), var_dir, "postgres", "safehub_faults")
    services = None
    run = time.strftime("%H%M%S")
    try:
        cluster.start()
        admin = f"postgres://postgres@{HOST}:{cluster.port}/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:  # durable again: a restart must lose nothing
            for setting in ("fsync", "synchronous_commit", "full_page_writes"):
                conn.execute(f"ALTER SYSTEM SET {setting} = on")
            conn.execute("SELECT pg_reload_conf()")
        database_url = f"postgres://postgres@{HOST}:{cluster.port}/safehub_faults"
        env = environment(database_url, var_dir)
        log(f"PostgreSQL on port {cluster.port}; migrating and adding {OVERDUE_REPORTS} overdue reports")
        subprocess.run([sys.executable, "-c", SETUP.format(count=OVERDUE_REPORTS)], env=env, check=True)
        subprocess.run(safehub("collectstatic", "--noinput", "-v0"), env=env, check=True)
        services = Services(env, var_dir)
        services.start()
        log(f"serving; reporters start at {args.rate}/s for {args.seconds} s")
        outcomes, stop = Outcomes(), threading.Event()
        threads = []
        feeder = threading.Thread(target=lambda: threads.extend(reporters(args.rate, args.seconds, run, outcomes, stop)))
        started = time.monotonic()
        feeder.start()
        fault_times, details = {}, {}
        plan = [("a_postgres_restarted", 0.2, lambda: restart_postgres(cluster)),
                ("b_server_worker_killed", 0.45, lambda: kill_a_server_worker(services)),
                ("c_background_worker_killed", 0.65,
                 lambda: kill_the_background_worker_mid_task(services, database_url))]
        for name, at, inject in plan:
            time.sleep(max(0.0, started + at * args.seconds - time.monotonic()))
            fault_times[name] = time.monotonic()
            details[name] = inject()
        feeder.join()
        for thread in threads:
            thread.join(timeout=GIVE_UP_AFTER + 30)
        end = time.monotonic()
        verify = subprocess.run(safehub("audit", "verify"), env=env, capture_output=True, text=True)
        counts = database_counts(database_url, run, outcomes.accepted)
        costs = fault_costs(outcomes, fault_times, end)
        result = {
            "reports_started": len(threads), "rate_per_second": args.rate, "seconds": args.seconds,
            "accepted": len(outcomes.accepted), "stored": counts["stored"], "lost": counts["lost"],
            "duplicates": counts["duplicates"], "reporters_who_gave_up": len(outcomes.given_up),
            "requests": len(outcomes.requests),
            "errors_shown_before_a_retry_got_through": sum(1 for r in outcomes.requests if not r[3]),
            "faults": {name: {**details[name], **costs[name]} for name in fault_times},
            "background_escalation_after_kill": counts["escalation"],
            "audit_verify": (verify.stdout + verify.stderr).strip().splitlines()[-1:],
            "server": "gunicorn gthread, 4 workers x 1 thread, production mode, Redis cache",
            "machine_note": "2 cores shared with other work; figures vary with load",
        }
        RESULTS_FILE.parent.mkdir(exist_ok=True)
        RESULTS_FILE.write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps(result, indent=2))
    finally:
        if services is not None:
            services.stop()
        cluster.stop_and_remove()


if __name__ == "__main__":
    main()
