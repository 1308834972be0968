"""The one door for changes to children, cases, risk screenings, plans, meetings and case notes.

Each function takes the acting user, checks the access policy, and writes the change, its audit event and
its chronology line in one transaction. Deadlines come from `safehub.clock`.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from safehub import clock, merging, risk
from safehub.access.models import Restriction
from safehub.access.policy import CASE_WORK_ROLES, SCREENING_ROLES, can, has_role, is_signed_in, is_visible, require
from safehub.accounts.models import Agency, Role, User
from safehub.audit.trail import record as audit
from safehub.cases import chronology
from safehub.cases.models import (Case, CaseNote, ChildAddress, ChildMerge, ChildPerson, Child, ChronologyEntry,
                                  Meeting, MeetingAttendee, PlanAction, RiskAssessment)
from safehub.forms import required_text
from safehub.intake.models import Contact
from safehub.linking.mentions import MERGED_FROM
from safehub.linking.models import Entity, Mention
from safehub.linking.resolve import link_child_record, link_in_request
from safehub.screening.models import Notification

Kind = chronology.Kind
OUTCOMES_THAT_OPEN_A_CASE = (Contact.Outcome.OPEN_CASE, Contact.Outcome.STRATEGY, Contact.Outcome.POLICE_NOW)
CHILD_FIELDS = ("first_name", "last_name", "aliases", "date_of_birth", "approximate_age", "sex", "gender",
                "ethnicity", "nationality", "nhs_number", "school", "send", "learning_disability", "looked_after")


def _locked(case):
    return Case.objects.select_for_update().select_related("child").get(pk=case.pk)


def _moment(at):
    """`at` for changes recorded after the fact (imports, demo data), else now; never in the future."""
    if at is not None and at > timezone.now():
        raise ValidationError("The time cannot be in the future.")
    return at or timezone.now()


def _open_only(case):
    if case.status == Case.Status.CLOSED:
        raise ValidationError(f"{case.reference} is closed. Reopen it first.")


def _not_merged(child, then="Make changes there."):
    """A record merged into another is a pointer: changes go to the kept record."""
    if child.merged_into_id:
        kept = Child.objects.only("reference").get(pk=child.merged_into_id)
        raise ValidationError(f"{child.reference} was merged into {kept.reference}. {then}".strip())


# --- Children ---------------------------------------------------------------------------------------


def create_child(user, *, request=None, addresses=(), at=None, **fields):
    """A new child's record, owned by the user's agency. `addresses` is a list of dicts (address,
    postcode, lived_from, lived_to). `at` is for records made after the fact (imports, demo data)."""
    if not is_signed_in(user) or user.role not in CASE_WORK_ROLES | SCREENING_ROLES or not user.agency_id:
        raise PermissionDenied("Your role does not allow adding a child.")
    unknown = set(fields) - set(CHILD_FIELDS)
    if unknown:
        raise ValueError(f"Unknown child fields: {sorted(unknown)}")
    required_text(fields.get("first_name"), "Enter the child's first name or the name they are known by.")
    child = Child(owning_agency_id=user.agency_id, created_by=user, created_at=_moment(at), **fields)
    child.full_clean(exclude=["reference", "owning_agency", "created_by"])
    with transaction.atomic():
        child.save()
        child.reference = f"CH-{child.pk:06d}"
        Child.objects.filter(pk=child.pk).update(reference=child.reference)
        for address in addresses:
            ChildAddress.objects.create(child=child, **address)
        chronology.add(child, Kind.CASE, "Child's record created", at=child.created_at, actor=user, subtype="child")
        audit("child_created", user=user, obj=child, request=request)
        link_in_request(link_child_record, child)
    return child


def update_child(user, child, *, request=None, **fields):
    require(user, "work", child)
    _not_merged(child)
    for name, value in fields.items():
        if name not in CHILD_FIELDS:
            raise ValueError(f"Unknown child field {name!r}")
        setattr(child, name, value)
    child.full_clean(exclude=["reference", "owning_agency", "created_by"])
    with transaction.atomic():
        child.save(update_fields=list(fields))
        audit("child_updated", user=user, obj=child, reason=", ".join(sorted(fields)), request=request)
        link_in_request(link_child_record, child)
    return child


def add_address(user, child, *, address, postcode="", lived_from=None, lived_to=None, request=None):
    require(user, "work", child)
    _not_merged(child)
    if lived_from and lived_to and lived_to < lived_from:
        raise ValidationError("The date they moved out is before the date they moved in.")
    with transaction.atomic():
        row = ChildAddress.objects.create(child=child, address=required_text(address, "Enter the address."),
                                          postcode=postcode.strip().upper(), lived_from=lived_from, lived_to=lived_to)
        audit("child_address_added", user=user, obj=child, request=request)
        link_in_request(link_child_record, child)
    return row


def add_person_around(user, child, *, name, relationship, of_concern=False, notes="", request=None):
    require(user, "work", child)
    _not_merged(child)
    with transaction.atomic():
        person = ChildPerson.objects.create(child=child, name=required_text(name, "Enter the person's name."),
                                            relationship=required_text(relationship, "Say who they are to the child."),
                                            of_concern=of_concern, notes=notes)
        audit("child_person_added", user=user, obj=child, request=request)
        link_in_request(link_child_record, child)
    return person


# --- Two records of one child -------------------------------------------------------------------------

# What hangs off a child's record and moves with it in a merge: (model, its foreign key to the child). Plan
# actions, meetings and case notes belong to a case and move with it. Shares, transfers and restrictions
# stay with the record they name: they say who may open that record.
CHILD_RELATIONS = [(Case, "child"), (RiskAssessment, "child"), (ChronologyEntry, "child"), (ChildAddress, "child"),
                   (ChildPerson, "child"), (Mention, "child_record")]
MERGE_ROLES = ("manager",)


def _locked_children(*children):
    """The children's rows, locked in a fixed order (no deadlock between two merges)."""
    rows = Child.objects.select_for_update().filter(pk__in=[child.pk for child in children]).order_by("pk")
    locked = {row.pk: row for row in rows}
    return [locked[child.pk] for child in children]


