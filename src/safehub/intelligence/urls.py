"""The intelligence room's pages (namespace "intelligence") and API routes (added to the "api" namespace)."""

from django.urls import path

from safehub.intelligence.api import items as items_api
from safehub.intelligence.api import operations as operations_api
from safehub.intelligence.api import people as people_api
from safehub.intelligence.views import items as item_views
from safehub.intelligence.views import operations
from safehub.intelligence.views import people as people_views

page_urls = [
    path("people/", people_views.people_list, name="people"),
    path("people/new/", people_views.new_person, name="new_person"),
    path("people/completeness/", people_views.completeness_page, name="completeness"),
    path("people/<int:person_id>/", people_views.person_page, name="person"),
    path("people/<int:person_id>/edit/", people_views.edit_person, name="edit_person"),
    path("people/<int:person_id>/details/", people_views.add_detail, name="add_detail"),
    path("people/<int:person_id>/details/<int:detail_id>/remove/", people_views.remove_detail, name="remove_detail"),
    path("people/<int:person_id>/all/<slug:section>/", people_views.person_section, name="person_section"),
    path("intelligence/new/", item_views.new_item, name="new_item"),
    path("intelligence/<int:item_id>/", item_views.item_page, name="item"),
    path("operations/", operations.operation_list, name="operations"),
    path("operations/mine/", operations.my_operations, name="my_operations"),
    path("operations/new/", operations.new_operation, name="new_operation"),
    path("operations/<int:operation_id>/", operations.operation_page, name="operation"),
    path("operations/<int:operation_id>/people/", operations.add_person, name="operation_add_person"),
    path("operations/<int:operation_id>/children/", operations.add_child, name="operation_add_child"),
    path("operations/<int:operation_id>/profile/", operations.profile, name="operation_profile"),
    path("operations/<int:operation_id>/close/", operations.close, name="close_operation"),
    path("operations/<int:operation_id>/disruptions/new/", operations.serve_disruption, name="serve_disruption"),
    path("operations/<int:operation_id>/disruptions/<int:disruption_id>/extend/", operations.extend_closure_notice,
         name="extend_closure_notice"),
    path("operations/<int:operation_id>/disruptions/<int:disruption_id>/breaches/", operations.record_breach,
         name="record_breach"),
    path("operations/<int:operation_id>/disruptions/<int:disruption_id>/review/", operations.review_disruption,
         name="review_disruption"),
    path("operations/<int:operation_id>/justice/new/", operations.record_justice_step, name="record_justice_step"),
]

api_urls = [
    path("people/", people_api.PersonList.as_view(), name="people"),
    path("people/<int:person_id>/", people_api.PersonDetailView.as_view(), name="person"),
    path("intelligence/", items_api.ItemList.as_view(), name="intelligence"),
    path("intelligence/<int:item_id>/", items_api.ItemDetail.as_view(), name="intelligence_item"),
    path("children/<str:reference>/intelligence-summaries/", items_api.ChildSummaries.as_view(),
         name="child_intelligence_summaries"),
    path("operations/", operations_api.OperationList.as_view(), name="operations"),
    path("operations/<int:operation_id>/", operations_api.OperationDetail.as_view(), name="operation"),
    path("operations/<int:operation_id>/disruptions/", operations_api.DisruptionList.as_view(),
         name="operation_disruptions"),
    path("operations/<int:operation_id>/justice/", operations_api.JusticeStepList.as_view(), name="operation_justice"),
]

patterns = (page_urls, "intelligence")
