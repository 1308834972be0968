"""Administration of people and agencies. Administrators see no case content here or anywhere."""

import base64

import segno
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from safehub.accounts import actions
from safehub.accounts.admin_forms import (AgencyForm, ApproveIdentityForm, LinkIdentityForm, PersonForm,
                                          ProviderForm)
from safehub.accounts.decorators import role_required
from safehub.accounts.models import Agency, ExternalIdentity, IdentityProvider, User
from safehub.forms import add_action_error, error_summary


def enrolment(device, username):
    """The TOTP key as text and as a QR code image for an authenticator app (shown once)."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    qr = segno.make(device.config_url, error="m")
    return {"secret": secret, "qr_svg": qr.svg_data_uri(scale=4), "username": username}


@role_required("admin")
def people(request):
    everyone = User.objects.select_related("agency").order_by("agency__name", "last_name", "username")
    return render(request, "accounts/admin/people.html", {"people": everyone})


@role_required("admin")
def add_person(request):
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person, device, password = actions.add_person(request.user, request=request, **form.cleaned_data)
        return render(request, "accounts/admin/enrolled.html",
                      {"person": person, "password": password, **enrolment(device, person.username)})
    return render(request, "accounts/admin/add_person.html", {"form": form, "errors": error_summary([form])},
                  status=400 if form.errors else 200)


@role_required("admin")
@require_POST
def set_active(request, user_id):
    person = get_object_or_404(User, pk=user_id)
    actions.set_active(request.user, person, request.POST.get("active") == "1", request=request)
    return redirect("manage:people")


@role_required("admin")
@require_POST
def reset_second_factor(request, user_id):
    person = get_object_or_404(User, pk=user_id, is_system=False)
    device = actions.reset_second_factor(request.user, person, request=request)
    return render(request, "accounts/admin/enrolled.html", {"person": person, **enrolment(device, person.username)})


@role_required("admin")
def agencies(request):
    form = AgencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.add_agency(request.user, request=request, **form.cleaned_data)
        return redirect("manage:agencies")
    return render(request, "accounts/admin/agencies.html", {"agencies": Agency.objects.all(), "form": form,
                                                            "errors": error_summary([form])},
                  status=400 if form.errors else 200)


# --- Single sign-on: agencies' providers and the sign-ins waiting for a decision (ADR 26) ------------------


@role_required("admin")
def providers(request):
    waiting = ExternalIdentity.objects.filter(status=ExternalIdentity.Status.PENDING).count()
    return render(request, "accounts/admin/providers.html",
                  {"providers": IdentityProvider.objects.select_related("agency"), "waiting": waiting})


@role_required("admin")
def add_provider(request):
    return _provider_page(request, IdentityProvider())


@role_required("admin")
def edit_provider(request, provider_id):
    return _provider_page(request, get_object_or_404(IdentityProvider, pk=provider_id))


def _provider_page(request, provider):
    form = ProviderForm(request.POST or None, provider=provider if provider.pk else None)
    if request.method == "POST" and form.is_valid():
        changes = {name: value for name, value in form.cleaned_data.items() if name != "client_secret"}
        try:
            actions.save_provider(request.user, provider, changes, client_secret=form.cleaned_data["client_secret"],
                                  request=request)
            return redirect("manage:providers")
        except ValidationError as error:
            add_action_error(form, error)
    callback = (request.build_absolute_uri(f"/accounts/login/provider/{provider.pk}/callback/") if provider.pk
                else "")
    return render(request, "accounts/admin/provider.html",
                  {"form": form, "provider": provider, "callback": callback, "errors": error_summary([form])},
                  status=400 if form.errors else 200)


def _suggested_username(identity):
    return (identity.email.split("@")[0] if identity.email else "").replace(".", "-")[:150]


def _sign_ins_page(request, bound=None, status=200):
    rows = []
    waiting = ExternalIdentity.objects.filter(status=ExternalIdentity.Status.PENDING).select_related("provider__agency")
    for identity in waiting:
        forms = {
            "link": LinkIdentityForm(identity=identity, prefix=f"link-{identity.pk}"),
            "approve": ApproveIdentityForm(identity=identity, prefix=f"approve-{identity.pk}",
                                           initial={"role": identity.claimed_role,
                                                    "username": _suggested_username(identity)}),
        }
        if bound is not None and bound.identity.pk == identity.pk:
            forms["link" if isinstance(bound, LinkIdentityForm) else "approve"] = bound
        same_email = (User.objects.filter(email__iexact=identity.email).first() if identity.email else None)
        rows.append({"identity": identity, "same_email": same_email, **forms})
    decided = (ExternalIdentity.objects.exclude(status=ExternalIdentity.Status.PENDING)
               .select_related("provider", "user", "decided_by").order_by("-decided_at")[:50])
    return render(request, "accounts/admin/sign_ins.html",
                  {"rows": rows, "decided": decided, "errors": error_summary([bound]) if bound else []},
                  status=status)


@role_required("admin")
def waiting_sign_ins(request):
    return _sign_ins_page(request)


def _waiting(identity_id):
    return get_object_or_404(ExternalIdentity.objects.select_related("provider"), pk=identity_id,
                             status=ExternalIdentity.Status.PENDING)


@role_required("admin")
@require_POST
def link_identity(request, identity_id):
    identity = _waiting(identity_id)
    form = LinkIdentityForm(request.POST, identity=identity, prefix=f"link-{identity.pk}")
    if form.is_valid():
        try:
            actions.link_identity(request.user, identity, form.cleaned_data["username"], request=request)
            return redirect("manage:sign_ins")
        except ValidationError as error:
            add_action_error(form, error, fields={"person": "username"})
    return _sign_ins_page(request, form, status=400)


@role_required("admin")
@require_POST
def approve_identity(request, identity_id):
    identity = _waiting(identity_id)
    form = ApproveIdentityForm(request.POST, identity=identity, prefix=f"approve-{identity.pk}")
    if form.is_valid():
        try:
            person, device = actions.approve_identity(request.user, identity, request=request, **form.cleaned_data)
            return render(request, "accounts/admin/enrolled.html",
                          {"person": person, **enrolment(device, person.username)})
        except ValidationError as error:
            add_action_error(form, error)
    return _sign_ins_page(request, form, status=400)


@role_required("admin")
@require_POST
def refuse_identity(request, identity_id):
    actions.refuse_identity(request.user, _waiting(identity_id), request=request)
    return redirect("manage:sign_ins")
