"""Shelters, their beds and who sleeps in them; placing people and checking them out.

A bed is *free* when it is in service and has no open stay: the same test ``check_in`` makes
under lock. Check-in and check-out dates cannot be in the future (see ``forms``), so an open
stay always means someone is in the bed today.

Capabilities: the list shows ``access.visible_shelters``; a shelter page needs
``can_view_residents`` there (it names the people in each bed); placing and checking out need
``can_place`` there.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from haven.accounts import access
from haven.accounts.models import Capability
from haven.core.models import Bed, Offer, Room, Shelter, Stay
from haven.core.services.placements import family_beds
from haven.core.services.stays import PlacementError, check_in, check_out
from haven.staff.forms import CheckOutForm, PlacementForm
from haven.staff.views.common import StaffRequest, local_today


@login_required
@require_GET
def shelters(request: StaffRequest) -> HttpResponse:
    in_service = Q(rooms__beds__in_service=True)
    listed = (
        access.visible_shelters(request.user)
        .select_related("country")
        .annotate(
            beds_total=Count("rooms__beds", filter=in_service, distinct=True),
            beds_taken=Count(
                "rooms__beds__stays",
                filter=in_service & Q(rooms__beds__stays__check_out__isnull=True),
                distinct=True,
            ),
        )
        .annotate(beds_free=F("beds_total") - F("beds_taken"))
    )
    cards = list(listed)
    # From the memberships already loaded: no query per shelter.
    house_life = {
        s.pk for s in cards if access.has_capability(request.user, Capability.HOUSE_LIFE, s)
    }
    context = {
        "shelters": cards,
        "house_life": house_life,
        "may_set_rent": access.has_capability(request.user, Capability.MANAGE_RENT),
    }
    return render(request, "staff/shelters.html", context)


@dataclass
class BedRow:
    bed: Bed
    stay: Stay | None
    offer: Offer | None = None  # an offer holding the bed (see core.models.placements)
    check_out_form: CheckOutForm | None = None
    family: int = 0  # on the applicant's own bed: the beds their family holds, if several

    @property
    def free(self) -> bool:
        return self.bed.in_service and self.stay is None and self.offer is None


@dataclass
class RoomRow:
    room: Room
    beds: list[BedRow]


@dataclass
class ShelterPage:
    """Everything the shelter page shows, loaded in a fixed number of queries."""

    shelter: Shelter
    today: date
    rooms: list[RoomRow]
    place_form: PlacementForm | None = None  # only for users who may place here

    @classmethod
    def load(cls, request: StaffRequest, shelter: Shelter) -> ShelterPage:
        today = local_today(shelter.country)
        open_stays = {
            stay.bed_id: stay
            for stay in Stay.objects.active()
            .filter(bed__room__shelter=shelter)
            .select_related("person")
            .defer("person__contact")
        }
        offers = {
            offer.bed_id: offer
            for offer in Offer.objects.filter(status__in=Offer.HOLDING, bed__room__shelter=shelter)
            .select_related("application__person")
            .defer("application__answers", "application__priority_parts")
            .defer("application__person__contact")
        }
        rooms = [
            RoomRow(
                room,
                [
                    BedRow(bed, open_stays.get(bed.pk), offers.get(bed.pk))
                    for bed in room.beds.all()
                ],
            )
            for room in shelter.rooms.prefetch_related("beds")
        ]
        page = cls(shelter, today, rooms)
        beds_of: dict[int, int] = defaultdict(int)
        for stay in open_stays.values():
            beds_of[stay.person_id] += 1
        for row in page.bed_rows:
            if row.stay is not None and not row.stay.member and beds_of[row.stay.person_id] > 1:
                row.family = beds_of[row.stay.person_id]
        if access.has_capability(request.user, Capability.PLACE, shelter):
            for row in page.bed_rows:
                if row.stay is not None and not row.stay.member:
                    row.check_out_form = CheckOutForm(stay=row.stay, today=today)
            page.place_form = PlacementForm(shelter=shelter, free_beds=page.free_beds, today=today)
        return page

    @property
    def bed_rows(self) -> list[BedRow]:
        return [row for room in self.rooms for row in room.beds]

    @property
    def free_beds(self) -> list[Bed]:
        return [row.bed for row in self.bed_rows if row.free]

    def bed_row(self, stay: Stay) -> BedRow | None:
        return next((row for row in self.bed_rows if row.stay == stay), None)

    def render(self, request: HttpRequest) -> HttpResponse:
        return render(request, "staff/shelter.html", {"page": self, "shelter": self.shelter})


@login_required
@require_GET
def shelter(request: StaffRequest, public_id: UUID) -> HttpResponse:
    found = access.get_shelter(request.user, public_id, Capability.VIEW_RESIDENTS)
    return ShelterPage.load(request, found).render(request)


@login_required
@require_POST
def place(request: StaffRequest, public_id: UUID) -> HttpResponse:
    found = access.get_shelter(request.user, public_id, Capability.PLACE)
    page = ShelterPage.load(request, found)
    form = PlacementForm(request.POST, shelter=found, free_beds=page.free_beds, today=page.today)
    if form.is_valid():
        application = form.cleaned_data["application"]
        bed = form.cleaned_data["bed"]
        try:
            others = family_beds(application, bed, page.free_beds)
            check_in(
                application, bed, form.cleaned_data["check_in"], actor=request.user, others=others
            )
        except PlacementError as exc:
            form.add_error(None, str(exc.message))
        else:
            placed = (
                _("%(name)s and their family placed in %(room)s (%(count)s beds).")
                % {
                    "name": application.person.display_name,
                    "room": bed.room.name,
                    "count": len(others) + 1,
                }
                if others
                else _("%(name)s placed in %(bed)s.")
                % {"name": application.person.display_name, "bed": bed}
            )
            messages.success(request, placed)
            return redirect("staff:shelter", public_id=found.public_id)
    page.place_form = form
    return page.render(request)


@login_required
@require_POST
def check_out_stay(request: StaffRequest, public_id: UUID) -> HttpResponse:
    stay = access.get_stay(request.user, public_id, Capability.PLACE)
    found = stay.bed.room.shelter
    if stay.check_out is not None:
        messages.info(request, _("%(name)s has already checked out.") % {"name": stay.person})
        return redirect("staff:shelter", public_id=found.public_id)
    page = ShelterPage.load(request, found)
    form = CheckOutForm(request.POST, stay=stay, today=page.today)
    if form.is_valid():
        day, outcome = form.cleaned_data["check_out"], form.cleaned_data["outcome"]
        try:
            check_out(stay, day, outcome, actor=request.user)
        except PlacementError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _("%(name)s checked out; %(bed)s is free.")
                % {"name": stay.person.display_name, "bed": stay.bed},
            )
            return redirect("staff:shelter", public_id=found.public_id)
    row = page.bed_row(stay)
    if row is not None:
        row.check_out_form = form
    return page.render(request)
