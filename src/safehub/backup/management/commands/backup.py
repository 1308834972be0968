"""`safehub backup [--out PATH]`: one archive of the database and the var/ files that matter, with a manifest."""

from django.core.management.base import BaseCommand, CommandError

from safehub.audit.trail import record
from safehub.backup.archive import BackupError, default_archive_path, heads_text, make_backup


class Command(BaseCommand):
    help = "Write a backup archive: the database (pg_dump custom format, or SQLite's backup API), the linking " \
           "models under var/, and a manifest with row counts, checksums and the audit chain head."

    def add_arguments(self, parser):
        parser.add_argument("--out", help="archive to write (default var/backups/safehub-<UTC time>.tar)")

    def handle(self, out=None, **options):
        import datetime as dt

        now = dt.datetime.now(dt.timezone.utc)
        path = out or default_archive_path(now)
        try:
            manifest = make_backup(path, now)
        except BackupError as error:
            raise CommandError(str(error)) from None
        database = manifest["database"]
        head = database["audit_chain_head"]
        record("backup_written", object_type="backup", object_id=now.strftime("%Y%m%dT%H%M%SZ"),
               reason=f"audit heads {heads_text(head)}; {len(manifest['parts'])} parts")
        self.stdout.write(f"Wrote {path}: {database['vendor']} database {database['name']}, "
                          f"{len(database['row_counts'])} tables, {sum(database['row_counts'].values())} rows, "
                          f"{len(manifest['parts'])} parts, audit chain heads {heads_text(head)}.")
        self.stdout.write("Not in the archive: the Django secret key. Keep it apart (docs/backup.md).")
