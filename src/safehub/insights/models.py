"""Published statistics: one frozen snapshot per period, written once by `insights.actions.publish_snapshot`."""

from django.conf import settings
from django.db import models


class PublishedSnapshot(models.Model):
    """The published tables of one period as they stood when published (after disclosure control), stamped
    with when, by whom, and the audit chain head at that moment. Later records never change it: pages and
    downloads are drawn from `tables`, not from the records. `digest` (SHA-256 of the tables and rules) is
    also in the audit event that records the publication, so an edit to a snapshot shows against the chain."""

    period = models.CharField(max_length=10, unique=True, help_text='"2026", "2026-q3" or "2026-09"')
    period_kind = models.CharField(max_length=10)
    period_label = models.CharField(max_length=40)
    period_start = models.DateField()
    period_end = models.DateField(help_text="The day after the last day")
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_by_name = models.CharField(max_length=200)
    audit_position = models.BigIntegerField(help_text="The audit chain head when it was published")
    audit_hash = models.CharField(max_length=64)
    rules = models.JSONField(help_text="Disclosure rules applied: suppress_below, round_to")
    tables = models.JSONField()
    digest = models.CharField(max_length=64)

    class Meta:
        ordering = ["-period_start", "period_kind"]

    def __str__(self):
        return f"Published figures: {self.period_label}"
