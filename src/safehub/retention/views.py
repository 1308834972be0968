"""The review list, a record's retention page with the decision, and the disposal log."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from safehub import clock
from safehub.access.records import Restricted, open_record, restricted_response
from safehub.accounts.decorators import role_required
from safehub.forms import add_action_error, error_summary
from safehub.retention import actions
from safehub.retention.forms import DecisionForm
from safehub.retention.models import Disposal, RetentionReview
from safehub.retention.schedules import KINDS, kind_of_reference, schedule_of

CUSTODIANS = ("manager", "analyst", "investigator")
PAGE = 100


def custodian_reviews(user):
    """Reviews of the records this user is a custodian of: their agency's records of the kinds their role
    decides, that the access policy lets them open (a restriction they are not on keeps a record off)."""
    reviews = RetentionReview.objects.none()
    for kind, scheduled in KINDS.items():
        if user.role in scheduled.custodians:
            mine = scheduled.model.objects.visible_to(user).filter(owning_agency_id=user.agency_id).values("pk")
            reviews = reviews | RetentionReview.objects.filter(kind=kind, record_id__in=mine)
    return reviews


@role_required(*CUSTODIANS)
def due(request):
    today = clock.today()
    reviews = custodian_reviews(request.user).filter(due_on__lte=today).order_by("due_on", "reference")
    return render(request, "retention/due.html", {"reviews": reviews[:PAGE], "count": reviews.count(),
                                                  "today": today, "page_size": PAGE})


@role_required(*CUSTODIANS)
def record_page(request, reference):
    kind = kind_of_reference(reference)
    try:
        found = open_record(request, kind, reference)
    except Restricted as restricted:
        return restricted_response(request, kind, restricted.record)
    if not actions.is_custodian(request.user, kind, found):
        raise PermissionDenied("Only the record's custodians decide its retention.")
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decision = form.cleaned_data["decision"]
        try:
            if decision == "retain":
                actions.retain(request.user, kind, found, reason=form.cleaned_data["reason"],
                               next_review_on=form.cleaned_data["next_review_on"], request=request)
                return redirect("retention:due")
            disposal = actions.dispose(request.user, kind, found, reason=form.cleaned_data["reason"], request=request)
            return redirect(f"{reverse('retention:disposals')}#disposal-{disposal.pk}")
        except ValidationError as error:
            add_action_error(form, error)
    review = RetentionReview.objects.filter(kind=kind, record_id=found.pk).first()
    if review is None:  # not reached by the review run yet: show what it would say
        group, recorded_on, due_on = schedule_of(kind, found)
        review = RetentionReview(kind=kind, record_id=found.pk, reference=found.reference, group=group,
                                 recorded_on=recorded_on, due_on=due_on)
    context = {"found": found, "kind": KINDS[kind].model._meta.verbose_name, "review": review,
               "is_due": review.due_on <= clock.today(), "held": KINDS[kind].held_by(found), "form": form,
               "errors": error_summary([form])}
    return render(request, "retention/record.html", context, status=400 if form.errors else 200)


@role_required(*CUSTODIANS, "scrutiny")
def disposals(request):
    lines = Disposal.objects.select_related("disposed_by", "owning_agency")
    if request.user.role != "scrutiny":
        lines = lines.filter(owning_agency_id=request.user.agency_id)
    return render(request, "retention/disposals.html", {"lines": lines[:200], "count": lines.count()})
