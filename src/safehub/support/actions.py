"""The one door for support changes: adult survivor records and their routing, support plans, safe contact,
consent, and the Victims' Code notifications. Each takes the acting user, checks permission, and writes the
change with its audit event in one transaction (a child's also writes its chronology line)."""


from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from safehub import clock
from safehub.access.models import LawfulBasis
from safehub.access.policy import require
from safehub.audit.trail import record as audit
from safehub.cases import chronology
from safehub.cases.models import Case, Child
from safehub.forms import required_text
from safehub.intake.models import Contact, SafeContactFields, SurvivorAnswers
from safehub.support.models import (AdultSurvivor, Consent, SafeContact, SupportGoal, SupportPlan, SupportService,
                                    VictimNotification, VoiceEntry)


def _person_of(owner):
    """(child, survivor) for a plan owner or a person: a case's child, a child, or an adult survivor."""
    if isinstance(owner, Case):
        return owner.child, None
    if isinstance(owner, Child):
        return owner, None
    if isinstance(owner, AdultSurvivor):
        return None, owner
    raise TypeError(f"Not a person or plan owner: {owner!r}")


def _person_fields(owner):
    child, survivor = _person_of(owner)
    return {"child": child} if child is not None else {"survivor": survivor}


def _chronology(owner, summary, user, subtype, case=None):
    child, _ = _person_of(owner)
    if child is not None:
        chronology.add(child, chronology.Kind.SUPPORT, summary, at=timezone.now(), actor=user, subtype=subtype,
                       case=case if case is not None else (owner if isinstance(owner, Case) else None))


def _not_future(day, message):
    if day and day > clock.today():
        raise ValidationError(message)


# --- Adult survivors ---------------------------------------------------------------------------------------


def open_survivor_record(user, contact, *, summary="", wants=None, request=None):
    """A screener opens an adult survivor's record from their non-recent report (no child's record, no case).
    What they want and how to contact them safely come from the report."""
    require(user, "screen", contact)
    if contact.kind != Contact.Kind.NON_RECENT:
        raise ValidationError("Only an adult's report of their own non-recent abuse opens an adult survivor record.")
    answers = getattr(contact, "survivor_answers", None)
    wants = wants or (answers.wants if answers else "")
    if wants not in SurvivorAnswers.Wants.values:
        raise ValidationError({"wants": "Say what the survivor wants to happen."})
    with transaction.atomic():
        existing = AdultSurvivor.objects.select_for_update().filter(contact=contact).first()
        if existing is not None:
            raise ValidationError(f"{contact.reference} already has an adult survivor record: {existing.reference}.")
        survivor = AdultSurvivor.objects.create(
            owning_agency=contact.owning_agency, contact=contact, wants=wants, summary=(summary or "").strip(),
            name="" if contact.reporter_anonymous else contact.reporter_name, opened_by=user)
        survivor.reference = f"AS-{survivor.pk:06d}"
        AdultSurvivor.objects.filter(pk=survivor.pk).update(reference=survivor.reference)
        if answers is not None and any(getattr(answers, f) for f in SafeContactFields.SAFE_FIELDS):
            SafeContact.objects.create(survivor=survivor, updated_by=user,
                                       **{f: getattr(answers, f) for f in SafeContactFields.SAFE_FIELDS})
        audit("survivor_record_opened", user=user, obj=survivor, reason=f"from {contact.reference}", request=request)
    return survivor


def consent_covers(person, *, agency=None, provider="", scopes=(Consent.Scope.SHARE_RECORD, Consent.Scope.POLICE)):
    """An active consent of this person (child or survivor) covering sharing with `agency`, or a referral to
    `provider` (by name, case and spaces ignored)."""
    consents = Consent.objects.filter(**_person_fields(person), withdrawn_on__isnull=True, scope__in=scopes)
    if agency is not None:
        return consents.filter(agency=agency).exists()
    wanted = " ".join(provider.lower().split())
    return any(" ".join(c.with_whom.lower().split()) == wanted for c in consents if c.with_whom)


def check_share_consent(record, agency, lawful_basis):
    """Registered with access.share_record: a share of a child's or survivor's record made "on consent" needs
    an active consent covering that agency; otherwise another lawful basis must be written down."""
    if lawful_basis != LawfulBasis.CONSENT:
        return
    person = record.child if isinstance(record, Case) else record
    if not isinstance(person, (Child, AdultSurvivor)):
        return
    if not consent_covers(person, agency=agency):
        raise ValidationError(f"No recorded consent covers sharing this record with {agency.name}: record the "
                              "consent first, or choose the lawful basis that applies and say why.")


