"""Every figure in the registry, counted by hand on a small world of records in 2026 (and a few outside it)."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safehub import clock
from safehub.audit.trail import record as audit
from safehub.cases.models import Case, Child, Meeting, RiskAssessment
from safehub.insights import figures
from safehub.insights.figures import BY_KEY, FIGURES, Scope, compute_all
from safehub.insights.periods import Period
from safehub.intake.models import Contact, ContactHandle, ContactPerson, ContactPlace, ContactVehicle
from safehub.intelligence.models import JusticeStep, Operation, PersonOfConcern
from safehub.linking.models import Network

pytestmark = pytest.mark.django_db
YEAR = Scope(Period.year(2026))


def at(text):
    """A local (London) time, e.g. at("2026-03-02 10:00")."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=clock.LONDON)


def contact(agency, kind, received, decided=None, outcome=""):
    received_at = at(received)
    return Contact.objects.create(
        kind=kind, owning_agency=agency, received_at=received_at, concern="Synthetic concern",
        submission_key=uuid.uuid4().hex, decision_due_at=clock.screening_decision_due(received_at),
        decided_at=at(decided) if decided else None, outcome=outcome,
        status=Contact.Status.DECIDED if decided else Contact.Status.AWAITING)


def child(agency, by, created, **fields):
    return Child.objects.create(owning_agency=agency, created_by=by, created_at=at(created),
                                first_name="Test", last_name=uuid.uuid4().hex[:6], **fields)


def case(kid, agency, by, opened, **fields):
    opened_at = at(opened)
    fields.setdefault("assessment_due", clock.assessment_due(opened_at))
    return Case.objects.create(child=kid, owning_agency=agency, opened_by=by, opened_at=opened_at,
                               referral_received_at=opened_at, **fields)


def screening(on_case, by, assessed_on, vulnerabilities=(), harms=(), settings=()):
    """harms=() is a screening made before the kind of harm was asked (as the migration left them)."""
    day = dt.date.fromisoformat(assessed_on)
    return RiskAssessment.objects.create(
        case=on_case, child=on_case.child, assessed_on=day, assessed_by=by, vulnerabilities=list(vulnerabilities),
        harms=list(harms), settings=list(settings),
        score=0, score_category=0, tool_category=0, final_category=0,
        reassessment_due=clock.risk_reassessment_due(day))


def meeting(on_case, agency, by, kind, held, section_47=False):
    made = Meeting.objects.create(kind=kind, owning_agency=agency, held_at=at(held), chair="Chair",
                                  section_47=section_47, recorded_by=by)
    made.cases.add(on_case)
    return made


def person(agency, by, created, **fields):
    return PersonOfConcern.objects.create(owning_agency=agency, created_by=by, created_at=at(created), **fields)


