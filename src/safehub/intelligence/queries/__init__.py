"""What the people-of-concern pages show, always within what the access policy lets the viewer open: a
person's connections and chronology, and how complete the records are."""

from collections import defaultdict

from django.db import connection
from django.db.models import Count, Q
from django.urls import reverse

from safehub.access.routes import NETWORK_READERS
from safehub.cases.models import Child, Ethnicity
from safehub.intake.models import Contact
from safehub.intelligence.models import Answered, IntelligenceItem, Operation, PersonOfConcern, Sex
from safehub.intelligence.policy import INTELLIGENCE_READERS
from safehub.intelligence.promotion import evidence
from safehub.intelligence.sharing import sanitised_summaries
from safehub.linking.models import Entity, Mention
from safehub.linking import sources
from safehub.linking.queries import SELECTOR_WORDS

# What ties a report to a person: their linked name and their own phones, vehicles and accounts. A nickname
# or a place alone is shared by too many people to say a report is about them.
LINKING_KINDS = (Entity.Kind.PERSON, Entity.Kind.PHONE, Entity.Kind.VEHICLE, Entity.Kind.HANDLE)
ANSWER_WORDS = {"recorded": "Recorded", "not_known": "Not known", "refused": "Refused", "not_asked": "Not asked"}


# --- Completeness ----------------------------------------------------------------------------------------


def ethnicity_answer(person):
    if not person.ethnicity:
        return "not_asked"
    return person.ethnicity if person.ethnicity in (Ethnicity.NOT_KNOWN, Ethnicity.REFUSED) else "recorded"


def nationality_answer(person):
    return person.nationality_answer or "not_asked"


def disability_answer(person):
    """"recorded" for yes or no; "not_known", "refused" or "not_asked" otherwise."""
    if not person.disability:
        return "not_asked"
    return person.disability if person.disability in ("not_known", "refused") else "recorded"


def completeness(person):
    """The core facts of the record (the national audit's ethnicity and nationality, IICSA's disability, age
    and sex): {"rows": [(question, answer key, in words)], "recorded": n, "of": 5}. The three always-asked
    questions come first."""
    ethnicity, nationality = ethnicity_answer(person), nationality_answer(person)
    disability = disability_answer(person)
    known_sex = person.sex and person.sex != Sex.NOT_KNOWN
    age = person.date_of_birth or person.age_from is not None or person.age_to is not None
    rows = [
        ("Ethnicity", ethnicity,
         person.get_ethnicity_display() if ethnicity == "recorded" else ANSWER_WORDS[ethnicity]),
        ("Nationality", nationality, person.nationality if nationality == "recorded" else ANSWER_WORDS[nationality]),
        ("Disability", disability,
         {"yes": "Has a disability", "no": "No disability"}.get(person.disability, ANSWER_WORDS[disability])),
        ("Sex", "recorded" if known_sex else "not_known", person.get_sex_display() if known_sex else "Not known"),
        ("Date of birth or age", "recorded" if age else "not_known", "Recorded" if age else "Not known"),
    ]
    return {"rows": rows, "recorded": sum(row[1] == "recorded" for row in rows), "of": len(rows)}


def _percent(part, whole):
    """A whole percentage, halves rounded up (1 of 8 is 13%); 0 of nothing is 0%."""
    return (200 * part + whole) // (2 * whole) if whole else 0


