"""Case work pages: children, cases, risk screening, plans, meetings, notes, the chronology, and the lists
(my cases, the team view, the MACE list). Every record is opened through the access policy and audited;
every change goes through `safehub.cases.actions`."""

from functools import wraps

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from safehub import clock, risk
from safehub.access.models import Share
from safehub.access.policy import can, is_visible
from safehub.access.records import Restricted, open_record, with_record
from safehub.access.routes import CASE_WORKERS, CHILD_MAKERS, NETWORK_READERS, READERS
from safehub.access.views import access_panel
from safehub.accounts.decorators import role_required
from safehub.cases import actions, chronology, queries
from safehub.cases import forms as case_forms
from safehub.cases.models import Case, Child, ChildMerge, ChronologyEntry, PlanAction
from safehub.forms import error_summary, error_text
from safehub.screening.actions import mark_read
from safehub.screening.views import with_contact

CASE_WITH_PEOPLE = Case.objects.select_related("child", "allocated_to", "owning_agency", "source_contact")
# Sections a higher room adds to a child's page (registered in its AppConfig.ready, as admin classes are), so
# that cases never imports it: `section(request, child)` returns {"template": ..., **its context} or None.
CHILD_PAGE_SECTIONS = []
# The same, shown at the top of the page, before any way of contacting the child (safe contact preferences).
CHILD_PAGE_TOP_SECTIONS = []
# Sections at the top of a case's page: `section(request, case)`.
CASE_PAGE_SECTIONS = []


def with_case(verb="view"):
    return with_record("case", verb, queryset=CASE_WITH_PEOPLE)


def with_child(verb="view", current=False):
    """Open the child's record named by the URL. `current`: the view changes the record, so a record merged
    into another answers with its pointer page and says where to make the change."""
    opened = with_record("child", verb)
    if not current:
        return opened

    def decorator(view):
        @wraps(view)
        def inner(request, child, **kwargs):
            if child.merged_into_id:
                context = merged_pointer(request.user, child)
                message = f"{child.reference} was merged into another record. Make changes there."
                return render(request, "cases/merged_child.html", {**context, "errors": [("", message)]}, status=400)
            return view(request, child, **kwargs)

        return opened(inner)

    return decorator


# --- Lists --------------------------------------------------------------------------------------------


def _page(request, most=10_000):
    """The ?page= number, from 1 (anything unreadable is page 1; bounded so a huge number costs nothing)."""
    try:
        return min(most, max(1, int(request.GET.get("page", "1"))))
    except ValueError:
        return 1


@role_required(*CASE_WORKERS)
def my_cases(request):
    visible = Case.objects.visible_to(request.user)
    notes = request.user.notifications.filter(case__in=visible, read_at__isnull=True).select_related("case")[:20]
    return render(request, "cases/my_cases.html", {"cases": queries.my_cases(request.user),
                                                   "notes": notes, "today": clock.today()})


@role_required("manager")
def team(request):
    return render(request, "cases/team.html", queries.team_view(request.user))


@role_required("manager")
def team_list(request, section):
    name = queries.team_section(section)
    if name is None:
        raise Http404("No such list in the team view")
    return render(request, "cases/team_list.html", queries.team_list(request.user, name, page=_page(request)))


@role_required(*READERS)
def mace(request):
    return render(request, "cases/mace.html", {"cases": queries.mace_list(request.user)})


# --- Children -----------------------------------------------------------------------------------------


@role_required(*CHILD_MAKERS)
def new_child(request):
    """Add a child. The first submit shows children who might be the same one; the user picks one of them
    or confirms this is a new child."""
    form = case_forms.ChildForm(request.POST or None)
    matches = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        matches = queries.possible_matches(request.user, first_name=data["first_name"], last_name=data["last_name"],
                                           date_of_birth=data["date_of_birth"], postcode=data.get("postcode", ""))
        if not matches or request.POST.get("confirm_new") == "yes":
            try:
                child = actions.create_child(request.user, request=request, addresses=form.addresses(),
                                             **form.child_fields())
                return redirect("cases:child", reference=child.reference)
            except ValidationError as error:
                form.add_error(None, error_text(error))
                matches = None
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "cases/new_child.html", {"form": form, "matches": matches,
                                                    "errors": error_summary([form])}, status=status)


