"""Token authentication for agency systems calling the API. Tokens are stored only as SHA-256 digests."""

import hashlib
import secrets

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from safehub.accounts.models import ApiToken

TOKEN_PREFIX_LENGTH = 8


def digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user, name, *, issued_by=None, request=None):
    """Create a token for an account and return it; it is never shown again. Administrators issue tokens through
    `safehub.accounts.actions.issue_api_token`, which allows agency system accounts only."""
    from django.db import transaction

    from safehub.audit.trail import record

    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        issued = ApiToken.objects.create(user=user, name=name, digest=digest(token), prefix=token[:TOKEN_PREFIX_LENGTH])
        record("api_token_issued", user=issued_by, obj=issued, reason=f"for {user.username}: {name}", request=request)
    return token


class AgencySystemTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Give the token as 'Authorization: Token <token>'.")
        token = (
            ApiToken.objects.select_related("user", "user__agency")
            .filter(digest=digest(header[1]), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked token.")
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class AgencySystemTokenScheme(OpenApiAuthenticationExtension):
    """Documents the token scheme in the OpenAPI schema."""

    target_class = "safehub.accounts.api_auth.AgencySystemTokenAuthentication"
    name = "agencySystemToken"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "An agency system's token, as `Token <token>`."}
