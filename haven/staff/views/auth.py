"""Signing in and out, confirming it is you again (re-authentication), and the staff home
that sends each role to its first page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice
from two_factor.views import LoginView as TwoFactorLoginView

from haven.accounts import access
from haven.accounts.models import Capability
from haven.lib.ratelimit import Limit, client_identity, exceeded, hit
from haven.staff import reauth
from haven.staff.views.common import StaffRequest

# Wrong passwords: 10 per account per 15 minutes from anywhere, 30 per client address, then
# the password step refuses to check anything until the window ends.
WRONG_PASSWORDS_PER_ACCOUNT = Limit("login.account", count=10, seconds=900)
WRONG_PASSWORDS_PER_CLIENT = Limit("login.client", count=30, seconds=900)
LOCKED = _("Too many wrong passwords. Wait 15 minutes and try again.")


def _password_locked(account: str, client: str) -> bool:
    return exceeded(WRONG_PASSWORDS_PER_ACCOUNT, account) or exceeded(
        WRONG_PASSWORDS_PER_CLIENT, client
    )


def _count_wrong_password(account: str, client: str) -> None:
    hit(WRONG_PASSWORDS_PER_ACCOUNT, account)
    hit(WRONG_PASSWORDS_PER_CLIENT, client)


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's password form, locked for a while after repeated wrong passwords.

    The second factor has its own throttle (django-otp doubles the wait after each wrong code).
    """

    def clean(self) -> dict[str, Any]:
        account = str(self.cleaned_data.get("username", "")).casefold()
        client = client_identity(self.request) if self.request is not None else ""
        if _password_locked(account, client):
            raise ValidationError(LOCKED, code="locked")
        try:
            return super().clean()
        except ValidationError:
            _count_wrong_password(account, client)
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


class ReauthForm(forms.Form):
    """The password and a fresh code from the authenticator app, checked for ``user``.

    Wrong passwords count towards the sign-in lock; codes are checked by django-otp, which
    refuses a code already used and slows down after wrong ones. Backup codes are not taken:
    they are for getting back in, not for sharing files.
    """

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    otp_token = forms.CharField(
        label=_("Code from the authenticator app"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, data: Any = None, *, request: HttpRequest, user: User) -> None:
        super().__init__(data)
        self.request = request
        self.user = user

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password, code = cleaned.get("password"), cleaned.get("otp_token")
        if password is None or code is None:
            return cleaned
        account = self.user.get_username().casefold()
        client = client_identity(self.request)
        if _password_locked(account, client):
            raise ValidationError(LOCKED, code="locked")
        if not self.user.check_password(password):
            _count_wrong_password(account, client)
            self.add_error("password", gettext("This is not your password."))
            return cleaned
        devices = list(TOTPDevice.objects.devices_for_user(self.user, confirmed=True))
        if not any(verify_token(self.user, d.persistent_id, code) for d in devices):
            self.add_error(
                "otp_token",
                gettext(
                    "This code is wrong or was used already. Wait for the next code in the "
                    "app; after several wrong codes, wait a minute."
                ),
            )
        return cleaned


@login_required
@require_http_methods(["GET", "POST"])
def confirm_identity(request: StaffRequest) -> HttpResponse:
    """Confirm it is you (``reauth.require_recent_auth`` sends users here), then go back."""
    form = ReauthForm(
        request.POST if request.method == "POST" else None, request=request, user=request.user
    )
    if form.is_valid():
        reauth.mark_confirmed(request)
        messages.success(
            request,
            ngettext(
                "Thank you. For the next %(minutes)s minute you can share files, download "
                "data, change roles and manage API tokens. If you were sending a form, send it "
                "again.",
                "Thank you. For the next %(minutes)s minutes you can share files, download "
                "data, change roles and manage API tokens. If you were sending a form, send it "
                "again.",
                settings.REAUTH_MINUTES,
            )
            % {"minutes": settings.REAUTH_MINUTES},
        )
        target = request.GET.get("next", "")
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(target)
        return redirect("staff:home")
    return render(request, "staff/reauth.html", {"form": form, "minutes": settings.REAUTH_MINUTES})
