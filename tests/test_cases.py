"""Case work as the exploitation team sees it: a case opened from a report, allocated, screened for risk,
planned, met about, closed with sign-off and reopened; children added without duplicates."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from safehub import clock, risk
from safehub.accounts.actions import create_user
from safehub.audit.models import AuditEvent
from safehub.cases import actions
from safehub.cases.models import Case, Child, ChronologyEntry, RiskAssessment
from safehub.intake.actions import submit_contact
from safehub.screening.actions import record_decision
from tests.conftest import sign_in_client

pytestmark = pytest.mark.django_db

SIGNIFICANT_PICTURE = {"missing_overnight_or_longer": "recent", "older_boyfriend_or_controlling_adult": "recent",
                       "getting_into_cars_with_unknown_adults": "recent", "unexplained_money_or_gifts": "both"}


def decided_report(users, outcome="open_case", child_name="Tia Marsh"):
    draft = {"kind": "public", "concern": "Seen getting into cars with older men after school.",
             "children": [{"name": child_name, "age": "14"}]}
    contact, _ = submit_contact(draft, submission_key=uuid.uuid4().hex)
    return record_decision(users["screener"], contact, outcome, "Risk of exploitation: open a case.")


@pytest.fixture
def case(users):
    contact = decided_report(users)
    child = actions.create_child(users["screener"], first_name="Tia", last_name="Marsh",
                                 date_of_birth=dt.date(2012, 5, 4))
    return actions.open_case(users["screener"], child, contact=contact)


def test_a_case_opened_from_a_decision_keeps_the_report_and_its_deadlines(users, case):
    contact = case.source_contact
    assert case.reference.startswith("EX-") and case.status == Case.Status.OPEN
    assert case.assessment_due == clock.assessment_due(contact.received_at)
    kinds = list(ChronologyEntry.objects.filter(child=case.child).order_by("at", "pk").values_list("kind", flat=True))
    assert kinds == ["report", "decision", "case", "case"]  # the report, its decision, the child, the case
    page = sign_in_client(users["screener"]).get(f"/screening/{contact.reference}/").content.decode()
    assert case.reference in page


def test_no_case_opens_from_a_report_without_a_decision_that_calls_for_one(users):
    child = actions.create_child(users["screener"], first_name="Kai")
    no_action = decided_report(users, outcome="nfa")
    with pytest.raises(ValidationError, match="no decision to open a case"):
        actions.open_case(users["screener"], child, contact=no_action)
    undecided, _ = submit_contact({"kind": "public", "concern": "Worried"}, submission_key=uuid.uuid4().hex)
    with pytest.raises(ValidationError):
        actions.open_case(users["screener"], child, contact=undecided)


def test_screener_opens_a_case_from_the_report_page_for_a_new_child(users):
    contact = decided_report(users, child_name="Rhys Pellow")
    client = sign_in_client(users["screener"])
    page = client.get(f"/cases/from-report/{contact.reference}/").content.decode()
    assert "Rhys Pellow" in page
    response = client.post(f"/cases/from-report/{contact.reference}/", {"child": "new"})
    case = Case.objects.get(source_contact=contact)
    assert response["Location"] == f"/cases/{case.reference}/"
    assert (case.child.first_name, case.child.last_name) == ("Rhys", "Pellow")


def test_only_a_manager_of_the_owning_agency_allocates(users, agencies, case):
    with pytest.raises(PermissionDenied):
        actions.allocate_case(users["worker"], case, users["worker"])
    police_worker, _ = create_user(username="pw", password="p" * 12, role="worker", agency=agencies["POLICE"])
    with pytest.raises(ValidationError, match="agency that holds it"):
        actions.allocate_case(users["manager"], case, police_worker)
    response = sign_in_client(users["manager"]).post(f"/cases/{case.reference}/allocate/",
                                                     {"worker": users["worker"].pk})
    assert response.status_code == 302
    my_cases = sign_in_client(users["worker"]).get("/cases/").content.decode()
    assert case.reference in my_cases and "has been allocated to you" in my_cases


def screening_form(**overrides):
    data = {"assessed_on": clock.today().strftime("%d/%m/%Y"), "harms": ["cse", "cce"],
            "settings": ["hotel", "vehicle"], "vulnerabilities": ["family_breakdown", "isolation"],
            "moderate": ["staying_out_late", "school_exclusion_or_absence"], **{f"sig_{k}": v for k, v in
                                                                               SIGNIFICANT_PICTURE.items()}}
    data.update(overrides)
    return data


def test_risk_screening_page_shows_indicators_and_judgement_not_a_bare_score(users, case):
    client = sign_in_client(users["worker"])
    response = client.post(f"/cases/{case.reference}/risk/", screening_form())
    assert response.status_code == 302
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Significant risk" in page
    assert "Going missing overnight or longer" in page and "Older &quot;boyfriend&quot; or a controlling adult" in page
    assert "Reassess by" in page and f"{risk.reassessment_due(clock.today()):%-d %B %Y}" in page
    assert "Child sexual exploitation" in page and "Child criminal exploitation or county lines" in page
    assert "Hotel or short-let" in page and "Vehicle or taxi" in page
    case.refresh_from_db()
    assert case.risk_category == risk.RiskCategory.SIGNIFICANT
    assessment = RiskAssessment.objects.get()
    assert (assessment.harms, assessment.settings) == (["cce", "cse"], ["hotel", "vehicle"])
    line = case.child.chronology.get(kind="risk", subtype="screening").summary
    assert line == ("Risk screening: Significant risk. Harm: child sexual exploitation, child criminal exploitation "
                    "or county lines. Settings: hotel or short-let, vehicle or taxi")
    child_page = client.get(f"/children/{case.child.reference}/").content.decode()
    assert "Vehicle or taxi" in child_page and "Child criminal exploitation or county lines" in child_page


def test_the_kind_of_harm_is_required_and_the_input_is_kept(users, case):
    client = sign_in_client(users["worker"])
    response = client.post(f"/cases/{case.reference}/risk/", screening_form(harms=[]))
    page = response.content.decode()
    assert response.status_code == 400
    assert "Select at least one kind of harm the child is experiencing or at risk of" in page
    assert 'href="#id_harms"' in page and 'id="id_harms"' in page, "the error summary links to the first box"
    assert 'value="hotel" checked' in page and 'value="family_breakdown" checked' in page
    assert not RiskAssessment.objects.exists()
    with pytest.raises(ValidationError, match="at least one kind of harm"):
        actions.record_risk_screening(users["worker"], case, harms=[], assessed_on=clock.today())
    with pytest.raises(risk.UnknownIndicator, match="setting"):
        actions.record_risk_screening(users["worker"], case, harms=["cse"], settings=["moon"],
                                      assessed_on=clock.today())


def test_an_older_screening_without_harms_says_not_recorded(users, case):
    assessment = actions.record_risk_screening(users["worker"], case, harms=["other_csa"], assessed_on=clock.today())
    RiskAssessment.objects.filter(pk=assessment.pk).update(harms=[], settings=[])  # as the migration leaves them
    page = sign_in_client(users["worker"]).get(f"/cases/{case.reference}/").content.decode()
    assert "Not recorded (screened before the kind of harm was asked)" in page and "No setting recorded" in page


def test_lowering_the_result_needs_a_reason_and_the_input_is_kept(users, case):
    client = sign_in_client(users["worker"])
    response = client.post(f"/cases/{case.reference}/risk/", screening_form(judgement="2"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "judgement_reason is required" in page
    assert 'value="family_breakdown" checked' in page
    assert not RiskAssessment.objects.exists()
    client.post(f"/cases/{case.reference}/risk/",
                screening_form(judgement="2", judgement_reason="Safety plan in place; now living with grandmother"))
    assessment = RiskAssessment.objects.get()
    assert (assessment.tool_category, assessment.final_category) == (risk.RiskCategory.SIGNIFICANT,
                                                                     risk.RiskCategory.MODERATE)
    page = client.get(f"/children/{case.child.reference}/").content.decode()
    assert "Professional judgement changed the tool's result (Significant risk)" in page


def test_every_screening_is_kept_and_the_latest_sets_the_reassessment(users, case):
    first_day = clock.today() - dt.timedelta(days=40)
    actions.record_risk_screening(users["worker"], case, harms=["cse"], assessed_on=first_day, moderate=["staying_out_late"])
    actions.record_risk_screening(users["worker"], case, harms=["cse"], assessed_on=clock.today(), significant=SIGNIFICANT_PICTURE)
    assert RiskAssessment.objects.filter(case=case).count() == 2
    case.refresh_from_db()
    assert case.risk_reassessment_due == clock.risk_reassessment_due(clock.today())
    page = sign_in_client(users["worker"]).get(f"/children/{case.child.reference}/").content.decode()
    assert "Earlier screenings (1)" in page and "Not at risk" in page


def test_a_young_child_with_cse_behaviours_is_never_not_at_risk(users):
    contact = decided_report(users)
    child = actions.create_child(users["screener"], first_name="Ola", date_of_birth=clock.today().replace(year=clock.today().year - 11))
    case = actions.open_case(users["screener"], child, contact=contact)
    assessment = actions.record_risk_screening(users["worker"], case, harms=["cse"], assessed_on=clock.today(),
                                               moderate=["staying_out_late"])
    assert assessment.score == 1 and assessment.final_category == risk.RiskCategory.MILD
    assert "12 or under" in assessment.overrides[0]


def test_a_disclosure_is_the_highest_category_and_tells_police_and_social_care(users, agencies, case):
    police_manager, _ = create_user(username="pm", password="p" * 12, role="manager", agency=agencies["POLICE"])
    assessment = actions.record_risk_screening(users["worker"], case, harms=["cse"], assessed_on=clock.today(), disclosure=True)
    assert assessment.final_category == risk.RiskCategory.SIGNIFICANT
    told = set(case.notifications.filter(kind="disclosure").values_list("user__username", flat=True))
    assert {"pm", "manager"} <= told
    assert AuditEvent.objects.filter(action="disclosure_notified").exists()


def attendee(name, agency):
    return {"name": name, "agency": agency, "role": ""}


def test_strategy_discussion_needs_social_care_police_and_health(users, agencies, case):
    held = timezone.now() - dt.timedelta(hours=2)
    with pytest.raises(ValidationError, match="Missing: health"):
        actions.record_meeting(users["worker"], case, kind="strategy", held_at=held, chair="A chair",
                               attendees=[attendee("A", agencies["COUNCIL"]), attendee("B", agencies["POLICE"])])
    actions.record_meeting(users["worker"], case, kind="strategy", held_at=held, chair="A chair", section_47=True,
                           attendees=[attendee("A", agencies["COUNCIL"]), attendee("B", agencies["POLICE"]),
                                      attendee("C", agencies["HEALTH"])])
    case.refresh_from_db()
    assert case.conference_due == clock.initial_conference_due(held)


def test_mace_meeting_page_turns_decisions_into_plan_actions(users, agencies, case):
    client = sign_in_client(users["worker"])
    held = clock.local(timezone.now() - dt.timedelta(days=1))
    due = clock.today() + dt.timedelta(days=14)
    form = {"kind": "mace", "held_on": held.strftime("%d/%m/%Y"), "held_time": "10:00", "chair": "DI Rowe",
            "victims": "Tia and two friends", "offenders": "Two adult males", "locations": "Takeaway on High St",
            "themes": "Cars after school", "decisions": "Disruption visit",
            "attendee-TOTAL_FORMS": "2", "attendee-INITIAL_FORMS": "0",
            "attendee-0-name": "DI Rowe", "attendee-0-agency": agencies["POLICE"].pk,
            "attendee-1-name": "Wen", "attendee-1-agency": agencies["COUNCIL"].pk,
            "action-TOTAL_FORMS": "1", "action-INITIAL_FORMS": "0",
            "action-0-description": "Disruption visit to the takeaway", "action-0-owner_name": "DI Rowe",
            "action-0-owner_agency": agencies["POLICE"].pk, "action-0-due_on": due.strftime("%d/%m/%Y")}
    response = client.post(f"/cases/{case.reference}/meetings/new/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "MACE (multi-agency child exploitation) meeting" in page
    assert "Disruption visit to the takeaway" in page and "Takeaway on High St" in page


def test_overdue_actions_stand_out(users, agencies, case):
    actions.add_plan_action(users["worker"], case, description="Return home interview", owner_name="Wen",
                            owner_agency=agencies["COUNCIL"], due_on=clock.today() - dt.timedelta(days=3))
    page = sign_in_client(users["worker"]).get(f"/cases/{case.reference}/").content.decode()
    assert "1 action overdue" in page
    team = sign_in_client(users["manager"]).get("/cases/team/").content.decode()
    assert "Return home interview" in team


def test_closure_needs_an_outcome_and_a_managers_sign_off_and_reopening_a_reason(users, case):
    worker = sign_in_client(users["worker"])
    response = worker.post(f"/cases/{case.reference}/close/", {"summary": "Doing well"})
    assert response.status_code == 400 and "Choose the outcome of the case" in response.content.decode()
    worker.post(f"/cases/{case.reference}/close/", {"outcome": "risk_reduced", "summary": "Doing well"})
    assert worker.post(f"/cases/{case.reference}/sign-off/").status_code == 403
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSURE_REQUESTED and case.closed_at is None
    manager = sign_in_client(users["manager"])
    manager.post(f"/cases/{case.reference}/sign-off/")
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED and case.closed_by == users["manager"]
    assert manager.post(f"/cases/{case.reference}/reopen/", {"reason": ""}).status_code == 400
    manager.post(f"/cases/{case.reference}/reopen/", {"reason": "New missing episode"})
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN
    assert ChronologyEntry.objects.filter(case=case, subtype="reopened", summary__contains="New missing episode").exists()


def test_assessment_extension_needs_a_manager_and_a_reason(users, case):
    later = case.assessment_due + dt.timedelta(days=10)
    with pytest.raises(PermissionDenied):
        actions.extend_assessment(users["worker"], case, new_due=later, reason="Family abroad")
    with pytest.raises(ValidationError, match="reason"):
        actions.extend_assessment(users["manager"], case, new_due=later, reason=" ")
    actions.extend_assessment(users["manager"], case, new_due=later, reason="Family abroad for two weeks")
    case.refresh_from_db()
    assert case.assessment_deadline == later


def test_adding_a_child_shows_possible_matches_first(users):
    existing = actions.create_child(users["worker"], first_name="Mia", last_name="Rudd",
                                    date_of_birth=dt.date(2011, 2, 3))
    client = sign_in_client(users["worker"])
    form = {"first_name": "Maya", "last_name": "Rudd-Jones", "date_of_birth": "3/2/2011", "ethnicity": "refused"}
    page = client.post("/children/new/", form).content.decode()
    assert existing.reference in page and "may be the same child" in page
    assert Child.objects.count() == 1
    response = client.post("/children/new/", {**form, "confirm_new": "yes"})
    assert response.status_code == 302 and Child.objects.count() == 2
    assert Child.objects.get(first_name="Maya").ethnicity == "refused"


def test_nhs_number_check_digit_is_validated(users):
    client = sign_in_client(users["worker"])
    page = client.post("/children/new/", {"first_name": "Zac", "nhs_number": "943 476 5918"}).content.decode()
    assert "That is not a valid NHS number" in page and 'value="943 476 5918"' in page
    client.post("/children/new/", {"first_name": "Zac", "nhs_number": "943 476 5919"})
    assert Child.objects.get(first_name="Zac").nhs_number == "943 476 5919"


def test_ethnicity_keeps_not_known_refused_and_blank_apart(users):
    for answer in ("not_known", "refused", ""):
        actions.create_child(users["worker"], first_name=f"Child {answer or 'blank'}", ethnicity=answer)
    assert sorted(Child.objects.values_list("ethnicity", flat=True)) == ["", "not_known", "refused"]
    page = sign_in_client(users["worker"]).get(f"/children/{Child.objects.get(ethnicity='').reference}/")
    assert "Not yet recorded" in page.content.decode()


def test_chronology_merges_everything_newest_first_and_filters_by_type(users, agencies, case):
    now = timezone.now()
    actions.add_case_note(users["worker"], case, kind="missing_episode", happened_at=now - dt.timedelta(days=2),
                          text="Missing overnight, found in Ashlow")
    actions.record_risk_screening(users["worker"], case, harms=["cse"], assessed_on=clock.today(), significant=SIGNIFICANT_PICTURE)
    actions.record_meeting(users["worker"], case, kind="mace", held_at=now - dt.timedelta(hours=1), chair="DI Rowe",
                           attendees=[attendee("DI Rowe", agencies["POLICE"])])
    client = sign_in_client(users["worker"])
    page = client.get(f"/children/{case.child.reference}/chronology/").content.decode()
    # newest first: the screening (now), the report (filed minutes ago), the meeting (an hour ago), the note
    order = [page.index(text) for text in ("Risk screening: Significant risk", case.source_contact.reference,
                                           "MACE (multi-agency", "Missing overnight")]
    assert order == sorted(order)
    only_notes = client.get(f"/children/{case.child.reference}/chronology/?kind=note").content.decode()
    assert "Missing overnight" in only_notes and "Risk screening: Significant" not in only_notes


def test_a_shared_case_appears_in_the_chronology_and_the_other_agency_can_open_it(users, agencies, case):
    from safehub.access.actions import share_record

    share_record(users["manager"], case, agency=agencies["POLICE"], purpose="Joint investigation",
                 lawful_basis="dpa_part3")
    analyst = sign_in_client(users["analyst"])
    assert analyst.get(f"/cases/{case.reference}/").status_code == 200
    page = analyst.get(f"/children/{case.child.reference}/chronology/").content.decode()
    assert "Shared with Wrekinshire Police: Joint investigation" in page


def test_every_case_page_view_is_audited(users, case):
    sign_in_client(users["worker"]).get(f"/cases/{case.reference}/")
    assert AuditEvent.objects.filter(action="case_viewed", object_id=str(case.pk), actor_name="worker").exists()


def test_another_form_of_the_first_name_is_a_possible_match(users):
    existing = actions.create_child(users["worker"], first_name="William", last_name="Iqbal")
    page = sign_in_client(users["worker"]).post("/children/new/", {"first_name": "Billy", "last_name": "Iqbal"})
    assert existing.reference in page.content.decode()


def test_a_mace_meeting_can_cover_other_children_at_significant_risk(users, agencies, case):
    other_contact = decided_report(users, child_name="Leo Vance")
    other_child = actions.create_child(users["screener"], first_name="Leo", last_name="Vance")
    other = actions.open_case(users["screener"], other_child, contact=other_contact)
    actions.record_risk_screening(users["worker"], other, harms=["cse"], assessed_on=clock.today(), significant=SIGNIFICANT_PICTURE)
    client = sign_in_client(users["worker"])
    page = client.get(f"/cases/{case.reference}/meetings/new/").content.decode()
    assert f"Leo Vance ({other.reference})" in page
    held = clock.local(timezone.now() - dt.timedelta(hours=2))
    form = {"kind": "mace", "held_on": held.strftime("%d/%m/%Y"), "held_time": held.strftime("%H:%M"),
            "chair": "DI Rowe", "other_cases": [other.reference], "themes": "Cars outside two schools",
            "attendee-TOTAL_FORMS": "1", "attendee-INITIAL_FORMS": "0", "attendee-0-name": "DI Rowe",
            "attendee-0-agency": agencies["POLICE"].pk, "action-TOTAL_FORMS": "0", "action-INITIAL_FORMS": "0"}
    assert client.post(f"/cases/{case.reference}/meetings/new/", form).status_code == 302
    other_page = client.get(f"/cases/{other.reference}/").content.decode()
    assert "Cars outside two schools" in other_page
    assert ChronologyEntry.objects.filter(case=other, kind="meeting").exists()
    strategy = {**form, "kind": "strategy"}
    response = client.post(f"/cases/{case.reference}/meetings/new/", strategy)
    assert response.status_code == 400 and "Only a MACE meeting covers other children" in response.content.decode()