@role_required(*READERS)
@with_child()
def child_page(request, child):
    return render_child(request, child)


def render_child(request, child, address_form=None, person_form=None, status=200, access_forms=None,
                 unmerge_form=None):
    if child.merged_into_id:
        return render(request, "cases/merged_child.html", merged_pointer(request.user, child), status=status)
    user = request.user
    cases = list(child.cases.visible_to(user).select_related("allocated_to"))
    assessments = list(child.risk_assessments.filter(case__in=cases).select_related("assessed_by"))
    merges = list(child.merges_in.filter(undone_at__isnull=True).select_related("merged", "merged_by"))
    for merge in merges:
        bound = unmerge_form is not None and unmerge_form.data.get("merge") == str(merge.pk)
        merge.form = unmerge_form if bound else case_forms.UnmergeForm(
            initial={"merge": merge.pk}, auto_id=case_forms.UnmergeForm.auto_id_for(merge.pk))
    context = {
        "child": child, "cases": cases, "assessments": assessments,
        "latest": assessments[0] if assessments else None,
        "latest_result": assessments[0].result() if assessments else None,
        "can_work": can(user, "work", child, visible=True),
        "can_merge": user.role in actions.MERGE_ROLES and can(user, "manage", child, visible=True),
        "can_see_links": user.role in NETWORK_READERS,
        "suggestions": [(suggestion, suggestion.other_than(child))
                        for suggestion in queries.merge_suggestions(user, child=child)],
        "merges": merges,
        "address_form": address_form or case_forms.AddressForm(),
        "person_form": person_form or case_forms.PersonForm(),
        "errors": error_summary([f for f in (address_form, person_form, unmerge_form, *(access_forms or {}).values())
                                 if f]),
        "access": access_panel(request, child, access_forms or {}),
        "sections": [found for found in (section(request, child) for section in CHILD_PAGE_SECTIONS) if found],
        "top_sections": [found for found in (section(request, child) for section in CHILD_PAGE_TOP_SECTIONS)
                         if found],
    }
    return render(request, "cases/child.html", context, status=status)


def merged_pointer(user, child):
    """What the page of a record merged into another shows: where its history went, and who merged it."""
    merge = child.merges_out.filter(undone_at__isnull=True).select_related("kept", "merged_by").first()
    return {"child": child, "merge": merge, "kept": merge.kept, "kept_visible": is_visible(user, merge.kept)}


@role_required(*CASE_WORKERS)
@require_POST
@with_child("work", current=True)
def add_address(request, child):
    form = case_forms.AddressForm(request.POST)
    if form.is_valid():
        try:
            actions.add_address(request.user, child, request=request, **form.cleaned_data)
            return redirect("cases:child", reference=child.reference)
        except ValidationError as error:
            form.add_error(None, error_text(error))
    return render_child(request, child, address_form=form, status=400)


@role_required(*CASE_WORKERS)
@require_POST
@with_child("work", current=True)
def add_person(request, child):
    form = case_forms.PersonForm(request.POST)
    if form.is_valid():
        actions.add_person_around(request.user, child, request=request, **form.cleaned_data)
        return redirect("cases:child", reference=child.reference)
    return render_child(request, child, person_form=form, status=400)


@role_required(*CASE_WORKERS)
@require_POST
@with_child("work", current=True)
def open_case_for_child(request, child):
    case = actions.open_case(request.user, child, request=request)
    return redirect("cases:case", reference=case.reference)


@role_required(*READERS)
@with_child()
def chronology_page(request, child):
    kind = request.GET.get("kind", "")
    kind = kind if kind in ChronologyEntry.Kind.values else ""
    page = _page(request)
    entries, has_more = chronology.timeline(request.user, child, kind=kind, page=page)
    return render(request, "cases/chronology.html", {"child": child, "entries": entries, "kind": kind,
                                                     "kinds": ChronologyEntry.Kind.choices, "page": page,
                                                     "has_more": has_more,
                                                     "pointer": merged_pointer(request.user, child)
                                                     if child.merged_into_id else None})


# --- Two records of one child ---------------------------------------------------------------------------


