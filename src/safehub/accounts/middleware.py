import datetime as dt

from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from safehub import clock
from safehub.accounts import sso
from safehub.accounts.actions import signed_out_by_provider
from safehub.accounts.models import ExternalIdentity


class ProviderRecheckMiddleware:
    """A person signed in through their agency's provider is asked about again at the provider once the re-check
    interval has passed (ADR 26): removed or disabled there, or a failed check, signs them out at that request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tokens = request.session.get(sso.SESSION_KEY) if request.user.is_authenticated else None
        if tokens and self._due(tokens) and not self._still_vouched_for(request, tokens):
            return redirect(reverse("accounts:login") + "?signed_out=provider")
        return self.get_response(request)

    @staticmethod
    def _due(tokens):
        checked_at = dt.datetime.fromtimestamp(tokens["checked_at"], tz=dt.timezone.utc)
        return clock.sso_recheck_due(checked_at) <= timezone.now()

    @staticmethod
    def _still_vouched_for(request, tokens):
        identity = ExternalIdentity.objects.select_related("provider").filter(pk=tokens["identity"]).first()
        if (identity is None or identity.status != ExternalIdentity.Status.LINKED
                or identity.user_id != request.user.pk or not identity.provider.is_active):
            signed_out_by_provider(request, identity, "identity_withdrawn")
            return False
        fresh = sso.still_there(identity.provider, tokens, identity.subject)
        if fresh is None:
            signed_out_by_provider(request, identity, "provider_refused")
            return False
        request.session[sso.SESSION_KEY] = fresh
        return True
