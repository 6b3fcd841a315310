"""The API, version 1, at /api/v1/ (outside the language prefix). docs/api.md describes it."""

from django.urls import URLPattern, path

from haven.api import applications, views
from haven.api.schema import SchemaView

app_name = "api"
urlpatterns: list[URLPattern] = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("shelters/", views.ShelterList.as_view(), name="shelters"),
    path("shelters/<uuid:shelter_id>/beds/", views.BedList.as_view(), name="beds"),
    path("shelters/<uuid:shelter_id>/occupancy/", views.Occupancy.as_view(), name="occupancy"),
    path("waitlist/", views.Waitlist.as_view(), name="waitlist"),
    path("applications/", applications.ApplicationCreate.as_view(), name="applications"),
]
