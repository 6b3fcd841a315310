"""Signing in and out, and the staff home that sends each role to its first page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from two_factor.views import LoginView as TwoFactorLoginView

from haven.accounts import access
from haven.accounts.models import Capability
from haven.lib.ratelimit import Limit, client_identity, exceeded, hit
from haven.staff.views.common import StaffRequest

# Wrong passwords: 10 per account per 15 minutes from anywhere, 30 per client address, then
# the password step refuses to check anything until the window ends.
WRONG_PASSWORDS_PER_ACCOUNT = Limit("login.account", count=10, seconds=900)
WRONG_PASSWORDS_PER_CLIENT = Limit("login.client", count=30, seconds=900)


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's password form, locked for a while after repeated wrong passwords.

    The second factor has its own throttle (django-otp doubles the wait after each wrong code).
    """

    def clean(self) -> dict[str, Any]:
        account = str(self.cleaned_data.get("username", "")).casefold()
        client = client_identity(self.request) if self.request is not None else ""
        if exceeded(WRONG_PASSWORDS_PER_ACCOUNT, account) or exceeded(
            WRONG_PASSWORDS_PER_CLIENT, client
        ):
            raise ValidationError(
                _("Too many wrong passwords. Wait 15 minutes and try again."), code="locked"
            )
        try:
            return super().clean()
        except ValidationError:
            hit(WRONG_PASSWORDS_PER_ACCOUNT, account)
            hit(WRONG_PASSWORDS_PER_CLIENT, client)
            raise


class LoginView(TwoFactorLoginView):
    """Password, then the second factor (a code from the authenticator app or a backup code).

    A safe ``?next=`` wins, else the home page for the user's role (LOGIN_REDIRECT_URL).
    Accounts without a device yet are signed in after the password and sent straight to set
    one up (RequireTwoFactorMiddleware).
    """

    template_name = "staff/login.html"
    form_list = (
        (TwoFactorLoginView.AUTH_STEP, ThrottledAuthenticationForm),
        *TwoFactorLoginView.form_list[1:],
    )
    # The library labels both code fields "Token"; volunteers know the words below.
    code_labels = {
        TwoFactorLoginView.TOKEN_STEP: _("Code from the authenticator app"),
        TwoFactorLoginView.BACKUP_STEP: _("Backup code"),
    }

    def get_form(self, step: str | None = None, **kwargs: Any) -> Any:
        form = super().get_form(step=step, **kwargs)
        label = self.code_labels.get(step or self.steps.current)
        if label is not None and "otp_token" in form.fields:
            form.fields["otp_token"].label = label
        return form


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
