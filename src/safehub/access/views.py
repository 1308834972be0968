"""Sharing, transfer, restriction and break-glass pages. Every record is opened through the policy."""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from safehub.access.routes import READERS, RESTRICTERS
from safehub.access import actions
from safehub.access.forms import BreakGlassForm, RestrictForm, RevokeForm, ShareForm, TransferForm
from safehub.access.models import BreakGlass, Restriction, Share, Transfer
from safehub.access.policy import can
from safehub.access.records import (Restricted, find_record, kind_of, open_record, record_kind, record_url,
                                    require_or_403, transfer_targets)
from safehub.accounts.decorators import role_required
from safehub.forms import error_text

READER_ROLES = READERS


def _restrict_form(record, data=None):
    return RestrictForm(data, agency_id=record.owning_agency_id, roles=kind_of(record).readers)


def access_panel(request, record, bound_forms):
    """What the record page shows about who may see the record, and the forms to change it. The record
    was opened through the policy, so it is visible to this user."""
    user = request.user
    owner_id = record.owning_agency_id
    pointer = {"content_type": ContentType.objects.get_for_model(record), "object_id": record.pk}
    can_share = can(user, "share", record, visible=True)
    can_transfer = can(user, "transfer", record, visible=True)
    can_restrict = can(user, "restrict", record, visible=True)
    return {
        "can_screen": can(user, "screen", record, visible=True),
        "can_share": can_share,
        "can_transfer": can_transfer,
        "can_restrict": can_restrict,
        "can_see_audit": can(user, "see_audit", record, visible=True),
        "shares": Share.objects.filter(**pointer).select_related("agency", "granted_by") if can_share else [],
        "pending_transfer": (Transfer.objects.filter(**pointer, status=Transfer.Status.PENDING)
                             .select_related("to_agency").first() if can_transfer else None),
        "restriction": Restriction.objects.filter(**pointer, lifted_at__isnull=True).prefetch_related("allowed_users").first(),
        "share_form": bound_forms.get("share") or ShareForm(owner_id=owner_id),
        "transfer_form": bound_forms.get("transfer") or TransferForm(agencies=transfer_targets(record)),
        "restrict_form": bound_forms.get("restrict") or _restrict_form(record),
        "break_glass": BreakGlass.objects.filter(**pointer, reviewed_at__isnull=True).select_related("user") if can_restrict else [],
    }


def _open(request, kind, key):
    try:
        return open_record(request, kind, key, audit_view=False)
    except Restricted:
        raise Http404("No record with that reference that you can open") from None


def _redisplay(request, kind, record, form_name, form, error=None):
    if error:
        form.add_error(None, error)
    return record_kind(kind).render(request, record, status=400, access_forms={form_name: form})


def _post_record_form(request, kind, key, verb, form_name, make_form, run):
    """Open the record, check the verb, validate the form and run the action; redisplay the record page
    with the errors otherwise."""
    record = _open(request, kind, key)
    require_or_403(request.user, verb, record)
    form = make_form(record)
    if not form.is_valid():
        return _redisplay(request, kind, record, form_name, form)
    try:
        run(record, form.cleaned_data)
    except ValidationError as error:
        return _redisplay(request, kind, record, form_name, form, error_text(error))
    return redirect(record_url(kind, record))


def _end_of_day(day):
    return dt.datetime.combine(day, dt.time.max).astimezone() if day else None


@role_required(*READER_ROLES)
@require_POST
def share(request, kind, key):
    def run(record, data):
        actions.share_record(request.user, record, agency=data["agency"], purpose=data["purpose"],
                             lawful_basis=data["lawful_basis"], expires_at=_end_of_day(data["expires_on"]),
                             request=request)

    return _post_record_form(request, kind, key, "share", "share",
                             lambda record: ShareForm(request.POST, owner_id=record.owning_agency_id), run)


@role_required(*READER_ROLES)
@require_POST
def revoke_share(request, share_id):
    shared = get_object_or_404(Share, pk=share_id)
    kind = shared.content_type.model
    record = _open(request, kind, getattr(find_by_pk(shared), record_kind(kind).field))
    require_or_403(request.user, "share", record)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        return _redisplay(request, kind, record, "revoke", form)
    actions.revoke_share(request.user, shared, reason=form.cleaned_data["reason"], request=request)
    return redirect(record_url(kind, record))


def find_by_pk(pointer):
    return pointer.content_type.model_class()._base_manager.get(pk=pointer.object_id)


@role_required(*READER_ROLES)
@require_POST
def transfer(request, kind, key):
    def run(record, data):
        actions.request_transfer(request.user, record, to_agency=data["to_agency"], reason=data["reason"],
                                 request=request)

    return _post_record_form(request, kind, key, "transfer", "transfer",
                             lambda record: TransferForm(request.POST, agencies=transfer_targets(record)), run)


@role_required("manager")
def transfers(request):
    waiting = (Transfer.objects.filter(to_agency_id=request.user.agency_id, status=Transfer.Status.PENDING)
               .select_related("from_agency", "requested_by"))
    return render(request, "access/transfers.html", {"transfers": waiting})


@role_required("manager")
@require_POST
def answer_transfer(request, transfer_id):
    waiting = get_object_or_404(Transfer, pk=transfer_id, to_agency_id=request.user.agency_id)
    try:
        actions.answer_transfer(request.user, waiting, accept=request.POST.get("answer") == "accept", request=request)
    except ValidationError:
        pass  # answered meanwhile; the list shows the current state
    return redirect("access:transfers")


@role_required(*RESTRICTERS)
@require_POST
def restrict(request, kind, key):
    def run(record, data):
        actions.restrict_record(request.user, record, reason_kind=data["reason_kind"], reason=data["reason"],
                                allowed_users=data["allowed_users"], request=request)

    return _post_record_form(request, kind, key, "restrict", "restrict",
                             lambda record: _restrict_form(record, request.POST), run)


@role_required(*RESTRICTERS)
@require_POST
def lift_restriction(request, restriction_id):
    restriction = get_object_or_404(Restriction, pk=restriction_id, lifted_at__isnull=True)
    kind = restriction.content_type.model
    record = _open(request, kind, getattr(find_by_pk(restriction), record_kind(kind).field))
    actions.lift_restriction(request.user, restriction, request=request)
    return redirect(record_url(kind, record))


@role_required("manager")
@require_POST
def break_glass(request, kind, key):
    record = find_record(kind, key)
    if record is None or not can(request.user, "break_glass", record):
        raise Http404("No record with that reference that you can open")
    form = BreakGlassForm(request.POST)
    if not form.is_valid():
        return render(request, "access/restricted.html", {
            "kind": kind, "key": key, "can_break_glass": True, "form": form,
            "restriction": Restriction.pointing_at(record).active().first(),
            "errors": [("id_reason", e) for e in form.errors.get("reason", [])]}, status=400)
    if not request.session.session_key:
        request.session.save()
    actions.break_glass(request.user, record, reason=form.cleaned_data["reason"],
                        session_key=request.session.session_key, request=request)
    request.user.access_session_key = request.session.session_key
    return redirect(record_url(kind, record))


@role_required("manager")
@require_POST
def review_break_glass(request, glass_id):
    glass = get_object_or_404(BreakGlass, pk=glass_id)
    kind = glass.content_type.model
    record = _open(request, kind, getattr(find_by_pk(glass), record_kind(kind).field))
    require_or_403(request.user, "restrict", record)
    actions.review_break_glass(request.user, glass, note=request.POST.get("note", "")[:2000], request=request)
    return redirect(record_url(kind, record))
