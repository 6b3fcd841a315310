"""Pathways: destinations and their policy notes, residents' cases and appointments, and each
coordinator's calendar feed of upcoming appointments.

Access: destinations are network-wide information any staff member with a role may read
(``access.require_member``); checking and editing their notes needs ``can_manage_pathways``.
A case is in scope with its person: reading needs ``can_view_residents``, changing it
``can_do_casework``.  The calendar settings need ``can_view_residents`` somewhere.

The feed (``calendar_feed``) takes no session: calendar apps fetch it by its secret address.
A wrong or revoked token is a 404.  It holds only what a calendar needs (kind of appointment,
the person's chosen name, place, time, a link back): never the case's kind, steps or notes,
because calendar apps copy events to their own servers.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts import access
from haven.accounts.models import Capability
from haven.core.models import Destination, HostCountry, PathwayCase
from haven.core.services import audit
from haven.core.services.pathways import (
    PathwayError,
    create_calendar_feed,
    feed_owner,
    open_case,
    record_appointment,
    revoke_calendar_feed,
    upcoming_appointments,
    update_case,
    verify_destination,
)
from haven.lib import ical
from haven.staff.pathway_forms import (
    AppointmentForm,
    CalendarFeedForm,
    CaseForm,
    CaseUpdateForm,
    DestinationCheckForm,
)
from haven.staff.views.common import StaffRequest
from haven.staff.views.residents import ResidentPage

APPOINTMENT_LENGTH = timedelta(hours=1)


# ------------------------------------------------------------------------------------------
# Destinations


@login_required
@require_GET
def destinations(request: StaffRequest) -> HttpResponse:
    access.require_member(request.user)
    today = timezone.localdate()
    listed = [
        (destination, destination.needs_reverification(today))
        for destination in Destination.objects.prefetch_related("sources")
    ]
    return render(request, "staff/destinations.html", {"destinations": listed, "today": today})


@login_required
@require_GET
def destination(request: StaffRequest, public_id: UUID) -> HttpResponse:
    found = access.get_destination(request.user, public_id)
    context = {
        "destination": found,
        "stale": found.needs_reverification(timezone.localdate()),
        "can_verify": Capability.MANAGE_PATHWAYS in access.network_capabilities(request.user),
    }
    return render(request, "staff/destination.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def verify_destination_view(request: StaffRequest, public_id: UUID) -> HttpResponse:
    found = access.get_destination(request.user, public_id, Capability.MANAGE_PATHWAYS)
    today = timezone.localdate()
    if request.method != "POST":
        form = DestinationCheckForm(destination=found, today=today)
    else:
        form = DestinationCheckForm(request.POST, destination=found, today=today)
        if form.is_valid():
            data = form.cleaned_data
            try:
                verify_destination(
                    found,
                    policy_notes=data["policy_notes"],
                    confidence=data["confidence"],
                    verified_on=data["verified_on"],
                    source=form.source(),
                    actor=request.user,
                )
            except PathwayError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Verification recorded."))
                return redirect("staff:destination", public_id=found.public_id)
    return render(request, "staff/destination_verify.html", {"destination": found, "form": form})


# ------------------------------------------------------------------------------------------
# Cases and appointments


@login_required
@require_POST
def open_case_view(request: StaffRequest, public_id: UUID) -> HttpResponse:
    person = access.get_resident(request.user, public_id, Capability.CASEWORK)
    form = CaseForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            case = open_case(
                person,
                kind=data["kind"],
                destination=data.get("destination"),
                steps=data.get("steps", ""),
                actor=request.user,
            )
        except PathwayError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Case opened."))
            return redirect("staff:case", public_id=case.public_id)
    page = ResidentPage.load(request, person)
    page.forms["case"] = form
    return page.render(request)


def _zones(case: PathwayCase) -> tuple[list[str], str]:
    """Time zones to offer (the host countries' and UTC) and the default: the zone of the
    person's current shelter, else of their latest entry."""
    zones = sorted(set(HostCountry.objects.values_list("timezone", flat=True)) | {"UTC"})
    stay = (
        case.person.stays.filter(check_out__isnull=True, member=0)
        .select_related("bed__room__shelter__country")
        .first()
    )
    if stay is not None:
        return zones, stay.bed.room.shelter.country.timezone
    crossing = case.person.crossings.select_related("country").order_by("entered_on").last()
    return zones, crossing.country.timezone if crossing else "UTC"


def _case_page(
    request: StaffRequest,
    case: PathwayCase,
    *,
    update_form: CaseUpdateForm | None = None,
    appointment_form: AppointmentForm | None = None,
) -> HttpResponse:
    casework = True
    try:
        access.check_resident(request.user, case.person, Capability.CASEWORK)
    except (PermissionDenied, Http404):  # here it only means "show no forms"
        casework = False
    if casework:
        zones, default_zone = _zones(case)
        update_form = update_form or CaseUpdateForm(case=case)
        appointment_form = appointment_form or AppointmentForm(
            zones=zones, default_zone=default_zone
        )
    appointments = list(case.appointments.all())
    if case.steps or any(appointment.notes for appointment in appointments):
        # Reads of encrypted case details are audited like changes.
        audit.record("pathway.case.viewed", case, actor=request.user)
    context = {
        "case": case,
        "person": case.person,
        "appointments": appointments,
        "update_form": update_form if casework else None,
        "appointment_form": appointment_form if casework else None,
    }
    return render(request, "staff/case.html", context)


@login_required
@require_GET
def case_view(request: StaffRequest, public_id: UUID) -> HttpResponse:
    case = access.get_case(request.user, public_id, Capability.VIEW_RESIDENTS)
    return _case_page(request, case)


@login_required
@require_POST
def update_case_view(request: StaffRequest, public_id: UUID) -> HttpResponse:
    case = access.get_case(request.user, public_id, Capability.CASEWORK)
    form = CaseUpdateForm(request.POST, case=case)
    if form.is_valid():
        try:
            update_case(case, form.change(), actor=request.user)
        except PathwayError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Case updated."))
            return redirect("staff:case", public_id=case.public_id)
    return _case_page(request, case, update_form=form)


@login_required
@require_POST
def add_appointment_view(request: StaffRequest, public_id: UUID) -> HttpResponse:
    case = access.get_case(request.user, public_id, Capability.CASEWORK)
    zones, default_zone = _zones(case)
    form = AppointmentForm(request.POST, zones=zones, default_zone=default_zone)
    if form.is_valid():
        data = form.cleaned_data
        try:
            record_appointment(
                case,
                kind=data["kind"],
                place=data["place"],
                starts_at=form.starts_at(),
                tz_name=data["tz_name"],
                notes=data.get("notes", ""),
                actor=request.user,
            )
        except PathwayError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Appointment recorded."))
            return redirect("staff:case", public_id=case.public_id)
    return _case_page(request, case, appointment_form=form)


# ------------------------------------------------------------------------------------------
# The calendar feed


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def calendar_settings(request: StaffRequest) -> HttpResponse:
    """Create, replace or stop the user's secret calendar address.

    A new address is shown once, in the response to the POST that made it (never stored in
    the session or a message): only its hash is kept.
    """
    access.require_capability_somewhere(request.user, Capability.VIEW_RESIDENTS)
    feed_url = ""
    form = CalendarFeedForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["action"] == "create":
            token = create_calendar_feed(request.user, actor=request.user)
            feed_url = request.build_absolute_uri(
                reverse("staff:calendar_feed", kwargs={"token": token})
            )
        else:
            revoke_calendar_feed(request.user, actor=request.user)
            messages.success(request, _("The calendar address no longer works."))
            return redirect("staff:calendar")
    context = {
        "has_feed": hasattr(request.user, "calendar_feed"),
        "feed_url": feed_url,
        "form_errors": request.method == "POST" and not form.is_valid(),
    }
    return render(request, "staff/calendar.html", context)


@require_GET
@never_cache
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    user = feed_owner(token)
    if user is None or not access.shelters_with(user, Capability.VIEW_RESIDENTS).exists():
        raise Http404
    people = access.residents_in_scope(user, Capability.VIEW_RESIDENTS)
    now = timezone.now()
    events = [
        ical.Event(
            uid=f"{appointment.public_id}@haven",
            starts_at=appointment.starts_at,
            ends_at=appointment.starts_at + APPOINTMENT_LENGTH,
            summary=f"{appointment.get_kind_display()}: {appointment.case.person.display_name}",
            location=appointment.place,
            url=request.build_absolute_uri(
                reverse("staff:case", kwargs={"public_id": appointment.case.public_id})
            ),
        )
        for appointment in upcoming_appointments(people, now)
    ]
    body = ical.calendar(events, name=_("Haven appointments"), stamp=now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="haven-appointments.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response
