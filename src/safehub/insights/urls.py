from django.urls import path

from safehub.insights import views

patterns = [
    path("figures/", views.overview, name="figures"),
    path("figures/export/", views.export, name="figures_export"),
    path("figures/publish/", views.publish, name="figures_publish"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/<slug:period>/", views.statistics_period, name="statistics_period"),
    path("statistics/<slug:period>/download/", views.statistics_download, name="statistics_download"),
    path("children/<str:reference>/bundle/", views.case_bundle, name="case_bundle"),
]