@pytest.fixture
def world(users, agencies):
    council, police = agencies["COUNCIL"], agencies["POLICE"]
    worker, analyst = users["worker"], users["analyst"]
    c1 = contact(council, "public", "2026-03-02 10:00", "2026-03-03 09:00", "open_case")
    ContactHandle.objects.create(contact=c1, username="snap_user")
    ContactPerson.objects.create(contact=c1, name="A man")
    ContactPerson.objects.create(contact=c1, name="Another man")
    c2 = contact(police, "professional", "2026-03-06 15:00", "2026-03-10 09:00", "nfa")  # due Mon 9th 15:00: late
    ContactPlace.objects.create(contact=c2, address="The park")
    ContactPerson.objects.create(contact=c2, name="One man")
    c3 = contact(council, "non_recent", "2026-04-01 12:00")
    ContactVehicle.objects.create(contact=c3, registration="AB12")
    contact(council, "public", "2025-12-31 11:00", "2026-01-02 10:00", "strategy")  # due 2 Jan 11:00 (1 Jan closed)
    contact(council, "public", "2027-01-05 11:00")

    ava = child(council, worker, "2026-02-01 09:00", sex="female", date_of_birth=dt.date(2012, 6, 1),
                ethnicity="white_british", nationality="British", send="ehc_plan", learning_disability=True)
    ben = child(council, worker, "2026-03-10 09:00", sex="male", approximate_age=16)
    cal = child(council, worker, "2025-11-01 09:00", ethnicity="not_known")
    ava_case = case(ava, council, worker, "2026-03-03 10:00", assessment_completed_on=dt.date(2026, 4, 1))
    case(ava, council, worker, "2026-09-01 10:00")
    ben_case = case(ben, council, worker, "2026-05-05 10:00", assessment_due=dt.date(2026, 6, 1),
                    assessment_completed_on=dt.date(2026, 6, 15))
    cal_case = case(cal, council, worker, "2025-12-01 10:00", assessment_due=dt.date(2026, 1, 20),
                    assessment_completed_on=dt.date(2026, 1, 10))

    screening(ava_case, worker, "2026-03-05", ["low_self_esteem", "isolation"])  # first: not a reassessment
    screening(ava_case, worker, "2026-06-01", ["isolation"], harms=["cse"],  # due 5 June: on time
              settings=["hotel", "vehicle"])
    screening(ava_case, worker, "2026-10-01", harms=["cse", "other_csa"], settings=["vehicle", "online"])  # late
    screening(ben_case, worker, "2025-12-15", harms=["cce"], settings=["public_place"])  # outside the year
    screening(ben_case, worker, "2026-03-10", ["looked_after_child"])  # due 15 March: on time
    dee = child(council, worker, "2025-11-15 09:00", sex="female")
    dee_case = case(dee, council, worker, "2025-11-20 10:00")
    screening(dee_case, worker, "2026-04-02", harms=["other_harm"])  # no setting recorded
    screening(dee_case, worker, "2026-04-20", harms=["other_csa"], settings=[])
    # In 2026: Ava cse, other_csa; settings hotel, vehicle, online. Ben screened only before harms were asked
    # (the 2025 screening is outside the year): not recorded, no setting. Dee other_harm, other_csa; no setting.

    meeting(ava_case, council, worker, "strategy", "2026-03-04 10:00", section_47=True)
    meeting(ava_case, council, worker, "conference", "2026-03-20 10:00")  # due 25 March: on time
    meeting(ben_case, council, worker, "strategy", "2026-05-06 10:00", section_47=True)
    meeting(ben_case, council, worker, "conference", "2026-06-15 10:00")  # due 28 May: late
    meeting(cal_case, council, worker, "conference", "2026-07-01 10:00")  # no section 47 discussion: not counted

    p1 = person(police, analyst, "2026-02-10 09:00", sex="male", date_of_birth=dt.date(1990, 5, 1),
                ethnicity="asian_pakistani", nationality_answer="recorded", nationality="British", disability="yes")
    p2 = person(police, analyst, "2025-06-01 09:00", sex="male", age_from=20, age_to=30, ethnicity="not_known",
                nationality_answer="not_known", disability="not_known")
    person(police, analyst, "2026-02-20 09:00")  # disability never asked: not recorded
    person(police, analyst, "2024-01-01 09:00", sex="female", disability="no")  # not in 2026's suspects
    operation = Operation.objects.create(name="Operation Test", owning_agency=police, lead=analyst, created_by=analyst)
    for who, kind, when in [(p2, "investigation", "2026-03-01 10:00"), (p2, "arrest", "2026-03-02 10:00"),
                            (p2, "charge", "2026-03-03 10:00"), (p1, "investigation", "2026-04-01 10:00"),
                            (p1, "nfa", "2026-05-01 10:00"), (p2, "conviction", "2027-01-10 10:00")]:
        JusticeStep.objects.create(operation=operation, person=who, kind=kind, at=at(when), recorded_by=analyst)

    old = Network.objects.create(flagged=True, contact_ids=[c2.pk], newest_activity=at("2026-06-01 10:00"),
                                 computed_at=at("2026-01-01 10:00"), retired_at=at("2026-08-01 10:00"))
    computed = at("2026-08-01 10:00")
    n1, n2, n3 = [Network.objects.create(flagged=True, contact_ids=[c.pk], newest_activity=at(when),
                                         computed_at=computed)
                  for c, when in [(c1, "2026-05-01 10:00"), (c2, "2026-06-01 10:00"), (c3, "2026-07-01 10:00")]]
    Network.objects.create(flagged=False, newest_activity=at("2026-07-01 10:00"), computed_at=computed)
    Network.objects.create(flagged=True, newest_activity=at("2025-07-01 10:00"), computed_at=computed)
    operation.network_reports.add(c1)
    audit("network_viewed", user=analyst, obj=n1)
    audit("network_viewed", user=analyst, obj=n2)
    audit("network_viewed", user=analyst, obj=old)
    audit("network_viewed", user=worker, obj=n3)
    return {"council": council, "police": police}


