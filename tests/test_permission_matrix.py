"""Every URL route, as every role, against records of the user's own agency, shared with it, of another
agency and restricted: allowed or refused exactly as declared, and no page leaks a record it should not.

The declared policy of each route is in safehub/access/routes.py; a route without one fails here. The
expected answers below are the written rules of the partnership, independent of the policy's code.
"""

import itertools
import uuid
from http.cookies import SimpleCookie

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from safehub.access.models import BreakGlass, Restriction, Share, Transfer
from safehub.access.routes import ANYONE, ROUTES, SCREENERS
from safehub.accounts.api_auth import issue_token
from safehub.accounts.models import Agency
from safehub.intake.actions import submit_contact
from safehub.intake.models import Contact
from tests.conftest import sign_in_client

pytestmark = pytest.mark.django_db

PHONES = itertools.count(1)
ROLES = ["referrer", "screener", "worker", "manager", "analyst", "investigator", "scrutiny", "admin"]
SCENARIOS = ["own", "shared", "other", "restricted", "restricted_member"]


def all_routes(resolver=None, namespace=""):
    """(name, pattern) for every URL pattern, following includes."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from all_routes(entry, inner)
        elif isinstance(entry, URLPattern):
            yield (f"{namespace}{entry.name}" if entry.name else None), entry


def test_every_route_has_a_declared_policy():
    names = [name for name, _ in all_routes()]
    assert None not in names, "a URL pattern has no name, so no declared policy"
    undeclared = sorted(set(names) - set(ROUTES))
    assert undeclared == [], f"routes with no declared access policy: {undeclared}"
    stale = sorted(set(ROUTES) - set(names))
    assert stale == [], f"declared policies for routes that do not exist: {stale}"


# --- The world: for each person, records in every relation to them ------------------------------------


def other_agency(agency):
    return Agency.objects.exclude(pk=agency.pk).exclude(code="YOUTH").order_by("code").first()


def make_contact(owner, referrer=None):
    draft = {"kind": "professional" if referrer else "public", "concern": f"Concern {uuid.uuid4().hex[:6]}",
             "referral": {"role": "DSL", "family_knows": "Nothing", "consent": "given"},
             "phones": [{"number": f"07700 9{next(PHONES):05d}"}]}
    contact, _ = submit_contact(draft, submission_key=uuid.uuid4().hex, referrer=referrer)
    Contact.objects.filter(pk=contact.pk).update(owning_agency=owner)
    contact.refresh_from_db()
    return contact


def make_case(owner, by):
    """A child and an open case, owned by `owner`, with one plan action."""
    import datetime as dt

    from django.utils import timezone

    from safehub.cases.models import Case, Child, PlanAction

    child = Child.objects.create(owning_agency=owner, first_name="Matrix", last_name=uuid.uuid4().hex[:8], created_by=by)
    Child.objects.filter(pk=child.pk).update(reference=f"CH-{child.pk:06d}")
    case = Case.objects.create(child=child, owning_agency=owner, opened_by=by, referral_received_at=timezone.now(),
                               assessment_due=dt.date(2027, 1, 29))
    Case.objects.filter(pk=case.pk).update(reference=f"EX-2026-{case.pk:06d}")
    PlanAction.objects.create(case=case, description="Visit", owner_name="A worker", owner_agency=owner,
                              due_on=dt.date(2027, 1, 8), created_by=by)
    child.refresh_from_db()
    case.refresh_from_db()
    return child, case


def make_intelligence(owner, by):
    """A person of concern (with a phone) and an intelligence item about them, owned by `owner`."""
    from safehub.intelligence.models import IntelligenceItem, PersonDetail, PersonOfConcern

    person = PersonOfConcern.objects.create(owning_agency=owner, first_name="Matrix", last_name=uuid.uuid4().hex[:8],
                                            ethnicity="not_known", nationality_answer="not_known", created_by=by)
    PersonOfConcern.objects.filter(pk=person.pk).update(reference=f"POC-{person.pk:06d}")
    PersonDetail.objects.create(person=person, kind="phone", value=f"07700 8{next(PHONES):05d}")
    item = IntelligenceItem.objects.create(owning_agency=owner, source_grade="2", intelligence_grade="B",
                                           handling_code="P", text="Matrix intelligence", submitted_by=by,
                                           sanitised_summary="Matrix summary")
    IntelligenceItem.objects.filter(pk=item.pk).update(reference=f"INT-{item.pk:06d}")
    item.people.add(person)
    person.refresh_from_db()
    item.refresh_from_db()
    return person, item


def restrict(record, by, allowed):
    restriction = Restriction.objects.create(**pointer(record), reason_kind="high_profile", reason="Locked",
                                             created_by=by, review_due="2027-03-01")
    restriction.allowed_users.set(allowed)
    return restriction


def pointer(record):
    return {"content_type": ContentType.objects.get_for_model(record), "object_id": record.pk}


def build_world(user, bystander, agencies):
    """Records standing in each scenario's relation to `user`, with the shares, restrictions, break-glass
    openings and transfers that point at them."""
    mine = user.agency
    elsewhere = other_agency(mine)
    youth = agencies["YOUTH"]
    referrer = user if user.role == "referrer" else None
    records = {
        "own": make_contact(mine, referrer),
        "shared": make_contact(elsewhere),
        "other": make_contact(elsewhere),
        "restricted": make_contact(mine, referrer),
        "restricted_member": make_contact(mine, referrer),
    }
    Share.objects.create(**pointer(records["shared"]), agency=mine, purpose="Joint work", lawful_basis="dpa_s1_p18",
                         granted_by=bystander)
    extras = {}
    casework = {scenario: make_case(record.owning_agency, bystander) for scenario, record in records.items()}
    Share.objects.create(**pointer(casework["shared"][1]), agency=mine, purpose="Joint work",
                         lawful_basis="dpa_s1_p18", granted_by=bystander)
    intelligence = {scenario: make_intelligence(record.owning_agency, bystander)
                    for scenario, record in records.items()}
    for shared in intelligence["shared"]:  # an item's share opens nothing: items are closed
        Share.objects.create(**pointer(shared), agency=mine, purpose="Joint work", lawful_basis="dpa_s1_p18",
                             granted_by=bystander)
    for scenario, record in records.items():
        extras[scenario] = {
            "user_id": bystander.pk,
            "share_id": Share.objects.create(**pointer(record), agency=youth, purpose="Youth work",
                                             lawful_basis="dpa_s1_p18", granted_by=bystander).pk,
            "glass_id": BreakGlass.objects.create(**pointer(record), user=bystander, reason="Urgent",
                                                  session_key="other-session").pk,
            "transfer_id": Transfer.objects.create(
                **pointer(record), from_agency=record.owning_agency, requested_by=bystander, reason="Move",
                to_agency=mine if scenario == "other" else youth).pk,
        }
        child, case = casework[scenario]
        person, item = intelligence[scenario]
        operation, measure = make_operation(record.owning_agency, bystander, [child])
        survivor = make_survivor(record.owning_agency, bystander)
        support = make_support(record, child, person, operation, bystander)
        extras[scenario].update(case=case, child=child, action_id=case.actions.get().pk, batch_id=held_batch(mine).pk,
                                entity_id=record.mentions.get(kind="phone").entity_id, person=person, item=item,
                                person_id=person.pk, item_id=item.pk, detail_id=person.details.get().pk,
                                operation_id=operation.pk, disruption_id=measure.pk, operation=operation,
                                network_id=record.pk,  # an address from before networks had references: redirected
                                survivor=survivor, **support)
        if scenario.startswith("restricted"):
            allowed = [bystander, user] if scenario == "restricted_member" else [bystander]
            extras[scenario]["restriction_id"] = restrict(record, bystander, allowed).pk
            restrict(case, bystander, allowed)
            restrict(child, bystander, allowed)
            restrict(person, bystander, allowed)
            restrict(item, bystander, allowed)
            restrict(operation, bystander, allowed)
            restrict(survivor, bystander, allowed)
    Share.objects.create(**pointer(extras["shared"]["operation"]), agency=mine, purpose="Joint operation",
                         lawful_basis="dpa_s1_p18", granted_by=bystander)
    Share.objects.create(**pointer(extras["shared"]["survivor"]), agency=mine, purpose="Survivor routed",
                         lawful_basis="dpa_s1_p18", granted_by=bystander)
    # The user's own operation also names a child they may not open: its page must not show it.
    extras["own"]["operation"].children.add(extras["restricted"]["child"], extras["other"]["child"])
    return records, extras


def held_batch(owner):
    """Reports held as a possible flood from one address, at the user's agency (as the front door's are)."""
    from django.utils import timezone

    from safehub.intake.models import FloodBatch

    return FloodBatch.objects.create(owning_agency=owner, client_key=uuid.uuid4().hex[:24], opened_at=timezone.now(),
                                     last_at=timezone.now(), held_count=12, first_in_window=11)


def make_operation(owner, by, children):
    """An open operation owned by `owner`, with a closure order in force (reviewed, and not extendable)."""
    import datetime as dt

    from django.utils import timezone

    from safehub.intelligence.models import Disruption, Operation

    operation = Operation.objects.create(name=f"Operation {uuid.uuid4().hex[:8]}", owning_agency=owner, lead=by,
                                         created_by=by)
    Operation.objects.filter(pk=operation.pk).update(reference=f"OP-{operation.pk:06d}")
    operation.refresh_from_db()
    operation.children.set(children)
    served = timezone.now() - dt.timedelta(hours=1)
    measure = Disruption.objects.create(operation=operation, kind="closure_order", place="12 Mill Street",
                                        served_at=served, ends_at=served + dt.timedelta(days=90),
                                        review_on=served.date() + dt.timedelta(days=28), recorded_by=by)
    return operation, measure


def make_survivor(owner, by):
    """An adult survivor's record owned by `owner` (as if opened from a non-recent report)."""
    from safehub.support.models import AdultSurvivor

    survivor = AdultSurvivor.objects.create(owning_agency=owner, wants="police", opened_by=by)
    AdultSurvivor.objects.filter(pk=survivor.pk).update(reference=f"AS-9{survivor.pk:05d}")
    survivor.refresh_from_db()
    return survivor


