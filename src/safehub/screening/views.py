"""The screening queue (front door): every contact waiting for a decision, soonest deadline first."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from safehub.accounts.decorators import role_required
from safehub.audit.trail import record
from safehub.intake.models import Contact
from safehub.intake.views import _errors
from safehub.screening import actions
from safehub.screening.forms import DecisionForm, PriorityForm
from safehub.screening.queries import open_contacts

SCREENING_ROLES = ("screener", "manager")
QUEUE_PAGE_SIZE = 200


@role_required(*SCREENING_ROLES)
def queue(request):
    actions.escalate_overdue()
    contacts = list(open_contacts(request.user).select_related("referrer_agency")[:QUEUE_PAGE_SIZE])
    return render(request, "screening/queue.html", {"contacts": contacts, "now": timezone.now()})


@role_required(*SCREENING_ROLES)
def decided(request):
    contacts = (Contact.objects.visible_to(request.user).filter(decided_at__isnull=False)
                .select_related("decided_by").order_by("-decided_at")[:QUEUE_PAGE_SIZE])
    return render(request, "screening/decided.html", {"contacts": contacts})


@role_required("manager")
def escalations(request):
    notes = (request.user.notifications.filter(kind="escalation", contact__decided_at__isnull=True)
             .select_related("contact").order_by("contact__decision_due_at"))
    return render(request, "screening/escalations.html", {"notes": notes, "now": timezone.now()})


def _contact_or_404(request, reference):
    contact = (Contact.objects.visible_to(request.user).filter(reference=reference)
               .prefetch_related("children", "people", "vehicles", "phones", "handles", "places").first())
    if contact is None:
        record("access_denied", user=request.user, object_type="contact", object_id=reference[:40], request=request)
        raise Http404("No report with that reference that you can open")
    return contact


@role_required(*SCREENING_ROLES)
def contact_page(request, reference, priority_form=None, decision_form=None, status=200, page_error=None):
    contact = _contact_or_404(request, reference)
    if request.method == "GET":
        record("contact_viewed", user=request.user, obj=contact, request=request)
        actions.mark_read(request.user, contact)
    forms_on_page = [f for f in (priority_form, decision_form) if f is not None]
    context = {
        "contact": contact,
        "priority_form": priority_form or PriorityForm(initial={"priority": contact.priority}),
        "decision_form": decision_form or DecisionForm(),
        "errors": ([("decision", page_error)] if page_error else []) + _errors(forms_on_page),
        "now": timezone.now(),
    }
    return render(request, "screening/contact.html", context, status=status)


@role_required(*SCREENING_ROLES)
@require_POST
def set_priority(request, reference):
    contact = _contact_or_404(request, reference)
    form = PriorityForm(request.POST)
    if not form.is_valid():
        return contact_page(request, reference, priority_form=form, status=400)
    actions.set_priority(request.user, contact, form.cleaned_data["priority"], request=request)
    return redirect("screening:contact", reference=reference)


@role_required(*SCREENING_ROLES)
@require_POST
def decide(request, reference):
    contact = _contact_or_404(request, reference)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            actions.record_decision(request.user, contact, form.cleaned_data["outcome"], form.cleaned_data["reason"],
                                    request=request)
            return redirect("screening:contact", reference=reference)
        except ValidationError as error:
            form.add_error(None, " ".join(error.messages))
    return contact_page(request, reference, decision_form=form, status=400)


@role_required(*SCREENING_ROLES)
@require_POST
def close(request, reference):
    contact = _contact_or_404(request, reference)
    try:
        actions.close_contact(request.user, contact, request=request)
    except ValidationError as error:
        return contact_page(request, reference, status=400, page_error=" ".join(error.messages))
    return redirect("screening:queue")
