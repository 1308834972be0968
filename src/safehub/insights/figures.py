"""Every published figure, defined once: its plain-English definition, the period it is counted over, what it
counts, who asks for it, and the query that counts it.

A figure is a table of counts for a scope (a period, and for scrutiny optionally one agency). Each is counted
by aggregate queries (a fixed number per figure, however many records there are); where a figure needs the
working-day clock, the query fetches the few dates it needs and the clock is applied in Python. A figure whose
records Safehub does not keep is defined here with `compute=None` and a reason, and published as "not
recorded" ("[x]"), so the gap is published rather than hidden; the day those records exist the figure's query
goes here and nowhere else. (Today every figure is recorded.)

Disclosure control (`disclosure.py`) is applied to these raw tables before anyone sees them.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Callable

from django.db.models import Count, F, Min, Q
from django.db.models.functions import TruncMonth

from safehub import clock
from safehub.cases.models import Case, Child, Ethnicity, Meeting, RiskAssessment
from safehub.insights.periods import Period
from safehub.intake.models import Contact, ContactHandle, ContactPerson, ContactPlace, ContactVehicle
from safehub.intelligence.models import Answered, Disability, JusticeStep, PersonOfConcern
from safehub.risk import HARMS, SETTINGS, VULNERABILITIES, age_on

TELFORD = "Telford annual report"
IICSA = "IICSA core data set"
CASEY = "Casey national audit"
HMICFRS = "HMICFRS group-based exploitation"
TIMELINESS = "Statutory timescales"

SECTIONS = {
    "contacts": "Contacts and decisions",
    "victims": "Children identified",
    "suspects": "Suspects and justice",
    "completeness": "Ethnicity and nationality recorded (completeness)",
    "timeliness": "Timeliness",
    "groups": "Group-based exploitation",
}

ETHNIC_GROUPS = [
    ("asian_", "Asian or Asian British"),
    ("black_", "Black, Black British, Caribbean or African"),
    ("mixed_", "Mixed or multiple ethnic groups"),
    ("white_", "White"),
    ("other_", "Other ethnic group"),
]
NOT_KNOWN_ROWS = ["Not known", "Refused", "Not recorded"]
ETHNICITY_ROWS = [label for _, label in ETHNIC_GROUPS] + NOT_KNOWN_ROWS
UNRECORDED_ETHNICITY = ("", Ethnicity.NOT_KNOWN, Ethnicity.REFUSED)


@dataclass
class Table:
    """The raw counts of one figure for one scope. A cell is an int, or None where it is not recorded.

    `column_totals`: a total row is published under the rows (the rows partition the total);
    `row_totals`: a total column is published beside the columns (the columns partition each row)."""

    rows: list
    columns: list
    cells: list
    row_totals: bool = False
    column_totals: bool = True
    summary: dict = field(default_factory=dict)

    def cell(self, row, column=None):
        column = self.columns[0] if column is None else column
        return self.cells[self.rows.index(row)][self.columns.index(column)]

    def as_dict(self):
        """{row: count} for a one-column table, {row: {column: count}} otherwise."""
        if len(self.columns) == 1:
            return {row: values[0] for row, values in zip(self.rows, self.cells)}
        return {row: dict(zip(self.columns, values)) for row, values in zip(self.rows, self.cells)}


@dataclass(frozen=True)
class Scope:
    """What a figure is counted over: a period, and optionally one owning agency (scrutiny's breakdown)."""

    period: Period
    agency: object = None

    def own(self, queryset, path="owning_agency"):
        return queryset.filter(**{path: self.agency}) if self.agency is not None and path else queryset

    def during(self, queryset, field_name, dates=False):
        start, end = (self.period.start, self.period.end) if dates else (self.period.start_at, self.period.end_at)
        return queryset.filter(**{f"{field_name}__gte": start, f"{field_name}__lt": end})


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    section: str
    definition: str
    period: str  # which date puts a record in the period
    counts: str  # the unit counted
    asked_by: tuple
    compute: Callable = None  # (Scope) -> Table; None: not yet recorded
    rows_are: str = ""
    chart: str = ""  # "": a table only; "bar", "line" (counts by month), "share" (% of the first column by month)
    public: bool = True
    by_agency: bool = True
    not_recorded: str = ""  # why the figure cannot be counted yet (a seam)
    seam_rows: tuple = ()
    seam_columns: tuple = ("Count",)

    @property
    def recorded(self):
        return self.compute is not None

    def count(self, scope):
        if self.compute is None:
            return Table(rows=list(self.seam_rows), columns=list(self.seam_columns),
                         cells=[[None] * len(self.seam_columns) for _ in self.seam_rows], column_totals=False)
        return self.compute(scope)


# --- Helpers ----------------------------------------------------------------------------------------------


def _month_of(value):
    if isinstance(value, dt.datetime):
        return clock.local(value).date().replace(day=1)
    return value.replace(day=1)


def month_label(day):
    return day.strftime("%B %Y")


def _by_month(scope, grouped, columns):
    """A months x columns table from rows of {"month": ..., column: count}; row and column totals."""
    months = scope.period.months()
    index = {month: i for i, month in enumerate(months)}
    cells = [[0] * len(columns) for _ in months]
    for row in grouped:
        month = _month_of(row["month"])
        if month in index:
            for j, (name, _) in enumerate(columns):
                cells[index[month]][j] += row[name]
    return Table(rows=[month_label(month) for month in months], columns=[label for _, label in columns],
                 cells=cells, row_totals=True, column_totals=True)


def _one_column(pairs, column="Count", total=True):
    return Table(rows=[label for label, _ in pairs], columns=[column], cells=[[n] for _, n in pairs],
                 column_totals=total)


def ethnic_group(value):
    if value == Ethnicity.NOT_KNOWN:
        return "Not known"
    if value == Ethnicity.REFUSED:
        return "Refused"
    for prefix, label in ETHNIC_GROUPS:
        if value.startswith(prefix):
            return label
    return "Not recorded"


def _ethnicity_table(grouped, column):
    counts = Counter()
    for row in grouped:
        counts[ethnic_group(row["ethnicity"] or "")] += row["n"]
    return _one_column([(label, counts[label]) for label in ETHNICITY_ROWS], column)


def _age_table(ages, bands, column):
    """Ages (None: not known) into bands [(label, low, high)], with the mean in the summary."""
    counts = Counter()
    known = [age for age in ages if age is not None]
    for age in ages:
        label = next((label for label, low, high in bands if age is not None and low <= age <= high), "Not known")
        counts[label] += 1
    table = _one_column([(label, counts[label]) for label, _, _ in bands] + [("Not known", counts["Not known"])],
                        column)
    table.summary = {"mean_age": round(sum(known) / len(known), 1) if known else None, "mean_of": len(known)}
    return table


# --- Contacts and decisions --------------------------------------------------------------------------------


def contacts_by_month(scope):
    contacts = scope.own(scope.during(Contact.objects.all(), "received_at"))
    grouped = (contacts.annotate(month=TruncMonth("received_at", tzinfo=clock.LONDON))
               .values("month").annotate(**{kind: Count("pk", filter=Q(kind=kind)) for kind in Contact.Kind.values})
               .order_by())
    return _by_month(scope, grouped, list(Contact.Kind.choices))


def decisions_by_outcome(scope):
    decided = scope.own(scope.during(Contact.objects.filter(decided_at__isnull=False), "decided_at"))
    counts = dict(decided.values_list("outcome").annotate(n=Count("pk")).order_by())
    return _one_column([(label, counts.get(value, 0)) for value, label in Contact.Outcome.choices], "Decisions")


def offending_how(scope):
    """Counted from the detail tables (a tenth to a fifth of contacts name each), joined to the contacts of the
    scope, rather than probing every contact for each kind of detail."""

    def of_scope(model):
        query = scope.during(model.objects.all(), "contact__received_at")
        return query.filter(contact__owning_agency=scope.agency) if scope.agency is not None else query

    online = of_scope(ContactHandle).values("contact_id").distinct().count()
    in_person = (of_scope(ContactPlace).values_list("contact_id")
                 .union(of_scope(ContactVehicle).values_list("contact_id")).count())
    group = of_scope(ContactPerson).values("contact_id").annotate(n=Count("pk")).filter(n__gte=2).count()
    return _one_column([("Online (names an online account)", online),
                        ("In person (names a place or a vehicle)", in_person),
                        ("Group-based (names two or more people)", group)], "Contacts", total=False)


# --- Children identified (victims) -------------------------------------------------------------------------


def _cases_opened(scope):
    return scope.own(scope.during(Case.objects.all(), "opened_at"))


def _children_identified(scope):
    return Child.objects.filter(pk__in=_cases_opened(scope).values("child_id"))


VICTIM_SEX_ROWS = [("female", "Female"), ("male", "Male"), ("not_known", "Not known"), ("", "Not recorded")]


def victims_sex(scope):
    counts = dict(_children_identified(scope).values_list("sex").annotate(n=Count("pk")).order_by())
    return _one_column([(label, counts.get(value, 0)) for value, label in VICTIM_SEX_ROWS], "Children")


def victims_ethnicity(scope):
    return _ethnicity_table(_children_identified(scope).values("ethnicity").annotate(n=Count("pk")).order_by(),
                            "Children")


VICTIM_AGE_BANDS = [("Under 10", 0, 9), ("10 to 12", 10, 12), ("13 to 15", 13, 15), ("16 to 17", 16, 17),
                    ("18 and over", 18, 200)]


def victims_age(scope):
    rows = (_cases_opened(scope).values("child_id", "child__date_of_birth", "child__approximate_age")
            .annotate(first=Min("opened_at")).order_by())
    first = {}
    for row in rows:
        known = first.get(row["child_id"])
        if known is None or row["first"] < known[0]:
            first[row["child_id"]] = (row["first"], row["child__date_of_birth"], row["child__approximate_age"])
    ages = [age_on(dob, clock.local(opened).date()) if dob else approximate
            for opened, dob, approximate in first.values()]
    return _age_table(ages, VICTIM_AGE_BANDS, "Children")


SEND_ROWS = [("ehc_plan", "Education, health and care plan"), ("sen_support", "SEN support"),
             ("none", "No special educational needs"), ("not_known", "Not known"), ("", "Not recorded")]


def victims_send(scope):
    counts = dict(_children_identified(scope).values_list("send").annotate(n=Count("pk")).order_by())
    return _one_column([(label, counts.get(value, 0)) for value, label in SEND_ROWS], "Children")


def victims_learning_disability(scope):
    counts = _children_identified(scope).aggregate(yes=Count("pk", filter=Q(learning_disability=True)),
                                                   all=Count("pk"))
    return _one_column([("Learning disability recorded", counts["yes"]),
                        ("No learning disability recorded", counts["all"] - counts["yes"])], "Children")


def victims_vulnerabilities(scope):
    screenings = scope.own(scope.during(RiskAssessment.objects.all(), "assessed_on", dates=True), "case__owning_agency")
    seen = defaultdict(set)
    for child_id, vulnerabilities in screenings.values_list("child_id", "vulnerabilities"):
        seen[child_id].update(vulnerabilities or ())
    counts = Counter(key for keys in seen.values() for key in keys)
    return _one_column([(item.label, counts[key]) for key, item in VULNERABILITIES.items()], "Children", total=False)


NOT_RECORDED_HARM = "Not recorded (screened before the kind of harm was asked)"
NO_SETTING = "No setting recorded"


def _screened_children(scope, field_name):
    """{child id: the keys of `field_name` recorded in any of the child's screenings in the period} for every
    child screened in the period (an empty set: none of them recorded one). One query."""
    screenings = scope.own(scope.during(RiskAssessment.objects.all(), "assessed_on", dates=True), "case__owning_agency")
    seen = defaultdict(set)
    for child_id, keys in screenings.values_list("child_id", field_name):
        seen[child_id].update(keys or ())
    return seen


def _screened_by(scope, field_name, choices, unrecorded_label):
    """Children screened in the period by each choice their screenings recorded (a child may count in several
    rows), and those whose screenings recorded none."""
    seen = _screened_children(scope, field_name)
    counts = Counter(key for keys in seen.values() for key in keys)
    unrecorded = sum(1 for keys in seen.values() if not keys)
    return _one_column([(item.label, counts[key]) for key, item in choices.items()] + [(unrecorded_label, unrecorded)],
                       "Children", total=False)


def victims_harm(scope):
    return _screened_by(scope, "harms", HARMS, NOT_RECORDED_HARM)


def victims_settings(scope):
    return _screened_by(scope, "settings", SETTINGS, NO_SETTING)


# --- Suspects and justice ---------------------------------------------------------------------------------


def _suspects(scope):
    steps = scope.own(scope.during(JusticeStep.objects.all(), "at"), "operation__owning_agency")
    recorded = scope.during(PersonOfConcern.objects.all(), "created_at")
    people = PersonOfConcern.objects.filter(Q(pk__in=recorded.values("pk")) | Q(pk__in=steps.values("person_id")))
    return scope.own(people)


SUSPECT_SEX_ROWS = [("male", "Male"), ("female", "Female"), ("other", "Another sex or gender"),
                    ("not_known", "Not known"), ("", "Not recorded")]


def suspects_sex(scope):
    counts = dict(_suspects(scope).values_list("sex").annotate(n=Count("pk")).order_by())
    return _one_column([(label, counts.get(value, 0)) for value, label in SUSPECT_SEX_ROWS], "People")


SUSPECT_AGE_BANDS = [("Under 18", 0, 17), ("18 to 24", 18, 24), ("25 to 34", 25, 34), ("35 to 44", 35, 44),
                     ("45 to 54", 45, 54), ("55 and over", 55, 200)]


def suspects_age(scope):
    day = scope.period.last_day
    ages = []
    for dob, age_from, age_to in _suspects(scope).values_list("date_of_birth", "age_from", "age_to"):
        if dob:
            ages.append(age_on(dob, day))
        elif age_from is not None and age_to is not None:
            ages.append((age_from + age_to) // 2)
        else:
            ages.append(age_from if age_from is not None else age_to)
    return _age_table(ages, SUSPECT_AGE_BANDS, "People")


SUSPECT_DISABILITY_ROWS = [(Disability.YES, "Disability"), (Disability.NO, "No disability"),
                           (Disability.NOT_KNOWN, "Not known"), (Disability.REFUSED, "Refused"), ("", "Not recorded")]


def suspects_disability(scope):
    counts = dict(_suspects(scope).values_list("disability").annotate(n=Count("pk")).order_by())
    return _one_column([(label, counts.get(value, 0)) for value, label in SUSPECT_DISABILITY_ROWS], "People")


def suspects_ethnicity(scope):
    return _ethnicity_table(_suspects(scope).values("ethnicity").annotate(n=Count("pk")).order_by(), "People")


JUSTICE_ROWS = [JusticeStep.Kind.INVESTIGATION, JusticeStep.Kind.ARREST, JusticeStep.Kind.CHARGE,
                JusticeStep.Kind.NFA, JusticeStep.Kind.CONVICTION, JusticeStep.Kind.ACQUITTAL,
                JusticeStep.Kind.SENTENCE]


def justice_outcomes(scope):
    steps = scope.own(scope.during(JusticeStep.objects.all(), "at"), "operation__owning_agency")
    counts = dict(steps.values_list("kind").annotate(n=Count("person", distinct=True)).order_by())
    return _one_column([(kind.label, counts.get(kind.value, 0)) for kind in JUSTICE_ROWS], "People", total=False)


# --- Completeness (Casey) ---------------------------------------------------------------------------------


def _recorded_by_month(scope, queryset, date_field, recorded):
    grouped = (scope.during(queryset, date_field).annotate(month=TruncMonth(date_field, tzinfo=clock.LONDON))
               .values("month").annotate(recorded=Count("pk", filter=recorded), unrecorded=Count("pk", filter=~recorded))
               .order_by())
    return _by_month(scope, grouped, [("recorded", "Recorded"), ("unrecorded", "Not recorded")])


def suspects_ethnicity_recorded(scope):
    return _recorded_by_month(scope, scope.own(PersonOfConcern.objects.all()), "created_at",
                              ~Q(ethnicity__in=UNRECORDED_ETHNICITY))


def suspects_nationality_recorded(scope):
    return _recorded_by_month(scope, scope.own(PersonOfConcern.objects.all()), "created_at",
                              Q(nationality_answer=Answered.RECORDED))


def victims_ethnicity_recorded(scope):
    return _recorded_by_month(scope, scope.own(Child.objects.current()), "created_at",
                              ~Q(ethnicity__in=UNRECORDED_ETHNICITY))


def victims_nationality_recorded(scope):
    return _recorded_by_month(scope, scope.own(Child.objects.current()), "created_at", ~Q(nationality=""))


# --- Timeliness ----------------------------------------------------------------------------------------------

ON_TIME, LATE = "on_time", "late"


def screening_timeliness(scope):
    decided = scope.own(scope.during(Contact.objects.filter(decided_at__isnull=False), "decided_at"))
    on_time = Q(decided_at__lte=F("decision_due_at"))
    grouped = (decided.annotate(month=TruncMonth("decided_at", tzinfo=clock.LONDON)).values("month")
               .annotate(on_time=Count("pk", filter=on_time), late=Count("pk", filter=~on_time)).order_by())
    return _by_month(scope, grouped, [(ON_TIME, "Within 1 working day"), (LATE, "Later")])


def assessment_timeliness(scope):
    done = scope.own(scope.during(Case.objects.filter(assessment_completed_on__isnull=False),
                                  "assessment_completed_on", dates=True))
    on_time = Q(assessment_completed_on__lte=F("assessment_due"))
    grouped = (done.annotate(month=TruncMonth("assessment_completed_on")).values("month")
               .annotate(on_time=Count("pk", filter=on_time), late=Count("pk", filter=~on_time)).order_by())
    return _by_month(scope, grouped, [(ON_TIME, "Within 45 working days"), (LATE, "Later")])


def victims_code_timeliness(scope):
    """Victims' Code notifications falling due in the period, by month: told by the deadline, told later, and
    not told yet (overdue once the deadline has passed)."""
    from safehub.support.models import VictimNotification

    due = scope.own(scope.during(VictimNotification.objects.all(), "due_at"), "step__operation__owning_agency")
    grouped = (due.annotate(month=TruncMonth("due_at", tzinfo=clock.LONDON)).values("month")
               .annotate(on_time=Count("pk", filter=Q(told_at__lte=F("due_at"))),
                         late=Count("pk", filter=Q(told_at__gt=F("due_at"))),
                         untold=Count("pk", filter=Q(told_at__isnull=True))).order_by())
    return _by_month(scope, grouped, [(ON_TIME, "Within 1 working day"), (LATE, "Later"), ("untold", "Not told yet")])


def conference_timeliness(scope):
    conferences = scope.own(scope.during(Meeting.objects.filter(kind=Meeting.Kind.CONFERENCE), "held_at"))
    rows = list(conferences.values_list("pk", "held_at", "cases__id"))
    case_ids = {case_id for _, _, case_id in rows if case_id}
    strategies = defaultdict(list)
    for case_id, held_at in (Meeting.objects.filter(kind=Meeting.Kind.STRATEGY, section_47=True,
                                                    cases__id__in=case_ids).values_list("cases__id", "held_at")):
        strategies[case_id].append(held_at)
    started = {}  # conference -> the latest section 47 strategy discussion before it on any of its cases
    held = {}
    for pk, held_at, case_id in rows:
        held[pk] = held_at
        before = [at for at in strategies.get(case_id, ()) if at <= held_at]
        if before:
            started[pk] = max(started.get(pk, before[0]), max(before))
    grouped = defaultdict(Counter)
    due_by_day = {}  # the deadline depends only on the day of the strategy discussion
    for pk, strategy_at in started.items():
        day = clock.local(strategy_at).date()
        if day not in due_by_day:
            due_by_day[day] = clock.initial_conference_due(strategy_at)
        due = due_by_day[day]
        grouped[_month_of(held[pk])][ON_TIME if clock.local(held[pk]).date() <= due else LATE] += 1
    return _by_month(scope, [{"month": month, ON_TIME: c[ON_TIME], LATE: c[LATE]} for month, c in grouped.items()],
                     [(ON_TIME, "Within 15 working days"), (LATE, "Later")])


def reassessment_timeliness(scope):
    """Each screening in the period after the case's first, against the date the one before it set. The
    screenings of those cases up to the period's end are read in order in one query (no subquery per row)."""
    screenings = scope.own(scope.during(RiskAssessment.objects.all(), "assessed_on", dates=True), "case__owning_agency")
    rows = (RiskAssessment.objects.filter(case_id__in=screenings.values("case_id"), assessed_on__lt=scope.period.end)
            .order_by("case_id", "assessed_on", "pk").values_list("case_id", "assessed_on", "reassessment_due"))
    grouped = defaultdict(Counter)
    case, due = None, None
    for case_id, assessed_on, reassessment_due in rows:
        if case_id == case and assessed_on >= scope.period.start:
            grouped[assessed_on.replace(day=1)][ON_TIME if assessed_on <= due else LATE] += 1
        case, due = case_id, reassessment_due
    return _by_month(scope, [{"month": month, ON_TIME: c[ON_TIME], LATE: c[LATE]} for month, c in grouped.items()],
                     [(ON_TIME, "By the date due"), (LATE, "Later")])


# --- Group-based exploitation --------------------------------------------------------------------------------


def networks_flagged(scope):
    from safehub.audit.models import AuditEvent
    from safehub.intelligence.models import Operation
    from safehub.linking.models import Network
    from safehub.linking.networks import intelligence_seen, readable_intelligence

    seen = intelligence_seen(readable_intelligence(None)[0])
    flagged = scope.during(Network.objects.filter(retired_at__isnull=True, intelligence_seen=seen, flagged=True),
                           "newest_activity")
    networks = dict(flagged.values_list("pk", "contact_ids"))
    viewed = set(AuditEvent.objects.filter(object_type="network", action="network_viewed", role="analyst",
                                           object_id__in=[str(pk) for pk in networks])
                 .values_list("object_id", flat=True).distinct())
    in_operations = set(Operation.network_reports.through.objects.values_list("contact_id", flat=True))
    confirmed = {pk for pk, contacts in networks.items() if in_operations.intersection(contacts)}
    reviewed = {pk for pk in networks if str(pk) in viewed} - confirmed
    return _one_column([("Confirmed: an operation was opened from it", len(confirmed)),
                        ("Reviewed by an analyst, no operation yet", len(reviewed)),
                        ("Not yet reviewed", len(networks) - len(confirmed) - len(reviewed))], "Networks")


# --- The registry ----------------------------------------------------------------------------------------------

NOT_YET = "Safehub does not record this yet, so it is published as not recorded rather than left out."

FIGURES = [
    Figure("contacts", "Contacts received, by month and kind", "contacts",
           "Every concern that reached the partnership: reports from the public, professional referrals and adults "
           "reporting abuse they suffered as children.", "received in the period", "contacts", (TELFORD,),
           contacts_by_month, rows_are="Month", chart="line"),
    Figure("decisions", "Screening decisions, by outcome", "contacts",
           "The front door's decision on each contact. Referrals for assessment are the contacts decided "
           "\"open an exploitation case\" or \"strategy discussion\".", "decided in the period", "contacts",
           (TELFORD,), decisions_by_outcome, rows_are="Outcome", chart="bar"),
    Figure("offending_how", "How offending happened, as reports describe it", "contacts",
           "Contacts naming an online account, a place or vehicle, or two or more people. A contact can be counted "
           "in more than one row, so the rows have no total.", "received in the period", "contacts", (TELFORD,),
           offending_how, rows_are="What the contact names"),
    Figure("victims_sex", "Children identified, by sex", "victims",
           "Children with an exploitation case opened in the period (each child once, however many cases).",
           "case opened in the period", "children", (TELFORD, IICSA), victims_sex, rows_are="Sex", chart="bar"),
    Figure("victims_age", "Children identified, by age when the case opened", "victims",
           "Age at the first case opened in the period, from the date of birth or the approximate age recorded. "
           "The average age is published only when at least five ages are known.", "case opened in the period",
           "children", (TELFORD, IICSA), victims_age, rows_are="Age"),
    Figure("victims_ethnicity", "Children identified, by ethnic group", "victims",
           "ONS 2021 high-level ethnic groups. \"Not known\" and \"refused\" are answers; \"not recorded\" means "
           "the question has not been answered.", "case opened in the period", "children", (TELFORD, IICSA),
           victims_ethnicity, rows_are="Ethnic group", chart="bar"),
    Figure("victims_send", "Children identified, by special educational needs", "victims",
           "Special educational needs or disability as recorded on the child's record.",
           "case opened in the period", "children", (TELFORD, IICSA), victims_send, rows_are="Special educational needs"),
    Figure("victims_disability", "Children identified with a learning disability", "victims",
           "Children whose record notes a learning disability.", "case opened in the period", "children", (IICSA,),
           victims_learning_disability, rows_are="Learning disability"),
    Figure("vulnerabilities", "Vulnerabilities of children screened", "victims",
           "Children with a risk screening in the period whose screenings in the period recorded each vulnerability. "
           "A child can be counted in more than one row.", "screened in the period", "children", (IICSA,),
           victims_vulnerabilities, rows_are="Vulnerability"),
    Figure("abuse_category", "Children screened, by kind of harm", "victims",
           "Children with a risk screening in the period, by the kinds of harm their screenings in the period "
           "recorded: child sexual exploitation counted apart from other child sexual abuse, and from criminal "
           "exploitation and other harm. A child can be counted in more than one row, so the rows have no total. "
           "Screenings made before Safehub asked the kind of harm are counted as not recorded, never as "
           "exploitation.", "screened in the period", "children", (IICSA,), victims_harm, rows_are="Kind of harm"),
    Figure("settings", "Settings where abuse happened", "victims",
           "Children with a risk screening in the period, by the settings where their screenings in the period "
           "recorded the harm happening (the child's home, another home, school, online, hotel, vehicle, business, "
           "public place, care home, other). A child can be counted in more than one row. \"No setting recorded\": "
           "none of the child's screenings in the period named one (not known yet, or screened before settings "
           "were asked).", "screened in the period", "children", (IICSA,), victims_settings, rows_are="Setting"),
    Figure("suspects_sex", "Suspects, by sex", "suspects",
           "People of concern recorded in the period or with a police or court step in it.",
           "recorded or a justice step in the period", "people of concern", (TELFORD, IICSA), suspects_sex,
           rows_are="Sex", chart="bar"),
    Figure("suspects_age", "Suspects, by age", "suspects",
           "Age on the last day of the period, from the date of birth, or the middle of the age range recorded.",
           "recorded or a justice step in the period", "people of concern", (TELFORD, IICSA), suspects_age,
           rows_are="Age"),
    Figure("suspects_ethnicity", "Suspects, by ethnic group", "suspects",
           "ONS 2021 high-level ethnic groups, as for children.", "recorded or a justice step in the period",
           "people of concern", (TELFORD, IICSA), suspects_ethnicity, rows_are="Ethnic group", chart="bar"),
    Figure("suspects_disability", "Suspects, by disability", "suspects",
           "Alleged perpetrators' disability, as the IICSA core data set asks, for the people of concern counted "
           "above. \"Not known\" and \"refused\" are answers; \"not recorded\" means the question has not been "
           "answered.", "recorded or a justice step in the period", "people of concern", (IICSA,),
           suspects_disability, rows_are="Disability"),
    Figure("justice", "Police investigations and court outcomes", "suspects",
           "People with each step recorded in the period: investigations opened, arrests, charges, no further "
           "action, convictions, acquittals and sentences. A person can be counted in more than one row.",
           "step in the period", "people of concern", (TELFORD,), justice_outcomes, rows_are="Step", chart="bar"),
    Figure("suspects_ethnicity_recorded", "Suspects with ethnicity recorded, by month", "completeness",
           "People of concern whose ethnicity is recorded (an ONS 2021 category; \"not known\", \"refused\" and "
           "blank are not recorded), by the month the record was made.", "record made in the period",
           "people of concern", (CASEY,), suspects_ethnicity_recorded, rows_are="Month", chart="share"),
    Figure("suspects_nationality_recorded", "Suspects with nationality recorded, by month", "completeness",
           "People of concern whose nationality is recorded, by the month the record was made.",
           "record made in the period", "people of concern", (CASEY,), suspects_nationality_recorded,
           rows_are="Month", chart="share"),
    Figure("victims_ethnicity_recorded", "Children with ethnicity recorded, by month", "completeness",
           "Children's records whose ethnicity is recorded, by the month the record was made.",
           "record made in the period", "children's records", (CASEY,), victims_ethnicity_recorded, rows_are="Month",
           chart="share"),
    Figure("victims_nationality_recorded", "Children with nationality recorded, by month", "completeness",
           "Children's records whose nationality is recorded, by the month the record was made.",
           "record made in the period", "children's records", (CASEY,), victims_nationality_recorded,
           rows_are="Month", chart="share"),
    Figure("screening_timeliness", "Screening decisions within 1 working day", "timeliness",
           "Decisions made by the deadline set when the contact arrived: the same time on the next working day "
           "(Working Together 2023; England and Wales bank holidays).", "decided in the period", "contacts",
           (TIMELINESS,), screening_timeliness, rows_are="Month", chart="share"),
    Figure("assessment_timeliness", "Assessments within 45 working days", "timeliness",
           "Child and family assessments completed within 45 working days of the referral. An extension agreed by a "
           "manager does not change this count.", "completed in the period", "assessments", (TIMELINESS,),
           assessment_timeliness, rows_are="Month", chart="share"),
    Figure("conference_timeliness", "Initial conferences within 15 working days", "timeliness",
           "Initial child protection conferences held within 15 working days of the strategy discussion that "
           "started section 47 enquiries (conferences without one are not counted).", "held in the period",
           "conferences", (TIMELINESS,), conference_timeliness, rows_are="Month", chart="share"),
    Figure("reassessment_timeliness", "Risk reassessments on time", "timeliness",
           "Risk screenings after a child's first, made by the date the one before set (3 months on).",
           "screened in the period", "screenings", (TIMELINESS,), reassessment_timeliness, rows_are="Month",
           chart="share"),
    Figure("victims_code", "Victims' Code notifications on time", "timeliness",
           "Children and adult survivors in an operation told of each charge, no further action, bail or change of "
           "bail and release under investigation within 1 working day (the enhanced service the Victims' Code owes a "
           "victim of child sexual exploitation); counted in the month the notification fell due.",
           "falling due in the period", "notifications", (TIMELINESS,), victims_code_timeliness, rows_are="Month",
           chart="share"),
    Figure("networks", "Networks flagged as possible group-based exploitation", "groups",
           "Networks of records flagged for an analyst (two or more people of concern and a child, or one and two "
           "children), as last computed, with activity in the period. Reviewed: an analyst opened the network as "
           "computed now (no separate review record exists yet). Confirmed: an operation was opened from it.",
           "newest activity in the period", "networks", (HMICFRS,), networks_flagged, rows_are="Status",
           by_agency=False),
]

BY_KEY = {figure.key: figure for figure in FIGURES}


def compute_all(scope, figures=None):
    """{key: Table} for every figure (or those given), for the scope. Figures not counted by agency are left
    out of an agency's scope."""
    figures = FIGURES if figures is None else figures
    return {figure.key: figure.count(scope) for figure in figures
            if scope.agency is None or figure.by_agency or not figure.recorded}