def make_support(contact, child, person, operation, by):
    """Information added to the report by its reporter, and a Victims' Code notification about the child (from a
    charge in the child's operation)."""
    from django.utils import timezone

    from safehub.intake.models import ContactAddition
    from safehub.intelligence.models import JusticeStep
    from safehub.support.models import VictimNotification

    addition = ContactAddition.objects.create(contact=contact, submission_key=uuid.uuid4().hex, text="More",
                                              received_at=timezone.now(), review_due_at=timezone.now())
    operation.people.add(person)
    step = JusticeStep.objects.create(operation=operation, person=person, kind="charge", at=timezone.now(),
                                      details="1 offence", recorded_by=by)
    return {"addition_id": addition.pk,
            "notification_id": VictimNotification.objects.get(step=step, child=child).pk}


@pytest.fixture
def world(users, agencies):
    from safehub.accounts.actions import create_user

    bystander, _ = create_user(username="bystander", password="b" * 12, role="manager", agency=agencies["HEALTH"])
    worlds = {role: build_world(users[role], bystander, agencies) for role in ROLES}
    sign_in = make_sign_in_provider(agencies["HEALTH"])
    for _, extras in worlds.values():
        for scenario_extras in extras.values():
            scenario_extras.update(sign_in)
    return worlds


def make_sign_in_provider(agency):
    """An agency's OpenID Connect provider (at a closed local port: nothing answers) and a sign-in through it
    waiting for an administrator."""
    from django.utils import timezone

    from safehub.accounts.models import ExternalIdentity, IdentityProvider

    provider = IdentityProvider.objects.create(agency=agency, name="Health", issuer="http://127.0.0.1:9/",
                                               client_id="safehub", client_secret="matrix-secret")
    identity = ExternalIdentity.objects.create(provider=provider, issuer=provider.issuer, subject="matrix-subject",
                                               first_seen_at=timezone.now(), last_seen_at=timezone.now())
    return {"provider_id": provider.pk, "identity_id": identity.pk}