@role_required(*actions.MERGE_ROLES)
def merge_suggestions(request):
    """The records linking says may be of one child, for a manager to review, and the merges that stand."""
    visible = Child.objects.visible_to(request.user)
    merges = (ChildMerge.objects.filter(undone_at__isnull=True, kept__in=visible)
              .select_related("kept", "merged", "merged_by")[:queries.LIST_LIMIT])
    return render(request, "cases/merge_suggestions.html",
                  {"suggestions": queries.merge_suggestions(request.user), "merges": merges})


def _open_other(request, child, reference):
    """(the other record, "") or (None, what is wrong), opened through the policy and audited."""
    if reference == child.reference:
        return None, "Enter the reference of another record: a record cannot be merged into itself."
    try:
        other = open_record(request, "child", reference)
    except Restricted:
        return None, (f"{reference} is restricted to named people and you are not one of them, so you cannot merge "
                      f"it.")
    except Http404:
        return None, f"There is no child's record {reference} that you can open."
    if other.merged_into_id:
        return None, f"{reference} was already merged into another record: open {reference} to see which."
    return other, ""


def _side(user, child):
    return {"child": child, "cases": list(child.cases.visible_to(user)), "addresses": list(child.addresses.all())}


@role_required(*actions.MERGE_ROLES)
@with_child("manage")
def merge_review(request, child):
    """Two records side by side (this one is kept, the other merges into it), the linking evidence in words,
    and the confirmation with a reason. Without another record: this record's suggestions."""
    if child.merged_into_id:
        return redirect("cases:child", reference=child.reference)
    user = request.user
    wanted = (request.POST if request.method == "POST" else request.GET).get("other", "").strip().upper()[:20]
    other, other_error = _open_other(request, child, wanted) if wanted else (None, "")
    form = case_forms.MergeForm(request.POST or None)
    if request.method == "POST":
        other_error = other_error or ("" if wanted else "Enter the reference of the record to merge into this one.")
        if form.is_valid() and other is not None:
            try:
                actions.merge_children(user, child, other, reason=form.cleaned_data["reason"], request=request)
                return redirect("cases:child", reference=child.reference)
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, error_text(error))
    suggestions = [(suggestion, suggestion.other_than(child))
                   for suggestion in queries.merge_suggestions(user, child=child)]
    context = {
        "child": child, "other": other, "wanted": wanted, "form": form, "suggestions": suggestions,
        "suggestion": next((s for s, o in suggestions if other is not None and o.pk == other.pk), None),
        "sides": [_side(user, child), _side(user, other)] if other is not None else [],
        "other_shared": other is not None and Share.pointing_at(other).active().exists(),
        "can_keep_other": other is not None and can(user, "manage", other, visible=True),
        "can_see_links": user.role in NETWORK_READERS,
        "errors": ([("other", other_error)] if other_error else []) + error_summary([form]),
    }
    return render(request, "cases/merge.html", context, status=400 if context["errors"] else 200)


@role_required(*actions.MERGE_ROLES)
@require_POST
@with_child("manage")
def unmerge(request, child):
    merge_id = request.POST.get("merge", "")
    form = case_forms.UnmergeForm(request.POST, auto_id=case_forms.UnmergeForm.auto_id_for(
        merge_id if merge_id.isdigit() else "unknown"))
    if form.is_valid():
        merge = child.merges_in.filter(pk=form.cleaned_data["merge"], undone_at__isnull=True).first()
        try:
            if merge is None:
                raise ValidationError("That merge is not one that stands on this record: choose the merge to undo.")
            actions.unmerge_children(request.user, merge, reason=form.cleaned_data["reason"], request=request)
            return redirect("cases:child", reference=child.reference)
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, error_text(error))
    return render_child(request, child, unmerge_form=form, status=400)


# --- Opening a case from a report ---------------------------------------------------------------------


@role_required("screener", "manager")
@with_contact("screen")
def open_from_contact(request, contact):
    """A screener opens the case the decision called for: for a child already known, or a new child."""
    named = list(contact.children.all())
    first = named[0] if named else None
    guess = (first.name.split(" ", 1) + [""])[:2] if first and first.name else ["", ""]
    matches = queries.possible_matches(request.user, first_name=guess[0], last_name=guess[1])
    error = ""
    if request.method == "POST":
        try:
            child = _child_for_new_case(request, contact, guess)
            case = actions.open_case(request.user, child, contact=contact, request=request)
            return redirect("cases:case", reference=case.reference)
        except ValidationError as failure:
            error = error_text(failure)
    return render(request, "cases/open_from_contact.html",
                  {"contact": contact, "named": named, "matches": matches, "guess": guess,
                   "errors": [("child", error)] if error else []}, status=400 if error else 200)


