"""Public report and professional referral: question pages, check your answers, confirmation."""

import logging
import time
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from safehub.access.records import Restricted, open_record
from safehub.accounts.decorators import role_required
from safehub.forms import error_summary, error_text
from safehub.intake import drafts, forms, ratelimit
from safehub.intake.actions import (MAX_ITEMS_PER_SECTION, PUBLIC_KINDS, Held, ReturnRefused, add_information,
                                   open_with_passphrase, set_reporter_passphrase, submit_contact)
from safehub.intake.flows import PROFESSIONAL, PUBLIC, STEP_TITLES, sections_for
from safehub.intake.models import Contact
from safehub.screening.actions import mark_read

log = logging.getLogger(__name__)


def _too_many_pages(request):
    return request.method == "POST" and not ratelimit.allow(request, "pages", settings.SAFEHUB_PUBLIC_PAGES_PER_WINDOW)


def _rate_limited(request):
    return render(request, "intake/rate_limited.html", status=429)


def _throttled_after_saving(request, response):
    """A question page's answers are saved before the page limit is looked at: over it, the reporter is asked to
    wait before going on (with a link to where they were going) instead of losing what they typed (ADR 21)."""
    if response.status_code == 302 and _too_many_pages(request):
        return render(request, "intake/rate_limited.html", {"continue_url": response["Location"]}, status=429)
    return response


def new_draft(kind):
    return {"kind": kind, "submission_key": uuid.uuid4().hex}


@require_http_methods(["GET", "POST"])
def report_start(request):
    """First question of the public journey: a child now, or the reporter's own childhood."""
    return _throttled_after_saving(request, _report_start(request))


def _report_start(request):
    draft = drafts.load(request, PUBLIC)
    initial = {"route": draft["kind"]} if draft else None
    form = forms.WhoForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        route = form.cleaned_data["route"]
        response = redirect(PUBLIC.url_name, step="concern")
        if not draft or draft.get("kind") != route:
            drafts.save(request, PUBLIC, new_draft(route), response)
        return response
    return render(request, "intake/start.html", {"form": form, "errors": error_summary([form])})


@role_required("referrer")
def referral_start(request):
    drafts.save(request, PROFESSIONAL, new_draft("professional"))
    return redirect(PROFESSIONAL.url_name, step="concern")


@require_http_methods(["GET", "POST"])
def report_step(request, step):
    response = _step(request, PUBLIC, step, referrer=None)
    return response if step == "check" else _throttled_after_saving(request, response)


@role_required("referrer")
@require_http_methods(["GET", "POST"])
def referral_step(request, step):
    return _step(request, PROFESSIONAL, step, referrer=request.user)


