"""What a report or a child's record mentions: one Mention per person, nickname, phone, vehicle, handle and
place, normalised so that the same selector written differently has one key."""

import re

from safehub.linking import normalise
from safehub.linking.models import Entity, Mention

Kind = Entity.Kind
Role = Mention.Role
# The source detail of a child's own mentions (name, aliases) that came with a record merged into another
# (cases.actions.merge_children), followed by that record's id: re-reading the kept record keeps them.
MERGED_FROM = "merged:cases.child:"
AGE = re.compile(r"\b(\d{1,2})\b")
# "Whose number is it?" answered with a business or public service: someone else's phone, not a person of
# concern's (a taxi firm's phone named by many children says nothing about who exploits them).
BUSINESS = re.compile(r"\b(taxis?|cabs?|firm|takeaway|take away|pizza|kebabs?|chicken|chippy|shop|store|hotel|"
                      r"restaurant|caf[eé]|school|college|office|company|ltd|business|helpline|council|surgery|"
                      r"clinic|hospital|garage|salon|barbers?|pub|club|library|station)\b", re.IGNORECASE)


def _age(text):
    found = AGE.search(text or "")
    return int(found.group(1)) if found and int(found.group(1)) < 100 else None


def split_name(name):
    parts = normalise.normalise_name(name).split()
    if not parts:
        return "", ""
    return parts[0], " ".join(parts[1:])


def person_fields(name, *, nicknames="", date_of_birth=None, age=None, postcode=""):
    first, last = split_name(name)
    group = min(normalise.name_variants(first)) if first else ""
    nickname = next((part for part in re.split(r"[,/;]", nicknames or "") if part.strip()), "")
    return {"first_name": first[:100], "last_name": last[:100], "nicknames": nicknames[:300],
            "nickname_key": normalise.name_key(nickname)[:100],
            "date_of_birth": date_of_birth, "age": age, "postcode": (normalise.normalise_postcode(postcode) or "")[:10],
            "first_key": group[:100], "last_key": normalise.name_key(last)[:100]}


def _nickname_mentions(nicknames, role, source):
    names = [part.strip() for part in re.split(r"[,/;]| or ", nicknames or "") if part.strip()]
    return [Mention(kind=Kind.NICKNAME, role=role, raw=name[:500], key=normalise.normalise_name(name)[:200], **source)
            for name in names if normalise.normalise_name(name)]


def phone_role(whose):
    """The role of a phone a report names: someone else's when the reporter wrote a business beside it."""
    return Role.OTHER if BUSINESS.search(whose or "") else Role.PERSON_OF_CONCERN


def _phone(raw, role, source):
    key = normalise.normalise_phone(raw) or ""
    pattern = "" if key else (normalise.phone_digits_pattern(raw) or "")
    if not key and not pattern:
        return None
    return Mention(kind=Kind.PHONE, role=role, raw=raw[:500], key=key, pattern=pattern[:40], **source)


def _vehicle(raw, role, source):
    mark = normalise.normalise_registration(raw)
    if not mark.strip("?*"):
        return None
    if normalise.is_partial_registration(mark):
        return Mention(kind=Kind.VEHICLE, role=role, raw=raw[:500], pattern=normalise.registration_like_pattern(mark)[:40],
                       **source)
    return Mention(kind=Kind.VEHICLE, role=role, raw=raw[:500], key=mark[:200], **source)


def _place(address, postcode, role, source):
    text = ", ".join(part for part in (address, postcode) if part)
    key = normalise.normalise_address(text)
    return Mention(kind=Kind.PLACE, role=role, raw=text[:500], key=key[:200], **source) if key else None


def contact_mentions(contact, details=None):
    """Unsaved Mentions for everything a report names. `details` ({section: rows}) saves reading back rows
    the caller has just stored."""
    source = {"contact": contact}
    found = []
    details = details or {section: getattr(contact, section).all()
                          for section in ("children", "people", "phones", "vehicles", "handles", "places")}
    for child in details["children"]:
        if child.name.strip():
            found.append(Mention(kind=Kind.CHILD, role=Role.CHILD, raw=child.name[:500],
                                 source_detail=f"intake.contactchild:{child.pk}", **source,
                                 **person_fields(child.name, age=_age(child.age))))
    for person in details["people"]:
        detail = {"source_detail": f"intake.contactperson:{person.pk}", **source}
        if person.name.strip() or person.nicknames.strip():
            found.append(Mention(kind=Kind.PERSON, role=Role.PERSON_OF_CONCERN,
                                 raw=(person.name or person.nicknames)[:500], **detail,
                                 **person_fields(person.name, nicknames=person.nicknames,
                                                 age=_age(person.description))))
        found += _nickname_mentions(person.nicknames, Role.PERSON_OF_CONCERN, detail)
    for phone in details["phones"]:
        found.append(_phone(phone.number, phone_role(phone.whose), source))
    for vehicle in details["vehicles"]:
        found.append(_vehicle(vehicle.registration, Role.PERSON_OF_CONCERN, source))
    for handle in details["handles"]:
        key = normalise.normalise_handle(handle.username)
        if key:
            found.append(Mention(kind=Kind.HANDLE, role=Role.PERSON_OF_CONCERN, raw=handle.username[:500],
                                 key=key[:200], **source))
    for place in details["places"]:
        found.append(_place(place.address, place.postcode, Role.UNKNOWN, source))
    found += _reporter_mentions(contact, source)
    return [mention for mention in found if mention is not None]


