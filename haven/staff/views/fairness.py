"""Priorities and outcomes by group: the fairness audit (needs ``can_view_fairness``).

Network admins only. Groups too small to show carry no numbers at all (``GroupRow.stats`` is
None), so no template can leak them. Each viewing is audited: the page describes people even
when no one is named.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from haven.accounts import access
from haven.accounts.models import Capability
from haven.core.services import audit
from haven.core.services.fairness import BAND_WIDTH, fairness_report
from haven.rules.fairness import MIN_GROUP
from haven.staff.views.common import StaffRequest


@login_required
@require_GET
def fairness(request: StaffRequest) -> HttpResponse:
    access.require_network(request.user, Capability.VIEW_FAIRNESS)
    report = fairness_report()
    audit.record("fairness.viewed", request.user, actor=request.user, applications=report.total)
    context = {"report": report, "min_group": MIN_GROUP, "band_width": BAND_WIDTH}
    return render(request, "staff/fairness.html", context)
