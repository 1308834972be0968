"""The screening queue (front door): every contact waiting for a decision, soonest deadline first."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from safehub.access.routes import READERS
from safehub.access.records import with_record
from safehub.access.views import access_panel
from safehub.accounts.decorators import role_required
from safehub.intake.models import Contact
from safehub.forms import error_summary, error_text
from safehub.screening import actions
from safehub.audit.trail import record_many
from safehub.screening.forms import DecisionForm, FloodBatchForm, PriorityForm
from safehub.screening.queries import batch_groups, held_batches, new_information, not_held, open_contacts
from safehub.cases.actions import OUTCOMES_THAT_OPEN_A_CASE
from safehub.linking.queries import links_for_contact, people_of_concern_named

SCREENING_ROLES = ("screener", "manager")
READER_ROLES = READERS
QUEUE_PAGE_SIZE = 200


@role_required(*SCREENING_ROLES)
def queue(request):
    contacts = list(not_held(open_contacts(request.user)).select_related("referrer_agency")[:QUEUE_PAGE_SIZE])
    additions = list(new_information(request.user)[:QUEUE_PAGE_SIZE])
    held = list(held_batches(request.user)[:QUEUE_PAGE_SIZE])
    return render(request, "screening/queue.html", {"contacts": contacts, "additions": additions, "held": held,
                                                    "now": timezone.now()})


def _front_door_batch(request, batch_id):
    """A batch of the user's own agency (the front door's), or 404."""
    from safehub.intake.models import FloodBatch

    batch = FloodBatch.objects.filter(pk=batch_id, owning_agency_id=request.user.agency_id).first()
    if batch is None:
        raise Http404("No held reports with that number")
    return batch


@role_required(*SCREENING_ROLES)
def flood_batch(request, batch_id, form=None, status=200):
    batch = _front_door_batch(request, batch_id)
    groups, group_count = batch_groups(request.user, batch)
    shown = [group["contacts"][0]["pk"] for group in groups]  # each group's text is that report's
    record_many("contact_viewed", user=request.user, object_type="contact", object_ids=shown,
                reason=f"in held batch {batch.pk}", request=request)
    context = {"batch": batch, "groups": groups, "group_count": group_count, "now": timezone.now(),
               "limit": settings.SAFEHUB_PUBLIC_SUBMISSIONS_PER_WINDOW,
               "form": form if form is not None else FloodBatchForm(), "errors": error_summary([form]) if form is not None else []}
    return render(request, "screening/flood_batch.html", context, status=status)


@role_required(*SCREENING_ROLES)
@require_POST
def release_flood_batch(request, batch_id):
    return _act_on_batch(request, batch_id, actions.release_flood_batch)


@role_required(*SCREENING_ROLES)
@require_POST
def mark_flood_batch(request, batch_id):
    return _act_on_batch(request, batch_id, actions.mark_flood_batch)


def _act_on_batch(request, batch_id, action):
    batch = _front_door_batch(request, batch_id)
    form = FloodBatchForm(request.POST)
    if form.is_valid():
        try:
            action(request.user, batch, form.cleaned_data["reason"], request=request)
            return redirect("screening:flood_batch", batch_id=batch.pk)
        except ValidationError as error:
            form.add_error("reason", error_text(error))
    return flood_batch(request, batch_id, form=form, status=400)


@role_required(*SCREENING_ROLES)
def decided(request):
    contacts = (Contact.objects.visible_to(request.user).filter(decided_at__isnull=False)
                .select_related("decided_by").order_by("-decided_at")[:QUEUE_PAGE_SIZE])
    return render(request, "screening/decided.html", {"contacts": contacts})


@role_required("manager")
def escalations(request):
    visible = Contact.objects.visible_to(request.user)
    notes = (request.user.notifications.filter(kind="escalation", contact__decided_at__isnull=True,
                                               contact__in=visible)
             .select_related("contact").order_by("contact__decision_due_at"))
    return render(request, "screening/escalations.html", {"notes": notes, "now": timezone.now()})


# Sections a higher room (support) adds to a report's page, at the top, registered in its AppConfig.ready:
# `section(request, contact)` returns {"template": ..., **context} or None.
CONTACT_PAGE_SECTIONS = []

DETAILS = ("children", "people", "vehicles", "phones", "handles", "places")


def with_contact(verb="view"):
    """Open the contact named in the URL through the access policy (audited) with its details, and check the
    user may `verb` it before the view reads any input; otherwise refuse."""
    queryset = Contact.objects.select_related("referrer", "referrer_agency", "decided_by", "flood_batch__decided_by").prefetch_related(*DETAILS)
    return with_record("contact", verb, queryset=queryset)


@role_required(*READER_ROLES)
@with_contact()
def contact_page(request, contact):
    if request.method == "GET":
        actions.mark_read(request.user, contact)
    return render_contact(request, contact)


def render_contact(request, contact, *, priority_form=None, decision_form=None, status=200, page_error=None,
                   access_forms=None):
    forms_on_page = [f for f in (priority_form, decision_form, *(access_forms or {}).values()) if f is not None]
    context = {
        "contact": contact,
        "priority_form": priority_form or PriorityForm(initial={"priority": contact.priority}),
        "decision_form": decision_form or DecisionForm(),
        "errors": ([("decision", page_error)] if page_error else []) + error_summary(forms_on_page),
        "now": timezone.now(),
        "access": access_panel(request, contact, access_forms or {}),
        "opened_cases": contact.cases.visible_to(request.user).select_related("child"),
        "links": links_for_contact(request.user, contact),
        "concerns": people_of_concern_named(request.user, contact),
        "case_outcomes": OUTCOMES_THAT_OPEN_A_CASE,
        "additions": list(contact.additions.select_related("reviewed_by")),
        "contact_sections": [found for found in (section(request, contact) for section in CONTACT_PAGE_SECTIONS)
                             if found],
    }
    return render(request, "screening/contact.html", context, status=status)


@role_required(*SCREENING_ROLES)
@require_POST
@with_contact("screen")
def set_priority(request, contact):
    form = PriorityForm(request.POST)
    if not form.is_valid():
        return render_contact(request, contact, priority_form=form, status=400)
    actions.set_priority(request.user, contact, form.cleaned_data["priority"], request=request)
    return redirect("screening:contact", reference=contact.reference)


@role_required(*SCREENING_ROLES)
@require_POST
@with_contact("screen")
def decide(request, contact):
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            actions.record_decision(request.user, contact, form.cleaned_data["outcome"], form.cleaned_data["reason"],
                                    request=request)
            return redirect("screening:contact", reference=contact.reference)
        except ValidationError as error:
            form.add_error(None, error_text(error))
    return render_contact(request, contact, decision_form=form, status=400)


@role_required(*SCREENING_ROLES)
@require_POST
@with_contact("screen")
def close(request, contact):
    try:
        actions.close_contact(request.user, contact, request=request)
    except ValidationError as error:
        return render_contact(request, contact, status=400, page_error=error_text(error))
    return redirect("screening:queue")


@role_required(*SCREENING_ROLES)
@require_POST
@with_contact("screen")
def mark_addition_read(request, contact, addition_id):
    addition = contact.additions.filter(pk=addition_id).first()
    if addition is None:
        raise Http404("No such addition to this report")
    try:
        actions.mark_addition_read(request.user, addition, request=request)
    except ValidationError as error:
        return render_contact(request, contact, status=400, page_error=error_text(error))
    return redirect(reverse("screening:contact", kwargs={"reference": contact.reference}) + "#new-information")
