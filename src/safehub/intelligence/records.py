"""Opening a person of concern or an intelligence item by its id, through the policy, with the audit of every
look (pages and API alike)."""

from django.http import Http404

from safehub.access.policy import would_see_but_for_restriction
from safehub.access.records import Restricted
from safehub.audit.trail import record as audit
from safehub.intelligence.models import IntelligenceItem, PersonOfConcern

KINDS = {"person": PersonOfConcern, "intelligence": IntelligenceItem}


def open_visible(request, kind, pk, *, queryset=None, offer_glass=False):
    """The record if the user may open it (a GET writes "<kind>_viewed"); otherwise the refusal is audited
    and the answer is 404, whether the record is missing, restricted or closed to them. With `offer_glass`
    (a record's own page), a manager a restriction alone keeps out of a person of concern is answered
    `Restricted` instead, for the page that offers to break the glass (never for an intelligence item)."""
    model = KINDS[kind]
    found = (queryset if queryset is not None else model.objects).visible_to(request.user).filter(pk=pk).first()
    hidden = model._base_manager.filter(pk=pk).first() if found is None and offer_glass else None
    if hidden is not None and would_see_but_for_restriction(request.user, hidden):
        audit("access_denied", user=request.user, obj=hidden, reason="restricted record", request=request)
        raise Restricted(hidden)
    if found is None:
        audit("access_denied", user=request.user, object_type=model._meta.model_name, object_id=str(pk)[:40],
              request=request)
        raise Http404("No record with that number that you can open")
    if request.method == "GET":
        audit(f"{kind}_viewed", user=request.user, obj=found, request=request)
    return found
