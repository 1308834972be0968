"""The intelligence room's pages (namespace "intelligence") and API routes (added to the "api" namespace).
Each part (people of concern, intelligence items, operations) adds its own lines."""

from django.urls import path  # noqa: F401 (used by the lines each part adds)

from safehub.intelligence.api import items as items_api
from safehub.intelligence.api import people as people_api
from safehub.intelligence.views import items as item_views
from safehub.intelligence.views import people as people_views

page_urls = [
    path("people/", people_views.people_list, name="people"),
    path("people/new/", people_views.new_person, name="new_person"),
    path("people/completeness/", people_views.completeness_page, name="completeness"),
    path("people/<int:person_id>/", people_views.person_page, name="person"),
    path("people/<int:person_id>/edit/", people_views.edit_person, name="edit_person"),
    path("people/<int:person_id>/details/", people_views.add_detail, name="add_detail"),
    path("people/<int:person_id>/details/<int:detail_id>/remove/", people_views.remove_detail, name="remove_detail"),
    path("intelligence/new/", item_views.new_item, name="new_item"),
    path("intelligence/<int:item_id>/", item_views.item_page, name="item"),
]

api_urls = [
    path("people/", people_api.PersonList.as_view(), name="people"),
    path("people/<int:person_id>/", people_api.PersonDetailView.as_view(), name="person"),
    path("intelligence/", items_api.ItemList.as_view(), name="intelligence"),
    path("intelligence/<int:item_id>/", items_api.ItemDetail.as_view(), name="intelligence_item"),
]

patterns = (page_urls, "intelligence")
