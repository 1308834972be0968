"""The one door for changes to people of concern: creating one (or promoting a linked person from linking),
changing their details, adding and removing phones, vehicles, online accounts, addresses and associates.

Each function takes the acting user, checks the access policy, and writes the change and its audit event in
one transaction; linking then re-reads the person's names, nicknames and selectors as mentions, so that a
report naming one of their phones links to them.
"""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from safehub import clock
from safehub.access.policy import has_role, is_visible
from safehub.audit.trail import record as audit
from safehub.cases.models import Ethnicity
from safehub.intelligence.models import Answered, Disability, PersonDetail, PersonOfConcern, Sex
from safehub.linking import normalise
from safehub.linking.resolve import link_in_request, link_person_of_concern

PERSON_MAKERS = ("analyst", "investigator", "manager")
PROMOTERS = ("analyst", "investigator")
PERSON_FIELDS = ("first_name", "last_name", "aliases", "nicknames", "date_of_birth", "age_from", "age_to", "sex",
                 "ethnicity", "nationality_answer", "nationality", "disability", "description")
YOUNGEST, OLDEST = 10, 100  # the age of criminal responsibility in England; anything over 100 is a slip
REFERENCE = re.compile(r"^POC-\d{6}$")
Kind = PersonDetail.Kind
DETAIL_WORDS = {Kind.PHONE: "phone number", Kind.VEHICLE: "registration mark", Kind.HANDLE: "online account",
                Kind.ADDRESS: "address", Kind.ASSOCIATE: "associate"}


# --- What a person's record must hold -------------------------------------------------------------------


def _age_on(born, day):
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def person_errors(fields):
    """{field: message} for a person of concern's fields (empty when they may be stored). Ethnicity and
    nationality and disability must be answered: "not known" and "refused" are answers, blank is not."""
    get = fields.get
    found = {}
    if not any((get(name) or "").strip() for name in ("first_name", "last_name", "nicknames", "aliases")):
        found["first_name"] = "Enter a name, or a nickname the person is known by"
    if get("ethnicity") not in Ethnicity.values:
        found["ethnicity"] = "Choose the person's ethnicity, or choose not known or refused"
    answer, nationality = get("nationality_answer"), (get("nationality") or "").strip()
    if answer not in Answered.values:
        found["nationality_answer"] = "Say whether the person's nationality is recorded, not known or refused"
    elif answer == Answered.RECORDED and not nationality:
        found["nationality"] = "Enter the nationality, or choose not known or refused"
    elif answer != Answered.RECORDED and nationality:
        found["nationality"] = "Leave the nationality blank when it is not known or refused"
    if get("disability") not in Disability.values:
        found["disability"] = "Say whether the person has a disability, or choose not known or refused"
    if get("sex") and get("sex") not in Sex.values:
        found["sex"] = "Choose the person's sex from the list"
    born, age_from, age_to = get("date_of_birth"), get("age_from"), get("age_to")
    if born:
        age = _age_on(born, clock.today())
        if born > clock.today():
            found["date_of_birth"] = "The date of birth must be in the past"
        elif not YOUNGEST <= age <= OLDEST:
            found["date_of_birth"] = f"Check the date of birth: the person would be {age}"
        if age_from is not None or age_to is not None:
            found["age_from"] = "Give the date of birth or an age range, not both"
    for name, age in (("age_from", age_from), ("age_to", age_to)):
        if age is not None and not YOUNGEST <= age <= OLDEST and name not in found:
            found[name] = f"Enter an age from {YOUNGEST} to {OLDEST}"
    if age_from is not None and age_to is not None and age_from > age_to and not found.keys() & {"age_from", "age_to"}:
        found["age_to"] = "The end of the age range must be the same as or more than its start"
    return found


def _check(fields):
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise ValueError(f"Unknown person fields: {sorted(unknown)}")
    errors = person_errors(fields)
    if errors:
        raise ValidationError(errors)
    return {name: (value.strip() if isinstance(value, str) else value) for name, value in fields.items()}


def detail_key(kind, value):
    """What makes two details of one kind the same (a phone written two ways is one phone); "" when a phone,
    mark or account cannot be read at all."""
    if kind == Kind.PHONE:
        return normalise.normalise_phone(value) or normalise.phone_digits_pattern(value) or ""
    if kind == Kind.VEHICLE:
        mark = normalise.normalise_registration(value)
        return mark if mark.strip("?*") else ""
    if kind == Kind.HANDLE:
        return normalise.normalise_handle(value)
    return " ".join(value.casefold().split())


def detail_error(kind, value):
    """The message for a detail that cannot be stored, or ""."""
    if kind not in Kind.values:
        return "Choose what kind of detail this is"
    value = (value or "").strip()
    if not value:
        return f"Enter the {DETAIL_WORDS[kind]}"
    if len(value) > 300:
        return f"The {DETAIL_WORDS[kind]} must be 300 characters or fewer"
    if not detail_key(kind, value):
        return {Kind.PHONE: "Enter a phone number like 07700 900123 (part of a number is fine: 07700 900 1??)",
                Kind.VEHICLE: "Enter a registration mark like AB12 CDE (part of one is fine: AB12 C??)",
                Kind.HANDLE: "Enter the online account's username or the link to its profile"}[kind]
    return ""


