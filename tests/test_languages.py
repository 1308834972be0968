"""The public side in seven languages (ADR 27): the switcher and its cookie, right-to-left pages, the safety
messages shown in English until a fluent reviewer checks them, the catalogues complete and compiled, and a
report's language reaching the screener with an interpreter flag."""

import gettext
import re

import pytest
from django.conf import settings
from django.test import Client

from safehub import languages
from safehub.intake import catalogues, safety
from safehub.intake.models import Contact, ContactPerson
from safehub.linking.mentions import person_fields
from tests.journey import fill_public_report, send, send_and_file

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = ["/", "/report/", "/contact-us/", "/report/add/", "/privacy/", "/accessibility/", "/statistics/",
                "/no-such-page/"]
SAFETY_WORDS = re.compile(r"\b(999|101|Childline|NSPCC|CEOP|immediate danger|who else you can contact)\b", re.I)


@pytest.fixture
def public(agencies):
    return Client()


def html_of(response):
    return response.content.decode()


def html_tag(response):
    return re.search(r"<html[^>]*>", html_of(response)).group(0)


def test_every_public_page_offers_every_language_named_in_itself(public):
    for url in PUBLIC_PAGES:
        html = html_of(public.get(url))
        for language in languages.public_languages():
            assert f'lang="{language.code}"' in html and f">{language.own_name}<" in html, (url, language.code)
        assert f'href="{url}?lang=cy"' in html


def test_the_chosen_language_is_remembered_and_the_browser_language_is_the_default(public):
    first = public.get("/?lang=pl")
    assert 'lang="pl"' in html_tag(first) and "Zgłoś niepokój" in html_of(first)
    assert first.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pl"
    assert 'lang="pl"' in html_tag(public.get("/privacy/"))
    stranger = Client(headers={"accept-language": "ro-RO,ro;q=0.9,en;q=0.5"})
    assert 'lang="ro"' in html_tag(stranger.get("/"))
    assert 'lang="en-gb"' in html_tag(Client().get("/"))
    assert 'lang="pl"' in html_tag(public.get("/?lang=xx"))  # an unknown code changes nothing


@pytest.mark.parametrize("code,direction", [("ar", "rtl"), ("ur", "rtl"), ("pa", "ltr"), ("cy", "ltr")])
def test_urdu_and_arabic_pages_are_right_to_left(public, code, direction):
    assert f'dir="{direction}"' in html_tag(public.get(f"/report/?lang={code}"))


def test_staff_pages_stay_in_english_whatever_the_language_chosen(public, client_for):
    public.get("/?lang=ar")
    login = public.get("/accounts/login/")
    assert 'lang="en-gb"' in html_tag(login) and 'dir="ltr"' in html_tag(login)
    assert 'id="language-select"' not in html_of(login)
    screener = client_for("screener")
    screener.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    queue = screener.get("/screening/")
    assert 'lang="en-gb"' in html_tag(queue) and "Screening queue" in html_of(queue)


def test_unchecked_safety_messages_are_shown_in_english_never_as_the_draft(public):
    welsh_draft = "Os yw plentyn mewn perygl uniongyrchol"
    for url in ["/?lang=cy", "/contact-us/", "/report/add/", "/no-such-page/"]:
        html = html_of(public.get(url))
        assert welsh_draft not in html, url
        assert '<span class="safehub-safety" lang="en" dir="ltr">If a child is in immediate danger, call' in html
    routes = html_of(public.get("/contact-us/"))
    assert '<span class="safehub-safety" lang="en" dir="ltr">Call 0800 1111</span>' in routes
    assert "Ffoniwch 0800 1111" not in routes
    assert "Dewis iaith" in routes  # the rest of the page is in the Welsh draft


def test_checked_safety_messages_are_shown_translated(public, monkeypatch):
    checked = languages.Language("cy", "Welsh", "Cymraeg", reviewed_by="A. Reviewer", reviewed_on="2026-11-30",
                                 safety_reviewed=True)
    monkeypatch.setitem(languages.REGISTRY, "cy", checked)
    html = html_of(public.get("/contact-us/?lang=cy"))
    assert 'Os yw plentyn mewn perygl uniongyrchol, ffoniwch <a href="tel:999">999</a> nawr.' in html
    assert "Ffoniwch 0800 1111" in html and "If a child is in immediate danger" not in html
    assert re.findall(r'class="safehub-safety" lang="en" dir="ltr">([^<]*)<', html) == ["Childline"]  # a name
    assert 'id="translation-state"' not in html  # a reviewed language is not marked as a draft


