"""Public report submissions over HTTP: gunicorn + PostgreSQL, against a bare-Django floor in the same run.

Run with `make bench` (or `.venv/bin/python bench/public_submit.py [--help]`). Prints one JSON object to
stdout and writes it to bench/results/public_submit.json; progress goes to stderr. Bounded in time (under
three and a half minutes) and talks only to 127.0.0.1.

What it does:
  1. Creates a fresh PostgreSQL database (`safehub_bench_p<pid>`, one per run, so that two runs at once do
     not drop each other's tables; --database NAME to choose), migrates it, loads the agencies and creates
     the floor table `bench_floor`.
  2. Starts gunicorn (gthread) on a free loopback port, and the background worker, with
     bench/floor_settings.py: Safehub's own settings and URLs plus /floor/, a csrf-exempt view behind the full
     middleware stack that INSERTs one row.
  3. Submit phase. Each virtual user (client processes x threads, one keep-alive connection each) first
     submits two warm-up reports, then prepares a pool of drafts through the real question pages, one
     session per draft (GET /report/, POST route, concern, one child, empty sections, anonymous, GET check
     for the submission key). None of that is timed. When every virtual user is ready they all start at
     once and POST /report/check/ for each prepared draft back to back: those POSTs are the timed requests,
     and one counts as accepted only when it answers 302 to /report/done/.
     The background worker (`safehub worker`, at its lower CPU priority as `safehub serve` runs it) runs
     throughout and files the accepted reports (ADR 35): its CPU is part of the measured machine. After the
     submissions the bench waits (up to 30 s) until every report is filed, and says how long that took.
  4. Floor phase: the same virtual users POST /floor/ for as long as the submit phase took; 201 counts.
  5. Counts stored rows (intake_contact, bench_floor) against accepted responses (lost must be 0), checks each
     audit shard has one unbroken run of positions, stops gunicorn and drops the database, also on error.

Server and PostgreSQL CPU time per timed request are read from /proc to show where the time goes, together
with the CPU used by anything else on the machine ("other": figures taken while other work runs are low).
During each timed phase a sampler reads pg_stat_activity/pg_locks every 20 ms: what the bench database's
backends are doing and what the holder of the audit chain's advisory lock is doing ("idle in transaction"
means PostgreSQL is waiting for the Python side to send the next statement).

gunicorn: gthread, 4 workers x 1 thread by default (--workers/--threads to change). Tried on the 2-core
machine: 2x2, 2x3, 2x4, 3x2, 3x3, 3x4, 4x2, 4x1, 5x1, 6x1. 4x1 and 2x2 came out best and level (means of
about 145 and 150 submissions/s; 4x1 91-190 over ten runs, 2x2 128-187 over three; 3x4 99-145, 3x2 118-147,
6x1 111-118). 4x1 is the default because no thread shares a GIL with another: one submission holds the
audit chain lock until its commit, and with several threads per worker the holder must win the GIL back
before each statement it still has to send (3x4: lock holder "idle in transaction" ~70% of the time, 1.2-2.5
requests queued behind it; 4x1: ~25%, under 0.1 queued). gthread rather than sync keeps HTTP keep-alive. This VM's speed drifts by +-30% between runs even when nothing else
runs (CPU per request moves with it), so absolute rates vary; ratio_of_floor, measured in the same minute,
is the steadier figure (0.18-0.26).

Options worth knowing: --drafts N per virtual user (default 150; 8 virtual users), --profile DIR records
py-spy stacks of the workers during the timed phases (`pip install py-spy` first), --switch-interval-ms
tries another sys.setswitchinterval in the workers, --no-floor skips the floor.
"""

import argparse
import http.client
import json
import multiprocessing as mp
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import psycopg

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
RESULTS_FILE = BENCH_DIR / "results" / "public_submit.json"
HOST = "127.0.0.1"
PG_SERVER = os.environ.get("SAFEHUB_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
CLK_TCK = os.sysconf("SC_CLK_TCK")
RUN_DB_PREFIX = "safehub_bench_p"
TOTAL_BUDGET_S = 200  # hard stop for the whole run, setup and teardown included
UNFILED_SQL = "SELECT count(*) FROM intake_contact WHERE filed_at IS NULL"  # reports the worker has yet to file
FILING_WAIT_S = 30  # how long to wait, after the submissions, for the worker to file the last of them
HTTP_TIMEOUT_S = 30

CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
KEY_INPUT = re.compile(rb'name="submission_key" value="([0-9a-f]+)"')
EMPTY_SECTIONS = ["people", "vehicles", "phones", "handles", "places"]


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- database ------------------------------------------------------------------------------------

def admin_connection():
    return psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=10)


