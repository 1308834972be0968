"""Network upkeep off the page: after new mentions or link judgements the worker recomputes the networks, so
the pages normally find fresh rows (`networks.current_networks` still recomputes when they are stale)."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django_tasks import task

from safehub.accounts.models import User
from safehub.linking import networks
from safehub.linking.models import Network


def intelligence_sets_in_use():
    """The (name, items) pairs of the intelligence sets the active staff are shown networks with, one each."""
    sets = {}
    for user in User.objects.filter(is_active=True, is_system=False).filter(~Q(role="referrer")).select_related("agency"):
        readable = networks.readable_intelligence(user)
        sets.setdefault(readable[0], readable)
    return list(sets.values())


@task()
def recompute_networks():
    """Recompute the networks of every intelligence set in use whose rows are not of the current generation."""
    computed = 0
    for readable in intelligence_sets_in_use():
        current = Network.objects.filter(generation=networks.current_generation(),
                                         intelligence_seen=networks.intelligence_seen(readable[0]))
        if not current.exists():
            networks.compute(readable)
            computed += 1
    return computed


def networks_changed():
    """Ask the worker to recompute the networks (call inside the transaction that changed mentions or links),
    SAFEHUB_NETWORK_UPKEEP_DELAY_SECONDS from now: one request waits in the queue at a time however many
    changes come in, so a steady stream of reports costs one recomputation per delay, not one per report."""
    from safehub.background.queue import enqueue_once

    enqueue_once(recompute_networks, delay=timedelta(seconds=settings.SAFEHUB_NETWORK_UPKEEP_DELAY_SECONDS))
