"""The one door for new contacts: every public report, professional referral and API call lands here."""

import logging

from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from safehub import clock, languages
from safehub.access.policy import is_signed_in
from safehub.accounts.models import Agency
from safehub.audit.trail import insert_with_event, record
from safehub.rows import insert_row
from safehub.intake.models import DETAIL_MODELS, Contact
from safehub.linking import filing
from safehub.linking.resolve import link_contact, link_in_request
from safehub.intake.selectors import (
    clean_registration,
    phone_is_partial,
    registration_is_partial,
)

DETAIL_FIELDS = {
    "children": ["name", "description", "age", "school", "where_seen"],
    "people": ["name", "nicknames", "description"],
    "vehicles": ["registration", "make", "colour", "description"],
    "phones": ["number", "whose"],
    "handles": ["username", "app"],
    "places": ["address", "postcode", "description"],
}
MAX_ITEMS_PER_SECTION = 20
logger = logging.getLogger(__name__)


def _clean_answers(draft):
    """What a report names (children, people, vehicles, phones, handles, places), checked and cleaned into the
    values its detail rows will hold, by section; ValidationError if a section is too long or a value will not
    fit. Done when the report arrives, so that filing it later cannot fail on what the reporter typed."""
    answers = {}
    for section, model in DETAIL_MODELS.items():
        items = draft.get(section) or []
        if len(items) > MAX_ITEMS_PER_SECTION:
            raise ValidationError(f"At most {MAX_ITEMS_PER_SECTION} {section} can be given in one report.")
        if items:
            answers[section] = [_clean_item(section, model, item) for item in items]
    return answers


def _clean_item(section, model, item):
    values = {field: str(item.get(field) or "").strip() for field in DETAIL_FIELDS[section]}
    for field, value in values.items():
        longest = model._meta.get_field(field).max_length
        if longest and len(value) > longest:
            raise ValidationError(f"A {field.replace('_', ' ')} in {section} must be {longest} characters or fewer.")
    if section == "vehicles":
        values["registration"] = clean_registration(values["registration"])
        values["registration_partial"] = registration_is_partial(values["registration"])
    if section == "phones":
        values["number_partial"] = phone_is_partial(values["number"])
    if section == "places":
        values["postcode"] = values["postcode"].upper()
    return values


def _detail_rows(contact, answers):
    return [model(contact=contact, **values)
            for section, model in DETAIL_MODELS.items() for values in answers.get(section, [])]


def _reporter_fields(draft):
    reporter = draft.get("reporter") or {}
    anonymous = reporter.get("anonymous", True)
    if anonymous:
        return {"reporter_anonymous": True}
    return {
        "reporter_anonymous": False,
        "reporter_name": reporter.get("name", ""),
        "reporter_email": reporter.get("email", ""),
        "reporter_phone": reporter.get("phone", ""),
        "reporter_relationship": reporter.get("relationship", ""),
        "reporter_name_withheld_from_family": bool(reporter.get("withhold_from_family")),
    }


def _referral_fields(draft, referrer):
    if referrer is None:
        return {}
    if not is_signed_in(referrer) or referrer.agency_id is None:
        raise PermissionDenied("Only a signed-in professional with an agency can make a referral.")
    referral = draft.get("referral") or {}
    if referral.get("consent") not in Contact.Consent.values:
        raise ValidationError("Say whether consent was given or which lawful basis applies.")
    return {
        "referrer": referrer,
        "referrer_agency_id": referrer.agency_id,
        "referrer_role": referral.get("role", "") or referrer.job_title,
        "family_knows": referral.get("family_knows", ""),
        "consent": referral["consent"],
        "consent_reason": referral.get("consent_reason", ""),
    }


