from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from safehub.accounts import actions
from safehub.accounts.models import Agency, ApiToken, User


class Command(BaseCommand):
    help = ("Agency system accounts and their API tokens. `apitoken NAME` issues a token for an existing system "
            "account; with --agency and --role it first creates the account; --revoke PREFIX --reason WHY "
            "revokes one; --list lists them. A token is printed once and stored only as a digest.")

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", help="An agency system account.")
        parser.add_argument("--name", default="Agency system", help="What the token is for (the system's name).")
        parser.add_argument("--agency", help="Create the system account first, for this agency (its code).")
        parser.add_argument("--role", choices=[str(role) for role in actions.SYSTEM_ROLES],
                            help="The staff role the system acts as: referrer (referrals), worker (cases), "
                                 "analyst (people of concern).")
        parser.add_argument("--revoke", metavar="PREFIX", help="Revoke the token that starts with this prefix.")
        parser.add_argument("--reason", default="", help="Why the token is revoked.")
        parser.add_argument("--list", dest="list_all", action="store_true", help="List system accounts and their tokens.")

    def handle(self, username, name, agency, role, revoke, reason, list_all, **options):
        try:
            if list_all:
                return self.list_tokens()
            if revoke:
                return self.revoke(revoke, reason)
            if not username:
                raise CommandError("Name the agency system account.")
            account = self.create(username, name, agency, role) if agency else self.find(username)
            self.stdout.write(actions.issue_api_token(None, account, name))
        except ValidationError as refused:
            raise CommandError(" ".join(refused.messages)) from None

    def find(self, username):
        account = User.objects.filter(username=username, is_system=True).first()
        if account is None:
            raise CommandError(f"No agency system account called {username!r} (give --agency and --role to create it).")
        return account

    def create(self, username, name, agency_code, role):
        agency = Agency.objects.filter(code=agency_code.upper()).first()
        if agency is None:
            raise CommandError(f"No agency with the code {agency_code!r}.")
        if not role:
            raise CommandError("Give the system's --role.")
        return actions.add_agency_system(None, username=username, name=name, agency=agency, role=role)

    def revoke(self, prefix, reason):
        tokens = list(ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True))
        if len(tokens) != 1:
            raise CommandError(f"{len(tokens)} live tokens start with {prefix!r}: give exactly one token's prefix.")
        actions.revoke_api_token(None, tokens[0], reason)
        self.stdout.write(f"Revoked {tokens[0]}.")

    def list_tokens(self):
        for token in ApiToken.objects.select_related("user__agency").order_by("user__username", "created_at"):
            state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "live"
            self.stdout.write(f"{token.prefix}  {token.user.username} ({token.user.agency.code if token.user.agency else '-'}, "
                              f"{token.user.role})  {token.name}  issued {token.created_at:%Y-%m-%d}  {state}")