def route_survivor(user, survivor, *, police_agency=None, services=(), consent_given_on=None, lawful_basis="",
                   basis_reason="", request=None):
    """Route an adult survivor, with their consent, to the police (their record is shared with the police
    agency) and to support services (each a referral in their plan, offered today).

    `consent_given_on`: the survivor agreed to these routes on that day; a consent record is written for each.
    A share with the police that no consent covers needs a lawful basis other than consent and the reason
    written down; a referral to a service always needs the survivor's consent (they are an adult)."""
    from safehub.access.actions import share_record

    require(user, "screen", survivor)
    if police_agency is None and not services:
        raise ValidationError("Choose the police, a support service, or both.")
    if consent_given_on is not None:
        _not_future(consent_given_on, "The date consent was given cannot be in the future.")
    services = [(service, (provider or "").strip()) for service, provider in services]
    known = dict(settings.SAFEHUB_SUPPORT_SERVICES)
    for service, provider in services:
        if service not in known:
            raise ValidationError({"services": "Choose services from the list."})
        if not provider:
            raise ValidationError({"provider": "Say who provides the service."})
        if consent_given_on is None and not consent_covers(survivor, provider=provider, scopes=[Consent.Scope.REFERRAL]):
            raise ValidationError({"consent_given": "A referral to a support service needs the survivor's consent: "
                                                    "record that they agreed."})
    if police_agency is not None:
        if police_agency.pk == survivor.owning_agency_id:
            raise ValidationError({"police_agency": "The record already belongs to that agency."})
        covered = consent_given_on is not None or consent_covers(survivor, agency=police_agency)
        if not covered:
            if not lawful_basis or lawful_basis == LawfulBasis.CONSENT or lawful_basis not in LawfulBasis.values:
                raise ValidationError({"lawful_basis": "The survivor has not consented to the police: choose the "
                                                       "lawful basis for sharing without consent."})
            if not (basis_reason or "").strip():
                raise ValidationError({"basis_reason": "Say why the record is shared with the police without the "
                                                       "survivor's consent."})
    today = clock.today()
    with transaction.atomic():
        if police_agency is not None:
            if consent_given_on is not None:
                Consent.objects.create(survivor=survivor, scope=Consent.Scope.POLICE, agency=police_agency,
                                       given_on=consent_given_on, recorded_by=user,
                                       notes="Recorded when routing the survivor")
            if consent_given_on is not None or consent_covers(survivor, agency=police_agency):
                basis, purpose = (LawfulBasis.CONSENT,
                                  "Adult survivor of non-recent abuse: routed to the police with their consent")
            else:
                basis = lawful_basis
                purpose = f"Adult survivor of non-recent abuse: shared without consent. {basis_reason.strip()}"
            share_record(user, survivor, agency=police_agency, lawful_basis=basis, purpose=purpose, request=request)
            # Their account, and what linking makes of the people and places they remember, is in the report.
            report = survivor.contact
            if report is not None and report.owning_agency_id != police_agency.pk:
                from safehub.access.models import Share as ShareModel

                already = ShareModel.pointing_at(report).active().filter(agency=police_agency).exists()
                if not already:
                    share_record(user, report, agency=police_agency, lawful_basis=basis, purpose=purpose,
                                 request=request)
        plan = _plan(user, survivor) if services else None
        for service, provider in services:
            if consent_given_on is not None:
                Consent.objects.create(survivor=survivor, scope=Consent.Scope.REFERRAL, with_whom=provider,
                                       given_on=consent_given_on, recorded_by=user,
                                       notes=f"Referral to {known[service]}")
            SupportService.objects.create(plan=plan, service=service, provider=provider[:200], referred_on=today,
                                          status=SupportService.Status.OFFERED, updated_by=user)
        routes = ([f"police ({police_agency.code})"] if police_agency else []) + [s for s, _ in services]
        audit("survivor_routed", user=user, obj=survivor, reason=", ".join(routes), request=request)
    return survivor