def _restricted_against(user, model, ids):
    """Some of these records are restricted to named people and the user is not one of them."""
    kind = ContentType.objects.get_for_model(model)
    locked = Restriction.objects.active().filter(content_type=kind, object_id__in=ids)
    return locked.exclude(allowed_users=user).exists()


def _check_may_merge(user, keep, other, moved_cases):
    """Who may merge two records, or undo a merge: a team manager of the kept record's agency who can open
    both records, on the allow-list of any restriction on either of them or on a case that moves (breaking the
    glass is not enough)."""
    if not has_role(user, *MERGE_ROLES):
        raise PermissionDenied("Only a team manager can merge children's records or undo a merge.")
    for record in (keep, other):
        if _restricted_against(user, Child, [record.pk]):
            raise PermissionDenied(f"{record.reference} is restricted to named people and you are not one of them, "
                                   f"so you cannot merge it or undo its merge. Ask one of them.")
    if _restricted_against(user, Case, moved_cases):
        raise PermissionDenied(f"A case of {other.reference} is restricted to named people and you are not one of "
                               f"them, so you cannot move it. Ask one of them.")
    if not can(user, "manage", keep):
        raise PermissionDenied(f"Only a manager of the agency that holds {keep.reference} can merge records into it.")
    # A merged record may be open to the user only through its cases, which the merge moved.
    if not (is_visible(user, other) or Case.objects.visible_to(user).filter(pk__in=moved_cases).exists()):
        raise PermissionDenied(f"You cannot open {other.reference}.")


