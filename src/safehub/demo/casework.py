"""Synthetic demo case work that agrees with the planted reports: children, cases, risk screenings, plans,
meetings and case notes.

`load_demo_casework(users, seed=2026)` runs after `load_demo_reports` and goes through the same action
functions as the case pages (`safehub.cases.actions`), each change dated after the fact with its `at`:

- every decided report whose outcome opens a case (open a case, strategy discussion, immediate police
  response) about a named child gets a child's record and a case, opened by the screener shortly after the
  decision; a child named in several such reports gets one record and one case, from the first of them.
  Reports about a child nobody has named get none (the child has to be identified first);
- every child of a planted network gets a case (from their first such report, or opened by the worker after
  their reports were linked), screened at moderate or significant risk with the significant indicators their
  reports describe (missing overnight, an older "boyfriend", cars, gifts, hotspots, secretive online contact);
  background children are screened mostly not at risk or at mild risk;
- cases are allocated to the demo worker a few hours after opening, except the two newest, which wait for
  allocation; screenings come a few days after opening, reassessments every three months, except one case
  whose reassessment is overdue;
- plan actions are set after each screening, a few of them now overdue; a strategy discussion (children's
  social care, police and health) follows each strategy decision; one MACE meeting per network covers its
  children; visits and missing episodes are written up as case notes; one old case is closed with a
  manager's sign-off.

Deterministic for the seed (only the absolute dates move with today's date); safe to run again.
"""

import datetime as dt
import random
import re

from django.db import transaction
from django.utils import timezone

from safehub import clock
from safehub.accounts.models import Agency, User
from safehub.cases import actions
from safehub.cases.actions import OUTCOMES_THAT_OPEN_A_CASE
from safehub.cases.models import Case, CaseNote, Meeting
from safehub.demo.generator import _after_working_hours, plan
from safehub.demo.models import GroundTruth
from safehub.intake.models import Contact

# Significant indicators (SERAF) and the words of a report that describe them.
SIGNS = [
    ("missing_overnight_or_longer", r"missing|overnight|until the morning|weekends at|another town"),
    ("older_boyfriend_or_controlling_adult", r"boyfriend|older men|much older|older 'friend'|looks after"),
    ("getting_into_cars_with_unknown_adults", r"\bcars?\b|lifts|driven|collects"),
    ("unexplained_money_or_gifts", r"gifts?|new phones|free food|vapes|expensive|cash|money|trainers|presents"),
    ("secretive_online_activity_or_sexual_images", r"online|pictures|images|messages|gaming app"),
    ("seen_at_hotspots_or_adult_premises", r"parties|party|taken into|hang around|stairwell|flat|hotel"),
]
# What each planted network's reports are about, whatever the wording of a particular report.
THEME_SIGNS = {
    "takeaway": ["unexplained_money_or_gifts", "seen_at_hotspots_or_adult_premises"],
    "park": ["getting_into_cars_with_unknown_adults", "missing_overnight_or_longer"],
    "online": ["secretive_online_activity_or_sexual_images", "unexplained_money_or_gifts"],
    "hotel": ["seen_at_hotspots_or_adult_premises", "older_boyfriend_or_controlling_adult"],
}
THEME_MODERATE = {
    "takeaway": ["staying_out_late", "peers_involved_in_exploitation"],
    "park": ["staying_out_late", "school_exclusion_or_absence"],
    "online": ["concerning_internet_use", "concerning_phone_use"],
    "hotel": ["alcohol_misuse", "staying_out_late"],
}
MODERATE = ["staying_out_late", "concerning_phone_use", "school_exclusion_or_absence", "alcohol_misuse",
            "concerning_internet_use", "multiple_unknown_callers", "expressions_of_despair"]
VULNERABILITIES = ["low_self_esteem", "family_breakdown", "isolation", "no_positive_adult_relationship",
                   "domestic_abuse_history", "emotional_neglect"]
ACTIONS = [
    ("Home visit with the child and their parent or carer", "Wen", "COUNCIL"),
    ("Share the risk screening with the school's designated safeguarding lead", "Wen", "COUNCIL"),
    ("Submit police intelligence on the adults named in the report", "PC Okafor", "POLICE"),
    ("Sexual health and wellbeing appointment offered", "Nurse Bell", "HEALTH"),
    ("One-to-one youth work sessions, weekly", "Jo Hartley", "YOUTH"),
    ("Attendance check and pastoral support at school", "Mrs Kaur", "SCHOOLS"),
]
STRATEGY_ATTENDEES = [("Morgan Demo-Manager", "COUNCIL", "Team manager (chair)"),
                      ("Wen Demo-Worker", "COUNCIL", "Exploitation worker"),
                      ("DS Carter", "POLICE", "Child exploitation detective"),
                      ("Nurse Bell", "HEALTH", "Named nurse for safeguarding")]
