from django.contrib.auth.models import AbstractUser
from django.db import models
from django_otp.models import Device


class Agency(models.Model):
    """A partner organisation: council children's services, police, health, a school, a charity."""

    class Kind(models.TextChoices):
        COUNCIL = "council", "Council children's services"
        POLICE = "police", "Police"
        HEALTH = "health", "Health"
        EDUCATION = "education", "Education"
        VOLUNTARY = "voluntary", "Voluntary sector"
        OTHER = "other", "Other"

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)

    class Meta:
        verbose_name_plural = "agencies"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    REFERRER = "referrer", "Referrer"
    SCREENER = "screener", "Screener"
    WORKER = "worker", "Exploitation worker"
    MANAGER = "manager", "Team manager"
    ANALYST = "analyst", "Intelligence analyst"
    INVESTIGATOR = "investigator", "Investigator (police exploitation team)"
    SCRUTINY = "scrutiny", "Scrutiny and audit"
    ADMIN = "admin", "Administrator"


class User(AbstractUser):
    """A named person with one agency and one role. Every account needs a TOTP second factor."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, related_name="users")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.REFERRER)
    job_title = models.CharField(max_length=200, blank=True)
    is_system = models.BooleanField(
        default=False, help_text="An agency system that calls the API with a token; it cannot log in to pages."
    )

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def display_role(self):
        return Role(self.role).label


class ApiToken(models.Model):
    """A token for one agency system. Only a SHA-256 digest is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=200)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.name} ({self.prefix}...)"


class IdentityProvider(models.Model):
    """An agency's OpenID Connect provider (ADR 26). The client secret is write-only in the pages."""

    agency = models.OneToOneField(Agency, on_delete=models.PROTECT, related_name="identity_provider")
    name = models.CharField(max_length=100, help_text="Shown on the button: Sign in with <name>.")
    issuer = models.URLField(max_length=300, unique=True)
    client_id = models.CharField(max_length=200)
    client_secret = models.CharField(max_length=500)
    scopes = models.CharField(max_length=300, default="openid profile email offline_access")
    role_claim = models.CharField(max_length=100, default="roles")
    role_map = models.JSONField(default=dict, blank=True, help_text="Claim value -> Safehub role.")
    mfa_amr_values = models.CharField(max_length=200, blank=True, default="mfa otp hwk")
    mfa_acr_values = models.CharField(max_length=300, blank=True)
    trust_provider_mfa = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def proves_second_factor(self, claims):
        """The ID token says the provider checked a second factor, and this provider's word is trusted."""
        if not self.trust_provider_mfa:
            return False
        amr = claims.get("amr") or []
        if set(amr if isinstance(amr, list) else [amr]) & set(self.mfa_amr_values.split()):
            return True
        return bool(claims.get("acr")) and claims.get("acr") in self.mfa_acr_values.split()

    def mapped_role(self, claims):
        values = claims.get(self.role_claim) or []
        for value in values if isinstance(values, list) else [values]:
            if self.role_map.get(str(value)) in Role.values:
                return self.role_map[str(value)]
        return ""


class ExternalIdentity(models.Model):
    """One person at one provider, known by (issuer, subject); no access until an administrator decides."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        LINKED = "linked", "Linked"
        REFUSED = "refused", "Refused"

    provider = models.ForeignKey(IdentityProvider, on_delete=models.PROTECT, related_name="identities")
    issuer = models.URLField(max_length=300)
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="identities")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    email = models.CharField(max_length=254, blank=True)
    name = models.CharField(max_length=200, blank=True)
    claimed_role = models.CharField(max_length=20, blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["first_seen_at"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="identity_issuer_subject_unique"),
            models.CheckConstraint(condition=~models.Q(status="linked") | models.Q(user__isnull=False),
                                   name="identity_linked_has_user"),
        ]

    def __str__(self):
        return f"{self.name or self.email or self.subject} at {self.provider}"


class ProviderSecondFactor(Device):
    """The second factor checked by an agency's provider (the ID token's amr or acr said so). It takes no code:
    django-otp marks a session verified with it only after such a sign-in (ADR 26)."""

    identity = models.OneToOneField(ExternalIdentity, on_delete=models.CASCADE, related_name="second_factor")

    def verify_token(self, token):
        return False
