"""Account changes: creating staff with their second factor, signing in and out."""

from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
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


def _administer(actor):
    from safehub.access.policy import require

    require(actor, "administer")


def add_person(actor, *, username, first_name, last_name, email, agency, role, job_title, request=None):
    """An administrator creates an account; the first password and the TOTP key are returned to be shown once."""
    import secrets

    _administer(actor)
    password = secrets.token_urlsafe(12)
    with transaction.atomic():
        user, device = create_user(username=username, password=password, role=role, agency=agency,
                                   first_name=first_name, last_name=last_name, email=email, job_title=job_title,
                                   created_by=actor)
    return user, device, password


def set_active(actor, person, active, *, request=None):
    _administer(actor)
    if person.pk == actor.pk and not active:
        raise ValidationError("You cannot deactivate your own account.")
    with transaction.atomic():
        type(person).objects.filter(pk=person.pk).update(is_active=active)
        record("user_activated" if active else "user_deactivated", user=actor, obj=person, request=request)


def reset_second_factor(actor, person, *, request=None):
    """Replace the person's TOTP device (lost phone); the new key is returned to be shown once."""
    _administer(actor)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=person).delete()
        device = TOTPDevice.objects.create(user=person, name="Authenticator app", confirmed=True)
        record("second_factor_reset", user=actor, obj=person, request=request)
    return device


def add_agency(actor, *, code, name, kind, request=None):
    from safehub.accounts.models import Agency

    _administer(actor)
    with transaction.atomic():
        agency = Agency.objects.create(code=code.upper(), name=name, kind=kind)
        record("agency_created", user=actor, obj=agency, request=request)
    return agency