def test_every_safety_message_has_the_safety_context_in_every_catalogue():
    for path in catalogues.po_paths():
        for message in catalogues.read(path):
            text = message.id[0] if isinstance(message.id, tuple) else message.id
            if text and SAFETY_WORDS.search(text):
                assert message.context == "safety", (path, text)
    registered = {safety.english(message) for message in safety.MESSAGES.values()}
    assert "If a child is in immediate danger, call 999." in registered


def test_the_catalogues_are_complete_with_placeholders_and_numbers_kept():
    assert catalogues.problems() == []
    shipped = {catalogues.language_of(path) for path in catalogues.po_paths()}
    assert shipped == {code for code, _ in settings.ALL_PUBLIC_LANGUAGES} - {"en-gb"}


def test_the_compiled_catalogues_hold_exactly_what_the_po_files_say():
    for path in catalogues.po_paths():
        with path.with_suffix(".mo").open("rb") as handle:
            compiled = gettext.GNUTranslations(handle)
        for message in catalogues.read(path):
            if not message.id or isinstance(message.id, tuple):
                continue
            found = compiled.pgettext(message.context, message.id) if message.context else compiled.gettext(message.id)
            assert found == message.string, (path, message.id)


def test_each_catalogue_header_records_the_review_state_of_its_language():
    for path in catalogues.po_paths():
        header = catalogues.header(path)
        language = languages.REGISTRY[catalogues.language_of(path)]
        assert header["Language"] == language.code
        assert header["X-Safehub-Review-State"] == language.state
        assert header["X-Safehub-Reviewed-By"] == language.reviewed_by
        assert header["X-Safehub-Safety-Reviewed"] == ("yes" if language.safety_reviewed else "no")


def test_a_draft_translation_says_so_on_the_page(public):
    assert 'id="translation-state"' in html_of(public.get("/?lang=ur"))
    assert 'id="translation-state"' not in html_of(public.get("/?lang=en-gb"))


def test_errors_and_hints_are_in_the_chosen_language_with_answers_kept(public):
    public.get("/?lang=cy")
    public.post("/report/", {"route": "public"})
    html = html_of(public.post("/report/concern/", {"concern": "", "when_happened": "nos Wener"}))
    assert "Mae problem" in html and '<a href="#id_concern">Dywedwch wrthym beth sy&#x27;n eich poeni</a>' in html
    assert 'value="nos Wener"' in html and "<title>Gwall:" in html


def sent_in(client, code, **answers):
    client.get(f"/?lang={code}")
    send(client, fill_public_report(client, **answers))
    return Contact.objects.latest("received_at")


def test_a_report_written_in_arabic_reaches_the_screener_in_english_with_an_interpreter_flag(public, client_for):
    contact = sent_in(public, "ar", concern="رجال يأخذونها بعد المدرسة")
    assert contact.language == "ar" and contact.interpreter_needed
    assert contact.concern == "رجال يأخذونها بعد المدرسة"
    screener = client_for("screener")
    queue = html_of(screener.get("/screening/"))
    assert "Arabic (العربية): interpreter needed" in queue
    page = html_of(screener.get(f"/screening/{contact.reference}/"))
    assert 'lang="en-gb"' in page[:200] and "Written in" in page and "Interpreter needed" in page


def test_a_report_in_english_needs_no_interpreter(public, client_for):
    contact = sent_in(public, "en-gb")
    assert contact.language == "en-gb" and not contact.interpreter_needed
    assert "interpreter needed" not in html_of(client_for("screener").get("/screening/"))


@pytest.mark.parametrize("code,written,latin", [("ar", "محمد خان", "Mohammed Khan"), ("ur", "یوسف علی", "Yusuf Ali"),
                                                ("pa", "ਹਰਪ੍ਰੀਤ ਸਿੰਘ", "Harpreet Singh")])
