"""Adult survivor records, support plans, safe contact, consent and the Victims' Code list. Views stay thin:
every change is a function in `safehub.support.actions`."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from safehub import clock
from safehub.access.models import Share
from safehub.access.policy import can, has_role
from safehub.access.records import with_record
from safehub.access.routes import READERS
from safehub.accounts.decorators import role_required
from safehub.forms import add_action_error, error_summary
from safehub.intake.models import SafeContactFields
from safehub.support import actions, forms
from safehub.support.models import AdultSurvivor, SupportService
from safehub.support.pages import notifications_for, safe_panel, with_survivor

SCREENERS = ("screener", "manager")
WORKERS = ("worker", "manager")
TELLERS = ("worker", "manager", "investigator")


def networks_naming(user, links):
    """The networks (as this user is shown them) holding the other reports that name the same people, phones,
    vehicles or places as the survivor's report: a report from 2004 naming a man in today's network."""
    from safehub.access.policy import has_role
    from safehub.linking.networks import current_networks

    if not links or not has_role(user, "worker", "manager", "analyst", "investigator"):
        return []
    wanted = {other.pk for item in links for other in item["reports"]}
    return [network for network in current_networks(user).order_by("pk")
            if wanted & set(network.contact_ids)]


# --- Adult survivors ----------------------------------------------------------------------------------------


@role_required(*READERS)
def survivors(request):
    records = AdultSurvivor.objects.visible_to(request.user).select_related("contact", "owning_agency")[:200]
    return render(request, "support/survivors.html", {"survivors": records})


@role_required(*SCREENERS)
@require_http_methods(["GET", "POST"])
@with_record("contact", "screen")
def open_survivor(request, contact):
    if contact.kind != "non_recent":
        message = "Only an adult's report of their own non-recent abuse opens an adult survivor record."
        return render(request, "support/open_survivor.html", {"contact": contact, "form": None,
                                                              "errors": [("", message)]}, status=400)
    answers = getattr(contact, "survivor_answers", None)
    form = forms.OpenSurvivorForm(request.POST if request.method == "POST" else None,
                                  initial={"wants": answers.wants if answers else ""})
    if request.method == "POST" and form.is_valid():
        try:
            survivor = actions.open_survivor_record(request.user, contact, request=request, **form.cleaned_data)
            return redirect("support:survivor", reference=survivor.reference)
        except ValidationError as error:
            add_action_error(form, error)
    return render(request, "support/open_survivor.html", {"contact": contact, "form": form,
                                                          "errors": error_summary([form])},
                  status=400 if request.method == "POST" else 200)


@role_required(*READERS)
@with_survivor("view")
def survivor_page(request, survivor):
    return render_survivor(request, survivor)


def render_survivor(request, survivor, consent_form=None, withdraw_errors=None, status=200):
    from safehub.linking.queries import links_for_contact, people_of_concern_named
    from safehub.intake.models import Contact

    contact = Contact.objects.visible_to(request.user).filter(pk=survivor.contact_id).first()
    context = {
        "survivor": survivor, "contact": contact,
        "panel": safe_panel(request, survivor, edit_url=reverse("support:survivor_safe_contact",
                                                                args=[survivor.reference])),
        "answers": getattr(contact, "survivor_answers", None) if contact else None,
        "links": (links := links_for_contact(request.user, contact) if contact else []),
        "networks": networks_naming(request.user, links),
        "concerns": people_of_concern_named(request.user, contact) if contact else [],
        "consents": list(survivor.consents.select_related("agency", "recorded_by")),
        "consent_form": consent_form or forms.ConsentForm(initial={"given_on": clock.today().strftime("%d/%m/%Y")}),
        "withdraw_form": forms.WithdrawForm(),
        "shares": Share.objects.active().filter(content_type__model="adultsurvivor", object_id=survivor.pk)
        .select_related("agency"),
        "uncovered": actions.shares_without_consent(survivor),
        "services": list(SupportService.objects.filter(plan__survivor=survivor)),
        "notifications": list(survivor.victim_notifications.select_related("step").order_by("due_at")),
        "consent_url": reverse("support:survivor_consent", args=[survivor.reference]),
        "can_screen": can(request.user, "screen", survivor, visible=True),
        "can_work": can(request.user, "work", survivor, visible=True),
        "operations": list(survivor.operations.visible_to(request.user).order_by("reference")),
        "can_add_to_operation": has_role(request.user, "analyst", "investigator", "manager"),
        "now": timezone.now(),
        "errors": (error_summary([consent_form]) if consent_form else []) + list(withdraw_errors or []),
    }
    return render(request, "support/survivor.html", context, status=status)


@role_required(*SCREENERS)
@require_http_methods(["GET", "POST"])
@with_survivor("screen")
def route_survivor(request, survivor):
    form = forms.RouteForm(request.POST if request.method == "POST" else None, owner_agency=survivor.owning_agency,
                           initial={"consent_given_on": clock.today().strftime("%d/%m/%Y")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.route_survivor(
                request.user, survivor, police_agency=data["police_agency"],
                services=[(service, data["provider"]) for service in data["services"]],
                consent_given_on=data["consent_given_on"] if data["consent_given"] else None,
                lawful_basis=data["lawful_basis"], basis_reason=data["basis_reason"], request=request)
            return redirect(reverse("support:survivor", args=[survivor.reference]) + "#routes")
        except ValidationError as error:
            add_action_error(form, error)
    return render(request, "support/route.html", {"survivor": survivor, "form": form, "errors": error_summary([form]),
                                                  "panel": safe_panel(request, survivor)},
                  status=400 if request.method == "POST" else 200)


@role_required("analyst", "investigator", "manager")
@require_http_methods(["GET", "POST"])
@with_survivor("view")
def survivor_operation(request, survivor):
    """Add an adult survivor to an operation as one of its victims: they are then owed its Victims' Code
    notifications. Only those who run the operation may, and only an operation they may open is found."""
    from django.core.exceptions import PermissionDenied

    from safehub.intelligence.models import Operation

    form = forms.OperationReferenceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        operation = Operation.objects.visible_to(request.user).filter(reference=form.cleaned_data["reference"]).first()
        if operation is None:
            form.add_error("reference", "There is no operation with that reference that you may open. Check the "
                                        "reference on the operation's page.")
        else:
            try:
                actions.link_survivor_to_operation(request.user, survivor, operation, request=request)
                return redirect(reverse("support:survivor", args=[survivor.reference]) + "#operations")
            except PermissionDenied as error:
                form.add_error("reference", str(error))
    return render(request, "support/survivor_operation.html",
                  {"survivor": survivor, "form": form, "errors": error_summary([form])},
                  status=400 if request.method == "POST" else 200)


# --- Safe contact and consent -------------------------------------------------------------------------------


def _safe_contact_view(request, person, back_url):
    from safehub.support.pages import safe_contact_of

    safe = safe_contact_of(person)
    initial = {name: getattr(safe, name) for name in SafeContactFields.SAFE_FIELDS} if safe else {}
    form = forms.SafeContactEditForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_safe_contact(request.user, person, request=request, **form.cleaned_data)
            return redirect(back_url)
        except ValidationError as error:
            add_action_error(form, error)
    return render(request, "support/safe_contact_form.html",
                  {"person": person, "form": form, "back_url": back_url, "errors": error_summary([form])},
                  status=400 if request.method == "POST" else 200)


@role_required(*WORKERS)
@require_http_methods(["GET", "POST"])
@with_record("child", "work")
def child_safe_contact(request, child):
    return _safe_contact_view(request, child, reverse("cases:child", args=[child.reference]))


@role_required(*WORKERS)
@require_http_methods(["GET", "POST"])
@with_survivor("work")
def survivor_safe_contact(request, survivor):
    return _safe_contact_view(request, survivor, reverse("support:survivor", args=[survivor.reference]))


def _consent_change(request, person, page):
    """Record a consent (the form), or withdraw one (`withdraw` = its id)."""
    withdraw = request.POST.get("withdraw")
    if withdraw:
        consent = person.consents.filter(pk=withdraw if withdraw.isdigit() else 0).first()
        if consent is None:
            raise Http404("No such consent")
        form = forms.WithdrawForm(request.POST)
        if form.is_valid():
            try:
                actions.withdraw_consent(request.user, consent, request=request, **form.cleaned_data)
                return None
            except ValidationError as error:
                add_action_error(form, error)
        return page(withdraw_errors=[("consent-" + str(consent.pk), message) for messages in form.errors.values()
                                     for message in messages])
    form = forms.ConsentForm(request.POST)
    if form.is_valid():
        try:
            actions.record_consent(request.user, person, request=request, **form.cleaned_data)
            return None
        except ValidationError as error:
            add_action_error(form, error)
    return page(consent_form=form)


@role_required(*WORKERS)
@require_POST
@with_record("child", "work")
def child_consent(request, child):
    def page(consent_form=None, withdraw_errors=None):
        return render(request, "support/consent_page.html", {
            "person": child, "back_url": reverse("cases:child", args=[child.reference]),
            "consents": list(child.consents.select_related("agency")),
            "consent_form": consent_form or forms.ConsentForm(), "withdraw_form": forms.WithdrawForm(),
            "action": reverse("support:child_consent", args=[child.reference]),
            "errors": (error_summary([consent_form]) if consent_form else []) + list(withdraw_errors or [])},
            status=400)

    response = _consent_change(request, child, page)
    return response or redirect(reverse("cases:child", args=[child.reference]) + "#consent")


@role_required(*WORKERS)
@require_POST
@with_survivor("work")
def survivor_consent(request, survivor):
    def page(consent_form=None, withdraw_errors=None):
        return render_survivor(request, survivor, consent_form=consent_form, withdraw_errors=withdraw_errors,
                               status=400)

    response = _consent_change(request, survivor, page)
    return response or redirect(reverse("support:survivor", args=[survivor.reference]) + "#consent")


# --- Support plans ------------------------------------------------------------------------------------------


def _plan_page(request, owner, *, bound=None, status=200, message=""):
    plan = actions.plan_of(owner)
    bound = bound or {}
    person = owner.child if owner._meta.model_name == "case" else owner
    is_case = owner._meta.model_name == "case"
    context = {
        "owner": owner, "person": person, "is_case": is_case, "plan": plan,
        "services": list(plan.services.select_related("updated_by")) if plan else [],
        "voice": list(plan.voice.select_related("recorded_by")) if plan else [],
        "goals": list(plan.goals.all()) if plan else [],
        "panel": safe_panel(request, person, edit_url=reverse(
            "support:child_safe_contact" if is_case else "support:survivor_safe_contact", args=[person.reference])),
        "can_work": can(request.user, "work", owner, visible=True),
        "change_url": reverse("support:case_plan_change" if is_case else "support:survivor_plan_change",
                              args=[owner.reference]),
        "back_url": reverse("cases:case" if is_case else "support:survivor", args=[owner.reference]),
        "service_form": bound.get("service") or forms.ServiceForm(
            initial={"referred_on": clock.today().strftime("%d/%m/%Y"), "status": "offered"}),
        "voice_form": bound.get("voice") or forms.VoiceForm(initial={"said_on": clock.today().strftime("%d/%m/%Y")}),
        "goal_form": bound.get("goal") or forms.GoalForm(),
        "status_form": forms.ServiceStatusForm(), "progress_form": forms.GoalProgressForm(),
        "errors": ([("", message)] if message else []) + error_summary(list(bound.values())),
        "bound": bound,
    }
    return render(request, "support/plan.html", context, status=status)


PLAN_FORMS = {"service": forms.ServiceForm, "voice": forms.VoiceForm, "goal": forms.GoalForm,
              "service_status": forms.ServiceStatusForm, "goal_progress": forms.GoalProgressForm}


def _plan_change(request, owner):
    which = request.POST.get("form", "")
    if which not in PLAN_FORMS:
        return _plan_page(request, owner, status=400, message="Choose what to add or change in the plan.")
    form = PLAN_FORMS[which](request.POST, prefix=None)
    plan = actions.plan_of(owner)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if which == "service":
                actions.add_service(request.user, owner, request=request, **data)
            elif which == "voice":
                actions.add_voice(request.user, owner, request=request, **data)
            elif which == "goal":
                actions.add_goal(request.user, owner, request=request, **data)
            else:
                item = request.POST.get("item", "")
                rows = (plan.services if which == "service_status" else plan.goals) if plan else None
                row = rows.filter(pk=item if item.isdigit() else 0).first() if rows is not None else None
                if row is None:
                    raise Http404("No such service or goal in this plan")
                if which == "service_status":
                    actions.update_service(request.user, row, request=request, **data)
                else:
                    actions.update_goal(request.user, row, request=request, **data)
            anchor = {"service": "services", "service_status": "services", "voice": "voice"}.get(which, "goals")
            return redirect(reverse("support:case_plan" if owner._meta.model_name == "case" else "support:survivor_plan",
                                    args=[owner.reference]) + f"#{anchor}")
        except ValidationError as error:
            add_action_error(form, error)
    return _plan_page(request, owner, bound={which: form}, status=400)


@role_required(*READERS)
@with_record("case", "view")
def case_plan(request, case):
    return _plan_page(request, case)


@role_required(*WORKERS)
@require_POST
@with_record("case", "work")
def case_plan_change(request, case):
    return _plan_change(request, case)


@role_required(*READERS)
@with_survivor("view")
def survivor_plan(request, survivor):
    return _plan_page(request, survivor)


@role_required(*WORKERS)
@require_POST
@with_survivor("work")
def survivor_plan_change(request, survivor):
    return _plan_change(request, survivor)


# --- The Victims' Code --------------------------------------------------------------------------------------


@role_required(*TELLERS)
def victims_code(request):
    return render_victims_code(request)


def render_victims_code(request, told_form=None, told_id=None, status=200):
    actions.escalate_victims_code()
    notifications = notifications_for(request.user)
    owed = list(notifications.filter(told_at__isnull=True)[:200])
    recent = list(notifications.filter(told_at__isnull=False).order_by("-told_at")[:50])
    now = timezone.now()
    return render(request, "support/victims_code.html", {
        "owed": owed, "overdue": [n for n in owed if n.due_at < now], "recent": recent, "now": now,
        "told_form": forms.ToldForm(), "bad_form": told_form, "bad_id": told_id,
        "errors": [(f"how-{told_id}", m) for ms in told_form.errors.values() for m in ms] if told_form else []},
        status=status)


@role_required(*TELLERS)
@require_POST
def victim_told(request, notification_id):
    notification = notifications_for(request.user).filter(pk=notification_id).first()
    if notification is None:
        raise Http404("No such notification about a victim you can open")
    form = forms.ToldForm(request.POST)
    if form.is_valid():
        try:
            actions.record_victim_told(request.user, notification, how=form.cleaned_data["how"], request=request)
            return redirect(reverse("support:victims_code") + "#owed")
        except ValidationError as error:
            add_action_error(form, error)
    return render_victims_code(request, told_form=form, told_id=notification.pk, status=400)
