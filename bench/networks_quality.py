"""Whether the networks an analyst is shown are the groups that were planted, in a town with hubs and collisions.

For each size (default 1,000 and 100,000 reports), a fresh database: the town of `safehub.demo.town` (planted
networks of 3-8 reports among unrelated ones, nicknames shared across groups, a taxi firm's and a takeaway's
phone, common nicknames and first names given alone, families, other scripts, impossible values) is filed
report by report through the referral API as agency systems send it (`POST /api/v1/referrals/` with a real
token, in process: the serializer, the view, `submit_contact`, which links in the request). A report the API
refuses (400) is sent again without the fields it named, as an agency system's user would after fixing them.
Then network upkeep (`networks.compute()`, what the first analyst to open the networks list waits for) is
timed, and the networks it stores (`Network.contact_ids`, `Network.flagged`) are scored against the ground
truth (`safehub.demo.town.score`):

- mean over planted networks of the best Jaccard overlap with any detected network (aim at least 0.9);
- share of planted networks recovered exactly (aim at least 80%);
- detected networks holding reports of two or more planted networks (aim 0);
- flagged detected networks made only of unrelated reports (aim 0);
- the largest network's size, and how many networks there are.

Prints one JSON object per size, and keeps the latest result per size in var/bench/networks_quality.json.
Progress (every 1,000 reports filed) goes to stderr. SQLite in a temporary directory unless --database-url
names a PostgreSQL database (dropped and created afresh, and dropped again afterwards unless --keep; its name
must contain "bench"):

    .venv/bin/python bench/networks_quality.py [--reports 1000] [--seed 2026]
        [--database-url postgres://postgres@127.0.0.1:5432/safehub_netbench]

With several sizes each runs in its own process (and, on PostgreSQL, its own database NAME_<size>).
A change to the ties that does not touch filing can be measured on a town a --keep run filed, without filing
it again (the same scores a fresh run gives, with the upkeep time; `"rescored": true` in the result):

    .venv/bin/python bench/networks_quality.py --reports 100000 --rescore sqlite:////tmp/.../networks_quality.sqlite3
"""

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parent / "var" / "bench" / "networks_quality.json"
SIZES = (1000, 100_000)
AGENCY_SYSTEMS = {"SCHOOLS": "town-schools-mis", "POLICE": "town-police-system", "HEALTH": "town-health-system"}


