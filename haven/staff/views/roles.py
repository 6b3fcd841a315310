"""Staff roles: who holds which role where, granting and revoking them.

Needs ``can_manage_roles`` network-wide (network admins) and, for the page as for each change,
a recent confirmation with password and code (``reauth``): whoever changes roles can give
themselves or anyone else every capability. ``revoke_role`` keeps at least one network admin.
"""

from __future__ import annotations

from itertools import groupby
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from haven.accounts import access
from haven.accounts.models import Capability, Membership, Role
from haven.core.services.roles import RoleError, grant_role, revoke_role
from haven.staff import reauth
from haven.staff.legal_forms import ConfirmForm
from haven.staff.role_forms import GrantRoleForm
from haven.staff.views.common import StaffRequest


@login_required
@require_http_methods(["GET", "POST"])
def roles(request: StaffRequest) -> HttpResponse:
    """The roles page; a POST grants a role."""
    access.require_network(request.user, Capability.MANAGE_ROLES)
    confirm = reauth.require_recent_auth(request, then=reverse("staff:roles"))
    if confirm is not None:
        return confirm
    form = GrantRoleForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            membership = grant_role(data["user"], data["role"], data["shelter"], actor=request.user)
        except RoleError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Role granted: %(role)s.") % {"role": _line(membership)})
            return redirect("staff:roles")
    return _page(request, grant_form=form)


@login_required
@require_POST
def revoke(request: StaffRequest, public_id: UUID) -> HttpResponse:
    membership = access.get_membership(request.user, public_id, Capability.MANAGE_ROLES)
    confirm = reauth.require_recent_auth(request, then=reverse("staff:roles"))
    if confirm is not None:
        return confirm
    if not ConfirmForm(request.POST).is_valid():
        return _page(request, revoke_error=_("Use the button next to the role to revoke it."))
    try:
        revoke_role(membership, actor=request.user)
    except RoleError as exc:
        return _page(request, revoke_error=str(exc.message))
    messages.success(request, _("Role revoked: %(role)s.") % {"role": _line(membership)})
    if membership.user_id == request.user.pk:  # their own role: this page may be closed now
        return redirect("staff:home")
    return redirect("staff:roles")


def _line(membership: Membership) -> str:
    where = membership.shelter.name if membership.shelter else _("the whole network")
    return _("%(user)s, %(role)s, %(where)s") % {
        "user": membership.user.get_username(),
        "role": Role(membership.role).label,
        "where": where,
    }


def _page(
    request: StaffRequest, *, grant_form: GrantRoleForm | None = None, revoke_error: str = ""
) -> HttpResponse:
    memberships = Membership.objects.select_related("user", "shelter").order_by(
        "user__username", "shelter__name", "role"
    )
    people = [
        (username, list(group))
        for username, group in groupby(memberships, key=lambda m: m.user.get_username())
    ]
    context = {
        "people": people,
        "grant_form": grant_form or GrantRoleForm(),
        "revoke_error": revoke_error,
    }
    return render(request, "staff/roles.html", context)
