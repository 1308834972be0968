"""Which records come under a retention schedule, which group each falls in, and the date it counts from.

Two kinds today: reports (once decided: a report awaiting its decision is live work) and intelligence items.
A record's custodians decide its retention: whoever may restrict it (`access.policy.can(user, "restrict",
record)`): the owning agency's managers for a report, its analysts and investigators for an intelligence item.
"""

import re
from dataclasses import dataclass
from typing import Callable

from django.conf import settings

from safehub import clock
from safehub.intake.models import Contact
from safehub.intelligence.models import IntelligenceItem, Operation

POLICE = "police"
NO_RESPONSE = {Contact.Outcome.NO_FURTHER_ACTION, Contact.Outcome.ADVICE}


@dataclass(frozen=True)
class Scheduled:
    model: type
    custodians: tuple  # roles that may decide (the roles `can(user, "restrict", record)` allows for this kind)
    under_schedule: Callable  # queryset -> the records that come under a schedule
    group: Callable  # record -> group key
    recorded_on: Callable  # record -> the date the schedule counts from
    born_on: Callable  # record -> the youngest child's date of birth, or None
    held_by: Callable  # record -> reasons it cannot be disposed of on its own (empty: it can)


# --- Reports -------------------------------------------------------------------------------------------------


def report_group(contact):
    if contact.owning_agency.kind == POLICE:
        if contact.outcome in NO_RESPONSE:
            return settings.SAFEHUB_RETENTION_POLICE_NFA_GROUP
        return settings.SAFEHUB_RETENTION_POLICE_REPORT_GROUP
    return settings.SAFEHUB_RETENTION_PARTNER_REPORT_GROUP


def youngest_child_born(contact):
    """The latest date of birth the report's children's ages allow ("14", "about 15", "13 or 14"), or None."""
    ages = [int(found.group()) for child in contact.children.all() if (found := re.search(r"\d+", child.age))]
    received = clock.local(contact.received_at).date()
    return clock.months_later(received, -12 * min(ages)) if ages else None


def report_held_by(contact):
    reasons = [f"it opened case {reference}, kept with the child's record"
               for reference in contact.cases.values_list("reference", flat=True)]
    reasons += [f"it opened adult survivor record {reference}"
                for reference in contact.survivor_records.values_list("reference", flat=True)]
    reasons += [f"operation {reference} holds it" for reference in contact.operations.values_list("reference", flat=True)]
    return reasons


REPORTS = Scheduled(
    model=Contact, custodians=("manager",),
    under_schedule=lambda queryset: queryset.filter(decided_at__isnull=False),
    group=report_group,
    recorded_on=lambda contact: clock.local(contact.received_at).date(),
    born_on=youngest_child_born,
    held_by=report_held_by,
)


# --- Intelligence items --------------------------------------------------------------------------------------


def item_held_by(item):
    operation = item.operation
    return [f"open operation {operation.reference} holds it"] if operation and operation.status == Operation.Status.OPEN else []


INTELLIGENCE = Scheduled(
    model=IntelligenceItem, custodians=("analyst", "investigator"),
    under_schedule=lambda queryset: queryset,
    group=lambda item: settings.SAFEHUB_RETENTION_INTELLIGENCE_GROUP,
    recorded_on=lambda item: clock.local(item.received_at).date(),
    born_on=lambda item: None,
    held_by=item_held_by,
)

KINDS = {"contact": REPORTS, "intelligenceitem": INTELLIGENCE}


def kind_of_reference(reference):
    """Which kind a reference names ("contact" when it names nothing)."""
    if IntelligenceItem._base_manager.filter(reference=reference).exists():
        return "intelligenceitem"
    return "contact"


def schedule_of(kind, record):
    """(group, recorded_on, first due_on) for a record, from the clock."""
    scheduled = KINDS[kind]
    group, recorded_on = scheduled.group(record), scheduled.recorded_on(record)
    return group, recorded_on, clock.retention_first_review(group, recorded_on, scheduled.born_on(record))
