"""Who may open people of concern, intelligence and operations (registered with `safehub.access.policy`).

- A person of concern and an operation: the owning agency's managers, workers, analysts and investigators,
  another agency's through a share, never across a restriction the user is not on.
- An intelligence item is closed: only the owning agency's analysts and investigators open it. Partners
  read the sanitised summary where the handling code allows (`sanitised_summaries`), never the item.
- Running an operation (opening one, adding people and children, the problem profile, disruption, breaches,
  justice steps, closing it) is for the analysts, investigators and managers of the agency that owns it who
  may open it; a partner it is shared with reads it.
"""

from safehub.access.policy import has_role, is_visible, owned_or_shared_unrestricted, restricted_against

INTELLIGENCE_READERS = {"analyst", "investigator"}
PERSON_READERS = {"worker", "manager", "analyst", "investigator"}
OPERATION_READERS = {"worker", "manager", "analyst", "investigator"}
OPERATION_RUNNERS = {"analyst", "investigator", "manager"}


def visible_people(queryset, user):
    return owned_or_shared_unrestricted(queryset, user, PERSON_READERS)


def visible_operations(queryset, user):
    return owned_or_shared_unrestricted(queryset, user, OPERATION_READERS)


def visible_intelligence(queryset, user):
    if user.role not in INTELLIGENCE_READERS or not user.agency_id:
        return queryset.none()
    locked, glass = restricted_against(queryset.model, user)
    return queryset.filter(owning_agency_id=user.agency_id).exclude(pk__in=locked)


def may_open_operations(user):
    """May this user open a new operation (for their own agency)?"""
    return has_role(user, *OPERATION_RUNNERS) and bool(user.agency_id)


def may_run(user, operation, *, visible=None):
    """May this user change this operation? Pass visible=True for one just fetched through visible_to(user)."""
    if not has_role(user, *OPERATION_RUNNERS) or operation.owning_agency_id != user.agency_id:
        return False
    return visible if visible is not None else is_visible(user, operation)
