"""The audit trail is a hash chain: any edit, removal or insertion is found by position."""

import pytest

from safehub.audit.models import AuditEvent
from safehub.audit.trail import record, verify_chain

pytestmark = pytest.mark.django_db


def chain(n=5):
    for i in range(n):
        record("contact_viewed", object_type="contact", object_id=str(i))
    return list(AuditEvent.objects.order_by("position"))


def test_untouched_chain_verifies():
    assert verify_chain(chain()) is None


def test_edited_event_is_named():
    chain()
    AuditEvent.objects.filter(position=3).update(object_id="999")
    assert verify_chain(AuditEvent.objects.order_by("position")) == 3


def test_removed_event_is_named():
    chain()
    AuditEvent.objects.filter(position=2).delete()
    assert verify_chain(AuditEvent.objects.order_by("position")) == 2


def test_inserted_event_is_named():
    events = chain()
    forged = AuditEvent(**{f.attname: getattr(events[1], f.attname) for f in AuditEvent._meta.fields if f.attname != "id"})
    AuditEvent.objects.filter(position__gte=3).update(position=models_shift())
    forged.position = 3
    forged.object_id = "forged"
    forged.save(force_insert=True)
    assert verify_chain(AuditEvent.objects.order_by("position")) == 3


def models_shift():
    from django.db.models import F

    return F("position") + 100
