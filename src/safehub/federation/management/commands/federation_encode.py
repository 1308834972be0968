from django.core.management.base import BaseCommand, CommandError

from safehub.federation.publish import refresh_encodings


class Command(BaseCommand):
    help = "Re-make the encodings this partnership publishes to other areas, under the federation's current key."

    def handle(self, *args, **options):
        made = refresh_encodings()
        if made is None:
            raise CommandError("No federation key is set (SAFEHUB_FEDERATION_FILE: key_id and keys).")
        self.stdout.write(f"{made} encodings made.")
