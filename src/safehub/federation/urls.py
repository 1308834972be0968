from django.urls import path

from safehub.federation import views

patterns = ([
    path("people/<int:person_id>/ask-other-areas/", views.ask, name="ask"),
    path("federation/query/", views.query, name="query"),
], "federation")