def months(**values):
    """Twelve months of 2026 with the given rows, the rest zero: months(March=[1, 0, 1])."""
    names = [dt.date(2026, m, 1).strftime("%B") for m in range(1, 13)]
    return {f"{name} 2026": values.get(name) for name in names}


def check_by_month(table, width, **values):
    expected = {row: dict(zip(table.columns, given or [0] * width)) for row, given in months(**values).items()}
    assert table.as_dict() == expected


def test_contacts_by_month_and_kind(world):
    table = compute_all(YEAR, [BY_KEY["contacts"]])["contacts"]
    assert table.columns == ["Public report", "Adult reporting non-recent abuse", "Professional referral"]
    check_by_month(table, 3, March=[1, 0, 1], April=[0, 1, 0])
    assert table.row_totals and table.column_totals


def test_decisions_by_outcome(world):
    assert BY_KEY["decisions"].count(YEAR).as_dict() == {
        "No further action": 1, "Advice or signposting": 0, "Referral to another service": 0,
        "Open an exploitation case": 1, "Strategy discussion (reasonable cause to suspect significant harm)": 1,
        "Immediate police response": 0}


def test_how_offending_happened(world):
    table = BY_KEY["offending_how"].count(YEAR)
    assert list(table.as_dict().values()) == [1, 2, 1] and not table.column_totals


def test_children_identified(world):
    assert BY_KEY["victims_sex"].count(YEAR).as_dict() == {"Female": 1, "Male": 1, "Not known": 0, "Not recorded": 0}
    ethnicity = BY_KEY["victims_ethnicity"].count(YEAR).as_dict()
    assert ethnicity["White"] == 1 and ethnicity["Not recorded"] == 1 and sum(ethnicity.values()) == 2
    age = BY_KEY["victims_age"].count(YEAR)
    assert age.as_dict() == {"Under 10": 0, "10 to 12": 0, "13 to 15": 1, "16 to 17": 1, "18 and over": 0,
                             "Not known": 0}
    assert age.summary == {"mean_age": 14.5, "mean_of": 2}
    send = BY_KEY["victims_send"].count(YEAR).as_dict()
    assert send["Education, health and care plan"] == 1 and send["Not recorded"] == 1 and sum(send.values()) == 2
    assert BY_KEY["victims_disability"].count(YEAR).as_dict() == {"Learning disability recorded": 1,
                                                                  "No learning disability recorded": 1}
    vulnerable = {k: v for k, v in BY_KEY["vulnerabilities"].count(YEAR).as_dict().items() if v}
    assert vulnerable == {"Low self-esteem": 1, "Isolation": 1, "Looked after child": 1}


