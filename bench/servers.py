"""gunicorn against granian serving Safehub's public report page, side by side in one run; prints JSON.

Each server runs Safehub in production mode (WhiteNoise with the compressed manifest) on PostgreSQL and Redis
with the same number of worker processes (4, one thread each), and takes the same load: client processes
each keeping one HTTP/1.1 keep-alive connection, GETting /report/ (the page a member of the public opens
first: session, CSRF token, template) back to back for --seconds, after a warm-up; then the same for one
static file (the compiled stylesheet). Requests carry X-Forwarded-Proto: https as the reverse proxy sends.
Talks only to 127.0.0.1; bounded in time (about a minute).

`.venv/bin/python bench/servers.py [--seconds 15] [--clients 8]` (granian is not a dependency: `pip install
granian==2.8.9` first to measure it); SAFEHUB_BENCH_PG names the PostgreSQL
server (default the local one) and SAFEHUB_BENCH_REDIS the Redis (default database 1 of the local one).
"""

import argparse
import http.client
import json
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg

PROJECT_DIR = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("SAFEHUB_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("SAFEHUB_BENCH_REDIS", "redis://127.0.0.1:6379/1")
DATABASE = "safehub_bench_servers"
HOST = "127.0.0.1"
PORT = 8150


def log(message):
    print(f"[servers {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def environment(var_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFEHUB_")}
    env.update({
        "SAFEHUB_DATABASE_URL": f"{PG_SERVER}/{DATABASE}", "SAFEHUB_REDIS_URL": REDIS, "SAFEHUB_PRODUCTION": "1",
        "SAFEHUB_SECRET_KEY": "bench-" + "s" * 60, "SAFEHUB_ALLOWED_HOSTS": HOST, "SAFEHUB_VAR_DIR": str(var_dir),
        "PYTHONPATH": str(PROJECT_DIR / "src"),
    })
    return env


def safehub(*args):
    return [sys.executable, "-m", "safehub.cli", *args]


def prepare(env):
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    subprocess.run(safehub("migrate", "--noinput", "-v0"), env=env, check=True)
    subprocess.run(safehub("collectstatic", "--noinput", "-v0"), env=env, check=True)


def wait_until_up(deadline=60):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            conn = http.client.HTTPConnection(HOST, PORT, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the server did not come up")


def client(path, seconds, results):
    conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
    headers = {"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip, br"}
    latencies, errors = [], 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                latencies.append(time.perf_counter() - started)
            else:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
    results.put((latencies, errors))


def load(path, seconds, clients):
    results = mp.Queue()
    processes = [mp.Process(target=client, args=(path, seconds, results)) for _ in range(clients)]
    for process in processes:
        process.start()
    gathered = [results.get(timeout=seconds + 60) for _ in processes]
    for process in processes:
        process.join()
    latencies = sorted(value for lat, _ in gathered for value in lat)
    errors = sum(err for _, err in gathered)
    if not latencies:
        return {"requests": 0, "errors": errors}
    pick = lambda q: round(1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1)
    return {"requests_per_second": round(len(latencies) / seconds, 1), "p50_ms": pick(0.5), "p99_ms": pick(0.99),
            "errors": errors}


def static_path(env):
    manifest = json.loads((Path(env["SAFEHUB_VAR_DIR"]) / "static" / "staticfiles.json").read_text())
    return "/static/" + manifest["paths"]["safehub/safehub.css"]


def measure(server, env, seconds, clients):
    command = safehub("serve", "--server", server, "--bind", f"{HOST}:{PORT}", "--workers", "4", "--no-migrate",
                      "--no-background")
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        wait_until_up()
        load("/report/", 3, clients)  # warm-up
        page = load("/report/", seconds, clients)
        static = load(static_path(env), min(seconds, 8), clients)
        return {"report_page": page, "static_file": static}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=40)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    var_dir = PROJECT_DIR / "var" / "bench-servers"
    var_dir.mkdir(parents=True, exist_ok=True)
    env = environment(var_dir)
    log("migrating and gathering static files")
    prepare(env)
    result = {"clients": args.clients, "seconds": args.seconds, "workers": 4, "cores": os.cpu_count()}
    for server in ("gunicorn", "granian"):
        if not (Path(sys.executable).parent / server).exists():
            result[server] = f"not installed: pip install {'granian==2.8.9' if server == 'granian' else server}"
            continue
        log(f"measuring {server}")
        result[server] = measure(server, env, args.seconds, args.clients)
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
