"""Two records of one child: linking suggests a merge and never makes one; a team manager who may open both
merges them (one record carrying both histories, the other a pointer), audited, refused across a restriction,
and undone exactly."""

import datetime as dt
import html
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import model_to_dict

from safehub import clock
from safehub.access.actions import restrict_record, share_record
from safehub.accounts.actions import create_user
from safehub.audit.models import AuditEvent
from safehub.audit.trail import verify_chain
from safehub.cases import actions, queries
from safehub.cases.models import (Case, Child, ChildAddress, ChildMerge, ChildPerson, ChronologyEntry,
                                  RiskAssessment)
from safehub.intake.actions import submit_contact
from safehub.linking import actions as link_actions
from safehub.linking.models import Mention, PersonLink
from safehub.linking.resolve import link_child_record
from safehub.screening.actions import record_decision
from tests.conftest import sign_in_client
from tests.test_linking import networks_now

pytestmark = pytest.mark.django_db

BORN = dt.date(2011, 3, 14)


def health_referral(users, name="Kayleigh Smyth"):
    """A school nurse's referral, decided at the front door: open a case."""
    draft = {"kind": "professional", "concern": "Seen at the sexual health clinic with a much older man.",
             "children": [{"name": name, "age": "15"}], "people": [{"name": "Dean Marsh", "nicknames": "Deano"}],
             "referral": {"role": "School nurse", "family_knows": "Nothing yet", "consent": "given"}}
    contact, _ = submit_contact(draft, submission_key=uuid.uuid4().hex, referrer=users["health-referrer"])
    return record_decision(users["screener"], contact, "open_case", "Indicators of sexual exploitation.")


@pytest.fixture
def pair(users, agencies):
    """The council's record of Kayleigh Smith (with a case), and the record a health referral made of
    'Kayleigh Smyth', born the same day (with its own case, a person around her, an address and a screening)."""
    worker, screener = users["worker"], users["screener"]
    council = actions.create_child(worker, first_name="Kayleigh", last_name="Smith", date_of_birth=BORN,
                                   addresses=[{"address": "12 Forge Street, Wellington", "postcode": "TF1 1AA"}])
    council_case = actions.open_case(worker, council)
    health = actions.create_child(screener, first_name="Kayleigh", last_name="Smyth", date_of_birth=BORN)
    health_case = actions.open_case(screener, health, contact=health_referral(users))
    actions.add_person_around(worker, health, name="Dean Marsh", relationship="Older boyfriend", of_concern=True)
    actions.add_address(worker, health, address="12 Forge Street, Wellington", postcode="TF1 1AA")
    actions.record_risk_screening(worker, health_case, harms=["cse"], assessed_on=clock.today(), moderate=["staying_out_late"])
    actions.add_case_note(worker, health_case, kind="visit", happened_at=dt.datetime.now(dt.timezone.utc)
                          - dt.timedelta(hours=2), text="Seen at home with mum.")
    return {"council": council, "health": health, "council_case": council_case, "health_case": health_case}


def merge(users, pair, reason="Same child: same date of birth and address; the nurse spelt the surname Smyth."):
    return actions.merge_children(users["manager"], pair["council"], pair["health"], reason=reason)


ROWS = [(Case, "child"), (RiskAssessment, "child"), (ChronologyEntry, "child"), (ChildAddress, "child"),
        (ChildPerson, "child"), (Mention, "child_record")]


def picture(child):
    """Everything a child's record is: its own fields and every row hanging off it, as plain values."""
    child = Child.objects.get(pk=child.pk)
    rows = {model.__name__: sorted((row.pk, repr(sorted(model_to_dict(row).items())))
                                   for row in model.objects.filter(**{field: child}))
            for model, field in ROWS}
    return {"record": model_to_dict(child), "rows": rows}


# --- Suggestions ------------------------------------------------------------------------------------------