def test_children_screened_by_kind_of_harm_with_cse_apart(world):
    table = BY_KEY["abuse_category"].count(YEAR)
    assert table.as_dict() == {"Child sexual exploitation": 1, "Other child sexual abuse": 2,
                               "Child criminal exploitation or county lines": 0, "Other exploitation or harm": 1,
                               figures.NOT_RECORDED_HARM: 1}
    assert not table.column_totals, "a child can be in more than one row"
    council = Scope(Period.year(2026), agency=world["council"])
    assert BY_KEY["abuse_category"].count(council).as_dict() == table.as_dict()
    police = Scope(Period.year(2026), agency=world["police"])
    assert sum(BY_KEY["abuse_category"].count(police).as_dict().values()) == 0
    quarter = BY_KEY["abuse_category"].count(Scope(Period.quarter(2026, 1))).as_dict()
    assert quarter["Child sexual exploitation"] == 0 and quarter[figures.NOT_RECORDED_HARM] == 2


def test_children_screened_by_setting(world):
    table = BY_KEY["settings"].count(YEAR)
    counted = {row: n for row, n in table.as_dict().items() if n}
    assert counted == {"Hotel or short-let": 1, "Vehicle or taxi": 1, "Online or by phone": 1,
                       figures.NO_SETTING: 2}
    assert len(table.rows) == 11 and not table.column_totals
    second_half = BY_KEY["settings"].count(Scope(Period.month(2026, 10))).as_dict()
    assert {row: n for row, n in second_half.items() if n} == {"Vehicle or taxi": 1, "Online or by phone": 1}


def test_suspects_by_disability(world):
    assert BY_KEY["suspects_disability"].count(YEAR).as_dict() == {"Disability": 1, "No disability": 0,
                                                                   "Not known": 1, "Refused": 0, "Not recorded": 1}


def test_suspects_and_justice(world):
    assert BY_KEY["suspects_sex"].count(YEAR).as_dict() == {"Male": 2, "Female": 0, "Another sex or gender": 0,
                                                            "Not known": 0, "Not recorded": 1}
    age = BY_KEY["suspects_age"].count(YEAR)
    assert {k: v for k, v in age.as_dict().items() if v} == {"25 to 34": 1, "35 to 44": 1, "Not known": 1}
    ethnicity = BY_KEY["suspects_ethnicity"].count(YEAR).as_dict()
    assert {k: v for k, v in ethnicity.items() if v} == {"Asian or Asian British": 1, "Not known": 1,
                                                         "Not recorded": 1}
    assert BY_KEY["justice"].count(YEAR).as_dict() == {
        "Investigation opened": 2, "Arrested": 1, "Charged": 1, "No further action": 1, "Convicted": 0,
        "Acquitted": 0, "Sentenced": 0}


def test_completeness_month_by_month(world):
    check_by_month(BY_KEY["suspects_ethnicity_recorded"].count(YEAR), 2, February=[1, 1])
    check_by_month(BY_KEY["suspects_nationality_recorded"].count(YEAR), 2, February=[1, 1])
    check_by_month(BY_KEY["victims_ethnicity_recorded"].count(YEAR), 2, February=[1, 0], March=[0, 1])
    check_by_month(BY_KEY["victims_nationality_recorded"].count(YEAR), 2, February=[1, 0], March=[0, 1])


def test_timeliness(world):
    check_by_month(BY_KEY["screening_timeliness"].count(YEAR), 2, January=[1, 0], March=[1, 1])
    check_by_month(BY_KEY["assessment_timeliness"].count(YEAR), 2, January=[1, 0], April=[1, 0], June=[0, 1])
    check_by_month(BY_KEY["conference_timeliness"].count(YEAR), 2, March=[1, 0], June=[0, 1])
    check_by_month(BY_KEY["reassessment_timeliness"].count(YEAR), 2, March=[1, 0], April=[1, 0], June=[1, 0],
                   October=[0, 1])  # April: Dee's second screening, 18 days after her first


