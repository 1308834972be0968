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
