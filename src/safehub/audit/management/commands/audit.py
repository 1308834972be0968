"""`safehub audit verify` checks the whole hash chain; `safehub audit export` writes a period for an inquiry."""

import csv
import datetime as dt
import json
import os
import sys
import tempfile
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from safehub.audit.models import AuditEvent
from safehub.audit.trail import anchor, record, verify_whole_chain

EXPORT_COLUMNS = ["shard", "position", "at", "actor_name", "agency_code", "role", "action", "object_type", "object_id",
                  "reason", "client_address", "user_agent", "previous_hash", "hash"]


def parse_day(value):
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Unreadable date {value!r}: use YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain, or export a period of it with the chain head."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="check every event of every shard and the anchors; name the first break")
        sub.add_parser("anchor", help="write every shard's head into the root chain (run every minute or so)")
        export = sub.add_parser("export", help="write the events of a period as CSV or JSON")
        export.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
        export.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD")
        export.add_argument("--format", choices=["csv", "json"], default="csv")
        export.add_argument("--out", required=True, help="file to write")

    def handle(self, subcommand, **options):
        if "audit_auditevent" not in connection.introspection.table_names():
            raise CommandError("This database has no audit trail yet: run `safehub migrate` first.")
        if subcommand == "verify":
            return self.verify()
        if subcommand == "anchor":
            anchored = anchor()
            self.stdout.write(f"Anchor {anchored.position}: {anchored.hash} ({anchored.heads.count(':') // 2} shards)")
            return None
        return self.export(options)

    def verify(self):
        started = time.perf_counter()
        checked, broken_at = verify_whole_chain()
        seconds = time.perf_counter() - started
        if broken_at is not None:
            self.stdout.write(f"BROKEN: the chain breaks at {broken_at} (an event there was altered, "
                              f"removed or inserted). {checked} events before it are intact.")
            sys.exit(1)
        self.stdout.write(f"OK: {checked} events, chain intact ({seconds:.2f} s).")

    def export(self, options):
        start, end = parse_day(options["start"]), parse_day(options["end"])
        if end < start:
            raise CommandError("--to is before --from.")
        zone = timezone.get_current_timezone()
        since = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
        until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        events = AuditEvent.objects.filter(at__gte=since, at__lt=until).order_by("at", "shard", "position")
        anchored = anchor()  # pins every shard's head as the export starts (ADR 22)
        head = {"anchor": anchored.position, "hash": anchored.hash, "shards": anchored.heads}
        rows = ([*(str(getattr(e, c)) for c in EXPORT_COLUMNS)] for e in events.iterator(chunk_size=5000))
        count = self._write_atomically(options["out"], options["format"], rows, head, start, end)
        record("audit_exported", object_type="audit", object_id=f"{start}..{end}",
               reason=f"{count} events to {os.path.basename(options['out'])}")
        self.stdout.write(f"Wrote {count} events to {options['out']} (chain head: anchor {head['anchor']}, "
                          f"{head['hash']}).")

    def _write_atomically(self, path, fmt, rows, head, start, end):
        folder = os.path.dirname(os.path.abspath(path))
        handle, tmp = tempfile.mkstemp(dir=folder, prefix=".audit-export-")
        count = 0
        try:
            with os.fdopen(handle, "w", newline="", encoding="utf-8") as out:
                if fmt == "csv":
                    out.write(f"# chain head: anchor {head['anchor']}, hash {head['hash']}, shards {head['shards']}\n")
                    writer = csv.writer(out)
                    writer.writerow(EXPORT_COLUMNS)
                    for row in rows:
                        writer.writerow(row)
                        count += 1
                else:
                    events = [dict(zip(EXPORT_COLUMNS, row)) for row in rows]
                    count = len(events)
                    json.dump({"from": str(start), "to": str(end), "chain_head": head, "events": events}, out, indent=1)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        return count
