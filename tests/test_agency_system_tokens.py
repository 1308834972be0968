"""Agency system accounts: a case system (a police or school MIS) uses the case API with a token of its own,
scoped to its agency through the same policy as that agency's staff, issued and revoked by an administrator."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from rest_framework.test import APIClient

from safehub import clock
from safehub.accounts import actions as accounts
from safehub.accounts.models import ApiToken
from safehub.audit.models import AuditEvent
from safehub.cases import actions

pytestmark = pytest.mark.django_db


def api_with(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def police_system(users, agencies):
    account = accounts.add_agency_system(users["admin"], username="police-niche", name="Police case system",
                                         agency=agencies["POLICE"], role="worker")
    return account, accounts.issue_api_token(users["admin"], account, "Police case system")


@pytest.fixture
def cases_of_two_agencies(users, agencies):
    council_child = actions.create_child(users["worker"], first_name="Nia", last_name="Fenn",
                                         date_of_birth=dt.date(2011, 6, 1))
    council_case = actions.open_case(users["worker"], council_child)
    officer, _ = accounts.create_user(username="pc-ash", password="p" * 12, role="worker", agency=agencies["POLICE"])
    police_child = actions.create_child(officer, first_name="Tia", last_name="Moss", date_of_birth=dt.date(2012, 2, 3))
    police_case = actions.open_case(officer, police_child)
    return council_case, police_case


def test_an_agency_token_reads_its_agencys_cases_and_not_anothers(police_system, cases_of_two_agencies):
    account, token = police_system
    council_case, police_case = cases_of_two_agencies
    api = api_with(token)
    listed = api.get("/api/v1/cases/")
    assert listed.status_code == 200
    assert [row["reference"] for row in listed.json()] == [police_case.reference]
    assert api.get(f"/api/v1/cases/{police_case.reference}/").json()["owning_agency"] == "POLICE"
    assert api.get(f"/api/v1/cases/{council_case.reference}/").status_code == 404
    assert api.get(f"/api/v1/cases/{council_case.reference}/actions/").status_code == 404
    read = AuditEvent.objects.filter(action="case_viewed", object_id=str(police_case.pk))
    assert read.get().actor == account, "the read is audited with the system's own account"
    refused = AuditEvent.objects.filter(action="access_denied", object_type="case", object_id=council_case.reference)
    assert refused.count() == 2 and {event.actor for event in refused} == {account}


def test_an_agency_token_writes_as_that_agencys_worker_and_the_change_is_audited(police_system, cases_of_two_agencies):
    account, token = police_system
    _, police_case = cases_of_two_agencies
    due = (clock.today() + dt.timedelta(days=7)).isoformat()
    response = api_with(token).post(f"/api/v1/cases/{police_case.reference}/actions/", {
        "description": "Return home interview", "owner_name": "PC Ash", "owner_agency": "POLICE", "due_on": due},
        format="json")
    assert response.status_code == 201, response.json()
    assert AuditEvent.objects.filter(actor=account).exclude(action="case_viewed").exists()


def test_a_revoked_token_is_refused_and_the_revocation_is_audited(users, police_system, cases_of_two_agencies):
    account, token = police_system
    api = api_with(token)
    assert api.get("/api/v1/cases/").status_code == 200
    accounts.revoke_api_token(users["admin"], ApiToken.objects.get(user=account), "The MIS was replaced")
    refused = api.get("/api/v1/cases/")
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    revoked = AuditEvent.objects.get(action="api_token_revoked")
    assert (revoked.actor, revoked.reason) == (users["admin"], "The MIS was replaced")


def test_a_referrer_token_cannot_read_cases(users, cases_of_two_agencies):
    school_mis = users["referrer"].__class__.objects.get(username="school-mis")
    api = api_with(accounts.issue_api_token(users["admin"], school_mis, "Schools MIS"))
    response = api.get("/api/v1/cases/")
    assert response.status_code == 403 and "case API" in response.json()["detail"]
    assert api.get(f"/api/v1/cases/{cases_of_two_agencies[0].reference}/").status_code == 403


def test_only_an_administrator_issues_tokens_and_only_to_system_accounts_of_a_stated_role(users, agencies):
    with pytest.raises(PermissionDenied):
        accounts.add_agency_system(users["manager"], username="mis", name="MIS", agency=agencies["SCHOOLS"],
                                   role="worker")
    with pytest.raises(ValidationError, match="role"):
        accounts.add_agency_system(users["admin"], username="mis", name="MIS", agency=agencies["SCHOOLS"],
                                   role="manager")
    with pytest.raises(ValidationError, match="system accounts"):
        accounts.issue_api_token(users["admin"], users["worker"], "a person is not a system")
    issued = AuditEvent.objects.filter(action="api_token_issued")
    assert not issued.exists()


def test_the_apitoken_command_creates_a_system_issues_lists_and_revokes(cases_of_two_agencies):
    out = io.StringIO()
    call_command("apitoken", "police-niche", agency="police", role="worker", name="Police case system", stdout=out)
    token = out.getvalue().strip()
    assert api_with(token).get("/api/v1/cases/").status_code == 200
    listing = io.StringIO()
    call_command("apitoken", list_all=True, stdout=listing)
    assert f"{token[:8]}  police-niche (POLICE, worker)  Police case system" in listing.getvalue()
    call_command("apitoken", revoke=token[:8], reason="Leaked in a ticket", stdout=io.StringIO())
    assert api_with(token).get("/api/v1/cases/").status_code == 401
    assert AuditEvent.objects.filter(action="api_token_revoked", reason="Leaked in a ticket", actor=None).exists()
