"""Where a report's answers wait until it is sent.

A member of the public's draft lives in the "drafts" cache (Redis in production, files under var/drafts in the
embedded setup), named by its submission key, which the browser holds in a signed cookie: the public journey
reads and writes no database session, so sending a report costs only the statements that store it (ADR 22). A
professional's draft stays in their signed-in session. The reference of the report just sent is a signed cookie
too, for the confirmation page.
"""

from django.conf import settings
from django.core.cache import caches

from safehub.intake.flows import PUBLIC

DRAFT_COOKIE = "safehub_draft"
SENT_COOKIE = "safehub_sent"
_SALT = "safehub.intake.drafts"


def _cache():
    return caches["drafts"]


def _draft_id(request):
    return request.get_signed_cookie(DRAFT_COOKIE, default=None, salt=_SALT, max_age=settings.SAFEHUB_DRAFT_SECONDS)


def load(request, flow):
    """The draft this browser (or signed-in session) is answering, or None."""
    if flow is not PUBLIC:
        return request.session.get(flow.session_key)
    draft_id = _draft_id(request)
    return _cache().get(f"draft:{draft_id}") if draft_id else None


def save(request, flow, draft, response=None):
    """Keep the draft's answers; `response`: where to set the cookie naming a new draft."""
    if flow is not PUBLIC:
        request.session[flow.session_key] = draft
        request.session.modified = True
        return
    _cache().set(f"draft:{draft['submission_key']}", draft, timeout=settings.SAFEHUB_DRAFT_SECONDS)
    if response is not None:
        _set_cookie(response, DRAFT_COOKIE, draft["submission_key"], settings.SAFEHUB_DRAFT_SECONDS)


def discard(request, flow, response):
    """The draft was sent: forget its answers."""
    if flow is not PUBLIC:
        request.session.pop(flow.session_key, None)
        return
    draft_id = _draft_id(request)
    if draft_id:
        _cache().delete(f"draft:{draft_id}")
    response.delete_cookie(DRAFT_COOKIE, samesite="Lax")


def remember_sent(request, flow, response, reference):
    if flow is not PUBLIC:
        request.session["last_reference"] = reference
        return
    _set_cookie(response, SENT_COOKIE, reference, settings.SESSION_COOKIE_AGE)


def last_sent(request):
    """The reference of the public report this browser sent within the last idle-session time, or None (as the
    session kept it before: someone at a shared computer later cannot protect another's report)."""
    return request.get_signed_cookie(SENT_COOKIE, default=None, salt=_SALT, max_age=settings.SESSION_COOKIE_AGE)


def _set_cookie(response, name, value, max_age):
    response.set_signed_cookie(name, value, salt=_SALT, max_age=max_age, httponly=True, samesite="Lax",
                               secure=settings.SESSION_COOKIE_SECURE)
