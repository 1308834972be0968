"""API v1 for case systems: children, cases, screenings, actions and meetings, through the same policy."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from safehub import clock
from safehub.accounts.actions import create_user
from safehub.accounts.api_auth import issue_token
from safehub.audit.models import AuditEvent
from safehub.cases import actions

pytestmark = pytest.mark.django_db


def api_for(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user, 'case system')}")
    return client


@pytest.fixture
def case(users):
    child = actions.create_child(users["worker"], first_name="Nia", last_name="Fenn", date_of_birth=dt.date(2011, 6, 1))
    return actions.open_case(users["worker"], child)


def test_a_case_system_opens_a_case_and_records_a_screening_an_action_and_a_meeting(users, agencies):
    api = api_for(users["worker"])
    child = api.post("/api/v1/children/", {"first_name": "Lee", "last_name": "Ash", "ethnicity": "not_known"},
                     format="json")
    assert child.status_code == 201, child.json()
    opened = api.post("/api/v1/cases/", {"child": child.json()["reference"]}, format="json")
    assert opened.status_code == 201, opened.json()
    reference = opened.json()["reference"]
    screening = api.post(f"/api/v1/cases/{reference}/assessments/", {
        "assessed_on": clock.today().isoformat(), "harms": ["cse", "other_csa"], "settings": ["online"],
        "moderate": ["staying_out_late"], "significant": {"missing_overnight_or_longer": "recent", "older_boyfriend_or_controlling_adult": "recent",
                        "unexplained_money_or_gifts": "both"}}, format="json")
    assert screening.status_code == 201, screening.json()
    assert screening.json()["final_result"] == "Significant risk"
    assert (screening.json()["harms"], screening.json()["settings"]) == (["cse", "other_csa"], ["online"])
    due = (clock.today() + dt.timedelta(days=7)).isoformat()
    action = api.post(f"/api/v1/cases/{reference}/actions/", {"description": "Home visit", "owner_name": "Wen",
                                                               "owner_agency": "COUNCIL", "due_on": due}, format="json")
    assert action.status_code == 201, action.json()
    meeting = api.post(f"/api/v1/cases/{reference}/meetings/", {
        "kind": "mace", "held_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(), "chair": "DI Rowe",
        "attendees": [{"name": "DI Rowe", "agency": "POLICE"}],
        "actions": [{"description": "Disruption visit", "owner_name": "DI Rowe", "owner_agency": "POLICE",
                     "due_on": due}]}, format="json")
    assert meeting.status_code == 201, meeting.json()
    listed = api.get(f"/api/v1/cases/{reference}/actions/").json()
    assert {row["description"] for row in listed} == {"Home visit", "Disruption visit"}
    case = api.get(f"/api/v1/cases/{reference}/").json()
    assert case["risk"] == "Significant risk" and case["assessment_due"]


def test_bad_screening_gets_a_clear_error_and_stores_nothing(users, case):
    response = api_for(users["worker"]).post(f"/api/v1/cases/{case.reference}/assessments/", {
        "assessed_on": clock.today().isoformat(), "significant": {"missing_overnight_or_longer": "yesterday"}},
        format="json")
    assert response.status_code == 400
    assert "yesterday" in str(response.json())
    assert "harms" in response.json(), "the kind of harm is required"
    assert not case.risk_assessments.exists()


def test_other_agencies_cannot_see_or_change_a_case(users, agencies, case):
    police_worker, _ = create_user(username="pw", password="p" * 12, role="worker", agency=agencies["POLICE"])
    api = api_for(police_worker)
    assert api.get(f"/api/v1/cases/{case.reference}/").status_code == 404
    assert case.reference not in str(api.get("/api/v1/cases/").json())
    response = api.post(f"/api/v1/cases/{case.reference}/actions/", {}, format="json")
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="access_denied", object_id=case.reference).exists()


def test_readers_who_may_not_work_a_case_cannot_change_it(users, case):
    response = api_for(users["screener"]).post(f"/api/v1/cases/{case.reference}/actions/", {
        "description": "x", "owner_name": "y", "owner_agency": "COUNCIL", "due_on": "2030-01-01"}, format="json")
    assert response.status_code == 403
    assert not case.actions.exists()


def test_referrers_have_no_case_api(users, case):
    assert api_for(users["referrer"]).get("/api/v1/cases/").status_code == 403


def test_reading_a_case_is_audited(users, case):
    api_for(users["worker"]).get(f"/api/v1/cases/{case.reference}/")
    assert AuditEvent.objects.filter(action="case_viewed", object_id=str(case.pk)).exists()


def test_the_schema_documents_the_case_routes(client):
    schema = client.get("/api/schema/").content.decode()
    for route in ("/api/v1/children/", "/api/v1/cases/{reference}/", "/api/v1/cases/{reference}/assessments/",
                  "/api/v1/cases/{reference}/actions/", "/api/v1/cases/{reference}/meetings/"):
        assert route in schema


def test_a_reference_that_names_no_child_you_can_open_is_refused_with_422_and_the_field(users):
    response = api_for(users["worker"]).post("/api/v1/cases/", {"child": "CH-999999"}, format="json")
    assert response.status_code == 422
    assert list(response.json()) == ["child"] and "CH-999999" in response.json()["child"][0]
    wrong_shape = api_for(users["worker"]).post("/api/v1/cases/", {"child": None}, format="json")
    assert wrong_shape.status_code == 400 and "child" in wrong_shape.json()
