"""The audit trail: every protected read and every change writes one event here.

Events form a hash chain: each stores SHA-256 over its own content and the previous event's hash, so an
edit, deletion or insertion anywhere breaks the chain. Writers take a lock on the chain head for the
rest of their transaction so that concurrent requests cannot fork it.
"""

import hashlib
import json

from django.db import connection, transaction
from django.utils import timezone

from safehub.audit.models import AuditEvent

GENESIS_HASH = "0" * 64
_CHAIN_LOCK_KEY = 7_301_944  # arbitrary constant naming the audit chain's advisory lock on PostgreSQL


def client_address(request):
    from safehub.intake.ratelimit import client_ip

    return client_ip(request) if request is not None else ""


def event_hash(previous_hash, fields):
    payload = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((previous_hash + payload).encode()).hexdigest()


def hashed_fields(event):
    return {
        "position": event.position,
        "at": event.at.isoformat(),
        "actor": event.actor_id,
        "actor_name": event.actor_name,
        "agency_code": event.agency_code,
        "role": event.role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "reason": event.reason,
        "client_address": event.client_address,
        "user_agent": event.user_agent,
    }


def _lock_chain_head():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    # SQLite runs IMMEDIATE transactions: the write lock is already held for the whole transaction.


def record(action, *, user=None, obj=None, object_type="", object_id="", reason="", request=None):
    """Append one audit event. Call inside the transaction of the change it records."""
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id or str(obj.pk)
    actor = user if user is not None and user.is_authenticated else None
    with transaction.atomic():
        _lock_chain_head()
        last = AuditEvent.objects.order_by("-position").values_list("position", "hash").first()
        position, previous_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        event = AuditEvent(
            position=position,
            at=timezone.now(),
            actor=actor,
            actor_name=actor.username if actor else "",
            agency_code=actor.agency.code if actor and actor.agency_id else "",
            role=actor.role if actor else "public",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            reason=reason[:2000],
            client_address=client_address(request),
            user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:300],
            previous_hash=previous_hash,
        )
        event.hash = event_hash(previous_hash, hashed_fields(event))
        event.save(force_insert=True)
    return event


def verify_chain(events):
    """Return the position of the first event that breaks the chain, or None if it is whole."""
    previous_hash = GENESIS_HASH
    expected_position = 1
    for event in events:
        if event.position != expected_position or event.previous_hash != previous_hash:
            return expected_position
        if event_hash(previous_hash, hashed_fields(event)) != event.hash:
            return event.position
        previous_hash = event.hash
        expected_position += 1
    return None
