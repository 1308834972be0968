"""Another partnership's Safehub, for the federation tests: its own process and SQLite file, a person of concern
with a phone and a car and another with only a name and a date of birth, its encodings published, answering over
loopback HTTP.

Run as `python tests/federation_partner.py PORT` with SAFEHUB_DATABASE_URL, SAFEHUB_VAR_DIR and
SAFEHUB_FEDERATION_FILE set; prints "ready" once it listens. Tables are made from the models (no migrations),
which takes seconds rather than the minute the whole migration history takes.
"""

import datetime as dt
import os
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

PERSON = {"first_name": "Darren", "last_name": "Kettleby", "date_of_birth": dt.date(1988, 3, 14),
          "nicknames": "Dags", "ethnicity": "not_known", "nationality_answer": "not_known", "disability": "not_known"}
DETAILS = [("phone", "07700 900461"), ("vehicle", "KT19 XRD")]
ANOTHER = {**PERSON, "first_name": "Wayne", "last_name": "Marsh", "date_of_birth": dt.date(1979, 11, 3),
           "nicknames": ""}


class NoMigrations(dict):
    def __contains__(self, item):
        return True

    def __getitem__(self, item):
        return None


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def seed():
    from django.core.management import call_command

    from safehub.demo.accounts import ensure_demo_users
    from safehub.federation.publish import refresh_encodings
    from safehub.intelligence.actions.people import create_person

    call_command("migrate", run_syncdb=True, verbosity=0)
    users = ensure_demo_users()
    create_person(users["analyst"], details=DETAILS, **PERSON)
    create_person(users["analyst"], **ANOTHER)
    refresh_encodings()


def main(port):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safehub.settings")
    import django
    from django.conf import settings

    settings.MIGRATION_MODULES = NoMigrations()
    django.setup()
    seed()
    from django.core.wsgi import get_wsgi_application

    server = make_server("127.0.0.1", port, get_wsgi_application(), server_class=ThreadingServer,
                         handler_class=QuietHandler)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(int(sys.argv[1]))
