"""What the people-of-concern pages show, always within what the access policy lets the viewer open: a
person's connections and chronology, and how complete the records are."""

from collections import defaultdict
from functools import cached_property

from django.db import connection
from django.db.models import Count, OuterRef, Q, Subquery
from django.urls import reverse

from safehub.access.routes import NETWORK_READERS
from safehub.cases.models import Child, Ethnicity
from safehub.intake.models import Contact
from safehub.intelligence.models import Answered, IntelligenceItem, Operation, PersonOfConcern, Sex
from safehub.intelligence.policy import INTELLIGENCE_READERS
from safehub.intelligence.sharing import audit_summaries, shared_items, summaries_of
from safehub.linking.models import Entity, Mention, Network
from safehub.linking import sources
from safehub.linking.queries import SELECTOR_WORDS

# What ties a report to a person: their linked name and their own phones, vehicles and accounts. A nickname
# or a place alone is shared by too many people to say a report is about them.
LINKING_KINDS = (Entity.Kind.PERSON, Entity.Kind.PHONE, Entity.Kind.VEHICLE, Entity.Kind.HANDLE)
LIST_LIMIT = 50  # rows of each list on a person's page; the rest are a page away
PROMOTED_SHOWN = 10
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


class Naming:
    """The ids of the records naming some entities, by Mention field, read in one query when first asked. The
    access policy is then checked on these few records: as a subquery, PostgreSQL would check every record of
    the kind first (and ask each one's shares)."""

    def __init__(self, entity_ids):
        self.entity_ids = entity_ids

    @cached_property
    def ids(self):
        found = defaultdict(set)
        for row in Mention.objects.filter(entity_id__in=self.entity_ids).values_list(*sources.ID_FIELDS):
            for field, pk in zip(sources.ID_FIELDS, row):
                if pk:
                    found[field].add(pk)
        return found

    def of(self, field):
        return sorted(self.ids[field])



class Listed:
    """Records in order, kept as their ids (read when first needed, the access policy checked once for all of
    them), their rows read a page at a time (`listed[start:stop]`) like a queryset's."""

    def __init__(self, ids, load):
        self.read_ids, self.load = ids, load

    @cached_property
    def ids(self):
        return list(self.read_ids())

    def count(self):
        return len(self.ids)

    def __getitem__(self, window):
        ids = self.ids[window]
        rows = {row.pk: row for row in self.load(ids)}
        return [rows[pk] for pk in ids]


def reports_naming(user, naming):
    """The reports the user may open among those naming the entities (`Naming`), newest first."""
    return Listed(lambda: Contact.objects.visible_to(user).filter(pk__in=naming.of("contact_id"))
                  .order_by("-received_at", "-pk").values_list("pk", flat=True),
                  lambda ids: Contact.objects.filter(pk__in=ids))


def child_records_naming(user, naming):
    """The children's records the user may open among those naming the entities, with `named_at` (when first
    named), the most recently named first."""
    first = (Mention.objects.filter(entity_id__in=naming.entity_ids, child_record=OuterRef("pk"))
             .order_by("created_at").values("created_at")[:1])
    records = Child.objects.annotate(named_at=Subquery(first))
    return Listed(lambda: Child.objects.visible_to(user).filter(pk__in=naming.of("child_record_id"))
                  .annotate(named_at=Subquery(first)).order_by("-named_at", "-pk").values_list("pk", flat=True),
                  lambda ids: records.filter(pk__in=ids))


def items_about(user, person, naming):
    """The intelligence items the user may open about the person or naming his entities, newest first."""
    def ids():
        about = IntelligenceItem.people.through.objects.filter(personofconcern=person)
        wanted = set(about.values_list("intelligenceitem_id", flat=True)) | set(naming.of("intelligence_id"))
        return (IntelligenceItem.objects.visible_to(user).filter(pk__in=sorted(wanted))
                .order_by("-received_at", "-pk").values_list("pk", flat=True))

    return Listed(ids, lambda ids: IntelligenceItem.objects.filter(pk__in=ids))


def with_named(records, entity_ids, field):
    """Give each of these reports or children's records (a page of them) `named`: how they name the person,
    read in one query."""
    named = defaultdict(set)
    rows = Mention.objects.filter(entity_id__in=entity_ids, **{f"{field}__in": [r.pk for r in records]})
    for record_id, kind, raw in rows.values_list(field, "kind", "raw"):
        named[record_id].add(f"{SELECTOR_WORDS[kind]} {raw.strip()}")
    for record in records:
        record.named = sorted(named[record.pk])
    return records