def test_linking_suggests_the_same_child_and_merges_nothing(users, pair):
    council, health = pair["council"], pair["health"]
    suggestions = queries.merge_suggestions(users["manager"])
    assert [(s.first, s.second) for s in suggestions] == [(council, health)]
    suggestion = suggestions[0]
    assert suggestion.link is not None and suggestion.link.probability > 0.99
    assert "Date of birth: the same" in " ".join(suggestion.evidence)

    page = sign_in_client(users["manager"]).get(f"/children/{council.reference}/").content.decode()
    link = f'<a class="govuk-link" href="/children/{health.reference}/">{health.reference}</a>'
    assert f"Linking suggests this may be the same child as {link}" in page
    assert "Review a merge" in page and "See why" in page
    team = sign_in_client(users["manager"]).get("/children/merges/").content.decode()
    assert health.reference in team and council.reference in team

    # Nothing merged by itself: both records stand, each with its own case.
    assert not ChildMerge.objects.exists()
    assert set(Child.objects.current().values_list("pk", flat=True)) >= {council.pk, health.pk}
    assert Case.objects.get(pk=pair["health_case"].pk).child_id == health.pk


def test_a_worker_sees_the_suggestion_but_no_way_to_merge(users, pair):
    page = sign_in_client(users["worker"]).get(f"/children/{pair['health'].reference}/").content.decode()
    assert f"may be the same child as <a class=\"govuk-link\" href=\"/children/{pair['council'].reference}/\">" in page
    assert "Review a merge" not in page


def test_twins_and_rejected_pairs_are_not_suggested(users, agencies):
    worker = users["worker"]
    address = [{"address": "4 Mill Lane, Dawley", "postcode": "TF4 2AB"}]
    actions.create_child(worker, first_name="Amber", last_name="Lowe", date_of_birth=BORN, addresses=address)
    actions.create_child(worker, first_name="Ruby", last_name="Lowe", date_of_birth=BORN, addresses=address)
    assert queries.merge_suggestions(users["manager"]) == []  # twins: held apart by the guards

    first = actions.create_child(worker, first_name="Jordan", last_name="Pryce", date_of_birth=BORN)
    second = actions.create_child(worker, first_name="Jordan", last_name="Price", date_of_birth=BORN)
    assert [(s.first, s.second) for s in queries.merge_suggestions(users["manager"])] == [(first, second)]
    link = queries.merge_suggestions(users["manager"])[0].link
    for record in (first, second):  # so that the police analyst may open both and judge the pair
        share_record(users["manager"], record, agency=agencies["POLICE"], purpose="Analysis",
                     lawful_basis="dpa_s1_p18")
    link_actions.judge_link(users["analyst"], link, PersonLink.Judgement.REJECTED,
                            reason="Different children: checked with the school.")
    assert queries.merge_suggestions(users["manager"]) == []


def test_suggestions_show_only_records_the_user_may_open(users, agencies, pair):
    police_manager, _ = create_user(username="pm", password="p" * 12, role="manager", agency=agencies["POLICE"])
    assert queries.merge_suggestions(police_manager) == []
    share_record(users["manager"], pair["council"], agency=agencies["POLICE"], purpose="Joint work",
                 lawful_basis="dpa_s1_p18")
    assert queries.merge_suggestions(police_manager) == []  # the police may open one of the two only


# --- Merging ----------------------------------------------------------------------------------------------