MACE_ATTENDEES = STRATEGY_ATTENDEES + [("Jo Hartley", "YOUTH", "Youth worker"),
                                       ("Mrs Kaur", "SCHOOLS", "Designated safeguarding lead")]


def _signs(text):
    return [key for key, pattern in SIGNS if re.search(pattern, text, re.IGNORECASE)]


# Where the harm happened (risk.SETTINGS), from the words of a report; and each planted network's own settings.
PLACES = [
    ("online", r"online|pictures|images|messages|gaming app|snapchat|instagram"),
    ("vehicle", r"\bcars?\b|lifts|driven|collects|taxi"),
    ("hotel", r"hotel"),
    ("business", r"takeaway|shop|free food"),
    ("other_private_home", r"parties|party|flat|house|taken into"),
    ("public_place", r"\bpark\b|stairwell|shopping|town centre|street|hang around"),
    ("school", r"school gates?|outside (the )?school|college"),
]
THEME_SETTINGS = {
    "takeaway": ["business", "vehicle", "other_private_home"],
    "park": ["public_place", "vehicle"],
    "online": ["online"],
    "hotel": ["hotel", "vehicle"],
}


def _places(text):
    return [key for key, pattern in PLACES if re.search(pattern, text, re.IGNORECASE)]


def _harm_and_settings(texts, theme=None):
    """The kinds of harm and the settings a worker would record. A separate random stream (seeded by the
    reports' words) so that adding these left the rest of the demo's draws unchanged."""
    rng = random.Random("harm:" + "|".join(texts))
    settings = list(THEME_SETTINGS.get(theme, [])) + [key for text in texts for key in _places(text)]
    if theme is None:
        roll = rng.random()
        harms = (["cse"] if roll < 0.62 else ["cse", "other_csa"] if roll < 0.72 else ["other_csa"] if roll < 0.8
                 else ["cce"] if roll < 0.9 else ["cse", "cce"] if roll < 0.95 else ["other_harm"])
        if not settings:  # the report does not say: the worker learns it at the screening, mostly
            settings = [rng.choice(["online", "online", "public_place", "public_place", "other_private_home",
                                    "vehicle", "child_home", "school", "business"])]
        if rng.random() < 0.15:
            settings.append(rng.choice(["child_home", "care_home", "school", "other"]))
        if rng.random() < 0.12:
            settings = []  # not known yet at the screening
    else:
        harms = ["cse", "cce"] if theme == "park" and rng.random() < 0.4 else ["cse"]
        if rng.random() < 0.2:
            settings.append("care_home" if rng.random() < 0.5 else "child_home")
    return harms, list(dict.fromkeys(settings))


def _age(text):
    found = re.search(r"\d+", text or "")
    return int(found.group()) if found else None


def _split(name, first=None):
    first = first or name.split(" ", 1)[0]
    return first, name[len(first):].strip()


def _sex(concern):
    words = set(re.findall(r"[a-z]+", concern.lower()))
    return "female" if {"she", "her"} & words else "male" if {"he", "his", "him"} & words else ""


def _before(moment, now, margin=dt.timedelta(minutes=30)):
    """The moment, or just before now if it would fall in the future."""
    return min(moment, now - margin)


def _office(moment, hours=0.0):
    """`hours` of office time after `moment` (08:30-17:30 on working days), when a worker would do it."""
    return _after_working_hours(moment, hours)


