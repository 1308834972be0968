"""A fresh PostgreSQL database for one benchmark run, and Django set up on it (shared by the benchmarks)."""

import os

import psycopg

PG_SERVER = os.environ.get("SAFEHUB_BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def recreate_database(name):
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")


def drop_database(name):
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def setup_django(name, var_dir):
    """Point Safehub at the database, set Django up and migrate."""
    os.environ["SAFEHUB_DATABASE_URL"] = f"{PG_SERVER}/{name}"
    os.environ["SAFEHUB_VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safehub.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)


def signed_in(user):
    """A test client signed in as this user with the second factor passed, for timing pages in process."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
    session.save()
    return client
