"""Site-wide pages: errors that never show a stack trace, and the static information pages."""

from django.http import JsonResponse
from django.shortcuts import render


def accessibility(request):
    return render(request, "accessibility.html")


def privacy(request):
    return render(request, "privacy.html")


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def forbidden(request, exception=None):
    return render(request, "errors/403.html", status=403)


def not_found(request, exception=None):
    if request.path.startswith("/api/"):  # an API client gets JSON, as the schema says (an id that is not a number)
        return JsonResponse({"detail": "No record there that you can open."}, status=404)
    return render(request, "errors/404.html", status=404)


def server_error(request):
    return render(request, "errors/500.html", status=500)


def csrf_failure(request, reason=""):
    return render(request, "errors/csrf.html", status=403)
