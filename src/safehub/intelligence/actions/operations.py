"""The one door for changes to operations: opening one (from a network or not), its people of concern,
children and problem profile, disruption measures with their breaches and reviews, each person's justice
steps, closing it.

Each function takes the acting user, checks the policy (`intelligence.policy.may_run`), and writes the change
and its audit event in one transaction. Every date comes from `safehub.clock`. A justice step also writes a
line on the chronology of each of the operation's children (ADR 7), worded for the worker on the child's case.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from safehub import clock
from safehub.audit.trail import record as audit
from safehub.cases import chronology
from safehub.cases.models import Case, Child
from safehub.forms import required_text
from safehub.intelligence.models import Breach, Disruption, JusticeStep, Operation, PersonOfConcern
from safehub.intelligence.policy import OPERATION_RUNNERS, may_open_operations, may_run
from safehub.intelligence.queries.operations import network_records

Kind = Disruption.Kind
Step = JusticeStep.Kind

# Whom or what each measure is served on: a person, premises (a place), or either.
ON_A_PERSON = {Kind.CAWN, Kind.SRO, Kind.SHPO}
ON_PREMISES = {Kind.CLOSURE_NOTICE, Kind.CLOSURE_ORDER, Kind.HOTEL_REQUEST}
MIN_YEARS = {Kind.SRO: clock.SRO_MIN_YEARS, Kind.SHPO: clock.SHPO_MIN_YEARS}
# Steps that are scheduled ahead, so may be recorded with a date in the future.
SCHEDULED = {Step.FIRST_HEARING, Step.TRIAL}


def _require_run(user, operation):
    if not may_run(user, operation):
        raise PermissionDenied("Only the analysts, investigators and managers of the agency running the operation "
                               "may change it.")


def _open_only(operation, what):
    if operation.status == Operation.Status.CLOSED:
        raise ValidationError(f"{operation.reference} is closed: {what} only while it is open.")


def _not_future(at, message, field=None):
    if at > timezone.now():
        raise ValidationError({field: message} if field else message)
    return at


# --- The operation ----------------------------------------------------------------------------------------


def _check_lead(user, lead):
    if lead is None or not (lead.is_active and not lead.is_system and lead.agency_id == user.agency_id
                            and lead.role in OPERATION_RUNNERS):
        raise ValidationError({"lead": "Choose a lead: an analyst, investigator or manager of your agency."})


def open_operation(user, *, name, lead, network=None, request=None, at=None):
    """Open an operation owned by the user's agency, with `lead` leading it. Opened from a linking network,
    it keeps the network's reports the user may open (networks are recomputed, their reports stay) and the
    children those records are about: the network's children's records and the children of cases opened from
    its reports, where the user may open them."""
    if not may_open_operations(user):
        raise PermissionDenied("Only analysts, investigators and managers open an operation.")
    if not (name or "").strip():
        raise ValidationError({"name": "Enter the name of the operation."})
    name = name.strip()
    if len(name) > 200:
        raise ValidationError({"name": "The name must be 200 characters or fewer."})
    if Operation.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": f"There is already an operation called {name}. Choose another name."})
    _check_lead(user, lead)
    now = _not_future(at, "The time cannot be in the future.") if at is not None else timezone.now()
    reports, children = network_records(user, network) if network is not None else ([], [])
    try:
        with transaction.atomic():
            operation = Operation.objects.create(name=name, owning_agency_id=user.agency_id, lead=lead,
                                                 opened_at=now, created_by=user)
            operation.reference = f"OP-{operation.pk:06d}"
            Operation.objects.filter(pk=operation.pk).update(reference=operation.reference)
            operation.network_reports.set(reports)
            operation.children.set(children)
            origin = f"from network {network.reference}: {len(reports)} reports" if network is not None else "direct"
            audit("operation_opened", user=user, obj=operation, reason=f"{origin}; lead {lead.username}",
                  request=request)
    except IntegrityError:  # the same name, opened at the same moment by someone else
        raise ValidationError({"name": f"There is already an operation called {name}. Choose another name."}) \
            from None
    return operation


def add_person(user, operation, person, *, request=None):
    _require_run(user, operation)
    _open_only(operation, "people are added")
    if not PersonOfConcern.objects.visible_to(user).filter(pk=person.pk).exists():
        raise PermissionDenied("You cannot open that person's record.")
    if operation.people.filter(pk=person.pk).exists():
        raise ValidationError(f"{person} is already in this operation.")
    with transaction.atomic():
        operation.people.add(person)
        audit("operation_person_added", user=user, obj=operation, reason=person.reference or str(person.pk),
              request=request)
    return person


def add_child(user, operation, child, *, request=None):
    _require_run(user, operation)
    _open_only(operation, "children are added")
    if not Child.objects.visible_to(user).filter(pk=child.pk).exists():
        raise PermissionDenied("You cannot open that child's record.")
    if child.merged_into_id:
        raise ValidationError(f"{child.reference} was merged into another record: add that record instead.")
    if operation.children.filter(pk=child.pk).exists():
        raise ValidationError(f"{child.reference} is already in this operation.")
    with transaction.atomic():
        operation.children.add(child)
        audit("operation_child_added", user=user, obj=operation, reason=child.reference, request=request)
    return child


def update_profile(user, operation, *, victims="", offenders="", locations="", themes="", refreshed_on=None,
                   request=None):
    """Write the problem profile (Victims, Offenders, Locations, Themes). It falls due for refresh 12 months on."""
    _require_run(user, operation)
    _open_only(operation, "the profile is written")
    parts = [(text or "").strip() for text in (victims, offenders, locations, themes)]
    if not any(parts):
        raise ValidationError("Write at least one part of the profile: victims, offenders, locations or themes.")
    refreshed_on = refreshed_on or clock.today()
    if refreshed_on > clock.today():
        raise ValidationError("The date of the profile cannot be in the future.")
    with transaction.atomic():
        operation = Operation.objects.select_for_update().get(pk=operation.pk)
        (operation.profile_victims, operation.profile_offenders, operation.profile_locations,
         operation.profile_themes) = parts
        operation.profile_refreshed_on = refreshed_on
        operation.profile_due = clock.problem_profile_due(refreshed_on)
        operation.save(update_fields=["profile_victims", "profile_offenders", "profile_locations", "profile_themes",
                                      "profile_refreshed_on", "profile_due"])
        audit("operation_profile_refreshed", user=user, obj=operation, reason=f"due {operation.profile_due}",
              request=request)
    return operation


def close_operation(user, operation, *, reason, request=None):
    """Close the operation. Breaches of its orders and the court's steps are still recorded afterwards (an SHPO
    outlives the investigation; a trial comes years later)."""
    _require_run(user, operation)
    reason = required_text(reason, "Say why the operation is closing.")
    with transaction.atomic():
        operation = Operation.objects.select_for_update().get(pk=operation.pk)
        if operation.status == Operation.Status.CLOSED:
            raise ValidationError(f"{operation.reference} is already closed.")
        operation.status = Operation.Status.CLOSED
        operation.save(update_fields=["status"])
        audit("operation_closed", user=user, obj=operation, reason=reason, request=request)
    return operation


# --- Disruption -----------------------------------------------------------------------------------------


def _check_subject(operation, kind, person, place):
    if person is None and not place:
        raise ValidationError({"person": "Say whom or what the measure is served on: a person in the operation, "
                                         "or a place."})
    if kind in ON_A_PERSON and person is None:
        raise ValidationError({"person": f"A {Kind(kind).label} is served on a person: choose the person."})
    if kind in ON_PREMISES and not place:
        raise ValidationError({"place": f"A {Kind(kind).label} is served on premises: enter the address."})
    if person is not None and not operation.people.filter(pk=person.pk).exists():
        raise ValidationError({"person": f"{person} is not in this operation: add them to it first."})


def _term(kind, months, years, until_further_order, extended):
    """Check the term the court or the officer gave; ValidationError in words if the law does not allow it."""
    label = Kind(kind).label
    if months is not None and kind != Kind.CLOSURE_ORDER:
        raise ValidationError({"months": "A term in months is given only for a closure order."})
    if (years is not None or until_further_order) and kind not in MIN_YEARS:
        raise ValidationError({"years": "A term in years, or until further order, is given only for a Sexual Risk "
                                        "Order or a Sexual Harm Prevention Order."})
    if extended and kind != Kind.CLOSURE_NOTICE:
        raise ValidationError({"extended": "Only a closure notice is extended to 48 hours."})
    if kind == Kind.CLOSURE_ORDER:
        if months is None:
            raise ValidationError({"months": "Enter how many months the closure order lasts (at most 3)."})
        if not 1 <= months <= clock.CLOSURE_ORDER_MAX_MONTHS:
            raise ValidationError({"months": f"A closure order lasts at most {clock.CLOSURE_ORDER_MAX_MONTHS} months: "
                                             f"enter 1 to {clock.CLOSURE_ORDER_MAX_MONTHS}."})
    if kind in MIN_YEARS:
        minimum = MIN_YEARS[kind]
        if until_further_order and years is not None:
            raise ValidationError({"years": f"Give the {label}'s term in years, or say it lasts until further order, "
                                            f"not both."})
        if not until_further_order and years is None:
            raise ValidationError({"years": f"Enter the {label}'s term in years (at least {minimum}), or say it "
                                            f"lasts until further order."})
        if years is not None and years < minimum:
            raise ValidationError({"years": f"A {label} lasts at least {minimum} years: the term cannot be {years}."})


def serve_disruption(user, operation, *, kind, person=None, place="", served_at, months=None, years=None,
                     until_further_order=False, extended=False, notes="", request=None):
    """Record a disruption measure served on a person in the operation or on a place, with its expiry and
    review from the clock. An SRO or SHPO may last until further order (no expiry)."""
    _require_run(user, operation)
    _open_only(operation, "disruption is recorded")
    if kind not in Kind.values:
        raise ValidationError({"kind": "Choose the kind of measure."})
    place = (place or "").strip()
    _check_subject(operation, kind, person, place)
    _not_future(served_at, "Record a measure once it has been served: the date cannot be in the future.",
                "served_at")
    _term(kind, months, years, until_further_order, extended)
    ends_at = None if until_further_order else clock.disruption_ends(kind, served_at, extended=extended,
                                                                     months=months, years=years)
    with transaction.atomic():
        disruption = Disruption.objects.create(
            operation=operation, kind=kind, person=person, place=place, served_at=served_at, ends_at=ends_at,
            review_on=clock.disruption_review_due(kind, served_at), extended=extended, notes=(notes or "").strip(),
            recorded_by=user)
        audit("disruption_served", user=user, obj=operation, reason=f"{kind} #{disruption.pk}", request=request)
    return disruption


def extend_closure_notice(user, disruption, *, request=None):
    """A closure notice's 24 hours extended to 48, while it is still in force."""
    operation = disruption.operation
    _require_run(user, operation)
    if disruption.kind != Kind.CLOSURE_NOTICE:
        raise ValidationError("Only a closure notice is extended to 48 hours.")
    with transaction.atomic():
        disruption = Disruption.objects.select_for_update().get(pk=disruption.pk)
        if disruption.extended:
            raise ValidationError("This closure notice was already extended to 48 hours.")
        if disruption.ends_at <= timezone.now():
            raise ValidationError("This closure notice has lapsed: a lapsed notice cannot be extended.")
        disruption.extended = True
        disruption.ends_at = clock.disruption_ends(disruption.kind, disruption.served_at, extended=True)
        disruption.save(update_fields=["extended", "ends_at"])
        audit("closure_notice_extended", user=user, obj=operation, reason=f"#{disruption.pk}", request=request)
    return disruption