def test_merge_moves_the_history_and_leaves_a_pointer(users, pair):
    council, health = pair["council"], pair["health"]
    health_lines = set(health.chronology.values_list("pk", flat=True))
    health_mentions = set(Mention.objects.filter(child_record=health).values_list("pk", flat=True))
    done = merge(users, pair)

    assert Child.objects.get(pk=health.pk).merged_into_id == council.pk
    assert set(council.cases.values_list("pk", flat=True)) == {pair["council_case"].pk, pair["health_case"].pk}
    assert health_lines <= set(council.chronology.values_list("pk", flat=True))
    assert council.risk_assessments.count() == 1
    assert [p.name for p in council.people.all()] == ["Dean Marsh"]
    assert council.addresses.count() == 2
    assert set(Mention.objects.filter(child_record=council).values_list("pk", flat=True)) >= health_mentions
    assert not Mention.objects.filter(child_record=health).exists()
    assert done.moved["cases.case"] == [pair["health_case"].pk]

    manager = sign_in_client(users["manager"])
    chronology = manager.get(f"/children/{council.reference}/chronology/").content.decode()
    assert f"Record {health.reference} (Kayleigh Smyth) merged into this one by Morgan Demo-Manager: Same" in chronology
    assert "Seen at home with mum." in chronology  # the other record's history, now on the kept one
    pointer = manager.get(f"/children/{health.reference}/").content.decode()
    link = f'<a class="govuk-notification-banner__link" href="/children/{council.reference}/">{council.reference}</a>'
    assert f"This record was merged into {link}" in pointer
    assert f"Merged into {council.reference} by Morgan Demo-Manager" in \
        manager.get(f"/children/{health.reference}/chronology/").content.decode()

    # No longer listed as a child of its own: search, the API, suggestions.
    matches = queries.possible_matches(users["manager"], first_name="Kayleigh", last_name="Smyth", date_of_birth=BORN)
    assert matches == [Child.objects.get(pk=council.pk)]
    assert queries.merge_suggestions(users["manager"]) == []


def test_the_api_lists_only_the_kept_record_and_says_where_the_other_went(users, pair):
    from rest_framework.test import APIClient

    from safehub.accounts.api_auth import issue_token

    merge(users, pair)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(users['manager'], 'test')}")
    listed = [row["reference"] for row in api.get("/api/v1/children/").json()]
    assert pair["council"].reference in listed and pair["health"].reference not in listed
    detail = api.get(f"/api/v1/children/{pair['health'].reference}/").json()
    assert detail["merged_into"] == pair["council"].reference


def test_the_merged_record_takes_no_changes_and_linking_keeps_its_name_on_the_kept_record(users, pair):
    council, health = pair["council"], pair["health"]
    merge(users, pair)
    health = Child.objects.get(pk=health.pk)
    with pytest.raises(ValidationError, match=f"{health.reference} was merged into {council.reference}"):
        actions.add_address(users["worker"], health, address="1 High Street")
    with pytest.raises(ValidationError, match="Make changes there"):
        actions.open_case(users["worker"], health)
    # A later change to the kept record re-reads its mentions: the merged record's name stays with it, and a
    # re-read of the pointer (as a batch run does) mentions nothing.
    actions.update_child(users["worker"], Child.objects.get(pk=council.pk), school="Wrekin College")
    assert Mention.objects.filter(child_record=council, kind="child", raw="Kayleigh Smyth").exists()
    link_child_record(health)
    assert not Mention.objects.filter(child_record=health).exists()


def test_a_batch_re_run_does_not_bring_the_merged_record_back(users, pair, settings, tmp_path):
    from safehub.linking import batch

    settings.VAR_DIR = tmp_path
    merge(users, pair)
    batch.run()
    assert not Mention.objects.filter(child_record=pair["health"]).exists()
    assert Mention.objects.filter(child_record=pair["council"], kind="child", raw="Kayleigh Smyth").exists()
    assert queries.merge_suggestions(users["manager"]) == []


def test_networks_show_one_child_record_after_a_merge(users, pair):
    # Both records know her as "Kayla": the nickname joins them in one network of two records.
    for record in (pair["council"], pair["health"]):
        actions.update_child(users["worker"], record, aliases="Kayla")
    before = networks_now()
    assert [sorted(network.child_record_ids) for network in before] == [[pair["council"].pk, pair["health"].pk]]
    merge(users, pair)
    # One record now: no network of two, and no snapshot still naming the merged record.
    assert not any(pair["health"].pk in network.child_record_ids for network in networks_now())
    assert set(Mention.objects.filter(kind="nickname", key="kayla").values_list("child_record_id", flat=True)) == \
        {pair["council"].pk}


