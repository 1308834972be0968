from django.urls import path

from safehub.retention import views

app_name = "retention"
urlpatterns = [
    path("", views.due, name="due"),
    path("disposals/", views.disposals, name="disposals"),
    path("<str:reference>/", views.record_page, name="record"),
]
