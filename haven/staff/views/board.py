"""The "ticking clock" board: current residents and how long each may still legally stay.

Per shelter (``can_view_residents`` there) and for the whole network (a network role with
``can_view_residents``).  Three sections, so that "needs caseworker check" can never pass for
"fine": overstays first, then residents Haven can give no date for, then everyone else by
days left.  Each row says what to do and lists the open duties.

Built from the stored clocks (``ResidentClock``) in a fixed number of queries whatever the
number of residents; a clock not computed today (the daily job has not run yet, or the
resident is new) is recomputed in memory for everyone stale at once: two more queries.

Ticking a duty done needs ``can_do_casework`` for the resident.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from haven.accounts import access
from haven.accounts.models import Capability
from haven.core.models import ClockStatus, HostCountry, ResidentClock, ResidentTask, Shelter, Stay
from haven.core.services.legal import (
    complete_task,
    evaluate_clocks,
    local_today,
    resident_status,
)
from haven.core.services.reminders import SOON_DAYS
from haven.staff.legal_forms import ConfirmForm
from haven.staff.views.common import StaffRequest
from haven.staff.views.residents import ResidentPage


@dataclass
class BoardRow:
    stay: Stay
    status: str
    reason: str
    last_legal_day: date | None
    days_left: int | None
    needs_review: bool
    present: bool  # False: the latest recorded crossing is an exit
    today: date
    tasks: list[ResidentTask] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.status = resident_status(self.status, self.present)

    @property
    def shelter(self) -> Shelter:
        return self.stay.bed.room.shelter

    @property
    def days_over(self) -> int | None:
        return -self.days_left if self.days_left is not None else None

    @property
    def overdue(self) -> list[ResidentTask]:
        """Open duties past their date; conditional ones (e.g. only for an asylum claim) are
        listed but not counted: most residents never meet the condition."""
        return [task for task in self.tasks if task.due_date < self.today and not task.condition]

    @property
    def actions(self) -> list[str]:
        """What to do, most urgent first."""
        actions = []
        if self.reason == ResidentClock.Reason.CONFLICT:
            actions.append(_("Correct the border crossings: they contradict each other."))
        elif self.reason == ResidentClock.Reason.NO_CROSSING:
            actions.append(_("Record their latest entry into the country."))
        elif not self.present and self.status == ClockStatus.NEEDS_CHECK:
            actions.append(
                _(
                    "Their latest recorded crossing is an exit: record their return, or check "
                    "them out."
                )
            )
        elif self.status == ClockStatus.NEEDS_CHECK:
            actions.append(
                _("A caseworker checks the rules for this country and document: no date yet.")
            )
        elif self.status == ClockStatus.OVERSTAY:
            actions.append(_("Past the last legal day: get legal advice today."))
        elif self.days_left is not None and self.days_left <= SOON_DAYS:
            actions.append(_("Plan now: leaving, or a permit, before the last legal day."))
        if self.needs_review and self.last_legal_day is not None:
            actions.append(_("Check the date: a rule behind it awaits a lawyer's review."))
        if self.overdue:
            count = len(self.overdue)
            actions.append(
                ngettext("%(count)s duty overdue.", "%(count)s duties overdue.", count)
                % {"count": count}
            )
        return actions


@dataclass
class Board:
    shelter: Shelter | None
    overstay: list[BoardRow]
    needs_check: list[BoardRow]
    counted: list[BoardRow]

    @property
    def empty(self) -> bool:
        return not (self.overstay or self.needs_check or self.counted)

    @classmethod
    def load(cls, shelters: QuerySet[Shelter], shelter: Shelter | None = None) -> Board:
        stays = list(
            Stay.objects.active()
            .heads()
            .filter(bed__room__shelter__in=shelters)
            .select_related("person__clock__country", "bed__room__shelter__country")
            .defer("person__contact")
        )
        rows = _rows(stays)
        tasks: dict[int, list[ResidentTask]] = defaultdict(list)
        for task in ResidentTask.objects.filter(
            person_id__in=[row.stay.person_id for row in rows], done_at__isnull=True
        ).order_by("due_date", "duty_id"):
            tasks[task.person_id].append(task)
        for row in rows:
            row.tasks = tasks[row.stay.person_id]
        return cls(
            shelter=shelter,
            overstay=sorted(
                (row for row in rows if row.status == ClockStatus.OVERSTAY),
                key=lambda row: (row.last_legal_day or date.max, _by_name(row)),
            ),
            needs_check=sorted(
                (row for row in rows if row.status == ClockStatus.NEEDS_CHECK), key=_by_name
            ),
            counted=sorted(
                (row for row in rows if row.status == ClockStatus.OK),
                key=lambda row: (
                    row.days_left if row.days_left is not None else 10**6,
                    _by_name(row),
                ),
            ),
        )


def _by_name(row: BoardRow) -> tuple[str, int]:
    return row.stay.person.display_name.casefold(), row.stay.pk


def _rows(stays: Iterable[Stay]) -> list[BoardRow]:
    """One row per stay: the stored clock if computed today, else computed now (in memory)."""
    today_in: dict[int | None, date] = {}

    def today(country: HostCountry | None) -> date:
        key = country.pk if country else None
        if key not in today_in:
            today_in[key] = local_today(country)
        return today_in[key]

    stays = list(stays)
    fresh: dict[int, ResidentClock] = {}
    stale = []
    for stay in stays:
        clock: ResidentClock | None = getattr(stay.person, "clock", None)
        if clock is not None and clock.computed_on == today(clock.country):
            fresh[stay.person_id] = clock
        else:
            stale.append(stay.person)
    computed = evaluate_clocks(stale) if stale else {}
    rows = []
    for stay in stays:
        stored = fresh.get(stay.person_id)
        if stored is not None:
            rows.append(
                BoardRow(
                    stay,
                    stored.status,
                    stored.reason,
                    stored.last_legal_day,
                    stored.days_left,
                    stored.needs_review,
                    stored.present,
                    stored.computed_on,
                )
            )
            continue
        now = computed[stay.person_id]
        result = now.result
        rows.append(
            BoardRow(
                stay,
                now.status,
                now.reason,
                result.last_legal_day if result else None,
                result.days_left if result else None,
                now.needs_review,
                now.present,
                now.on,
            )
        )
    return rows


def _render(request: StaffRequest, board: Board) -> HttpResponse:
    return render(request, "staff/board.html", {"board": board, "soon_days": SOON_DAYS})


@login_required
@require_GET
def network_board(request: StaffRequest) -> HttpResponse:
    access.require_network(request.user, Capability.VIEW_RESIDENTS)
    return _render(request, Board.load(Shelter.objects.all()))


@login_required
@require_GET
def shelter_board(request: StaffRequest, public_id: UUID) -> HttpResponse:
    shelter = access.get_shelter(request.user, public_id, Capability.VIEW_RESIDENTS)
    board = Board.load(Shelter.objects.filter(pk=shelter.pk), shelter)
    return _render(request, board)


@login_required
@require_POST
def complete_task_view(request: StaffRequest, public_id: UUID) -> HttpResponse:
    task = access.get_task(request.user, public_id, Capability.CASEWORK)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        page = ResidentPage.load(request, task.person)
        page.task_error = _("Use the button next to the duty to mark it done.")
        return page.render(request)
    complete_task(task, actor=request.user)
    messages.success(request, _("Duty marked done."))
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("staff:resident", public_id=task.person.public_id)
