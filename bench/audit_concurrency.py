"""Audited events per second with 1, 8 and 32 concurrent writers, on PostgreSQL and on SQLite. Prints one JSON
object (also written to bench/results/audit_concurrency.json).

Each writer is a process of its own with its own database connection (as gunicorn's workers are). For
`--seconds` it appends audit events back to back through `safehub.audit.trail.record`, each in its own
transaction (as an audited read is): first with the whole trail as one chain (SAFEHUB_AUDIT_SHARDS=1, the
design before ADR 22), then with `--shards` chains, one after the other in the same run. Beside them, the same writers insert the same rows into a plain table with
no chain and no lock (`unchained`): where the chained rate stays flat while the unchained one grows, the chain's
lock is the ceiling. After each run the chain is verified and its positions checked contiguous.

PostgreSQL: a fresh database `safehub_bench_auditconc` on SAFEHUB_BENCH_PG (default 127.0.0.1:5432), dropped
afterwards. SQLite: a file under a temporary directory, WAL, IMMEDIATE transactions (Safehub's settings).

    .venv/bin/python bench/audit_concurrency.py [--writers 1,8,32] [--seconds 4] [--shards 8]
                                                [--backends postgresql,sqlite]
"""

import argparse
import json
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_FILE = BENCH_DIR / "results" / "audit_concurrency.json"
PG_DATABASE = "safehub_bench_auditconc"

sys.path.insert(0, str(BENCH_DIR))


def log(message):
    print(f"[audit concurrency] {message}", file=sys.stderr, flush=True)


def setup(backend, var_dir):
    os.environ["SAFEHUB_VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safehub.settings")
    if backend == "postgresql":
        import pg_database

        pg_database.recreate_database(PG_DATABASE)
        pg_database.setup_django(PG_DATABASE, var_dir)
    else:
        os.environ.pop("SAFEHUB_DATABASE_URL", None)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    from django.db import connection

    with connection.cursor() as cursor:
        if backend == "postgresql":
            cursor.execute("CREATE TABLE bench_unchained (LIKE audit_auditevent INCLUDING DEFAULTS)")
        else:
            cursor.execute("CREATE TABLE bench_unchained AS SELECT * FROM audit_auditevent WHERE 0")


def unchained_insert(cursor, n, writer):
    """The same row as an audit event, with no chain head to lock and read."""
    cursor.execute(
        "INSERT INTO bench_unchained (id, shard, position, at, actor_id, actor_name, agency_code, role, action, object_type, "
        "object_id, reason, client_address, user_agent, previous_hash, hash) "
        "VALUES (%s, 0, %s, CURRENT_TIMESTAMP, NULL, '', '', 'public', 'bench_viewed', 'contact', %s, '', '127.0.0.1', "
        "'bench', %s, %s)", [writer * 10_000_000 + n, writer * 10_000_000 + n, str(n), "0" * 64, "f" * 64])


def writer_process(kind, shards, writer, go, stop_at, results):
    from django.conf import settings
    from django.db import connection, transaction

    from safehub.audit.trail import record

    settings.SAFEHUB_AUDIT_SHARDS = shards

    connection.ensure_connection()
    done, errors, n = 0, 0, 0
    go.wait()
    while time.monotonic() < stop_at.value:
        n += 1
        try:
            with transaction.atomic():
                if kind == "chained":
                    record("bench_viewed", object_type="contact", object_id=str(n), reason=f"writer {writer}")
                else:
                    with connection.cursor() as cursor:
                        unchained_insert(cursor, n, writer)
            done += 1
        except Exception:  # noqa: BLE001 - counted and reported, e.g. SQLite's "database is locked"
            errors += 1
    connection.close()
    results.put((done, errors))


def run(kind, writers, seconds, shards=1):
    from django.db import connections

    connections.close_all()  # no connection may be shared with the forked writers
    ctx = mp.get_context("fork")
    go, results, stop_at = ctx.Event(), ctx.Queue(), ctx.Value("d", 0.0)
    procs = [ctx.Process(target=writer_process, args=(kind, shards, w, go, stop_at, results)) for w in range(writers)]
    for proc in procs:
        proc.start()
    time.sleep(0.5 + writers * 0.05)  # let every writer import and connect
    started = time.monotonic()
    stop_at.value = started + seconds
    go.set()
    tallies = [results.get(timeout=seconds + 120) for _ in procs]
    elapsed = time.monotonic() - started
    for proc in procs:
        proc.join(timeout=10)
    done, errors = sum(t[0] for t in tallies), sum(t[1] for t in tallies)
    return {"events": done, "errors": errors, "per_second": round(done / elapsed, 1)}


def chain_check():
    from django.db import connection

    from safehub.audit.trail import verify_whole_chain

    checked, broken = verify_whole_chain()
    with connection.cursor() as cursor:
        cursor.execute("SELECT shard, count(*), min(position), max(position) FROM audit_auditevent GROUP BY shard")
        shards = cursor.fetchall()
    return {"events_verified": checked, "broken_at": None if broken is None else str(broken),
            "shards_used": len(shards),
            "each_shard_contiguous": all(low == 1 and high == count for _, count, low, high in shards)}


def one_backend(backend, writer_counts, seconds, shards):
    with tempfile.TemporaryDirectory(prefix="safehub-auditconc-") as var_dir:
        setup(backend, var_dir)
        try:
            rows = []
            for writers in writer_counts:
                one_chain = run("chained", writers, seconds, shards=1)
                sharded = run("chained", writers, seconds, shards=shards)
                unchained = run("unchained", writers, seconds)
                rows.append({"writers": writers, "one_chain": one_chain, f"{shards}_shards": sharded,
                             "unchained": unchained})
                log(f"{backend} {writers} writers: one chain {one_chain['per_second']}/s, {shards} shards "
                    f"{sharded['per_second']}/s, unchained {unchained['per_second']}/s")
            return {"backend": backend, "runs": rows, "chain": chain_check()}
        finally:
            if backend == "postgresql":
                import pg_database

                pg_database.drop_database(PG_DATABASE)


def machine_busy_cores(seconds=1.0):
    def busy():
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
        return (sum(values[:7]) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")

    first = busy()
    time.sleep(seconds)
    return round((busy() - first) / seconds, 2)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writers", default="1,8,32")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--shards", type=int, default=8, help="shards in the sharded runs (beside one chain)")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one backend in this process
    args = parser.parse_args()
    writer_counts = [int(n) for n in args.writers.split(",")]
    if args.one:
        print(json.dumps(one_backend(args.one, writer_counts, args.seconds, args.shards)))
        return 0
    result = {"benchmark": "audit_concurrency", "cores": os.cpu_count(), "cores_busy_before_start": machine_busy_cores(),
              "seconds_per_run": args.seconds, "backends": []}
    for backend in args.backends.split(","):
        # One process per backend: Django's database settings are read once, at setup.
        out = subprocess.run([sys.executable, __file__, "--one", backend, "--writers", args.writers,
                              "--seconds", str(args.seconds), "--shards", str(args.shards)], capture_output=True, text=True, check=False)
        sys.stderr.write(out.stderr)
        if out.returncode != 0:
            raise SystemExit(f"{backend} run failed")
        result["backends"].append(json.loads(out.stdout.strip().splitlines()[-1]))
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
