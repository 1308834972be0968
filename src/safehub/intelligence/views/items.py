"""Intelligence item pages: recording an item and opening one. An item opens only for its owning agency's
analysts and investigators; anyone else gets "not found" (and the refusal is audited). Partners read the
sanitised summary on the child's or person's page instead (`safehub.intelligence.sharing`)."""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from safehub.access.routes import READERS
from safehub.access.views import access_panel
from safehub.accounts.decorators import role_required
from safehub.forms import error_summary
from safehub.intelligence import grading
from safehub.intelligence.actions.items import INTELLIGENCE_MAKERS, record_intelligence
from safehub.intelligence.forms import ItemForm
from safehub.intelligence.models import IntelligenceItem, Operation, PersonOfConcern
from safehub.intelligence.records import open_visible
from safehub.intelligence.sharing import sanitised_summaries

ITEMS = IntelligenceItem.objects.select_related("submitted_by", "owning_agency", "operation")


def _people(user, references):
    """(people of concern the user may open with these references, references not found)."""
    found = {person.reference: person for person in
             PersonOfConcern.objects.visible_to(user).filter(reference__in=references)}
    return [found[ref] for ref in references if ref in found], [ref for ref in references if ref not in found]


@role_required(*INTELLIGENCE_MAKERS)
def new_item(request):
    """Record an item; ?person=<id> attaches a person of concern the user may open."""
    user = request.user
    operations = Operation.objects.visible_to(user).filter(status=Operation.Status.OPEN)
    initial = {}
    wanted = request.GET.get("person", "")
    if wanted.isdigit():
        person = PersonOfConcern.objects.visible_to(user).filter(pk=wanted).first()
        initial["people"] = person.reference if person else ""
    form = ItemForm(request.POST or None, initial=initial, operations=operations)
    if request.method == "POST" and form.is_valid():
        people, missing = _people(user, form.people_references())
        if missing:
            form.add_error("people", f"There is no person of concern {', '.join(missing)} that you can open")
        else:
            try:
                item = record_intelligence(user, request=request, people=people, **form.item_kwargs())
                return redirect("intelligence:item", item_id=item.pk)
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    form.add_error(form.field_for(field), messages)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "intelligence/item_form.html", {"form": form, "errors": error_summary([form])},
                  status=status)


@role_required(*READERS)
def item_page(request, item_id):
    return render_item(request, open_visible(request, "intelligence", item_id, queryset=ITEMS))


def render_item(request, item, *, status=200, access_forms=None):
    """The item's page; `access_forms`: a restriction or transfer form that failed, shown with its errors."""
    meanings = [(label, grading.meaning(item.scheme, part, code)) for label, part, code in (
        ("Source evaluation", "source", item.source_grade), ("Intelligence assessment", "intelligence",
                                                            item.intelligence_grade),
        ("Handling code", "handling", item.handling_code))]
    return render(request, "intelligence/item.html", {
        "item": item, "meanings": meanings, "named": list(item.named.order_by("kind", "pk")),
        "people": list(PersonOfConcern.objects.visible_to(request.user).filter(intelligence=item)),
        "sharing": grading.sharing_words(item.scheme, item.handling_code),
        "access": access_panel(request, item, access_forms or {}),
        "errors": error_summary(list((access_forms or {}).values()))}, status=status)


def child_section(request, child):
    """The child's page shows the sanitised summaries the viewer may read (each read audited), when there are
    any. Registered with `safehub.cases.views.CHILD_PAGE_SECTIONS`."""
    summaries = sanitised_summaries(request.user, child=child, request=request)
    return {"template": "intelligence/child_section.html", "summaries": summaries} if summaries else None
