"""Safehub's URLs plus /floor/: a bare Django view that stores one row, behind the full middleware stack."""

from django.db import connection
from django.http import HttpResponse, HttpResponseNotAllowed
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

import safehub.urls


@csrf_exempt
def floor_view(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_floor (body, created_at) VALUES (%s, now())",
            [request.POST.get("body", "")[:1000]],
        )
    return HttpResponse(b"ok", status=201, content_type="text/plain")


urlpatterns = [
    path("floor/", floor_view),
    path("", include(safehub.urls)),
]

handler400 = safehub.urls.handler400
handler403 = safehub.urls.handler403
handler404 = safehub.urls.handler404
handler500 = safehub.urls.handler500