def _reporter_mentions(contact, source):
    """A named member of the public who reported: themselves and their phone, with the role "reporter"."""
    if contact.reporter_anonymous or not contact.reporter_name.strip():
        return []
    found = [Mention(kind=Kind.PERSON, role=Role.REPORTER, raw=contact.reporter_name[:500],
                     source_detail="intake.contact:reporter", **source, **person_fields(contact.reporter_name))]
    if contact.reporter_phone.strip():
        found.append(_phone(contact.reporter_phone, Role.REPORTER, source))
    return found


def child_record_mentions(child):
    """Unsaved Mentions for a child's record: the child, and the people around them. A record merged into
    another mentions nothing: its mentions moved to the kept record with the rest of its history."""
    if child.merged_into_id:
        return []
    source = {"child_record": child}
    postcode = next((address.postcode for address in child.addresses.all() if address.postcode), "")
    found = [Mention(kind=Kind.CHILD, role=Role.CHILD, raw=str(child)[:500], **source,
                     **person_fields(str(child), nicknames=child.aliases, date_of_birth=child.date_of_birth,
                                     age=child.approximate_age, postcode=postcode))]
    found += _nickname_mentions(child.aliases, Role.CHILD, source)
    for person in child.people.all():
        role = Role.PERSON_OF_CONCERN if person.of_concern else Role.FAMILY
        found.append(Mention(kind=Kind.PERSON, role=role, raw=person.name[:500], source_detail=f"cases.childperson:{person.pk}",
                             **source, **person_fields(person.name)))
    for address in child.addresses.all():
        found.append(_place(address.address, address.postcode, Role.CHILD, source))
    return [mention for mention in found if mention is not None]


def _selector_mention(kind, raw, role, source):
    """One selector mention of any kind from its raw text (None if it normalises to nothing)."""
    if kind == Kind.PHONE:
        return _phone(raw, role, source)
    if kind == Kind.VEHICLE:
        return _vehicle(raw, role, source)
    if kind == Kind.HANDLE:
        key = normalise.normalise_handle(raw)
        return Mention(kind=Kind.HANDLE, role=role, raw=raw[:500], key=key[:200], **source) if key else None
    if kind == Kind.PLACE:
        return _place(raw, "", role, source)
    return None


def person_of_concern_mentions(person):
    """Unsaved Mentions for a person of concern: the person (names, nicknames, date of birth), each nickname,
    and their phones, vehicles, online accounts and addresses."""
    source = {"person_of_concern": person}
    detail = {"source_detail": f"intelligence.personofconcern:{person.pk}", **source}
    name = f"{person.first_name} {person.last_name}".strip()
    found = []
    if name or person.nicknames.strip():
        found.append(Mention(kind=Kind.PERSON, role=Role.PERSON_OF_CONCERN, raw=(name or person.nicknames)[:500],
                             **detail, **person_fields(name, nicknames=person.nicknames,
                                                       date_of_birth=person.date_of_birth)))
    found += _nickname_mentions(person.nicknames, Role.PERSON_OF_CONCERN, detail)
    kinds = {"phone": Kind.PHONE, "vehicle": Kind.VEHICLE, "handle": Kind.HANDLE, "address": Kind.PLACE}
    for item in person.details.all():
        if item.kind in kinds:
            found.append(_selector_mention(kinds[item.kind], item.value, Role.PERSON_OF_CONCERN, source))
    return [mention for mention in found if mention is not None]


def intelligence_mentions(item):
    """Unsaved Mentions for what an intelligence item names: people, children, nicknames and selectors."""
    source = {"intelligence": item}
    found = []
    for named in item.named.all():
        detail = {"source_detail": f"intelligence.intelligencemention:{named.pk}", **source}
        if named.kind == Kind.PERSON:
            found.append(Mention(kind=Kind.PERSON, role=Role.PERSON_OF_CONCERN, raw=named.value[:500], **detail,
                                 **person_fields(named.value)))
        elif named.kind == Kind.CHILD:
            found.append(Mention(kind=Kind.CHILD, role=Role.CHILD, raw=named.value[:500], **detail,
                                 **person_fields(named.value)))
        elif named.kind == Kind.NICKNAME:
            found += _nickname_mentions(named.value, Role.PERSON_OF_CONCERN, detail)
        else:
            found.append(_selector_mention(named.kind, named.value, Role.PERSON_OF_CONCERN, source))
    return [mention for mention in found if mention is not None]
