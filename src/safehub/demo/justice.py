"""Synthetic demo data for the justice part: the first planted network becomes a police operation.

`load_demo_justice(users, seed=2026)` runs after `share_with_police` and goes through the same action
functions as the intelligence pages (`safehub.intelligence.actions`), acting as the demo analyst (people,
intelligence, the operation and its profile) and the demo investigator (disruption and justice steps):

- each man of planted network "network-1" becomes a person of concern with his name, nicknames, description,
  an age range from it, and his phones, vehicles and online accounts as details, so that linking joins his
  selectors to the network's reports. Ethnicity and nationality are recorded for most but not all: one man's
  ethnicity is "not known" and another declined to give his nationality ("refused"). The recorded values are
  drawn from the census list by the seed, independent of names: nobody is cast by community;
- the council manager shares the network's children's records with the police (joint section 47 work), so
  the analyst may add them; the analyst opens an operation from the linking network holding the planted
  reports (or, if none is found, without one), with herself as lead, adds the people of concern and every
  network child's record, and writes a problem profile from the network's theme;
- three graded items naming the men's phones and vehicles: a 3x5x2 1/A/P (an officer's own sighting), a
  2/B/C with its condition and a sanitised summary, and an older 5x5x5 item;
- disruption: a Child Abduction Warning Notice on the first man, breached; a Sexual Risk Order on the third,
  made in earlier proceedings nearly two years ago (2 years less 10 days), so it ends within the 14 days the
  lead's list watches; a three-month premises closure order on the network's flat, its four-weekly reviews
  held as they fell due (`serve_disruption` takes any past date; the term comes from the clock);
- justice: an investigation and an arrest for each man; the first charged, convicted on a guilty plea and
  sentenced; the second released under investigation, then charged, with a trial listed ahead; the third
  released on pre-charge bail and then no further action (evidential test not met). Each step writes a line on
  the chronology of the children's cases (ADR 14).

People of concern, operation membership and details carry the time of loading (those actions take no date);
intelligence, disruption and justice steps are dated in the past, in order, between the network's first
report and now. Deterministic for the seed (only the absolute dates move with today's date); safe to run
again: a second run finds the operation and adds nothing.
"""

import datetime as dt
import random
import re

from django.db import transaction
from django.utils import timezone

from safehub import clock
from safehub.access.actions import share_record
from safehub.access.policy import shared_with
from safehub.accounts.models import Agency, User
from safehub.cases.models import Child, Ethnicity
from safehub.demo.generator import _after_working_hours, plan
from safehub.demo.models import GroundTruth
from safehub.intake.models import Contact
from safehub.intelligence.actions import items, operations, people
from safehub.intelligence.models import Answered, Disability, Disruption, JusticeStep, Operation, PersonDetail

NETWORK_KEY = "network-1"
OPERATION_NAMES = ["Kestrel", "Harrier", "Lapwing", "Curlew", "Merlin", "Osprey", "Plover", "Redshank"]
SHARE_PURPOSE = "Joint section 47 enquiries with police: children named in a planted network's reports"
# Census categories the seed draws from for the men whose ethnicity is recorded (not known and refused are
# set on purpose, below).
RECORDED_ETHNICITIES = [value for value in Ethnicity.values if value not in (Ethnicity.NOT_KNOWN, Ethnicity.REFUSED)]
NATIONALITIES = ["British", "British", "British", "Irish", "Polish", "Romanian", "Portuguese"]
Kind = Disruption.Kind
Step = JusticeStep.Kind
Detail = PersonDetail.Kind


def operation_name(seed):
    return f"Operation {random.Random(seed + 11).choice(OPERATION_NAMES)}"


def _acting(user):
    return User.objects.select_related("agency").get(pk=user.pk)


