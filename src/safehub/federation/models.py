"""What this partnership publishes to the federation (encodings), and what its analysts asked of it."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Encoding(models.Model):
    """One published encoding: a selector's keyed hash (hex) or a person's CLK (base64), under one key."""

    class Kind(models.TextChoices):
        PHONE = "phone", "Phone"
        VEHICLE = "vehicle", "Vehicle"
        HANDLE = "handle", "Online account"
        PERSON = "person", "Person"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    key_id = models.CharField(max_length=40)
    value = models.CharField(max_length=200)
    entity = models.ForeignKey("linking.Entity", null=True, on_delete=models.CASCADE, related_name="+")
    made_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["key_id", "kind", "value"])]


class Question(models.Model):
    """An analyst's "ask other areas" about a person of concern, and each partner's answer:
    [{partner, name, outcome, strength, matched, contact}] with outcome match, no_match, refused, no_answer,
    other_key or untrusted."""

    person = models.ForeignKey("intelligence.PersonOfConcern", on_delete=models.CASCADE, related_name="+")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(default=timezone.now)
    key_id = models.CharField(max_length=40)
    encodings = models.PositiveIntegerField()
    answers = models.JSONField(default=list)

    class Meta:
        ordering = ["-asked_at", "-pk"]
