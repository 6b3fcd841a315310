"""Triage: the review queue (needs ``can_review`` network-wide)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from haven.accounts import access
from haven.accounts.models import Capability
from haven.core.models import Application
from haven.staff.forms import StatusFilterForm
from haven.staff.labels import Line, score_lines
from haven.staff.views.common import StaffRequest

PAGE_SIZE = 25


@dataclass(frozen=True)
class QueueRow:
    application: Application
    parts: list[Line]


def _listed(status: str) -> QuerySet[Application]:
    """Applications with ``status``, highest priority first; answers stay encrypted in the DB."""
    if status == Application.Status.SUBMITTED:
        applications = Application.objects.review_queue()
    elif status == Application.Status.ACCEPTED:
        applications = Application.objects.waitlist()
    else:
        applications = Application.objects.filter(status=status).order_by(
            "-priority", "submitted_at", "pk"
        )
    return applications.select_related("person", "host_country").defer("answers", "person__contact")


@login_required
@require_GET
def queue(request: StaffRequest) -> HttpResponse:
    access.require_network(request.user, Capability.REVIEW)
    filter_form = StatusFilterForm(request.GET)
    status = filter_form.selected()
    page = Paginator(_listed(status), PAGE_SIZE).get_page(request.GET.get("page"))
    # Score parts reveal answers (an arrest, a draft notice): shown only to who may see those.
    show_parts = access.has_capability(request.user, Capability.VIEW_SENSITIVE)
    rows = [QueueRow(a, score_lines(a.priority_parts) if show_parts else []) for a in page]
    context = {
        "filter_form": filter_form,
        "status": status,
        "status_label": Application.Status(status).label,
        "page": page,
        "rows": rows,
        "show_parts": show_parts,
    }
    return render(request, "staff/queue.html", context)
