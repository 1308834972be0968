from django import template

from safehub.intake.models import Contact, SafeContactFields, SurvivorAnswers

register = template.Library()


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key) or []


@register.filter
def describe_item(item, section):
    """(label, value) pairs of one listed item, labelled as on its question page."""
    return [(field.label, item.get(name, "")) for name, field in section.form.base_fields.items()]


@register.filter
def consent_label(value):
    return Contact.Consent(value).label if value in Contact.Consent.values else ""


def _join(*parts):
    return ", ".join(part for part in parts if part)


@register.filter
def details(contact):
    """Each kind of detail in a contact as (heading, list of one-line descriptions)."""
    return [
        ("Children", [_join(c.name, c.age and f"age {c.age}", c.school, c.where_seen and f"seen at {c.where_seen}", c.description) for c in contact.children.all()]),
        ("People involved", [_join(p.name, p.nicknames and f"known as {p.nicknames}", p.description) for p in contact.people.all()]),
        ("Vehicles", [_join(v.registration + (" (partial)" if v.registration_partial else ""), v.colour, v.make, v.description) for v in contact.vehicles.all()]),
        ("Phone numbers", [_join(p.number + (" (partial)" if p.number_partial else ""), p.whose) for p in contact.phones.all()]),
        ("Online accounts", [_join(h.username, h.app) for h in contact.handles.all()]),
        ("Places", [_join(p.address, p.postcode, p.description) for p in contact.places.all()]),
    ]


@register.filter
def wants_label(value):
    return SurvivorAnswers.Wants(value).label if value in SurvivorAnswers.Wants.values else ""


@register.filter
def others_label(value):
    return SurvivorAnswers.OtherVictims(value).label if value in SurvivorAnswers.OtherVictims.values else ""


@register.filter
def safe_contact_lines(answers):
    """The safe contact preferences of a draft (a dict) or a record, in words."""
    if isinstance(answers, dict):
        fields = {name: answers.get(name) for name in SafeContactFields.SAFE_FIELDS}
        answers = SurvivorAnswers(**{k: (v if v is not None else ("" if k not in ("no_phone", "no_voicemail",
                                     "no_letters", "interpreter") else False)) for k, v in fields.items()})
    return answers.safe_lines() if answers is not None else []


@register.filter
def numbered(phrase, number):
    """A section's phrase for one item ("Child %(number)s") with its number filled in."""
    return str(phrase) % {"number": number}