def test_a_name_in_another_script_is_stored_as_written_and_joins_its_latin_first_name(public, code, written, latin):
    people = {"0-name": written, "0-nicknames": ""}
    public.get(f"/?lang={code}")
    assert public.post("/report/", {"route": "public"}).status_code == 302
    assert public.post("/report/concern/", {"concern": "x"}).status_code == 302
    for section in ["children", "people", "vehicles", "phones", "handles", "places"]:
        data = {"count": "1", "action": "continue", **(people if section == "people" else {})}
        assert public.post(f"/report/{section}/", data).status_code == 302
    public.post("/report/you/", {"anonymous": "no"})
    key = re.search(r'name="submission_key" value="([0-9a-f]+)"', html_of(public.get("/report/check/"))).group(1)
    send_and_file(public, key)
    person = ContactPerson.objects.get(contact__language=code)
    assert person.name == written
    mention = person_fields(person.name)
    assert mention["first_key"] == person_fields(latin)["first_key"]
    assert mention["last_key"] != person_fields(latin)["last_key"]  # surnames across scripts do not agree yet


HARD_TO_REACH = {
    "intake/rate_limited.html": {},
    "intake/store_failed.html": {"check_url": "/report/check/"},
    "intake/return_locked.html": {"reference": "SH-2026-000123"},
    "intake/return_done.html": {"reference": "SH-2026-000123"},
    "errors/400.html": {}, "errors/403.html": {}, "errors/404.html": {}, "errors/500.html": {}, "errors/csrf.html": {},
    "intake/return_add.html": {"reference": "SH-2026-000123", "form": "AdditionForm"},
}


def rendered(template, context, code):
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string
    from django.test import RequestFactory
    from django.utils import timezone, translation

    from safehub.intake import forms

    request = RequestFactory().get("/report/")
    request.user = AnonymousUser()
    with translation.override(code):
        if "form" in context:
            context = {**context, "form": getattr(forms, context["form"])()}
        return render_to_string(template, {"received_at": timezone.now(), **context}, request=request)


@pytest.mark.parametrize("code", ["cy", "ar"])
def test_the_pages_a_journey_rarely_reaches_have_no_english_left(agencies, code):
    from tests.textnodes import english_left

    for template, context in HARD_TO_REACH.items():
        english, translated = rendered(template, context, "en-gb"), rendered(template, context, code)
        assert f'lang="{code}"' in translated[:200], template
        assert english_left(translated, english) == [], template


def adult_route_pages(code):
    """Every page of the adult survivor's route, as a named reporter, with each question's error shown once."""
    client = Client()
    client.get(f"/?lang={code}")
    pages = {"who": client.get("/report/")}
    client.post("/report/", {"route": "non_recent"})
    steps = [("concern", {"concern": "It happened in 2004."}), ("wants", {"wants": "support"}),
             ("people", {"count": "1", "action": "continue"}), ("places", {"count": "1", "action": "continue"}),
             ("others", {"other_victims": "not_sure"}),
             ("you", {"anonymous": "yes", "name": "A Reporter", "email": "a@example.com"}),
             ("safe_contact", {"no_phone": "on", "no_letters": "on", "interpreter": "on", "language": "Urdu"})]
    for step, answers in steps:
        pages[step] = client.get(f"/report/{step}/")
        pages[f"{step}, nothing given"] = client.post(f"/report/{step}/", {"count": "1", "action": "continue"}
                                                      if "count" in answers else {})
        client.post(f"/report/{step}/", answers)
    pages["check"] = client.get("/report/check/")
    return {name: html_of(response) for name, response in pages.items()}


@pytest.mark.parametrize("code", ["cy", "ar"])
def test_every_question_of_the_adult_route_has_no_english_left(agencies, code):
    from tests.textnodes import english_left

    english, translated = adult_route_pages("en-gb"), adult_route_pages(code)
    assert "Do not phone." in english["check"] and f'lang="{code}"' in translated["check"][:200]
    typed = {"It happened in 2004.", "A Reporter", "a@example.com"}  # the reporter's own words, shown back
    same_in_both = {"Person 1"} if code == "cy" else set()
    left = {name: english_left(html, english[name], typed | same_in_both) for name, html in translated.items()}
    assert {name: words for name, words in left.items() if words} == {}