def test_unmerge_restores_both_records_exactly(users, pair):
    council, health = pair["council"], pair["health"]
    before = picture(council), picture(health)
    done = merge(users, pair)
    assert picture(health) != before[1]
    actions.unmerge_children(users["manager"], done, reason="The school says these are two different girls.")

    after = picture(council), picture(health)
    for was, now in zip(before, after):
        assert now["record"] == was["record"]
        for table, rows in was["rows"].items():
            if table == "ChronologyEntry":  # each record gains its two lines: merged, then unmerged
                lines = ChronologyEntry.objects.filter(pk__in=[pk for pk, _ in now["rows"][table]])
                assert set(lines.exclude(subtype__in=["merged", "unmerged"]).values_list("pk", flat=True)) == \
                    {pk for pk, _ in rows}
                assert list(lines.filter(subtype__in=["merged", "unmerged"]).order_by("pk")
                            .values_list("subtype", flat=True)) == ["merged", "unmerged"]
                continue
            assert now["rows"][table] == rows, table
    assert Child.objects.get(pk=health.pk).merged_into_id is None
    lines = " ".join(council.chronology.values_list("summary", flat=True))
    assert f"Record {health.reference} (Kayleigh Smyth) unmerged from this one by Morgan Demo-Manager" in lines
    assert health.chronology.filter(summary__startswith=f"Unmerged from {council.reference}").exists()
    # Both stand again as records of their own, and linking suggests them again for a human to judge.
    assert [(s.first, s.second) for s in queries.merge_suggestions(users["manager"])] == [(council, health)]
    done.refresh_from_db()
    assert done.undone_by == users["manager"] and done.restored["cases.case"] == [pair["health_case"].pk]


def test_after_an_unmerge_work_done_on_the_kept_record_stays_unless_it_is_about_a_case_that_went_back(users, pair):
    council, health = pair["council"], pair["health"]
    done = merge(users, pair)
    moved_case = Case.objects.get(pk=pair["health_case"].pk)
    kept = Child.objects.get(pk=council.pk)
    new_address = actions.add_address(users["worker"], kept, address="Flat 2, 9 Bank Way", postcode="TF3 4CD")
    new_case = actions.open_case(users["worker"], kept)
    later = actions.record_risk_screening(users["worker"], moved_case, harms=["cse"], assessed_on=clock.today(),
                                          moderate=["drug_misuse"])
    actions.add_case_note(users["worker"], moved_case, kind="phone_call", text="Called mum.",
                          happened_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5))

    actions.unmerge_children(users["manager"], done, reason="Two different girls.")

    assert set(council.cases.values_list("pk", flat=True)) == {pair["council_case"].pk, new_case.pk}
    assert set(health.cases.values_list("pk", flat=True)) == {moved_case.pk}
    assert ChildAddress.objects.get(pk=new_address.pk).child_id == council.pk
    assert RiskAssessment.objects.get(pk=later.pk).child_id == health.pk  # follows its case
    assert not ChronologyEntry.objects.filter(child=council, case=moved_case).exists()
    assert health.chronology.filter(case=moved_case, summary="Phone call: Called mum.").exists()


def test_merge_and_unmerge_are_audited_on_both_records(users, pair):
    council, health = pair["council"], pair["health"]
    done = merge(users, pair)
    actions.unmerge_children(users["manager"], done, reason="Two different girls.")
    for action in ("child_records_merged", "child_records_unmerged"):
        events = AuditEvent.objects.filter(action=action, object_type="child")
        assert set(events.values_list("object_id", flat=True)) == {str(council.pk), str(health.pk)}
        assert all(event.actor_name == "manager" for event in events)
    assert AuditEvent.objects.get(action="child_records_merged", object_id=str(council.pk)).reason.startswith(
        f"{health.reference} merged into {council.reference}: Same child")
    assert verify_chain() is None


# --- Refusals ---------------------------------------------------------------------------------------------


def test_only_a_team_manager_merges(users, pair):
    for role in ("worker", "screener", "analyst"):
        with pytest.raises(PermissionDenied, match="Only a team manager"):
            actions.merge_children(users[role], pair["council"], pair["health"], reason="Same child")
    assert not ChildMerge.objects.exists()


