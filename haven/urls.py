"""URL map: every user-facing page lives under a language prefix (/ru/, /en/)."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(url="/ru/", permanent=False)),
    *i18n_patterns(
        path("", include("haven.public.urls")),
        path("staff/", include("haven.staff.urls")),
        prefix_default_language=True,
    ),
]