def submit_contact(draft, *, submission_key, referrer=None, channel=Contact.Channel.WEB, request=None,
                   received_at=None, language=None, held=None, file_now=True):
    """Store a contact and give it a reference (computed by the database from its id), in one transaction.

    Returns (contact, created). Submitting the same submission_key twice returns the first contact.
    `received_at` is for contacts recorded after the fact (phone calls typed in, imports, demo data).
    `language` is the language the public form was in; any but English flags the report for an interpreter.
    `held`: a Held (the client's hashed address and how many reports it has sent this window) for a public
    report over the hourly limit: it is stored like any other and joins that address's held batch (ADR 21).
    `file_now=False` (the public form, ADR 35): accept the report as one row with what it names kept, checked,
    in `answers`; the worker files it (`file_waiting_reports`). Otherwise it is filed in the same transaction.
    """
    language = languages.language(language or settings.LANGUAGE_CODE).code
    kind = draft.get("kind")
    if kind not in Contact.Kind.values or (kind == Contact.Kind.PROFESSIONAL) != (referrer is not None):
        raise ValidationError("Unknown kind of report.")
    concern = (draft.get("concern") or "").strip()
    if not concern:
        raise ValidationError("Say what worries you.")
    reporter = _reporter_fields(draft)
    answers = _clean_answers(draft)
    if kind == Contact.Kind.NON_RECENT and draft.get("wants"):
        answers["survivor"] = _survivor_answers(draft, anonymous=reporter["reporter_anonymous"])
    received_at = received_at or timezone.now()
    contact = Contact(
        submission_key=submission_key,
        kind=kind,
        channel=channel,
        owning_agency_id=front_door_agency_id(),
        received_at=received_at,
        decision_due_at=clock.screening_decision_due(received_at),
        concern=concern[: settings.SAFEHUB_MAX_TEXT],
        when_happened=(draft.get("when_happened") or "")[:500],
        language=language,
        interpreter_needed=language != settings.LANGUAGE_CODE,
        answers={} if file_now else answers,
        filed_at=received_at if file_now else None,
        **reporter,
        **_referral_fields(draft, referrer),
    )
    try:
        if file_now or held:
            with transaction.atomic():
                if held:
                    contact.flood_batch = hold_in_batch(held, front_door_agency_id(), received_at)
                insert_row(contact)
                if file_now:
                    _file_answers(contact, answers)
                # Last, so that the audit chain's lock is held only for the end of the transaction.
                record("contact_submitted", user=referrer, obj=contact, request=request,
                       reason=f"held with possible flood {contact.flood_batch_id}" if held else "")
        else:
            # A public report within its address's limit: it and its audit event in one statement (ADR 36).
            insert_with_event(contact, "contact_submitted", request=request)
    except IntegrityError:
        # The same submission was stored before (a double submit, or an agency system sending again): give
        # back the report it stored. The unique key decides, so there is no check-then-insert race.
        existing = Contact.objects.filter(submission_key=submission_key).first()
        if existing is None:
            raise
        return existing, False
    return contact, True


def front_door_agency_id():
    """The id of the agency that owns what comes through the front door, as a subquery of the statement that
    stores the report (one round trip fewer for every report)."""
    table = Agency._meta.db_table
    return RawSQL(f"SELECT id FROM {table} WHERE code = %s",  # nosec B611 B608: our table name; the code a parameter
                  [settings.SAFEHUB_FRONT_DOOR_AGENCY])


def _file_answers(contact, answers):
    """Store what a report names as its detail rows (and an adult survivor's answers), then link them."""
    from safehub.intake.models import SurvivorAnswers

    grouped = _group_by_model(_detail_rows(contact, answers))
    for model, rows in grouped.items():
        model.objects.bulk_create(rows)
    if answers.get("survivor"):
        SurvivorAnswers.objects.create(contact=contact, **answers["survivor"])
    link_in_request(lambda new: link_contact(new, details={section: grouped.get(model, [])
                                                           for section, model in DETAIL_MODELS.items()}, new=True),
                    contact)


