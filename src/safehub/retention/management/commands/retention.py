"""`safehub retention review`: the scheduled review run, by hand (a scheduler calls run_due_reviews)."""

import json

from django.core.management.base import BaseCommand

from safehub.retention.review import run_due_reviews


class Command(BaseCommand):
    help = "Retention: `review` brings new records onto their schedules and counts the reviews due."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("review", help="schedule new records; print the reviews due by group (JSON)")

    def handle(self, subcommand, **options):
        self.stdout.write(json.dumps(run_due_reviews(), indent=1))