def _check_restriction_travels(keep, other):
    """Merging must not show a restricted record's history to people its restriction keeps out: the kept record
    must be restricted to the same people or fewer."""
    lock = Restriction.pointing_at(other).active().first()
    if lock is None:
        return
    kept_lock = Restriction.pointing_at(keep).active().first()
    allowed = set(lock.allowed_users.values_list("pk", flat=True))
    if kept_lock is None or not set(kept_lock.allowed_users.values_list("pk", flat=True)) <= allowed:
        raise PermissionDenied(f"{other.reference} is restricted to named people and {keep.reference} is not "
                               f"restricted to the same people: merging would show {other.reference}'s history to "
                               f"people its restriction keeps out. Keep {other.reference} instead, or restrict "
                               f"{keep.reference} the same way first.")


def _networks_out_of_date(*children):
    """Mentions moved from one record to the other: the worker brings the networks holding either up to date."""
    from safehub.linking.sources import CHILD_RECORD
    from safehub.linking.tasks import networks_changed

    networks_changed({CHILD_RECORD.key(child.pk) for child in children})


def merge_children(user, keep, other, *, reason, request=None):
    """Make two records of one child one. `keep` carries both histories: `other`'s cases (with their plans,
    meetings and notes), chronology, addresses, people around the child, risk screenings and linking mentions
    move to it, and `other` becomes a pointer to it, listed nowhere as a child of its own.

    Linking only suggests a merge (`queries.merge_suggestions`); nothing is merged but by this action. The
    ChildMerge lists every row moved and the earlier value of every field changed, so that `unmerge_children`
    restores both records exactly as they were.
    """
    if keep.pk == other.pk:
        raise ValidationError("Choose two different records: a record cannot be merged into itself.")
    reason = required_text(reason, "Give the reason you are sure these records are of the same child.")
    with transaction.atomic():
        keep, other = _locked_children(keep, other)
        for record in (keep, other):
            _not_merged(record, then="")
        moved_cases = list(other.cases.values_list("pk", flat=True))
        _check_may_merge(user, keep, other, moved_cases)
        _check_restriction_travels(keep, other)
        held = list(other.merged_records.values_list("reference", flat=True))
        if held:
            raise ValidationError(f"{', '.join(held)} {'was' if len(held) == 1 else 'were'} merged into "
                                  f"{other.reference}: keep {other.reference} instead, or undo that merge first.")
        # The child's own name and aliases are marked as having come with this record, so that re-reading the
        # kept record (linking.resolve.link_child_record) keeps them.
        own = Mention.objects.filter(child_record=other, kind__in=[Entity.Kind.CHILD, Entity.Kind.NICKNAME],
                                     source_detail="")
        before = {merging.label(Mention): merging.remember(own, ["source_detail"])}
        own.update(source_detail=f"{MERGED_FROM}{other.pk}")
        moved = merging.move(CHILD_RELATIONS, other, keep)
        other.merged_into = keep
        other.save(update_fields=["merged_into"])
        merge = ChildMerge.objects.create(kept=keep, merged=other, merged_by=user, reason=reason, moved=moved,
                                          before=before)
        chronology.add(keep, Kind.CASE, f"Record {other.reference} ({other}) merged into this one by {user}: {reason}",
                       at=merge.merged_at, actor=user, subtype="merged")
        chronology.add(other, Kind.CASE, f"Merged into {keep.reference} by {user}: {reason}", at=merge.merged_at,
                       actor=user, subtype="merged")
        _networks_out_of_date(keep, other)
        summary = f"{other.reference} merged into {keep.reference}: {reason}"[:500]
        audit("child_records_merged", user=user, obj=keep, reason=summary, request=request)
        audit("child_records_merged", user=user, obj=other, reason=summary, request=request)
    return merge


