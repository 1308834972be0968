"""Synthetic demo data for the support side, loaded after the justice part through the same action functions
as the pages (`safehub.intake.actions`, `safehub.support.actions`):

- four adults report their own non-recent abuse on the public form (what they want, safe contact, other
  victims known, the people and places they remember). Two of them name nicknames of the men of planted
  networks 1 and 2 (so linking shows the analyst that a report from 2004 names a man in today's network);
  the screener opens an adult survivor record for three, routes one to the police and an ISVA with their
  consent, one to counselling only, and the first is added as a victim to the demo operation;
- support plans on three network children's cases, with services in every status (offered, accepted,
  declined, waiting, ended with its outcome), the child's own words and a wish, and goals; safe contact
  preferences and consent records for those children (one consent withdrawn);
- a public report whose reporter set a passphrase and came back to add a registration mark;
- the Victims' Code: the justice loader's key decisions are owed to the operation's children; all are marked
  told within their working day but one, which stays overdue (and escalates).

Every name is invented. Deterministic for the seed; a second run adds nothing.
"""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from safehub import clock
from safehub.accounts.models import Agency, User
from safehub.cases.models import Case
from safehub.demo.models import GroundTruth
from safehub.intake.actions import add_information, set_reporter_passphrase, submit_contact
from safehub.intake.models import Contact
from safehub.intelligence.models import Operation
from safehub.support import actions
from safehub.support.models import VictimNotification

DEMO_PASSPHRASE = "copper lantern meadow"

SURVIVORS = [
    # name, wants, when, concern template, network whose nickname they remember (or None), place, safe contact
    ("Rhian Testwell", "police", "around 2004, when I was 14",
     "When I was 14 a man everyone called {nick} gave me lifts and vodka and took me and other girls to a flat "
     "above a shop. It went on for two years. I have never told the police.", "network-1",
     "A flat above a shop near the old bus station",
     {"no_phone": True, "safe_email": "rhian.safe@example.org", "no_letters": True, "preferred_name": "Rhi"}),
    ("Gemma Sampleford", "support", "2008 to 2009",
     "Older men picked us up from the park in a taxi. One of them was called {nick}. I want support; I am not "
     "ready to speak to the police.", "network-2", "The park behind the leisure centre",
     {"safe_phone": "07700 900410", "safe_times": "weekdays after 7pm", "no_voicemail": True,
      "pronouns": "she/her"}),
    ("", "heard", "the 1990s",
     "I was abused by a family friend in the 1990s. I just want someone to know.", None, "",
     {}),
    ("Aled Fakeham", "police", "1999, when I was 12",
     "A youth club volunteer abused me and at least two other boys in 1999.", None, "The old youth club",
     {"safe_phone": "07700 900411", "language": "Welsh", "interpreter": False, "pronouns": "he/him"}),
]


def _acting(user):
    return User.objects.select_related("agency").get(pk=user.pk)


def load_demo_support(users, *, seed=2026, now=None):
    now = now or timezone.now()
    if Contact.objects.filter(submission_key=f"demo-support-{seed}-0").exists():
        return "Demo support already loaded."
    screener, worker, manager = (_acting(users[name]) for name in ("screener", "worker", "manager"))
    rng = random.Random(seed + 12)
    with transaction.atomic():
        survivors = _survivors(screener, seed, rng, now)
        plans = _plans(worker, rng, now)
        _come_back(seed, now)
        overdue = _victims_code(worker, now)
    return (f"Loaded demo support: {len(survivors)} adult survivor records from 4 non-recent reports, {plans} support "
            f"plans with services in every status, consent records, one reporter who came back with a registration "
            f"mark; {overdue} Victims' Code notification overdue.")


def _nickname(seed, key):
    truth = GroundTruth.objects.filter(seed=seed, kind=GroundTruth.Kind.NETWORK, key=key).first()
    if truth is None:
        return None
    for person in truth.data["persons"]:
        if person.get("nicknames"):
            return person["nicknames"][0]
    return None


def _survivors(screener, seed, rng, now):
    opened = []
    police = Agency.objects.get(code="POLICE")
    for index, (name, wants, when, concern, network, place, safe) in enumerate(SURVIVORS):
        nick = _nickname(seed, network) if network else None
        people = [{"name": "", "nicknames": nick, "description": "Older man, in his twenties then"}] if nick else []
        draft = {"kind": "non_recent", "concern": concern.format(nick=nick or "a nickname I forget"),
                 "when_happened": when, "wants": wants, "people": people,
                 "places": [{"address": place}] if place else [],
                 "others": {"other_victims": "yes" if index in (0, 3) else "not_sure",
                            "other_victims_details": "Other girls from my school" if index == 0 else ""},
                 "reporter": ({"anonymous": False, "name": name, "email": f"survivor{index}@example.org"}
                              if name else {"anonymous": True}),
                 "safe_contact": safe}
        received = now - dt.timedelta(days=20 - 4 * index, hours=rng.randrange(0, 8))
        contact, _ = submit_contact(draft, submission_key=f"demo-support-{seed}-{index}", received_at=received)
        if index == 3:
            continue  # still waiting for the screener
        survivor = actions.open_survivor_record(screener, contact, summary="Opened from the non-recent report.")
        opened.append(survivor)
        consented = clock.local(received).date() + dt.timedelta(days=1)
        if index == 0:
            actions.route_survivor(screener, survivor, police_agency=police,
                                   services=[("isva", "Wrekin Survivors' ISVA service")], consent_given_on=consented)
            operation = Operation.objects.order_by("pk").first()
            if operation is not None:  # the analyst running it reads the survivor's record through the share
                actions.link_survivor_to_operation(_acting(User.objects.get(pk=operation.lead_id)), survivor,
                                                   operation)
        elif index == 1:
            actions.route_survivor(screener, survivor, services=[("counselling", "Harbour Counselling Trust")],
                                   consent_given_on=consented)
    return opened


