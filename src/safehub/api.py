"""Shared API plumbing: errors come back as JSON with a clear message, never a stack trace, and every
refusal is written to the audit trail like a refused page. The schema documents every status an operation
can answer with, and asks of a request exactly what the server will accept (ADR 23)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from drf_spectacular.openapi import AutoSchema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from safehub.audit.trail import record

REFUSALS = (exceptions.NotAuthenticated, exceptions.AuthenticationFailed, exceptions.PermissionDenied,
            exceptions.NotFound, PermissionDenied, Http404)
# Error codes of refusals no schema can state: a reference to a record that does not exist or that the
# caller may not open, a check digit, a rule of the action (dates, who must attend). These answer 422.
BEYOND_THE_SCHEMA = {"does_not_exist", "rule", "check_digit"}
# A text the server strips and then refuses when empty must hold at least one character that is not a space.
NOT_ONLY_SPACES = r"\S"


def exception_handler(exc, context):
    request = context.get("request")
    if isinstance(exc, REFUSALS) and request is not None:
        user = getattr(request, "_user", None)
        record("access_denied", user=user, object_type="api", object_id=request.path[:40], request=request)
    if isinstance(exc, ValidationError):
        return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
    if isinstance(exc, PermissionDenied):
        return Response({"detail": str(exc) or "Not allowed."}, status=status.HTTP_403_FORBIDDEN)
    response = drf_exception_handler(exc, context)
    if isinstance(exc, exceptions.ValidationError) and _codes(exc.get_codes()) <= BEYOND_THE_SCHEMA:
        response.status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    return response


def _codes(tree):
    """Every error code in DRF's nested codes (a code, or lists and dicts of them)."""
    if isinstance(tree, dict):
        return set().union(*map(_codes, tree.values())) if tree else set()
    if isinstance(tree, list):
        return set().union(*map(_codes, tree)) if tree else set()
    return {tree}


class Error(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in words")


FIELD_ERRORS = {
    "type": "object",
    "description": "Each field that was refused, with what to change: a list of messages, or for a list or "
                   "object field the same shape again for each item. `detail` holds errors about the request "
                   "as a whole (a message or a list of messages); `non_field_errors` about several fields together.",
    "additionalProperties": {"anyOf": [{"type": "string"}, {"type": "array", "items": {}}, {"type": "object"}]},
    "minProperties": 1,
}

REFUSAL_WORDS = {
    "400": "Refused: the request does not match this schema, or breaks a rule given in a field's description",
    "401": "No token, or an unknown or revoked token",
    "403": "The token's account may not use this operation (its role or agency)",
    "404": "No record with that reference or id that this token's account may open",
    "415": "The body is not JSON",
    "422": "The request matches this schema but was refused by a rule no schema can state: a reference to a "
           "record that does not exist or that this token's account may not open, a check digit, or a rule "
           "of the action (for example a date or who must attend); the body says which field and why",
}


class SafehubAutoSchema(AutoSchema):
    """drf-spectacular's schema, plus the refusals every operation can give and stricter request text fields."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._refusal_codes():
            body = FIELD_ERRORS if code in ("400", "422") else Error
            responses.setdefault(code, self._get_response_for_code(body, code, direction=direction))
            responses[code]["description"] = responses[code].get("description") or REFUSAL_WORDS[code]
        return responses

    def _refusal_codes(self):
        codes = []
        if self.method in ("POST", "PUT", "PATCH"):
            codes += ["400", "415", "422"]
        if self.view.get_authenticators():
            codes += ["401", "403"]
        if "{" in self.path:
            codes.append("404")
        return codes

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction == "request" and schema and not getattr(field, "allow_null", True):
            schema.pop("nullable", None)
        if (direction == "request" and isinstance(field, serializers.CharField) and not field.allow_blank
                and field.trim_whitespace and schema and "pattern" not in schema):
            schema["pattern"] = NOT_ONLY_SPACES
        return schema

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        rules = getattr(serializer, "request_schema_rules", None) if direction == "request" else None
        for key, value in (rules or {}).items():
            if key == "properties":
                for name, extra in value.items():
                    schema["properties"][name] = {**schema["properties"][name], **extra}
            else:
                schema[key] = value
        return schema
