"""A resident: where they sleep, where they stayed, their border crossings, documents, legal
clock and duties, and their pathway cases.

Needs ``can_view_residents`` in a shelter the person stays or stayed in (``access.get_resident``).
Where a person stays is itself sensitive: stays in shelters where the user lacks that
capability are listed without the shelter, room or bed.  The forms (record a crossing or a
document, tick a duty, open a case) are shown to users with ``can_do_casework``; their views
(``documents``, ``board``, ``pathways``) re-render this page when a form has errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from haven.accounts import access
from haven.accounts.models import Capability
from haven.core.models import (
    BorderCrossing,
    PathwayCase,
    Person,
    ResidentDocument,
    ResidentTask,
    Stay,
)
from haven.core.services.legal import PersonClock, evaluate_clock
from haven.staff.legal_forms import CrossingForm, DocumentForm, ExitForm
from haven.staff.pathway_forms import CaseForm
from haven.staff.views.common import StaffRequest


@dataclass(frozen=True)
class StayRow:
    stay: Stay
    visible: bool  # False: in a shelter this user may not see into


@dataclass
class ResidentPage:
    """Everything the resident page shows; the forms only for users who may do casework."""

    person: Person
    stays: list[StayRow]
    crossings: list[BorderCrossing]
    documents: list[ResidentDocument]
    tasks: list[ResidentTask]
    cases: list[PathwayCase]
    clock: PersonClock
    casework: bool
    sensitive: bool  # may record consents and share the file (can_view_sensitive)
    forms: dict[str, object] = field(default_factory=dict)
    task_error: str = ""

    @classmethod
    def load(cls, request: StaffRequest, person: Person) -> ResidentPage:
        user = request.user
        stays = [
            StayRow(
                stay,
                access.has_capability(user, Capability.VIEW_RESIDENTS, stay.bed.room.shelter),
            )
            for stay in person.stays.heads()
            .select_related("bed__room__shelter")
            .order_by("-check_in")
        ]
        crossings = list(person.crossings.select_related("country"))
        documents = list(person.documents.select_related("country"))
        # Legal days are counted in the host country: "today" is its date, not the server's.
        clock = evaluate_clock(person.nationality, crossings, documents)
        casework = Capability.CASEWORK in access.network_capabilities(user) or any(
            access.has_capability(user, Capability.CASEWORK, row.stay.bed.room.shelter)
            for row in stays
        )
        page = cls(
            person=person,
            stays=stays,
            crossings=crossings,
            documents=documents,
            tasks=list(person.tasks.all()),
            cases=list(
                person.pathway_cases.select_related("destination")
                .prefetch_related("appointments")
                .defer("steps")
            ),
            clock=clock,
            casework=casework,
            sensitive=access.may_for_person(user, person, Capability.VIEW_SENSITIVE),
        )
        if casework:
            country = crossings[-1].country if crossings else None
            page.forms = {
                "crossing": CrossingForm(initial={"country": country.code if country else None}),
                "exit": ExitForm() if any(c.exited_on is None for c in crossings) else None,
                "document": DocumentForm(),
                "case": CaseForm(),
            }
        return page

    @property
    def today(self) -> date:
        return self.clock.on

    @property
    def current(self) -> StayRow | None:
        return next((row for row in self.stays if row.stay.check_out is None), None)

    @property
    def open_tasks(self) -> list[ResidentTask]:
        return [task for task in self.tasks if not task.done]

    @property
    def done_tasks(self) -> list[ResidentTask]:
        return [task for task in self.tasks if task.done]

    def render(self, request: HttpRequest) -> HttpResponse:
        clock = self.clock.result
        context = {
            "page": self,
            "person": self.person,
            "current": self.current,
            "stays": self.stays,
            "crossings": self.crossings,
            "today": self.today,
            "clock": clock,
            "clock_country": self.clock.country,
            "needs_review": self.clock.needs_review,
            "crossings_conflict": self.clock.conflict,
            "days_over": -clock.days_left if clock and clock.days_left is not None else None,
            "forms": self.forms,
        }
        return render(request, "staff/resident.html", context)


@login_required
@require_GET
def resident(request: StaffRequest, public_id: UUID) -> HttpResponse:
    person = access.get_resident(request.user, public_id, Capability.VIEW_RESIDENTS)
    return ResidentPage.load(request, person).render(request)
