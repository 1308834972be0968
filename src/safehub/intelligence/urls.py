"""The intelligence room's pages (namespace "intelligence") and API routes (added to the "api" namespace).
Each part (people of concern, intelligence items, operations) adds its own lines."""

from django.urls import path  # noqa: F401 (used by the lines each part adds)

from safehub.intelligence.api import operations as operations_api
from safehub.intelligence.views import operations

page_urls = [
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
    path("operations/", operations_api.OperationList.as_view(), name="operations"),
    path("operations/<int:operation_id>/", operations_api.OperationDetail.as_view(), name="operation"),
    path("operations/<int:operation_id>/disruptions/", operations_api.DisruptionList.as_view(),
         name="operation_disruptions"),
    path("operations/<int:operation_id>/justice/", operations_api.JusticeStepList.as_view(), name="operation_justice"),
]

patterns = (page_urls, "intelligence")