def fresh_database(url, var_dir):
    """Point Safehub at a new, empty database (SQLite file or PostgreSQL), set Django up and migrate."""
    if url and url.startswith("postgres"):
        import psycopg

        server, name = url.rsplit("/", 1)
        if "bench" not in name:
            raise SystemExit(f"Refusing to drop database {name!r}: a benchmark database's name contains 'bench'.")
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        path = Path(url.removeprefix("sqlite:///")) if url else Path(var_dir) / "networks_quality.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    os.environ["SAFEHUB_DATABASE_URL"] = url
    os.environ["SAFEHUB_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safehub.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    return url


def agency_tokens():
    """{agency code: API token} for one agency system account per agency, as `safehub apitoken` gives."""
    from safehub.accounts.actions import create_user
    from safehub.accounts.api_auth import issue_token
    from safehub.accounts.models import Role
    from safehub.demo.accounts import ensure_agencies

    agencies = ensure_agencies()
    tokens = {}
    for code, username in AGENCY_SYSTEMS.items():
        user, _ = create_user(username=username, password=None, role=Role.REFERRER, agency=agencies[code],
                              first_name=f"{code.title()} system", is_system=True)
        tokens[code] = issue_token(user, "networks quality benchmark")
    return tokens


class LinkingFailures(logging.Handler):
    """Counts reports whose linking failed in the request (stored, but to be linked by the next batch run)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record):
        self.count += 1


def without_errors(payload, errors):
    """The payload with every field the API said was wrong left out (an item left empty is dropped). The API
    names a listed item's errors by its position: {"vehicles": {"0": {"registration": [...]}}}."""
    fixed = dict(payload)
    for section, problems in errors.items():
        if not isinstance(fixed.get(section), list):
            continue
        if isinstance(problems, list):
            problems = dict(enumerate(problems))
        problems = {int(position): fields for position, fields in problems.items()}
        items = []
        for position, item in enumerate(fixed[section]):
            wrong = problems.get(position) or {}
            wrong = wrong if isinstance(wrong, dict) else {"non_field_errors": wrong}
            item = {} if "non_field_errors" in wrong else {k: v for k, v in item.items() if k not in wrong}
            if item:
                items.append(item)
        fixed[section] = items
    return fixed


def file_town(town, tokens, progress):
    """File every report through the referral API; returns (seconds per thousand, refused, API errors)."""
    from rest_framework.test import APIRequestFactory

    from safehub.intake.api import ReferralListCreate

    view, factory = ReferralListCreate.as_view(), APIRequestFactory()

    def post(payload, agency):
        request = factory.post("/api/v1/referrals/", payload, format="json",
                               HTTP_AUTHORIZATION=f"Token {tokens[agency]}")
        response = view(request)
        response.render()
        return response

    per_thousand, refused, failed = [], [], []
    started = block = time.perf_counter()
    for index, report in enumerate(town.reports):
        response = post(report["payload"], report["agency"])
        if response.status_code == 400:
            errors = json.loads(response.content)
            refused.append({"report": index, "errors": errors})
            response = post(without_errors(report["payload"], errors), report["agency"])
        if response.status_code not in (200, 201):
            failed.append({"report": index, "status": response.status_code, "body": response.content.decode()[:300]})
        if (index + 1) % 1000 == 0 or index + 1 == len(town.reports):
            now = time.perf_counter()
            per_thousand.append(round(now - block, 1))
            block = now
            progress(f"filed {index + 1:,}/{len(town.reports):,} reports in {now - started:,.0f} s "
                     f"(last thousand {per_thousand[-1]} s)")
    return per_thousand, refused, failed


def run(n_reports, seed, database_url, keep=False):
    var_dir = tempfile.mkdtemp(prefix="safehub-netquality-")
    try:
        return _run(n_reports, seed, database_url, var_dir, keep)
    finally:
        if keep:
            print(f"kept {var_dir} (and the database)", file=sys.stderr)
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


def _run(n_reports, seed, database_url, var_dir, keep):
    url = fresh_database(database_url, var_dir)

    from safehub.demo import town as town_module
    from safehub.intake.models import Contact
    from safehub.linking.models import Entity, Mention

    def progress(message):
        print(f"[{time.strftime('%H:%M:%S')}] {n_reports:,}: {message}", file=sys.stderr, flush=True)

    started = time.perf_counter()
    town = town_module.generate(n_reports, seed)
    progress(f"town generated in {time.perf_counter() - started:.1f} s: {len(town.networks)} planted networks, "
             f"{len(town.truth())} planted reports, taxi firm in {len(town.hubs['taxi']['reports'])}")
    tokens = agency_tokens()
    failures = LinkingFailures()
    logging.getLogger("safehub.linking").addHandler(failures)
    per_thousand, refused, failed = file_town(town, tokens, progress)
    filing = sum(per_thousand)

    result = {
        **upkeep_and_score(town, n_reports, seed, progress),
        "filed": Contact.objects.count(),
        "refused_then_sent_again": len(refused),
        "not_filed": failed[:5],
        "linking_failures": failures.count,
        "mentions": Mention.objects.count(),
        "entities": Entity.objects.count(),
        "filing_seconds": round(filing, 1),
        "filing_ms_per_report": round(filing / n_reports * 1000, 1),
        "filing_seconds_per_thousand": per_thousand,
    }
    if url.startswith("postgres") and not keep:
        drop_postgres(url)
    return result


def upkeep_and_score(town, n_reports, seed, progress):
    """Time network upkeep (`networks.compute()`, what the first analyst to open the networks list waits for)
    and score the networks it stores against the town's ground truth."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from safehub.demo import town as town_module
    from safehub.intake.models import Contact
    from safehub.linking import networks

    progress("network upkeep (networks.compute()) ...")
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        found = networks.compute()
    upkeep = time.perf_counter() - started
    progress(f"network upkeep took {upkeep:.1f} s")
    index_of = {pk: int(key.rsplit("-", 1)[1]) for pk, key in Contact.objects.values_list("pk", "submission_key")}
    detected = [({index_of[pk] for pk in network.contact_ids}, network.flagged) for network in found]
    return {"benchmark": "networks_quality", "reports": n_reports, "seed": seed, "database": connection.vendor,
            "when": time.strftime("%Y-%m-%d %H:%M"), **town_module.score(town, detected),
            "upkeep_seconds": round(upkeep, 2), "upkeep_queries": len(queries.captured_queries)}


def rescore(n_reports, seed, database_url):
    """Networks recomputed and scored on a database a --keep run left (the same town already filed): for a
    change to the ties that does not touch filing, without filing the town again."""
    os.environ["SAFEHUB_DATABASE_URL"] = database_url
    os.environ.setdefault("SAFEHUB_VAR_DIR", tempfile.mkdtemp(prefix="safehub-netquality-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safehub.settings")
    import django

    django.setup()
    from safehub.demo import town as town_module

    def progress(message):
        print(f"[{time.strftime('%H:%M:%S')}] {n_reports:,} (rescored): {message}", file=sys.stderr, flush=True)

    return {**upkeep_and_score(town_module.generate(n_reports, seed), n_reports, seed, progress), "rescored": True}


def drop_postgres(url):
    import psycopg
    from django.db import connections

    connections.close_all()
    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def save(result):
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    try:
        kept = json.loads(RESULTS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        kept = {}
    kept[str(result["reports"])] = result
    RESULTS.write_text(json.dumps(kept, indent=2) + "\n", encoding="utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, action="append",
                        help=f"town size (repeatable); default {', '.join(map(str, SIZES))}")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default="",
                        help="postgres://USER@HOST:PORT/NAME (NAME must contain 'bench'); default SQLite in a temporary directory")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file and var directory afterwards")
    parser.add_argument("--rescore", metavar="DATABASE_URL",
                        help="recompute and score the networks of a town a --keep run filed (sqlite:///... or postgres://...)")
    args = parser.parse_args()
    sizes = args.reports or list(SIZES)
    if args.rescore:
        if len(sizes) != 1:
            parser.error("--rescore needs the one --reports size the kept town was filed with")
        result = rescore(sizes[0], args.seed, args.rescore)
        print(json.dumps(result, indent=2), flush=True)
        return
    if len(sizes) == 1:
        result = run(sizes[0], args.seed, args.database_url, keep=args.keep)
        save(result)
        print(json.dumps(result, indent=2), flush=True)
        return
    for size in sizes:  # a fresh process (and Django) per size
        command = [sys.executable, __file__, "--reports", str(size), "--seed", str(args.seed)]
        if args.keep:
            command.append("--keep")
        if args.database_url:
            command += ["--database-url", f"{args.database_url}_{size}"]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