def create_database(name):
    with admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_abandoned_databases():
    """Drop safehub_bench_p<pid> databases left by runs that were killed (their process no longer exists)."""
    with admin_connection() as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'safehub\\_bench\\_p%'").fetchall()
    names = [row[0] for row in rows]
    for name in names:
        match = re.fullmatch(rf"{RUN_DB_PREFIX}(\d+)", name)
        if match and not Path(f"/proc/{match.group(1)}").exists():
            log(f"dropping {name}, abandoned by an earlier run")
            drop_database(name)


def drop_database(name):
    try:
        with admin_connection() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception as error:  # noqa: BLE001 - teardown must not hide the result
        log(f"could not drop database {name}: {error}")


SETUP_CODE = """
import django
django.setup()
from django.core.management import call_command
from django.db import connection
call_command("migrate", interactive=False, verbosity=0)
from safehub.demo.accounts import ensure_agencies
ensure_agencies()
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE bench_floor (id bigserial PRIMARY KEY, body text, created_at timestamptz)")
"""


def db_counts(url):
    with psycopg.connect(url, connect_timeout=10) as conn:
        contacts = conn.execute("SELECT count(*) FROM intake_contact").fetchone()[0]
        children = conn.execute("SELECT count(*) FROM intake_contactchild").fetchone()[0]
        floor = conn.execute("SELECT count(*) FROM bench_floor").fetchone()[0]
        unfiled = conn.execute(UNFILED_SQL).fetchone()[0]
        events = conn.execute("SELECT count(*) FROM audit_auditevent WHERE action = 'contact_submitted'").fetchone()[0]
        contiguous = conn.execute(  # each audit shard's positions run 1..n (ADR 22)
            "SELECT coalesce(bool_and(n = high AND low = 1), true) FROM (SELECT count(*) AS n, min(position) AS low, "
            "max(position) AS high FROM audit_auditevent GROUP BY shard) shards"
        ).fetchone()[0]
    return {
        "contacts": contacts,
        "children": children,
        "floor": floor,
        "unfiled": unfiled,
        "audit_submitted": events,
        "audit_positions_contiguous": contiguous,
    }


def backend_pids(url, dbname):
    with psycopg.connect(url, connect_timeout=10) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [dbname]
        ).fetchall()
    return [row[0] for row in rows]


# --- CPU accounting from /proc ---------------------------------------------------------------------

def cpu_seconds(pid):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def children_of(pid):
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return []
    return [int(child) for child in text.split()]


class CpuMeter:
    """CPU seconds used by gunicorn's workers, by this database's PostgreSQL backends, by the load generator,
    and by the whole machine, so that load from anything else on the machine shows up as `other`."""

    def __init__(self, gunicorn_pid, db_url, dbname, worker_pid=None):
        self.gunicorn_pid = gunicorn_pid
        self.worker_pid = worker_pid
        self.db_url = db_url
        self.dbname = dbname

    def snapshot(self, client_pids=(), gone_backends=None):
        """`gone_backends`: last CPU readings of backends seen during the phase. Django replaces its connections
        after CONN_MAX_AGE, and a backend that has exited can no longer be read from /proc."""
        workers = {pid: cpu_seconds(pid) for pid in children_of(self.gunicorn_pid)}
        backends = {pid: cpu_seconds(pid) for pid in backend_pids(self.db_url, self.dbname)}
        backends = {**(gone_backends or {}), **{pid: cpu for pid, cpu in backends.items() if cpu}}
        clients = {pid: cpu_seconds(pid) for pid in [os.getpid(), *client_pids]}
        worker = cpu_seconds(self.worker_pid) if self.worker_pid else 0.0
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
        steal = values[7] / CLK_TCK if len(values) > 7 else 0.0  # taken by the hypervisor for other guests
        busy = (sum(values[:7])) / CLK_TCK - (values[3] + values[4]) / CLK_TCK  # user..softirq, less idle, iowait
        return {"workers": workers, "backends": backends, "clients": clients, "machine_busy": busy,
                "background_worker": worker, "steal": steal, "at": time.monotonic()}

    @staticmethod
    def delta(before, after, operations):
        def used(part):
            return {pid: after[part][pid] - before[part].get(pid, 0.0) for pid in after[part]}

        per_worker = used("workers")
        wall = max(after["at"] - before["at"], 1e-9)
        gunicorn, postgres, clients = sum(per_worker.values()), sum(used("backends").values()), sum(used("clients").values())
        machine = after["machine_busy"] - before["machine_busy"]
        worker = after["background_worker"] - before["background_worker"]
        ops = max(operations, 1)
        return {
            "gunicorn_cpu_ms_per_request": round(1000 * gunicorn / ops, 2),
            "postgres_cpu_ms_per_request": round(1000 * postgres / ops, 2),
            "background_worker_cpu_ms_per_request": round(1000 * worker / ops, 2),
            "cores_busy": {
                "gunicorn_workers": sorted((round(v / wall, 2) for v in per_worker.values()), reverse=True),
                "postgres_backends": round(postgres / wall, 2),
                "background_worker": round(worker / wall, 2),
                "load_generator": round(clients / wall, 2),
                "other": round(max(0.0, machine - gunicorn - postgres - clients - worker) / wall, 2),
                "machine": round(machine / wall, 2),
                "stolen_by_hypervisor": round((after["steal"] - before["steal"]) / wall, 2),
            },
        }


