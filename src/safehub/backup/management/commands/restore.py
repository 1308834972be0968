"""`safehub restore ARCHIVE [--force]`: restore a backup into the configured (fresh, empty) database."""

import sys

from django.core.management.base import BaseCommand, CommandError

from safehub.audit.trail import record
from safehub.backup.archive import BackupError, heads_text
from safehub.backup.restore import restore


class Command(BaseCommand):
    help = "Restore a backup archive into the configured database, which must be empty unless --force; checks " \
           "the archive's checksums first, then the row counts against its manifest and the audit chain."

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--force", action="store_true",
                            help="replace everything in a database that is not empty, and var/ files that differ")

    def handle(self, archive, force=False, **options):
        try:
            report = restore(archive, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from None
        for table, counts in report["count_differences"].items():
            self.stdout.write(f"ROW COUNT DIFFERS: {table}: manifest {counts['manifest']}, restored {counts['restored']}")
        if report["audit_broken_at"] is not None:
            self.stdout.write(f"BROKEN: the restored audit chain breaks at event {report['audit_broken_at']}.")
        if not report["head_matches"]:
            self.stdout.write(f"AUDIT HEAD DIFFERS from the manifest: restored {heads_text(report['head'])}.")
        if report["count_differences"] or report["audit_broken_at"] is not None or not report["head_matches"]:
            sys.exit(1)
        record("backup_restored", object_type="backup", object_id=str(archive)[-40:],
               reason=f"{report['tables']} tables, {report['rows']} rows, audit heads {heads_text(report['head'])}")
        self.stdout.write(f"Restored {report['tables']} tables, {report['rows']} rows (as the manifest says), "
                          f"{len(report['files'])} files under var/. Audit chain: OK, {report['audit_events']} "
                          f"events, heads {heads_text(report['head'])} match the manifest.")