def completeness_figures(people):
    """How many of these people of concern have their ethnicity, their nationality and their disability
    recorded (for disability: yes or no), not known, refused or not asked (one query): {"total": n, "questions": [(question, [(answer in words, count,
    percent)])]}."""
    unknown = [Ethnicity.NOT_KNOWN, Ethnicity.REFUSED, ""]
    counts = people.aggregate(
        total=Count("pk"),
        ethnicity_recorded=Count("pk", filter=~Q(ethnicity__in=unknown)),
        ethnicity_not_known=Count("pk", filter=Q(ethnicity=Ethnicity.NOT_KNOWN)),
        ethnicity_refused=Count("pk", filter=Q(ethnicity=Ethnicity.REFUSED)),
        ethnicity_not_asked=Count("pk", filter=Q(ethnicity="")),
        nationality_recorded=Count("pk", filter=Q(nationality_answer=Answered.RECORDED)),
        nationality_not_known=Count("pk", filter=Q(nationality_answer=Answered.NOT_KNOWN)),
        nationality_refused=Count("pk", filter=Q(nationality_answer=Answered.REFUSED)),
        nationality_not_asked=Count("pk", filter=Q(nationality_answer="")),
        disability_recorded=Count("pk", filter=Q(disability__in=["yes", "no"])),
        disability_not_known=Count("pk", filter=Q(disability="not_known")),
        disability_refused=Count("pk", filter=Q(disability="refused")),
        disability_not_asked=Count("pk", filter=Q(disability="")))
    total = counts["total"]
    questions = []
    for question in ("ethnicity", "nationality", "disability"):
        answers = [(words, counts[f"{question}_{key}"], _percent(counts[f"{question}_{key}"], total))
                   for key, words in ANSWER_WORDS.items()]
        questions.append((question.capitalize(), answers))
    return {"total": total, "questions": questions}


# --- A person's connections ----------------------------------------------------------------------------


def person_entities(person):
    """The linking entities that stand for this person: the linked person they were promoted from, and the
    entities of their own name, phones, vehicles and accounts."""
    ids = set(Mention.objects.filter(person_of_concern=person, kind__in=LINKING_KINDS, entity__isnull=False)
              .values_list("entity_id", flat=True))
    return ids | set(person.promoted_from_entities.values_list("pk", flat=True))


def naming_records(user, entity_ids):
    """(reports, children's records) the user may open that name these entities, each with `named` (how they
    name the person) and, for children's records, `named_at` (when first named)."""
    in_records = Q(contact__isnull=False) | Q(child_record__isnull=False)
    rows = (Mention.objects.filter(in_records, entity_id__in=entity_ids)
            .values_list("kind", "raw", "contact_id", "child_record_id", "created_at"))
    named, first = defaultdict(set), {}
    for kind, raw, contact_id, child_id, created_at in rows:
        key = ("c", contact_id) if contact_id else ("r", child_id)
        named[key].add(f"{SELECTOR_WORDS[kind]} {raw.strip()}")
        first[key] = min(first.get(key, created_at), created_at)
    visible = sources.split(sources.visible_keys(user, {f"{kind}{pk}" for kind, pk in named}))
    contacts, children = visible.get(sources.REPORT, set()), visible.get(sources.CHILD_RECORD, set())
    reports = list(Contact.objects.filter(pk__in=contacts).order_by("-received_at"))
    records = list(Child.objects.filter(pk__in=children).order_by("reference"))
    for report in reports:
        report.named = sorted(named[("c", report.pk)])
    for record in records:
        record.named, record.named_at = sorted(named[("r", record.pk)]), first[("r", record.pk)]
    return reports, records


def _holding_any(entity_ids):
    """A filter over Network keeping those whose entities include any of these, in SQL on PostgreSQL (jsonb
    containment: the other networks' members are never read into Python), None elsewhere."""
    if connection.vendor != "postgresql":
        return None
    condition = Q(pk__in=[])
    for entity_id in sorted(entity_ids):
        condition |= Q(entity_ids__contains=[entity_id])
    return condition


def _networks(user, person, entity_ids):
    """Current networks joining records that name the person, of which the user may open a record. A network
    holding the person's own record has one (the user is on his page): only the others' records are checked,
    so a network of a hundred thousand reports is not sent back to the database to be checked key by key."""
    from safehub.linking.networks import current_networks

    networks, holding = current_networks(user), _holding_any(entity_ids)
    if holding is not None:
        networks = networks.filter(holding)
    found = [network for network in networks if entity_ids & set(network.entity_ids)]
    his = [network for network in found if person.pk in network.person_ids]
    others = [network for network in found if person.pk not in network.person_ids]
    visible = sources.visible_keys(user, {key for network in others for key in sources.network_keys(network)})
    shown = {network.pk for network in his} | {network.pk for network in others
                                               if visible & set(sources.network_keys(network))}
    return [network for network in found if network.pk in shown]