def unmerge_children(user, merge, *, reason, request=None):
    """Undo a merge, by someone who could have made it. Exactly the rows it moved go back to the merged
    record, with any risk screening or chronology line added since about one of the cases going back (they
    follow their case); the values it changed are restored and the merged record stands for the child again.
    Anything else added to the kept record since the merge stays with it."""
    reason = required_text(reason, "Give the reason for undoing the merge.")
    with transaction.atomic():
        merge = ChildMerge.objects.select_for_update().get(pk=merge.pk)
        keep, other = _locked_children(merge.kept, merge.merged)
        if merge.undone_at is not None:
            raise ValidationError(f"This merge was already undone on {clock.local(merge.undone_at):%-d %B %Y}.")
        moved_cases = merge.moved.get(merging.label(Case), [])
        _check_may_merge(user, keep, other, moved_cases)
        restored = merging.move_back(CHILD_RELATIONS, merge.moved, other, keep)
        for model in (RiskAssessment, ChronologyEntry):
            following = list(model.objects.filter(child=keep, case_id__in=moved_cases).values_list("pk", flat=True))
            model.objects.filter(pk__in=following).update(child=other)
            restored[merging.label(model)] = sorted(restored[merging.label(model)] + following)
        merging.restore(Mention, merge.before.get(merging.label(Mention), {}))
        other.merged_into = None
        other.save(update_fields=["merged_into"])
        merge.undone_by, merge.undone_at, merge.undo_reason, merge.restored = user, timezone.now(), reason, restored
        merge.save(update_fields=["undone_by", "undone_at", "undo_reason", "restored"])
        chronology.add(keep, Kind.CASE, f"Record {other.reference} ({other}) unmerged from this one by {user}: "
                       f"{reason}", at=merge.undone_at, actor=user, subtype="unmerged")
        chronology.add(other, Kind.CASE, f"Unmerged from {keep.reference} by {user}: {reason}", at=merge.undone_at,
                       actor=user, subtype="unmerged")
        link_in_request(link_child_record, other)
        link_in_request(link_child_record, keep)
        _networks_out_of_date(keep, other)
        summary = f"{other.reference} unmerged from {keep.reference}: {reason}"[:500]
        audit("child_records_unmerged", user=user, obj=keep, reason=summary, request=request)
        audit("child_records_unmerged", user=user, obj=other, reason=summary, request=request)
    return merge


# --- Cases ------------------------------------------------------------------------------------------


def open_case(user, child, *, contact=None, request=None, at=None):
    """Open an exploitation case for a child, from a screening decision (`contact`) or directly.

    `at` is for cases recorded after the fact (imports, demo data).
    """
    if contact is not None:
        require(user, "screen", contact)
        if contact.outcome not in OUTCOMES_THAT_OPEN_A_CASE:
            raise ValidationError(f"{contact.reference} has no decision to open a case. Record one first.")
        if contact.cases.filter(child=child).exists():
            raise ValidationError(f"A case for this child was already opened from {contact.reference}.")
    else:
        require(user, "work", child)
    _not_merged(child)
    now = at or timezone.now()
    received = contact.received_at if contact is not None else now
    with transaction.atomic():
        case = Case.objects.create(
            child=child, owning_agency_id=contact.owning_agency_id if contact else user.agency_id,
            source_contact=contact, opened_at=now, opened_by=user, referral_received_at=received,
            assessment_due=clock.assessment_due(received), review_due=clock.review_due(clock.local(now).date()))
        case.reference = f"EX-{clock.local(now).year}-{case.pk:06d}"
        Case.objects.filter(pk=case.pk).update(reference=case.reference)
        if contact is not None:
            chronology.add_report(case, contact)
        chronology.add(child, Kind.CASE, f"{case.reference} opened", at=now, case=case, actor=user, subtype="opened")
        audit("case_opened", user=user, obj=case, reason=contact.reference if contact else "direct", request=request)
    return case