def holding_any(ids, field="entity_ids"):
    """A filter over Network keeping those whose `field` (entities, or members of a kind) includes any of these
    ids, in SQL on PostgreSQL (jsonb containment: the other networks' members are never read into Python), None
    elsewhere."""
    if connection.vendor != "postgresql":
        return None
    condition = Q(pk__in=[])
    for pk in sorted(ids):
        condition |= Q(**{f"{field}__contains": [pk]})
    return condition


def _networks(user, person, naming, lists, limit):
    """Up to `limit` current networks joining records that name the person, of which the user may open a record
    naming him (or an item about him). A network holding the person's own record has one (the user is on his
    page). The others (where his phone is a hub, say) are checked against the records of his page's lists, a
    few networks at a time until there are enough: a network is never sent back to the database key by key, and
    is not tied to him through a record the user may not open."""
    from safehub.linking.networks import current_networks

    entity_ids = naming.entity_ids
    networks, holding = current_networks(user), holding_any(entity_ids)
    if holding is not None:  # PostgreSQL: members are read only for the networks that need checking
        found = list(networks.filter(holding).only("pk", "flagged", "flag_reason", "person_ids"))
    else:
        found = [network for network in networks if entity_ids & set(network.entity_ids)]
    shown = {network.pk for network in found if person.pk in network.person_ids}
    others = [network.pk for network in found if network.pk not in shown]
    if others:
        people = naming.of("person_of_concern_id")
        opened = {sources.REPORT: set(lists["reports"].ids), sources.CHILD_RECORD: set(lists["child_records"].ids),
                  sources.INTELLIGENCE: set(lists["items"].ids) if isinstance(lists["items"], Listed) else set(),
                  sources.PERSON_OF_CONCERN: set(PersonOfConcern.objects.visible_to(user).filter(pk__in=people)
                                                 .values_list("pk", flat=True))}
        fields = [source.network_field for source in sources.SOURCES]
        for start in range(0, len(others), limit):
            if len(shown) >= limit:
                break
            for network in Network.objects.filter(pk__in=others[start:start + limit]).only(*fields):
                if any(not ids.isdisjoint(getattr(network, source.network_field)) for source, ids in opened.items()):
                    shown.add(network.pk)
    return [network for network in found if network.pk in shown][:limit]


def person_lists(user, person, naming):
    """{list name: queryset} for every list of the person's page, newest first, only what the user may open:
    never read whole, but a page (`read_page`) and a count at a time."""
    operations = Operation.objects.visible_to(user).filter(people=person)
    read_items = user.role in INTELLIGENCE_READERS
    return {
        "details": person.details.select_related("associate", "added_by").order_by("-added_at", "-pk"),
        "reports": reports_naming(user, naming),
        "child_records": child_records_naming(user, naming),
        "items": items_about(user, person, naming) if read_items else IntelligenceItem.objects.none(),
        "summaries": shared_items(user, person=person, but_readable=True),
        "operations": operations.order_by("-opened_at", "-pk"),
        "disruptions": (person.disruptions.filter(operation__in=operations).select_related("operation")
                        .order_by("-served_at", "-pk")),
        "justice_steps": (person.justice_steps.filter(operation__in=operations).select_related("operation")
                          .order_by("-at", "-pk")),
    }


def read_page(user, person, name, queryset, naming, start, stop, *, request=None):
    """Rows `start` to `stop` of one of the person's lists, ready for a page (a fixed number of queries)."""
    if name == "summaries":
        summaries = summaries_of(queryset[start:stop])
        if request is not None:
            audit_summaries(user, [summary.item_id for summary in summaries], about=person, request=request)
        return summaries
    rows = list(queryset[start:stop])
    if name == "reports":
        with_named(rows, naming.entity_ids, "contact_id")
    elif name == "child_records":
        with_named(rows, naming.entity_ids, "child_record_id")
    elif name == "details":
        associates = {d.associate_id for d in rows if d.associate_id}
        open_ones = set(PersonOfConcern.objects.visible_to(user).filter(pk__in=associates).values_list("pk", flat=True))
        for detail in rows:
            detail.open_associate = detail.associate if detail.associate_id in open_ones else None
    return rows