def person_view(user, person, *, request=None):
    """Everything the person's page shows this user: details, completeness, what names them, the
    intelligence (or, for partners, the sanitised summaries), operations, disruption, justice and the
    chronology; only what the user may open."""
    entity_ids = person_entities(person)
    reports, child_records = naming_records(user, entity_ids)
    reads_items = user.role in INTELLIGENCE_READERS
    # Two id subqueries rather than a join of both (no DISTINCT over the items' rows).
    about = IntelligenceItem.people.through.objects.filter(personofconcern=person).values("intelligenceitem_id")
    naming = Mention.objects.filter(entity_id__in=entity_ids, intelligence__isnull=False).values("intelligence_id")
    items = list(IntelligenceItem.objects.visible_to(user).filter(Q(pk__in=about) | Q(pk__in=naming))
                 .select_related("submitted_by").order_by("-received_at"))
    summaries = sanitised_summaries(user, person=person, leaving_out=[item.pk for item in items], request=request)
    operations = list(Operation.objects.visible_to(user).filter(people=person))
    disruptions = list(person.disruptions.filter(operation__in=operations).select_related("operation"))
    justice_steps = list(person.justice_steps.filter(operation__in=operations).select_related("operation"))
    details = list(person.details.select_related("associate", "added_by"))
    open_associates = set(PersonOfConcern.objects.visible_to(user).filter(
        pk__in=[d.associate_id for d in details if d.associate_id]).values_list("pk", flat=True))
    for detail in details:
        detail.open_associate = detail.associate if detail.associate_id in open_associates else None
    promoted_from = list(person.promoted_from_entities.all())
    promoted = evidence(user, promoted_from) if promoted_from else ([], [])
    view = {"person": person, "details": details, "completeness": completeness(person), "reports": reports,
            "child_records": child_records, "items": items, "summaries": summaries, "reads_items": reads_items,
            "operations": operations, "disruptions": disruptions, "justice_steps": justice_steps,
            "networks": _networks(user, person, entity_ids) if user.role in NETWORK_READERS and entity_ids else [],
            "promoted": bool(promoted_from), "promoted_reports": promoted[0], "promoted_child_records": promoted[1]}
    view["chronology"] = chronology(view)
    return view


def chronology(view):
    """The person's own chronology, assembled from what the page shows (so only from sources the viewer may
    open), newest first: [{"at", "what", "url"}]."""
    person = view["person"]
    verb = "Promoted to a person of concern from linking" if view["promoted"] else "Record created"
    lines = [{"at": person.created_at, "what": f"{verb} by {person.created_by}", "url": ""}]
    lines += [{"at": d.added_at, "what": f"{d.get_kind_display()} added: {d.value}", "url": ""}
              for d in view["details"]]
    lines += [{"at": r.received_at, "what": f"Named in report {r.reference}",
               "url": reverse("screening:contact", kwargs={"reference": r.reference})} for r in view["reports"]]
    lines += [{"at": c.named_at, "what": f"Named in child's record {c.reference}",
               "url": reverse("cases:child", kwargs={"reference": c.reference})} for c in view["child_records"]]
    lines += [{"at": i.received_at, "what": f"Intelligence {i.reference} received ({i.grading})",
               "url": reverse("intelligence:item", kwargs={"item_id": i.pk})} for i in view["items"]]
    lines += [{"at": s.received_at, "what": f"Intelligence received: sanitised summary shared ({s.grading})", "url": ""}
              for s in view["summaries"]]
    lines += [{"at": o.opened_at, "what": f"Operation {o.name} opened", "url": ""} for o in view["operations"]]
    lines += [{"at": d.served_at, "what": f"{d.get_kind_display()} served ({d.operation})", "url": ""}
              for d in view["disruptions"]]
    lines += [{"at": j.at, "what": f"{j.get_kind_display()} ({j.operation})", "url": ""} for j in view["justice_steps"]]
    return sorted(lines, key=lambda line: line["at"], reverse=True)
