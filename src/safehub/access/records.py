"""Opening a protected record by its public key, through the policy, with the audit of every look; and the
registry of record kinds the access pages serve (share, transfer, restrict, break the glass, who has seen it).

Each room registers its own kinds in its AppConfig.ready (as apps register admin classes), so `access` knows
no higher room: the kind is the model's name (as on shares, restrictions and audit events), the record is
found by its reference, and the kind says where its page is and how to show that page again with an access
form's errors.
"""

from dataclasses import dataclass
from functools import wraps
from typing import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from safehub.access.policy import AGENCY_READER_ROLES, can, would_see_but_for_restriction
from safehub.audit.trail import record as audit


@dataclass(frozen=True)
class RecordKind:
    model: type
    url: Callable  # record -> the address of its page
    render: Callable  # (request, record, *, status, access_forms) -> the page with these bound access forms
    field: str = "reference"  # how URLs name the record
    readers: tuple = tuple(sorted(AGENCY_READER_ROLES))  # who may be named on a restriction's allow-list
    receivers: dict | None = None  # a filter over Agency: who a record of this kind may be transferred to
    receivers_words: str = ""  # why another agency may not receive one
    before_read: Callable | None = None  # (record, user, request): make it whole before anyone reads it


_KINDS = {}


def register_record(model, **kind):
    """Serve this model's records on the access pages, under its model name (`RecordKind` for the rest)."""
    _KINDS[model._meta.model_name] = RecordKind(model=model, **kind)


def record_kind(kind):
    if kind not in _KINDS:
        raise Http404("No such kind of record")
    return _KINDS[kind]


def protected_models():
    """Record kinds reachable by URL: kind -> (model, lookup field)."""
    return {kind: (found.model, found.field) for kind, found in _KINDS.items()}


def record_url(kind, record):
    return record_kind(kind).url(record)


def kind_of(record):
    return _KINDS[record._meta.model_name]


def transfer_targets(record):
    """The agencies this record may be offered to: any other than its owner, or those its kind allows."""
    from safehub.accounts.models import Agency

    agencies = Agency.objects.exclude(pk=record.owning_agency_id)
    receivers = kind_of(record).receivers
    return agencies.filter(**receivers) if receivers else agencies


class Restricted(Exception):
    def __init__(self, record):
        self.record = record


def find_record(kind, key):
    """The record itself, for policy checks only: never render what this returns without `can`."""
    found = record_kind(kind)
    return found.model._base_manager.filter(**{found.field: key}).first()


def open_record(request, kind, key, *, queryset=None, audit_view=True):
    """Fetch a record the user may open, or raise Http404 (not visible) or Restricted (break-glass case)."""
    found_kind = record_kind(kind)
    model, field = found_kind.model, found_kind.field
    visible = (queryset if queryset is not None else model.objects).visible_to(request.user)
    found = visible.filter(**{field: key}).first()
    if found is None:
        hidden = find_record(kind, key)
        if hidden is not None and would_see_but_for_restriction(request.user, hidden):
            audit("access_denied", user=request.user, obj=hidden, reason="restricted record", request=request)
            raise Restricted(hidden)
        audit("access_denied", user=request.user, object_type=kind, object_id=str(key)[:40], request=request)
        raise Http404("No record with that reference that you can open")
    if found_kind.before_read is not None:
        found_kind.before_read(found, user=request.user, request=request)
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
    context = {"kind": kind, "key": getattr(record, record_kind(kind).field), "restriction": restriction,
               "can_break_glass": can(request.user, "break_glass", record), "form": BreakGlassForm()}
    return render(request, "access/restricted.html", context, status=403)


def require_or_403(user, verb, record, *, visible=None):
    if not can(user, verb, record, visible=visible):
        raise PermissionDenied("Your role or agency does not allow this.")