def test_a_manager_who_cannot_open_both_records_cannot_merge_them(users, agencies, pair):
    police_manager, _ = create_user(username="pm", password="p" * 12, role="manager", agency=agencies["POLICE"])
    with pytest.raises(PermissionDenied):
        actions.merge_children(police_manager, pair["council"], pair["health"], reason="Same child")
    # Health's own record, not shared with the council: the council's manager cannot open it.
    health_worker, _ = create_user(username="hw", password="h" * 12, role="worker", agency=agencies["HEALTH"])
    hidden = actions.create_child(health_worker, first_name="Kayleigh", last_name="Smithe", date_of_birth=BORN)
    with pytest.raises(PermissionDenied, match=f"You cannot open {hidden.reference}"):
        actions.merge_children(users["manager"], pair["council"], hidden, reason="Same child")
    assert not ChildMerge.objects.exists()


def test_a_restriction_the_manager_is_not_on_refuses_the_merge(users, agencies, pair):
    colleague, _ = create_user(username="m2", password="m" * 12, role="manager", agency=agencies["COUNCIL"])
    restrict_record(colleague, pair["health"], reason_kind="staff_conflict", reason="A relative works here.",
                    allowed_users=[])
    with pytest.raises(PermissionDenied, match=f"{pair['health'].reference} is restricted to named people"):
        merge(users, pair)
    assert not ChildMerge.objects.exists()


def test_a_restricted_record_merges_only_into_one_restricted_as_tightly(users, agencies, pair):
    manager = users["manager"]
    restrict_record(manager, pair["health"], reason_kind="high_profile", reason="Press interest.", allowed_users=[])
    with pytest.raises(PermissionDenied, match="would show .* history to people its restriction keeps out"):
        merge(users, pair)
    # Keeping the restricted record works: the council's record's history becomes restricted with it.
    done = actions.merge_children(manager, pair["health"], pair["council"], reason="Same child.")
    assert done.kept_id == pair["health"].pk


def test_already_merged_same_record_and_no_reason_are_refused(users, pair):
    council, health = pair["council"], pair["health"]
    with pytest.raises(ValidationError, match="two different records"):
        actions.merge_children(users["manager"], council, council, reason="Same child")
    with pytest.raises(ValidationError, match="Give the reason"):
        actions.merge_children(users["manager"], council, health, reason="   ")
    done = merge(users, pair)
    third = actions.create_child(users["worker"], first_name="Kay", last_name="Smith", date_of_birth=BORN)
    with pytest.raises(ValidationError, match=f"{health.reference} was merged into {council.reference}"):
        actions.merge_children(users["manager"], third, Child.objects.get(pk=health.pk), reason="Same child")
    with pytest.raises(ValidationError, match=f"{health.reference} was merged into {council.reference}"):
        actions.merge_children(users["manager"], Child.objects.get(pk=health.pk), third, reason="Same child")
    with pytest.raises(ValidationError, match=f"keep {council.reference} instead"):
        actions.merge_children(users["manager"], third, Child.objects.get(pk=council.pk), reason="Same child")
    with pytest.raises(ValidationError, match="Give the reason"):
        actions.unmerge_children(users["manager"], done, reason="")
    actions.unmerge_children(users["manager"], done, reason="Two girls.")
    with pytest.raises(ValidationError, match="already undone"):
        actions.unmerge_children(users["manager"], done, reason="Again")


def test_an_unmerge_is_refused_to_anyone_who_could_not_have_merged(users, agencies, pair):
    done = merge(users, pair)
    with pytest.raises(PermissionDenied, match="Only a team manager"):
        actions.unmerge_children(users["worker"], done, reason="Two girls.")
    police_manager, _ = create_user(username="pm", password="p" * 12, role="manager", agency=agencies["POLICE"])
    with pytest.raises(PermissionDenied):
        actions.unmerge_children(police_manager, done, reason="Two girls.")
    colleague, _ = create_user(username="m2", password="m" * 12, role="manager", agency=agencies["COUNCIL"])
    restrict_record(colleague, Child.objects.get(pk=pair["council"].pk), reason_kind="staff_conflict",
                    reason="A relative works here.", allowed_users=[])
    with pytest.raises(PermissionDenied, match="restricted to named people"):
        actions.unmerge_children(users["manager"], done, reason="Two girls.")
    assert ChildMerge.objects.get(pk=done.pk).undone_at is None