def allocate_case(user, case, worker, *, request=None, at=None):
    """`at` is for allocations recorded after the fact (imports, demo data)."""
    require(user, "manage", case)
    if not (worker.is_active and worker.agency_id == case.owning_agency_id and worker.role in CASE_WORK_ROLES):
        raise ValidationError("Allocate the case to an active worker or manager of the agency that holds it.")
    with transaction.atomic():
        case = _locked(case)
        _open_only(case)
        if case.status == Case.Status.OPEN:
            case.status = Case.Status.ALLOCATED
        case.allocated_to, case.allocated_at = worker, _moment(at)
        case.save(update_fields=["status", "allocated_to", "allocated_at"])
        chronology.add(case.child, Kind.CASE, f"Allocated to {worker}", at=case.allocated_at, case=case, actor=user,
                       subtype="allocated")
        Notification.objects.create(user=worker, case=case, kind=Notification.Kind.ALLOCATION,
                                    message=f"{case.reference} has been allocated to you.")
        audit("case_allocated", user=user, obj=case, reason=worker.username, request=request)
    return case


def extend_assessment(user, case, *, new_due, reason, request=None):
    """A manager extends the 45 working day assessment deadline, with a recorded reason."""
    require(user, "manage", case)
    reason = required_text(reason, "Give the reason for the extension.")
    with transaction.atomic():
        case = _locked(case)
        _open_only(case)
        if case.assessment_completed_on:
            raise ValidationError("The assessment is already complete.")
        if new_due <= case.assessment_deadline:
            raise ValidationError(f"The new date must be after the current deadline, "
                                  f"{case.assessment_deadline:%-d %B %Y}.")
        case.assessment_extended_to, case.assessment_extension_reason = new_due, reason
        case.save(update_fields=["assessment_extended_to", "assessment_extension_reason"])
        chronology.add(case.child, Kind.ASSESSMENT, f"Assessment deadline extended to {new_due:%-d %B %Y}: {reason}",
                       at=timezone.now(), case=case, actor=user, subtype="extended")
        audit("assessment_extended", user=user, obj=case, reason=reason, request=request)
    return case


def complete_assessment(user, case, *, completed_on, summary, request=None):
    require(user, "work", case)
    summary = required_text(summary, "Summarise the assessment's conclusion.")
    with transaction.atomic():
        case = _locked(case)
        _open_only(case)
        if completed_on > clock.today():
            raise ValidationError("The completion date cannot be in the future.")
        case.assessment_completed_on = completed_on
        case.save(update_fields=["assessment_completed_on"])
        late = completed_on > case.assessment_deadline
        chronology.add(case.child, Kind.ASSESSMENT, f"Child and family assessment completed{' late' if late else ''}: "
                       f"{summary}", at=timezone.now(), case=case, actor=user, subtype="completed")
        audit("assessment_completed", user=user, obj=case, request=request)
    return case


def request_closure(user, case, *, outcome, summary, request=None, at=None):
    """`at` is for closures recorded after the fact (imports, demo data)."""
    require(user, "work", case)
    if outcome not in Case.ClosureOutcome.values:
        raise ValidationError("Choose the outcome of the case.")
    summary = required_text(summary, "Summarise why the case can close.")
    with transaction.atomic():
        case = _locked(case)
        _open_only(case)
        case.status, case.closure_outcome, case.closure_summary = Case.Status.CLOSURE_REQUESTED, outcome, summary
        case.closure_requested_by = user
        case.save(update_fields=["status", "closure_outcome", "closure_summary", "closure_requested_by"])
        chronology.add(case.child, Kind.CASE, f"Closure proposed: {case.get_closure_outcome_display()}",
                       at=_moment(at), case=case, actor=user, subtype="closure_requested")
        audit("case_closure_requested", user=user, obj=case, reason=outcome, request=request)
    return case


def sign_off_closure(user, case, *, request=None, at=None):
    """`at` is for sign-offs recorded after the fact (imports, demo data)."""
    require(user, "manage", case)
    with transaction.atomic():
        case = _locked(case)
        if case.status != Case.Status.CLOSURE_REQUESTED:
            raise ValidationError("Only a case whose closure was proposed can be signed off.")
        case.status, case.closed_at, case.closed_by = Case.Status.CLOSED, _moment(at), user
        case.save(update_fields=["status", "closed_at", "closed_by"])
        chronology.add(case.child, Kind.CASE, f"{case.reference} closed: {case.get_closure_outcome_display()}",
                       at=case.closed_at, case=case, actor=user, subtype="closed")
        audit("case_closed", user=user, obj=case, reason=case.closure_outcome, request=request)
    return case