def _age_range(description):
    """(from, to) for the age in a ground-truth description: "Male, about 30, ..." gives (28, 32)."""
    text = description.split(",")[1].strip() if "," in description else description
    found = re.search(r"\d+", text)
    if not found:
        return None, None
    age = int(found.group())
    if text.endswith("s"):  # "early 20s", "mid 20s", "late 30s", "in his 50s"
        start = {"early": 0, "mid": 3, "late": 6}.get(text.split()[0], 0)
        return age + start, age + (start + 3 if text.split()[0] in ("early", "mid", "late") else 9)
    return age - 2, age + 2


def _identity(rng, index):
    """Ethnicity, nationality and disability for the man at `index`: recorded for the first, ethnicity not
    known for the third, nationality refused for the second (a fourth and later: recorded). Disability: no,
    except not known for the second and yes for the fourth (decided by position, so the other draws are as
    they were)."""
    disability = {1: Disability.NOT_KNOWN, 3: Disability.YES}.get(index, Disability.NO)
    ethnicity = Ethnicity.NOT_KNOWN if index == 2 else rng.choice(RECORDED_ETHNICITIES)
    if index == 1:
        return {"ethnicity": ethnicity, "nationality_answer": Answered.REFUSED, "nationality": "",
                "disability": disability}
    return {"ethnicity": ethnicity, "nationality_answer": Answered.RECORDED, "nationality": rng.choice(NATIONALITIES),
            "disability": disability}


def _at(day_moment, hour, minute=0):
    """A time of day on the local date of `day_moment`."""
    return dt.datetime.combine(clock.local(day_moment).date(), dt.time(hour, minute), tzinfo=clock.LONDON)


def load_demo_justice(users, *, seed=2026, now=None):
    """The operation, people, intelligence, disruption and justice steps for the first planted network of
    this seed; returns a summary line."""
    now = now or timezone.now()
    truth = GroundTruth.objects.filter(seed=seed, kind=GroundTruth.Kind.NETWORK, key=NETWORK_KEY).first()
    if truth is None:
        return "No demo reports loaded for this seed: no demo operation."
    name = operation_name(seed)
    if Operation.objects.filter(name=name).exists():
        return f"Demo operation already loaded ({name})."
    network = truth.data
    planned = plan(network["count"], seed)[1][0]  # first and last names as the generator drew them
    analyst, investigator, manager = (_acting(users[name]) for name in ("analyst", "investigator", "manager"))
    rng = random.Random(seed + 7)
    with transaction.atomic():
        loader = _Loader(network, planned, analyst, investigator, manager, rng, now)
        summary = loader.run(name)
    return summary


