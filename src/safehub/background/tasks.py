"""The worker's own upkeep."""

from django_tasks import task

from safehub.background.queue import prune_finished


@task()
def prune_task_results():
    """Scheduled daily: finished task results are kept a week (failed ones a month), then deleted."""
    return prune_finished()
