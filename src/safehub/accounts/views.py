"""Staff sign-in: password first (counted by django-axes), then the TOTP code from their app."""

import time

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import match_token

from safehub.access.policy import is_signed_in
from safehub.accounts.actions import sign_in, sign_out
from safehub.accounts.forms import CodeStepForm, PasswordStepForm
from safehub.accounts.models import User
from safehub.audit.trail import record
from safehub.forms import error_summary

PENDING_SECONDS = 300
ROLE_HOMES = {
    "referrer": "intake:my_referrals",
    "screener": "screening:queue",
    "manager": "screening:queue",
    "admin": "manage:people",
    "scrutiny": "audit:trail",
}


def home(request):
    if is_signed_in(request.user) and not request.user.is_system:
        return redirect(ROLE_HOMES.get(request.user.role, "accounts:profile"))
    return render(request, "home.html")


def _safe_next(request, value):
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}):
        return value
    return ""


def login_password(request):
    form = PasswordStepForm(request.POST or None)
    next_url = _safe_next(request, request.GET.get("next") or request.POST.get("next"))
    if request.method == "POST" and form.is_valid():
        user = authenticate(request, username=form.cleaned_data["username"], password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            return render(request, "accounts/locked_out.html", status=429)
        if user is not None and not user.is_system:
            request.session.cycle_key()
            request.session["pending_user"] = {"id": user.pk, "at": time.time(), "next": next_url}
            return redirect("accounts:login_code")
        record("login_failed", object_type="user", object_id=form.cleaned_data["username"][:40], request=request)
        error = "The username or password is not right"
        form.add_error("username", error)
    return render(request, "accounts/login.html", {"form": form, "errors": error_summary([form]), "next": next_url},
                  status=400 if form.errors else 200)


def _pending_user(request):
    pending = request.session.get("pending_user")
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        return None, ""
    return User.objects.filter(pk=pending["id"], is_active=True).first(), pending.get("next", "")


def login_code(request):
    user, next_url = _pending_user(request)
    if user is None:
        return redirect("accounts:login")
    if not AxesProxyHandler.is_allowed(request, credentials={"username": user.username}):
        return render(request, "accounts/locked_out.html", status=429)
    form = CodeStepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["code"].strip())
        if device is not None:
            request.session.pop("pending_user", None)
            sign_in(request, user, device)
            return redirect(next_url or "home")
        # Count a wrong code as a failed login so that django-axes locks out guessing.
        user_login_failed.send(sender=__name__, credentials={"username": user.username}, request=request)
        record("second_factor_failed", user=None, object_type="user", object_id=user.username[:40], request=request)
        if getattr(request, "axes_locked_out", False):
            return render(request, "accounts/locked_out.html", status=429)
        form.add_error("code", "The security code is not right or has expired")
    return render(request, "accounts/login_code.html", {"form": form, "errors": error_summary([form])},
                  status=400 if form.errors else 200)


@require_POST
def logout_view(request):
    sign_out(request)
    return redirect("home")


def profile(request):
    if not is_signed_in(request.user):
        return redirect("accounts:login")
    return render(request, "accounts/profile.html")
