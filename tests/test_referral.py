"""A professional from any agency makes a referral through the web pages."""

import re

import pytest

from safehub.intake.models import Contact

pytestmark = pytest.mark.django_db

EMPTY = {"count": "1", "action": "continue"}


def walk_to_referral_details(client):
    assert client.get("/referrals/new/")["Location"] == "/referrals/new/concern/"
    client.post("/referrals/new/concern/", {"concern": "Year 9 pupil missing overnight twice; new clothes."})
    client.post("/referrals/new/children/", {**EMPTY, "0-name": "Child C", "0-age": "14"})
    for section in ["people", "vehicles", "phones", "handles", "places"]:
        assert client.post(f"/referrals/new/{section}/", EMPTY).status_code == 302
    return client.get("/referrals/new/referral/")


def test_referral_asks_for_role_family_knowledge_and_lawful_basis(client_for):
    client = client_for("health-referrer")
    page = walk_to_referral_details(client).content.decode()
    assert "DPA 2018 Schedule 1 para 18" in page
    html = client.post("/referrals/new/referral/", {"role": "School nurse", "family_knows": "Nothing yet",
                                                     "consent": "not_sought"}).content.decode()
    assert "Say why consent was not sought or was overridden" in html
    client.post("/referrals/new/referral/", {"role": "School nurse", "family_knows": "Nothing yet",
                                             "consent": "not_sought", "consent_reason": "Telling the family could put her at risk"})
    check = client.get("/referrals/new/check/").content.decode()
    assert "Wrekinshire NHS Trust" in check and "Telling the family could put her at risk" in check
    key = re.search(r'name="submission_key" value="([0-9a-f]+)"', check).group(1)
    response = client.post("/referrals/new/check/", {"submission_key": key})
    assert response["Location"] == "/referrals/new/done/"
    reference = re.search(r"SH-\d{4}-\d{6}", client.get("/referrals/new/done/").content.decode()).group(0)
    contact = Contact.objects.get(reference=reference)
    assert contact.kind == "professional" and contact.referrer_agency.code == "HEALTH"
    assert contact.consent == "not_sought" and contact.referrer_role == "School nurse"
    assert reference in client.get("/referrals/").content.decode()


def test_public_users_cannot_reach_the_referral_pages(agencies, client):
    response = client.get("/referrals/new/concern/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_staff_who_are_not_referrers_cannot_refer_through_the_referrer_pages(client_for):
    assert client_for("analyst").get("/referrals/new/").status_code == 403