def person_view(user, person, *, request=None):
    """Everything the person's page shows this user: details, completeness, what names them, the intelligence
    (or, for partners, the sanitised summaries), operations, disruption, justice and the chronology; only what
    the user may open, each list its `LIST_LIMIT` newest rows with its count (`counts`), so the page reads a fixed
    number of rows and queries however many records name him."""
    limit = LIST_LIMIT
    naming = Naming(person_entities(person))
    lists = person_lists(user, person, naming)
    view = {name: read_page(user, person, name, rows, naming, 0, limit, request=request)
            for name, rows in lists.items()}
    view["counts"] = {name: rows.count() for name, rows in lists.items()}
    promoted_from = set(person.promoted_from_entities.values_list("pk", flat=True))
    promoted = Naming(promoted_from)
    view.update({
        "person": person, "completeness": completeness(person), "reads_items": user.role in INTELLIGENCE_READERS,
        "limit": limit, "networks": (_networks(user, person, naming, lists, limit)
                                     if user.role in NETWORK_READERS and naming.entity_ids else []),
        "promoted": bool(promoted_from),
        "promoted_reports": reports_naming(user, promoted)[:PROMOTED_SHOWN] if promoted_from else [],
        "promoted_child_records": child_records_naming(user, promoted)[:PROMOTED_SHOWN] if promoted_from else [],
    })
    view.update({"promoted_shown": PROMOTED_SHOWN, "counts_all": 1 + sum(view["counts"].values()),
                 "chronology": chronology(view)[:limit]})
    return view


# A person's lists that have a page of their own: address -> (list name, heading, noun).
SECTIONS = {"details": ("details", "Phones, vehicles, accounts, addresses and associates", "details"),
            "reports": ("reports", "Reports naming them", "reports"),
            "children": ("child_records", "Children's records naming them", "children's records"),
            "intelligence": ("items", "Intelligence", "intelligence items"),
            "summaries": ("summaries", "Shared intelligence summaries", "summaries"),
            "chronology": ("chronology", "Chronology", "lines")}


def section_page(user, person, section, page, *, request=None):
    """One page of one of the person's lists (`SECTIONS`): {"rows", "count", "more"}, in a fixed number of
    queries. An intelligence list is empty for those who read no items."""
    name, per_page = SECTIONS[section][0], LIST_LIMIT
    if name == "chronology":
        rows, count = chronology_page(user, person, page, per_page, request=request)
    else:
        naming = Naming(person_entities(person))
        queryset = person_lists(user, person, naming)[name]
        start = (page - 1) * per_page
        rows = read_page(user, person, name, queryset, naming, start, start + per_page, request=request)
        count = queryset.count()
    return {"rows": rows, "count": count, "more": page * per_page < count}


def chronology_page(user, person, page, per_page, *, request=None):
    """One page of the person's whole chronology: the newest `page * per_page` lines of each list, merged, and
    the slice of this page (rows read grow with the page number, queries do not)."""
    naming = Naming(person_entities(person))
    lists = person_lists(user, person, naming)
    reach = page * per_page
    view = {name: read_page(user, person, name, rows, naming, 0, reach) for name, rows in lists.items()}
    view.update({"person": person, "promoted": person.promoted_from_entities.exists()})
    total = 1 + sum(rows.count() for rows in lists.values())
    lines = chronology(view)[reach - per_page:reach]
    audit_summaries(user, [line["summary"] for line in lines if line.get("summary")], about=person,
                    request=request)
    return lines, total


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
    lines += [{"at": s.received_at, "what": f"Intelligence received: sanitised summary shared ({s.grading})", "url": "",
               "summary": s.item_id} for s in view["summaries"]]
    lines += [{"at": o.opened_at, "what": f"Operation {o.name} opened",
               "url": reverse("intelligence:operation", kwargs={"operation_id": o.pk})} for o in view["operations"]]
    lines += [{"at": d.served_at, "what": f"{d.get_kind_display()} served ({d.operation})", "url": ""}
              for d in view["disruptions"]]
    lines += [{"at": j.at, "what": f"{j.get_kind_display()} ({j.operation})", "url": ""} for j in view["justice_steps"]]
    return sorted(lines, key=lambda line: line["at"], reverse=True)