# --- The pages ----------------------------------------------------------------------------------------------


def test_review_page_shows_both_records_and_the_evidence_and_keeps_input_on_error(users, pair):
    council, health = pair["council"], pair["health"]
    manager = sign_in_client(users["manager"])
    review = manager.get(f"/children/{council.reference}/merge/?other={health.reference}")
    page = review.content.decode()
    assert review.status_code == 200
    assert "Are these records of the same child?" in page
    assert "Kayleigh Smith" in page and "Kayleigh Smyth" in page and "14 March 2011" in page
    assert pair["health_case"].reference in page and pair["council_case"].reference in page
    assert "Date of birth: the same" in page and "Surname: alike" in page
    assert AuditEvent.objects.filter(action="child_viewed", object_id=str(health.pk)).exists()

    refused = manager.post(f"/children/{council.reference}/merge/", {"other": health.reference, "reason": "  "})
    page = refused.content.decode()
    assert refused.status_code == 400
    assert "There is a problem" in page and "Enter the reason for the merge" in page
    assert f'name="other" value="{health.reference}"' in page
    assert not ChildMerge.objects.exists()

    done = manager.post(f"/children/{council.reference}/merge/", {"other": health.reference,
                                                                   "reason": "Same child, same birthday."})
    assert done.status_code == 302 and done["Location"] == f"/children/{council.reference}/"
    kept = manager.get(f"/children/{council.reference}/").content.decode()
    assert "Records merged into this one" in kept and "Undo the merge" in kept


def test_review_page_refuses_a_record_the_manager_cannot_open_without_revealing_it(users, agencies, pair):
    health_worker, _ = create_user(username="hw", password="h" * 12, role="worker", agency=agencies["HEALTH"])
    hidden = actions.create_child(health_worker, first_name="Kayleigh", last_name="Smithe", date_of_birth=BORN)
    manager = sign_in_client(users["manager"])
    page = manager.get(f"/children/{pair['council'].reference}/merge/?other={hidden.reference}")
    assert page.status_code == 400
    assert f"There is no child's record {hidden.reference} that you can open." in html.unescape(page.content.decode())
    assert "Smithe" not in page.content.decode()


def test_undo_from_the_kept_record_needs_a_reason_and_keeps_it(users, pair):
    done = merge(users, pair)
    manager = sign_in_client(users["manager"])
    url = f"/children/{pair['council'].reference}/unmerge/"
    refused = manager.post(url, {"merge": done.pk, "reason": ""})
    assert refused.status_code == 400 and "Enter the reason for undoing the merge" in refused.content.decode()
    undone = manager.post(url, {"merge": done.pk, "reason": "Two different girls."})
    assert undone.status_code == 302
    assert ChildMerge.objects.get(pk=done.pk).undo_reason == "Two different girls."
    assert "may be the same child as" in manager.get(f"/children/{pair['health'].reference}/").content.decode()


def test_a_change_posted_to_the_merged_record_is_refused_with_where_to_make_it(users, pair):
    merge(users, pair)
    worker = sign_in_client(users["worker"])
    health = pair["health"].reference
    for url, data in [(f"/children/{health}/people/", {"name": "Jo Smith", "relationship": "Aunt"}),
                      (f"/children/{health}/addresses/", {"address": "1 High Street"}),
                      (f"/children/{health}/open-case/", {})]:
        response = worker.post(url, data)
        assert response.status_code == 400, url
        assert f"{health} was merged into another record. Make changes there." in response.content.decode()
    assert not ChildPerson.objects.filter(name="Jo Smith").exists()
    assert Case.objects.filter(child=pair["health"]).count() == 0
