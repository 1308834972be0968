"""The one access policy: who may see or change what.

Protected records are fetched only through `Model.objects.visible_to(user)`; changes ask `can(user, verb,
record)` inside their action function. The rules:

- nobody sees anything without the password and the second factor (agency systems: a token);
- a record is visible to its owning agency's staff whose role reads records, and to another agency's such
  staff only through an active share; a referrer sees only their own referrals;
- a restricted record is visible only to its allow-list, and to a manager who broke the glass with a
  reason in the current session;
- administrators and scrutiny users read no case content by virtue of their role.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models

SCREENING_ROLES = {"screener", "manager"}
AGENCY_READER_ROLES = {"screener", "worker", "manager", "analyst", "investigator"}
CASE_WORK_ROLES = {"worker", "manager"}


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


def has_role(user, *roles):
    return is_signed_in(user) and user.role in roles


def _record_ids(model, queryset):
    return queryset.filter(content_type=ContentType.objects.get_for_model(model)).values("object_id")


def shared_with(model, agency_id):
    from safehub.access.models import Share

    return _record_ids(model, Share.objects.active().filter(agency_id=agency_id))


def restricted_against(model, user):
    """Ids of this model's records that are restricted and whose allow-list leaves this user out."""
    from safehub.access.models import BreakGlass, Restriction

    locked = _record_ids(model, Restriction.objects.active().exclude(allowed_users=user))
    session_key = getattr(user, "access_session_key", None)
    glass = _record_ids(model, BreakGlass.objects.filter(user=user, session_key=session_key or "-"))
    return locked, glass


def _owned_or_shared(queryset, user, also=None):
    shared = shared_with(queryset.model, user.agency_id)
    reach = models.Q(owning_agency_id=user.agency_id) | models.Q(pk__in=shared)
    return queryset.filter(reach | also if also is not None else reach)


def _without_restricted(queryset, user):
    locked, glass = restricted_against(queryset.model, user)
    return queryset.exclude(models.Q(pk__in=locked) & ~models.Q(pk__in=glass))


def _visible_contacts(queryset, user):
    if user.role == "referrer":
        queryset = queryset.filter(referrer=user)
    elif user.role in AGENCY_READER_ROLES and user.agency_id:
        queryset = _owned_or_shared(queryset, user)
    else:
        return queryset.none()
    return _without_restricted(queryset, user)


def _visible_cases(queryset, user):
    if user.role not in AGENCY_READER_ROLES or not user.agency_id:
        return queryset.none()
    return _without_restricted(_owned_or_shared(queryset, user), user)


def _visible_children(queryset, user):
    """A child's record is open to the agencies that own or were shared it, and to those who may open one of
    the child's cases."""
    if user.role not in AGENCY_READER_ROLES or not user.agency_id:
        return queryset.none()
    from safehub.cases.models import Case

    with_case = models.Q(pk__in=Case.objects.visible_to(user).values("child_id"))
    return _without_restricted(_owned_or_shared(queryset, user, also=with_case), user)


_VISIBILITY_RULES = {"intake.contact": _visible_contacts, "cases.case": _visible_cases,
                     "cases.child": _visible_children}
_NAMED_RULES = {}
_VERB_RULES = {}
NOTHING = "none"


def register_visibility(label, rule, *, named=None, verbs=None):
    """A record kind of a higher room (intelligence, support) registers its own rule, as Django apps register
    admin classes: `rule(queryset, user)` returns the records the (signed-in) user may open.

    `named(queryset, user)`, if given, returns (name, records): the same records, with a name for the set made
    from the rule that gives it rather than from its members, read in a few small queries (`visible_named`).
    `verbs(user, verb, record)`, if given, answers True or False for the verbs where the kind departs
    from the general rule of `can` (asked about a record the user may open; for "break_glass", one they may
    not), and None for the others."""
    _VISIBILITY_RULES[label] = rule
    if named is not None:
        _NAMED_RULES[label] = named
    if verbs is not None:
        _VERB_RULES[label] = verbs


def visible_named(model, user):
    """(name, records) for the records of this kind the user may open, for a kind that registered `named`:
    two users given the same name may open the same records, and the records are only read when asked for
    (linking reads them only when it recomputes the networks this name is shown)."""
    if not is_signed_in(user):
        return NOTHING, model.objects.none()
    return _NAMED_RULES[model._meta.label_lower](model.objects.all(), user)


