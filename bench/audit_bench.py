"""Audit costs: opening a record page with and without its audit event, and `audit verify` on 1,000,000
events. PostgreSQL on 127.0.0.1 (a fresh database, dropped afterwards). Prints one JSON object.

Page cost: the screening page of one report is opened in process through Django's test client (the whole
middleware stack, the access policy, the template), alternating between the real page and the same page
with the audit call replaced by a no-op, so both see the same machine state. Verify: 1,000,000 chained
events are written with COPY, then the same code as `safehub audit verify` reads and checks them.
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pg_database  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_FILE = BENCH_DIR / "results" / "audit.json"
DATABASE = "safehub_bench_audit"
EVENTS = int(os.environ.get("SAFEHUB_BENCH_AUDIT_EVENTS", 1_000_000))
PAGE_ROUNDS = int(os.environ.get("SAFEHUB_BENCH_PAGE_ROUNDS", 400))


def log(message):
    print(f"[audit bench] {message}", file=sys.stderr, flush=True)


def recreate_database():
    pg_database.recreate_database(DATABASE)


def drop_database():
    pg_database.drop_database(DATABASE)


def setup_django(var_dir):
    pg_database.setup_django(DATABASE, var_dir)


def page_cost():
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    import safehub.access.records as records
    from safehub.demo.accounts import ensure_demo_users
    from safehub.demo.generator import load_demo_reports
    from safehub.intake.models import Contact

    users = ensure_demo_users()
    load_demo_reports(users, count=300, seed=2026)
    contact = Contact.objects.visible_to(users["screener"]).order_by("pk").first()
    client = Client()
    client.force_login(users["screener"], backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=users["screener"]).persistent_id
    session.save()
    url = f"/screening/{contact.reference}/"
    real_audit = records.audit

    def no_audit(*args, **kwargs):
        return None

    timings = {"with_audit": [], "without_audit": []}
    for _ in range(30):  # warm up both paths
        assert client.get(url).status_code == 200
    for round_number in range(PAGE_ROUNDS):
        for variant in (("with_audit", real_audit), ("without_audit", no_audit))[:: 1 if round_number % 2 else -1]:
            records.audit = variant[1]
            started = time.perf_counter()
            response = client.get(url)
            timings[variant[0]].append(time.perf_counter() - started)
            assert response.status_code == 200
    records.audit = real_audit
    result = {}
    for name, values in timings.items():
        values.sort()
        result[name] = {"requests": len(values), "p50_ms": round(1000 * statistics.median(values), 3),
                        "mean_ms": round(1000 * statistics.fmean(values), 3),
                        "p95_ms": round(1000 * values[int(0.95 * len(values))], 3)}
    result["audit_overhead_ratio_p50"] = round(result["with_audit"]["p50_ms"] / result["without_audit"]["p50_ms"], 3)
    result["audit_overhead_percent_p50"] = round(100 * (result["audit_overhead_ratio_p50"] - 1), 1)
    return result


def write_events(count):
    """Write `count` chained events with COPY, hashed exactly as safehub.audit.trail.record would."""
    import datetime as dt

    from django.db import connection

    from safehub.audit.trail import GENESIS_HASH, HASHED_COLUMNS, event_hash

    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")  # the bench is the table owner
        cursor.execute("TRUNCATE audit_auditevent")
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    previous = GENESIS_HASH
    columns = [c for c in HASHED_COLUMNS if c != "actor_id"] + ["previous_hash", "hash"]
    raw = connection.connection
    with raw.cursor() as cursor, cursor.copy(f"COPY audit_auditevent ({', '.join(columns)}) FROM STDIN") as copy:
        for position in range(1, count + 1):
            at = start + dt.timedelta(seconds=position)
            values = [position, at.isoformat(), None, "worker", "COUNCIL", "worker", "contact_viewed", "contact",
                      str(position % 5000), "", "127.0.0.1", "Mozilla/5.0 (bench)"]
            digest = event_hash(previous, values)
            row = [position, at, "worker", "COUNCIL", "worker", "contact_viewed", "contact", str(position % 5000),
                   "", "127.0.0.1", "Mozilla/5.0 (bench)", previous, digest]
            copy.write_row(row)
            previous = digest
    raw.commit()
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")


def verify_speed():
    from safehub.audit.trail import verify_whole_chain

    started = time.perf_counter()
    write_events(EVENTS)
    log(f"wrote {EVENTS:,} events in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    checked, broken_at = verify_whole_chain()
    seconds = time.perf_counter() - started
    assert broken_at is None and checked == EVENTS, (checked, broken_at)
    return {"events": checked, "seconds": round(seconds, 2), "events_per_second": round(checked / seconds)}


def main():
    import tempfile

    recreate_database()
    try:
        with tempfile.TemporaryDirectory() as var_dir:
            setup_django(var_dir)
            log("measuring the record page with and without audit")
            page = page_cost()
            log(f"page: {page}")
            log(f"writing and verifying {EVENTS:,} audit events")
            verify = verify_speed()
    finally:
        drop_database()
    result = {"benchmark": "audit", "database": "postgresql", "record_page": page, "audit_verify": verify}
    RESULTS_FILE.parent.mkdir(exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
