"""The network dashboard, its exports, and each shelter's rent (network admins).

The dashboard and its downloads need ``can_view_dashboard`` network-wide; a download also
needs a recent confirmation with password and code (``reauth``), asked for after the form is
checked, like sharing a person's file. Recording a rent needs ``can_manage_rent``.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts import access
from haven.accounts.models import Capability
from haven.core.services.dashboard import load_dashboard
from haven.core.services.exports import export
from haven.core.services.shelters import RentError, set_rent
from haven.staff import reauth
from haven.staff.dashboard_forms import ExportForm, RentForm
from haven.staff.dashboard_page import build_page
from haven.staff.views.common import StaffRequest


def _page(request: StaffRequest, form: ExportForm | None = None) -> HttpResponse:
    page = build_page(load_dashboard())
    may_set_rent = access.has_capability(request.user, Capability.MANAGE_RENT)
    context = {"page": page, "export_form": form or ExportForm(), "may_set_rent": may_set_rent}
    return render(request, "staff/dashboard.html", context)


@login_required
@require_GET
def dashboard(request: StaffRequest) -> HttpResponse:
    access.require_network(request.user, Capability.VIEW_DASHBOARD)
    return _page(request)


@login_required
@require_POST
def download(request: StaffRequest) -> HttpResponse:
    """Download one export (after confirming it is you)."""
    access.require_network(request.user, Capability.VIEW_DASHBOARD)
    form = ExportForm(request.POST)
    if not form.is_valid():
        return _page(request, form)
    confirm = reauth.require_recent_auth(request, then=f"{reverse('staff:dashboard')}#export")
    if confirm is not None:
        return confirm
    exported = export(
        form.cleaned_data["kind"], form.cleaned_data["file_format"], actor=request.user
    )
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.name}"'
    add_never_cache_headers(response)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def rent(request: StaffRequest, public_id: UUID) -> HttpResponse:
    shelter = access.get_shelter(request.user, public_id, Capability.MANAGE_RENT)
    form = RentForm(request.POST if request.method == "POST" else None, shelter=shelter)
    if form.is_valid():
        data = form.cleaned_data
        try:
            set_rent(shelter, data["minor"], data["currency"], actor=request.user)
        except RentError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Rent of %(shelter)s saved.") % {"shelter": shelter.name})
            if access.has_capability(request.user, Capability.VIEW_DASHBOARD):
                return redirect(f"{reverse('staff:dashboard')}#costs")
            return redirect("staff:shelters")
    return render(request, "staff/rent.html", {"shelter": shelter, "form": form})
