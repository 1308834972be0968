"""`safehub link train [--engine spark]`, `safehub link run`, and
`safehub link csv IN.csv --out OUT.csv [--pairs PAIRS.csv] [--review REVIEW.csv] [--threshold P] [--model PATH]
[--strict] [--engine duckdb|spark] [--spark-master URL]`."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from safehub.linking.bulk import DEFAULT_THRESHOLD, ENGINES, LinkInputError, link_csv


def add_engine_arguments(parser):
    parser.add_argument("--engine", choices=ENGINES, default="duckdb",
                        help="where Splink runs: duckdb on this machine (default), or Apache Spark")
    parser.add_argument("--spark-master", metavar="URL",
                        help="with --engine spark: local[N] or a cluster's master URL "
                             "(default: SAFEHUB_SPARK_MASTER, else local[2])")


class Command(BaseCommand):
    help = ("Link people and selectors: `link train` fits the person model on the current data, `link run` "
            "re-resolves everything, `link csv IN.csv --out OUT.csv` links a file from another system.")

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        csv_parser = subcommands.add_parser(
            "csv", help="link the people in a CSV file (header row with record_id; see docs)")
        csv_parser.add_argument("input", metavar="IN.csv")
        csv_parser.add_argument("--out", required=True, metavar="OUT.csv", help="record_id,entity_id per record")
        csv_parser.add_argument("--pairs", metavar="PAIRS.csv", help="the linked pairs with their match weights")
        csv_parser.add_argument("--review", metavar="REVIEW.csv",
                                help="pairs scored as one person but held apart (twins, parent and child), with why")
        csv_parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                                help=f"auto-link match probability (default {DEFAULT_THRESHOLD})")
        csv_parser.add_argument("--model", metavar="PATH",
                                help="a saved model (JSON) to use instead of training one on this file")
        csv_parser.add_argument("--seed", type=int, default=42, help="random seed for training")
        csv_parser.add_argument("--strict", action="store_true",
                                help="refuse the file at the first value the linker cannot use (an impossible "
                                     "date, a phone number with letters) instead of reporting it and going on")
        add_engine_arguments(csv_parser)
        train_parser = subcommands.add_parser("train", help="fit the person model on the current data (Splink)")
        train_parser.add_argument("--seed", type=int, default=42, help="random seed for training")
        add_engine_arguments(train_parser)
        subcommands.add_parser("run", help="re-resolve every mention and recompute the networks")
        networks_parser = subcommands.add_parser(
            "networks", help="recompute the networks in full (for a scheduler or worker), keeping their references")
        networks_parser.add_argument("--full", action="store_true", required=True,
                                     help="every network of every set of intelligence seen, not only those a "
                                          "change reached (the app keeps those up to date as it goes)")

    def handle(self, *args, **options):
        if options["subcommand"] == "csv":
            self.link_csv(options)
        elif options["subcommand"] == "train":
            self.train(options)
        elif options["subcommand"] == "run":
            self.run()
        elif options["subcommand"] == "networks":
            self.networks()

    def train(self, options):
        from safehub.linking.batch import TrainingError, train

        try:
            version = train(seed=options["seed"], engine=options["engine"], spark_master=options["spark_master"])
        except TrainingError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"model {version.version} trained on {version.trained_on}; it is now the active model")

    def run(self):
        from safehub.linking.batch import run

        def progress(done, total, stage):
            self.stderr.write(f"\r{stage}: {done}/{total}", ending="")
            if done == total:
                self.stderr.write("")

        started = time.perf_counter()
        summary, changes = run(progress)
        entities = ", ".join(f"{count} {kind}" for kind, count in sorted(summary["entities"].items()))
        links = ", ".join(f"{count} {band}" for band, count in sorted(summary["links"].items())) or "none"
        self.stdout.write(f"entities: {entities}")
        self.stdout.write(f"person links: {links} ({summary['judged']} judged by analysts, all kept)")
        self.stdout.write(f"networks: {summary['networks']} ({summary['flagged']} flagged for review)")
        self.stdout.write("changes since the last run: " + ", ".join(f"{k} {v:+d}" if k != "mentions_regrouped"
                                                                   else f"{v} mentions regrouped"
                                                                   for k, v in changes.items()))
        self.stdout.write(f"model {summary['model_version']}; {time.perf_counter() - started:.1f} s")

    def networks(self):
        from safehub.linking.networks import recompute_every_set

        started = time.perf_counter()
        found = recompute_every_set()
        self.stdout.write(f"{len(found)} networks ({sum(n.flagged for n in found)} flagged) computed in full in "
                          f"{time.perf_counter() - started:.1f} s; references kept")

    def link_csv(self, options):
        started = time.perf_counter()
        try:
            result = link_csv(
                options["input"], options["out"], pairs_path=options["pairs"], threshold=options["threshold"],
                model=options["model"], model_dir=settings.VAR_DIR / "linking", seed=options["seed"],
                review_path=options["review"], strict=options["strict"], engine=options["engine"],
                spark_master=options["spark_master"],
            )
        except (LinkInputError, OSError) as error:
            raise CommandError(str(error)) from error
        seconds = time.perf_counter() - started
        self.report_problems(result.problems)
        self.stdout.write(
            f"{result.records} records -> {result.entities} entities ({result.linked_pairs} linked pairs) "
            f"in {seconds:.1f} s; written to {options['out']}"
        )
        if result.held_pairs:
            where = f"listed in {options['review']}" if options["review"] else "list them with --review REVIEW.csv"
            self.stdout.write(f"{result.held_pairs} pairs scored as one person were held apart for an analyst "
                              f"(twins, a parent and child); {where}")
        if not options["model"] and result.model_path:
            self.stdout.write(f"model saved to {result.model_path} (reuse it with --model)")

    def report_problems(self, problems):
        lines = problems.report_lines()
        if not lines:
            return
        count = len(problems.bad_values)
        self.stderr.write(f"{count} {'value' if count == 1 else 'values'} could not be used as given "
                          f"(the records were still linked; --strict refuses such a file):" if count
                          else "the file had lines with nothing on them:")
        for line in lines:
            self.stderr.write(f"  {line}")