def _child_for_new_case(request, contact, guess):
    chosen = request.POST.get("child", "")
    if chosen == "new":
        first_name = request.POST.get("first_name", "").strip() or guess[0]
        return actions.create_child(request.user, request=request, first_name=first_name[:100],
                                    last_name=(request.POST.get("last_name", "").strip() or guess[1])[:100])
    child = Child.objects.visible_to(request.user).current().filter(reference=chosen).first()
    if child is None:
        raise ValidationError("Choose the child this case is about, or add a new child.")
    return child


# --- The case page and its forms ------------------------------------------------------------------------


def render_case(request, case, status=200, page_error="", access_forms=None, **bound):
    """The case page; `bound` holds forms that failed validation, shown with their errors."""
    user = request.user
    today = clock.today()
    plan = list(case.actions.select_related("owner_agency").order_by("status", "due_on"))
    blank = {
        "allocate_form": lambda: case_forms.AllocateForm(case=case),
        "extend_form": case_forms.ExtendForm,
        "assessment_form": case_forms.CompleteAssessmentForm,
        "action_form": lambda: case_forms.ActionForm(initial={"owner_agency": case.owning_agency_id}),
        "note_form": case_forms.NoteForm,
        "closure_form": case_forms.ClosureForm,
        "reopen_form": case_forms.ReasonForm,
    }
    forms = {name: bound.get(name) or make() for name, make in blank.items()}
    assessments = list(case.risk_assessments.select_related("assessed_by"))
    context = {
        "case": case, "child": case.child, "today": today, "plan": plan,
        "overdue": [action for action in plan if action.is_overdue(today)],
        "meetings": queries.with_people_of_concern(
            user, case.meetings.prefetch_related("attendees__agency").order_by("-held_at")),
        "notes": list(case.notes.select_related("author").order_by("-happened_at")[:50]),
        "assessments": assessments,
        "latest_result": assessments[0].result() if assessments else None,
        "deadlines": queries.next_deadlines(case, today),
        "can_work": can(user, "work", case, visible=True),
        "can_manage": can(user, "manage", case, visible=True),
        "errors": ([("closure", page_error)] if page_error else [])
        + error_summary([*bound.values(), *(access_forms or {}).values()]),
        "access": access_panel(request, case, access_forms or {}),
        "top_sections": [found for found in (section(request, case) for section in CASE_PAGE_SECTIONS) if found],
        **forms,
    }
    return render(request, "cases/case.html", context, status=status)


@role_required(*READERS)
@with_case()
def case_page(request, case):
    mark_read(request.user, case=case)
    return render_case(request, case)


def case_form_view(verb, form_name, make_form, run):
    """A POST-only view on a case: validate `make_form(request, case)`, then `run(request, case, data)`; on
    a bad form or a refused change, the case page again with the errors and the user's input."""

    @role_required(*CASE_WORKERS)
    @require_POST
    @with_case(verb)
    def view(request, case):
        form = make_form(request, case)
        if form.is_valid():
            try:
                run(request, case, form.cleaned_data)
                return redirect("cases:case", reference=case.reference)
            except (ValidationError, ValueError) as error:
                form.add_error(None, error_text(error))
        return render_case(request, case, status=400, **{form_name: form})

    return view


allocate = case_form_view(
    "manage", "allocate_form", lambda request, case: case_forms.AllocateForm(request.POST, case=case),
    lambda request, case, data: actions.allocate_case(request.user, case, data["worker"], request=request))
extend = case_form_view(
    "manage", "extend_form", lambda request, case: case_forms.ExtendForm(request.POST),
    lambda request, case, data: actions.extend_assessment(request.user, case, new_due=data["new_due"],
                                                          reason=data["reason"], request=request))
