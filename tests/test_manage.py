"""Administrators manage people and agencies, and read no case content."""

import re

import pytest

from safehub.accounts.models import Agency, User
from safehub.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_admin_adds_a_person_who_gets_a_password_and_authenticator_key_once(users, client_for, agencies):
    admin = client_for("admin")
    bad = admin.post("/manage/people/new/", {"username": "referrer", "email": "nope"})
    html = bad.content.decode()
    assert bad.status_code == 400 and "That username is taken" in html and "Enter an email address like" in html
    page = admin.post("/manage/people/new/", {"username": "new-analyst", "first_name": "Nia", "last_name": "Example",
                                               "email": "nia@example.invalid", "agency": agencies["POLICE"].pk,
                                               "role": "analyst"}).content.decode()
    assert re.search(r'id="totp-secret">[A-Z2-7]{32}<', page) and "data:image/svg+xml" in page
    person = User.objects.get(username="new-analyst")
    assert person.agency.code == "POLICE" and person.role == "analyst"
    assert AuditEvent.objects.filter(action="user_created", actor=users["admin"]).exists()


def test_admin_deactivates_a_person_who_then_cannot_sign_in(users, client_for):
    client_for("admin").post(f"/manage/people/{users['worker'].pk}/active/", {"active": "0"})
    assert not User.objects.get(username="worker").is_active
    from django.test import Client

    from safehub.demo.accounts import DEMO_PASSWORD

    response = Client().post("/accounts/login/", {"username": "worker", "password": DEMO_PASSWORD})
    assert "The username or password is not right" in response.content.decode()


def test_admin_adds_an_agency(client_for):
    admin = client_for("admin")
    admin.post("/manage/agencies/", {"code": "hosp", "name": "Wrekinshire Hospice", "kind": "health"})
    assert Agency.objects.get(code="HOSP").name == "Wrekinshire Hospice"
    again = admin.post("/manage/agencies/", {"code": "HOSP", "name": "Another", "kind": "health"})
    assert again.status_code == 400 and "That code is taken" in again.content.decode()


def test_only_admins_manage(client_for):
    for role in ["manager", "scrutiny", "screener", "referrer"]:
        assert client_for(role).get("/manage/people/").status_code == 403