def reopen_case(user, case, *, reason, request=None):
    require(user, "manage", case)
    reason = required_text(reason, "Give the reason for reopening the case.")
    with transaction.atomic():
        case = _locked(case)
        if case.status != Case.Status.CLOSED:
            raise ValidationError("Only a closed case can be reopened.")
        case.status = Case.Status.ALLOCATED if case.allocated_to_id else Case.Status.OPEN
        case.closed_at = case.closed_by = case.closure_requested_by = None
        case.closure_outcome = case.closure_summary = ""
        case.save(update_fields=["status", "closed_at", "closed_by", "closure_requested_by", "closure_outcome",
                                 "closure_summary"])
        chronology.add(case.child, Kind.CASE, f"{case.reference} reopened: {reason}", at=timezone.now(), case=case,
                       actor=user, subtype="reopened")
        audit("case_reopened", user=user, obj=case, reason=reason, request=request)
    return case


# --- Risk screening ---------------------------------------------------------------------------------


def record_risk_screening(user, case, *, assessed_on, harms, settings=(), vulnerabilities=(), moderate=(),
                          significant=None, disclosure=False, judgement=None, judgement_reason="", notes="",
                          request=None, at=None):
    """Score and keep one exploitation risk screening (never overwriting an earlier one). Raises
    risk.ScreeningError (a ValueError) with a clear message for a screening that cannot be scored.

    `harms`: the kinds of harm seen (at least one, keys of risk.HARMS); `settings`: where it happened (keys of
    risk.SETTINGS, may be empty). Neither is scored: they are what the figures count.

    `at` is the time it was recorded, for screenings recorded after the fact (imports, demo data)."""
    require(user, "work", case)
    child = case.child
    if assessed_on > clock.today():
        raise ValidationError("The screening date cannot be in the future.")
    if not harms:
        raise ValidationError("Choose at least one kind of harm the child is experiencing or at risk of.")
    screening = risk.Screening(
        harms=harms, settings=settings,
        assessed_on=assessed_on, date_of_birth=child.date_of_birth,
        age=None if child.date_of_birth else child.approximate_age, learning_disability=child.learning_disability,
        disclosure=disclosure, vulnerabilities=vulnerabilities, moderate=moderate, significant=significant or {},
        judgement=judgement, judgement_reason=judgement_reason)
    result = risk.assess(screening)
    recorded_at = _moment(at)
    with transaction.atomic():
        case = _locked(case)
        _open_only(case)
        assessment = RiskAssessment.objects.create(
            case=case, child=child, assessed_on=assessed_on, assessed_by=user,
            vulnerabilities=sorted(screening.vulnerabilities), moderate=sorted(screening.moderate),
            harms=sorted(screening.harms), settings=sorted(screening.settings),
            significant=dict(screening.significant), disclosure=disclosure,
            learning_disability=child.learning_disability, age_at_assessment=screening.age_at_assessment,
            score=result.score, score_category=result.score_category, tool_category=result.tool_category,
            final_category=result.final_category, overrides=[o.reason for o in result.overrides],
            judgement_reason=result.judgement_reason, notes=notes, reassessment_due=result.reassessment_due,
            recorded_at=recorded_at)
        _keep_latest_on_case(case)
        summary = f"Risk screening: {result.final_category.label}"
        summary += f". Harm: {', '.join(risk.labels(risk.HARMS, screening.harms)).lower()}"
        if screening.settings:
            summary += f". Settings: {', '.join(risk.labels(risk.SETTINGS, screening.settings)).lower()}"
        if result.judgement_changed_result:  # last: a long reason is what the 500-character line cuts short
            summary += f" (tool: {result.tool_category.label}; professional judgement: {result.judgement_reason})"
        chronology.add(child, Kind.RISK, summary, at=recorded_at, case=case, actor=user, subtype="screening")
        audit("risk_screening_recorded", user=user, obj=case, reason=result.final_category.label, request=request)
        if result.notify_police_and_social_care:
            _notify_disclosure(user, case)
    return assessment


