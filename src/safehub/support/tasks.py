"""The support room's background work: Victims' Code notifications not told in time escalate."""

from django_tasks import task

from safehub.support import actions


@task()
def escalate_victims_code():
    """Scheduled: Victims' Code notifications past their deadline (from the clock) escalate once, audited."""
    return actions.escalate_victims_code()
