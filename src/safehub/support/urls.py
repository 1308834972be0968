from django.urls import path

from safehub.support import views

patterns = (
    [
        path("survivors/", views.survivors, name="survivors"),
        path("survivors/from-report/<str:reference>/", views.open_survivor, name="open_survivor"),
        path("survivors/<str:reference>/", views.survivor_page, name="survivor"),
        path("survivors/<str:reference>/route/", views.route_survivor, name="route_survivor"),
        path("survivors/<str:reference>/operations/", views.survivor_operation, name="survivor_operation"),
        path("survivors/<str:reference>/safe-contact/", views.survivor_safe_contact, name="survivor_safe_contact"),
        path("survivors/<str:reference>/consent/", views.survivor_consent, name="survivor_consent"),
        path("survivors/<str:reference>/support/", views.survivor_plan, name="survivor_plan"),
        path("survivors/<str:reference>/support/change/", views.survivor_plan_change, name="survivor_plan_change"),
        path("children/<str:reference>/safe-contact/", views.child_safe_contact, name="child_safe_contact"),
        path("children/<str:reference>/consent/", views.child_consent, name="child_consent"),
        path("cases/<str:reference>/support/", views.case_plan, name="case_plan"),
        path("cases/<str:reference>/support/change/", views.case_plan_change, name="case_plan_change"),
        path("victims-code/", views.victims_code, name="victims_code"),
        path("victims-code/<int:notification_id>/told/", views.victim_told, name="victim_told"),
    ],
    "support",
)
