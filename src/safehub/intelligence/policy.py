"""Who may open people of concern, intelligence and operations (registered with `safehub.access.policy`).

- A person of concern and an operation: the owning agency's managers, workers, analysts and investigators,
  another agency's through a share, never across a restriction the user is not on.
- An intelligence item is closed: only the owning agency's analysts and investigators open it. Partners
  read the sanitised summary where the handling code allows (`sanitised_summaries`), never the item.
- Sharing, transferring, restricting and breaking the glass follow the general rule for people of concern and
  operations. An intelligence item is never shared nor opened by breaking the glass (a partner reads the
  sanitised summary; a restriction on an item protects a source); its owning agency's analysts and
  investigators restrict it to named colleagues and may offer it to another police force (ADR 15).
- Running an operation (opening one, adding people and children, the problem profile, disruption, breaches,
  justice steps, closing it) is for the analysts, investigators and managers of the agency that owns it who
  may open it; a partner it is shared with reads it.
"""

import re

from safehub.access.policy import (NOTHING, accepted_transfers, has_role, is_visible, owned_or_shared_unrestricted,
                                   restricted_against)

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


def named_intelligence(queryset, user):
    """`visible_intelligence` named by its rule rather than by its items, in at most three small queries:
    ("none", no items) or ("agency <id>, <transfers of items so far>, without <ids of the agency's items
    restricted against the user>", those items). Linking names the networks a user is shown by this, and reads
    the items only when it computes them. Two users given the same name read the same items: the name changes
    with the user's role and agency, with a restriction that keeps them out or lets them in, and with every
    transfer of an item; an item recorded since only adds to the set (its mentions are a change the worker's
    network upkeep brings in, ADR 28)."""
    if user.role not in INTELLIGENCE_READERS or not user.agency_id:
        return NOTHING, queryset.none()
    own = queryset.filter(owning_agency_id=user.agency_id)
    if not own.exists():
        return NOTHING, queryset.none()
    locked, _ = restricted_against(queryset.model, user)
    kept_out = sorted(own.filter(pk__in=locked).values_list("pk", flat=True))
    name = f"agency {user.agency_id}, {accepted_transfers(queryset.model)}, without {kept_out}"
    return name, own.exclude(pk__in=kept_out)


def items_named(queryset, name):
    """The items of a set `named_intelligence` named, read again from its name alone (networks are kept up to date
    for each set without a user at hand); None when the name no longer fits (an item has changed agency since)."""
    match = re.fullmatch(r"agency (\d+), (.*), without \[([\d, ]*)\]", name)
    if match is None or match.group(2) != accepted_transfers(queryset.model):
        return None
    kept_out = [int(pk) for pk in match.group(3).split(",") if pk.strip()]
    return queryset.filter(owning_agency_id=int(match.group(1))).exclude(pk__in=kept_out)


def item_verbs(user, verb, item):
    """How an intelligence item departs from the general rule of `access.policy.can` (ADR 15): never shared
    (partners read the sanitised summary) nor opened by breaking the glass (a restriction on an item protects a
    source); restricted by its owning agency's analysts and investigators, who may also offer it to another
    police force unless its 5x5x5 handling code keeps it in the originating agency."""
    if verb in ("share", "break_glass"):
        return False
    if verb in ("restrict", "transfer"):
        readers = user.role in INTELLIGENCE_READERS and item.owning_agency_id == user.agency_id
        kept_home = verb == "transfer" and item.scheme == "5x5x5" and item.handling_code in ("4", "5")
        return readers and not kept_home
    return None


def may_open_operations(user):
    """May this user open a new operation (for their own agency)?"""
    return has_role(user, *OPERATION_RUNNERS) and bool(user.agency_id)


def may_run(user, operation, *, visible=None):
    """May this user change this operation? Pass visible=True for one just fetched through visible_to(user)."""
    if not has_role(user, *OPERATION_RUNNERS) or operation.owning_agency_id != user.agency_id:
        return False
    return visible if visible is not None else is_visible(user, operation)
