"""Federation's background work: re-making the encodings other areas are answered from (ADR 30)."""

from django_tasks import task

from safehub.federation.publish import refresh_encodings


@task()
def refresh_federation_encodings():
    """Scheduled hourly: every encoding re-made under the current key (a rotated key replaces the old ones)."""
    return refresh_encodings()
