"""The safety messages of the public pages: 999, 101, who else to contact (ADR 27).

Each is translated with the message context "safety". In a language whose safety messages nobody fluent has
checked (safehub.languages), the English is shown instead, marked lang="en", never the unchecked draft.
Placeholders: %(start)s and %(end)s wrap a link, %(phone)s is the 999 link.
"""

import re

from django.utils import translation
from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html
from django.utils.translation import pgettext_lazy

from safehub import languages

MESSAGES = {
    "danger_now": pgettext_lazy("safety", "If a child is in immediate danger, call %(phone)s now."),
    "danger": pgettext_lazy("safety", "If a child is in immediate danger, call 999."),
    "danger_short": pgettext_lazy("safety", "Immediate danger: call 999."),
    "danger_region": pgettext_lazy("safety", "Immediate danger"),
    "danger_and_routes": pgettext_lazy(
        "safety", "If a child is in immediate danger, call 999. You can also call 101 or %(start)ssee who else you "
                "can contact%(end)s."),
    "call_101_now": pgettext_lazy(
        "safety", "If you need to tell us now, call 101 or %(start)ssee who else you can contact%(end)s. If a child "
                "is in immediate danger, call 999."),
    "call_101_reference": pgettext_lazy("safety", "You can also call 101 and quote your reference."),
    "routes_title": pgettext_lazy("safety", "Who else you can contact"),
    "routes_home": pgettext_lazy("safety", "%(start)sSee who else you can contact%(end)s, including Childline and the "
                                         "police."),
    "routes_help": pgettext_lazy("safety", "%(start)sSee who else you can contact%(end)s for help and support."),
}


PLACEHOLDER = re.compile(r"%\((\w+)\)s")
LINKED = re.compile(r"%\(start\)s(.*?)%\(end\)s")


def _unchecked():
    return not languages.shows_safety_translated()


def english(message):
    """The English of a lazy safety message."""
    with translation.override(languages.SOURCE_LANGUAGE):
        return str(message)


def text(message):
    """A safety message as shown: translated if checked, else its English. Returns (text, in_english)."""
    if _unchecked():
        return english(message), True
    return str(message), False


def render(key, link=""):
    """HTML of one safety message, with its link filled in; wrapped in lang="en" when shown in English.

    The words are escaped, then their placeholders become format_html fields: only the link and the 999 link are
    markup."""
    words, in_english = text(MESSAGES[key])
    linked = LINKED.search(words)
    link_html = ""
    if linked:
        link_html = format_html('<a class="govuk-link" href="{}">{}</a>', link, linked.group(1))
        words = words[:linked.start()] + "%(link)s" + words[linked.end():]
    escaped = str(conditional_escape(words)).replace("{", "{{").replace("}", "}}")
    html = format_html(PLACEHOLDER.sub(r"{\1}", escaped), link=link_html,
                       phone=format_html('<a href="tel:{0}">{0}</a>', "999"))
    if in_english:
        return format_html('<span class="safehub-safety" lang="en" dir="ltr">{}</span>', html)
    return html


def route_text(value):
    """One signposting route's text: the default routes are safety messages; an area's own file is English."""
    if isinstance(value, Promise):
        words, in_english = text(value)
    else:
        words, in_english = value, translation_active()
    if in_english:
        return format_html('<span class="safehub-safety" lang="en" dir="ltr">{}</span>', words)
    return words


def translation_active():
    return languages.current().code != languages.SOURCE_LANGUAGE
