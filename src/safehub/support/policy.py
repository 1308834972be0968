"""Who may open an adult survivor's record (registered with `safehub.access.policy`): like a report, the owning
agency's screeners, workers, managers, analysts and investigators; another agency's through a share (the
police, once the survivor is routed to them); never across a restriction. Plans, safe contact, consent and
Victims' Code notifications are reached only through the child, case or survivor record they belong to."""

from safehub.access.policy import AGENCY_READER_ROLES, owned_or_shared_unrestricted


def visible_survivors(queryset, user):
    return owned_or_shared_unrestricted(queryset, user, AGENCY_READER_ROLES)
