"""Shares, transfers, restrictions and break-glass: the records behind the one access policy.

Each points at a protected record by content type and id, so the same rules cover reports today and
children, cases and intelligence later.
"""

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

RESTRICTION_REVIEW_DAYS = 90


class LawfulBasis(models.TextChoices):
    SAFEGUARDING = "dpa_s1_p18", "DPA 2018 Schedule 1 para 18: safeguarding of children and individuals at risk"
    PUBLIC_TASK = "public_task", "UK GDPR Article 6(1)(e): public task"
    LEGAL_OBLIGATION = "legal_obligation", "UK GDPR Article 6(1)(c): legal obligation"
    LAW_ENFORCEMENT = "dpa_part3", "DPA 2018 Part 3: law enforcement processing"
    CONSENT = "consent", "Consent of the child or family"


class RecordPointer(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()

    class Meta:
        abstract = True
        indexes = [models.Index(fields=["content_type", "object_id"])]

    @classmethod
    def pointing_at(cls, record):
        return cls.objects.filter(content_type=ContentType.objects.get_for_model(record), object_id=record.pk)


class ShareQuerySet(models.QuerySet):
    def active(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))


class Share(RecordPointer):
    """Access for another agency's staff to one record (a referral in Primero's terms); the owner stays."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="shares_received")
    purpose = models.TextField()
    lawful_basis = models.CharField(max_length=30, choices=LawfulBasis.choices)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revoke_reason = models.TextField(blank=True)

    objects = ShareQuerySet.as_manager()

    class Meta(RecordPointer.Meta):
        ordering = ["-granted_at"]

    @property
    def is_active(self):
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())


class Transfer(RecordPointer):
    """A change of owning agency, proposed by the owner and accepted (or declined) by the receiver."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the receiving agency"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    from_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    to_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="transfers_in")
    reason = models.TextField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta(RecordPointer.Meta):
        ordering = ["-requested_at"]


class RestrictionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(lifted_at__isnull=True)


class Restriction(RecordPointer):
    """A record locked to a named allow-list. Reviewed every 90 days."""

    class Reason(models.TextChoices):
        STAFF_CONFLICT = "staff_conflict", "Staff conflict of interest"
        HIGH_PROFILE = "high_profile", "High-profile person or case"
        WITNESS_PROTECTION = "witness_protection", "Witness protection"
        HIGH_RISK_INTELLIGENCE = "high_risk_intelligence", "High-risk intelligence"

    reason_kind = models.CharField(max_length=30, choices=Reason.choices)
    reason = models.TextField()
    allowed_users = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="restrictions_allowed")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    review_due = models.DateField()
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = RestrictionQuerySet.as_manager()

    class Meta(RecordPointer.Meta):
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], condition=models.Q(lifted_at__isnull=True),
                                    name="one_active_restriction_per_record"),
        ]

    @staticmethod
    def review_date_from(day):
        return day + dt.timedelta(days=RESTRICTION_REVIEW_DAYS)


class BreakGlass(RecordPointer):
    """A manager outside a restriction's allow-list opened the record anyway, for one session, with a reason."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass")
    reason = models.TextField()
    at = models.DateTimeField(default=timezone.now)
    session_key = models.CharField(max_length=64)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta(RecordPointer.Meta):
        ordering = ["-at"]
