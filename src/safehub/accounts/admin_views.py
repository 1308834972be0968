"""Administration of people and agencies. Administrators see no case content here or anywhere."""

import base64

import segno
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from safehub.accounts import actions
from safehub.accounts.admin_forms import AgencyForm, PersonForm
from safehub.accounts.decorators import role_required
from safehub.accounts.models import Agency, User
from safehub.forms import error_summary


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