def file_contact(contact_id, *, wait=True, user=None, request=None):
    """File a report accepted by the public form (ADR 35): its detail rows from `answers`, then linking, in one
    transaction with a "contact_filed" audit event. True if this call filed it; False if it was filed already
    (or, with wait=False, another worker is filing it now). Safe to run twice and from two processes at once:
    the report's row is locked and filed_at checked under the lock."""
    with transaction.atomic():
        waiting = Contact.objects.filter(pk=contact_id, filed_at__isnull=True)
        contact = waiting.select_for_update(skip_locked=not wait).first()
        if contact is None:
            return False
        _file_answers(contact, contact.answers or {})
        contact.filed_at, contact.answers = timezone.now(), {}
        Contact.objects.filter(pk=contact.pk).update(filed_at=contact.filed_at, answers={})
        waited = (contact.filed_at - contact.received_at).total_seconds()
        record("contact_filed", user=user, obj=contact, request=request, reason=f"filed {waited:.1f} s after it arrived")
    return True


def file_waiting_reports(limit=200):
    """File up to `limit` reports waiting to be filed, oldest first; returns how many this call filed. One that
    fails is logged and left waiting (its report is stored and in the screening queue all the same)."""
    filed = 0
    waiting = Contact.objects.filter(filed_at__isnull=True).order_by("received_at").values_list("pk", flat=True)
    with filing.one_run():  # the model version read, and the network upkeep run found, once for them all (ADR 38)
        for contact_id in list(waiting[:limit]):
            try:
                filed += file_contact(contact_id, wait=False)
            except DatabaseError:
                raise  # the database went away: the worker waits for it
            except Exception:  # noqa: BLE001 (one bad report must not stop the others being filed)
                logger.exception("Could not file contact %s; it stays waiting", contact_id)
    return filed


def ensure_filed(contact, *, user=None, request=None):
    """A report about to be read: file it first if the worker has not yet (ADR 35)."""
    if contact.filed_at is None:
        file_contact(contact.pk, user=user, request=request)
        contact.refresh_from_db()
        contact.__dict__.pop("_prefetched_objects_cache", None)  # its details were read before they were filed
    return contact


class Held(NamedTuple):
    """A public report over its address's hourly limit: the hashed address and its count in the window."""

    client_key: str
    sent_in_window: int


def hold_in_batch(held, agency, at):
    """The address's open held batch with one more report in it (opened if there is none; `agency`: its owner's
    id, or a subquery giving it). Concurrent first reports from one address meet on the unique index of open
    batches; the loser joins the winner's."""
    from safehub.intake.models import FloodBatch

    for _ in range(3):
        updated = (FloodBatch.objects.filter(client_key=held.client_key, status=FloodBatch.Status.HELD)
                   .update(held_count=F("held_count") + 1, last_at=at))
        if updated:
            return FloodBatch.objects.get(client_key=held.client_key, status=FloodBatch.Status.HELD)
        try:
            with transaction.atomic():
                return FloodBatch.objects.create(owning_agency_id=agency, client_key=held.client_key, opened_at=at,
                                                 last_at=at, held_count=1, first_in_window=held.sent_in_window)
        except IntegrityError:
            continue
    raise IntegrityError("Could not hold the report with its address's batch")


def _survivor_answers(draft, *, anonymous):
    """What an adult reporting their own childhood abuse wants, whether they know of others, and (if they gave
    their details) how to contact them safely: the SurvivorAnswers fields, checked."""
    from safehub.intake.models import SafeContactFields, SurvivorAnswers

    if draft["wants"] not in SurvivorAnswers.Wants.values:
        raise ValidationError("Say what you would like to happen.")
    others = draft.get("others") or {}
    if others.get("other_victims", "") not in ("", *SurvivorAnswers.OtherVictims.values):
        raise ValidationError("Say whether you know of anyone else this happened to.")
    safe = draft.get("safe_contact") or {} if not anonymous else {}
    values = {"wants": draft["wants"], "other_victims": others.get("other_victims", ""),
              "other_victims_details": (others.get("other_victims_details") or "").strip()[:2000]}
    for field in SafeContactFields.SAFE_FIELDS:
        value, model_field = safe.get(field), SurvivorAnswers._meta.get_field(field)
        if model_field.get_internal_type() == "BooleanField":
            values[field] = bool(value)
        else:
            values[field] = str(value or "").strip()[: model_field.max_length or 1000]
    return values


