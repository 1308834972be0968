"""People of concern pages: the list, adding one or promoting a linked person from linking, the person's page
with its own chronology, changing their details, and the partnership's completeness figures. Records are
opened through the policy and audited; every change goes through `safehub.intelligence.actions.people`."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from safehub.access.records import Restricted, restricted_response
from safehub.access.views import access_panel
from safehub.accounts.decorators import role_required
from safehub.audit.trail import record as audit
from safehub.forms import error_summary
from safehub.intelligence import promotion, queries
from safehub.intelligence.actions import people as actions
from safehub.intelligence.actions.items import INTELLIGENCE_MAKERS
from safehub.intelligence.forms import DetailForm, PersonForm
from safehub.intelligence.models import PersonOfConcern
from safehub.intelligence.policy import PERSON_READERS
from safehub.intelligence.records import open_visible
from safehub.linking.models import Entity, Network

COMPLETENESS_READERS = ("manager", "analyst", "investigator", "scrutiny")
LIST_LIMIT = 200
PEOPLE = PersonOfConcern.objects.select_related("owning_agency", "created_by")


@role_required(*PERSON_READERS)
def people_list(request):
    query = request.GET.get("q", "").strip()[:100]
    people = PersonOfConcern.objects.visible_to(request.user).select_related("owning_agency")
    if query:
        people = people.filter(Q(first_name__icontains=query) | Q(last_name__icontains=query)
                               | Q(nicknames__icontains=query) | Q(aliases__icontains=query)
                               | Q(reference__iexact=query))
    total = people.count()
    rows = [(person, queries.completeness(person)) for person in people[:LIST_LIMIT]]
    return render(request, "intelligence/people.html", {"rows": rows, "total": total, "query": query,
                                                        "limit": LIST_LIMIT,
                                                        "can_add": request.user.role in actions.PERSON_MAKERS})


def _render_form(request, form, *, status=200, **context):
    status = 400 if form.is_bound and form.errors else status
    return render(request, "intelligence/person_form.html",
                  {"form": form, "errors": error_summary([form]), **context}, status=status)


@role_required(*actions.PERSON_MAKERS)
def new_person(request):
    """Add a person of concern; with ?entity=<linking entity> (and &network=<the network it was shown in>),
    promote that linked person."""
    entity_id = (request.POST if request.method == "POST" else request.GET).get("entity", "")
    if entity_id:
        return _promote(request, entity_id)
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = actions.create_person(request.user, request=request, **form.person_fields())
            return redirect("intelligence:person", person_id=person.pk)
        except ValidationError as error:
            form.add_error(None, error)
    return _render_form(request, form, title="Add a person of concern")


def _promote(request, entity_id):
    user = request.user
    if user.role not in actions.PROMOTERS:
        raise PermissionDenied("Only analysts and investigators can promote a linked person.")
    entity = Entity.objects.filter(pk=entity_id).first() if entity_id.isdigit() else None
    network_id = (request.POST if request.method == "POST" else request.GET).get("network", "")
    network = Network.objects.filter(pk=network_id).first() if network_id.isdigit() else None
    entities = promotion.same_person(user, entity, network) if entity is not None else []
    refused = promotion.refusal(user, entities)
    if refused:
        audit("promotion_refused", user=user, object_type="entity", object_id=entity_id[:40], reason=refused,
              request=request)
        return render(request, "intelligence/promotion_refused.html", {"reason": refused}, status=403)
    if request.method == "GET":
        audit("promotion_started", user=user, obj=entity, request=request)
    proposal = promotion.proposal(request.user, entities)
    form = PersonForm(request.POST or None, initial=proposal["initial"], offers=proposal["offers"])
    if request.method == "POST" and form.is_valid():
        try:
            person = actions.promote_person(user, entities, request=request, details=form.details(),
                                            **form.person_fields())
            return redirect("intelligence:person", person_id=person.pk)
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied as refusal:
            form.add_error(None, str(refusal))
    reports, child_records = promotion.evidence(user, entities)
    return _render_form(request, form, title="Promote to a person of concern", entity=entity, network=network,
                        offers={offer.value: offer for offer in proposal["offers"]}, reports=reports,
                        child_records=child_records)


@role_required(*PERSON_READERS)
def person_page(request, person_id):
    try:
        person = open_visible(request, "person", person_id, queryset=PEOPLE, offer_glass=True)
    except Restricted as restricted:
        return restricted_response(request, "personofconcern", restricted.record)
    return render_person(request, person)


def render_person(request, person, detail_form=None, status=200, access_forms=None, federation_error=""):
    """The person's page; `detail_form` or `access_forms` (share, transfer, restrict): forms that failed, shown
    with their errors; `federation_error`: why asking other areas could not be done."""
    from safehub.federation.actions import panel

    user = request.user
    view = queries.person_view(user, person, request=request)
    if view["items"]:
        audit("intelligence_listed", user=user, object_type="intelligenceitem", request=request,
              reason=f"on {person.reference}: " + ", ".join(str(item.pk) for item in view["items"])[:400])
    bound = [form for form in (detail_form, *(access_forms or {}).values()) if form is not None]
    context = {**view, "can_edit": user.role in actions.PERSON_MAKERS,
               "can_record_intelligence": user.role in INTELLIGENCE_MAKERS,
               "detail_form": detail_form or DetailForm(),
               "access": access_panel(request, person, access_forms or {}), "errors": error_summary(bound),
               "federation": panel(person, federation_error)}
    return render(request, "intelligence/person.html", context, status=status)


@role_required(*PERSON_READERS)
def person_section(request, person_id, section):
    """All of one of a person's lists, a page at a time (the person's page shows the newest of each)."""
    if section not in queries.SECTIONS:
        raise Http404("No such list on a person's page")
    person = open_visible(request, "person", person_id, queryset=PEOPLE)
    page = _page(request)
    found = queries.section_page(request.user, person, section, page, request=request)
    name, heading, noun = queries.SECTIONS[section]
    if name == "items" and found["rows"]:
        audit("intelligence_listed", user=request.user, object_type="intelligenceitem", request=request,
              reason=f"on {person.reference}: " + ", ".join(str(item.pk) for item in found["rows"])[:400])
    return render(request, "intelligence/person_section.html", {
        "person": person, "section": section, "name": name, "heading": heading, "noun": noun, "page": page,
        "limit": queries.LIST_LIMIT, **found, name: found["rows"],
        "can_edit": request.user.role in actions.PERSON_MAKERS, "reads_items": request.user.role in INTELLIGENCE_MAKERS})


def _page(request, most=10_000):
    """The ?page= number, from 1 (anything unreadable is page 1; bounded so a huge number costs nothing)."""
    try:
        return min(most, max(1, int(request.GET.get("page", "1"))))
    except ValueError:
        return 1


@role_required(*actions.PERSON_MAKERS)
def edit_person(request, person_id):
    person = open_visible(request, "person", person_id, queryset=PEOPLE)
    initial = {name: getattr(person, name) for name in actions.PERSON_FIELDS}
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_person(request.user, person, request=request, **form.person_fields())
            return redirect("intelligence:person", person_id=person.pk)
        except ValidationError as error:
            form.add_error(None, error)
    return _render_form(request, form, title=f"Change {person}", person=person)


@role_required(*actions.PERSON_MAKERS)
@require_POST
def add_detail(request, person_id):
    person = open_visible(request, "person", person_id, queryset=PEOPLE)
    form = DetailForm(request.POST)
    if form.is_valid():
        try:
            actions.add_detail(request.user, person, request=request, **form.cleaned_data)
            return redirect("intelligence:person", person_id=person.pk)
        except ValidationError as error:
            form.add_error(None, error)
    return render_person(request, person, detail_form=form, status=400)


@role_required(*actions.PERSON_MAKERS)
@require_POST
def remove_detail(request, person_id, detail_id):
    person = open_visible(request, "person", person_id, queryset=PEOPLE)
    detail = get_object_or_404(person.details, pk=detail_id)
    actions.remove_detail(request.user, detail, request=request)
    return redirect("intelligence:person", person_id=person.pk)


@role_required(*COMPLETENESS_READERS)
def completeness_page(request):
    """How many people of concern have their ethnicity, nationality and disability recorded, not known,
    refused or not asked: over the records the viewer may open, or for scrutiny over all of them, as counts only."""
    user = request.user
    if user.role == "scrutiny":
        figures, gaps = queries.completeness_figures(PersonOfConcern.objects.all()), []
    else:
        visible = PersonOfConcern.objects.visible_to(user)
        figures = queries.completeness_figures(visible)
        gaps = list(visible.filter(Q(ethnicity="") | Q(nationality_answer="") | Q(disability=""))[:50])
    audit("completeness_viewed", user=user, object_type="personofconcern", request=request)
    return render(request, "intelligence/completeness.html",
                  {"figures": figures, "gaps": gaps, "counts_only": user.role == "scrutiny"})