def _keep_latest_on_case(case):
    latest = case.risk_assessments.order_by("-assessed_on", "-recorded_at").first()
    case.risk_category, case.risk_reassessment_due = latest.final_category, latest.reassessment_due
    case.save(update_fields=["risk_category", "risk_reassessment_due"])


def _notify_disclosure(user, case):
    """A disclosure tells the managers of the police and children's social care at once."""
    agencies = Agency.objects.filter(kind__in=[Agency.Kind.POLICE, Agency.Kind.COUNCIL])
    managers = User.objects.filter(role=Role.MANAGER, is_active=True, agency__in=agencies)
    Notification.objects.bulk_create([
        Notification(user=manager, case=case, kind=Notification.Kind.DISCLOSURE,
                     message=f"{case.reference}: a disclosure was recorded in a risk screening.")
        for manager in managers])
    chronology.add(case.child, Kind.RISK, "Disclosure: police and children's social care notified",
                   at=timezone.now(), case=case, actor=user, subtype="disclosure")
    audit("disclosure_notified", user=user, obj=case, reason=f"{managers.count()} managers")


# --- Plans, meetings and notes ------------------------------------------------------------------------


def add_plan_action(user, case, *, description, owner_name, owner_agency, due_on, meeting=None, request=None,
                    at=None):
    """`at` is for actions recorded after the fact (imports, demo data)."""
    require(user, "work", case)
    description = required_text(description, "Say what must be done.")
    owner_name = required_text(owner_name, "Say who will do it.")
    with transaction.atomic():
        _open_only(case)
        action = PlanAction.objects.create(case=case, description=description[:500], owner_name=owner_name,
                                           owner_agency=owner_agency, due_on=due_on, meeting=meeting, created_by=user,
                                           created_at=_moment(at))
        chronology.add(case.child, Kind.ACTION, f"Action for {owner_name} ({owner_agency.name}) by "
                       f"{due_on:%-d %B %Y}: {description}", at=action.created_at, case=case, actor=user,
                       subtype="added")
        audit("plan_action_added", user=user, obj=case, reason=str(action.pk), request=request)
    return action


def set_action_status(user, action, status, *, request=None):
    require(user, "work", action.case)
    if status not in PlanAction.Status.values:
        raise ValidationError("Choose open, done or cancelled.")
    with transaction.atomic():
        action = PlanAction.objects.select_for_update().select_related("case__child").get(pk=action.pk)
        action.status = status
        action.finished_at = None if status == PlanAction.Status.OPEN else timezone.now()
        action.save(update_fields=["status", "finished_at"])
        chronology.add(action.case.child, Kind.ACTION, f"Action {action.get_status_display().lower()}: "
                       f"{action.description}", at=timezone.now(), case=action.case, actor=user, subtype=status)
        audit("plan_action_updated", user=user, obj=action.case, reason=f"{action.pk} {status}", request=request)
    return action


STRATEGY_AGENCY_KINDS = {Agency.Kind.COUNCIL: "children's social care", Agency.Kind.POLICE: "police",
                         Agency.Kind.HEALTH: "health"}


def _check_attendees(kind, attendees):
    if not attendees:
        raise ValidationError("Record who attended.")
    if kind == Meeting.Kind.STRATEGY:
        present = {attendee["agency"].kind for attendee in attendees}
        missing = [label for agency_kind, label in STRATEGY_AGENCY_KINDS.items() if agency_kind not in present]
        if missing:
            raise ValidationError(f"A strategy discussion needs at least children's social care, police and "
                                  f"health. Missing: {', '.join(missing)}.")