class _Loader:
    def __init__(self, users, seed, now):
        self.rng = random.Random(seed + 7)
        self.now = now
        self.today = clock.local(now).date()
        self.screener = User.objects.select_related("agency").get(pk=users["screener"].pk)
        self.worker = User.objects.select_related("agency").get(pk=users["worker"].pk)
        self.manager = User.objects.select_related("agency").get(pk=users["manager"].pk)
        self.agencies = {agency.code: agency for agency in Agency.objects.all()}
        self.counts = {"cases": 0, "network_cases": 0, "meetings": 0, "closed": 0, "unallocated": 0}

    # -- Children and cases --

    def child(self, name, *, first=None, age_text="", school="", sex="", received_at, opening_at):
        """The child's record, made by the screener just before the case is opened."""
        first_name, last_name = _split(name, first)
        age = _age(age_text)
        born = None
        if age is not None:
            born = clock.local(received_at).date() - dt.timedelta(days=365 * age + self.rng.randrange(30, 330))
        made = _before(opening_at, self.now) - dt.timedelta(minutes=self.rng.randrange(3, 12))
        return actions.create_child(self.screener, first_name=first_name[:100], last_name=last_name[:100],
                                    date_of_birth=born, school=school[:200], sex=sex, at=made)

    def open(self, child, contact=None, *, at):
        opened = _before(at, self.now)
        if contact is not None and opened <= contact.decided_at:  # decided in the last half hour
            opened = contact.decided_at + (self.now - contact.decided_at) / 2
        if contact is not None:
            case = actions.open_case(self.screener, child, contact=contact, at=opened)
        else:
            case = actions.open_case(self.worker, child, at=opened)
        self.counts["cases"] += 1
        return case

    def allocate(self, case):
        at = _before(_office(case.opened_at, self.rng.uniform(0.5, 6)), self.now)
        return actions.allocate_case(self.manager, case, self.worker, at=at)

    # -- Screening, plans and notes --

    def screen(self, case, significant, moderate, vulnerabilities, harms, settings, *, at, notes=""):
        return actions.record_risk_screening(
            self.worker, case, assessed_on=clock.local(at).date(), significant={key: "recent" for key in significant},
            moderate=moderate, vulnerabilities=vulnerabilities, harms=harms, settings=settings, notes=notes, at=at)

    def screenings(self, case, profile, *, overdue=False):
        """The first screening a few days after opening, then every three months (unless `overdue`)."""
        at = _office(case.opened_at + dt.timedelta(days=self.rng.uniform(2, 8)), self.rng.uniform(0, 3))
        if at > self.now - dt.timedelta(hours=2):
            return None
        self.screen(case, *profile, at=at, notes="Screening with the child and the referrer's information.")
        while not overdue:
            at = _office(at + dt.timedelta(days=self.rng.uniform(75, 88)), self.rng.uniform(0, 3))
            if at > self.now - dt.timedelta(hours=2):
                break
            self.screen(case, *profile, at=at, notes="Three-monthly reassessment.")
        return at

    def plan_actions(self, case, at, *, overdue=False):
        created = min(_office(at, self.rng.uniform(0, 4)), self.now - dt.timedelta(minutes=20))
        chosen = self.rng.sample(ACTIONS, 3 if self.rng.random() < 0.5 else 2)
        for n, (description, owner, code) in enumerate(chosen):
            if overdue and n == 0:
                due = max(clock.local(created).date() + dt.timedelta(days=7),
                          self.today - dt.timedelta(days=self.rng.randrange(2, 12)))
                due = min(due, self.today - dt.timedelta(days=1))
            else:
                due = max(clock.local(created).date(), self.today) + dt.timedelta(days=self.rng.randrange(3, 40))
            actions.add_plan_action(self.worker, case, description=description, owner_name=owner,
                                    owner_agency=self.agencies[code], due_on=due, at=created)

    def note(self, case, kind, text, *, at, office=True):
        at = _office(at, self.rng.uniform(0, 4)) if office else at
        if at < self.now - dt.timedelta(minutes=10):
            actions.add_case_note(self.worker, case, kind=kind, happened_at=at, text=text)

    def attendees(self, rows):
        return [{"name": name, "agency": self.agencies[code], "role": role} for name, code, role in rows]

    def strategy(self, case, *, network=None):
        held = _before(_office(case.opened_at, self.rng.uniform(1, 6)), self.now, dt.timedelta(minutes=10))
        if held <= case.opened_at:
            return
        actions.record_meeting(
            self.worker, case, kind=Meeting.Kind.STRATEGY, held_at=held, chair="Morgan Demo-Manager",
            attendees=self.attendees(STRATEGY_ATTENDEES), section_47=network is not None,
            discussion="Information shared by children's social care, police and health about the report and "
                       "what is known of the adults involved.",
            decisions="Section 47 enquiries to start; joint visit by the worker and police." if network else
                      "Threshold for section 47 not met; exploitation case to continue with a risk screening.")
        self.counts["meetings"] += 1

    def mace(self, network, cases):
        """One MACE meeting about the network, covering all its children's cases (VOLT agenda)."""
        latest = max(case.opened_at for case in cases)
        day = min(clock.local(latest).date() + dt.timedelta(days=self.rng.randrange(3, 10)), self.today)
        held = dt.datetime.combine(day, dt.time(10, 0), tzinfo=clock.LONDON)
        while held > self.now - dt.timedelta(hours=2) or not clock.is_working_day(held.date()):
            held -= dt.timedelta(days=1)
        present = [case for case in cases if case.opened_at < held and case.status != Case.Status.CLOSED]
        if not present:
            return
        victims = ", ".join(f"{case.child} ({case.reference})" for case in present)
        offenders = "; ".join(", ".join(person["nicknames"]) for person in network["persons"])
        locations = "; ".join(place["name"] for place in network["places"])
        actions.record_meeting(
            self.worker, present[0], other_cases=present[1:], kind=Meeting.Kind.MACE, held_at=held,
            chair="DI Moss (police, MACE chair)", attendees=self.attendees(MACE_ATTENDEES), victims=victims,
            offenders=f"Known as {offenders}", locations=locations, themes=network["summary"],
            decisions="Disruption plan for the adults and places named; each child's plan reviewed.",
            actions=[{"description": f"Disruption: premises and vehicle checks at {network['places'][0]['name']}",
                      "owner_name": "DS Carter", "owner_agency": self.agencies["POLICE"],
                      "due_on": max(clock.local(held).date(), self.today) + dt.timedelta(days=14), "at": held}])
        self.counts["meetings"] += 1


