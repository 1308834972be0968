"""`safehub translations compile|check|status`: the public side's translation catalogues (ADR 27).

Compiles each locale/<language>/LC_MESSAGES/django.po to its .mo with Babel (pure Python: no gettext package
needed on the machine), refusing a catalogue with untranslated or fuzzy messages; `check` only reports them;
`status` prints each language's review state.
"""

from django.core.management.base import BaseCommand, CommandError

from safehub import languages
from safehub.intake import catalogues


class Command(BaseCommand):
    help = "Compile, check or list the public side's translations (safehub/locale)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["compile", "check", "status"])

    def handle(self, *args, action, **options):
        if action == "status":
            for language in languages.public_languages():
                safety = "checked" if language.safety_reviewed else "shown in English"
                self.stdout.write(f"{language.code}\t{language.english_name}\t{language.state}; safety messages {safety}")
            return
        problems = catalogues.problems()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} message(s) untranslated, fuzzy or with their placeholders changed")
        if action == "compile":
            for path in catalogues.compile_all():
                self.stdout.write(f"compiled {path}")
