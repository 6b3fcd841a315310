"""Staff pages need a second factor: no verified device, no staff page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_otp import user_has_device

# Pages a signed-in but not yet verified user may open: signing in and out, and setting up
# the first device (the QR code is an image the set-up page loads).
OPEN_BEFORE_SECOND_FACTOR = {
    ("staff", "login"),
    ("staff", "logout"),
    ("two_factor", "setup"),
    ("two_factor", "qr"),
}


class RequireTwoFactorMiddleware:
    """Send signed-in staff without a verified second factor to set one up or sign in again.

    Anonymous users pass through: each staff view's ``login_required`` sends them to sign in.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or not {"staff", "two_factor"} & set(match.namespaces):
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified():  # type: ignore[attr-defined]
            return None
        if (match.namespaces[-1], match.url_name) in OPEN_BEFORE_SECOND_FACTOR:
            return None
        if not user_has_device(user):
            return redirect("two_factor:setup")
        return redirect("staff:login")