# --- The written rules -------------------------------------------------------------------------------


READERS = ("screener", "worker", "manager", "analyst", "investigator")
INTELLIGENCE_READERS = ("analyst", "investigator")


def expected(route, role, scenario, kind="contact"):
    """True if `role` may use `route` on a record in `scenario`; None where the route is public. `kind`: the
    kind of record a route serving several (share, transfer, restrict, break the glass, who has seen it) is
    tried on."""
    if route.roles == ANYONE:
        return None
    if role not in route.roles:
        return False
    if not route.record:
        return True
    record = RECORD_OF_KIND[kind] if route.record == "contact" else route.record
    owner = scenario in ("own", "restricted_member")
    sees = owner or (scenario == "shared" and role != "referrer")
    if record != "contact":  # only reports are open to their referrer
        sees = sees and role in READERS
    if record in ("person", "operation"):  # workers, managers, analysts, investigators; shares count
        sees = sees and role in ("worker", "manager", "analyst", "investigator")
    if record == "survivor":  # an adult survivor: the agency's readers and a share's, never a referrer
        sees = sees and role in ("screener", "worker", "manager", "analyst", "investigator")
    item = record == "item"
    if item:  # intelligence is closed: the owning agency's analysts and investigators only
        sees = owner and role in INTELLIGENCE_READERS
    rules = {
        "view": sees,
        "work": sees and role in ("worker", "manager"),
        "manage": owner and role == "manager",
        "screen": owner and role in SCREENERS,
        # An item is never shared nor opened by breaking the glass; its analysts and investigators restrict it
        # and offer it to another police force (ADR 15).
        "share": not item and sees and owner and role in SCREENERS,
        "transfer": sees and owner and role in (INTELLIGENCE_READERS if item else SCREENERS),
        "restrict": sees and owner and role in (INTELLIGENCE_READERS if item else ("manager",)),
        "break_glass": not item and scenario == "restricted" and role == "manager",
        "see_audit": role == "scrutiny" or (role == "manager" and sees),
        "accept_transfer": scenario == "other" and role == "manager",
        "administer": role == "admin",
        "run": owner and role in ("analyst", "investigator", "manager"),
    }
    return rules[route.verb]


