"""Shared API plumbing: errors come back as JSON with a clear message, never a stack trace, and every
refusal is written to the audit trail like a refused page."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from safehub.audit.trail import record

REFUSALS = (exceptions.NotAuthenticated, exceptions.AuthenticationFailed, exceptions.PermissionDenied,
            exceptions.NotFound, PermissionDenied, Http404)


def exception_handler(exc, context):
    request = context.get("request")
    if isinstance(exc, REFUSALS) and request is not None:
        user = getattr(request, "_user", None)
        record("access_denied", user=user, object_type="api", object_id=request.path[:40], request=request)
    if isinstance(exc, ValidationError):
        return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, PermissionDenied):
        return Response({"detail": str(exc) or "Not allowed."}, status=status.HTTP_403_FORBIDDEN)
    return drf_exception_handler(exc, context)
