"""Links to the intelligence room's record pages that tolerate a page not built yet (people of concern and
intelligence items are built in parallel): the address, or "" while the route does not exist."""

from django.urls import NoReverseMatch, reverse


def _url(name, **kwargs):
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


def person_url(person):
    return _url("intelligence:person", person_id=person.pk)


def item_url(item):
    return _url("intelligence:item", item_id=item.pk)
