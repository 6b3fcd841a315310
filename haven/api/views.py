"""Read-only endpoints: shelters, their beds and occupancy, and waitlist counts.

Scope comes from ``haven.accounts.access``, as on the staff pages: shelters are listed from
``visible_shelters``; a shelter's beds need ``can_place`` there and its occupancy
``can_view_residents`` there (404 outside scope, 403 without the capability). Waitlist
counts: ``access.waitlist_countries`` (``can_place``, or ``can_review`` network-wide). Nothing
here says who anybody is: beds are occupied or not, days are counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import timedelta
from uuid import UUID

from django.db.models import Count, Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from haven.accounts import access
from haven.accounts.models import Capability
from haven.api.base import ApiView, GenericApiView
from haven.api.errors import InvalidRequest
from haven.api.forms import OccupancyRangeForm, form_errors
from haven.api.schema import errors
from haven.api.serializers import (
    BedSerializer,
    OccupancySerializer,
    ShelterSerializer,
    WaitlistSerializer,
)
from haven.core.models import Application, Bed, Offer, Shelter, Stay
from haven.rules.periods import Period, occupied_nights
from haven.staff.views.common import local_today


@dataclass(frozen=True)
class BedCounts:
    total: int = 0
    in_service: int = 0
    occupied: int = 0
    free: int = 0


def bed_counts(shelters: Iterable[Shelter]) -> dict[int, BedCounts]:
    """Bed counts per shelter id, in one query whatever the number of shelters."""
    tally: dict[int, Counter[str]] = {}
    beds = (
        Bed.objects.filter(room__shelter__in=list(shelters))
        .with_state()
        .values_list("room__shelter_id", "in_service", "occupied", "free")  # type: ignore[misc]
    )
    for shelter_id, in_service, occupied, free in beds:
        counts = tally.setdefault(shelter_id, Counter())
        counts["total"] += 1
        counts["in_service"] += in_service
        counts["occupied"] += occupied
        counts["free"] += free
    return {shelter_id: BedCounts(**counts) for shelter_id, counts in tally.items()}


def shelter_data(shelter: Shelter, counts: BedCounts | None) -> dict[str, object]:
    return {
        "id": shelter.public_id,
        "name": shelter.name,
        "city": shelter.city,
        "country": shelter.country.code,
        "beds": asdict(counts or BedCounts()),
    }


class ShelterList(GenericApiView):
    serializer_class = ShelterSerializer

    def get_queryset(self) -> QuerySet[Shelter]:
        return (
            access.visible_shelters(self.request.user)
            .select_related("country")
            .order_by("country__code", "city", "name", "pk")
        )

    @extend_schema(
        operation_id="shelters_list",
        summary="Shelters in the token's scope, with bed counts",
        responses={200: ShelterSerializer(many=True), **errors(401, 429)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        counts = bed_counts(page)
        data = [shelter_data(shelter, counts.get(shelter.pk)) for shelter in page]
        return self.get_paginated_response(ShelterSerializer(data, many=True).data)


class BedList(GenericApiView):
    serializer_class = BedSerializer

    def get_queryset(self) -> QuerySet[Bed]:
        shelter = access.get_shelter(self.request.user, self.kwargs["shelter_id"], Capability.PLACE)
        return (
            Bed.objects.filter(room__shelter=shelter)
            .select_related("room")
            .with_state()
            .order_by("room__name", "label", "pk")
        )

    @extend_schema(
        operation_id="shelters_beds_list",
        summary="A shelter's beds: occupied or not, never by whom (can_place there)",
        responses={200: BedSerializer(many=True), **errors(401, 403, 404, 429)},
    )
    def get(self, request: Request, shelter_id: UUID) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        return self.get_paginated_response(BedSerializer(page, many=True).data)


class Occupancy(ApiView):
    @extend_schema(
        operation_id="shelters_occupancy",
        summary="Beds taken per day over a range of at most 366 days (can_view_residents)",
        parameters=[
            OpenApiParameter(
                "start",
                OpenApiTypes.DATE,
                description="First day (default: 30 days up to the end).",
            ),
            OpenApiParameter(
                "end",
                OpenApiTypes.DATE,
                description="Last day, not after today (default: today in the shelter's country).",
            ),
        ],
        responses={200: OccupancySerializer, **errors(400, 401, 403, 404, 429)},
    )
    def get(self, request: Request, shelter_id: UUID) -> Response:
        shelter = access.get_shelter(request.user, shelter_id, Capability.VIEW_RESIDENTS)
        form = OccupancyRangeForm(request.query_params, today=local_today(shelter.country))
        if not form.is_valid():
            raise InvalidRequest(form_errors(form))
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        stays = (
            Stay.objects.filter(bed__room__shelter=shelter, check_in__lte=end)
            .filter(Q(check_out__isnull=True) | Q(check_out__gt=start))
            .values_list("check_in", "check_out")
        )
        days = [start + timedelta(days=offset) for offset in range((end - start).days + 1)]
        counts = occupied_nights(stays, [Period(day, day) for day in days])
        data = {
            "shelter": shelter.public_id,
            "start": start,
            "end": end,
            "beds_in_service": Bed.objects.filter(room__shelter=shelter, in_service=True).count(),
            "days": [
                {"date": day, "occupied": count} for day, count in zip(days, counts, strict=True)
            ],
        }
        return Response(OccupancySerializer(data).data)


class Waitlist(ApiView):
    @extend_schema(
        operation_id="waitlist_counts",
        summary="Accepted applicants waiting for a bed, per host country",
        description=(
            "Counts only. Needs can_place (the countries of the shelters where the token's "
            "user holds it; every country for a network role) or can_review network-wide."
        ),
        responses={200: WaitlistSerializer, **errors(401, 403, 404, 429)},
    )
    def get(self, request: Request) -> Response:
        countries = access.waitlist_countries(request.user, Capability.PLACE).order_by("code")
        accepted = Application.objects.filter(
            status=Application.Status.ACCEPTED, host_country__in=countries
        )
        waiting = dict(
            accepted.values_list("host_country__code").annotate(n=Count("pk")).order_by()
        )
        offered = dict(
            accepted.filter(offers__in=Offer.objects.live())
            .values_list("host_country__code")
            .annotate(n=Count("pk", distinct=True))
            .order_by()
        )
        data = {
            "countries": [
                {
                    "country": country.code,
                    "waiting": waiting.get(country.code, 0),
                    "offered": offered.get(country.code, 0),
                }
                for country in countries
            ]
        }
        return Response(WaitlistSerializer(data).data)
