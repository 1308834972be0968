from django.core.management.base import BaseCommand

from safehub.screening.actions import escalate_overdue


class Command(BaseCommand):
    help = "Escalate every undecided contact past its deadline to its agency's team managers (run every few minutes)."

    def handle(self, **options):
        count = escalate_overdue()
        self.stdout.write(f"Escalated {count} overdue contact(s).")
