"""The one door for recording graded intelligence.

An item is police-owned and closed: recorded by an analyst or investigator, owned by their agency, opened only
by its analysts and investigators (`safehub.intelligence.policy`). What it names (people, children,
nicknames, phones, vehicles, accounts, places) becomes linking mentions.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from safehub.access.policy import has_role
from safehub.audit.trail import record as audit
from safehub.intelligence import grading
from safehub.intelligence.actions.people import detail_key
from safehub.intelligence.models import IntelligenceItem, IntelligenceMention, Operation, PersonOfConcern
from safehub.linking.resolve import link_in_request, link_intelligence_item

INTELLIGENCE_MAKERS = ("analyst", "investigator")
TEXT_LIMIT = 10_000
Named = IntelligenceMention.Kind
NAMED_WORDS = {Named.PERSON: "person", Named.CHILD: "child", Named.NICKNAME: "nickname", Named.PHONE: "phone number",
               Named.VEHICLE: "registration mark", Named.HANDLE: "online account", Named.PLACE: "place"}


def _named_errors(named):
    """A message for the first name, selector or place that cannot be stored, or ""."""
    for kind, value in named:
        if kind not in Named.values:
            raise ValueError(f"Unknown kind of thing named: {kind!r}")
        if len(value) > 300:
            return f"Each {NAMED_WORDS[kind]} named must be 300 characters or fewer"
        if kind in (Named.PHONE, Named.VEHICLE, Named.HANDLE) and not detail_key(kind, value):
            return f"The {NAMED_WORDS[kind]} \u201c{value}\u201d cannot be read: check it"
    return ""


def record_intelligence(user, *, scheme, source_grade, intelligence_grade, handling_code, handling_condition="",
                        text, sanitised_summary="", received_at=None, named=(), people=(), operation=None,
                        request=None):
    """Record one graded item, its reference `INT-<id>` set in the same transaction.

    `named` is [(kind, value)] for the people, children, nicknames, phones, vehicles, accounts and places the
    item names; `people` the persons of concern it is about and `operation` the operation it belongs to (both
    must be open to the user). The grading must fit its scheme (`grading.errors`): a 3x5x2 item's condition is
    written down with handling code C, and only then. Errors are {field: message}.
    """
    if not has_role(user, *INTELLIGENCE_MAKERS) or not user.agency_id:
        raise PermissionDenied("Only analysts and investigators can record intelligence.")
    condition, text = (handling_condition or "").strip(), (text or "").strip()
    summary = (sanitised_summary or "").strip()
    errors = grading.errors(scheme, source_grade, intelligence_grade, handling_code, condition)
    if not text:
        errors["text"] = "Enter the intelligence"
    for field, value in (("text", text), ("sanitised_summary", summary), ("handling_condition", condition)):
        if len(value) > TEXT_LIMIT and field not in errors:
            errors[field] = f"This must be {TEXT_LIMIT:,} characters or fewer"
    received_at = received_at or timezone.now()
    if received_at > timezone.now():
        errors["received_at"] = "The time it was received cannot be in the future"
    named = [(kind, " ".join((value or "").split())) for kind, value in named]
    named = [(kind, value) for kind, value in named if value]
    if _named_errors(named):
        errors["named"] = _named_errors(named)
    people = list(people)
    wanted = {person.pk for person in people}
    if PersonOfConcern.objects.visible_to(user).filter(pk__in=wanted).count() != len(wanted):
        errors["people"] = "You can attach only people of concern whose records you can open"
    if operation is not None and not Operation.objects.visible_to(user).filter(pk=operation.pk).exists():
        errors["operation"] = "You can attach only an operation you can open"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        item = IntelligenceItem.objects.create(
            owning_agency_id=user.agency_id, scheme=scheme, source_grade=source_grade,
            intelligence_grade=intelligence_grade, handling_code=handling_code, handling_condition=condition,
            text=text, sanitised_summary=summary, received_at=received_at, submitted_by=user,
            submitted_at=timezone.now(), operation=operation)
        item.reference = f"INT-{item.pk:06d}"
        IntelligenceItem.objects.filter(pk=item.pk).update(reference=item.reference)
        IntelligenceMention.objects.bulk_create(IntelligenceMention(item=item, kind=kind, value=value)
                                                for kind, value in dict.fromkeys(named))
        item.people.set(people)
        audit("intelligence_recorded", user=user, obj=item, reason=item.grading, request=request)
        link_in_request(link_intelligence_item, item)
    return item
