"""Triage: the review queue (needs ``can_review`` network-wide).

Built for a surge: at a million applications the first page must come back in well under
100 ms, so the list never counts its rows (COUNT(*) would scan the whole status) and pages by
LIMIT/OFFSET on the (status, -priority, submitted_at) indexes.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from haven.accounts import access
from haven.accounts.models import Capability
from haven.core.models import Application, DuplicateFlag, HostCountry, Question
from haven.staff.forms import QueueFilterForm
from haven.staff.labels import Line, score_lines
from haven.staff.views.common import StaffRequest

PAGE_SIZE = 25


@dataclass(frozen=True)
class QueueRow:
    application: Application
    parts: list[Line]


def queue_queryset(form: QueueFilterForm) -> QuerySet[Application]:
    """Applications matching the filters, highest priority first (ties: who applied first)."""
    applications = Application.objects.filter(status=form.chosen_status())
    if country := form.value("country"):
        # By id, not through a join on the code: only then does PostgreSQL use the
        # (host_country, status, -priority, ...) index (bench/intake.py: 2.2 s -> 0.5 ms).
        country_id = HostCountry.objects.filter(code=country).order_by().values("pk")[:1]
        applications = applications.filter(host_country=Subquery(country_id))
    if city := form.value("city").strip():
        # iexact is UPPER(city) = UPPER(%s): the application_city_queue_idx expression.
        applications = applications.filter(city__iexact=city)
    flag = form.value("flag")
    if flag == "duplicates":
        applications = applications.filter(
            Exists(DuplicateFlag.objects.filter(application=OuterRef("pk"), resolved_at=None))
        )
    elif flag == "answered":
        applications = applications.filter(
            Exists(Question.objects.filter(application=OuterRef("pk"), answered_at__isnull=False))
        )
    return applications.order_by("-priority", "submitted_at", "pk")


@login_required
@require_GET
def queue(request: StaffRequest) -> HttpResponse:
    access.require_network(request.user, Capability.REVIEW)
    form = QueueFilterForm(request.GET)
    number = form.page_number()
    start = (number - 1) * PAGE_SIZE
    # One row more than a page tells whether there is a next page, without counting. The ids
    # come first from the index alone, then only those rows are read: deep pages stay fast
    # (page 4000 of a million: 1.7 s -> 17 ms in bench/intake.py).
    ids = list(queue_queryset(form).values_list("pk", flat=True)[start : start + PAGE_SIZE + 1])
    found = list(
        Application.objects.filter(pk__in=ids)
        .order_by("-priority", "submitted_at", "pk")
        .select_related("person", "host_country")
        .defer("answers", "person__contact")
    )
    applications = found[:PAGE_SIZE]
    # Score parts reveal answers (an arrest, a draft notice): shown only to who may see those.
    show_parts = access.has_capability(request.user, Capability.VIEW_SENSITIVE)
    rows = [QueueRow(a, score_lines(a.score_parts) if show_parts else []) for a in applications]
    filters = {
        name: form.value(name) for name in ("status", "country", "city", "flag") if form.value(name)
    }
    context = {
        "filter_form": form,
        "status_label": Application.Status(form.chosen_status()).label,
        "rows": rows,
        "show_parts": show_parts,
        "page_number": number,
        "first_shown": start + 1,
        "last_shown": start + len(applications),
        "previous_url": "?" + urlencode({**filters, "page": number - 1}) if number > 1 else "",
        "next_url": "?" + urlencode({**filters, "page": number + 1})
        if len(found) > PAGE_SIZE
        else "",
    }
    return render(request, "staff/queue.html", context)
