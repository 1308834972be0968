"""What the case pages list, always through the access policy and with a bounded number of queries."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from django.db.models import F, Min, Q

from safehub import clock
from safehub.cases.models import Case, Child, ChildAddress, Meeting, PlanAction
from safehub.linking.models import Entity, Mention, PersonLink
from safehub.linking.normalise import name_variants
from safehub.linking.resolve import keeps_apart
from safehub.risk import RiskCategory

LIST_LIMIT = 200
TEAM_LIMIT = 50
DUE_SOON_DAYS = 14
ACTIVE = [Case.Status.OPEN, Case.Status.ALLOCATED, Case.Status.CLOSURE_REQUESTED]


def active_cases(user):
    return Case.objects.visible_to(user).filter(status__in=ACTIVE).select_related("child", "allocated_to", "owning_agency")


def next_deadlines(case, today):
    """(date, what) of each deadline the case still has, soonest first."""
    deadlines = []
    if not case.assessment_completed_on:
        deadlines.append((case.assessment_deadline, "Child and family assessment"))
    if case.conference_due:
        deadlines.append((case.conference_due, "Initial child protection conference"))
    if case.review_due:
        deadlines.append((case.review_due, "Review"))
    deadlines.append((case.risk_reassessment_due or today, "Risk screening" if case.risk_category is None
                      else "Risk reassessment"))
    if getattr(case, "next_action_due", None):
        deadlines.append((case.next_action_due, "Plan action"))
    return sorted(deadlines)


def my_cases(user, today=None):
    """The user's allocated cases, the one with the nearest deadline first."""
    today = today or clock.today()
    cases = list(active_cases(user).filter(allocated_to=user)
                 .annotate(next_action_due=Min("actions__due_on", filter=Q(actions__status=PlanAction.Status.OPEN)))
                 [:LIST_LIMIT])
    for case in cases:
        case.deadlines = next_deadlines(case, today)
    return sorted(cases, key=lambda case: case.deadlines[0][0])


def _first(queryset, limit=None):
    """The first `limit` rows (TEAM_LIMIT by default), and whether there are more (one query)."""
    limit = limit or TEAM_LIMIT
    rows = list(queryset[:limit + 1])
    return rows[:limit], len(rows) > limit


# The team view's lists, in the order shown: (name, heading).
TEAM_SECTIONS = {
    "unallocated": "Waiting to be allocated",
    "overdue_actions": "Overdue plan actions",
    "assessments_due": "Child and family assessments due",
    "reassessments_due": "Risk screenings and reassessments due",
    "caseload": "The team's open cases",
    "closures": "Closures waiting for your sign-off",
}


def team_lists(user, today):
    """{name: queryset} of the team view's lists, each ordered the most urgent first."""
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    cases = active_cases(user)
    visible = Case.objects.visible_to(user).filter(status__in=ACTIVE)
    return {
        "unallocated": cases.filter(status=Case.Status.OPEN).order_by("opened_at"),
        "overdue_actions": PlanAction.objects.filter(case__in=visible, status=PlanAction.Status.OPEN, due_on__lt=today)
        .select_related("case__child", "owner_agency").order_by("due_on", "pk"),
        "assessments_due": cases.filter(assessment_completed_on__isnull=True)
        .filter(Q(assessment_extended_to__lte=soon) | Q(assessment_extended_to__isnull=True, assessment_due__lte=soon))
        .order_by("assessment_due", "pk"),
        "reassessments_due": cases.filter(Q(risk_reassessment_due__lte=soon) | Q(risk_reassessment_due__isnull=True))
        .order_by("risk_reassessment_due", "opened_at", "pk"),
        "caseload": cases.order_by(F("risk_reassessment_due").asc(nulls_first=True), "opened_at", "pk"),
        "closures": cases.filter(status=Case.Status.CLOSURE_REQUESTED).select_related("closure_requested_by")
        .order_by("opened_at", "pk"),
    }


def _section(name, rows, more):
    return {"name": name, "slug": name.replace("_", "-"), "heading": TEAM_SECTIONS[name], "rows": rows, "more": more}


def team_view(user, today=None):
    """A manager's view of the team's work: six lists, six queries, whatever the number of cases. Each list
    shows its first 50 rows, soonest first, and links to the whole list when there are more."""
    today = today or clock.today()
    sections = [_section(name, *_first(queryset)) for name, queryset in team_lists(user, today).items()]
    return {"today": today, "soon": today + dt.timedelta(days=DUE_SOON_DAYS), "limit": TEAM_LIMIT,
            "sections": sections}


