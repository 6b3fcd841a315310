"""Placement runs and offers: run the engine, confirm or change its proposals, check people in.

Capabilities: ``can_place`` in a shelter (coordinators there, network admins everywhere).
The placement page covers every shelter where the user holds it; an offer is in scope with
the shelter of its bed (404 outside, 403 without ``can_place`` there).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from haven.accounts import access
from haven.accounts.models import Capability
from haven.core.models import Application, Offer, PlacementRun, Shelter
from haven.core.services import placements
from haven.core.services.stays import PlacementError
from haven.staff.forms import ChangeOfferForm, OfferCheckInForm, RunPlacementForm
from haven.staff.views.common import StaffRequest, local_today


@dataclass
class ShelterOffers:
    shelter: Shelter
    offers: list[Offer] = field(default_factory=list)


def _holding_offers(shelters: QuerySet[Shelter]) -> list[ShelterOffers]:
    """Open offers per shelter, one line per offer (a family's lists its applicant)."""
    groups = {s.pk: ShelterOffers(s) for s in shelters.select_related("country")}
    offers = (
        Offer.objects.heads()
        .filter(status__in=Offer.HOLDING, bed__room__shelter__in=shelters)
        .select_related("application__person", "bed__room")
        .defer(
            "application__answers", "application__priority_parts", "application__person__contact"
        )
    )
    for offer in offers:
        groups[offer.bed.room.shelter_id].offers.append(offer)
    return list(groups.values())


@login_required
@require_http_methods(["GET", "POST"])
def placement(request: StaffRequest) -> HttpResponse:
    shelters = access.require_somewhere(request.user, Capability.PLACE)
    data = request.POST if request.method == "POST" else None
    form = RunPlacementForm(data, shelters=shelters.select_related("country"))
    if request.method == "POST" and form.is_valid():
        try:
            run = placements.run_placement(form.cleaned_data["shelters"], actor=request.user)
        except PlacementError as exc:
            form.add_error(None, str(exc.message))
        else:
            offered = run.offers.heads().count()
            messages.success(
                request,
                ngettext(
                    "Placement run done: %(count)s offer proposed. Confirm or change it below.",
                    "Placement run done: %(count)s offers proposed. Confirm or change them below.",
                    offered,
                )
                % {"count": offered}
                if offered
                else _("Placement run done: no free bed fits anyone waiting."),
            )
            return redirect("staff:placement")
    runs = (
        PlacementRun.objects.filter(shelters__in=shelters)
        .distinct()
        .select_related("started_by")
        .prefetch_related("shelters")[:1]
    )
    latest = runs[0] if runs else None
    cutoffs = []
    if latest is not None:
        for shelter in latest.shelters.all():
            if shelter in shelters:
                cutoffs.append((shelter, latest.cutoffs.get(str(shelter.public_id), {})))
    countries = set(shelters.values_list("country_id", flat=True))
    return render(
        request,
        "staff/placement.html",
        {
            "form": form,
            "too_big": placements.too_big_for_any_room(countries).select_related("host_country"),
            "groups": _holding_offers(shelters),
            "latest": latest,
            "cutoffs": cutoffs,
        },
    )


def _change_form(offer: Offer, data: object = None) -> ChangeOfferForm:
    shelter = offer.bed.room.shelter
    people = [offer.application, *placements.waiting_for_offer({shelter.country_id})]
    beds = [offer.bed, *placements.free_beds([shelter]).select_related("room")]
    return ChangeOfferForm(
        data,  # type: ignore[arg-type]
        people=people,
        beds=beds,
        current=(offer.application, offer.bed),
    )


def _offer_page(
    request: StaffRequest,
    offer: Offer,
    *,
    check_in_form: OfferCheckInForm | None = None,
    change_form: ChangeOfferForm | None = None,
    error: str = "",
) -> HttpResponse:
    today = local_today(offer.bed.room.shelter.country)
    context = {
        "offer": offer,
        "family": placements.family_of(offer),
        "shelter": offer.bed.room.shelter,
        "error": error,
        "check_in_form": check_in_form or OfferCheckInForm(today=today),
        "change_form": (
            change_form or _change_form(offer) if offer.status == Offer.Status.PROPOSED else None
        ),
    }
    return render(request, "staff/offer.html", context)


ACTIONS = ("confirm", "change", "accepted", "declined", "check_in", "withdraw")


@login_required
@require_http_methods(["GET", "POST"])
def offer_view(request: StaffRequest, public_id: UUID) -> HttpResponse:
    offer = access.get_offer(request.user, public_id, Capability.PLACE)
    if request.method == "GET":
        return _offer_page(request, offer)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        return _offer_page(request, offer, error=_("Choose what to do with this offer."))
    name = offer.application.person.display_name
    try:
        if action == "confirm":
            placements.confirm_offer(offer, actor=request.user)
            done = _("Offer to %(name)s confirmed: tell them; it waits for their answer.")
        elif action == "withdraw":
            placements.withdraw_offer(offer, actor=request.user)
            done = _("Offer to %(name)s withdrawn; the bed is free again.")
        elif action in ("accepted", "declined"):
            answered = placements.answer_offer(
                offer, accept=action == "accepted", actor=request.user
            )
            done = {
                Offer.Status.ACCEPTED: _("%(name)s accepted the bed."),
                Offer.Status.DECLINED: _("%(name)s declined; the bed is free again."),
                Offer.Status.EXPIRED: _("The offer to %(name)s had expired; the bed is free."),
            }[Offer.Status(answered.status)]
        elif action == "check_in":
            today = local_today(offer.bed.room.shelter.country)
            form = OfferCheckInForm(request.POST, today=today)
            if not form.is_valid():
                return _offer_page(request, offer, check_in_form=form)
            stay = placements.check_in_offer(
                offer, form.cleaned_data["check_in"], actor=request.user
            )
            family = stay.person.stays.active().count()
            messages.success(
                request,
                _("%(name)s and their family checked in to %(room)s (%(count)s beds).")
                % {"name": name, "room": offer.bed.room.name, "count": family}
                if family > 1
                else _("%(name)s checked in to %(bed)s.") % {"name": name, "bed": offer.bed},
            )
            return redirect("staff:shelter", public_id=offer.bed.room.shelter.public_id)
        else:
            change = _change_form(offer, request.POST)
            if not change.is_valid():
                return _offer_page(request, offer, change_form=change)
            application: Application = change.cleaned_data["application"]
            placements.change_offer(
                offer, application, change.cleaned_data["bed"], actor=request.user
            )
            name = application.person.display_name
            done = _("Offer to %(name)s confirmed: tell them; it waits for their answer.")
    except PlacementError as exc:
        offer.refresh_from_db()
        return _offer_page(request, offer, error=str(exc.message))
    messages.success(request, done % {"name": name})
    return redirect("staff:placement")
