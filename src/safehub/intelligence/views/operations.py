"""Operation pages: the list, "my operations" for a lead, opening one (from a network or not), the operation's
page with its people, children, networks, intelligence, disruption and justice steps, and the pages that record
them. Every operation is opened through the access policy and its look audited; every change goes through
`safehub.intelligence.actions.operations`."""

from functools import wraps

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from safehub.access.policy import would_see_but_for_restriction
from safehub.access.records import restricted_response
from safehub.access.views import access_panel
from safehub.accounts.decorators import role_required
from safehub.audit.trail import record as audit
from safehub.forms import add_action_error
from safehub.forms import error_summary, error_text
from safehub.intelligence import policy
from safehub.intelligence.actions import operations as actions
from safehub.intelligence.forms import operations as forms
from safehub.intelligence.models import Disruption, Operation, PersonOfConcern
from safehub.intelligence.queries import operations as queries

READERS = tuple(sorted(policy.OPERATION_READERS))
RUNNERS = tuple(sorted(policy.OPERATION_RUNNERS))


def with_operation(run=False, offer_glass=False):
    """View decorator: open the operation named by the URL through the policy (its look audited on GET), and
    when `run`, check the user may change it before the view reads any input. With `offer_glass` (the
    operation's page), a manager a restriction alone keeps out is offered to break the glass."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, operation_id, **kwargs):
            operation = (Operation.objects.visible_to(request.user).select_related("lead", "owning_agency")
                         .filter(pk=operation_id).first())
            hidden = Operation.objects.filter(pk=operation_id).first() if operation is None and offer_glass else None
            if hidden is not None and would_see_but_for_restriction(request.user, hidden):
                audit("access_denied", user=request.user, obj=hidden, reason="restricted record", request=request)
                return restricted_response(request, "operation", hidden)
            if operation is None:
                audit("access_denied", user=request.user, object_type="operation", object_id=str(operation_id),
                      request=request)
                raise Http404("No operation you can open")
            if request.method == "GET":
                audit("operation_viewed", user=request.user, obj=operation, request=request)
            if run and not policy.may_run(request.user, operation, visible=True):
                raise PermissionDenied("Only the analysts, investigators and managers of the agency running the "
                                       "operation may change it.")
            return view(request, operation, **kwargs)

        return wrapper

    return decorator


def _to_operation(operation, anchor=""):
    return redirect(reverse("intelligence:operation", kwargs={"operation_id": operation.pk}) + anchor)


def _operation_people(user, operation):
    return PersonOfConcern.objects.visible_to(user).filter(pk__in=operation.people.values("pk"))


# --- Lists ----------------------------------------------------------------------------------------------------


@role_required(*READERS)
def operation_list(request):
    return render(request, "intelligence/operations.html",
                  {"operations": queries.operation_list(request.user),
                   "can_open": policy.may_open_operations(request.user)})


@role_required(*RUNNERS)
def my_operations(request):
    return render(request, "intelligence/my_operations.html", queries.my_operations(request.user))


# --- Opening an operation ---------------------------------------------------------------------------------


def _network_for(user, network_id):
    """(the network, "") if the user may open any of its records, else (None, what is wrong)."""
    from safehub.linking import sources
    from safehub.linking.models import Network
    from safehub.linking.networks import seen_by

    if network_id is None:
        return None, ""
    network = Network.objects.filter(pk=network_id).first()
    if (network is None or network.intelligence_seen != seen_by(user)
            or not sources.visible_keys(user, sources.network_keys(network))):
        return None, ("That network is not one you can open, or the networks were worked out again since: go back "
                      "to the networks and open the operation from the network you want.")
    return network, ""


@role_required(*RUNNERS)
def new_operation(request):
    user = request.user
    if not policy.may_open_operations(user):
        raise PermissionDenied("Your role does not allow opening an operation.")
    data = request.POST if request.method == "POST" else None
    raw_network = (request.POST if data is not None else request.GET).get("network", "")
    network_id = int(raw_network) if raw_network.isdigit() else None
    form = forms.OperationForm(data, user=user, initial={"network": network_id})
    network, network_error = _network_for(user, network_id)
    if data is not None and form.is_valid() and not network_error:
        try:
            operation = actions.open_operation(user, name=form.cleaned_data["name"], lead=form.cleaned_data["lead"],
                                               network=network, request=request)
            return _to_operation(operation)
        except ValidationError as error:
            add_action_error(form, error)
    starts_with = queries.network_records(user, network) if network is not None else ([], [])
    errors = ([("id_name", network_error)] if network_error else []) + error_summary([form])
    return render(request, "intelligence/operation_new.html",
                  {"form": form, "network": network, "reports": len(starts_with[0]),
                   "children": len(starts_with[1]), "errors": errors}, status=400 if errors else 200)


# --- The operation's page ----------------------------------------------------------------------------------


def render_operation(request, operation, status=200, page_error="", access_forms=None, **bound):
    """The operation's page; `bound` holds its own forms that failed validation and `access_forms` those of
    sharing, transfer and restriction, shown with their errors."""
    user = request.user
    can_run = policy.may_run(user, operation, visible=True)
    context = queries.operation_view(user, operation, may_run=can_run)
    blank = {
        "person_form": lambda: forms.AddPersonForm(user=user),
        "child_form": lambda: forms.AddChildForm(user=user),
        "close_form": forms.CloseForm,
    }
    context.update({name: bound.get(name) or make() for name, make in blank.items()})
    context.update({"can_run": can_run, "is_lead": operation.lead_id == user.pk,
                    "is_open": operation.status == Operation.Status.OPEN,
                    "access": access_panel(request, operation, access_forms or {}),
                    "errors": ([("", page_error)] if page_error else [])
                    + error_summary([*bound.values(), *(access_forms or {}).values()])})
    return render(request, "intelligence/operation.html", context, status=status)


@role_required(*READERS)
@with_operation(offer_glass=True)
def operation_page(request, operation):
    return render_operation(request, operation)


def operation_form_view(form_name, make_form, run, anchor):
    """A POST-only form on the operation's page: validate `make_form(request, operation)`, then
    `run(request, operation, data)`; on a bad form or a refused change, the page again with the errors."""

    @role_required(*RUNNERS)
    @require_POST
    @with_operation(run=True)
    def view(request, operation):
        form = make_form(request, operation)
        if form.is_valid():
            try:
                run(request, operation, form.cleaned_data)
                return _to_operation(operation, anchor)
            except (ValidationError, PermissionDenied) as error:
                add_action_error(form, error)
        return render_operation(request, operation, status=400, **{form_name: form})

    return view


add_person = operation_form_view(
    "person_form", lambda request, operation: forms.AddPersonForm(request.POST, user=request.user),
    lambda request, operation, data: actions.add_person(request.user, operation, data["person"], request=request),
    "#people")
add_child = operation_form_view(
    "child_form", lambda request, operation: forms.AddChildForm(request.POST, user=request.user),
    lambda request, operation, data: actions.add_child(request.user, operation, data["child"], request=request),
    "#children")
close = operation_form_view(
    "close_form", lambda request, operation: forms.CloseForm(request.POST),
    lambda request, operation, data: actions.close_operation(request.user, operation, reason=data["reason"],
                                                             request=request), "")


@role_required(*RUNNERS)
@require_POST
@with_operation(run=True)
def extend_closure_notice(request, operation, disruption_id):
    disruption = get_object_or_404(Disruption, pk=disruption_id, operation=operation)
    try:
        actions.extend_closure_notice(request.user, disruption, request=request)
    except ValidationError as error:
        return render_operation(request, operation, status=400, page_error=error_text(error))
    return _to_operation(operation, "#disruptions")


# --- Pages of their own: the profile, a measure, a breach, a justice step ---------------------------------------


def _form_page(request, operation, template, form, run, anchor, fields=None, **context):
    """GET shows the form; POST validates it and runs the action, or shows the form again with the errors."""
    if request.method == "POST" and form.is_valid():
        try:
            run(form)
            return _to_operation(operation, anchor)
        except ValidationError as error:
            add_action_error(form, error, fields)
    status = 400 if request.method == "POST" else 200
    return render(request, template, {"operation": operation, "form": form, "errors": error_summary([form]),
                                      **context}, status=status)


@role_required(*RUNNERS)
@with_operation(run=True)
def profile(request, operation):
    initial = {"victims": operation.profile_victims, "offenders": operation.profile_offenders,
               "locations": operation.profile_locations, "themes": operation.profile_themes}
    form = forms.ProfileForm(request.POST or None, initial=initial)
    return _form_page(request, operation, "intelligence/operation_profile.html", form,
                      lambda form: actions.update_profile(request.user, operation, request=request,
                                                          **form.cleaned_data),
                      "#profile")


@role_required(*RUNNERS)
@with_operation(run=True)
def serve_disruption(request, operation):
    form = forms.DisruptionForm(request.POST or None, people=_operation_people(request.user, operation))
    return _form_page(request, operation, "intelligence/disruption_form.html", form,
                      lambda form: actions.serve_disruption(request.user, operation, request=request,
                                                            **form.action_kwargs()),
                      "#disruptions", fields={"served_at": "served_on"})


@role_required(*RUNNERS)
@with_operation(run=True)
def record_breach(request, operation, disruption_id):
    disruption = get_object_or_404(Disruption.objects.select_related("person"), pk=disruption_id, operation=operation)
    form = forms.BreachForm(request.POST or None)
    return _form_page(request, operation, "intelligence/breach_form.html", form,
                      lambda form: actions.record_breach(request.user, disruption, request=request,
                                                         **form.action_kwargs()),
                      "#disruptions", fields={"happened_at": "happened_on"}, disruption=disruption,
                      person_shown=disruption.person_id in set(
                          _operation_people(request.user, operation).values_list("pk", flat=True)))


@role_required(*RUNNERS)
@with_operation(run=True)
def review_disruption(request, operation, disruption_id):
    disruption = get_object_or_404(Disruption.objects.select_related("person"), pk=disruption_id, operation=operation)
    form = forms.ReviewForm(request.POST or None)
    return _form_page(request, operation, "intelligence/review_form.html", form,
                      lambda form: actions.review_disruption(request.user, disruption, request=request,
                                                             **form.cleaned_data),
                      "#disruptions", disruption=disruption,
                      person_shown=disruption.person_id in set(
                          _operation_people(request.user, operation).values_list("pk", flat=True)))


@role_required(*RUNNERS)
@with_operation(run=True)
def record_justice_step(request, operation):
    form = forms.JusticeStepForm(request.POST or None, people=_operation_people(request.user, operation))
    return _form_page(request, operation, "intelligence/justice_form.html", form,
                      lambda form: actions.record_justice_step(request.user, operation, form.cleaned_data["person"],
                                                               request=request, **form.action_kwargs()),
                      "#justice", fields={"at": "on"})
