"""Network upkeep off the request (ADR 28): a change to a record (a report filed or added to, a link judged,
a selector marked, children's records merged) only notes the records it changed (`networks_changed`); the
background worker's `update_networks` then brings the networks of all of them up to date at once, with the
incremental `networks.update_networks_for`, and recomputes in full any set that upkeep could not follow."""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django_tasks import task

from safehub.accounts.models import User
from safehub.linking import filing, networks
from safehub.linking.models import NetworkState, PendingNetworkChange

logger = logging.getLogger(__name__)

# A run is taken as waiting until this long before it is due: the worker that starts it reads its own clock.
UPKEEP_CLOCK_MARGIN = timedelta(seconds=2)


def intelligence_sets_in_use():
    """The (name, items) pairs of the intelligence sets the active staff are shown networks with, one each."""
    sets = {}
    for user in User.objects.filter(is_active=True, is_system=False).filter(~Q(role="referrer")).select_related("agency"):
        readable = networks.readable_intelligence(user)
        sets.setdefault(readable[0], readable)
    return list(sets.values())


@task()
def update_networks():
    """Bring the networks up to date with every record changed since the last run: the incremental update for
    all of them at once; every set in use but never computed, and every set upkeep could not follow
    (`networks.sets_needing_full`), recomputed in full. Returns how many changes were taken."""
    with transaction.atomic():
        last = PendingNetworkChange.objects.aggregate(last=Max("pk"))["last"]
        taken = PendingNetworkChange.objects.filter(pk__lte=last or 0)
        # Locked (PostgreSQL): a second worker running this waits, then finds them gone, never applies them twice.
        changes = list(taken.select_for_update().values_list("record", "new"))
        try:
            with transaction.atomic():
                networks.update_networks_for({record for record, _ in changes},
                                             {record for record, new in changes if new})
        except Exception:  # noqa: BLE001 (a failing update must not hold the changes back for ever)
            logger.exception("Network upkeep failed for %d changes; every set is recomputed in full", len(changes))
            NetworkState.objects.update(needs_full=True)
        taken.delete()  # changes noted meanwhile stay for the next run
    computed = set(NetworkState.objects.values_list("intelligence_seen", flat=True))
    for readable in intelligence_sets_in_use():
        if networks.intelligence_seen(readable[0]) not in computed:
            networks.recompute_all_networks(readable)
    if networks.sets_needing_full():
        networks.recompute_every_set()
    return len(changes)


def networks_changed(records, new=()):
    """Note that these records changed (call inside the transaction that changed them) and ask the worker to
    bring their networks up to date SAFEHUB_NETWORK_UPKEEP_DELAY_SECONDS from now: one run waits in the queue
    at a time however many changes come in, so a burst of reports costs one update, not one per report."""
    from safehub.background.queue import enqueue_once

    records, new = set(records), set(new)
    if not records:
        return
    PendingNetworkChange.objects.bulk_create(
        (PendingNetworkChange(record=record, new=record in new) for record in sorted(records)), batch_size=2000)
    run = filing.current()
    if run is not None and run.get("upkeep_due") and timezone.now() < run["upkeep_due"]:
        return  # a run known to be waiting takes these changes (ADR 38)
    enqueued, due = enqueue_once(update_networks, delay=timedelta(seconds=settings.SAFEHUB_NETWORK_UPKEEP_DELAY_SECONDS))
    if run is not None and due is not None:
        # A run waiting since before this report stays until it is due; one enqueued now, once this report commits.
        remember = partial(run.__setitem__, "upkeep_due", due - UPKEEP_CLOCK_MARGIN)
        if enqueued:
            transaction.on_commit(remember)
        else:
            remember()
