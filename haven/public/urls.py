"""URLs for the public pages (under the language prefix: /ru/apply/, /en/status/)."""

from django.urls import URLPattern, path
from django.views.generic import RedirectView

from haven.public import views

app_name = "public"
urlpatterns: list[URLPattern] = [
    path("", RedirectView.as_view(pattern_name="public:apply"), name="home"),
    path("apply/", views.apply, name="apply"),
    path("status/", views.status, name="status"),
    path("status/answer/", views.answer, name="status_answer"),
    path("status/offer/", views.offer_answer, name="status_offer"),
]