def machine_busy_cores(seconds=1.0):
    def busy():
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
        return (sum(values[:7]) - values[3] - values[4]) / CLK_TCK

    first = busy()
    time.sleep(seconds)
    return round((busy() - first) / seconds, 2)


class PgSampler(threading.Thread):
    """Samples pg_stat_activity and pg_locks every few milliseconds during a timed phase.

    Shows what the bench database's backends are doing: running, waiting for the disk (WAL flush), waiting
    for the application (idle in transaction: the Python side holds the transaction open) or waiting on a
    lock, and in particular what the holder of the audit chain's advisory lock is doing.
    """

    QUERY = """
        SELECT a.pid, a.state, a.wait_event_type, a.wait_event,
               coalesce(bool_or(l.locktype = 'advisory' AND l.granted), false),
               coalesce(bool_or(l.locktype = 'advisory' AND NOT l.granted), false)
        FROM pg_stat_activity a LEFT JOIN pg_locks l ON l.pid = a.pid
        WHERE a.datname = %s AND a.pid <> pg_backend_pid() AND a.backend_type = 'client backend'
        GROUP BY a.pid, a.state, a.wait_event_type, a.wait_event
    """

    def __init__(self, db_url, dbname, interval=0.02):
        super().__init__(daemon=True)
        self.db_url, self.dbname, self.interval = db_url, dbname, interval
        self.stopping = threading.Event()
        self.samples = 0
        self.states = {}
        self.holder = {}
        self.waiting_for_lock = 0
        self.backend_cpu = {}

    def run(self):
        try:
            with psycopg.connect(self.db_url, autocommit=True, connect_timeout=5) as conn:
                while not self.stopping.wait(self.interval):
                    rows = conn.execute(self.QUERY, [self.dbname]).fetchall()
                    self.samples += 1
                    held = False
                    for pid, state, wait_type, wait_event, holds, waits in rows:
                        self.backend_cpu[pid] = cpu_seconds(pid) or self.backend_cpu.get(pid, 0.0)
                        label = self.label(state, wait_type, wait_event)
                        self.states[label] = self.states.get(label, 0) + 1
                        if holds:
                            held = True
                            self.holder[label] = self.holder.get(label, 0) + 1
                        self.waiting_for_lock += waits
                    if not held:
                        self.holder["not held"] = self.holder.get("not held", 0) + 1
        except Exception as error:  # noqa: BLE001 - diagnostics only
            log(f"postgres sampling stopped: {error}")

    @staticmethod
    def label(state, wait_type, wait_event):
        if state == "active":
            return f"active, waiting {wait_type}:{wait_event}" if wait_type else "active, running"
        return state or "unknown"

    def stop(self):
        self.stopping.set()
        self.join(timeout=5)

    def summary(self):
        if not self.samples:
            return None
        n = self.samples
        share = lambda counts: {k: round(v / n, 3) for k, v in sorted(counts.items(), key=lambda kv: -kv[1])}
        return {
            "samples": n,
            "backends_by_state": share(self.states),
            "audit_lock_holder": share(self.holder),
            "backends_waiting_for_audit_lock": round(self.waiting_for_lock / n, 2),
        }


# --- gunicorn ------------------------------------------------------------------------------------

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(env, port, workers, threads, workdir, log_path, switch_interval_ms=None):
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "safehub.wsgi:application",
        "--config", str(workdir / "gunicorn.conf.py"),  # our own config: ignore any ./gunicorn.conf.py
        "--worker-class", "gthread",
        "--workers", str(workers),
        "--threads", str(threads),
        "--bind", f"{HOST}:{port}",
        "--pythonpath", str(BENCH_DIR),
        "--keep-alive", "75",
        "--timeout", "60",
        "--log-level", "error",
        "--env", "DJANGO_SETTINGS_MODULE=floor_settings",
    ]
    config = ""
    if switch_interval_ms:  # experiment: how long a thread that got its DB answer may wait for the GIL
        config = f"def post_fork(server, worker):\n    import sys\n    sys.setswitchinterval({switch_interval_ms / 1000!r})\n"
    (workdir / "gunicorn.conf.py").write_text(config)
    with open(log_path, "wb") as log_file:  # gunicorn keeps its own copy of the descriptor
        return subprocess.Popen(command, env=env, cwd=workdir, stdout=log_file, stderr=subprocess.STDOUT,
                                start_new_session=True)