def test_victims_code_notifications_by_the_month_they_fell_due(world, users):
    from safehub.support.models import VictimNotification

    step = JusticeStep.objects.get(kind="charge")
    for due, told in [("2026-03-04 10:00", "2026-03-04 09:00"), ("2026-03-31 23:30", "2026-04-01 09:00"),
                      ("2026-04-02 10:00", None), ("2025-12-30 10:00", "2025-12-30 11:00")]:
        kid = child(world["council"], users["worker"], "2026-02-01 09:00")
        VictimNotification.objects.create(step=step, child=kid, decision="Charged", due_at=at(due),
                                          told_at=at(told) if told else None)
    check_by_month(BY_KEY["victims_code"].count(YEAR), 3, March=[1, 1, 0], April=[0, 0, 1])
    council = Scope(Period.year(2026), agency=world["council"])
    assert sum(sum(row) for row in BY_KEY["victims_code"].count(council).cells) == 0, "the police's operation"


def test_group_based_exploitation(world):
    assert BY_KEY["networks"].count(YEAR).as_dict() == {"Confirmed: an operation was opened from it": 1,
                                                        "Reviewed by an analyst, no operation yet": 1,
                                                        "Not yet reviewed": 1}


def test_every_figure_is_recorded_now_and_a_seam_would_be_published_as_not_recorded(world):
    assert [figure.key for figure in FIGURES if not figure.recorded] == []
    seam = figures.Figure("future", "Something not kept yet", "victims", "A figure with no records behind it.",
                          "the period", "children", (figures.IICSA,), None, not_recorded="Not kept.",
                          seam_rows=("A", "B"))
    table = seam.count(YEAR)
    assert table.rows == ["A", "B"] and all(cell is None for row in table.cells for cell in row)


def test_a_month_and_a_quarter_and_an_agency(world):
    march = Scope(Period.month(2026, 3))
    assert BY_KEY["contacts"].count(march).as_dict() == {"March 2026": {
        "Public report": 1, "Adult reporting non-recent abuse": 0, "Professional referral": 1}}
    quarter = Scope(Period.quarter(2026, 1))
    assert list(BY_KEY["contacts"].count(quarter).as_dict()) == ["January 2026", "February 2026", "March 2026"]
    police = Scope(Period.year(2026), agency=world["police"])
    table = compute_all(police)
    assert "networks" not in table
    assert table["contacts"].as_dict()["March 2026"] == {"Public report": 0, "Adult reporting non-recent abuse": 0,
                                                         "Professional referral": 1}
    assert sum(table["suspects_sex"].as_dict().values()) == 3


def test_every_figure_is_defined_in_plain_words():
    assert len({figure.key for figure in FIGURES}) == len(FIGURES)
    for figure in FIGURES:
        assert figure.title and figure.definition and figure.period and figure.counts and figure.asked_by
        assert figure.section in figures.SECTIONS


def test_the_whole_set_takes_a_fixed_number_of_queries(world, users, agencies):
    with CaptureQueriesContext(connection) as few:
        compute_all(YEAR)
    worker = users["worker"]
    for n in range(20):
        kid = child(agencies["COUNCIL"], worker, f"2026-0{n % 9 + 1}-02 09:00", sex="female")
        extra = case(kid, agencies["COUNCIL"], worker, f"2026-0{n % 9 + 1}-03 10:00",
                     assessment_completed_on=dt.date(2026, 10, 1))
        screening(extra, worker, "2026-10-02", ["isolation"])
        screening(extra, worker, "2026-11-02")
        meeting(extra, agencies["COUNCIL"], worker, "strategy", "2026-10-05 10:00", section_47=True)
        meeting(extra, agencies["COUNCIL"], worker, "conference", "2026-10-20 10:00")
        contact(agencies["COUNCIL"], "public", f"2026-0{n % 9 + 1}-04 10:00", f"2026-0{n % 9 + 1}-04 12:00", "nfa")
    with CaptureQueriesContext(connection) as many:
        compute_all(YEAR)
    assert len(many) == len(few) <= 40
