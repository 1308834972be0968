"""Account changes: creating staff with their second factor, signing in and out."""

from django.contrib.auth import login, logout
from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from safehub.accounts.models import User
from safehub.audit.trail import record


def create_user(*, username, password, role, agency, first_name="", last_name="", email="", job_title="",
                totp_key=None, is_system=False, created_by=None):
    """Create an account. Every person gets a TOTP device; the key is returned for their app."""
    with transaction.atomic():
        user = User(username=username, role=role, agency=agency, first_name=first_name, last_name=last_name,
                    email=email, job_title=job_title, is_system=is_system)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        device = None
        if not is_system:
            device = TOTPDevice(user=user, name="Authenticator app", confirmed=True)
            if totp_key:
                device.key = totp_key
            device.save()
        record("user_created", user=created_by, obj=user)
    return user, device


def sign_in(request, user, device):
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    otp_login(request, device)
    record("login_succeeded", user=user, obj=user, request=request)


def sign_out(request):
    if request.user.is_authenticated:
        record("logout", user=request.user, obj=request.user, request=request)
    logout(request)