# Routes that serve several kinds of record (share, transfer, restrict, break the glass, who has seen it) are
# tried on every kind they serve: the kind in the URL, the world's record of that kind, its name in `expected`.
KINDS_SERVED = ("contact", "case", "child", "personofconcern", "operation", "intelligenceitem")
EXTRA_OF_KIND = {"case": "case", "child": "child", "personofconcern": "person", "operation": "operation",
                 "intelligenceitem": "item"}
RECORD_OF_KIND = {"contact": "contact", **EXTRA_OF_KIND, "personofconcern": "person", "intelligenceitem": "item"}


def test_the_matrix_tries_every_kind_the_access_routes_serve():
    from safehub.access.records import protected_models

    assert set(KINDS_SERVED) == set(protected_models())


def url_for(name, pattern, record, extras, record_kind="contact"):
    """The route's URL for the scenario's record of the kind the route is about (a report by default, or
    `record_kind` for routes that take the kind in the URL)."""
    kind = ROUTES[name].record
    record = extras.get(kind, record) if kind in ("case", "child", "survivor") else record
    record = extras[EXTRA_OF_KIND[record_kind]] if record_kind != "contact" else record
    extras = {key: value for key, value in extras.items()
              if key not in ("case", "child", "person", "item", "operation", "survivor")}
    values = {"reference": record.reference, "key": record.reference, "kind": record_kind, "step": "concern",
              "section": "chronology" if name == "intelligence:person_section" else "caseload", "period": "2026",
              **extras}
    params = list(pattern.pattern.regex.groupindex)
    if any(param not in values for param in params):
        return None  # e.g. a restriction id for a record that has none
    return reverse(name, kwargs={param: values[param] for param in params})


def allowed(response):
    if response.status_code in (401, 403, 404, 405):
        return False
    if response.status_code == 302 and response["Location"].startswith("/accounts/login/"):
        return False
    if response.status_code == 503 and response.request["PATH_INFO"] == "/readyz":
        return True  # the readiness probe answering "not ready" (no worker runs during this test)
    assert response.status_code in (200, 201, 302, 400), response.status_code
    return True


