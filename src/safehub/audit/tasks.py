"""The audit trail's background work: pinning every shard's head into the root chain (ADR 22)."""

from django_tasks import task

from safehub.audit.trail import anchor


@task()
def anchor_audit_shards():
    """Scheduled every minute: events after the last anchor are the only ones a rewrite could cut unseen."""
    return anchor().position