REVIEW_OUTCOMES = {"continue": "continues", "end": "ended"}


def review_disruption(user, disruption, *, reviewed_on, outcome, notes="", request=None):
    """A review of a measure in force that has a review interval: it continues (the next review from the clock,
    counted from this one) or it ends now (lifted, discharged, no longer needed). The review is added to the
    measure's notes and audited."""
    operation = disruption.operation
    _require_run(user, operation)
    if outcome not in REVIEW_OUTCOMES:
        raise ValidationError({"outcome": "Say whether the measure continues or ends."})
    if reviewed_on > clock.today():
        raise ValidationError({"reviewed_on": "Record a review once it has happened: the date cannot be in the "
                                              "future."})
    if reviewed_on < clock.local(disruption.served_at).date():
        raise ValidationError({"reviewed_on": "The review cannot be before the measure was served."})
    notes = (notes or "").strip()
    with transaction.atomic():
        disruption = Disruption.objects.select_for_update().get(pk=disruption.pk)
        if disruption.review_on is None:
            raise ValidationError("This measure has no review due: it has ended, or it runs for a fixed term.")
        if disruption.ends_at is not None and disruption.ends_at <= timezone.now():
            raise ValidationError("This measure has ended: there is nothing to review.")
        if outcome == "end":
            disruption.ends_at, disruption.review_on = timezone.now(), None
        else:
            reviewed_at = dt.datetime.combine(reviewed_on, dt.time(12), tzinfo=clock.LONDON)
            disruption.review_on = clock.disruption_review_due(disruption.kind, reviewed_at)
        line = f"Reviewed {reviewed_on.day} {reviewed_on:%B %Y} by {user}: {REVIEW_OUTCOMES[outcome]}." + \
            (f" {notes}" if notes else "")
        disruption.notes = f"{disruption.notes}\n{line}".strip()
        disruption.save(update_fields=["ends_at", "review_on", "notes"])
        audit("disruption_reviewed", user=user, obj=operation, reason=f"#{disruption.pk} {outcome}", request=request)
    return disruption


