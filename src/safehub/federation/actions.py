"""The one door for asking other areas: an analyst asks every partner about a person of concern they may open.
The question is audited before anything is sent, each answer when it comes back, and the answers are kept with
the question for the person's page."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from safehub.access.policy import has_role, is_visible
from safehub.audit.trail import record as audit
from safehub.audit.trail import record_many
from safehub.federation import config
from safehub.federation.asking import OUTCOMES, ask_all
from safehub.federation.models import Question
from safehub.federation.publish import person_query
from safehub.intelligence.policy import PERSON_READERS


def ask_other_areas(user, person, *, request=None):
    """Ask every partner about `person`; returns the stored Question with its answers."""
    if not has_role(user, *PERSON_READERS) or not is_visible(user, person):
        raise PermissionDenied("You cannot ask about a person you may not open.")
    key_id, key = config.current_key()
    partners = config.partners()
    if key is None or not partners:
        raise ValidationError("This partnership is not part of a federation: no key or partners are set.")
    query = {"key_id": key_id, "asked_by": user.get_full_name() or user.username, **person_query(person, key)}
    count = len(query["selectors"]) + len(query["people"])
    if not count:
        raise ValidationError("There is nothing to ask about: add their date of birth (with their name), a phone, "
                              "a vehicle or an online account.")
    with transaction.atomic():
        audit("federation_asked", user=user, obj=person, request=request,
              reason=f"{count} encodings under key {key_id} to {len(partners)} partners")
    answers = ask_all(config.area(), partners, query, config.timeout())
    rows = [{"partner": code, "name": partners[code].get("name", code), **answer}
            for code, answer in sorted(answers.items(), key=lambda pair: (pair[1]["outcome"] != "match", pair[0]))]
    with transaction.atomic():
        question = Question.objects.create(person=person, asked_by=user, key_id=key_id, encodings=count, answers=rows)
        for row in rows:
            detail = f" {row['strength']} ({', '.join(row['matched'])})" if row["outcome"] == "match" else ""
            record_many("federation_answer", user=user, object_type="partner", object_ids=[row["partner"]],
                        request=request, reason=f"on {person.reference}: {OUTCOMES[row['outcome']]}{detail}")
    return question


def panel(person, error=""):
    """What a person's page shows of asking other areas: whether the federation is set up, the last question
    about them with its answers in words, and an error from asking."""
    question = Question.objects.filter(person=person).select_related("asked_by").first()
    if question is not None:
        for answer in question.answers:
            answer["words"] = OUTCOMES.get(answer["outcome"], answer["outcome"])
            answer["percent"] = round(100 * answer.get("strength", 0))
    return {"configured": bool(config.partners()), "question": question, "error": error}
