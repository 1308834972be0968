"""The one door for new contacts: every public report, professional referral and API call lands here."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from safehub import clock
from safehub.access.policy import is_signed_in
from safehub.accounts.models import Agency
from safehub.audit.trail import record
from safehub.intake.models import DETAIL_MODELS, Contact
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


def front_door_agency():
    return Agency.objects.get(code=settings.SAFEHUB_FRONT_DOOR_AGENCY)


def _detail_rows(contact, draft):
    rows = []
    for section, model in DETAIL_MODELS.items():
        items = draft.get(section) or []
        if len(items) > MAX_ITEMS_PER_SECTION:
            raise ValidationError(f"At most {MAX_ITEMS_PER_SECTION} {section} can be given in one report.")
        for item in items:
            values = {field: (item.get(field) or "").strip() for field in DETAIL_FIELDS[section]}
            if section == "vehicles":
                values["registration"] = clean_registration(values["registration"])
                values["registration_partial"] = registration_is_partial(values["registration"])
            if section == "phones":
                values["number_partial"] = phone_is_partial(values["number"])
            if section == "places":
                values["postcode"] = values["postcode"].upper()
            rows.append(model(contact=contact, **values))
    return rows


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
                   received_at=None):
    """Store a contact and everything in it in one transaction and give it a reference.

    Returns (contact, created). Submitting the same submission_key twice returns the first contact.
    `received_at` is for contacts recorded after the fact (phone calls typed in, imports, demo data).
    """
    kind = draft.get("kind")
    if kind not in Contact.Kind.values or (kind == Contact.Kind.PROFESSIONAL) != (referrer is not None):
        raise ValidationError("Unknown kind of report.")
    concern = (draft.get("concern") or "").strip()
    if not concern:
        raise ValidationError("Say what worries you.")
    received_at = received_at or timezone.now()
    try:
        with transaction.atomic():
            contact = Contact.objects.create(
                submission_key=submission_key,
                kind=kind,
                channel=channel,
                owning_agency=front_door_agency(),
                received_at=received_at,
                decision_due_at=clock.screening_decision_due(received_at),
                concern=concern[: settings.SAFEHUB_MAX_TEXT],
                when_happened=(draft.get("when_happened") or "")[:500],
                **_reporter_fields(draft),
                **_referral_fields(draft, referrer),
            )
            contact.reference = f"SH-{received_at.year}-{contact.pk:06d}"
            Contact.objects.filter(pk=contact.pk).update(reference=contact.reference)
            grouped = _group_by_model(_detail_rows(contact, draft))
            for model, rows in grouped.items():
                model.objects.bulk_create(rows)
            details = {section: grouped.get(model, []) for section, model in DETAIL_MODELS.items()}
            link_in_request(lambda new: link_contact(new, details=details, new=True), contact)
            # Last, so that the audit chain's lock is held only for the end of the transaction.
            record("contact_submitted", user=referrer, obj=contact, request=request)
    except IntegrityError:
        # The same submission was stored before (a double submit, or an agency system sending again): give
        # back the report it stored. The unique key decides, so there is no check-then-insert race.
        existing = Contact.objects.filter(submission_key=submission_key).first()
        if existing is None:
            raise
        return existing, False
    return contact, True


def _group_by_model(rows):
    grouped = {}
    for row in rows:
        grouped.setdefault(type(row), []).append(row)
    return grouped