def team_section(slug):
    """The list name for a URL slug ('overdue-actions' -> 'overdue_actions'), or None."""
    name = slug.replace("-", "_")
    return name if name in TEAM_SECTIONS else None


def team_list(user, name, page=1, today=None):
    """One of the team view's lists, whole, TEAM_LIMIT rows a page, with whether there is a next page."""
    today = today or clock.today()
    queryset = team_lists(user, today)[name]
    return {"today": today, "limit": TEAM_LIMIT, "page": page,
            "section": _section(name, *_first(queryset[(page - 1) * TEAM_LIMIT:]))}


def people_of_concern(user):
    """People of concern the user may open. Their model belongs to the intelligence room; it is reached through
    the meeting's field, so that this room does not import a higher one."""
    model = Meeting._meta.get_field("people_of_concern").related_model
    return model.objects.visible_to(user)


def with_people_of_concern(user, meetings):
    """Each meeting with `people_shown` (the people of concern discussed that the user may open) and
    `people_hidden` (how many others). Two queries, however many meetings."""
    meetings = list(meetings)
    links = Meeting.people_of_concern.through.objects.filter(meeting__in=meetings)
    pairs = list(links.values_list("meeting_id", "personofconcern_id"))
    shown = {person.pk: person for person in
             people_of_concern(user).filter(pk__in=links.values("personofconcern_id"))}
    for meeting in meetings:
        people = [person for meeting_id, person in pairs if meeting_id == meeting.pk]
        meeting.people_shown = sorted((shown[pk] for pk in people if pk in shown), key=str)
        meeting.people_hidden = sum(pk not in shown for pk in people)
    return meetings


def with_mace_people(user, cases):
    """Each case with `people_shown` (the people of concern discussed at its MACE meetings that the user may
    open) and `people_hidden` (how many others). Three queries, however many cases, meetings and people."""
    cases = list(cases)
    held = Meeting.cases.through.objects.filter(case__in=cases, meeting__kind=Meeting.Kind.MACE)
    links = Meeting.people_of_concern.through.objects.filter(meeting_id__in=held.values("meeting_id"))
    meetings_of, discussed = defaultdict(set), defaultdict(set)
    for case_id, meeting_id in held.values_list("case_id", "meeting_id"):
        meetings_of[case_id].add(meeting_id)
    for meeting_id, person_id in links.values_list("meeting_id", "personofconcern_id"):
        discussed[meeting_id].add(person_id)
    shown = {person.pk: person for person in
             people_of_concern(user).filter(pk__in=links.values("personofconcern_id"))}
    for case in cases:
        people = set().union(set(), *(discussed[meeting] for meeting in meetings_of[case.pk]))
        case.people_shown = sorted((shown[pk] for pk in people if pk in shown), key=str)
        case.people_hidden = sum(pk not in shown for pk in people)
    return cases


def mace_list(user):
    """Children at significant risk: the MACE meeting's list of victims, each with the people of concern
    discussed at MACE meetings about them (`with_mace_people`)."""
    return with_mace_people(user, active_cases(user).filter(risk_category=RiskCategory.SIGNIFICANT)
                            .order_by("child__last_name", "child__first_name")[:LIST_LIMIT])


def possible_matches(user, *, first_name="", last_name="", date_of_birth=None, postcode=""):
    """Children the user may open who might be this child: same date of birth, same surname and first
    initial, the same first name with a similar surname, another spelling of the first name (Mohammed,
    Muhammad) with the same surname, or an address at the same postcode."""
    first, last = first_name.strip(), last_name.strip()
    conditions = Q(pk__in=[])
    if date_of_birth:
        conditions |= Q(date_of_birth=date_of_birth)
    if last:
        conditions |= Q(last_name__iexact=last, first_name__istartswith=first[:1]) if first else Q(last_name__iexact=last)
    if first and last:
        conditions |= Q(first_name__iexact=first, last_name__istartswith=last[:3])
        conditions |= Q(aliases__icontains=first, last_name__iexact=last)
        for variant in name_variants(first) - {first.lower()}:
            conditions |= Q(first_name__iexact=variant, last_name__iexact=last)
    if postcode.strip():
        at_postcode = ChildAddress.objects.filter(postcode__iexact=postcode.strip()).values("child_id")
        conditions |= Q(pk__in=at_postcode)
    return list(Child.objects.visible_to(user).current().filter(conditions).prefetch_related("addresses")[:20])


