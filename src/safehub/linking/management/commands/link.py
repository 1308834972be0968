"""`safehub link csv IN.csv --out OUT.csv [--pairs PAIRS.csv] [--threshold P] [--model PATH]`."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from safehub.linking.bulk import DEFAULT_THRESHOLD, LinkInputError, link_csv


class Command(BaseCommand):
    help = "Link records of people: `link csv IN.csv --out OUT.csv` gives each record an entity id."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        csv_parser = subcommands.add_parser(
            "csv", help="link the people in a CSV file (header row with record_id; see docs)")
        csv_parser.add_argument("input", metavar="IN.csv")
        csv_parser.add_argument("--out", required=True, metavar="OUT.csv", help="record_id,entity_id per record")
        csv_parser.add_argument("--pairs", metavar="PAIRS.csv", help="the linked pairs with their match weights")
        csv_parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                                help=f"auto-link match probability (default {DEFAULT_THRESHOLD})")
        csv_parser.add_argument("--model", metavar="PATH",
                                help="a saved model (JSON) to use instead of training one on this file")
        csv_parser.add_argument("--seed", type=int, default=42, help="random seed for training")

    def handle(self, *args, **options):
        if options["subcommand"] == "csv":
            self.link_csv(options)

    def link_csv(self, options):
        started = time.perf_counter()
        try:
            result = link_csv(
                options["input"], options["out"], pairs_path=options["pairs"], threshold=options["threshold"],
                model=options["model"], model_dir=settings.VAR_DIR / "linking", seed=options["seed"],
            )
        except (LinkInputError, OSError) as error:
            raise CommandError(str(error)) from error
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"{result.records} records -> {result.entities} entities ({result.linked_pairs} linked pairs) "
            f"in {seconds:.1f} s; written to {options['out']}"
        )
        if not options["model"] and result.model_path:
            self.stdout.write(f"model saved to {result.model_path} (reuse it with --model)")
