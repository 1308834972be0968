"""Talking to an agency's OpenID Connect provider through Authlib (ADR 26): the authorization code flow with
PKCE, the ID token's checks, and the re-check of a signed-in person at the provider on an interval."""

import time

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.utils import timezone
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError

SESSION_KEY = "sso"


class SignInRefused(Exception):
    """A provider sign-in that must not go on: `kind` is audited, `message` is shown to the person."""

    def __init__(self, kind, message="We could not sign you in through your organisation. Try again."):
        super().__init__(kind)
        self.kind = kind
        self.message = message


_metadata_cache = {}


def client_for(provider):
    """An Authlib client for this provider; discovery documents are kept for an hour per issuer."""
    registry = OAuth()
    client = registry.register(
        name=f"provider{provider.pk}",
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        server_metadata_url=provider.issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": provider.scopes, "code_challenge_method": "S256",
                       "timeout": settings.SAFEHUB_OIDC_TIMEOUT_SECONDS},
    )
    cached = _metadata_cache.get(provider.issuer)
    if cached and time.monotonic() - cached[0] < 3600:
        client.server_metadata = dict(cached[1])
    return client


def _remember_metadata(provider, client):
    if client.server_metadata.get("issuer"):
        _metadata_cache[provider.issuer] = (time.monotonic(), dict(client.server_metadata))


def start(request, provider, redirect_uri):
    """The redirect to the provider's sign-in page (state, nonce and PKCE verifier kept in the session)."""
    client = client_for(provider)
    try:
        response = client.authorize_redirect(request, redirect_uri)
    except (requests.RequestException, OAuthError, ValueError, KeyError) as error:
        raise SignInRefused("provider_unreachable", "Your organisation's sign-in service did not answer. "
                            "Try again, or sign in with your Safehub password.") from error
    _remember_metadata(provider, client)
    return response


def finish(request, provider):
    """Check the provider's answer and exchange the code: the verified ID token claims and the tokens."""
    client = client_for(provider)
    try:
        token = client.authorize_access_token(request, leeway=settings.SAFEHUB_OIDC_LEEWAY_SECONDS)
    except MismatchingStateError as error:
        raise SignInRefused("bad_state", "Your sign-in had expired or was not started here. Start again.") from error
    except OAuthError as error:
        kind = "cancelled" if error.error == "access_denied" else "provider_error"
        raise SignInRefused(kind) from error
    except (requests.RequestException, ValueError) as error:
        raise SignInRefused("provider_unreachable") from error
    except JoseError as error:
        raise SignInRefused(id_token_fault(error)) from error
    _remember_metadata(provider, client)
    claims = token.get("userinfo")
    if not claims or not claims.get("sub"):
        raise SignInRefused("no_id_token")
    return dict(claims), token


def verified_claims(provider, token, nonce):
    """The ID token's claims after every check (signature, issuer, audience, expiry, nonce), as `finish` does."""
    try:
        return dict(client_for(provider).parse_id_token(token, nonce=nonce,
                                                        leeway=settings.SAFEHUB_OIDC_LEEWAY_SECONDS))
    except JoseError as error:
        raise SignInRefused(id_token_fault(error)) from error


def id_token_fault(error):
    if isinstance(error, ExpiredTokenError):
        return "expired_token"
    if isinstance(error, (InvalidClaimError, MissingClaimError)):
        claim = getattr(error, "claim", "")
        return "wrong_audience" if claim in ("aud", "azp") else f"bad_{claim or 'id_token'}"
    return "bad_signature"


def session_tokens(token, identity):
    return {"identity": identity.pk, "access_token": token.get("access_token", ""),
            "refresh_token": token.get("refresh_token", ""), "checked_at": timezone.now().timestamp()}


def still_there(provider, tokens, subject):
    """Ask the provider whether the person may still sign in. With a refresh token, refresh first: a provider
    refuses it at once for a removed or disabled account (an access token would still work until it expires,
    an hour or so at Entra ID); then their userinfo with the access token must name the same subject. Returns
    the tokens to keep, or None when the provider says no or cannot be asked."""
    client = client_for(provider)
    try:
        if tokens.get("refresh_token"):
            fresh = client.fetch_access_token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
            tokens = {**tokens, "access_token": fresh["access_token"],
                      "refresh_token": fresh.get("refresh_token") or tokens["refresh_token"]}
        info = client.userinfo(token={"access_token": tokens["access_token"], "token_type": "Bearer"})
    except (requests.RequestException, OAuthError, ValueError, KeyError):
        return None
    return {**tokens, "checked_at": timezone.now().timestamp()} if info.get("sub") == subject else None
