"""Opening a protected record by its public key, through the policy, with the audit of every look."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from safehub.access.policy import can, would_see_but_for_restriction
from safehub.audit.trail import record as audit


def protected_models():
    """Record kinds reachable by URL: kind -> (model, lookup field)."""
    from safehub.cases.models import Case, Child
    from safehub.intake.models import Contact

    return {"contact": (Contact, "reference"), "case": (Case, "reference"), "child": (Child, "reference")}


class Restricted(Exception):
    def __init__(self, record):
        self.record = record


def find_record(kind, key):
    """The record itself, for policy checks only: never render what this returns without `can`."""
    models = protected_models()
    if kind not in models:
        raise Http404("No such kind of record")
    model, field = models[kind]
    return model._base_manager.filter(**{field: key}).first()


def open_record(request, kind, key, *, queryset=None, audit_view=True):
    """Fetch a record the user may open, or raise Http404 (not visible) or Restricted (break-glass case)."""
    model, field = protected_models()[kind]
    visible = (queryset if queryset is not None else model.objects).visible_to(request.user)
    found = visible.filter(**{field: key}).first()
    if found is None:
        hidden = find_record(kind, key)
        if hidden is not None and would_see_but_for_restriction(request.user, hidden):
            audit("access_denied", user=request.user, obj=hidden, reason="restricted record", request=request)
            raise Restricted(hidden)
        audit("access_denied", user=request.user, object_type=kind, object_id=str(key)[:40], request=request)
        raise Http404("No record with that reference that you can open")
    if audit_view and request.method == "GET":
        audit(f"{kind}_viewed", user=request.user, obj=found, request=request)
    return found


def with_record(kind, verb="view", queryset=None):
    """View decorator: open the record named by the URL's `reference` through the policy (audited on GET),
    answer the break-glass page if a restriction keeps the user out, and check the user may `verb` it
    before the view reads any input. The view receives the record instead of the reference."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, reference, **kwargs):
            try:
                found = open_record(request, kind, reference, queryset=queryset)
            except Restricted as restricted:
                return restricted_response(request, kind, restricted.record)
            require_or_403(request.user, verb, found, visible=True)
            return view(request, found, **kwargs)

        return wrapper

    return decorator


def restricted_response(request, kind, record):
    from safehub.access.forms import BreakGlassForm
    from safehub.access.models import Restriction

    restriction = Restriction.pointing_at(record).active().select_related("created_by").first()
    context = {"kind": kind, "key": getattr(record, protected_models()[kind][1]), "restriction": restriction,
               "can_break_glass": can(request.user, "break_glass", record), "form": BreakGlassForm()}
    return render(request, "access/restricted.html", context, status=403)


def require_or_403(user, verb, record, *, visible=None):
    if not can(user, verb, record, visible=visible):
        raise PermissionDenied("Your role or agency does not allow this.")