class _Loader:
    def __init__(self, network, planned, analyst, investigator, manager, rng, now):
        self.network, self.planned = network, planned
        self.analyst, self.investigator, self.manager = analyst, investigator, manager
        self.rng, self.now = rng, now
        references = [report["reference"] for report in network["reports"]]
        self.reports = list(Contact.objects.filter(reference__in=references).order_by("received_at"))

    def run(self, name):
        self.timeline()
        men = self.people()
        children = self.children()
        operation, from_network = self.operation(name, men, children)
        graded = self.intelligence(operation, men)
        measures = self.disruption(operation, men)
        steps = self.justice(operation, men)
        where = "from its linking network" if from_network else "without a linking network (none found)"
        return (f"Loaded demo operation {operation.reference} {name} {where}: {len(men)} people of concern, "
                f"{operation.children.count()} children, {graded} intelligence items, {measures} disruption "
                f"measures, {steps} justice steps")

    # -- When things happened --

    def timeline(self):
        """The operation opens a week of office time after the network's first report, and its work is spread
        in order over the time from then until two days ago."""
        first = self.reports[0].received_at if self.reports else self.now - dt.timedelta(days=120)
        opened = _after_working_hours(first + dt.timedelta(days=7), 2).replace(second=0, microsecond=0)
        self.opened = min(opened, self.now - dt.timedelta(days=40))
        self.span = (self.now - dt.timedelta(days=2)) - self.opened

    def capped(self, moment):
        """The moment to the minute, and never later than an hour ago."""
        return min(moment.replace(second=0, microsecond=0), self.now - dt.timedelta(hours=1))

    def when(self, fraction, hour=None):
        """The moment `fraction` of the way through the operation's span, in office hours (or at `hour`)."""
        moment = self.opened + self.span * fraction
        return self.capped(_at(moment, hour) if hour is not None else _after_working_hours(moment, 0))

    def sitting(self, moment, hour):
        """A court sitting at `hour` on the working day of `moment`, or the next one."""
        day = clock.local(moment).date()
        while not clock.is_working_day(day):
            day += dt.timedelta(days=1)
        return self.capped(dt.datetime.combine(day, dt.time(hour), tzinfo=clock.LONDON))

    def court(self, fraction, hour):
        return self.sitting(self.opened + self.span * fraction, hour)

    # -- People of concern --

    def people(self):
        men = []
        for index, (person, drawn) in enumerate(zip(self.network["persons"], self.planned["persons"])):
            first = drawn["first"] if person["name"].startswith(drawn["first"]) else person["name"].split(" ", 1)[0]
            age_from, age_to = _age_range(person["description"])
            man = people.create_person(
                self.analyst, first_name=first, last_name=person["name"][len(first):].strip(),
                nicknames=", ".join(person["nicknames"]), sex="male", age_from=age_from, age_to=age_to,
                description=person["description"], **_identity(self.rng, index),
                details=[(Detail.PHONE, phone) for phone in person["phones"]])
            for vehicle in person["vehicles"]:
                people.add_detail(self.analyst, man, kind=Detail.VEHICLE, value=vehicle["registration"],
                                  note=f"{vehicle['colour']} {vehicle['make']}")
            for handle in person["handles"]:
                people.add_detail(self.analyst, man, kind=Detail.HANDLE, value=handle["username"], note=handle["app"])
            man.truth = person
            men.append(man)
        return men

    # -- Children and the operation --

    def children(self):
        """The network's children's records (made by the demo case work), shared by the council manager with
        the police for joint work, so the analyst may add them."""
        found = []
        police = Agency.objects.get(code="POLICE")
        already = set(shared_with(Child, police.pk).values_list("object_id", flat=True))
        for drawn in self.planned["children"]:
            first, last = drawn["first"], drawn["name"][len(drawn["first"]):].strip()
            child = Child.objects.current().filter(first_name=first, last_name=last).order_by("pk").first()
            if child is None:
                continue
            if child.owning_agency_id != police.pk and child.pk not in already:
                share_record(self.manager, child, agency=police, purpose=SHARE_PURPOSE, lawful_basis="dpa_s1_p18")
            found.append(child)
        return found

    def find_network(self):
        from safehub.linking.networks import current_networks

        planted = {contact.pk for contact in self.reports}
        best = max(current_networks(self.analyst), key=lambda network: len(planted & set(network.contact_ids)),
                   default=None)
        return best if best is not None and planted & set(best.contact_ids) else None

    def operation(self, name, men, children):
        network = self.find_network()
        operation = operations.open_operation(self.analyst, name=name, lead=self.analyst, network=network,
                                              at=self.opened)
        for man in men:
            operations.add_person(self.analyst, operation, man)
        present = set(operation.children.values_list("pk", flat=True))
        for child in children:
            if child.pk not in present:
                operations.add_child(self.analyst, operation, child)
        places = self.network["places"]
        girls = sum(child["sex"] == "female" for child in self.planned["children"])
        boys = len(self.planned["children"]) - girls
        counted = ", ".join(f"{n} {word}{'s' if n != 1 else ''}" for n, word in ((girls, "girl"), (boys, "boy")) if n)
        victims = (f"{len(self.planned['children'])} children named in the reports ({counted}), "
                   f"aged 12 to 17, at local schools; given food, vapes and lifts, some missing overnight.")
        offenders = "; ".join(f"{man} (known as {man.nicknames})" for man in men)
        operations.update_profile(
            self.analyst, operation, victims=victims,
            offenders=f"{len(men)} men acting together: {offenders}.",
            locations="; ".join(place["address"] for place in places),
            themes=f"{self.network['title']}. {self.network['summary']}",
            refreshed_on=clock.local(self.when(0.04)).date())
        operation.refresh_from_db()
        return operation, network is not None

    # -- Graded intelligence --

    def intelligence(self, operation, men):
        first, second, third = men[0], men[1], men[-1]
        place = self.network["places"][0]
        phone = first.truth["phones"][0]
        vehicle = first.truth["vehicles"][0] if first.truth["vehicles"] else None
        seen = f"a {vehicle['colour']} {vehicle['make']}, {vehicle['registration']}" if vehicle else "on foot"
        named = [("person", str(first)), ("nickname", first.truth["nicknames"][0]), ("phone", phone),
                 ("place", place["address"])]
        if vehicle:
            named.append(("vehicle", vehicle["registration"]))
        items.record_intelligence(
            self.analyst, scheme="3x5x2", source_grade="1", intelligence_grade="A", handling_code="P",
            text=f"Officer on patrol saw {first} (\u201c{first.truth['nicknames'][0]}\u201d) driving {seen} from "
                 f"{place['name']} at 21:40 with two girls of school age in the back. Stopped, he gave his phone "
                 f"number as {phone}.",
            sanitised_summary="Police have seen an adult of concern to this operation driving children away from "
                              "a takeaway late in the evening.",
            received_at=self.when(0.06, 22), named=named, people=[first], operation=operation)
        other = second.truth["phones"][0]
        items.record_intelligence(
            self.analyst, scheme="3x5x2", source_grade="2", intelligence_grade="B", handling_code="C",
            handling_condition="Share only with the children's social care exploitation team for safety planning; "
                               "do not disclose to the families or the men; the source must not be identifiable.",
            text=f"A source says {second} (\u201c{second.truth['nicknames'][0]}\u201d) messages girls from "
                 f"{other} offering lifts and vapes, and passes them to {first.truth['nicknames'][0]}, who takes "
                 f"them to a flat. Corroborated by phone contact between {other} and {phone}.",
            sanitised_summary="An adult linked to this operation is said to contact children by phone, offering "
                              "lifts and gifts.",
            received_at=self.when(0.12), named=[("person", str(second)), ("phone", other), ("phone", phone),
                                                ("nickname", second.truth["nicknames"][0])],
            people=[second, first], operation=operation)
        years_ago = self.now - dt.timedelta(days=3 * 365 + self.rng.randrange(10, 90))
        old_named = [("person", str(third)), ("phone", third.truth["phones"][0])]
        vehicles = third.truth["vehicles"]
        if vehicles:
            old_named.append(("vehicle", vehicles[0]["registration"]))
        items.record_intelligence(
            self.analyst, scheme="5x5x5", source_grade="B", intelligence_grade="3", handling_code="2",
            text=f"Older intelligence: {third} was seen loitering near a secondary school at home time and giving "
                 f"a pupil his number, {third.truth['phones'][0]}"
                 + (f"; he drove a {vehicles[0]['colour']} {vehicles[0]['make']}, {vehicles[0]['registration']}."
                    if vehicles else "."),
            sanitised_summary="An adult linked to this operation was of concern near a school some years ago.",
            received_at=_after_working_hours(years_ago, 3), named=old_named, people=[third], operation=operation)
        return 3

    # -- Disruption --

    def disruption(self, operation, men):
        first, third = men[0], men[-1]
        act = self.investigator
        places = self.network["places"]
        car_park = next((place["name"] for place in places if place["kind"] == "car_park"), places[0]["name"])
        cawn = operations.serve_disruption(
            act, operation, kind=Kind.CAWN, person=first, served_at=self.when(0.08),
            notes=f"Served in person on {first}, naming one of the children, with her parents' agreement.")
        operations.record_breach(
            act, cawn, happened_at=self.when(0.28, 23),
            details=f"Found at 23:10 with the child named in the notice, in his car at {car_park}.")
        # An order made in earlier proceedings, nearly two years ago: it ends within the lead's 14-day window.
        made_on = clock.months_later(clock.local(self.now).date(), -12 * clock.SRO_MIN_YEARS) + dt.timedelta(days=10)
        operations.serve_disruption(
            act, operation, kind=Kind.SRO, person=third, years=clock.SRO_MIN_YEARS,
            served_at=dt.datetime.combine(made_on, dt.time(11, 0), tzinfo=clock.LONDON),
            notes="Made by the magistrates on an earlier application (concerns near a school); prohibits contact "
                  "with anyone under 16 and requires him to register any phone he uses. Consider renewal.")
        flat = next((place for place in self.network["places"] if place["kind"] == "flat"), self.network["places"][0])
        closure = operations.serve_disruption(
            act, operation, kind=Kind.CLOSURE_ORDER, place=flat["address"], months=3,
            served_at=self.capped(max(self.when(0.45), _after_working_hours(self.now - dt.timedelta(days=60), 1))),
            notes="Closure order granted by the magistrates after a 48-hour closure notice; no one but the tenant "
                  "may enter.")
        # Its four-weekly reviews, held when due: the premises stay closed.
        today = clock.local(self.now).date()
        while closure.review_on is not None and closure.review_on < today:
            closure = operations.review_disruption(act, closure, reviewed_on=closure.review_on, outcome="continue",
                                                   notes="Premises still closed; no visitors seen.")
        return 3

    # -- Justice outcomes --

    def _trial(self):
        """A trial listed ten to fourteen weeks ahead, on a working day."""
        day = clock.local(self.now).date() + dt.timedelta(days=70 + self.rng.randrange(0, 30))
        while not clock.is_working_day(day):
            day += dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time(10), tzinfo=clock.LONDON)

    def justice(self, operation, men):
        first, second, third = men[0], men[1], men[-1]
        act = self.investigator
        steps = []

        def step(person, kind, at, details=""):
            steps.append(operations.record_justice_step(act, operation, person, kind=kind, at=at, details=details))

        for man in men:
            step(man, Step.INVESTIGATION, self.when(0.05))
        # The first: arrested the morning after the breach, charged from custody that evening, guilty pleas,
        # sentenced.
        arrested = self.when(0.285, 7)
        charged = arrested + dt.timedelta(hours=10)
        step(first, Step.ARREST, arrested)
        step(first, Step.CHARGE, self.capped(charged),
             "Sexual activity with a child (s9 Sexual Offences Act 2003), 2 counts; child abduction (s2 Child "
             "Abduction Act 1984)")
        step(first, Step.FIRST_HEARING, self.sitting(charged + dt.timedelta(days=1), 10),
             "Wrekinshire Magistrates' Court; remanded in custody")
        step(first, Step.CONVICTION, self.court(0.62, 11), "Guilty pleas at Wrekinshire Crown Court")
        step(first, Step.SENTENCE, self.court(0.80, 14),
             "9 years' imprisonment; Sexual Harm Prevention Order for 15 years")
        # The second: released under investigation, charged later by appointment, trial listed ahead.
        arrested = self.when(0.33, 7)
        step(second, Step.ARREST, arrested)
        step(second, Step.RUI, self.capped(arrested + dt.timedelta(hours=11)))
        charged = self.when(0.70)
        step(second, Step.CHARGE, charged,
             "Arranging or facilitating a child sex offence (s14 Sexual Offences Act 2003)")
        step(second, Step.FIRST_HEARING, self.sitting(charged + dt.timedelta(days=14), 10),
             "Wrekinshire Magistrates' Court; sent to the Crown Court, bail with conditions")
        step(second, Step.TRIAL, self._trial(), "Wrekinshire Crown Court")
        # The third: pre-charge bail, then no further action.
        arrested = self.when(0.36, 7)
        step(third, Step.ARREST, arrested)
        step(third, Step.BAIL, self.capped(arrested + dt.timedelta(hours=12)))
        step(third, Step.NFA, self.when(0.85),
             "Evidential test not met: the CPS advised that the evidence gives no realistic prospect of conviction")
        return len(steps)
