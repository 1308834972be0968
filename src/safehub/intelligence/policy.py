"""Who may open people of concern, intelligence and operations (registered with `safehub.access.policy`).

- A person of concern and an operation: the owning agency's managers, workers, analysts and investigators,
  another agency's through a share, never across a restriction the user is not on.
- An intelligence item is closed: only the owning agency's analysts and investigators open it. Partners
  read the sanitised summary where the handling code allows (`sanitised_summaries`), never the item.
"""

from safehub.access.policy import owned_or_shared_unrestricted, restricted_against

INTELLIGENCE_READERS = {"analyst", "investigator"}
PERSON_READERS = {"worker", "manager", "analyst", "investigator"}
OPERATION_READERS = {"worker", "manager", "analyst", "investigator"}


def visible_people(queryset, user):
    return owned_or_shared_unrestricted(queryset, user, PERSON_READERS)


def visible_operations(queryset, user):
    return owned_or_shared_unrestricted(queryset, user, OPERATION_READERS)


def visible_intelligence(queryset, user):
    if user.role not in INTELLIGENCE_READERS or not user.agency_id:
        return queryset.none()
    locked, glass = restricted_against(queryset.model, user)
    return queryset.filter(owning_agency_id=user.agency_id).exclude(pk__in=locked)