def record_meeting(user, case, *, kind, held_at, chair, attendees, section_47=False, victims="", offenders="",
                   locations="", themes="", discussion="", decisions="", actions=(), other_cases=(),
                   people_of_concern=(), request=None):
    """Record a strategy discussion, MACE meeting or review, its attendees (dicts of name, agency, role) and
    the actions its decisions set (dicts of description, owner_name, owner_agency, due_on). A MACE meeting
    may also cover `other_cases` (other children discussed): it appears on each of their cases and
    chronologies. `people_of_concern` are the offenders discussed who have a record the user may open (the
    free text `offenders` keeps the others)."""
    require(user, "work", case)
    for person in people_of_concern:
        if not is_visible(user, person):
            raise PermissionDenied("You cannot open the record of one of the people of concern chosen.")
    if kind not in Meeting.Kind.values:
        raise ValidationError("Choose the kind of meeting.")
    other_cases = [other for other in other_cases if other.pk != case.pk]
    if other_cases and kind != Meeting.Kind.MACE:
        raise ValidationError("Only a MACE meeting covers other children's cases.")
    for other in other_cases:
        require(user, "work", other)
        _open_only(other)
    chair = required_text(chair, "Say who chaired the meeting.")
    _check_attendees(kind, attendees)
    if held_at > timezone.now():
        raise ValidationError("Record a meeting once it has been held.")
    with transaction.atomic():
        case = _locked(case)
        _open_only(case)
        meeting = Meeting.objects.create(
            kind=kind, owning_agency_id=case.owning_agency_id, held_at=held_at, chair=chair,
            section_47=section_47 and kind == Meeting.Kind.STRATEGY, victims=victims, offenders=offenders,
            locations=locations, themes=themes, discussion=discussion, decisions=decisions, recorded_by=user)
        meeting.cases.add(case)
        meeting.people_of_concern.set(people_of_concern)
        MeetingAttendee.objects.bulk_create([MeetingAttendee(meeting=meeting, **attendee) for attendee in attendees])
        _apply_meeting_deadlines(case, meeting)
        summary = f"{meeting.get_kind_display()} held, chaired by {chair}; {len(attendees)} attending"
        chronology.add(case.child, Kind.MEETING, summary, at=held_at, case=case, actor=user, subtype=kind)
        audit("meeting_recorded", user=user, obj=case, reason=kind, request=request)
        for other in other_cases:
            meeting.cases.add(other)
            chronology.add(other.child, Kind.MEETING, summary, at=held_at, case=other, actor=user, subtype=kind)
            audit("meeting_recorded", user=user, obj=other, reason=kind, request=request)
        for action in actions:
            add_plan_action(user, case, meeting=meeting, request=request, **action)
    return meeting


def _apply_meeting_deadlines(case, meeting):
    held_on = clock.local(meeting.held_at).date()
    if meeting.kind == Meeting.Kind.STRATEGY and meeting.section_47:
        case.conference_due = clock.initial_conference_due(meeting.held_at)
    elif meeting.kind == Meeting.Kind.CONFERENCE:
        case.conference_due = None
        case.review_due = clock.review_due(held_on)
    elif meeting.kind == Meeting.Kind.REVIEW:
        case.last_review_on = held_on
        case.review_due = clock.review_due(held_on, last_review_day=held_on)
    case.save(update_fields=["conference_due", "last_review_on", "review_due"])


def add_case_note(user, case, *, kind, happened_at, text, request=None):
    require(user, "work", case)
    if kind not in CaseNote.Kind.values:
        raise ValidationError("Choose the kind of note.")
    text = required_text(text, "Write the note.")
    if happened_at > timezone.now():
        raise ValidationError("A note records something that has happened: the time cannot be in the future.")
    with transaction.atomic():
        _open_only(case)
        note = CaseNote.objects.create(case=case, kind=kind, happened_at=happened_at, text=text, author=user)
        chronology.add(case.child, Kind.NOTE, f"{note.get_kind_display()}: {text}", at=happened_at, case=case,
                       actor=user, subtype=kind)
        audit("case_note_added", user=user, obj=case, reason=kind, request=request)
    return note
