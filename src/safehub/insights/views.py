"""Aggregate figures for scrutiny and managers: nothing that identifies a child, reporter or worker."""

import datetime as dt

from django.db.models import Count, F
from django.db.models.functions import TruncMonth
from django.shortcuts import render
from django.utils import timezone

from safehub.accounts.decorators import role_required
from safehub.insights.disclosure import suppress_row
from safehub.intake.models import Contact

MONTHS = 12


def _months(now):
    first = now.date().replace(day=1)
    months = []
    for _ in range(MONTHS):
        months.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return list(reversed(months))


@role_required("scrutiny", "manager")
def overview(request):
    """Contacts by month and kind, decisions by outcome, and timeliness, with small numbers suppressed.

    These are totals over every agency's contacts, never rows: the access policy guards records, and
    disclosure control guards the totals."""
    now = timezone.now()
    months = _months(now)
    since = dt.datetime.combine(months[0], dt.time.min, tzinfo=timezone.get_current_timezone())
    contacts = Contact.objects.filter(received_at__gte=since)
    by_month = (contacts.annotate(month=TruncMonth("received_at")).values("month", "kind")
                .annotate(n=Count("pk")).order_by())
    table = {month: {kind: 0 for kind in Contact.Kind.values} for month in months}
    for row in by_month:
        month = timezone.localtime(row["month"]).date() if isinstance(row["month"], dt.datetime) else row["month"]
        if month in table:
            table[month][row["kind"]] += row["n"]
    rows = [(month, *suppress_row(counts)) for month, counts in table.items()]
    outcomes = {value: 0 for value in Contact.Outcome.values}
    for row in contacts.exclude(outcome="").values("outcome").annotate(n=Count("pk")).order_by():
        outcomes[row["outcome"]] = row["n"]
    outcome_cells, outcome_total = suppress_row(outcomes)
    decided = contacts.filter(decided_at__isnull=False)
    on_time = decided.filter(decided_at__lte=F("decision_due_at")).count()
    timeliness = {
        "decided": decided.count(),
        "on_time_percent": round(100 * on_time / decided.count()) if decided.count() else None,
        "overdue_now": Contact.objects.filter(decided_at__isnull=True, decision_due_at__lt=now).count(),
    }
    context = {
        "kinds": Contact.Kind.choices, "rows": rows,
        "outcomes": [(Contact.Outcome(value).label, outcome_cells[value]) for value in Contact.Outcome.values],
        "outcome_total": outcome_total, "timeliness": timeliness,
    }
    return render(request, "insights/overview.html", context)
