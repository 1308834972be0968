"""What the support room adds to other rooms' pages (registered in SupportConfig.ready), and the helpers its
own pages share: safe contact first, wherever a way of contacting the person is shown."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404

from safehub.access.policy import can, has_role
from safehub.audit.trail import record as audit
from safehub.intake.models import Contact
from safehub.support.models import AdultSurvivor, SafeContact, VictimNotification


def safe_contact_of(person):
    """The person's SafeContact (child or survivor), or None."""
    field = "survivor" if isinstance(person, AdultSurvivor) else "child"
    return SafeContact.objects.filter(**{field: person}).first()


def safe_panel(request, person, *, edit_url=None):
    return {"safe": safe_contact_of(person), "person": person, "edit_url": edit_url,
            "can_work": can(request.user, "work", person, visible=True)}


def child_support_section(request, child):
    from django.urls import reverse

    from safehub.support.models import Consent

    return {"template": "support/child_top.html",
            "panel": safe_panel(request, child, edit_url=reverse("support:child_safe_contact", args=[child.reference])),
            "consents": list(Consent.objects.filter(child=child).select_related("agency")),
            "consent_form": None, "child": child,
            "consent_url": reverse("support:child_consent", args=[child.reference]),
            "notifications": list(VictimNotification.objects.filter(child=child, told_at__isnull=True)
                                  .select_related("step"))}


def case_support_section(request, case):
    from django.urls import reverse

    return {"template": "support/case_top.html", "case": case,
            "panel": safe_panel(request, case.child,
                                edit_url=reverse("support:child_safe_contact", args=[case.child.reference])),
            "plan_url": reverse("support:case_plan", args=[case.reference])}


def contact_survivor_section(request, contact):
    """A non-recent report: what the survivor wants and how to contact them safely, before the reporter's
    details; and the adult survivor record opened from it, or the button to open one."""
    if contact.kind != Contact.Kind.NON_RECENT:
        return None
    answers = getattr(contact, "survivor_answers", None)
    records = AdultSurvivor.objects.visible_to(request.user).filter(contact=contact)
    return {"template": "support/contact_survivor.html", "answers": answers, "records": list(records),
            "can_open": can(request.user, "screen", contact, visible=True)
            and not AdultSurvivor.objects.filter(contact=contact).exists()}


def open_survivor(request, reference, *, audit_view=True):
    found = AdultSurvivor.objects.visible_to(request.user).filter(reference=reference).select_related(
        "contact", "owning_agency").first()
    if found is None:
        audit("access_denied", user=request.user, object_type="adultsurvivor", object_id=str(reference)[:40],
              request=request)
        raise Http404("No survivor record with that reference that you can open")
    if audit_view and request.method == "GET":
        audit("survivor_viewed", user=request.user, obj=found, request=request)
    return found


def with_survivor(verb="view"):
    """Open the adult survivor named by the URL through the policy (a GET is audited) and check the user may
    `verb` it before the view reads any input."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, reference, **kwargs):
            survivor = open_survivor(request, reference)
            if not can(request.user, verb, survivor, visible=True):
                raise PermissionDenied("Your role or agency does not allow this.")
            return view(request, survivor, **kwargs)

        return wrapper

    return decorator


def notifications_for(user):
    """Victims' Code notifications about victims this user may open, not yet told, soonest first."""
    from safehub.cases.models import Child

    if not has_role(user, "worker", "manager", "investigator", "screener", "analyst"):
        return VictimNotification.objects.none()
    children = Child.objects.visible_to(user).values("pk")
    survivors = AdultSurvivor.objects.visible_to(user).values("pk")
    from django.db.models import Q

    return (VictimNotification.objects.filter(Q(child__in=children) | Q(survivor__in=survivors))
            .select_related("child", "survivor", "step", "told_by").order_by("due_at", "pk"))