# --- Who may -------------------------------------------------------------------------------------------


def _require_maker(user):
    if not has_role(user, *PERSON_MAKERS) or not user.agency_id:
        raise PermissionDenied("Only analysts, investigators and managers can add a person of concern.")


def _require_editor(user, person):
    if not has_role(user, *PERSON_MAKERS) or not is_visible(user, person):
        raise PermissionDenied("Only analysts, investigators and managers who can open this person's record may "
                               "change it.")


def _relink(person):
    """Linking re-reads the person's names, nicknames and selectors (in a savepoint: if linking fails, the
    change is still stored and `safehub link run` links it later)."""
    link_in_request(link_person_of_concern, person)


# --- Changes ----------------------------------------------------------------------------------------------


def create_person(user, *, request=None, details=(), **fields):
    """A new person of concern owned by the user's agency, with its reference `POC-<id>` set in the same
    transaction. `details` are (kind, value) pairs (phones, vehicles, accounts, addresses, associates)."""
    _require_maker(user)
    return _create(user, fields, details, (), request)


def _create(user, fields, details, promoted_from, request):
    fields = _check(fields)
    details = [(kind, value.strip()) for kind, value in details]
    for kind, value in details:
        if detail_error(kind, value):
            raise ValidationError(detail_error(kind, value))
    person = PersonOfConcern(owning_agency_id=user.agency_id, created_by=user, **fields)
    with transaction.atomic():
        person.save()
        person.reference = f"POC-{person.pk:06d}"
        PersonOfConcern.objects.filter(pk=person.pk).update(reference=person.reference)
        seen = set()
        for kind, value in details:
            if (kind, detail_key(kind, value)) not in seen:
                seen.add((kind, detail_key(kind, value)))
                PersonDetail.objects.create(person=person, kind=kind, value=value, added_by=user,
                                            added_at=person.created_at)
        if promoted_from:
            person.promoted_from_entities.set(promoted_from)
            audit("person_promoted", user=user, obj=person, request=request,
                  reason="from linking entities " + ", ".join(str(entity.pk) for entity in promoted_from))
        else:
            audit("person_created", user=user, obj=person, request=request)
        _relink(person)
    return person


def promote_person(user, entities, *, request=None, details=(), **fields):
    """Turn a linked person (the linking entities a network shows as one man, named in reports and children's
    records: `promotion.same_person`) into a person of concern in one step. The mentions stay where they are,
    as the evidence; the person records which entities it came from. Only an analyst or investigator who may
    open every record naming the person."""
    from safehub.intelligence.promotion import refusal

    if not has_role(user, *PROMOTERS):
        raise PermissionDenied("Only analysts and investigators can promote a linked person to a person of concern.")
    entities = list(entities)
    refused = refusal(user, entities)
    if refused:
        raise PermissionDenied(refused)
    if not user.agency_id:
        raise PermissionDenied("Only analysts and investigators of a partner agency can promote a linked person.")
    return _create(user, fields, details, entities, request)


def update_person(user, person, *, request=None, **fields):
    """Change a person's own fields (names, birth or age range, sex, ethnicity, nationality, disability,
    description)."""
    _require_editor(user, person)
    current = {name: getattr(person, name) for name in PERSON_FIELDS}
    changed = _check({**current, **fields})
    changed = {name: value for name, value in changed.items() if value != current[name]}
    if not changed:
        return person
    with transaction.atomic():
        for name, value in changed.items():
            setattr(person, name, value)
        person.save(update_fields=list(changed))
        audit("person_updated", user=user, obj=person, reason=", ".join(sorted(changed)), request=request)
        _relink(person)
    return person


def add_detail(user, person, *, kind, value, note="", request=None):
    """Add a phone, vehicle, online account, address or associate. An associate given as the reference of
    another person of concern the user may open (POC-000123) points at that record."""
    _require_editor(user, person)
    error = detail_error(kind, value)
    if error:
        raise ValidationError({"value": error})
    value, note = value.strip(), (note or "").strip()[:300]
    key = detail_key(kind, value)
    if any(detail_key(row.kind, row.value) == key for row in person.details.filter(kind=kind)):
        raise ValidationError({"value": f"This {DETAIL_WORDS[kind]} is already recorded for {person}"})
    associate = None
    if kind == Kind.ASSOCIATE and REFERENCE.match(value.upper()):
        associate = PersonOfConcern.objects.visible_to(user).filter(reference=value.upper()).first()
        if associate is None or associate.pk == person.pk:
            raise ValidationError({"value": f"There is no other person of concern {value.upper()} that you can open"})
    with transaction.atomic():
        detail = PersonDetail.objects.create(person=person, kind=kind, value=value, note=note, associate=associate,
                                             added_by=user)
        audit("person_detail_added", user=user, obj=person, reason=f"{kind} {detail.pk}", request=request)
        _relink(person)
    return detail


def remove_detail(user, detail, *, request=None):
    """Remove a detail recorded in error or no longer theirs. The audit trail keeps what it was."""
    person = detail.person
    _require_editor(user, person)
    with transaction.atomic():
        PersonDetail.objects.filter(pk=detail.pk).delete()
        audit("person_detail_removed", user=user, obj=person, reason=f"{detail.kind}: {detail.value}"[:500],
              request=request)
        _relink(person)
    return person