complete_assessment = case_form_view(
    "work", "assessment_form", lambda request, case: case_forms.CompleteAssessmentForm(request.POST),
    lambda request, case, data: actions.complete_assessment(request.user, case, request=request, **data))
add_action = case_form_view(
    "work", "action_form", lambda request, case: case_forms.ActionForm(request.POST),
    lambda request, case, data: actions.add_plan_action(request.user, case, request=request, **data))
add_note = case_form_view(
    "work", "note_form", lambda request, case: case_forms.NoteForm(request.POST),
    lambda request, case, data: actions.add_case_note(
        request.user, case, kind=data["kind"], text=data["text"], request=request,
        happened_at=case_forms.moment(data["happened_on"], data["happened_time"])))
request_closure = case_form_view(
    "work", "closure_form", lambda request, case: case_forms.ClosureForm(request.POST),
    lambda request, case, data: actions.request_closure(request.user, case, request=request, **data))
reopen = case_form_view(
    "manage", "reopen_form", lambda request, case: case_forms.ReasonForm(request.POST),
    lambda request, case, data: actions.reopen_case(request.user, case, reason=data["reason"], request=request))


@role_required("manager")
@require_POST
@with_case("manage")
def sign_off(request, case):
    try:
        actions.sign_off_closure(request.user, case, request=request)
    except ValidationError as error:
        return render_case(request, case, status=400, page_error=error_text(error))
    return redirect("cases:case", reference=case.reference)


@role_required(*CASE_WORKERS)
@require_POST
@with_case("work")
def action_status(request, case, action_id):
    action = get_object_or_404(PlanAction, pk=action_id, case=case)
    form = case_forms.ActionStatusForm(request.POST)
    if form.is_valid():
        actions.set_action_status(request.user, action, form.cleaned_data["status"], request=request)
    return redirect(reverse("cases:case", kwargs={"reference": case.reference}) + "#plan")


# --- Risk screening and meetings (pages of their own) ----------------------------------------------------


@role_required(*CASE_WORKERS)
@with_case("work")
def risk_screening(request, case):
    form = case_forms.RiskForm(request.POST or None, initial={"assessed_on": clock.today().strftime("%d/%m/%Y")})
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_risk_screening(request.user, case, request=request, **form.screening_kwargs())
            return redirect(reverse("cases:case", kwargs={"reference": case.reference}) + "#risk")
        except (ValidationError, risk.ScreeningError) as error:
            field = "judgement_reason" if isinstance(error, risk.MissingJudgementReason) else (
                "judgement" if isinstance(error, risk.JudgementBelowOverride) else None)
            form.add_error(field, error_text(error))
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "cases/risk_form.html", {"case": case, "child": case.child, "form": form,
                                                    "errors": error_summary([form])}, status=status)


@role_required(*CASE_WORKERS)
@with_case("work")
def new_meeting(request, case):
    data = request.POST or None
    others = [other for other in queries.mace_list(request.user)
              if other.pk != case.pk and can(request.user, "work", other, visible=True)]
    form = case_forms.MeetingForm(data, other_cases=others,
                                  people=queries.people_of_concern(request.user)[:queries.LIST_LIMIT])
    attendees = case_forms.AttendeeFormSet(data, prefix="attendee")
    decided = case_forms.ActionFormSet(data, prefix="action",
                                       form_kwargs={"initial": {"owner_agency": case.owning_agency_id}})
    if request.method == "POST" and all([form.is_valid(), attendees.is_valid(), decided.is_valid()]):
        people = [row.cleaned_data for row in attendees if row.cleaned_data and not row.is_blank()]
        rows = [row.action_kwargs() for row in decided if row.cleaned_data and not row.is_blank()]
        try:
            actions.record_meeting(request.user, case, attendees=people, actions=rows, request=request,
                                   **form.meeting_kwargs())
            return redirect(reverse("cases:case", kwargs={"reference": case.reference}) + "#meetings")
        except ValidationError as error:
            form.add_error(None, error_text(error))
    bound_forms = [form, *attendees.forms, *decided.forms]
    status = 400 if request.method == "POST" else 200
    return render(request, "cases/meeting_form.html",
                  {"case": case, "child": case.child, "form": form, "attendees": attendees, "decided": decided,
                   "errors": error_summary(bound_forms)}, status=status)
