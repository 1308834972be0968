"""{% load intelligence_links %}: `person|person_url` and `item|item_url` give "" while the page does not exist."""

from django import template

from safehub.intelligence import links

register = template.Library()
register.filter("person_url", links.person_url)
register.filter("item_url", links.item_url)
