"""Who may see what: owning agency, shares, transfers, restrictions and break-glass."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from safehub.access import actions
from safehub.access.models import BreakGlass, Restriction
from safehub.accounts.actions import create_user
from safehub.audit.models import AuditEvent
from safehub.intake.actions import submit_contact
from safehub.intake.models import Contact
from tests.conftest import sign_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(users, agencies):
    """The demo accounts plus a police screener and a second council screener and manager."""
    extra = {
        "police-screener": ("screener", "POLICE"),
        "screener2": ("screener", "COUNCIL"),
        "manager2": ("manager", "COUNCIL"),
        "police-manager": ("manager", "POLICE"),
    }
    people = dict(users)
    for username, (role, code) in extra.items():
        people[username], _ = create_user(username=username, password="p" * 12, role=role, agency=agencies[code])
    return people


def new_contact(concern="Girl seen in cars with older men"):
    contact, _ = submit_contact({"kind": "public", "concern": concern}, submission_key=uuid.uuid4().hex)
    return contact


def visible(user, contact):
    return Contact.objects.visible_to(user).filter(pk=contact.pk).exists()


def test_owning_agency_sees_other_agencies_do_not(staff):
    contact = new_contact()
    assert visible(staff["screener"], contact) and visible(staff["worker"], contact)
    assert not visible(staff["police-screener"], contact) and not visible(staff["analyst"], contact)


def test_admin_and_scrutiny_read_no_case_content(staff):
    contact = new_contact()
    assert not visible(staff["admin"], contact) and not visible(staff["scrutiny"], contact)


def test_share_grants_access_and_revoke_removes_it(staff, agencies):
    contact = new_contact()
    share = actions.share_record(staff["screener"], contact, agency=agencies["POLICE"], purpose="Joint strategy discussion",
                                 lawful_basis="dpa_s1_p18")
    assert visible(staff["police-screener"], contact) and visible(staff["analyst"], contact)
    assert not visible(staff["health-referrer"], contact)
    actions.revoke_share(staff["screener"], share, reason="Strategy discussion held")
    assert not visible(staff["police-screener"], contact)
    actions_logged = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"record_shared", "share_revoked"} <= actions_logged


def test_expired_share_gives_nothing(staff, agencies):
    contact = new_contact()
    share = actions.share_record(staff["screener"], contact, agency=agencies["POLICE"], purpose="Checks",
                                 lawful_basis="dpa_s1_p18", expires_at=timezone.now() + dt.timedelta(hours=1))
    assert visible(staff["police-screener"], contact)
    type(share).objects.filter(pk=share.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert not visible(staff["police-screener"], contact)


def test_share_needs_purpose_and_basis_and_an_owner(staff, agencies):
    contact = new_contact()
    with pytest.raises(ValidationError):
        actions.share_record(staff["screener"], contact, agency=agencies["POLICE"], purpose=" ", lawful_basis="dpa_s1_p18")
    with pytest.raises(PermissionDenied):
        actions.share_record(staff["police-screener"], contact, agency=agencies["HEALTH"], purpose="x", lawful_basis="dpa_s1_p18")


def test_a_shared_agency_cannot_reshare_or_screen(staff, agencies):
    contact = new_contact()
    actions.share_record(staff["screener"], contact, agency=agencies["POLICE"], purpose="Checks", lawful_basis="dpa_s1_p18")
    with pytest.raises(PermissionDenied):
        actions.share_record(staff["police-screener"], contact, agency=agencies["HEALTH"], purpose="x", lawful_basis="dpa_s1_p18")
    from safehub.screening.actions import record_decision

    with pytest.raises(PermissionDenied):
        record_decision(staff["police-screener"], contact, "nfa", "Not ours")


def test_transfer_changes_owner_only_when_accepted(staff, agencies):
    contact = new_contact()
    transfer = actions.request_transfer(staff["screener"], contact, to_agency=agencies["POLICE"], reason="Police lead")
    contact.refresh_from_db()
    assert contact.owning_agency.code == "COUNCIL" and not visible(staff["police-screener"], contact)
    with pytest.raises(PermissionDenied):
        actions.answer_transfer(staff["manager"], transfer, accept=True)  # the sender cannot accept
    actions.answer_transfer(staff["police-manager"], transfer, accept=True)
    contact.refresh_from_db()
    assert contact.owning_agency.code == "POLICE"
    assert visible(staff["police-screener"], contact) and not visible(staff["screener"], contact)


def test_declined_transfer_changes_nothing(staff, agencies):
    contact = new_contact()
    transfer = actions.request_transfer(staff["screener"], contact, to_agency=agencies["POLICE"], reason="Police lead")
    actions.answer_transfer(staff["police-manager"], transfer, accept=False)
    contact.refresh_from_db()
    assert contact.owning_agency.code == "COUNCIL"


def test_restriction_limits_to_allow_list_with_a_90_day_review(staff):
    contact = new_contact()
    restriction = actions.restrict_record(staff["manager"], contact, reason_kind="staff_conflict",
                                          reason="Worker is related to the family", allowed_users=[staff["screener"]])
    assert restriction.review_due == timezone.localdate() + dt.timedelta(days=90)
    assert visible(staff["manager"], contact) and visible(staff["screener"], contact)
    assert not visible(staff["screener2"], contact) and not visible(staff["worker"], contact)
    assert not visible(staff["manager2"], contact)


def test_restricted_record_is_not_counted_for_those_outside(staff, client_for):
    contact = new_contact()
    actions.restrict_record(staff["manager"], contact, reason_kind="high_profile", reason="Public figure",
                            allowed_users=[])
    outside = sign_in_client(staff["screener2"]).get("/screening/").content.decode()
    inside = sign_in_client(staff["manager"]).get("/screening/").content.decode()
    assert contact.reference not in outside and "No reports are waiting" in outside
    assert "0 awaiting a decision" in outside
    assert contact.reference in inside and "1 awaiting a decision" in inside


def test_colleague_outside_the_list_is_refused_and_a_manager_can_break_the_glass(staff):
    contact = new_contact()
    actions.restrict_record(staff["manager"], contact, reason_kind="high_profile", reason="Public figure", allowed_users=[])
    colleague = sign_in_client(staff["screener2"])
    refused = colleague.get(f"/screening/{contact.reference}/")
    assert refused.status_code == 403 and "This record is restricted" in refused.content.decode()
    assert "Break the glass" not in refused.content.decode()

    other_manager = sign_in_client(staff["manager2"])
    page = other_manager.get(f"/screening/{contact.reference}/")
    assert page.status_code == 403 and "Break the glass" in page.content.decode()
    empty = other_manager.post(f"/access/contact/{contact.reference}/break-glass/", {"reason": ""})
    assert empty.status_code == 400 and "Give the reason" in empty.content.decode()
    other_manager.post(f"/access/contact/{contact.reference}/break-glass/", {"reason": "Child missing tonight"})
    assert other_manager.get(f"/screening/{contact.reference}/").status_code == 200
    glass = BreakGlass.objects.get()
    assert glass.user == staff["manager2"] and glass.reviewed_at is None
    # Only for that session: a new session is refused again.
    assert sign_in_client(staff["manager2"]).get(f"/screening/{contact.reference}/").status_code == 403


def test_break_glass_is_not_for_other_agencies_or_non_managers(staff):
    contact = new_contact()
    actions.restrict_record(staff["manager"], contact, reason_kind="high_profile", reason="x", allowed_users=[])
    for username in ["police-manager", "screener2"]:
        client = sign_in_client(staff[username])
        response = client.post(f"/access/contact/{contact.reference}/break-glass/", {"reason": "curious"})
        assert response.status_code in (403, 404)
    assert not BreakGlass.objects.exists()
    assert sign_in_client(staff["police-manager"]).get(f"/screening/{contact.reference}/").status_code == 404


def test_who_has_seen_lists_views_newest_first_for_managers_and_scrutiny(staff):
    contact = new_contact()
    sign_in_client(staff["screener"]).get(f"/screening/{contact.reference}/")
    sign_in_client(staff["worker"]).get(f"/screening/{contact.reference}/")
    for username in ["manager", "scrutiny"]:
        page = sign_in_client(staff[username]).get(f"/audit/contact/{contact.reference}/").content.decode()
        assert page.index("worker") < page.index("screener")
        assert "Girl seen in cars" not in page
    assert sign_in_client(staff["screener"]).get(f"/audit/contact/{contact.reference}/").status_code == 403
    assert sign_in_client(staff["police-manager"]).get(f"/audit/contact/{contact.reference}/").status_code == 404


def test_scrutiny_reads_the_trail_but_no_case_file(staff):
    contact = new_contact()
    client = sign_in_client(staff["scrutiny"])
    assert client.get("/audit/").status_code == 200
    assert client.get(f"/screening/{contact.reference}/").status_code == 403


def test_denied_access_is_audited(staff):
    contact = new_contact()
    sign_in_client(staff["police-screener"]).get(f"/screening/{contact.reference}/")
    assert AuditEvent.objects.filter(action="access_denied", actor=staff["police-screener"]).exists()


def test_share_through_the_page_shows_errors_and_then_the_share(staff, agencies):
    contact = new_contact()
    client = sign_in_client(staff["screener"])
    bad = client.post(f"/access/contact/{contact.reference}/share/", {"share-agency": "", "share-purpose": ""})
    html = bad.content.decode()
    assert bad.status_code == 400 and "Choose the agency to share with" in html and "Say why the record is shared" in html
    client.post(f"/access/contact/{contact.reference}/share/", {"share-agency": agencies["POLICE"].pk,
                                                                  "share-purpose": "Joint visit",
                                                                  "share-lawful_basis": "dpa_s1_p18"})
    page = client.get(f"/screening/{contact.reference}/").content.decode()
    assert "Wrekinshire Police" in page and "Joint visit" in page
    assert Restriction.objects.count() == 0


def test_restrictions_due_for_review_are_listed_without_content(staff):
    contact = new_contact("Sensitive details here")
    restriction = actions.restrict_record(staff["manager"], contact, reason_kind="staff_conflict", reason="Conflict",
                                          allowed_users=[])
    Restriction.objects.filter(pk=restriction.pk).update(review_due=timezone.localdate() - dt.timedelta(days=1))
    for username in ["manager", "scrutiny"]:
        page = sign_in_client(staff[username]).get("/audit/break-glass/").content.decode()
        assert "Review now" in page and "Staff conflict of interest" in page
        assert "Sensitive details here" not in page and contact.reference not in page
    assert "Review now" not in sign_in_client(staff["police-manager"]).get("/audit/break-glass/").content.decode()
