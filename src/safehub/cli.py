"""The `safehub` command: Django's management commands with Safehub's settings."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safehub.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["safehub", *sys.argv[1:]])


if __name__ == "__main__":
    main()