def call(client, method, url):
    """Make the request and roll back whatever it changed, so every cell starts from the same world."""
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    with transaction.atomic():
        response = client.get(url) if method == "GET" else client.post(url, {})
        transaction.set_rollback(True)
    client.cookies = SimpleCookie(cookies)  # a sign-out inside the rolled-back request must not sign us out
    return response


def clients_for(users):
    clients = {role: sign_in_client(users[role]) for role in ROLES}
    api = {}
    for role in ROLES:
        api[role] = APIClient()
        api[role].credentials(HTTP_AUTHORIZATION=f"Token {issue_token(users[role], 'matrix')}")
    return clients, api


@pytest.mark.parametrize("role", ROLES)  # one test per role, so that the suite's processes share the matrix
def test_every_route_as_every_role_against_every_kind_of_record(users, world, role):
    clients, api_clients = clients_for(users)
    failures = []
    checked = 0
    routes = dict(all_routes())
    for name, route in ROUTES.items():
        pattern = routes[name]
        records, extras = world[role]
        scenarios = SCENARIOS if route.record else ["own"]
        kinds = KINDS_SERVED if "kind" in pattern.pattern.regex.groupindex else ("contact",)
        for scenario, record_kind in ((s, k) for s in scenarios for k in kinds):
            url = url_for(name, pattern, records[scenario], extras[scenario], record_kind)
            if url is None:
                continue
            client = api_clients[role] if route.api else clients[role]
            for method in route.methods:
                response = call(client, method, url)
                want = expected(route, role, scenario, record_kind)
                got = allowed(response)
                checked += 1
                if want is not None and got != want:
                    failures.append(f"{method} {name} ({record_kind}) as {role} on {scenario}: expected "
                                    f"{'allow' if want else 'deny'}, got {response.status_code}")
                leaks = leaked_references(response, records, extras, role, url)
                if leaks:
                    failures.append(f"{method} {name} as {role}: page shows {leaks}")
    assert failures == [], "\n".join(failures)
    assert checked > 50


def leaked_references(response, records, extras, role, url):
    """References of this person's invisible records (reports, cases, children, people of concern,
    intelligence) on a page not about them."""
    body = response.content.decode(errors="replace")
    invisible = ["other", "restricted"] + (["shared"] if role == "referrer" else [])
    references = [records[s].reference for s in invisible]
    references += [extras[s][kind].reference for s in invisible for kind in ("case", "child", "person", "survivor")]
    closed = ["shared", *invisible] if role in ("analyst", "investigator") else SCENARIOS
    references += [extras[s]["item"].reference for s in set(closed)]
    # A page about the record may name it (the restricted page offering to break the glass): people of concern
    # and operations are named by number in their pages' addresses.
    about = {extras[s][kind].reference for s in SCENARIOS for kind, page in (("person", "/people/{}/"),
                                                                              ("operation", "/operations/{}/"))
             if url.startswith(page.format(extras[s][kind].pk))}
    return [ref for ref in references if ref in body and ref not in url and ref not in about]


def test_anonymous_visitors_reach_only_public_routes(world):
    records, extras = world["screener"]
    anonymous, api = Client(), APIClient()
    routes = dict(all_routes())
    for name, route in ROUTES.items():
        url = url_for(name, routes[name], records["own"], extras["own"])
        if url is None or route.roles == ANYONE:
            continue
        for method in route.methods:
            response = call(api if route.api else anonymous, method, url)
            assert not allowed(response), f"{method} {name} is open to the public"


def test_lists_and_counts_reveal_nothing_hidden(users, world):
    """The queue's counts equal the rows the user may open; hidden records add nothing to any total."""
    from safehub.screening.queries import queue_counts

    for role in ["screener", "manager"]:
        user = users[role]
        visible_open = Contact.objects.visible_to(user).filter(decided_at__isnull=True).count()
        assert queue_counts(user)["awaiting"] == visible_open
        hidden = Contact.objects.exclude(pk__in=Contact.objects.visible_to(user)).filter(decided_at__isnull=True)
        assert hidden.exists()
        page = sign_in_client(user).get("/screening/").content.decode()
        assert f"{visible_open} waiting for a decision" in page
        assert not any(contact.reference in page for contact in hidden)