def _group_by_model(rows):
    grouped = {}
    for row in rows:
        grouped.setdefault(type(row), []).append(row)
    return grouped


# --- A reporter coming back: passphrase, and information added to their report ---------------------------

PUBLIC_KINDS = (Contact.Kind.PUBLIC, Contact.Kind.NON_RECENT)
MIN_PASSPHRASE = 12
MAX_PASSPHRASE = 200


class ReturnRefused(Exception):
    """The reference and passphrase did not open a report. `locked`: no more tries from this client for now."""

    def __init__(self, message, *, locked=False):
        super().__init__(message)
        self.locked = locked


def check_new_passphrase(passphrase, reference):
    passphrase = passphrase or ""
    if len(passphrase) < MIN_PASSPHRASE:
        raise ValidationError(_("Your passphrase must be %(count)s characters or more") % {"count": MIN_PASSPHRASE})
    if len(passphrase) > MAX_PASSPHRASE:
        raise ValidationError(_("Your passphrase must be %(count)s characters or fewer") % {"count": MAX_PASSPHRASE})
    if passphrase.strip().isdigit():
        raise ValidationError(_("Your passphrase cannot be only numbers: use three or four words you will remember"))
    if reference and reference.replace("-", "").lower() in passphrase.replace("-", "").lower():
        raise ValidationError(_("Your passphrase cannot contain your reference number"))
    return passphrase


def set_reporter_passphrase(contact, passphrase, *, request=None):
    """The reporter of a public report sets its passphrase, once (from the session that sent the report). It is
    stored only as a password hash. A lost passphrase is not reset: the reporter makes a new report."""
    from django.contrib.auth.hashers import make_password

    from safehub.intake.models import ReporterPassphrase

    if contact.kind not in PUBLIC_KINDS:
        raise ValidationError("Only a report from a member of the public can have a passphrase.")
    passphrase = check_new_passphrase(passphrase, contact.reference)
    with transaction.atomic():
        made = ReporterPassphrase.objects.filter(contact=contact).exists()
        if made:
            raise ValidationError("A passphrase was already set for this report.")
        ReporterPassphrase.objects.create(contact=contact, passphrase_hash=make_password(passphrase),
                                          set_at=timezone.now())
        record("reporter_passphrase_set", obj=contact, request=request)


def _client_key(request):
    import hashlib

    from safehub.intake.ratelimit import client_ip

    return hashlib.sha256(client_ip(request).encode()).hexdigest()[:24]


def _lock_key(reference, request):
    import hashlib

    return f"passlock:{hashlib.sha256(reference.encode()).hexdigest()[:24]}:{_client_key(request)}"


def _audit_attempt(action, reference, contact, request, reason=""):
    with transaction.atomic():
        if contact is not None:
            record(action, obj=contact, reason=reason, request=request)
        else:
            record(action, object_type="contact", object_id=reference[:40], reason=reason, request=request)


