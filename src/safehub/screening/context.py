from safehub.access.policy import has_role
from safehub.screening.queries import queue_counts as counts_for


def queue_counts(request):
    """The 'due today' and 'overdue' counts shown on every page for screeners and managers."""
    user = getattr(request, "user", None)
    if not has_role(user, "screener", "manager"):
        return {}
    return {"queue_counts": counts_for(user)}
