"""The demo case work: children, cases, screenings, plans and meetings that agree with the planted reports,
seen through the real pages by the demo worker and manager."""

import re

import pytest
from django.utils import timezone

from safehub.cases.models import Case, ChronologyEntry, Meeting
from safehub.demo.casework import load_demo_casework
from safehub.demo.generator import load_demo_reports
from safehub.demo.models import GroundTruth
from safehub.risk import RiskCategory
from tests.conftest import sign_in_client

SEED = 2026
COUNT = 120


@pytest.fixture
def casework(users, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    load_demo_reports(users, count=COUNT, seed=SEED)
    return load_demo_casework(users, seed=SEED)


def network_children():
    return {child["name"]: row.data for row in GroundTruth.objects.filter(seed=SEED, kind=GroundTruth.Kind.NETWORK)
            for child in row.data["children"]}


def case_of(name):
    return next(case for case in Case.objects.select_related("child") if str(case.child) == name)


@pytest.mark.django_db
def test_every_network_child_has_a_case_at_moderate_or_significant_risk(users, casework):
    manager = sign_in_client(users["manager"])
    labels = {}
    for name in network_children():
        case = case_of(name)  # StopIteration if a network child has no case
        page = manager.get(f"/cases/{case.reference}/").content.decode()
        assert name in page
        labels[name] = next(label for label in ("Significant risk", "Moderate risk", "Mild risk", "Not at risk",
                                                "Not yet screened") if f">{label}<" in page)
    screened = [label for label in labels.values() if label != "Not yet screened"]
    assert len(screened) >= len(labels) - 2, labels
    assert set(screened) <= {"Significant risk", "Moderate risk"}, labels
    assert "Significant risk" in screened


@pytest.mark.django_db
def test_network_screenings_show_the_indicators_their_reports_describe(users, casework):
    manager = sign_in_client(users["manager"])
    theme_sign = {"Park pick-ups in cars": "Getting into cars with unknown adults",
                  "Online grooming and meet-ups": "Secretive online activity or sending sexual images",
                  "Takeaway, lifts and a flat": "Unexplained money, phones, clothes or gifts",
                  "Parties at a short-let flat and hotel": "Seen at known hotspots or adult premises"}
    checked = 0
    for name, network in network_children().items():
        case = case_of(name)
        if case.risk_category is None:
            continue
        page = manager.get(f"/cases/{case.reference}/").content.decode()
        assert theme_sign[network["title"]] in page, (name, network["title"])
        checked += 1
    assert checked


@pytest.mark.django_db
def test_background_cases_are_mostly_not_at_risk_or_mild(users, casework):
    names = network_children()
    background = [case for case in Case.objects.select_related("child") if str(case.child) not in names
                  and case.risk_category is not None]
    categories = [case.risk_category for case in background]
    assert categories.count(RiskCategory.NOT_AT_RISK) >= 3
    assert sum(c <= RiskCategory.MILD for c in categories) > 0.7 * len(categories)
    assert RiskCategory.SIGNIFICANT not in categories
    worker = sign_in_client(users["worker"])
    assert ">Not at risk<" in worker.get("/cases/").content.decode()


@pytest.mark.django_db
def test_the_mace_list_shows_the_network_children_at_significant_risk(users, casework):
    page = sign_in_client(users["manager"]).get("/cases/mace/").content.decode()
    names = network_children()
    significant = [name for name in names if case_of(name).risk_category == RiskCategory.SIGNIFICANT]
    assert significant and all(name in page for name in significant)
    listed = len(re.findall(r'href="/cases/EX-', page))
    assert listed == len(significant)  # no background child is at significant risk


@pytest.mark.django_db
def test_the_team_view_shows_unallocated_cases_overdue_actions_and_an_overdue_reassessment(users, casework):
    page = sign_in_client(users["manager"]).get("/cases/team/").content.decode()
    unallocated = Case.objects.filter(status=Case.Status.OPEN)
    assert unallocated.count() == 2
    assert all(case.reference in page for case in unallocated)
    assert re.search(r"Overdue plan actions \(([1-9]\d*)\)", page)
    reassessments = page.split('id="reassessments-due"')[1].split('id="closures"')[0]
    assert "Overdue" in reassessments


@pytest.mark.django_db
def test_meetings_notes_and_a_signed_off_closure(users, casework):
    manager = sign_in_client(users["manager"])
    strategy = Meeting.objects.filter(kind=Meeting.Kind.STRATEGY).first()
    page = manager.get(f"/cases/{strategy.cases.get().reference}/").content.decode()
    for agency in ("Wrekinshire Council Children", "Wrekinshire Police", "Wrekinshire NHS Trust"):
        assert agency in page
    mace = Meeting.objects.filter(kind=Meeting.Kind.MACE)
    assert mace.exists()
    network_cases = {case_of(name).pk for name in network_children()}
    assert {case.pk for meeting in mace for case in meeting.cases.all()} <= network_cases
    assert any(meeting.cases.count() > 1 for meeting in mace), "one MACE meeting covers a network's children"
    assert ChronologyEntry.objects.filter(kind="note", subtype="missing_episode").exists()
    closed = Case.objects.get(status=Case.Status.CLOSED)
    page = manager.get(f"/cases/{closed.reference}/").content.decode()
    assert "signed off by Morgan Demo-Manager" in page


@pytest.mark.django_db
def test_dates_are_plausible_and_loading_again_adds_nothing(users, casework):
    now = timezone.now()
    assert not ChronologyEntry.objects.filter(at__gt=now).exists()
    for case in Case.objects.prefetch_related("risk_assessments", "meetings"):
        assert case.source_contact is None or case.opened_at >= case.source_contact.decided_at
        assert all(a.assessed_on >= case.opened_at.date() for a in case.risk_assessments.all())
        assert all(m.held_at >= case.opened_at for m in case.meetings.all())
    cases, lines = Case.objects.count(), ChronologyEntry.objects.count()
    assert load_demo_casework(users, seed=SEED) == "Demo case work already loaded."
    assert (Case.objects.count(), ChronologyEntry.objects.count()) == (cases, lines)


@pytest.mark.django_db
def test_after_the_fact_times_cannot_be_in_the_future(users):
    import datetime as dt

    from django.core.exceptions import ValidationError

    from safehub.cases import actions

    later = timezone.now() + dt.timedelta(hours=1)
    with pytest.raises(ValidationError):
        actions.create_child(users["worker"], first_name="Future", at=later)
    child = actions.create_child(users["worker"], first_name="Present")
    case = actions.open_case(users["worker"], child)
    with pytest.raises(ValidationError):
        actions.allocate_case(users["manager"], case, users["worker"], at=later)
    case.refresh_from_db()
    assert case.allocated_to is None and case.status == Case.Status.OPEN
