"""The access room's background work: reminding the people who restricted a record that its review is due."""

from django_tasks import task

from safehub import clock
from safehub.access import actions
from safehub.access.models import Restriction


@task()
def remind_restriction_reviews():
    """Scheduled daily: each active restriction whose review date has come is reminded to the manager who made
    it (by e-mail, audited), once a review date."""
    due = Restriction.objects.active().filter(review_due__lte=clock.today()).select_related("created_by")
    return sum(actions.remind_restriction_review(restriction) for restriction in due)
