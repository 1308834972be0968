"""The API held to its own schema by schemathesis, a client no one here wrote, run against the live server with
each kind of agency system token (ADR 23).

Each run fails on any server error, a status or content type the schema does not document, a response that does
not match its schema, or a request valid by the schema that is refused. Refusals no schema can state (a record
that does not exist or may not be opened, a check digit, an action's rule about dates or attendees) answer 422,
documented on every operation that takes a body; the check of schema-valid requests accepts 422 for them and
nothing else beyond the default (400 always fails it).
"""

import datetime as dt
import re
import subprocess
import sys
import time

import pytest
from django.utils import timezone

from safehub import clock
from safehub.accounts import actions as accounts
from safehub.accounts.models import Agency
from safehub.cases import actions as casework
from safehub.intake.actions import submit_contact
from tests.browser.conftest import serialise_requests_on_shared_connection

SEED = 14
MAX_EXAMPLES = 5
CHECKS = ("not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance,"
          "positive_data_acceptance")
CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409", "422"]

# The coverage phase's boundary values are valid requests only (and no unexpected methods), so a run stays
# within seconds; invalid requests come from the fuzzing phase.
[phases.coverage]
unexpected-methods = []

[phases.coverage.generation]
mode = "positive"
"""
# token kind -> (agency, role of the system account, the operations it is for). Each run tries the operations its
# kind is for, so every operation is tried once with the token meant for it and without a token (the coverage
# phase leaves the header out); what other kinds are refused (403) is tested in test_agency_system_tokens.py.
TOKEN_KINDS = {
    "referrer system (a school's MIS)": ("SCHOOLS", "referrer", r"^/api/v1/referrals/"),
    "case system (the council's)": ("COUNCIL", "worker", r"^/api/v1/(children|cases)/"),
    "intelligence system (the police's)": ("POLICE", "analyst", r"^/api/v1/(people|intelligence|operations)/"),
}


@pytest.fixture
def live_api(django_db_setup, live_server):
    serialise_requests_on_shared_connection(live_server)
    return live_server.url


@pytest.fixture
def records(users):
    """Something to read on every list: a referral, and a case with a screening, an action and a meeting."""
    submit_contact({"kind": "professional", "concern": "Seen with older men in a car", "referral": {
        "role": "Teacher", "family_knows": "No", "consent": "given", "consent_reason": ""}},
        submission_key="schemathesis-referral", referrer=users["referrer"])
    worker = users["worker"]
    child = casework.create_child(worker, first_name="Ria", last_name="Dale", date_of_birth=dt.date(2011, 4, 2))
    case = casework.open_case(worker, child)
    casework.record_risk_screening(worker, case, assessed_on=clock.today(), harms=["cse"],
                                   moderate=["staying_out_late"])
    due = clock.today() + dt.timedelta(days=5)
    casework.add_plan_action(worker, case, description="Home visit", owner_name="Wen",
                             owner_agency=Agency.objects.get(code="COUNCIL"), due_on=due)
    casework.record_meeting(worker, case, kind="mace", held_at=timezone.now() - dt.timedelta(hours=2), chair="DI Rowe",
                            attendees=[{"name": "DI Rowe", "agency": Agency.objects.get(code="POLICE")}], actions=[])
    return case


def schemathesis_run(base_url, token, paths, config_path):
    """Run the schemathesis command line as an agency's developer would; return its exit code and output."""
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config_path), "run",
               f"{base_url}/api/schema/", "--header", f"Authorization: Token {token}", "--checks", CHECKS,
               "--seed", str(SEED), "--max-examples", str(MAX_EXAMPLES), "--workers", "1",
               "--phases", "examples,coverage,fuzzing", "--generation-database", "none", "--no-color",
               "--output-sanitize", "false", "--request-timeout", "30", "--include-path-regex", paths]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=600)
    return finished.returncode, finished.stdout + finished.stderr


@pytest.mark.parametrize("kind", TOKEN_KINDS)
def test_the_live_api_keeps_to_its_schema(kind, live_api, users, agencies, records, tmp_path):
    agency, role, paths = TOKEN_KINDS[kind]
    account = accounts.add_agency_system(users["admin"], username=f"st-{role}", name=kind, agency=agencies[agency],
                                         role=role)
    token = accounts.issue_api_token(users["admin"], account, kind)
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    started = time.monotonic()
    code, output = schemathesis_run(live_api, token, paths, config)
    tally = re.search(r"(\d+) generated, (.*)", output)
    assert tally, output[-3000:]
    generated = int(tally.group(1))
    print(f"schemathesis, {kind}: {generated} generated, {tally.group(2)} ({time.monotonic() - started:.1f} s)")
    assert code == 0 and "failure" not in tally.group(2), output[-6000:]
    assert generated > 50, "the run generated too few requests to mean anything"
