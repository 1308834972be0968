"""The audit trail as people read it: who has seen a record, and the whole trail for scrutiny."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from safehub.access.policy import can
from safehub.access.records import find_record, protected_models, record_url
from safehub.accounts.decorators import role_required
from safehub.audit.models import AuditEvent
from safehub.audit.trail import record as audit

PAGE_SIZE = 100


@role_required("manager", "scrutiny")
def who_has_seen(request, kind, key):
    """Every look at and change to one record, newest first. No case content is shown here."""
    record = find_record(kind, key)
    if record is None or not can(request.user, "see_audit", record):
        audit("access_denied", user=request.user, object_type=kind, object_id=str(key)[:40], reason="audit of record",
              request=request)
        raise Http404("No record with that reference whose audit you can see")
    events = AuditEvent.objects.filter(object_type=kind, object_id=str(record.pk)).order_by("-at", "-id")
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    audit("audit_viewed", user=request.user, obj=record, request=request)
    return render(request, "audit/who_has_seen.html", {"kind": kind, "key": key, "page": page,
                                                       "record_url": _record_url(request, kind, record, key)})


def _record_url(request, kind, record, key):
    model, _field = protected_models()[kind]
    if model.objects.visible_to(request.user).filter(pk=record.pk).exists():
        return record_url(kind, record)
    return ""


@role_required("scrutiny")
def trail(request):
    """The whole trail, filterable, for an independent reviewer."""
    events = AuditEvent.objects.order_by("-at", "-id")
    filters = {
        "actor_name": request.GET.get("actor", "").strip()[:150],
        "action": request.GET.get("action", "").strip()[:40],
        "object_type": request.GET.get("object_type", "").strip()[:40],
    }
    for field, value in filters.items():
        if value:
            events = events.filter(**{field: value})
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    audit("audit_viewed", user=request.user, object_type="audit", object_id="trail", request=request)
    actions = AuditEvent.objects.order_by().values_list("action", flat=True).distinct()
    query = urlencode({"actor": filters["actor_name"], "action": filters["action"], "object_type": filters["object_type"]})
    return render(request, "audit/trail.html", {"page": page, "filters": filters, "actions": sorted(set(actions)),
                                                "query": query + "&"})


@role_required("scrutiny", "manager")
def break_glass_review(request):
    """Break-glass openings and active restrictions with their review dates: scrutiny sees all, a manager
    those of their own agency's people. Records are named by kind and id only, never by content."""
    from safehub.access.models import BreakGlass, Restriction

    openings = BreakGlass.objects.select_related("user", "user__agency", "content_type").order_by("-at")
    restrictions = (Restriction.objects.active().select_related("created_by", "created_by__agency", "content_type")
                    .order_by("review_due"))
    if request.user.role == "manager":
        openings = openings.filter(user__agency_id=request.user.agency_id)
        restrictions = restrictions.filter(created_by__agency_id=request.user.agency_id)
    return render(request, "audit/break_glass.html", {"openings": openings[:500], "restrictions": restrictions[:500],
                                                      "today": timezone.localdate()})
