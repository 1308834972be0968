"""`safehub serve`, the one command that runs Safehub for real: gunicorn, the background worker and the
scheduler come up together, /readyz says ready once the worker is seen, and SIGTERM stops all of them."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request


def free_port():
    for port in range(8180, 8200):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 8180-8199")


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_one_command_serves_with_the_worker_and_stops_everything(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAFEHUB_", "DJANGO_"))}
    env["SAFEHUB_VAR_DIR"] = str(tmp_path)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "safehub.cli", "serve", "--bind", f"127.0.0.1:{port}",
                               "--workers", "1"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        ready, deadline = None, time.monotonic() + 180
        while time.monotonic() < deadline and server.poll() is None:
            try:
                ready = get(f"http://127.0.0.1:{port}/readyz")
                if ready[0] == 200:
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.5)
        assert ready is not None and ready[0] == 200, ready
        assert ready[1]["checks"] == {"database": "ok", "migrations": "ok", "worker": "ok"}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/report/", timeout=10) as page:
            assert page.headers["Server"].startswith("gunicorn") and b"Report a concern" in page.read()
        children = subprocess.run(["pgrep", "-s", str(server.pid)], capture_output=True, text=True).stdout.split()
        assert len(children) >= 5  # serve, gunicorn's master and worker, the background worker, the scheduler
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0
        time.sleep(1)
        left = subprocess.run(["pgrep", "-s", str(server.pid)], capture_output=True, text=True).stdout.split()
        assert left == []
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
