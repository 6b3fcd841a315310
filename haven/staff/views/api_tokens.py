"""A staff member's own API tokens (docs/api.md): make one (shown once), revoke one.

Any signed-in staff member may hold tokens: a token acts with its owner's roles, so one made
without a role reaches nothing, and someone whose roles were taken away can still revoke
theirs. The page and each change need a recent confirmation with password and code (``reauth``):
a token works without the second factor, so making one is as dangerous as sharing a file.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from haven.accounts import access
from haven.core.services.api_tokens import (
    ApiTokenError,
    NewToken,
    create_api_token,
    revoke_api_token,
)
from haven.staff import reauth
from haven.staff.api_token_forms import ApiTokenForm
from haven.staff.legal_forms import ConfirmForm
from haven.staff.views.common import StaffRequest


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def api_tokens(request: StaffRequest) -> HttpResponse:
    """The user's tokens; a POST makes one, shown in this response only (only its hash is kept)."""
    confirm = reauth.require_recent_auth(request, then=reverse("staff:api_tokens"))
    if confirm is not None:
        return confirm
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    made: NewToken | None = None
    if form.is_valid():
        try:
            made = create_api_token(
                request.user, form.cleaned_data["name"], form.expires_at(), actor=request.user
            )
        except ApiTokenError as exc:
            form.add_error(None, str(exc.message))
        else:
            form = ApiTokenForm()
    return _page(request, form=form, made=made)


@login_required
@require_POST
def revoke(request: StaffRequest, public_id: UUID) -> HttpResponse:
    token = access.get_api_token(request.user, public_id)
    confirm = reauth.require_recent_auth(request, then=reverse("staff:api_tokens"))
    if confirm is not None:
        return confirm
    if not ConfirmForm(request.POST).is_valid():
        return _page(request, revoke_error=_("Use the button next to the token to revoke it."))
    try:
        revoke_api_token(token, actor=request.user)
    except ApiTokenError as exc:
        return _page(request, revoke_error=str(exc.message))
    messages.success(request, _("Token revoked: %(name)s. It no longer works.") % {"name": token})
    return redirect("staff:api_tokens")


def _page(
    request: StaffRequest,
    *,
    form: ApiTokenForm | None = None,
    made: NewToken | None = None,
    revoke_error: str = "",
) -> HttpResponse:
    context = {
        "form": form or ApiTokenForm(),
        "made": made,
        "tokens": request.user.api_tokens.all(),
        "has_role": access.has_membership(request.user),
        "revoke_error": revoke_error,
    }
    return render(request, "staff/api_tokens.html", context)
