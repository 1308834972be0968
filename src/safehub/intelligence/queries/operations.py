"""What the operation pages, the network page's operation block and the API list: always through the access
policy (`visible_to`), with a bounded number of queries however many rows there are."""

import datetime as dt
from collections import Counter, defaultdict

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone

from safehub import clock
from safehub.cases.models import Child
from safehub.intake.models import Contact
from safehub.intelligence.models import Disruption, IntelligenceItem, JusticeStep, Operation, PersonOfConcern

LIST_LIMIT = 200
Step = JusticeStep.Kind
# The step usually recorded before each of these. Advice only: historic entries come in any order.
USUALLY_AFTER = {Step.RUI: Step.ARREST, Step.BAIL: Step.ARREST, Step.FIRST_HEARING: Step.CHARGE,
                 Step.TRIAL: Step.CHARGE, Step.CONVICTION: Step.CHARGE, Step.ACQUITTAL: Step.CHARGE,
                 Step.SENTENCE: Step.CONVICTION}


def network_records(user, network):
    """(report ids, child record ids) an operation opened from this linking network starts with: the network's
    reports the user may open, and the children its records are about (its children's records, a record merged
    into another counting as the kept one, and the children of cases opened from its reports), where the user
    may open them."""
    reports = list(Contact.objects.visible_to(user).filter(pk__in=network.contact_ids).values_list("pk", flat=True))
    about = (Q(pk__in=network.child_record_ids) | Q(merged_records__in=network.child_record_ids)
             | Q(cases__source_contact__in=reports))
    children = Child.objects.visible_to(user).current().filter(about).values_list("pk", flat=True).distinct()
    return reports, list(children)


def with_profile_state(operations, today=None):
    today = today or clock.today()
    for operation in operations:
        operation.profile_overdue = operation.profile_due is not None and operation.profile_due < today
    return operations


def operation_list(user):
    """The operations the user may open, open ones first, newest first."""
    operations = (Operation.objects.visible_to(user).select_related("lead", "owning_agency")
                  .annotate(people_count=Count("people", distinct=True))
                  .order_by("-status", "-opened_at")[:LIST_LIMIT])
    return with_profile_state(list(operations))


def latest_steps(operation_ids, person_ids):
    """{(operation id, person id): the person's latest justice step in that operation}."""
    latest = {}
    steps = (JusticeStep.objects.filter(operation_id__in=operation_ids, person_id__in=person_ids)
             .order_by("at", "pk"))
    for step in steps:
        latest[(step.operation_id, step.person_id)] = step
    return latest


def people_rows(user, operations):
    """({operation id: [(person, latest justice step or None)]}, {operation id: people the user cannot open})
    for these operations. Only people the user may open are named."""
    ids = [operation.pk for operation in operations]
    pairs = list(Operation.people.through.objects.filter(operation_id__in=ids)
                 .values_list("operation_id", "personofconcern_id"))
    shown = PersonOfConcern.objects.visible_to(user).in_bulk({person for _, person in pairs})
    steps = latest_steps(ids, list(shown))
    rows, hidden = defaultdict(list), Counter()
    for operation_id, person_id in pairs:
        if person_id in shown:
            rows[operation_id].append((shown[person_id], steps.get((operation_id, person_id))))
        else:
            hidden[operation_id] += 1
    for people in rows.values():
        people.sort(key=lambda row: (row[0].last_name, row[0].first_name, row[0].pk))
    return rows, hidden


def operations_for_network(user, network):
    """The operations the user may open whose reports are among this network's, with their people of concern
    the user may open and each one's latest justice step (the network page's "Operation" block)."""
    operations = list(Operation.objects.visible_to(user).filter(network_reports__in=network.contact_ids).distinct()
                      .select_related("lead").order_by("-opened_at")[:20])
    rows, hidden = people_rows(user, operations)
    return [{"operation": operation, "people": rows[operation.pk], "hidden": hidden[operation.pk]}
            for operation in operations]


def networks_of(user, operation):
    """The current linking networks holding any of the operation's reports that the user may open (a network is
    never read key by key: only its reports are compared with those, in SQL on PostgreSQL)."""
    from safehub.intelligence.queries import holding_any
    from safehub.linking.networks import current_networks

    reports = set(Contact.objects.visible_to(user).filter(operations=operation).values_list("pk", flat=True))
    if not reports:
        return []
    networks, holding = current_networks(user), holding_any(reports, "contact_ids")
    if holding is not None:
        return list(networks.filter(holding).only("pk", "flagged", "flag_reason"))
    return [network for network in networks if reports & set(network.contact_ids)]


# --- Measures that need the lead's attention ------------------------------------------------------------------


def _in_force(now):
    return Q(ends_at__isnull=True) | Q(ends_at__gt=now)


