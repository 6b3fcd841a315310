"""A resident: where they sleep, where they stayed, their border crossings and legal clock.

Needs ``can_view_residents`` in a shelter the person stays or stayed in (``access.get_resident``).
Where a person stays is itself sensitive: stays in shelters where the user lacks that
capability are listed without the shelter, room or bed.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from haven.accounts import access
from haven.accounts.models import Capability
from haven.core.models import Stay
from haven.core.services.legal import clock_for
from haven.staff.views.common import StaffRequest, local_today


@dataclass(frozen=True)
class StayRow:
    stay: Stay
    visible: bool  # False: in a shelter this user may not see into


@login_required
@require_GET
def resident(request: StaffRequest, public_id: UUID) -> HttpResponse:
    person = access.get_resident(request.user, public_id, Capability.VIEW_RESIDENTS)
    stays = [
        StayRow(
            stay,
            access.has_capability(request.user, Capability.VIEW_RESIDENTS, stay.bed.room.shelter),
        )
        for stay in person.stays.select_related("bed__room__shelter").order_by("-check_in")
    ]
    crossings = list(person.crossings.select_related("country"))
    # Legal days are counted in the host country: "today" is its date, not the server's.
    today = local_today(crossings[-1].country) if crossings else timezone.localdate()
    try:
        clock = clock_for(person, today)
        conflict = False
    except ValueError:
        # The recorded crossings contradict each other (e.g. two without an exit): no date
        # can be trusted until a caseworker corrects them.
        clock, conflict = None, True
    context = {
        "person": person,
        "current": next((row for row in stays if row.stay.check_out is None), None),
        "stays": stays,
        "crossings": crossings,
        "today": today,
        "clock": clock,
        "crossings_conflict": conflict,
        "days_over": -clock.days_left if clock and clock.days_left is not None else None,
    }
    return render(request, "staff/resident.html", context)
