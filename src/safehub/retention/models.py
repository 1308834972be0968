"""Retention: each record under a review schedule, and the log of what was disposed of."""

from django.conf import settings
from django.db import models


class Kind(models.TextChoices):
    CONTACT = "contact", "Report"
    INTELLIGENCE = "intelligenceitem", "Intelligence item"


class RetentionReview(models.Model):
    """One record under a schedule: its group and the day it is next due for review (from the clock).
    Written by `safehub.retention.review.run_due_reviews` and the decisions in `actions.py`."""

    kind = models.CharField(max_length=20, choices=Kind.choices)
    record_id = models.BigIntegerField()
    reference = models.CharField(max_length=20)
    owning_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    group = models.CharField(max_length=40)
    recorded_on = models.DateField(help_text="The record's own date the schedule counts from")
    due_on = models.DateField(db_index=True)
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    last_reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+")
    last_reason = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "record_id"], name="one_review_per_record")]
        ordering = ["due_on", "reference"]

    def __str__(self):
        return f"{self.reference} ({self.group}) due {self.due_on}"

    @property
    def group_label(self):
        return settings.SAFEHUB_RETENTION_GROUPS.get(self.group, {}).get("label", self.group)


class Disposal(models.Model):
    """One line of the disposal log: what kind of record and its reference, who, when, why, under which
    schedule. It outlives the record and holds none of its content."""

    kind = models.CharField(max_length=20, choices=Kind.choices)
    record_id = models.BigIntegerField(help_text="The id audit events name the record by")
    reference = models.CharField(max_length=20)
    owning_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    group = models.CharField(max_length=40)
    schedule = models.CharField(max_length=200, help_text="The group's label as it stood at disposal")
    recorded_on = models.DateField()
    due_on = models.DateField()
    disposed_at = models.DateTimeField()
    disposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    removed = models.JSONField(default=dict, help_text="How many rows of each kind went with it")

    class Meta:
        ordering = ["-disposed_at"]

    def __str__(self):
        return f"{self.reference} disposed {self.disposed_at:%Y-%m-%d} by {self.disposed_by}"
