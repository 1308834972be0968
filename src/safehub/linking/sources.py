"""The four kinds of record a mention comes from, in one place: a report ("c12"), a child's record ("r5"), an
intelligence item ("i3") and a person of concern ("p7").

Linking works in record keys (`record_key`): the ties between records, a network's members, the records a
viewer may open. For each kind the registry says which Mention field names the record, where a Network keeps
its members of that kind, how to show one (its reference and page), and which ones a user may open: always
`Model.objects.visible_to(user)`, the one door for reads. Models are looked up by label, so linking imports
no higher room.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Q
from django.urls import reverse


@dataclass(frozen=True)
class Source:
    prefix: str  # of the record key: "c12"
    field: str  # the Mention field naming the record
    model_label: str
    network_field: str  # where a Network keeps the ids of its members of this kind
    noun: str
    plural: str
    url_name: str
    url_by: str  # the record's attribute the page's URL takes
    node: str  # the node kind on a network's graph
    # Whether a network page counts members of this kind hidden from the viewer ("2 restricted records"). An
    # intelligence item is never counted: who may not open it must not learn that it exists.
    counted_when_hidden: bool = True

    @property
    def id_field(self):
        return f"{self.field}_id"

    @property
    def model(self):
        return apps.get_model(self.model_label)

    def visible(self, user):
        return self.model.objects.visible_to(user)

    def key(self, pk):
        return f"{self.prefix}{pk}"


REPORT = Source("c", "contact", "intake.Contact", "contact_ids", "report", "reports", "screening:contact",
                "reference", "report")
CHILD_RECORD = Source("r", "child_record", "cases.Child", "child_record_ids", "child record", "child records",
                      "cases:child", "reference", "record")
INTELLIGENCE = Source("i", "intelligence", "intelligence.IntelligenceItem", "intelligence_ids", "intelligence item",
                      "intelligence items", "intelligence:item", "pk", "intelligence", counted_when_hidden=False)
PERSON_OF_CONCERN = Source("p", "person_of_concern", "intelligence.PersonOfConcern", "person_ids",
                           "person of concern", "people of concern", "intelligence:person", "pk", "person_of_concern")

SOURCES = (REPORT, CHILD_RECORD, INTELLIGENCE, PERSON_OF_CONCERN)
BY_PREFIX = {source.prefix: source for source in SOURCES}
ID_FIELDS = tuple(source.id_field for source in SOURCES)


def record_key(*ids):
    """The key of the record a mention comes from, given its four source ids in `ID_FIELDS` order (one is set)."""
    for source, pk in zip(SOURCES, ids):
        if pk:
            return source.key(pk)
    return None


def mention_key(mention):
    return record_key(*(getattr(mention, field) for field in ID_FIELDS))


def source_of(key):
    return BY_PREFIX[key[0]]


def split(keys):
    """{source: {id}} for these record keys."""
    found = defaultdict(set)
    for key in keys:
        found[BY_PREFIX[key[0]]].add(int(key[1:]))
    return found


def visible_keys(user, keys):
    """The keys, out of these, of the records the user may open: one `visible_to` query per kind present."""
    found = set()
    for source, ids in split(keys).items():
        found |= {source.key(pk) for pk in source.visible(user).filter(pk__in=ids).values_list("pk", flat=True)}
    return found


def in_records(keys):
    """Mentions in these records (a Q over Mention)."""
    condition = Q(pk__in=[])
    for source, ids in split(keys).items():
        condition |= Q(**{f"{source.id_field}__in": sorted(ids)})
    return condition


def readable(user, kinds=SOURCES):
    """Mentions in records of these kinds that the user may open (a Q over Mention, one `visible_to` subquery
    per kind): a kind the user may never read adds nothing."""
    condition = Q(pk__in=[])
    for source in kinds:
        condition |= Q(**{f"{source.field}__in": source.visible(user)})
    return condition


def agency_names(keys):
    """{key: its owning agency's name} for these record keys."""
    found = {}
    for source, ids in split(keys).items():
        rows = source.model.objects.filter(pk__in=ids).values_list("pk", "owning_agency__name")
        found |= {source.key(pk): agency for pk, agency in rows}
    return found


def load(keys):
    """{key: record} for these record keys, one query per kind present."""
    found = {}
    for source, ids in split(keys).items():
        found |= {source.key(pk): record for pk, record in source.model.objects.in_bulk(ids).items()}
    return found


def network_keys(network, sources=SOURCES):
    return [source.key(pk) for source in sources for pk in getattr(network, source.network_field)]


def network_members(keys):
    """The Network fields holding these record keys: {"contact_ids": [...], ...}, every kind present."""
    by_source = split(keys)
    return {source.network_field: sorted(by_source.get(source, ())) for source in SOURCES}


def name(key, record):
    """How a record is named on a page: its reference; a person of concern by name too."""
    source = source_of(key)
    reference = getattr(record, "reference", None) or f"{source.noun.capitalize()} {record.pk}"
    if source is PERSON_OF_CONCERN:
        return f"{record} ({reference})" if str(record) != reference else reference
    return reference


def url(key, record):
    """The record's page."""
    source = source_of(key)
    return reverse(source.url_name, args=[getattr(record, source.url_by)])


def shown(key, record):
    """{"key", "kind", "name", "url", "noun"} for a template."""
    source = source_of(key)
    return {"key": key, "kind": source.node, "noun": source.noun, "name": name(key, record), "url": url(key, record)}
