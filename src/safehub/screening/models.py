from django.conf import settings
from django.db import models


class Notification(models.Model):
    """Something a user must see in Safehub: the outcome of their referral, an overdue escalation, a case
    allocated to them, a disclosure."""

    class Kind(models.TextChoices):
        OUTCOME = "outcome", "Outcome of your referral"
        ESCALATION = "escalation", "Overdue contact escalated"
        ALLOCATION = "allocation", "Case allocated to you"
        DISCLOSURE = "disclosure", "Disclosure recorded: police and social care notified"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    contact = models.ForeignKey("intake.Contact", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="notifications")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    message = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "contact", "kind"], name="one_notification_per_kind")]
