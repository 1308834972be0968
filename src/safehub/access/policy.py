"""The one access policy: who may see or change what.

Protected records are fetched only through `Model.objects.visible_to(user)`; changes ask `can(user, verb,
record)` inside their action function. A user who has not passed the second factor sees nothing.
"""

from django.core.exceptions import PermissionDenied
from django.db import models

SCREENING_ROLES = {"screener", "manager"}
AGENCY_READER_ROLES = {"screener", "worker", "manager", "analyst"}


def is_signed_in(user):
    """Password and second factor passed (or an agency system authenticated by token).

    A user from a web request carries django-otp's is_verified(). A user loaded outside a request (a
    management command, the demo loader) or authenticated by an API token has none: they act on the
    authority of whoever ran the command or holds the token.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    is_verified = getattr(user, "is_verified", None)
    return user.is_system or is_verified is None or is_verified()


def _visible_contacts(queryset, user):
    if user.role == "referrer":
        return queryset.filter(referrer=user)
    if user.role in AGENCY_READER_ROLES and user.agency_id:
        return queryset.filter(owning_agency_id=user.agency_id)
    return queryset.none()


_VISIBILITY_RULES = {"intake.contact": _visible_contacts}


class VisibleQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not is_signed_in(user):
            return self.none()
        rule = _VISIBILITY_RULES[self.model._meta.label_lower]
        return rule(self, user)


def can(user, verb, record):
    """May this user do this to this record? Verbs: 'view', 'screen', 'see_escalations'."""
    if not is_signed_in(user):
        return False
    if verb == "view":
        return type(record).objects.visible_to(user).filter(pk=record.pk).exists()
    if verb == "screen":
        return user.role in SCREENING_ROLES and record.owning_agency_id == user.agency_id
    if verb == "see_escalations":
        return user.role == "manager"
    return False


def require(user, verb, record):
    if not can(user, verb, record):
        raise PermissionDenied(f"Not allowed to {verb} this record.")


def has_role(user, *roles):
    return is_signed_in(user) and user.role in roles