def _plans(worker, rng, now):
    """Plans on three of the demo worker's open cases: together their services are in every status."""
    cases = list(Case.objects.filter(allocated_to=worker).exclude(status=Case.Status.CLOSED)
                 .select_related("child").order_by("opened_at")[:3])
    statuses = [["accepted", "waiting"], ["offered", "declined"], ["ended", "accepted"]]
    services = [("isva", "Wrekin Survivors' ISVA service"), ("camhs", "Wrekinshire CAMHS"),
                ("sexual_health", "Riverside Sexual Health Clinic"), ("youth_work", "Brightpath Youth Charity"),
                ("education", "Virtual School"), ("specialist_charity", "Safer Futures (CSE specialist)")]
    words = ["I don't want to get him in trouble, I just want him to leave me alone.",
             "Nobody listened before. I want to choose who I talk to.",
             "I want to go back to college and not be scared on the bus."]
    wishes = ["To stay living with my nan.", "To do boxing again.", "To see my little brother more."]
    health = Agency.objects.get(code="HEALTH")
    youth = Agency.objects.get(code="YOUTH")
    for index, case in enumerate(cases):
        referred = clock.local(case.opened_at).date() + dt.timedelta(days=3)
        referred = min(referred, clock.today())
        for offset, status in enumerate(statuses[index]):
            service, provider = services[(2 * index + offset) % len(services)]
            actions.add_service(worker, case, service=service, provider=provider, referred_on=referred, status=status,
                                outcome="Eight sessions; says she feels safer going out." if status == "ended" else "")
        said = min(referred + dt.timedelta(days=2), clock.today())
        actions.add_voice(worker, case, kind="words", said_on=said, text=words[index])
        actions.add_voice(worker, case, kind="wish", said_on=said, text=wishes[index])
        goal = actions.add_goal(worker, case, goal="Feel safe travelling to school" if index != 2 else
                                "Back at college by September")
        actions.update_goal(worker, goal, status="going", progress="Travels with a friend most days")
        actions.set_safe_contact(worker, case.child, no_letters=True, safe_times="After school, before 8pm",
                                 no_voicemail=index != 1, preferred_name="" if index else case.child.first_name[:1] + ".",
                                 safe_phone="" if index == 0 else f"07700 90042{index}", no_phone=index == 0)
        actions.record_consent(worker, case.child, scope="share_record", agency=health, given_on=referred,
                               given_by="parent" if index else "person", notes="For sexual health follow-up")
        youth_consent = actions.record_consent(worker, case.child, scope="referral", agency=youth, given_on=referred,
                                               given_by="person")
        if index == 2:
            actions.withdraw_consent(worker, youth_consent, withdrawn_on=said,
                                     reason="Told her worker she no longer wants the youth charity involved.")
    return len(cases)


def _come_back(seed, now):
    draft = {"kind": "public", "concern": "A silver car waits outside the school gates at home time and a girl "
                                          "gets in.", "vehicles": [{"make": "Silver hatchback"}]}
    contact, _ = submit_contact(draft, submission_key=f"demo-support-{seed}-return",
                                received_at=now - dt.timedelta(days=2, hours=3))
    set_reporter_passphrase(contact, DEMO_PASSPHRASE)
    add_information(contact, {"text": "I saw the number plate this morning.",
                              "vehicles": [{"registration": "YX19 KTE", "make": "Silver Vauxhall Corsa"}]},
                    submission_key=f"demo-support-{seed}-return-1", received_at=now - dt.timedelta(hours=20))


def _victims_code(worker, now):
    """Every decision owed is told within its working day, except the latest one due: left overdue."""
    owed = list(VictimNotification.objects.filter(told_at__isnull=True).select_related("step", "child"))
    overdue = [n for n in owed if n.due_at < now]
    left = max(overdue, key=lambda n: (n.due_at, n.pk)) if overdue else None
    for notification in owed:
        if notification is left or notification.due_at >= now:
            continue
        told = min(notification.step.at + dt.timedelta(hours=3), notification.due_at - dt.timedelta(minutes=5))
        told = max(told, notification.step.at)
        actions.record_victim_told(worker, notification, told_at=told,
                                   how="Phoned on the safe number by the allocated worker")
    actions.escalate_victims_code(now)
    return 1 if left else 0
