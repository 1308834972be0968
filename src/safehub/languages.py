"""The languages of the public side: which there are, who checked each translation, and the rule for safety
messages (ADR 27).

Each language's state is recorded here and in the header of its .po file (tests keep the two agreeing). A
language whose safety messages nobody fluent has checked shows them in English: 999, 101, Childline, the NSPCC
and who else to contact are never shown in an unchecked translation. Staff pages stay in English.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import patch_vary_headers

from safehub.access.routes import ANYONE, ROUTES

LANGUAGE_PARAMETER = "lang"
SOURCE_LANGUAGE = "en-gb"


@dataclass(frozen=True)
class Language:
    code: str
    english_name: str
    own_name: str
    rtl: bool = False
    # Who checked the translation against the English, and when (ISO date); blank while it is a machine draft.
    reviewed_by: str = ""
    reviewed_on: str = ""
    # Whether the safety messages (msgctxt "safety") were checked too, one by one against their English meaning.
    safety_reviewed: bool = False

    @property
    def reviewed(self):
        return bool(self.reviewed_by and self.reviewed_on)

    @property
    def state(self):
        if self.code == SOURCE_LANGUAGE:
            return "source"
        return f"reviewed by {self.reviewed_by} on {self.reviewed_on}" if self.reviewed else "machine draft, not reviewed"


REGISTRY = {
    language.code: language
    for language in [
        Language("en-gb", "English", "English", reviewed_by="source text", reviewed_on="-", safety_reviewed=True),
        Language("cy", "Welsh", "Cymraeg"),
        Language("pl", "Polish", "Polski"),
        Language("ur", "Urdu", "اردو", rtl=True),
        Language("pa", "Punjabi", "ਪੰਜਾਬੀ"),
        Language("ro", "Romanian", "Română"),
        Language("ar", "Arabic", "العربية", rtl=True),
    ]
}


def public_languages():
    """The languages offered on the public side, in the order of the switcher (settings.LANGUAGES)."""
    return [REGISTRY[code] for code, _ in settings.LANGUAGES]


def language(code):
    return REGISTRY.get(code) or REGISTRY[SOURCE_LANGUAGE]


def current():
    return language(translation.get_language())


def shows_safety_translated(code=None):
    return language(code or translation.get_language()).safety_reviewed


def english_name(code):
    return language(code).english_name


def is_public_path(path):
    """A page the public may open (any route open to anyone but the staff sign-in pages and the API schema),
    or an address that does not exist (its 404 page)."""
    try:
        name = resolve(path).view_name
    except Resolver404:
        return True
    route = ROUTES.get(name)
    return route is not None and route.roles == ANYONE and not name.startswith("accounts:") and name != "schema"


def chosen_language(request):
    """The language asked for by the switcher's link, else the remembered cookie, else the browser's."""
    asked = request.GET.get(LANGUAGE_PARAMETER, "")
    supported = {code for code, _ in settings.LANGUAGES}
    if asked in supported:
        return asked, True
    return translation.get_language_from_request(request), False


class PublicLanguageMiddleware:
    """Public pages in the language chosen (a link on every page, remembered in a cookie, else the browser's
    Accept-Language); every other page in English."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        public = is_public_path(request.path_info)
        code, from_link = chosen_language(request) if public else (SOURCE_LANGUAGE, False)
        translation.activate(code)
        request.LANGUAGE_CODE = code
        response = self.get_response(request)
        if public:
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", code)
        if from_link:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, max_age=settings.LANGUAGE_COOKIE_AGE,
                                samesite=settings.LANGUAGE_COOKIE_SAMESITE, secure=settings.LANGUAGE_COOKIE_SECURE,
                                httponly=settings.LANGUAGE_COOKIE_HTTPONLY)
        return response


def switcher(request):
    """Context: the language links for the header (public pages only), each named in itself."""
    if not is_public_path(request.path_info):
        return {"language_links": [], "language_is_draft": False}
    current_code = translation.get_language()
    query = request.GET.copy()
    links = []
    for each in public_languages():
        query[LANGUAGE_PARAMETER] = each.code
        links.append({"language": each, "href": f"{request.path}?{urlencode(sorted(query.items()))}",
                      "current": each.code == current_code})
    return {"language_links": links, "language_is_draft": current().code != SOURCE_LANGUAGE and not current().reviewed}
