from django.core.management.base import BaseCommand, CommandError

from safehub.accounts.models import User
from safehub.accounts.totp import current_code


class Command(BaseCommand):
    help = "Print the current second-factor code of an account (for demo accounts on a test system)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, username, **options):
        from django.conf import settings

        if settings.PRODUCTION:
            raise CommandError("Codes are only printed outside production mode: use your authenticator app.")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account called {username!r}.")
        self.stdout.write(current_code(user))