def _network_profile(rng, theme, texts):
    significant = list(dict.fromkeys(THEME_SIGNS[theme] + [s for text in texts for s in _signs(text)]))
    moderate = list(THEME_MODERATE[theme])
    vulnerabilities = rng.sample(VULNERABILITIES, rng.randrange(1, 4))
    return (significant, moderate, vulnerabilities) + _harm_and_settings(texts, theme)


def _background_profile(rng, texts):
    """Mostly not at risk or mild: at most one significant indicator, now and then two."""
    seen = [s for text in texts for s in _signs(text)]
    roll = rng.random()
    keep = 0 if roll < 0.45 else 1 if roll < 0.88 else 2
    significant = list(dict.fromkeys(seen))[:keep]
    if len(significant) < keep:
        significant += rng.sample([key for key, _ in SIGNS if key not in significant], keep - len(significant))
    moderate = rng.sample(MODERATE, rng.randrange(1, 3))
    vulnerabilities = rng.sample(VULNERABILITIES, rng.randrange(0, 3))
    return (significant, moderate, vulnerabilities) + _harm_and_settings(texts)


def load_demo_casework(users, *, seed=2026, now=None):
    """Children, cases and their work for the demo reports of this seed; returns a summary line."""
    now = now or timezone.now()
    truth = GroundTruth.objects.filter(seed=seed, kind=GroundTruth.Kind.NETWORK).first()
    if truth is None:
        return "No demo reports loaded for this seed: no demo case work."
    if Case.objects.filter(source_contact__submission_key__startswith=f"demo-{seed}-").exists():
        return "Demo case work already loaded."
    specs, networks = plan(truth.data["count"], seed)
    contacts = {c.submission_key: c for c in Contact.objects.filter(submission_key__startswith=f"demo-{seed}-")
                .prefetch_related("children")}
    filed = [(spec, contacts[f"demo-{seed}-{i}"]) for i, spec in enumerate(specs)]
    opening = [(spec, contact) for spec, contact in filed
               if contact.decided_at is not None and contact.outcome in OUTCOMES_THAT_OPEN_A_CASE]
    loader = _Loader(users, seed, now)
    with transaction.atomic():
        _network_casework(loader, networks, filed, opening)
        _background_casework(loader, opening)
    counts = loader.counts
    return (f"Loaded demo case work: {counts['cases']} cases ({counts['network_cases']} for children in planted "
            f"networks), {counts['meetings']} meetings, {counts['closed']} closed, {counts['unallocated']} waiting "
            f"to be allocated")


