"""Asking other areas from a person of concern's page, and this partnership's answer to other areas."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from safehub.accounts.decorators import role_required
from safehub.federation import actions
from safehub.federation.answering import answer, signed_body
from safehub.federation.encodings import PARTNER_HEADER
from safehub.intelligence.policy import PERSON_READERS
from safehub.intelligence.records import open_visible


@require_POST
@role_required(*PERSON_READERS)
def ask(request, person_id):
    person = open_visible(request, "person", person_id)
    try:
        actions.ask_other_areas(request.user, person, request=request)
    except ValidationError as error:
        from safehub.intelligence.views.people import render_person

        return render_person(request, person, status=400, federation_error=error.messages[0])
    return redirect(reverse("intelligence:person", args=[person.pk]) + "#other-areas")


@csrf_exempt
@require_POST
def query(request):
    """Another partnership's query: signed by the partner, answered with a signed JSON body."""
    status, data = answer(request)
    body, headers = signed_body(request.headers.get(PARTNER_HEADER, "")[:40], data)
    response = HttpResponse(body, status=status, content_type="application/json")
    for name, value in headers.items():
        response[name] = value
    return response
