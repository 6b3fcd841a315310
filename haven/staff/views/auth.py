"""Signing in and out, and the staff home that sends each role to its first page."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from haven.accounts import access
from haven.accounts.models import Capability
from haven.staff.views.common import StaffRequest


class LoginView(auth_views.LoginView):
    """Django's sign-in; a safe ``?next=`` wins, else the home page for the user's role."""

    template_name = "staff/login.html"

    def get_default_redirect_url(self) -> str:
        return reverse("staff:home")


login = LoginView.as_view()
# POST only (Django refuses GET with 405), then back to the sign-in page (LOGOUT_REDIRECT_URL).
logout = auth_views.LogoutView.as_view()


@login_required
@require_GET
def home(request: StaffRequest) -> HttpResponse:
    """Reviewers start at the queue; everyone else at their shelters."""
    if Capability.REVIEW in access.network_capabilities(request.user):
        return redirect("staff:queue")
    return redirect("staff:shelters")