def accepted_transfers(model):
    """How many records of this kind have changed owner, and when the last did: part of the name of a set
    of records defined by their owner (`visible_named`), so the name changes whenever the set's members do."""
    from safehub.access.models import Transfer

    moved = Transfer.objects.filter(content_type=ContentType.objects.get_for_model(model),
                                    status=Transfer.Status.ACCEPTED).aggregate(count=models.Count("pk"),
                                                                               last=models.Max("decided_at"))
    return f"{moved['count']} transfers, last {moved['last']}"


def owned_or_shared_unrestricted(queryset, user, roles):
    """The common rule: the owning agency's staff in `roles`, another agency's through a share, never across
    a restriction the user is not on."""
    if user.role not in roles or not user.agency_id:
        return queryset.none()
    return _without_restricted(_owned_or_shared(queryset, user), user)


class VisibleQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not is_signed_in(user):
            return self.none()
        rule = _VISIBILITY_RULES[self.model._meta.label_lower]
        return rule(self, user)


def is_visible(user, record):
    return type(record).objects.visible_to(user).filter(pk=record.pk).exists()


def would_see_but_for_restriction(user, record):
    """The record is restricted against this user, who would otherwise see it (the break-glass case)."""
    from safehub.access.models import Restriction

    if _kind_says(user, "break_glass", record) is False:
        return False
    if not has_role(user, *AGENCY_READER_ROLES) or is_visible(user, record):
        return False
    if not Restriction.pointing_at(record).active().exists():
        return False
    owns = getattr(record, "owning_agency_id", None) == user.agency_id
    return owns or shared_with(type(record), user.agency_id).filter(object_id=record.pk).exists()


def _kind_says(user, verb, record):
    """The record kind's own answer (`register_visibility(verbs=...)`), or None where the general rule holds."""
    rule = _VERB_RULES.get(record._meta.label_lower) if record is not None else None
    return rule(user, verb, record) if rule is not None else None


def can(user, verb, record=None, *, visible=None):
    """May this user do this (to this record)? Pass visible=True for a record just fetched through
    visible_to(user), to save asking the database again.

    Verbs: 'view'; 'screen' (priority, decision, closure, opening a case from a report); 'work' (record
    screenings, notes, actions and meetings on a case or child: workers and managers who can open it);
    'manage' (allocate, extend, sign off closure, reopen: managers of the owning agency); 'share', 'transfer', 'restrict' (the owning
    agency's screeners and managers; restrict: managers only); 'accept_transfer' (the receiving agency's
    managers); 'break_glass' (a manager kept out by a restriction); 'see_audit' (scrutiny, and managers of
    a record they can open); 'administer' (administrators). A record kind may answer some verbs its own way
    (`register_visibility(verbs=...)`): intelligence items are never shared nor opened by breaking the glass.
    """
    if not is_signed_in(user):
        return False
    if verb == "administer":
        return user.role == "admin"
    if verb == "see_audit" and record is None:
        return user.role == "scrutiny"
    if verb == "break_glass":
        return user.role == "manager" and would_see_but_for_restriction(user, record)
    if verb == "accept_transfer":
        return user.role == "manager" and record.to_agency_id == user.agency_id
    if not (visible if visible is not None else is_visible(user, record)):
        return verb == "see_audit" and user.role == "scrutiny"
    answer = _kind_says(user, verb, record)
    if answer is not None:
        return answer
    owner = getattr(record, "owning_agency_id", None) == user.agency_id
    if verb == "view":
        return True
    if verb == "screen":
        return user.role in SCREENING_ROLES and owner
    if verb == "work":
        return user.role in CASE_WORK_ROLES
    if verb == "manage":
        return user.role == "manager" and owner
    if verb in {"share", "transfer"}:
        return user.role in SCREENING_ROLES and owner
    if verb == "restrict":
        return user.role == "manager" and owner
    if verb == "see_audit":
        return user.role in {"manager", "scrutiny"}
    return False


def require(user, verb, record=None):
    if not can(user, verb, record):
        raise PermissionDenied(f"Not allowed to {verb.replace('_', ' ')} this record.")