# --- Two records of one child ---------------------------------------------------------------------------

PLAIN_LEVELS = {"exact": "the same", "all other": "different"}


def _plain_level(level):
    if level.startswith("jaro-winkler >= "):
        return "very alike" if float(level.rsplit(" ", 1)[1]) >= 0.9 else "alike"
    return PLAIN_LEVELS.get(level, level)


def evidence_words(link):
    """A scored pair's evidence in words, the weightiest first: 'Date of birth: the same (+13.7)'. Fields
    missing on either side, which weigh nothing, are left out."""
    items = [item for item in link.evidence if item.get("field") != "prior" and item["weight"]]
    return [f"{item['label']}: {_plain_level(item['comparison'])} ({item['weight']:+.1f})"
            for item in sorted(items, key=lambda item: -abs(item["weight"]))]


@dataclass
class MergeSuggestion:
    """Two children's records that linking says may be of one child, and why. `first` is the older record,
    the one to keep unless a manager chooses otherwise."""

    first: Child
    second: Child
    link: PersonLink | None  # the strongest scored pair between the two records' mentions, if any

    def other_than(self, child):
        return self.second if child.pk == self.first.pk else self.first

    @property
    def headline(self):
        if self.link is None:
            return "Linking grouped both records as one child through other records that match each of them."
        if self.link.judgement == PersonLink.Judgement.CONFIRMED:
            return "An analyst confirmed that the two records are of the same child."
        band = "linked automatically" if self.link.band == PersonLink.Band.AUTO else "needs review"
        return (f"Linking scored the two records as the same child with probability "
                f"{self.link.probability:.2%} ({band}).")

    @property
    def evidence(self):
        return evidence_words(self.link) if self.link is not None else []


def merge_suggestions(user, child=None, limit=LIST_LIMIT):
    """Pairs of children's records the user may open that linking says may be one child, the most likely
    first: their child mentions are in one linking entity, or joined by a scored pair in the auto-link or
    review band (or confirmed by an analyst). A pair any of whose links was rejected by an analyst, scored
    against, or held apart by the twin and sibling guards is left out. Nothing is merged here: a manager
    decides (`actions.merge_children`). With `child`, only the pairs that include that record."""
    records = Child.objects.visible_to(user).current()
    mentions = Mention.objects.filter(kind=Entity.Kind.CHILD, child_record__in=records)
    if child is not None:
        own = mentions.filter(child_record=child)
        mentions = mentions.filter(Q(child_record=child) | Q(entity__in=own.values("entity"))
                                   | Q(pk__in=PersonLink.objects.filter(left__in=own).values("right"))
                                   | Q(pk__in=PersonLink.objects.filter(right__in=own).values("left")))
    found = list(mentions.values_list("pk", "entity_id", "child_record_id"))
    record_of = {pk: record for pk, _, record in found}
    pairs, apart = {}, set()
    links = PersonLink.objects.filter(left__in=list(record_of), right__in=list(record_of)) if child else \
        PersonLink.objects.filter(left__in=mentions, right__in=mentions)
    for link in links:
        a, b = record_of[link.left_id], record_of[link.right_id]
        if a == b:
            continue
        pair = (min(a, b), max(a, b))
        if keeps_apart(link):
            apart.add(pair)
        elif link.joins or link.band == PersonLink.Band.REVIEW:
            if pairs.get(pair) is None or link.match_weight > pairs[pair].match_weight:
                pairs[pair] = link
    by_entity = defaultdict(set)
    for _, entity, record in found:
        if entity:
            by_entity[entity].add(record)
    for together in by_entity.values():
        for pair in combinations(sorted(together), 2):
            pairs.setdefault(pair, None)
    if child is not None:
        pairs = {pair: link for pair, link in pairs.items() if child.pk in pair}
    def likeliest(pair):
        return pairs[pair] is None, -(pairs[pair].probability if pairs[pair] else 0), pair

    chosen = sorted((pair for pair in pairs if pair not in apart), key=likeliest)[:limit]
    children = Child.objects.select_related("owning_agency").in_bulk({pk for pair in chosen for pk in pair})
    return [MergeSuggestion(children[a], children[b], pairs[(a, b)]) for a, b in chosen]
