"""Staff sign in with a password and a TOTP code; repeated failures lock the account."""

import re

import pytest
from django.test import Client

from safehub.accounts.totp import current_code
from safehub.audit.models import AuditEvent
from safehub.demo.accounts import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def password_step(client, username, password=DEMO_PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_password_then_code_signs_in(users):
    client = Client()
    response = password_step(client, "screener")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/code/"
    response = client.post("/accounts/login/code/", {"code": current_code(users["screener"])})
    assert response.status_code == 302
    assert client.get("/screening/").status_code == 200
    assert AuditEvent.objects.filter(action="login_succeeded", actor=users["screener"]).exists()


def test_password_alone_does_not_open_anything(users):
    client = Client()
    password_step(client, "screener")
    response = client.get("/screening/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_wrong_code_is_refused_and_recorded(users):
    client = Client()
    password_step(client, "screener")
    wrong = f"{(int(current_code(users['screener'])) + 1) % 1_000_000:06d}"
    page = client.post("/accounts/login/code/", {"code": wrong})
    assert "The security code is not right or has expired" in page.content.decode()
    assert AuditEvent.objects.filter(action="second_factor_failed").count() == 1
    assert client.get("/screening/").status_code == 302


def test_wrong_password_is_refused_without_saying_which_part(users):
    page = password_step(Client(), "screener", "wrong-password")
    assert "The username or password is not right" in page.content.decode()
    assert AuditEvent.objects.filter(action="login_failed").exists()


def test_repeated_wrong_passwords_lock_the_account(users, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        password_step(client, "screener", "wrong-password")
    page = password_step(client, "screener")
    assert page.status_code in (403, 429)
    assert "Too many failed sign-in attempts" in page.content.decode()


def test_repeated_wrong_codes_lock_the_account(users, settings):
    client = Client()
    password_step(client, "manager")
    wrong = f"{(int(current_code(users['manager'])) + 7) % 1_000_000:06d}"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/code/", {"code": wrong})
    page = client.post("/accounts/login/code/", {"code": current_code(users["manager"])})
    assert "Too many failed sign-in attempts" in page.content.decode()
    assert client.get("/screening/").status_code == 302
    assert "Too many failed sign-in attempts" in password_step(Client(), "manager").content.decode()


def test_sign_out_ends_the_session(users, client_for):
    client = client_for("screener")
    client.post("/accounts/logout/")
    assert client.get("/screening/").status_code == 302


def test_passwords_are_hashed_with_argon2(users, settings):
    from safehub.accounts.actions import create_user

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user, device = create_user(username="new-worker", password="a-long-password-1", role="worker",
                               agency=users["worker"].agency)
    assert user.password.startswith("argon2")
    assert device.confirmed


def test_every_person_has_a_second_factor_device(users):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    people = [user for user in users.values() if not user.is_system]
    assert TOTPDevice.objects.filter(user__in=people, confirmed=True).count() == len(people)


def test_sessions_expire():
    from django.conf import settings

    assert settings.SESSION_COOKIE_AGE <= 30 * 60 and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_SAVE_EVERY_REQUEST  # idle timeout, renewed on activity


def test_totp_command_prints_a_code_that_signs_in(users):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("totp", "referrer", stdout=out)
    assert re.fullmatch(r"\d{6}\n", out.getvalue())


def test_demo_command_prints_an_account_for_each_role(users):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("demo", reports=0, stdout=out)
    text = out.getvalue()
    for role in ["Referrer", "Screener", "Exploitation worker", "Team manager", "Intelligence analyst",
                 "Scrutiny and audit", "Administrator"]:
        assert role in text
    assert "safehub totp USERNAME" in text