def record_breach(user, disruption, *, happened_at, details, request=None):
    """A breach of a measure, while it was in force. Recorded on a closed operation too."""
    _require_run(user, disruption.operation)
    if not (details or "").strip():
        raise ValidationError({"details": "Describe the breach."})
    _not_future(happened_at, "Record a breach once it has happened: the time cannot be in the future.",
                "happened_at")
    if happened_at < disruption.served_at:
        raise ValidationError({"happened_at": "The breach cannot be before the measure was served."})
    if disruption.ends_at is not None and happened_at > disruption.ends_at:
        raise ValidationError({"happened_at": "The measure had lapsed by then, so that was not a breach of it."})
    with transaction.atomic():
        breach = Breach.objects.create(disruption=disruption, happened_at=happened_at, details=details.strip(),
                                       recorded_by=user)
        audit("disruption_breached", user=user, obj=disruption.operation, reason=f"#{disruption.pk}", request=request)
    return breach


# --- Justice outcomes -------------------------------------------------------------------------------------


def record_justice_step(user, operation, person, *, kind, at, details="", request=None):
    """One step of a person's path through the investigation. Steps may be entered in any order (historic
    entries), but only a first hearing or a trial is dated ahead. Bail ends from the clock, counted from the
    person's arrest (the latest arrest recorded before it in this operation, else the release itself). Each
    step writes a line on the chronology of the operation's children's cases."""
    _require_run(user, operation)
    if kind not in Step.values:
        raise ValidationError({"kind": "Choose the step."})
    if not operation.people.filter(pk=person.pk).exists():
        raise ValidationError({"person": f"{person} is not in this operation: add them to it first."})
    details = (details or "").strip()
    if kind == Step.NFA and not details:
        raise ValidationError({"details": "Give the reason for no further action."})
    if kind == Step.CHARGE and not details:
        raise ValidationError({"details": "List the offences charged."})
    if kind not in SCHEDULED:
        _not_future(at, f"Record \u201c{Step(kind).label}\u201d once it has happened: only a first hearing or a "
                        f"trial is dated ahead.", "at")
    bail_ends_on = None
    if kind == Step.BAIL:
        arrest = (JusticeStep.objects.filter(operation=operation, person=person, kind=Step.ARREST, at__lte=at)
                  .order_by("-at").first())
        bail_ends_on = clock.pre_charge_bail_ends(arrest.at if arrest else at)
    with transaction.atomic():
        step = JusticeStep.objects.create(operation=operation, person=person, kind=kind, at=at, details=details,
                                          bail_ends_on=bail_ends_on, recorded_by=user)
        _write_chronology(user, operation, step)
        audit("justice_step_recorded", user=user, obj=operation, reason=f"{kind}: {person.reference or person.pk}",
              request=request)
    return step


