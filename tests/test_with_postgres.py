"""scripts/with-postgres, which `make test` runs the PostgreSQL half through: when no server answers at PG_URL
it makes a throwaway cluster, and the cluster is stopped and removed however the command ends.

These run the real script with a small command (no Django test database), each with a var/ of its own.
"""

import glob
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from psycopg import pq

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "with-postgres"

# The command run against the database: records what it was given and where the server keeps its data, then
# exits with the status it is told (or sleeps, to be interrupted).
REPORT = """
import json, os, sys, time
import dj_database_url, psycopg
url = os.environ["SAFEHUB_DATABASE_URL"]
db = dj_database_url.parse(url)
with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"]) as connection:
    data_directory = connection.execute("SHOW data_directory").fetchone()[0]
    database = connection.execute("SELECT current_database()").fetchone()[0]
with open(sys.argv[1], "w") as report:
    json.dump({"url": url, "port": db["PORT"], "data_directory": data_directory, "database": database}, report)
if sys.argv[2] == "sleep":
    time.sleep(120)
sys.exit(int(sys.argv[2]))
"""

pytestmark = pytest.mark.skipif(
    not (shutil.which("pg_ctl") or glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")),
    reason="no PostgreSQL server programs here: the script would install them (make test-postgres does so)")


def dead_url():
    """A URL where nothing listens: a port the kernel just handed out and that was closed again."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"postgres://postgres@127.0.0.1:{port}/none"


@pytest.fixture
def var_dir():
    """A var/ that the server's account can reach when the tests run as root (pytest's tmp_path is private)."""
    folder = Path(tempfile.mkdtemp(prefix="with-postgres-test-"))
    folder.chmod(0o755)
    yield folder / "var"
    shutil.rmtree(folder)


def with_postgres(var_dir, *args, **options):
    env = {**os.environ, "SAFEHUB_VAR_DIR": str(var_dir)}
    return subprocess.Popen([sys.executable, str(SCRIPT), *args], env=env, stderr=subprocess.PIPE, text=True,
                            **options)


def report_command(report, status):
    return [sys.executable, "-c", REPORT, str(report), str(status)]


def assert_gone(seen):
    """The cluster's folder is removed, no process runs on it, and nothing answers at its port any more."""
    folder = Path(seen["data_directory"]).parent
    assert not folder.exists()
    running = []
    for cmdline in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            if str(folder).encode() in Path(cmdline).read_bytes():
                running.append(cmdline)
        except OSError:
            pass
    assert running == []
    ping = pq.PGconn.ping(f"host=127.0.0.1 port={seen['port']} user=postgres connect_timeout=5".encode())
    assert ping == pq.Ping.NO_RESPONSE


def test_throwaway_cluster_under_var_then_removed_and_a_live_url_used_unchanged(var_dir, tmp_path):
    outer = tmp_path / "outer-url"
    report = tmp_path / "report.json"
    # Outside: nothing answers, so a throwaway cluster. Inside: its URL answers, so it is used as it is.
    inner = f'{shlex.quote(sys.executable)} {shlex.quote(str(SCRIPT))} "$SAFEHUB_DATABASE_URL" -- '
    inner += shlex.join(report_command(report, 0))
    command = f'echo "$SAFEHUB_DATABASE_URL" > {shlex.quote(str(outer))} && exec {inner}'
    process = with_postgres(var_dir, dead_url(), "--", "sh", "-c", command)
    _, errors = process.communicate(timeout=180)

    assert process.returncode == 0, errors
    seen = json.loads(report.read_text())
    assert seen["url"] == outer.read_text().strip()
    assert seen["url"].startswith("postgres://postgres@127.0.0.1:")
    assert seen["database"] == "none"
    assert Path(seen["data_directory"]).parent.parent == var_dir
    assert errors.count("starting a throwaway") == 1
    assert "PostgreSQL answers at 127.0.0.1:" in errors
    assert_gone(seen)
    assert list(var_dir.iterdir()) == []


def test_failing_command_status_kept_and_cluster_removed(var_dir, tmp_path):
    report = tmp_path / "report.json"
    process = with_postgres(var_dir, dead_url(), "--", *report_command(report, 3))
    _, errors = process.communicate(timeout=180)

    assert process.returncode == 3, errors
    seen = json.loads(report.read_text())
    assert Path(seen["data_directory"]).parent.parent == var_dir
    assert_gone(seen)
    assert list(var_dir.iterdir()) == []


def test_ctrl_c_stops_and_removes_the_cluster(var_dir, tmp_path):
    report = tmp_path / "report.json"
    # A session of its own, so that SIGINT to its process group is what Ctrl-C at a terminal sends.
    process = with_postgres(var_dir, dead_url(), "--", *report_command(report, "sleep"), start_new_session=True)
    deadline = time.monotonic() + 120
    while not report.exists() or not report.read_text():
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.2)
    seen = json.loads(report.read_text())
    assert Path(seen["data_directory"]).exists()

    os.killpg(process.pid, signal.SIGINT)
    _, errors = process.communicate(timeout=120)

    assert process.returncode == 130, errors
    assert_gone(seen)
    assert list(var_dir.iterdir()) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the cluster to the 'postgres' account")
def test_as_root_a_var_the_server_account_cannot_reach_uses_the_temporary_folder(tmp_path):
    private = tmp_path / "private"  # mode 700, owned by root
    private.mkdir(mode=0o700)
    report = tmp_path / "report.json"
    process = with_postgres(private / "var", dead_url(), "--", *report_command(report, 0))
    _, errors = process.communicate(timeout=180)

    assert process.returncode == 0, errors
    seen = json.loads(report.read_text())
    assert Path(seen["data_directory"]).parent.parent == Path(tempfile.gettempdir())
    assert "cannot reach" in errors
    assert_gone(seen)
    assert list((private / "var").iterdir()) == []
