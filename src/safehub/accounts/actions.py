"""Account changes: creating staff with their second factor, signing in and out."""

from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
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


def sign_in(request, user, device, *, how=""):
    """`how`: for a sign-in through an agency's provider, the provider, subject and second factor (audited)."""
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    otp_login(request, device)
    record("login_succeeded", user=user, obj=user, reason=how, request=request)


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


# --- Single sign-on through agencies' OpenID Connect providers (ADR 26) ------------------------------------


def provider_sign_in_refused(request, provider, kind, subject=""):
    """Every failed provider sign-in is audited with its kind, the provider and (when known) the subject."""
    record("sso_sign_in_refused", object_type="identityprovider", object_id=str(provider.pk),
           reason=f"{kind}; issuer {provider.issuer}; subject {subject or '-'}", request=request)


def note_identity(request, provider, claims):
    """The identity the provider vouched for, by (issuer, subject) and never by e-mail; a subject seen for the
    first time is kept waiting for an administrator (audited)."""
    from safehub.accounts.models import ExternalIdentity

    now = timezone.now()
    details = {"email": str(claims.get("email", ""))[:254], "name": str(claims.get("name", ""))[:200],
               "claimed_role": provider.mapped_role(claims), "last_seen_at": now}
    with transaction.atomic():
        identity, created = ExternalIdentity.objects.select_for_update().get_or_create(
            issuer=provider.issuer, subject=str(claims["sub"]),
            defaults={"provider": provider, "first_seen_at": now, **details})
        if not created:
            ExternalIdentity.objects.filter(pk=identity.pk).update(**details)
        if identity.status == ExternalIdentity.Status.PENDING:
            record("sso_identity_waiting", obj=identity, reason=_who(identity), request=request)
    return identity


def _who(identity):
    return f"issuer {identity.issuer}; subject {identity.subject}; e-mail {identity.email or '-'}"


def provider_second_factor(identity):
    from safehub.accounts.models import ProviderSecondFactor

    device, _ = ProviderSecondFactor.objects.get_or_create(
        identity=identity, defaults={"user": identity.user, "name": f"{identity.provider} multi-factor",
                                     "confirmed": True})
    return device


def signed_out_by_provider(request, identity, kind):
    """The provider no longer vouches for the person (removed, disabled, tokens refused): sign them out."""
    reason = f"{kind}; {_who(identity)}" if identity else kind
    record("sso_recheck_failed", user=request.user, object_type="externalidentity",
           object_id=str(identity.pk) if identity else "-", reason=reason, request=request)
    logout(request)


def _pending(identity):
    from safehub.accounts.models import ExternalIdentity

    if identity.status != ExternalIdentity.Status.PENDING:
        raise ValidationError("This sign-in has already been decided.")


def _decide(actor, identity, status, user, action, request):
    from safehub.accounts.models import ExternalIdentity

    updated = ExternalIdentity.objects.filter(pk=identity.pk, status=ExternalIdentity.Status.PENDING).update(
        status=status, user=user, decided_by=actor, decided_at=timezone.now())
    if not updated:
        raise ValidationError("This sign-in has already been decided.")
    identity.refresh_from_db()
    record(action, user=actor, obj=identity, reason=_who(identity) + (f"; account {user.username}" if user else ""),
           request=request)


def link_identity(actor, identity, person, *, request=None):
    """Let a waiting provider identity sign in as an existing account of the provider's agency."""
    _administer(actor)
    _pending(identity)
    if person.is_system or person.agency_id != identity.provider.agency_id:
        raise ValidationError("Choose an account of the provider's agency.")
    if person.identities.filter(provider=identity.provider, status="linked").exists():
        raise ValidationError("That account is already linked to someone at this provider.")
    with transaction.atomic():
        _decide(actor, identity, "linked", person, "sso_identity_linked", request)
        provider_second_factor(identity)
    return identity


def approve_identity(actor, identity, *, username, role, request=None):
    """Make a new account for a waiting provider identity (no password: it signs in through the provider); the
    TOTP device is returned to be shown once, for when the provider's own multi-factor is not trusted."""
    _administer(actor)
    _pending(identity)
    first, _, last = identity.name.partition(" ")
    with transaction.atomic():
        person, device = create_user(username=username, password=None, role=role, agency=identity.provider.agency,
                                     first_name=first, last_name=last, email=identity.email, created_by=actor)
        _decide(actor, identity, "linked", person, "sso_identity_approved", request)
        provider_second_factor(identity)
    return person, device


def refuse_identity(actor, identity, *, request=None):
    _administer(actor)
    _pending(identity)
    with transaction.atomic():
        _decide(actor, identity, "refused", None, "sso_identity_refused", request)
    return identity


PROVIDER_FIELDS = ("agency", "name", "issuer", "client_id", "scopes", "role_claim", "role_map", "mfa_amr_values",
                   "mfa_acr_values", "trust_provider_mfa", "is_active")


def save_provider(actor, provider, changes, *, client_secret="", request=None):
    """Add or change an agency's provider. A blank secret keeps the stored one; the secret is never audited."""
    _administer(actor)
    adding = provider.pk is None
    for field in PROVIDER_FIELDS:
        if field in changes:
            setattr(provider, field, changes[field])
    if client_secret:
        provider.client_secret = client_secret
    if not provider.client_secret:
        raise ValidationError("Enter the client secret.")
    with transaction.atomic():
        provider.save()
        changed = sorted(set(changes) | ({"client_secret"} if client_secret else set()))
        record("sso_provider_added" if adding else "sso_provider_changed", user=actor, obj=provider,
               reason="changed: " + ", ".join(changed), request=request)
    return provider
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
