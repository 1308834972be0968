from django.core.management.base import BaseCommand, CommandError

from safehub.accounts.api_auth import issue_token
from safehub.accounts.models import User


class Command(BaseCommand):
    help = "Issue an API token for an agency system account. The token is printed once and stored only as a digest."

    def add_arguments(self, parser):
        parser.add_argument("username", help="An agency system account (role referrer, is_system).")
        parser.add_argument("--name", default="Agency system")

    def handle(self, username, name, **options):
        user = User.objects.filter(username=username, is_system=True).first()
        if user is None:
            raise CommandError(f"No agency system account called {username!r}.")
        self.stdout.write(issue_token(user, name))
