from django.contrib.auth.models import AbstractUser
from django.db import models


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