# --- What a worker on a victim's case reads ------------------------------------------------------------------


def name_for_workers(person):
    """The suspect as the chronology of a child's case names them: first name and the initial of the surname
    ("Dan M."), else their first nickname, else "a person of concern". Enough for the worker who knows the case
    to recognise whom the step is about and plan the child's safety; not the full identity, which stays on the
    person's record for those who may open it (a child's file is read by many, and may be disclosed to the
    family)."""
    if person.first_name:
        return f"{person.first_name} {person.last_name[:1]}.".strip() if person.last_name else person.first_name
    nickname = person.nicknames.split(",")[0].strip()
    return f"\u201c{nickname}\u201d" if nickname else "a person of concern"


def _date_words(day):
    return f"{day.day} {day:%B %Y}"


def chronology_summary(operation, step):
    """The line for a child's chronology: "Wrekinshire Police: Dan M. charged (2 offences of ...)". Free text is
    carried only where it is the outcome itself (offences, the reason for no further action, the verdict, the
    sentence, the court), never an arrest's or a release's operational detail."""
    who = name_for_workers(step.person)
    detail = f" ({step.details})" if step.details else ""
    words = {
        Step.INVESTIGATION: f"investigation opened into {who}",
        Step.ARREST: f"{who} arrested",
        Step.RUI: f"{who} released under investigation (no bail conditions)",
        Step.BAIL: f"{who} released on pre-charge bail until {_date_words(step.bail_ends_on)}" if step.bail_ends_on
        else f"{who} released on pre-charge bail",
        Step.CHARGE: f"{who} charged{detail}",
        Step.NFA: f"no further action against {who}{detail}",
        Step.FIRST_HEARING: f"{who}: first hearing on {_date_words(clock.local(step.at))}{detail}",
        Step.TRIAL: f"{who}: trial on {_date_words(clock.local(step.at))}{detail}",
        Step.CONVICTION: f"{who} convicted{detail}",
        Step.ACQUITTAL: f"{who} acquitted{detail}",
        Step.SENTENCE: f"{who} sentenced{detail}",
    }[step.kind]
    return f"{operation.owning_agency.name}: {words[0].upper()}{words[1:]}"


def _cases_for_justice_lines(operation):
    """Each child's cases that are not closed, or the latest one if all are (a verdict often comes after the
    case closed). A child merged into another record counts as the kept record."""
    children = {child.merged_into_id or child.pk for child in operation.children.all()}
    cases = Case.objects.filter(child_id__in=children).select_related("child").order_by("child_id", "-opened_at")
    chosen = {}
    for case in cases:
        open_ones, latest = chosen.setdefault(case.child_id, ([], case))
        if case.status != Case.Status.CLOSED:
            open_ones.append(case)
    return [case for open_ones, latest in chosen.values() for case in (open_ones or [latest])]


def _write_chronology(user, operation, step):
    summary = chronology_summary(operation, step)
    # A scheduled hearing goes on the chronology when it is listed, not at its future date.
    at = min(step.at, timezone.now())
    for case in _cases_for_justice_lines(operation):
        chronology.add(case.child, chronology.Kind.JUSTICE, summary, at=at, case=case, actor=user, subtype=step.kind)