def attention(operations, now=None):
    """(ending or due for review, breached) disruption measures of these operations.

    Ending: a measure in force that ends within SAFEHUB_DISRUPTION_ENDING_DAYS (14), or whose review falls due
    within SAFEHUB_DISRUPTION_REVIEW_DAYS (7) or is overdue, soonest first, each with `why` in words. Breached: a
    measure still in force with a breach recorded, the latest breach first."""
    now = now or timezone.now()
    today = clock.local(now).date()
    ends_by = now + dt.timedelta(days=settings.SAFEHUB_DISRUPTION_ENDING_DAYS)
    review_by = today + dt.timedelta(days=settings.SAFEHUB_DISRUPTION_REVIEW_DAYS)
    measures = Disruption.objects.filter(operation__in=operations).select_related("operation", "person")
    soon = list(measures.filter(Q(ends_at__gt=now, ends_at__lte=ends_by)
                                | (Q(review_on__lte=review_by) & _in_force(now)))[:LIST_LIMIT])
    for measure in soon:
        measure.why, dates = [], []
        if measure.ends_at is not None and measure.ends_at <= ends_by:
            ends = clock.local(measure.ends_at)
            measure.why.append(f"ends {ends.day} {ends:%b %Y %H:%M}")
            dates.append(clock.local(measure.ends_at).date())
        if measure.review_on is not None and measure.review_on <= review_by:
            overdue = measure.review_on < today
            review = measure.review_on
            measure.why.append(f"review {'overdue since' if overdue else 'due'} {review.day} {review:%b %Y}")
            dates.append(measure.review_on)
        measure.soonest = min(dates)
    soon.sort(key=lambda measure: (measure.soonest, measure.pk))
    breached = list(measures.filter(_in_force(now), breaches__isnull=False)
                    .annotate(last_breach=Max("breaches__happened_at"), breach_count=Count("breaches"))
                    .order_by("-last_breach")[:LIST_LIMIT])
    return soon, breached


def attention_windows():
    return {"ending_days": settings.SAFEHUB_DISRUPTION_ENDING_DAYS,
            "review_days": settings.SAFEHUB_DISRUPTION_REVIEW_DAYS}


def my_operations(user):
    """The operations this user leads (open ones first), and the measures across them that need attention."""
    operations = with_profile_state(list(Operation.objects.visible_to(user).filter(lead=user)
                                         .select_related("owning_agency").order_by("-status", "-opened_at")))
    soon, breached = attention(operations)
    named = {measure.person_id for measure in soon + breached if measure.person_id}
    shown = set(PersonOfConcern.objects.visible_to(user).filter(pk__in=named).values_list("pk", flat=True))
    return {"operations": operations, "soon": soon, "breached": breached, "shown_people": shown,
            **attention_windows()}


# --- One operation --------------------------------------------------------------------------------------------


def steps_with_advice(steps):
    """Each person's steps in the order they happened, each with `advice` when it comes without the step
    usually before it (never a refusal)."""
    earlier = defaultdict(set)
    for step in steps:
        before = USUALLY_AFTER.get(step.kind)
        step.advice = (f"No \u201c{Step(before).label.lower()}\u201d step is recorded before this one."
                       if before is not None and before not in earlier[step.person_id] else "")
        earlier[step.person_id].add(step.kind)
    return steps


def operation_view(user, operation, *, may_run=False):
    """What the operation's page shows this user: only people, children and intelligence they may open."""
    rows, hidden = people_rows(user, [operation])
    people = rows[operation.pk]
    shown_people = {person.pk for person, _ in people}
    member_children = operation.children.values("pk")
    children = list(Child.objects.visible_to(user).filter(pk__in=member_children).order_by("last_name", "first_name"))
    intelligence = IntelligenceItem.objects.visible_to(user).filter(operation=operation)
    disruptions = list(operation.disruptions.select_related("person", "recorded_by")
                       .prefetch_related("breaches").order_by("-served_at"))
    steps = steps_with_advice(list(operation.justice_steps.filter(person_id__in=shown_people)
                                   .select_related("person", "recorded_by").order_by("at", "pk")))
    soon, breached = attention([operation]) if may_run else ([], [])
    today = clock.today()
    with_profile_state([operation], today)
    return {
        "operation": operation, "people": people, "hidden_people": hidden[operation.pk],
        "shown_people": shown_people, "children": children,
        "hidden_children": operation.children.count() - len(children),
        "intelligence": list(intelligence[:LIST_LIMIT]), "intelligence_count": intelligence.count(),
        "disruptions": disruptions, "steps": steps, "networks": networks_of(user, operation),
        "soon": soon, "breached": breached, "today": today, "now": timezone.now(), **attention_windows(),
    }
