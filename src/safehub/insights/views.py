"""Figures pages: the scrutiny and managers' figures (any period, any agency), published snapshots for the public,
downloads of both, and a manager's case bundle. Every number shown or downloaded has been through disclosure
control; the public pages read only frozen snapshots, never the records."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from safehub import clock
from safehub.accounts.decorators import role_required
from safehub.accounts.models import Agency
from safehub.audit.trail import chain_head
from safehub.forms import error_text
from safehub.insights import actions
from safehub.insights.exports import table_csv, workbook
from safehub.insights.figures import Scope
from safehub.insights.models import PublishedSnapshot
from safehub.insights.pdf import report_pdf
from safehub.insights.periods import KINDS, Period
from safehub.insights.tables import publish_all, sections

FIGURE_READERS = ("scrutiny", "manager")
TITLE = "Child exploitation partnership figures"


def period_choices(today):
    """The periods offered: this year and the two before, the last eight quarters, the last 24 months."""
    choices = {"year": [], "quarter": [], "month": []}
    for kind, count in (("year", 3), ("quarter", 8), ("month", 24)):
        period = Period.containing(kind, today)
        for _ in range(count):
            choices[kind].append(period)
            period = period.previous()
    return choices


def _scope(request):
    today = clock.today()
    try:
        period = Period.parse(request.GET.get("period", "")) if request.GET.get("period") else None
    except ValueError:
        period = None
    if period is None:
        kind = request.GET.get("kind") if request.GET.get("kind") in KINDS else "year"
        period = Period.containing(kind, today)
    agency = None
    if request.GET.get("agency"):
        agency = Agency.objects.filter(code=request.GET["agency"]).first()
    return Scope(period, agency)


def _stamp(scope, user=None):
    position, head = chain_head()
    who = f" by {user.get_full_name() or user.username}" if user else ""
    agency = f", {scope.agency.name} only" if scope.agency else ""
    return (f"Counted{who} on {clock.local(timezone.now()):%d/%m/%Y %H:%M} from the records as they stood{agency}. "
            f"Audit chain head: event {position}, {head[:16]}.")


@role_required(*FIGURE_READERS)
def overview(request):
    """Every figure for a month, quarter or year, for the partnership or one agency, with charts."""
    scope = _scope(request)
    tables = publish_all(scope)
    published = PublishedSnapshot.objects.filter(period=scope.period.slug).first()
    query = f"period={scope.period.slug}" + (f"&agency={scope.agency.code}" if scope.agency else "")
    context = {
        "scope": scope, "sections": sections(tables), "choices": period_choices(clock.today()),
        "agencies": Agency.objects.order_by("name"), "query": query, "published": published,
        "can_publish": request.user.role in actions.PUBLISHERS and published is None and scope.agency is None
        and scope.period.end_at <= timezone.now(),
        "previous": scope.period.previous(), "next": scope.period.next(),
    }
    return render(request, "insights/figures.html", context)


def _download(tables, fmt, key, *, filename, title, period_label, stamp):
    if fmt == "csv":
        table = next((table for table in tables if table["key"] == key), None)
        if table is None:
            raise Http404("No such table")
        response = HttpResponse(table_csv(table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}-{key}.csv"'
        return response
    if fmt == "xlsx":
        data = workbook(tables, title=title, period_label=period_label, stamp=stamp)
        response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    if fmt == "pdf":
        response = HttpResponse(report_pdf(tables, title=title, period_label=period_label, stamp=stamp),
                                content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
        return response
    raise Http404("No such format")


@role_required(*FIGURE_READERS)
def export(request):
    """The figures page's tables as CSV (one table), XLSX (all) or a PDF report (all); audited."""
    scope = _scope(request)
    fmt, key = request.GET.get("format", "xlsx"), request.GET.get("table", "")
    tables = publish_all(scope)
    suffix = f"-{scope.agency.code}" if scope.agency else ""
    response = _download(tables, fmt, key, filename=f"safehub-figures-{scope.period.slug}{suffix}", title=TITLE,
                         period_label=scope.period.label, stamp=_stamp(scope, request.user))
    actions.record_figures_export(request.user, f"{fmt}:{scope.period.slug}{suffix}:{key}", request=request)
    return response


@role_required(*actions.PUBLISHERS)
@require_POST
def publish(request):
    try:
        period = Period.parse(request.POST.get("period", ""))
        snapshot = actions.publish_snapshot(request.user, period, request=request)
    except (ValueError, ValidationError) as error:
        scope_url = reverse("figures") + f"?period={request.POST.get('period', '')}"
        return render(request, "insights/publish_failed.html",
                      {"message": error_text(error) if isinstance(error, ValidationError) else "Choose a period.",
                       "back": scope_url}, status=400)
    return redirect("statistics_period", period=snapshot.period)


# --- Public ------------------------------------------------------------------------------------------------


def statistics(request):
    """The published periods (no sign-in)."""
    snapshots = PublishedSnapshot.objects.order_by("-period_start", "period_kind")
    return render(request, "insights/statistics_list.html", {"snapshots": snapshots})


def _snapshot(period):
    return get_object_or_404(PublishedSnapshot, period=period)


def snapshot_stamp(snapshot):
    return (f"Published by {snapshot.published_by_name} on {clock.local(snapshot.published_at):%d/%m/%Y at %H:%M}. "
            f"Audit chain head: event {snapshot.audit_position}, {snapshot.audit_hash}.")


def statistics_period(request, period):
    snapshot = _snapshot(period)
    return render(request, "insights/statistics.html", {
        "snapshot": snapshot, "sections": sections(snapshot.tables), "stamp": snapshot_stamp(snapshot)})


def statistics_download(request, period):
    snapshot = _snapshot(period)
    return _download(snapshot.tables, request.GET.get("format", "xlsx"), request.GET.get("table", ""),
                     filename=f"safehub-published-{snapshot.period}", title=f"Published figures: {snapshot.period_label}",
                     period_label=snapshot.period_label, stamp=snapshot_stamp(snapshot))


# --- Case bundle ------------------------------------------------------------------------------------------


def case_bundle(request, reference):
    from safehub.cases.views import with_child

    @role_required(*actions.BUNDLE_EXPORTERS)
    @with_child("manage")
    def view(request, child):
        errors, reason = [], ""
        if request.method == "POST":
            reason = request.POST.get("reason", "")
            try:
                data = actions.export_case_bundle(request.user, child, reason=reason, request=request)
            except ValidationError as error:
                errors = [("reason", error_text(error))]
            except PermissionDenied:
                raise
            else:
                response = HttpResponse(data, content_type="application/pdf")
                stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
                response["Content-Disposition"] = f'attachment; filename="case-bundle-{child.reference}-{stamp}.pdf"'
                return response
        return render(request, "insights/bundle.html", {"child": child, "errors": errors, "reason": reason},
                      status=400 if errors else 200)

    return view(request, reference)


def bundle_section(request, child):
    """The case bundle link on a child's page, for a manager who may manage the record."""
    from safehub.access.policy import can

    if request.user.role in actions.BUNDLE_EXPORTERS and can(request.user, "manage", child, visible=True):
        return {"template": "insights/bundle_section.html", "child": child}
    return None