def _network_casework(loader, networks, filed, opening):
    rng, made = loader.rng, 0
    opening_pks = {contact.pk for _, contact in opening}
    for network in networks:
        cases = []
        for index, child in enumerate(network["children"]):
            reports = [(spec, contact) for spec, contact in filed
                       if spec.network == network["key"] and index in spec.members["children"]]
            decided = [(spec, contact) for spec, contact in reports if contact.decided_at is not None]
            if not decided:
                continue
            source = next((contact for _, contact in decided if contact.pk in opening_pks), None)
            first_report = source or decided[0][1]
            if source is not None:
                opening_at = source.decided_at + dt.timedelta(minutes=rng.randrange(15, 90))
            else:  # no single report called for a case: the worker opens one once the reports are linked
                opening_at = _office(decided[-1][1].decided_at + dt.timedelta(days=1))
            record = loader.child(child["name"], first=child["first"], age_text=child["age"], school=child["school"],
                                  sex=child["sex"], received_at=first_report.received_at, opening_at=opening_at)
            case = loader.open(record, source, at=opening_at)
            case = loader.allocate(case)
            if source is not None and source.outcome in (Contact.Outcome.STRATEGY, Contact.Outcome.POLICE_NOW):
                loader.strategy(case, network=network)
            texts = [spec.draft.get("concern", "") for spec, _ in decided]
            profile = _network_profile(rng, network["theme"], texts)
            screened = loader.screenings(case, profile)
            if screened:
                loader.plan_actions(case, case.opened_at + dt.timedelta(days=rng.uniform(2, 9)),
                                    overdue=index == 0 and network["key"] in ("network-1", "network-3"))
                loader.note(case, CaseNote.Kind.VISIT, f"Home visit: saw {child['first']} with a parent. "
                            f"{child['first']} did not want to talk about the adults named in the reports.",
                            at=case.opened_at + dt.timedelta(days=rng.uniform(1, 3)))
                if "missing_overnight_or_longer" in profile[0]:
                    night = clock.local(case.opened_at).date() + dt.timedelta(days=rng.randrange(4, 20))
                    missing = dt.datetime.combine(night, dt.time(22, rng.randrange(60)), tzinfo=clock.LONDON)
                    loader.note(case, CaseNote.Kind.MISSING_EPISODE, f"{child['first']} reported missing overnight; "
                                f"found by police the next morning in another town.", at=missing, office=False)
                    loader.note(case, CaseNote.Kind.RETURN_INTERVIEW, "Return home interview offered and held; "
                                "would not say who they were with.", at=missing + dt.timedelta(days=2))
            cases.append(Case.objects.select_related("child").get(pk=case.pk))
            made += 1
        if cases:
            loader.mace(network, cases)
    loader.counts["network_cases"] = made


def _background_casework(loader, opening):
    rng = loader.rng
    background = [(spec, contact) for spec, contact in opening
                  if not spec.network and spec.route != "non_recent" and spec.draft["children"]
                  and spec.draft["children"][0].get("name")]
    newest = {contact.pk for _, contact in sorted(background, key=lambda pair: pair[1].decided_at)[-2:]}
    by_age = sorted(background, key=lambda pair: pair[1].decided_at)
    oldest = by_age[0][1].pk if by_age else None
    overdue_reassessment = by_age[1][1].pk if len(by_age) > 3 else None  # screened once, months ago
    overdue_actions = {contact.pk for _, contact in background[1::9]}
    for spec, contact in background:
        named = spec.draft["children"][0]
        concern = spec.draft.get("concern", "")
        opening_at = contact.decided_at + dt.timedelta(minutes=rng.randrange(15, 120))
        record = loader.child(named["name"], age_text=named.get("age", ""), school=named.get("school", ""),
                              sex=_sex(concern), received_at=contact.received_at, opening_at=opening_at)
        case = loader.open(record, contact, at=opening_at)
        if contact.pk in newest:
            loader.counts["unallocated"] += 1
            continue
        case = loader.allocate(case)
        if contact.outcome in (Contact.Outcome.STRATEGY, Contact.Outcome.POLICE_NOW):
            loader.strategy(case)
        profile = _background_profile(rng, [concern])
        if contact.pk == oldest:  # risk reduced and the case closed
            profile = ([], profile[1][:1], profile[2][:1], profile[3], profile[4])
        screened = loader.screenings(case, profile, overdue=contact.pk in (overdue_reassessment, oldest))
        if not screened:
            continue
        loader.plan_actions(case, case.opened_at + dt.timedelta(days=rng.uniform(2, 9)),
                            overdue=contact.pk in overdue_actions)
        loader.note(case, CaseNote.Kind.VISIT, "Visit at home; the child engaged well and agreed to meet weekly.",
                    at=case.opened_at + dt.timedelta(days=rng.uniform(1, 4)))
        if contact.pk == oldest:
            _close(loader, case)


def _close(loader, case):
    proposed = _office(case.opened_at + dt.timedelta(days=loader.rng.uniform(40, 60)), 2)
    if proposed > loader.now - dt.timedelta(days=3):
        return
    case = actions.request_closure(loader.worker, case, outcome=Case.ClosureOutcome.RISK_REDUCED,
                                   summary="No new concerns for two months; the child is attending school and "
                                           "engaging with youth work. Stepping down with the family's agreement.",
                                   at=proposed)
    actions.sign_off_closure(loader.manager, case, at=_office(proposed + dt.timedelta(days=1), 3))
    loader.counts["closed"] += 1
