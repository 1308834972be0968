from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One entry of the append-only, hash-chained audit trail. Written only by safehub.audit.record().

    The trail is `shard` chains side by side, each with its own lock and head; `position` counts within its
    shard. Anchors tie the shards' heads into one root chain (ADR 22)."""

    shard = models.PositiveSmallIntegerField(default=0, db_default=0)
    position = models.BigIntegerField()
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    agency_code = models.CharField(max_length=30, blank=True)
    role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    reason = models.TextField(blank=True)
    client_address = models.CharField(max_length=45, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["at", "shard", "position"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        constraints = [models.UniqueConstraint(fields=["shard", "position"], name="audit_one_event_per_shard_position")]

    def __str__(self):
        return f"#{self.shard}.{self.position} {self.action} {self.object_type}:{self.object_id}"


class AuditAnchor(models.Model):
    """One entry of the root chain: the head (position and hash) of every shard as it stood, hashed with the
    previous anchor. Written by safehub.audit.trail.anchor(); append-only like the events."""

    position = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    heads = models.TextField(help_text="shard:position:hash for each shard, comma-separated, by shard")
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["position"]