def wait_until_serving(process, port, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {process.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/report/")
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within the time allowed")


def start_worker(env, workdir, log_path, nice=None):
    """`safehub worker` as `safehub serve` starts it (at its lower CPU priority, SAFEHUB_WORKER_NICE, or `nice`): it
    files the accepted reports while the submissions go on (ADR 35), so its CPU is part of the measured machine."""
    command = [str(Path(sys.executable).with_name("safehub")), "worker", "--verbosity", "0"]
    if nice is not None:
        command += ["--nice", str(nice)]
    with open(log_path, "wb") as log_file:
        return subprocess.Popen(command, env=env, cwd=workdir, stdout=log_file, stderr=subprocess.STDOUT,
                                start_new_session=True)


def unfiled_reports(url):
    with psycopg.connect(url, connect_timeout=10) as conn:
        return conn.execute(UNFILED_SQL).fetchone()[0]


def wait_until_filed(url, deadline):
    """Seconds until the worker had filed every accepted report (None if some still waited at the deadline)."""
    started = time.monotonic()
    while time.monotonic() < deadline:
        if unfiled_reports(url) == 0:
            return round(time.monotonic() - started, 2)
        time.sleep(0.2)
    return None


def stop_gunicorn(process):
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    except ProcessLookupError:
        pass


# --- HTTP client ---------------------------------------------------------------------------------

class Client:
    """One keep-alive connection; cookies are passed in per request so one connection can serve many sessions.

    The connection is replaced every `reconnect_every` requests (before the timer starts). gunicorn's workers
    keep a connection for its whole life, so a handful of long-lived connections can leave one worker with
    most of the load and another with none; new connections tend to be accepted by the least busy worker.
    """

    def __init__(self, port, reconnect_every=0):
        self.port = port
        self.conn = None
        self.reconnect_every = reconnect_every
        self.used = 0

    def fresh(self):
        """Reconnect if this connection has served its share of requests; connect now, outside any timing."""
        if self.reconnect_every and self.used >= self.reconnect_every:
            self.close()
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=HTTP_TIMEOUT_S)
            self.conn.connect()
            self.used = 0

    def request(self, method, path, jar=None, form=None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=HTTP_TIMEOUT_S)
        headers = {"User-Agent": "safehub-bench/1"}
        if jar:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in jar.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.used += 1
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if jar is not None:
            for cookie in response.msg.get_all("Set-Cookie") or []:
                pair, _, attributes = cookie.partition(";")
                name, _, value = pair.strip().partition("=")
                if value in ("", '""') or "max-age=0" in attributes.lower():
                    jar.pop(name, None)
                else:
                    jar[name] = value
        if response.will_close:
            self.close()
        return response.status, response.getheader("Location") or "", payload

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class PrepError(Exception):
    pass


def expect(result, status, location=None):
    got_status, got_location, _ = result
    if got_status != status or (location is not None and not got_location.endswith(location)):
        raise PrepError(f"expected {status} {location or ''}, got {got_status} {got_location}")
    return result


def prepare_draft(client, n):
    """Walk the public question pages up to 'check your answers'. Returns (cookies, csrf token, submission key)."""
    jar = {}
    client.fresh()
    _, _, page = expect(client.request("GET", "/report/", jar), 200)
    token = CSRF_INPUT.search(page).group(1).decode()
    post = lambda path, fields: client.request("POST", path, jar, {"csrfmiddlewaretoken": token, **fields})
    expect(post("/report/", {"route": "public"}), 302, "/report/concern/")
    expect(post("/report/concern/", {
        "concern": f"Benchmark report {n}: a 14 year old is often picked up from school by older men in a car.",
        "when_happened": "Most weekday afternoons since September",
    }), 302, "/report/children/")
    expect(post("/report/children/", {
        "0-name": "Sam", "0-description": "Wears a red school coat", "0-age": "about 14",
        "0-school": "Wrekinshire Academy", "0-where_seen": "Outside the school gates",
        "count": "1", "action": "continue",
    }), 302, "/report/people/")
    for here, after in zip(EMPTY_SECTIONS, [*EMPTY_SECTIONS[1:], "you"]):
        expect(post(f"/report/{here}/", {"count": "1", "action": "continue"}), 302, f"/report/{after}/")
    expect(post("/report/you/", {"anonymous": "no"}), 302, "/report/check/")  # "no": stay anonymous
    _, _, page = expect(client.request("GET", "/report/check/", jar), 200)
    key = KEY_INPUT.search(page)
    if key is None:
        raise PrepError("no submission_key on the check page")
    return jar, token, key.group(1).decode()


def submit_draft(client, draft):
    """The timed request. Returns (accepted, seconds, detail)."""
    jar, token, key = draft
    try:
        client.fresh()
    except OSError as error:
        return False, 0.0, f"connect: {type(error).__name__}"
    started = time.perf_counter()
    try:
        status, location, _ = client.request("POST", "/report/check/", jar,
                                             {"csrfmiddlewaretoken": token, "submission_key": key})
    except (OSError, http.client.HTTPException) as error:
        return False, time.perf_counter() - started, f"{type(error).__name__}"
    elapsed = time.perf_counter() - started
    accepted = status == 302 and location.endswith("/report/done/")
    return accepted, elapsed, "" if accepted else f"{status} {location}"


def post_floor(client, n):
    try:
        client.fresh()
    except OSError as error:
        return False, 0.0, f"connect: {type(error).__name__}"
    started = time.perf_counter()
    try:
        status, _, _ = client.request("POST", "/floor/", None, {"body": f"floor {n}"})
    except (OSError, http.client.HTTPException) as error:
        return False, time.perf_counter() - started, f"{type(error).__name__}"
    return status == 201, time.perf_counter() - started, "" if status == 201 else str(status)


# --- virtual users -------------------------------------------------------------------------------

def new_tally():
    return {"accepted": 0, "errors": 0, "warmup_accepted": 0, "prep_errors": 0, "prepared": 0,
            "not_submitted": 0, "latencies": [], "error_samples": [], "ended": 0.0}


def note(tally, accepted, elapsed, detail, timed):
    if accepted:
        if timed:
            tally["accepted"] += 1
            tally["latencies"].append(elapsed)
        else:
            tally["warmup_accepted"] += 1
    elif timed:
        tally["errors"] += 1
        if len(tally["error_samples"]) < 5:
            tally["error_samples"].append(detail)
    else:
        tally["prep_errors"] += 1


def submit_user(port, user_id, cfg, ready, go, start_at, tally):
    client = Client(port, cfg["reconnect_every"])
    serial = 0
    try:
        for _ in range(cfg["warmup"]):
            serial += 1
            try:
                note(tally, *submit_draft(client, prepare_draft(client, f"{user_id}-{serial}")), timed=False)
            except Exception:  # noqa: BLE001 - a failed preparation is counted, not fatal
                tally["prep_errors"] += 1
        pool = []
        while len(pool) < cfg["drafts"] and time.monotonic() < cfg["prep_deadline"]:
            serial += 1
            try:
                pool.append(prepare_draft(client, f"{user_id}-{serial}"))
            except Exception as error:  # noqa: BLE001
                tally["prep_errors"] += 1
                if len(tally["error_samples"]) < 5:
                    tally["error_samples"].append(f"prep: {error}")
        tally["prepared"] = len(pool)
    finally:
        ready.put(user_id)
    if not go.wait(timeout=cfg["go_timeout"]):
        return
    client.close()  # a new connection for the timed part: the old one may have idled out while others prepared
    time.sleep(max(0.0, start_at.value - time.monotonic()))
    for draft in pool:
        if time.monotonic() > cfg["submit_deadline"]:
            tally["not_submitted"] += 1
            continue
        note(tally, *submit_draft(client, draft), timed=True)
    tally["ended"] = time.monotonic()
    client.close()


def floor_user(port, user_id, cfg, ready, go, start_at, tally):
    client = Client(port, cfg["reconnect_every"])
    serial = 0
    try:
        warm_until = time.monotonic() + cfg["warmup_s"]
        while time.monotonic() < warm_until:
            serial += 1
            note(tally, *post_floor(client, f"{user_id}-{serial}"), timed=False)
    finally:
        ready.put(user_id)
    if not go.wait(timeout=cfg["go_timeout"]):
        return
    client.close()
    time.sleep(max(0.0, start_at.value - time.monotonic()))
    stop = start_at.value + cfg["duration"]
    while time.monotonic() < stop:
        serial += 1
        note(tally, *post_floor(client, f"{user_id}-{serial}"), timed=True)
    tally["ended"] = time.monotonic()
    client.close()


def client_process(kind, port, proc_id, threads, cfg, ready, go, start_at, results):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    target = submit_user if kind == "submit" else floor_user
    tallies = [new_tally() for _ in range(threads)]
    workers = [
        threading.Thread(target=target, args=(port, f"{proc_id}.{i}", cfg, ready, go, start_at, tallies[i]), daemon=True)
        for i in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=max(1.0, cfg["hard_deadline"] - time.monotonic()))
    merged = new_tally()
    for tally in tallies:
        for field in ("accepted", "errors", "warmup_accepted", "prep_errors", "prepared", "not_submitted"):
            merged[field] += tally[field]
        merged["latencies"].extend(tally["latencies"])
        merged["error_samples"].extend(tally["error_samples"][: 5 - len(merged["error_samples"])])
        merged["ended"] = max(merged["ended"], tally["ended"])
    merged["unfinished"] = sum(worker.is_alive() for worker in workers)
    results.put(merged)


def start_profilers(gunicorn_pid, directory, kind, idle):
    """py-spy on every gunicorn worker for the timed part of a phase (--profile); collapsed stacks."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    directory.mkdir(parents=True, exist_ok=True)
    profilers = []
    for pid in children_of(gunicorn_pid):
        command = [py_spy, "record", "--pid", str(pid), "--rate", "200", "--format", "raw",
                   "--output", str(directory / f"{kind}-{pid}.txt"), "--nonblocking"]
        if idle:
            command.append("--idle")
        profilers.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    time.sleep(0.5)  # py-spy needs a moment to attach
    return profilers


def stop_profilers(profilers):
    for profiler in profilers:
        profiler.send_signal(signal.SIGINT)
    for profiler in profilers:
        try:
            profiler.wait(timeout=20)
        except subprocess.TimeoutExpired:
            profiler.kill()


def run_phase(kind, port, processes, threads, cfg, meter, ready_timeout, profile=None):
    """Start the client processes, wait until every virtual user is ready, start them together, collect."""
    ctx = mp.get_context("fork")
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    start_at = ctx.Value("d", 0.0)
    procs = [ctx.Process(target=client_process,
                         args=(kind, port, p, threads, cfg, ready, go, start_at, results), daemon=True)
             for p in range(processes)]
    for proc in procs:
        proc.start()
    users = processes * threads
    deadline = time.monotonic() + ready_timeout
    for n in range(users):
        ready.get(timeout=max(0.1, deadline - time.monotonic()))
    time.sleep(0.3)  # let the last prepared session settle
    profilers = start_profilers(meter.gunicorn_pid, profile[0], kind, profile[1]) if profile else []
    client_pids = [proc.pid for proc in procs]
    sampler = PgSampler(meter.db_url, meter.dbname)
    start_at.value = time.monotonic() + 0.2
    go.set()
    time.sleep(max(0.0, start_at.value - time.monotonic()))
    before = meter.snapshot(client_pids)
    sampler.start()
    merged = []
    for _ in procs:
        merged.append(results.get(timeout=max(1.0, cfg["hard_deadline"] + 5 - time.monotonic())))
    sampler.stop()
    after = meter.snapshot(client_pids, gone_backends=sampler.backend_cpu)
    stop_profilers(profilers)
    for proc in procs:
        proc.join(timeout=5)
        if proc.is_alive():
            proc.terminate()
    total = new_tally()
    total["unfinished"] = 0
    for tally in merged:
        for field in ("accepted", "errors", "warmup_accepted", "prep_errors", "prepared", "not_submitted", "unfinished"):
            total[field] += tally[field]
        total["latencies"].extend(tally["latencies"])
        total["error_samples"].extend(tally["error_samples"])
        total["ended"] = max(total["ended"], tally["ended"])
    total["elapsed"] = max(total["ended"] - start_at.value, 1e-9)
    total["cpu"] = CpuMeter.delta(before, after, total["accepted"] + total["errors"])
    total["postgres_sampling"] = sampler.summary()
    return total


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summarise(tally, stored, warmup_stored_expected):
    accepted_total = tally["accepted"] + warmup_stored_expected
    ms = lambda seconds: None if seconds is None else round(1000 * seconds, 1)
    return {
        "accepted": tally["accepted"],
        "errors": tally["errors"],
        "warmup_accepted": warmup_stored_expected,
        "stored": stored,
        "lost": max(0, accepted_total - stored),
        "duplicates": max(0, stored - accepted_total),
        "elapsed_s": round(tally["elapsed"], 2),
        "per_second": round(tally["accepted"] / tally["elapsed"], 1),
        "p50_ms": ms(percentile(tally["latencies"], 0.50)),
        "p90_ms": ms(percentile(tally["latencies"], 0.90)),
        "p99_ms": ms(percentile(tally["latencies"], 0.99)),
        "max_ms": ms(max(tally["latencies"], default=None)),
        **tally["cpu"],
        "postgres_sampling": tally["postgres_sampling"],
        **({"error_samples": tally["error_samples"][:5]} if tally["error_samples"] else {}),
    }


# --- main ----------------------------------------------------------------------------------------

def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", "4")),
                        help="gunicorn workers (default 4, see the module docstring)")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", "1")),
                        help="gthread threads per worker (default 1)")
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument("--client-threads", type=int, default=4, help="virtual users per client process")
    parser.add_argument("--drafts", type=int, default=int(os.environ.get("BENCH_DRAFTS", "150")),
                        help="drafts each virtual user prepares and then submits in the timed phase")
    parser.add_argument("--prep-seconds", type=float, default=75.0,
                        help="upper bound on draft preparation; a virtual user submits what it has by then")
    parser.add_argument("--min-floor-seconds", type=float, default=5.0)
    parser.add_argument("--database", default=os.environ.get("SAFEHUB_BENCH_DB"),
                        help="database to create and drop (default: safehub_bench_p<pid>, so that two runs at "
                             "once cannot drop each other's database)")
    parser.add_argument("--keep-database", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--reconnect-every", type=int, default=20,
                        help="requests per keep-alive connection before a virtual user reconnects (0: never)")
    parser.add_argument("--redis", metavar="URL", default=os.environ.get("SAFEHUB_BENCH_REDIS"),
                        help="serve with SAFEHUB_REDIS_URL=URL (rate limits and the public's drafts in Redis, as in "
                             "production); default: drafts in files under the run's var/")
    parser.add_argument("--no-floor", action="store_true")
    parser.add_argument("--switch-interval-ms", type=float,
                        help="experiment: sys.setswitchinterval in each gunicorn worker (Python's default is 5 ms)")
    parser.add_argument("--worker-nice", type=int, default=None,
                        help="start the background worker with --nice N (default: its own, SAFEHUB_WORKER_NICE)")
    parser.add_argument("--profile", metavar="DIR", type=Path,
                        help="record py-spy collapsed stacks of each gunicorn worker during the timed phases")
    parser.add_argument("--profile-idle", action="store_true", help="with --profile: include waiting threads")
    return parser.parse_args()


def main():
    args = parse_args()
    begun = time.monotonic()
    hard_deadline = begun + TOTAL_BUDGET_S
    if args.database is None:
        args.database = f"{RUN_DB_PREFIX}{os.getpid()}"
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.database):
        raise SystemExit("--database must be a plain lower-case identifier")
    db_url = f"{PG_SERVER}/{args.database}"
    workdir = Path(tempfile.mkdtemp(prefix="safehub-bench-"))
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SAFEHUB_", "GUNICORN_"))}
    env.update({
        "SAFEHUB_DATABASE_URL": db_url,
        "SAFEHUB_VAR_DIR": str(workdir / "var"),
        "SAFEHUB_SECRET_KEY": "bench-" + os.urandom(24).hex(),
        "SAFEHUB_ALLOWED_HOSTS": HOST,
        "SAFEHUB_PUBLIC_SUBMISSIONS_PER_WINDOW": "100000000",
        "SAFEHUB_PUBLIC_PAGES_PER_WINDOW": "1000000000",
        "SAFEHUB_LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "floor_settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(BENCH_DIR), env.get("PYTHONPATH", "")])),
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    if args.redis:
        env["SAFEHUB_REDIS_URL"] = args.redis
    server = worker = None
    background = None
    log_path = workdir / "gunicorn.log"
    result = None
    try:
        background = machine_busy_cores(1.0)
        log(f"machine busy before start: {background} cores of {os.cpu_count()}"
            + (" (something else is running: figures will be low)" if background > 0.25 else ""))
        drop_abandoned_databases()
        log(f"creating database {args.database} and migrating")
        create_database(args.database)
        subprocess.run([sys.executable, "-c", SETUP_CODE], env=env, cwd=workdir, check=True, timeout=120)
        log(f"setup took {time.monotonic() - begun:.1f}s")

        port = free_port()
        server = start_gunicorn(env, port, args.workers, args.threads, workdir, log_path, args.switch_interval_ms)
        wait_until_serving(server, port, timeout=120)
        # Touch each worker a few times so every one has imported the app before anything is timed.
        warm = Client(port)
        for _ in range(4 * args.workers):
            warm.request("GET", "/report/")
            warm.close()
        worker = start_worker(env, workdir, workdir / "worker.log", args.worker_nice)
        meter = CpuMeter(server.pid, db_url, args.database, worker_pid=worker.pid)
        log(f"gunicorn gthread {args.workers}x{args.threads} serving on {HOST}:{port}, background worker {worker.pid}")

        users = args.clients * args.client_threads
        now = time.monotonic()
        submit_cfg = {
            "warmup": 2,
            "drafts": args.drafts,
            "prep_deadline": min(now + args.prep_seconds, hard_deadline - 60),
            "go_timeout": args.prep_seconds + 60,
            "submit_deadline": hard_deadline - 45,
            "reconnect_every": args.reconnect_every,
            "hard_deadline": hard_deadline - 35,
        }
        log(f"submit phase: {users} virtual users prepare {args.drafts} drafts each (untimed), then submit them")
        profile = (args.profile, args.profile_idle) if args.profile else None
        submit = run_phase("submit", port, args.clients, args.client_threads, submit_cfg, meter,
                           ready_timeout=args.prep_seconds + 60, profile=profile)
        log(f"submit: {submit['accepted']} accepted in {submit['elapsed']:.2f}s, "
            f"{submit['errors']} errors, {submit['prep_errors']} preparation errors")
        # The floor is measured only once the worker has filed everything, so that it does not share the machine.
        unfiled_at_end = unfiled_reports(db_url)
        filed_within = wait_until_filed(db_url, min(time.monotonic() + FILING_WAIT_S, hard_deadline - 40))
        log(f"{unfiled_at_end} reports waited to be filed when the submissions ended; all filed "
            + (f"{filed_within}s later" if filed_within is not None else "NOT within the wait"))

        floor = None
        if not args.no_floor:
            duration = max(args.min_floor_seconds, submit["elapsed"])
            duration = max(2.0, min(duration, hard_deadline - 25 - time.monotonic()))
            floor_cfg = {"warmup_s": 1.0, "duration": duration, "go_timeout": 30, "reconnect_every": args.reconnect_every,
                         "hard_deadline": time.monotonic() + duration + 20}
            log(f"floor phase: {users} virtual users POST /floor/ for {duration:.1f}s")
            floor = run_phase("floor", port, args.clients, args.client_threads, floor_cfg, meter, ready_timeout=30,
                              profile=profile)
            log(f"floor: {floor['accepted']} accepted in {floor['elapsed']:.2f}s, {floor['errors']} errors")

        time.sleep(0.5)  # responses are sent after commit, but give stragglers (errored clients) a moment
        counts = db_counts(db_url)
        submit_summary = summarise(submit, counts["contacts"], submit["warmup_accepted"])
        submit_summary.update({
            "prepared": submit["prepared"],
            "prep_errors": submit["prep_errors"],
            "not_submitted_time_budget": submit["not_submitted"],
            "audit_events": counts["audit_submitted"],
            "audit_chain_positions_contiguous": counts["audit_positions_contiguous"],
            "children_stored": counts["children"],
            "waiting_to_be_filed_when_submissions_ended": unfiled_at_end,
            "seconds_until_all_filed": filed_within,
            "left_unfiled": counts["unfiled"],
        })
        result = {
            "benchmark": "public_submissions",
            "server": f"gunicorn gthread {args.workers} workers x {args.threads} threads"
                      + (f", switch interval {args.switch_interval_ms} ms" if args.switch_interval_ms else ""),
            "database": "postgresql",
            "drafts": "redis" if args.redis else "files",
            "worker_nice": args.worker_nice,  # None: the worker's own default (SAFEHUB_WORKER_NICE)
            "clients": f"{args.clients} processes x {args.client_threads} threads, one keep-alive connection each"
                       + (f", renewed every {args.reconnect_every} requests" if args.reconnect_every else ""),
            "cores": os.cpu_count(),
            "cores_busy_before_start": background,
            "duration_s": round(submit["elapsed"], 2),
            "submit": submit_summary,
        }
        if floor is not None:
            floor_summary = summarise(floor, counts["floor"], floor["warmup_accepted"])
            result["floor"] = floor_summary
            result["ratio_of_floor"] = (round(submit_summary["per_second"] / floor_summary["per_second"], 3)
                                        if floor_summary["per_second"] else None)
        server_errors = [line for line in log_path.read_text(errors="replace").splitlines() if line.strip()]
        if server_errors:
            result["server_log_tail"] = server_errors[-5:]
    finally:
        stop_gunicorn(server)
        stop_gunicorn(worker)
        if not args.keep_database:
            drop_database(args.database)
        shutil.rmtree(workdir, ignore_errors=True)

    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    log(f"done in {time.monotonic() - begun:.1f}s; written to {RESULTS_FILE.relative_to(PROJECT_DIR)}")
    ok = result["submit"]["lost"] == 0 and result["submit"]["accepted"] > 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
