"""Staff sign-in: password first (counted by django-axes), then the TOTP code from their app."""

import time

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import match_token

from safehub.access.policy import is_signed_in
from safehub.accounts import sso
from safehub.accounts.actions import (note_identity, provider_second_factor, provider_sign_in_refused, sign_in,
                                      sign_out)
from safehub.accounts.forms import CodeStepForm, PasswordStepForm
from safehub.accounts.models import ExternalIdentity, IdentityProvider, User
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
    return _login_page(request, form, next_url, error_summary([form]), status=400 if form.errors else 200)


SIGNED_OUT_MESSAGES = {"provider": "You were signed out because your organisation no longer confirms your account. "
                                   "Sign in again."}


def _login_page(request, form=None, next_url="", errors=(), status=200):
    """The sign-in page: a button for each agency's provider, and the password form (agencies without a
    provider, and break-glass administration)."""
    errors = list(errors) or [("", SIGNED_OUT_MESSAGES[key]) for key in [request.GET.get("signed_out")]
                              if key in SIGNED_OUT_MESSAGES]
    return render(request, "accounts/login.html",
                  {"form": form or PasswordStepForm(), "errors": errors, "next": next_url,
                   "providers": IdentityProvider.objects.filter(is_active=True).select_related("agency")},
                  status=status)


def _pending_user(request):
    pending = request.session.get("pending_user")
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        return None, {}
    return User.objects.filter(pk=pending["id"], is_active=True).first(), pending


def login_code(request):
    user, pending = _pending_user(request)
    next_url = pending.get("next", "")
    if user is None:
        return redirect("accounts:login")
    if not AxesProxyHandler.is_allowed(request, credentials={"username": user.username}):
        return render(request, "accounts/locked_out.html", status=429)
    form = CodeStepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["code"].strip())
        if device is not None:
            request.session.pop("pending_user", None)
            how = pending.get("how", "")
            sign_in(request, user, device, how=how + "second factor: Safehub TOTP" if how else "")
            if pending.get("sso"):
                request.session[sso.SESSION_KEY] = pending["sso"]
            return redirect(next_url or "home")
        # Count a wrong code as a failed login so that django-axes locks out guessing.
        user_login_failed.send(sender=__name__, credentials={"username": user.username}, request=request)
        record("second_factor_failed", user=None, object_type="user", object_id=user.username[:40], request=request)
        if getattr(request, "axes_locked_out", False):
            return render(request, "accounts/locked_out.html", status=429)
        form.add_error("code", "The security code is not right or has expired")
    return render(request, "accounts/login_code.html", {"form": form, "errors": error_summary([form])},
                  status=400 if form.errors else 200)


def provider_start(request, provider_id):
    """Off to the agency's provider: the authorization code flow with PKCE, state and nonce (Authlib). A link,
    not a form: the Content Security Policy's form-action would stop a form's redirect to the provider."""
    provider = get_object_or_404(IdentityProvider, pk=provider_id, is_active=True)
    request.session["sso_next"] = _safe_next(request, request.GET.get("next"))
    callback = request.build_absolute_uri(reverse("accounts:provider_callback", args=[provider.pk]))
    try:
        return sso.start(request, provider, callback)
    except sso.SignInRefused as refused:
        provider_sign_in_refused(request, provider, refused.kind)
        return _login_page(request, errors=[("", refused.message)], status=400)


def provider_callback(request, provider_id):
    """Back from the provider: check its answer and the ID token, then find the account by (issuer, subject)."""
    provider = get_object_or_404(IdentityProvider, pk=provider_id, is_active=True)
    try:
        claims, token = sso.finish(request, provider)
    except sso.SignInRefused as refused:
        provider_sign_in_refused(request, provider, refused.kind)
        return _login_page(request, errors=[("", refused.message)], status=400)
    identity = note_identity(request, provider, claims)
    if identity.status == ExternalIdentity.Status.PENDING:
        return render(request, "accounts/provider_waiting.html", {"provider": provider}, status=403)
    user = identity.user
    if identity.status != ExternalIdentity.Status.LINKED or not user.is_active or user.is_system:
        provider_sign_in_refused(request, provider, "account_not_allowed", identity.subject)
        message = "Your organisation account cannot sign in to Safehub. Ask your Safehub administrator."
        return _login_page(request, errors=[("", message)], status=400)
    if not AxesProxyHandler.is_allowed(request, credentials={"username": user.username}):
        provider_sign_in_refused(request, provider, "locked_out", identity.subject)
        return render(request, "accounts/locked_out.html", status=429)
    return _after_provider(request, provider, identity, claims, token)


def _after_provider(request, provider, identity, claims, token):
    """The second factor: the provider's own where its ID token proves one and its word is trusted, else
    Safehub's TOTP code on the usual page."""
    next_url = request.session.pop("sso_next", "")
    tokens = sso.session_tokens(token, identity)
    how = f"provider {provider.name}; issuer {identity.issuer}; subject {identity.subject}; "
    if provider.proves_second_factor(claims):
        factor = f"amr {' '.join(map(str, claims.get('amr') or []))}; acr {claims.get('acr', '-')}"
        sign_in(request, identity.user, provider_second_factor(identity),
                how=f"{how}second factor: provider ({factor})")
        request.session[sso.SESSION_KEY] = tokens
        return redirect(next_url or "home")
    request.session.cycle_key()
    request.session["pending_user"] = {"id": identity.user_id, "at": time.time(), "next": next_url, "sso": tokens,
                                       "how": how}
    return redirect("accounts:login_code")


@require_POST
def logout_view(request):
    sign_out(request)
    return redirect("home")


def profile(request):
    if not is_signed_in(request.user):
        return redirect("accounts:login")
    return render(request, "accounts/profile.html")