def _step(request, flow, step, referrer):
    draft = drafts.load(request, flow)
    if step == "check" and request.method == "POST":
        return _submit(request, flow, draft, referrer)
    if not draft:
        return redirect(flow.start_url_name)
    steps = flow.steps(draft)
    if step not in steps:
        raise Http404("No such question")
    page = {
        "flow": flow,
        "draft": draft,
        "step": step,
        "title": STEP_TITLES[step],
        "back_url": _step_url(flow, steps[steps.index(step) - 1]) if steps.index(step) else reverse(flow.start_url_name),
        "changing": request.GET.get("change") == "1",
    }
    sections = sections_for(draft)
    if step in sections:
        page["title"] = sections[step].title
    if step == "check":
        return _check(request, flow, draft, page)
    if step in sections:
        return _section(request, flow, draft, steps, sections[step], page)
    form = _single_form(step, draft, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        _save_single(draft, step, form.cleaned_data)
        drafts.save(request, flow, draft)
        steps = flow.steps(draft)  # answering "about you" can add the safe contact question
        if page["changing"] and step == "you" and "safe_contact" in steps and not draft.get("safe_contact"):
            return redirect(_step_url(flow, "safe_contact") + "?change=1")
        return redirect(_next_url(flow, steps, step, page["changing"]))
    return render(request, "intake/question.html", {**page, "form": form, "errors": error_summary([form])})


def _step_url(flow, step):
    return reverse(flow.url_name, kwargs={"step": step})


def _next_url(flow, steps, step, changing):
    if changing:
        return _step_url(flow, "check")
    return _step_url(flow, steps[steps.index(step) + 1])


def _single_form(step, draft, data):
    non_recent = draft.get("kind") == "non_recent"
    if step == "concern":
        initial = {"concern": draft.get("concern", ""), "when_happened": draft.get("when_happened", "")}
        return forms.ConcernForm(data, initial=initial, non_recent=non_recent)
    if step == "you":
        reporter = dict(draft.get("reporter") or {})
        if "anonymous" in reporter:
            reporter["anonymous"] = "no" if reporter["anonymous"] else "yes"
        return forms.AboutYouForm(data, initial=reporter, non_recent=non_recent)
    if step == "referral":
        return forms.ReferralDetailsForm(data, initial=draft.get("referral") or {})
    if step == "wants":
        return forms.WantsForm(data, initial={"wants": draft.get("wants", "")})
    if step == "others":
        return forms.OthersForm(data, initial=draft.get("others") or {})
    if step == "safe_contact":
        return forms.SafeContactForm(data, initial=draft.get("safe_contact") or {})
    raise Http404("No such question")


def _save_single(draft, step, cleaned):
    if step == "concern":
        draft.update(concern=cleaned["concern"], when_happened=cleaned["when_happened"])
    elif step == "you":
        draft["reporter"] = {"anonymous": True} if cleaned["anonymous"] else cleaned
    elif step == "referral":
        draft["referral"] = cleaned
    elif step == "wants":
        draft["wants"] = cleaned["wants"]
    elif step in ("others", "safe_contact"):
        draft[step] = cleaned


def _section(request, flow, draft, steps, section, page):
    items = draft.get(section.key) or []
    if request.method == "GET":
        extra = 1 if (not items or request.GET.get("add") == "1") else 0
        item_forms = [section.form(prefix=str(i), initial=item) for i, item in enumerate(items)]
        item_forms += [section.form(prefix=str(len(items) + i)) for i in range(extra)]
        return _render_section(request, section, page, item_forms)

    count = _bounded_int(request.POST.get("count"), 1, MAX_ITEMS_PER_SECTION)
    action = request.POST.get("action", "continue")
    removed = _bounded_int(action.removeprefix("remove-"), 0, count - 1) if action.startswith("remove-") else None
    item_forms = [section.form(request.POST, prefix=str(i)) for i in range(count) if i != removed]
    filled = [form for form in item_forms if not form.is_blank()]
    if not all(form.is_valid() for form in filled):
        return _render_section(request, section, page, item_forms, errors=error_summary(filled))
    draft[section.key] = [form.cleaned_data for form in filled]
    drafts.save(request, flow, draft)
    if removed is not None:
        return redirect(_step_url(flow, section.key) + ("?change=1" if page["changing"] else ""))
    if action == "add":
        if len(filled) >= MAX_ITEMS_PER_SECTION:
            return _render_section(request, section, page, item_forms,
                                   errors=[("", _("You can add up to %(count)s of these") % {"count": MAX_ITEMS_PER_SECTION})])
        return redirect(_step_url(flow, section.key) + "?add=1" + ("&change=1" if page["changing"] else ""))
    return redirect(_next_url(flow, steps, section.key, page["changing"]))


def _bounded_int(value, low, high):
    try:
        return max(low, min(high, int(value)))
    except (TypeError, ValueError):
        return low


def _render_section(request, section, page, item_forms, errors=()):
    context = {**page, "section": section, "item_forms": item_forms, "errors": list(errors),
               "count": len(item_forms), "can_add": len(item_forms) < MAX_ITEMS_PER_SECTION}
    return render(request, "intake/section.html", context, status=400 if errors else 200)


def _check(request, flow, draft, page, error=None, status=200):
    context = {**page, "sections": sections_for(draft), "steps": flow.steps(draft), "error": error,
               "errors": [("", error)] if error else [], "Consent": Contact.Consent}
    return render(request, "intake/check.html", context, status=status)


def _submit(request, flow, draft, referrer):
    key = request.POST.get("submission_key", "")[:64]
    if not draft or draft.get("submission_key") != key:
        # Sent again after it was stored (the draft is gone), or a stale page: show what was stored, if anything.
        already = Contact.objects.filter(submission_key=key).values_list("reference", flat=True).first() if key else None
        if already is None:
            return redirect(flow.start_url_name)
        response = redirect(_done_url(flow))
        drafts.remember_sent(request, flow, response, already)
        return response
    try:
        contact, _created = submit_contact(
            draft, submission_key=key, referrer=referrer, request=request,
            language=translation.get_language() if referrer is None else None,
            held=_held_if_over_limit(request) if referrer is None else None,
            file_now=referrer is not None,  # a public report is accepted as one row and filed by the worker
        )
    except ValidationError as error:
        page = {"flow": flow, "draft": draft, "step": "check", "title": STEP_TITLES["check"],
                "back_url": _step_url(flow, flow.steps(draft)[-2]), "changing": False}
        return _check(request, flow, draft, page, error=error_text(error), status=400)
    except DatabaseError:
        log.exception("Could not store a report; the answers are kept in the draft")
        return render(request, "intake/store_failed.html", {"check_url": _step_url(flow, "check")}, status=503)
    response = redirect(_done_url(flow))
    drafts.discard(request, flow, response)
    drafts.remember_sent(request, flow, response, contact.reference)
    return response


def _held_if_over_limit(request):
    """Past its address's hourly limit a public report is held for a screener, never refused (ADR 21)."""
    sent = ratelimit.count(request, "submit")
    if sent <= settings.SAFEHUB_PUBLIC_SUBMISSIONS_PER_WINDOW:
        return None
    return Held(ratelimit.client_key(request), sent)


def _done_url(flow):
    return reverse("intake:report_done" if flow is PUBLIC else "intake:referral_done")


def report_done(request):
    reference = drafts.last_sent(request)
    if not reference:
        return redirect("intake:report_start")
    return _render_done(request, reference)


def _render_done(request, reference, form=None, status=200):
    contact = Contact.objects.filter(reference=reference).select_related("passphrase").first()
    has_passphrase = contact is not None and hasattr(contact, "passphrase")
    offer = contact is not None and contact.kind in PUBLIC_KINDS and not has_passphrase
    context = {"reference": reference, "professional": False, "has_passphrase": has_passphrase,
               "held": contact is not None and contact.flood_batch_id is not None,
               "passphrase_form": (form or forms.PassphraseForm(reference=reference)) if offer else None,
               "errors": error_summary([form]) if form is not None else []}
    return render(request, "intake/done.html", context, status=status)


@require_http_methods(["POST"])
def set_passphrase(request):
    """The confirmation page's passphrase, for the report this session has just sent (and only that one)."""
    if _too_many_pages(request):
        return _rate_limited(request)
    reference = drafts.last_sent(request)
    if not reference:
        return redirect("intake:report_start")
    contact = Contact.objects.filter(reference=reference, kind__in=PUBLIC_KINDS).first()
    if contact is None:
        raise Http404("No report to protect")
    form = forms.PassphraseForm(request.POST, reference=reference)
    if form.is_valid():
        try:
            set_reporter_passphrase(contact, form.cleaned_data["passphrase"], request=request)
            return redirect(reverse("intake:report_done") + "#passphrase-set")
        except ValidationError as error:
            form.add_error("passphrase", error_text(error))
    return _render_done(request, reference, form=form, status=400)


RETURN_SESSION_KEY = "returning"
RETURN_MINUTES = 30


@require_http_methods(["GET", "POST"])
def return_start(request):
    """Come back to a report with its reference and passphrase, to add information to it."""
    if _too_many_pages(request):
        return _rate_limited(request)
    form = forms.ReturnForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                contact = open_with_passphrase(request, form.cleaned_data["reference"], form.cleaned_data["passphrase"])
            except ReturnRefused as refused:
                if refused.locked:
                    return render(request, "intake/return_locked.html", {"reference": form.cleaned_data["reference"]},
                                  status=429)
                tries = int(str(refused))
                form.add_error("passphrase", ngettext(
                    "The reference number or passphrase is not right. Check them and try again: you have %(count)s "
                    "more try before this report is locked on this device.",
                    "The reference number or passphrase is not right. Check them and try again: you have %(count)s "
                    "more tries before this report is locked on this device.", tries) % {"count": tries})
            else:
                request.session.cycle_key()
                request.session[RETURN_SESSION_KEY] = {"reference": contact.reference, "at": time.time(),
                                                       "key": uuid.uuid4().hex}
                return redirect("intake:return_add")
    return render(request, "intake/return_start.html", {"form": form, "errors": error_summary([form])}, status=status)


def _returning(request):
    returning = request.session.get(RETURN_SESSION_KEY)
    if not returning or time.time() - returning.get("at", 0) > RETURN_MINUTES * 60:
        request.session.pop(RETURN_SESSION_KEY, None)
        return None
    return returning


@require_http_methods(["GET", "POST"])
def return_add(request):
    if _too_many_pages(request):
        return _rate_limited(request)
    returning = _returning(request)
    if returning is None:
        return redirect("intake:return_start")
    form = forms.AdditionForm(request.POST if request.method == "POST" else None)
    context = {"reference": returning["reference"], "form": form, "submission_key": returning["key"]}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "intake/return_add.html", {**context, "errors": error_summary([form])}, status=400)
        if not ratelimit.allow(request, "submit", settings.SAFEHUB_PUBLIC_SUBMISSIONS_PER_WINDOW):
            return _rate_limited(request)
        contact = Contact.objects.get(reference=returning["reference"])
        try:
            addition, _created = add_information(contact, form.as_draft(), submission_key=returning["key"], request=request)
        except ValidationError as error:
            form.add_error(None, error_text(error))
            return render(request, "intake/return_add.html", {**context, "errors": error_summary([form])}, status=400)
        except DatabaseError:
            log.exception("Could not store an addition to a report")
            return render(request, "intake/store_failed.html", {"check_url": reverse("intake:return_add")}, status=503)
        request.session.pop(RETURN_SESSION_KEY, None)
        request.session["added"] = {"reference": contact.reference, "at": addition.received_at.isoformat()}
        return redirect("intake:return_done")
    return render(request, "intake/return_add.html", context)


def return_done(request):
    added = request.session.get("added")
    if not added:
        return redirect("intake:return_start")
    from django.utils.dateparse import parse_datetime

    return render(request, "intake/return_done.html", {"reference": added["reference"],
                                                       "received_at": parse_datetime(added["at"])})


@role_required("referrer")
def referral_done(request):
    reference = request.session.get("last_reference")
    if not reference:
        return redirect("intake:my_referrals")
    return render(request, "intake/done.html", {"reference": reference, "professional": True})


def contact_routes(request):
    return render(request, "intake/routes.html")


@role_required("referrer")
def my_referrals(request):
    referrals = Contact.objects.visible_to(request.user).order_by("-received_at")
    return render(request, "intake/my_referrals.html", {"referrals": referrals})


@role_required("referrer")
def referral_detail(request, reference):
    try:
        contact = open_record(request, "contact", reference)
    except Restricted:
        raise Http404("No referral with that reference that you can open") from None
    mark_read(request.user, contact)
    return render(request, "intake/referral_detail.html", {"contact": contact})