def link_survivor_to_operation(user, survivor, operation, *, request=None):
    """The survivor is a victim in this investigation: the Victims' Code notifications of its justice steps are
    owed to them too."""
    from safehub.intelligence.policy import may_run

    require(user, "view", survivor)
    if not may_run(user, operation):
        raise PermissionDenied("Only those who run the operation may add a victim to it.")
    with transaction.atomic():
        survivor.operations.add(operation)
        audit("survivor_added_to_operation", user=user, obj=survivor, reason=operation.reference or str(operation.pk),
              request=request)


# --- Safe contact and consent ------------------------------------------------------------------------------


def set_safe_contact(user, person, *, request=None, **fields):
    require(user, "work", person)
    unknown = set(fields) - set(SafeContactFields.SAFE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown safe contact fields: {sorted(unknown)}")
    if fields.get("no_phone") and fields.get("safe_phone"):
        raise ValidationError({"safe_phone": "Remove the phone number, or untick 'Do not phone'."})
    with transaction.atomic():
        safe, _ = SafeContact.objects.get_or_create(**_person_fields(person), defaults={"updated_by": user})
        for name in SafeContactFields.SAFE_FIELDS:
            if name in fields:
                setattr(safe, name, fields[name])
        safe.updated_at, safe.updated_by = timezone.now(), user
        safe.full_clean(exclude=["child", "survivor", "updated_by"])
        safe.save()
        _chronology(person, "Safe contact preferences updated", user, "safe_contact")
        audit("safe_contact_updated", user=user, obj=person, request=request)
    return safe


def record_consent(user, person, *, scope, given_on, agency=None, with_whom="", given_by=Consent.GivenBy.PERSON,
                   notes="", request=None):
    require(user, "work", person)
    if scope not in Consent.Scope.values:
        raise ValidationError({"scope": "Choose what they agreed to."})
    if given_by not in Consent.GivenBy.values:
        raise ValidationError({"given_by": "Say who gave consent."})
    with_whom = (with_whom or "").strip()
    if agency is None and not with_whom:
        raise ValidationError({"agency": "Choose the agency, or name the service, it may go to."})
    if given_on is None:
        raise ValidationError({"given_on": "Enter the date consent was given."})
    _not_future(given_on, "The date consent was given cannot be in the future.")
    with transaction.atomic():
        consent = Consent.objects.create(**_person_fields(person), scope=scope, agency=agency, with_whom=with_whom[:200],
                                         given_on=given_on, given_by=given_by, notes=(notes or "").strip(),
                                         recorded_by=user)
        _chronology(person, f"Consent recorded: {consent.get_scope_display().lower()} with {consent.whom()}", user,
                    "consent")
        audit("consent_recorded", user=user, obj=person, reason=f"{scope} with {consent.whom()}", request=request)
    return consent


def withdraw_consent(user, consent, *, withdrawn_on, reason, request=None):
    """Consent withdrawn: shares made on it are listed on the person's page for someone to revoke them or record
    another lawful basis (a withdrawal does not by itself undo what was lawfully shared)."""
    person = consent.child or consent.survivor
    require(user, "work", person)
    reason = required_text(reason, "Say how and why consent was withdrawn.")
    if withdrawn_on is None:
        raise ValidationError({"withdrawn_on": "Enter the date consent was withdrawn."})
    _not_future(withdrawn_on, "The date consent was withdrawn cannot be in the future.")
    if withdrawn_on < consent.given_on:
        raise ValidationError({"withdrawn_on": "Consent cannot be withdrawn before it was given."})
    with transaction.atomic():
        consent = Consent.objects.select_for_update().get(pk=consent.pk)
        if consent.withdrawn_on is not None:
            raise ValidationError("That consent was already withdrawn.")
        consent.withdrawn_on, consent.withdrawal_reason, consent.withdrawn_by = withdrawn_on, reason, user
        consent.save(update_fields=["withdrawn_on", "withdrawal_reason", "withdrawn_by"])
        _chronology(person, f"Consent withdrawn: {consent.get_scope_display().lower()} with {consent.whom()}", user,
                    "consent")
        audit("consent_withdrawn", user=user, obj=person, reason=f"{consent.scope} with {consent.whom()}: {reason}",
              request=request)
    return consent


def shares_without_consent(person):
    """Active shares of this person's record (and, for a child, their cases) made on consent that no active
    consent covers any more."""
    from django.contrib.contenttypes.models import ContentType

    from safehub.access.models import Share

    records = [person] + (list(person.cases.all()) if isinstance(person, Child) else [])
    found = []
    for record in records:
        shares = Share.objects.active().filter(content_type=ContentType.objects.get_for_model(record),
                                               object_id=record.pk, lawful_basis=LawfulBasis.CONSENT)
        found += [share for share in shares.select_related("agency") if not consent_covers(person, agency=share.agency)]
    return found


# --- Support plans -----------------------------------------------------------------------------------------


def _plan(user, owner):
    field = "case" if isinstance(owner, Case) else "survivor"
    plan, _ = SupportPlan.objects.get_or_create(**{field: owner}, defaults={"created_by": user})
    return plan


def plan_of(owner):
    field = "case" if isinstance(owner, Case) else "survivor"
    return SupportPlan.objects.filter(**{field: owner}).first()


def _service_key(service):
    if service not in dict(settings.SAFEHUB_SUPPORT_SERVICES):
        raise ValidationError({"service": "Choose a service from the list."})
    return service


def add_service(user, owner, *, service, provider, referred_on, status=SupportService.Status.OFFERED, outcome="",
                request=None):
    require(user, "work", owner)
    _service_key(service)
    provider = required_text(provider, "Say who provides the service.")
    if referred_on is None:
        raise ValidationError({"referred_on": "Enter the referral date."})
    _not_future(referred_on, "The referral date cannot be in the future.")
    _check_status(status, outcome)
    with transaction.atomic():
        plan = _plan(user, owner)
        row = SupportService.objects.create(plan=plan, service=service, provider=provider[:200], referred_on=referred_on,
                                            status=status, outcome=(outcome or "").strip(), updated_by=user)
        _chronology(owner, f"Support: {row.service_label()} ({provider}) {row.get_status_display().lower()}", user,
                    "service")
        audit("support_service_added", user=user, obj=owner, reason=f"{service}: {status}", request=request)
    return row


def _check_status(status, outcome):
    if status not in SupportService.Status.values:
        raise ValidationError({"status": "Choose the status."})
    if status == SupportService.Status.ENDED and not (outcome or "").strip():
        raise ValidationError({"outcome": "Say what came of the service when it ends."})


def update_service(user, row, *, status, outcome="", request=None):
    owner = row.plan.case or row.plan.survivor
    require(user, "work", owner)
    _check_status(status, outcome)
    with transaction.atomic():
        row.status, row.outcome = status, (outcome or "").strip() or row.outcome
        row.updated_at, row.updated_by = timezone.now(), user
        row.save(update_fields=["status", "outcome", "updated_at", "updated_by"])
        _chronology(owner, f"Support: {row.service_label()} ({row.provider}) {row.get_status_display().lower()}", user,
                    "service")
        audit("support_service_updated", user=user, obj=owner, reason=f"{row.service}: {status}", request=request)
    return row


def add_voice(user, owner, *, kind, said_on, text, request=None):
    """The person's own words or a wish, written as they said them (never paraphrased here)."""
    require(user, "work", owner)
    if kind not in VoiceEntry.Kind.values:
        raise ValidationError({"kind": "Say whether these are their words or a wish."})
    text = required_text(text, "Write what they said, in their words.")
    if len(text) > settings.SAFEHUB_MAX_TEXT:
        raise ValidationError({"text": f"Write {settings.SAFEHUB_MAX_TEXT:,} characters or fewer."})
    if said_on is None:
        raise ValidationError({"said_on": "Enter the date they said it."})
    _not_future(said_on, "The date they said it cannot be in the future.")
    with transaction.atomic():
        entry = VoiceEntry.objects.create(plan=_plan(user, owner), kind=kind, said_on=said_on, text=text,
                                          recorded_by=user)
        _chronology(owner, f"Support plan: {entry.get_kind_display().lower()} recorded", user, "voice")
        audit("support_voice_recorded", user=user, obj=owner, request=request)
    return entry


def add_goal(user, owner, *, goal, request=None):
    require(user, "work", owner)
    goal = required_text(goal, "Write the goal.")
    with transaction.atomic():
        row = SupportGoal.objects.create(plan=_plan(user, owner), goal=goal[:500], updated_by=user)
        audit("support_goal_added", user=user, obj=owner, request=request)
    return row


def update_goal(user, goal, *, status, progress="", request=None):
    owner = goal.plan.case or goal.plan.survivor
    require(user, "work", owner)
    if status not in SupportGoal.Status.values:
        raise ValidationError({"status": "Choose how the goal is going."})
    progress = (progress or "").strip()
    with transaction.atomic():
        if progress:
            stamp = clock.today().strftime("%-d %b %Y")
            goal.progress = f"{stamp}: {progress}\n{goal.progress}".strip()
        goal.status, goal.updated_at, goal.updated_by = status, timezone.now(), user
        goal.save(update_fields=["status", "progress", "updated_at", "updated_by"])
        audit("support_goal_updated", user=user, obj=owner, reason=status, request=request)
    return goal


# --- The Victims' Code -------------------------------------------------------------------------------------

# Key decisions a victim is told of within 1 working day. A bail recorded again for the same person is a change
# of bail; "released under investigation" is a release. (Seam: when justice steps gain kinds for a bail
# variation or a release from custody, add them here.)
KEY_DECISIONS = {"charge": "charged", "nfa": "no further action", "bail": "released on bail",
                 "rui": "released under investigation"}


def justice_step_recorded(sender, instance, created, raw=False, **kwargs):
    """Signal receiver (inside the justice step's own transaction): the notifications owed to its victims."""
    if created and not raw:
        open_victim_notifications(instance)


def open_victim_notifications(step):
    if step.kind not in KEY_DECISIONS:
        return []
    from safehub.intelligence.actions.operations import name_for_workers

    operation = step.operation
    earlier_bail = step.kind == "bail" and type(step).objects.filter(
        operation=operation, person=step.person, kind="bail", at__lt=step.at).exists()
    words = "bail changed" if earlier_bail else KEY_DECISIONS[step.kind]
    decision = f"{name_for_workers(step.person)}: {words}"
    due = clock.victims_code_due(step.at)
    children = {child.merged_into_id or child.pk for child in operation.children.all()}
    made = [VictimNotification(step=step, child_id=child_id, decision=decision, due_at=due) for child_id in children]
    made += [VictimNotification(step=step, survivor=survivor, decision=decision, due_at=due)
             for survivor in operation.adult_survivors.all()]
    VictimNotification.objects.bulk_create(made)
    if made:
        audit("victims_code_due", user=step.recorded_by, obj=operation,
              reason=f"{len(made)} victim(s) to be told by {clock.local(due):%Y-%m-%d %H:%M}: {words}")
    return made


TELLERS = ("worker", "manager", "investigator")


def record_victim_told(user, notification, *, told_at=None, how, request=None):
    person = notification.child or notification.survivor
    require(user, "view", person)
    if user.role not in TELLERS:
        raise PermissionDenied("Workers, managers and investigators tell victims of decisions.")
    how = required_text(how, "Say how the victim was told (for example, by phone on their safe number).")
    told_at = told_at or timezone.now()
    if told_at > timezone.now():
        raise ValidationError({"told_at": "The time they were told cannot be in the future."})
    if told_at < notification.step.at:
        raise ValidationError({"told_at": "They cannot have been told before the decision was made."})
    with transaction.atomic():
        notification = VictimNotification.objects.select_for_update().get(pk=notification.pk)
        if notification.told_at is not None:
            raise ValidationError("This victim was already told of that decision.")
        notification.told_at, notification.told_by, notification.how = told_at, user, how[:300]
        notification.save(update_fields=["told_at", "told_by", "how"])
        _chronology(person, f"Victims' Code: told of the decision ({notification.decision})", user, "victims_code")
        audit("victim_told", user=user, obj=person, reason=notification.decision, request=request)
    return notification


def escalate_victims_code(now=None):
    """Overdue notifications (not told by their deadline) escalate once: marked, audited, and listed to the
    managers of the agency holding the victim's record."""
    now = now or timezone.now()
    overdue = list(VictimNotification.objects.filter(told_at__isnull=True, escalated_at__isnull=True,
                                                     due_at__lt=now).select_related("child", "survivor"))
    if not overdue:
        return 0
    with transaction.atomic():
        VictimNotification.objects.filter(pk__in=[n.pk for n in overdue]).update(escalated_at=now)
        for notification in overdue:
            audit("victims_code_escalated", obj=notification.child or notification.survivor,
                  reason=f"not told by {clock.local(notification.due_at):%Y-%m-%d %H:%M}: {notification.decision}")
    return len(overdue)
