"""Health probes for the reverse proxy, systemd and monitoring: no sign-in, no secrets, never audited (they read
no protected record).

/healthz (liveness): the server process answers. Nothing else is asked, so a database outage never gets the
server restarted.
/readyz (readiness): the database answers, every migration is applied and a background worker has been seen
within SAFEHUB_WORKER_STALE_SECONDS; 200 when all hold, else 503 naming what does not. It also reports the
task queue (waiting tasks, the oldest one's age) for monitoring.
"""

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

_migrations_applied = False  # once true in a process, it stays true until the next deploy restarts it


@require_GET
def healthz(request):
    return JsonResponse({"status": "alive"})


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _migrations():
    global _migrations_applied
    if not _migrations_applied:
        executor = MigrationExecutor(connection)
        unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if unapplied:
            return f"{len(unapplied)} migration(s) not applied: run safehub migrate"
        _migrations_applied = True
    return "ok"


def _worker(now):
    from safehub.background.models import WorkerSeen

    last = WorkerSeen.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    if last is None:
        return "no background worker has ever run: start safehub worker", None
    age = round((now - last).total_seconds(), 1)
    from safehub.background.worker import stale_before

    return ("ok" if last >= stale_before(now) else f"no background worker seen for {age} s"), age


@require_GET
def readyz(request):
    from safehub.background.queue import queue_state

    now = timezone.now()
    checks, details = {}, {}
    try:
        checks["database"] = _database()
        checks["migrations"] = _migrations()
        checks["worker"], details["worker_last_seen_seconds"] = _worker(now)
        if checks["migrations"] == "ok":
            details["queue"] = queue_state(now)
    except DatabaseError:
        checks.setdefault("database", "not answering")
    ready = all(value == "ok" for value in checks.values()) and len(checks) == 3
    return JsonResponse({"status": "ready" if ready else "not ready", "checks": checks, **details},
                        status=200 if ready else 503)
