"""{% safety "danger" %}: a safety message, translated only in a language whose safety messages were checked."""

from django import template
from django.urls import reverse

from safehub.intake import safety as messages

register = template.Library()

ROUTES_LINK = "intake:routes"


@register.simple_tag
def safety(key):
    return messages.render(key, link=reverse(ROUTES_LINK))


@register.filter
def safety_route(value):
    return messages.route_text(value)


@register.simple_tag
def safety_plain(key):
    """A safety message as plain text, for an attribute (an aria-label names its region in the page's language
    only when checked)."""
    return messages.text(messages.MESSAGES[key])[0]
