"""Shared test fixtures: the demo partnership's agencies and accounts, and signed-in clients."""

import os

import pytest
from django.core.cache import cache
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_configure(config):
    from django.conf import settings

    # Argon2 is the real hasher (see test_accounts); tests hash with a fast one to stay quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def users(db):
    from safehub.demo.accounts import ensure_demo_users

    return ensure_demo_users()


@pytest.fixture
def agencies(users):
    from safehub.accounts.models import Agency

    return {agency.code: agency for agency in Agency.objects.all()}


def sign_in_client(user, client=None):
    """A test client signed in as this user with the second factor passed (as after a real TOTP login)."""
    client = client or Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
    session.save()
    return client


@pytest.fixture
def client_for(users):
    """client_for("screener") gives a client signed in as that demo account."""
    return lambda username: sign_in_client(users[username])


@pytest.fixture(scope="session")
def linked_people(tmp_path_factory):
    """One real run over ~360 records: (records, planted, traps, entities by record id, pairs rows, model path)."""
    from django.conf import settings
    from django.core.management import call_command

    from tests.linking_data import make_people, write_csv

    folder = tmp_path_factory.mktemp("link")
    records, planted, traps = make_people()
    write_csv(folder / "people.csv", records)
    old_var = settings.VAR_DIR
    settings.VAR_DIR = folder / "var"
    try:
        call_command("link", "csv", str(folder / "people.csv"), "--out", str(folder / "entities.csv"),
                     "--pairs", str(folder / "pairs.csv"), "--review", str(folder / "review.csv"))
    finally:
        settings.VAR_DIR = old_var
    entities = {row["record_id"]: row["entity_id"] for row in _read_csv(folder / "entities.csv")}
    models = sorted((folder / "var" / "linking").glob("model-*.json"))
    return {"folder": folder, "records": records, "planted": planted, "traps": traps, "entities": entities,
            "pairs": _read_csv(folder / "pairs.csv"), "review": _read_csv(folder / "review.csv"), "model": models[-1]}


def _read_csv(path):
    import csv

    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
