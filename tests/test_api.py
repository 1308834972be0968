"""API v1: an agency system creates referrals and reads back their status, through the same actions."""

import pytest
from rest_framework.test import APIClient

from safehub.accounts.api_auth import issue_token
from safehub.accounts.models import User
from safehub.intake.models import Contact
from safehub.screening.actions import record_decision

pytestmark = pytest.mark.django_db

REFERRAL = {
    "concern": "Pupil seen with unknown adults; new phone.",
    "children": [{"name": "Child B", "age": "13", "school": "Hilltop Academy"}],
    "people": [{"name": "Adult X", "nicknames": "Taz, T"}],
    "vehicles": [{"registration": "AB12 CDE", "colour": "black", "make": "Audi A3"}],
    "phones": [{"number": "+44 7700 900123", "whose": "Adult X"}],
    "handles": [{"username": "@taz_x", "app": "Snapchat"}],
    "places": [{"address": "1 Example Street", "postcode": "TF1 1AA"}],
    "referrer_role": "Designated safeguarding lead",
    "family_knows": "Parents informed",
    "consent": "given",
}


@pytest.fixture
def school_system(users):
    system = User.objects.get(username="school-mis")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(system, 'Schools MIS')}")
    return client


def test_create_referral_with_structured_details(school_system):
    response = school_system.post("/api/v1/referrals/", REFERRAL, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"].startswith("SH-") and body["status"] == "Awaiting decision"
    contact = Contact.objects.get(reference=body["reference"])
    assert contact.channel == "api" and contact.referrer_agency.code == "SCHOOLS"
    assert contact.vehicles.get().registration == "AB12CDE" and not contact.vehicles.get().registration_partial
    assert contact.handles.get().username == "@taz_x"
    assert contact.children.get().school == "Hilltop Academy"


def test_status_shows_the_outcome(school_system, users):
    reference = school_system.post("/api/v1/referrals/", REFERRAL, format="json").json()["reference"]
    record_decision(users["screener"], Contact.objects.get(reference=reference), "open_case", "Indicators present")
    body = school_system.get(f"/api/v1/referrals/{reference}/").json()
    assert body["outcome"] == "Open an exploitation case" and body["outcome_reason"] == "Indicators present"


def test_same_submission_key_creates_one_referral(school_system):
    first = school_system.post("/api/v1/referrals/", {**REFERRAL, "submission_key": "mis-000123"}, format="json")
    second = school_system.post("/api/v1/referrals/", {**REFERRAL, "submission_key": "mis-000123"}, format="json")
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["reference"] == second.json()["reference"]
    assert Contact.objects.count() == 1


def test_bad_input_gets_specific_errors_and_stores_nothing(school_system):
    bad = {**REFERRAL, "vehicles": [{"registration": "<script>"}], "consent": "not_sought", "concern": ""}
    response = school_system.post("/api/v1/referrals/", bad, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert "concern" in errors
    assert "Use ? for characters you do not know" in str(errors["vehicles"])
    assert Contact.objects.count() == 0


def test_consent_not_sought_needs_a_reason(school_system):
    response = school_system.post("/api/v1/referrals/", {**REFERRAL, "consent": "not_sought"}, format="json")
    assert response.status_code == 400 and "consent_reason" in response.json()


def test_no_token_or_wrong_token_is_refused(users):
    client = APIClient()
    assert client.get("/api/v1/referrals/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/v1/referrals/").status_code == 401


def test_a_system_sees_only_its_own_referrals(school_system, users):
    from safehub.intake.actions import submit_contact

    other, _ = submit_contact({"kind": "public", "concern": "Public concern"}, submission_key="public-1")
    mine = school_system.post("/api/v1/referrals/", REFERRAL, format="json").json()["reference"]
    listed = [row["reference"] for row in school_system.get("/api/v1/referrals/").json()]
    assert listed == [mine]
    assert school_system.get(f"/api/v1/referrals/{other.reference}/").status_code == 404


def test_openapi_schema_documents_the_referral_routes(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/referrals/", "/api/v1/referrals/{reference}/"} <= set(schema["paths"])
    assert "post" in schema["paths"]["/api/v1/referrals/"]


def test_api_errors_never_show_a_traceback(school_system):
    response = school_system.post("/api/v1/referrals/", "{not json", content_type="application/json")
    assert response.status_code == 400 and "Traceback" not in response.content.decode()


def test_refused_api_calls_are_audited(school_system, users):
    from safehub.audit.models import AuditEvent
    from safehub.intake.actions import submit_contact

    other, _ = submit_contact({"kind": "public", "concern": "Public concern"}, submission_key="public-2")
    school_system.get(f"/api/v1/referrals/{other.reference}/")
    APIClient().get("/api/v1/referrals/")
    denied = AuditEvent.objects.filter(action="access_denied", object_type="api")
    assert denied.count() == 2
    assert denied.filter(actor__username="school-mis").exists()


def test_the_schema_asks_for_what_the_server_requires_and_documents_every_refusal(school_system, client):
    schema = client.get("/api/schema/?format=json").json()
    body = schema["components"]["schemas"]["ReferralCreateRequest"]
    for field in ("concern", "referrer_role", "family_knows"):
        assert (body["properties"][field]["minLength"], body["properties"][field]["pattern"]) == (1, r"\S")
    assert set(schema["paths"]["/api/v1/referrals/{reference}/"]["get"]["responses"]) == {"200", "401", "403", "404"}
    assert set(schema["paths"]["/api/v1/referrals/"]["post"]["responses"]) == {"200", "201", "400", "401", "403",
                                                                                "415", "422"}
    blank = school_system.post("/api/v1/referrals/", {**REFERRAL, "concern": "   ", "family_knows": ""}, format="json")
    assert blank.status_code == 400
    assert blank.json() == {"concern": ["This field may not be blank."], "family_knows": ["This field may not be blank."]}
    no_reason = school_system.post("/api/v1/referrals/", {**REFERRAL, "consent": "refused"}, format="json")
    assert no_reason.status_code == 400 and "consent_reason" in no_reason.json()


def test_an_id_that_is_not_a_number_gets_a_json_404(school_system):
    response = school_system.get("/api/v1/people/not-a-number/")
    assert response.status_code == 404 and response.json() == {"detail": "No record there that you can open."}
