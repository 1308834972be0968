from django.core.management.base import BaseCommand

from safehub.demo.accounts import DEMO_PASSWORD, DEMO_USERS, ensure_demo_users
from safehub.demo.casework import load_demo_casework
from safehub.demo.generator import load_demo_reports
from safehub.demo.justice import load_demo_justice
from safehub.demo.sharing import share_with_police
from safehub.demo.support import load_demo_support


class Command(BaseCommand):
    help = "Load the synthetic demo partnership: agencies, one account per role, and a few hundred reports, the case work they led to, one network's police operation, and the support side (adult survivors, support plans, consent, the Victims' Code)."

    def add_arguments(self, parser):
        parser.add_argument("--reports", type=int, default=300, help="0 loads only agencies and accounts")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, reports, seed, **options):
        users = ensure_demo_users()
        if reports:
            self.stdout.write(load_demo_reports(users, count=reports, seed=seed))
            self.stdout.write(load_demo_casework(users, seed=seed))
            self.stdout.write(share_with_police(users, seed))
            self.stdout.write(load_demo_justice(users, seed=seed))
            self.stdout.write(load_demo_support(users, seed=seed))
        self.stdout.write("\nDemo accounts (synthetic; password for all: %s)" % DEMO_PASSWORD)
        self.stdout.write(f"{'username':<18}{'role':<24}agency")
        for username, _first, _last, role, agency_code, _title in DEMO_USERS:
            self.stdout.write(f"{username:<18}{role.label:<24}{users[username].agency.name}")
        self.stdout.write("\nEvery account needs a 6-digit second-factor code. Get the current one with:")
        self.stdout.write("  .venv/bin/safehub totp USERNAME")
        self.stdout.write("(or add the account's key to an authenticator app; codes change every 30 seconds)\n")
