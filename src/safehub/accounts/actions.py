"""Account changes: creating staff with their second factor, signing in and out."""

from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from safehub.accounts.models import ApiToken, Role, User
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


# An agency system acts for its agency exactly as a member of its staff of this role would (ADR 23): a school's or
# GP's system makes referrals; a case system (the council's or a school's MIS, the police's) reads and writes its
# agency's cases as a worker does; an intelligence system reads people of concern as an analyst does. Managing
# (allocation, sign-off), screening decisions, investigation and administration stay with people.
SYSTEM_ROLES = (Role.REFERRER, Role.WORKER, Role.ANALYST)


def _administer_unless_operator(actor):
    """`actor` None is the operator at the server's shell (`safehub apitoken`), who administers already."""
    if actor is not None:
        _administer(actor)


def add_agency_system(actor, *, username, name, agency, role, request=None):
    """An agency system account: no password or second factor, it only calls the API with a token."""
    _administer_unless_operator(actor)
    if role not in SYSTEM_ROLES:
        raise ValidationError(f"An agency system's role must be one of: {', '.join(SYSTEM_ROLES)}.")
    if agency is None:
        raise ValidationError("An agency system belongs to one agency.")
    if User.objects.filter(username=username).exists():
        raise ValidationError(f"There is already an account called {username!r}.")
    user, _ = create_user(username=username, password=None, role=role, agency=agency, first_name=name,
                          last_name="(system)", is_system=True, created_by=actor)
    return user


def issue_api_token(actor, account, name, *, request=None):
    """A new token for an agency system account, returned to be shown once (only its digest is kept)."""
    from safehub.accounts.api_auth import issue_token

    _administer_unless_operator(actor)
    if not (account.is_system and account.is_active and account.agency_id):
        raise ValidationError("Tokens are issued only to active agency system accounts.")
    return issue_token(account, name, issued_by=actor, request=request)


def revoke_api_token(actor, token, reason, *, request=None):
    """Refuse a token from now on (a system replaced, a token leaked); the reason is kept in the audit trail."""
    from django.utils import timezone

    _administer_unless_operator(actor)
    if not reason.strip():
        raise ValidationError("Say why the token is revoked.")
    with transaction.atomic():
        revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        if not revoked:
            raise ValidationError("That token is already revoked.")
        record("api_token_revoked", user=actor, obj=token, reason=reason, request=request)