def open_with_passphrase(request, reference, passphrase):
    """The report a member of the public may add to, given its reference and passphrase, or ReturnRefused.

    Every attempt is audited. Wrong attempts are counted per reference and per client: after
    SAFEHUB_PASSPHRASE_ATTEMPTS wrong ones that reference is locked for that client for
    SAFEHUB_PASSPHRASE_LOCK_SECONDS; and each client may try SAFEHUB_RETURN_ATTEMPTS_PER_WINDOW times a window
    whatever the reference, so references cannot be tried one after another. The answer never says whether
    the reference exists."""
    from django.contrib.auth.hashers import check_password, make_password
    from django.core.cache import cache

    from safehub.intake import ratelimit

    reference = (reference or "").strip().upper()[:40]
    limit = settings.SAFEHUB_PASSPHRASE_ATTEMPTS
    key = _lock_key(reference, request)
    contact = (Contact.objects.filter(reference=reference, kind__in=PUBLIC_KINDS).select_related("passphrase").first()
               if reference else None)
    if not ratelimit.allow(request, "return", settings.SAFEHUB_RETURN_ATTEMPTS_PER_WINDOW):
        _audit_attempt("reporter_return_rate_limited", reference, contact, request)
        raise ReturnRefused("rate", locked=True)
    failures = cache.get(key, 0)
    if failures >= limit:
        _audit_attempt("reporter_return_locked", reference, contact, request, reason=f"{failures} wrong attempts")
        raise ReturnRefused("locked", locked=True)
    stored = getattr(contact, "passphrase", None) if contact is not None else None
    if stored is not None:
        ok = check_password(passphrase or "", stored.passphrase_hash)
    else:
        make_password(passphrase or "")  # the same work as a real check, so timing does not tell
        ok = False
    if not ok:
        if cache.add(key, 1, timeout=settings.SAFEHUB_PASSPHRASE_LOCK_SECONDS):
            failures = 1
        else:
            try:
                failures = cache.incr(key)
            except ValueError:
                cache.set(key, 1, timeout=settings.SAFEHUB_PASSPHRASE_LOCK_SECONDS)
                failures = 1
        _audit_attempt("reporter_return_failed", reference, contact, request, reason=f"wrong attempt {failures}")
        if failures >= limit:
            _audit_attempt("reporter_return_locked", reference, contact, request, reason=f"{failures} wrong attempts")
            raise ReturnRefused("locked", locked=True)
        raise ReturnRefused(f"{limit - failures}")
    cache.delete(key)
    _audit_attempt("reporter_return_opened", reference, contact, request)
    return contact


ADDITION_SECTIONS = {"vehicles": "Vehicle", "phones": "Phone number", "people": "Person", "places": "Place"}


def add_information(contact, draft, *, submission_key, request=None, received_at=None):
    """A reporter adds to their own report (after `open_with_passphrase`): more text, a vehicle, a phone, a
    person, a place. The details are stored on the same report and linked like the first submission; the
    addition waits in the screening queue as new information, to be read within 1 working day.
    Returns (addition, created); the same submission key twice stores one addition."""
    from safehub.intake.models import ContactAddition

    if contact.kind not in PUBLIC_KINDS:
        raise ValidationError("Only a report from a member of the public can be added to here.")
    ensure_filed(contact, request=request)  # what it first named is filed before what is added
    text = (draft.get("text") or "").strip()
    if len(text) > settings.SAFEHUB_MAX_TEXT:
        raise ValidationError(f"What you add must be {settings.SAFEHUB_MAX_TEXT:,} characters or fewer.")
    received_at = received_at or timezone.now()
    try:
        with transaction.atomic():
            rows = _detail_rows(contact, _clean_answers({section: draft.get(section) or [] for section in ADDITION_SECTIONS}))
            if not text and not rows:
                raise ValidationError("Tell us what you want to add.")
            grouped = _group_by_model(rows)
            for model, model_rows in grouped.items():
                model.objects.bulk_create(model_rows)
            summary = [_addition_line(row) for row in rows]
            addition = ContactAddition.objects.create(
                contact=contact, submission_key=submission_key, received_at=received_at, text=text,
                summary=summary, review_due_at=clock.new_information_review_due(received_at))
            if rows:
                link_in_request(lambda new: link_contact(new), contact)
            record("contact_information_added", obj=contact, reason=f"addition {addition.pk}", request=request)
    except IntegrityError:
        existing = ContactAddition.objects.filter(submission_key=submission_key).first()
        if existing is None:
            raise
        return existing, False
    return addition, True


def _addition_line(row):
    name = type(row).__name__
    if name == "ContactVehicle":
        return "Vehicle: " + ", ".join(p for p in (row.registration + (" (partial)" if row.registration_partial else ""),
                                                   row.colour, row.make, row.description) if p)
    if name == "ContactPhone":
        return "Phone number: " + ", ".join(p for p in (row.number, row.whose) if p)
    if name == "ContactPerson":
        return "Person: " + ", ".join(p for p in (row.name, row.nicknames and f"known as {row.nicknames}",
                                                  row.description) if p)
    return "Place: " + ", ".join(p for p in (row.address, row.postcode, row.description) if p)
