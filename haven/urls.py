"""URL map: every user-facing page lives under a language prefix (/ru/, /en/); the API does
not (its language follows Accept-Language)."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from two_factor.urls import core as two_factor_core

from haven.api.errors import api_not_found

# Two-factor set-up, QR code and backup codes; its own login is replaced by staff:login and
# its "disable" and profile pages are left out: the second factor cannot be switched off.
TWO_FACTOR_URLS = [p for p in two_factor_core if p.name != "login"]

urlpatterns = [
    path("", RedirectView.as_view(url="/ru/", permanent=False)),
    path("api/v1/", include("haven.api.urls")),
    # Anything else under /api/ is a JSON 404, also in development (no HTML, no redirects).
    re_path(r"^api/", api_not_found),
    *i18n_patterns(
        path("", include("haven.public.urls")),
        path("staff/", include("haven.staff.urls")),
        path("staff/", include((TWO_FACTOR_URLS, "two_factor"))),
        prefix_default_language=True,
    ),
]

# A crash under /api/ is answered in JSON too.
handler500 = "haven.api.errors.server_error"
