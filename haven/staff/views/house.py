"""House life: a shelter's chores, who is away, and the weekly rota (printable on A4).

Capability: ``can_manage_house_life`` in the shelter (coordinators and volunteers there,
network admins). The page shows residents' chosen names only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from haven.accounts import access
from haven.accounts.models import Capability
from haven.core.models import Absence, Activity, Chore, Notice, Person, RotaSlot, Shelter
from haven.core.services import audit
from haven.core.services.house import Residents, monday_of, plan_week
from haven.rules import rota
from haven.staff.forms import AbsenceForm, ActivityForm, AttendanceForm, ChoreForm, NoticeForm
from haven.staff.views.common import StaffRequest, local_today


@dataclass
class RotaRow:
    day: date
    cells: list[list[str]]  # per chore, the names on duty


def _week(request: StaffRequest, today: date) -> date:
    try:
        return monday_of(date.fromisoformat(request.GET.get("week", "")))
    except ValueError:
        return monday_of(today)


def _residents(shelter: Shelter, monday: date) -> list[Person]:
    ids = [int(p.id) for p in Residents.load(shelter, monday, monday + timedelta(7)).people]
    return list(Person.objects.filter(pk__in=ids).only("public_id", "display_name"))


def _page(
    request: StaffRequest,
    shelter: Shelter,
    monday: date,
    *,
    chore_form: ChoreForm | None = None,
    absence_form: AbsenceForm | None = None,
) -> HttpResponse:
    chores = list(Chore.objects.filter(shelter=shelter, active=True))
    names: dict[tuple[date, int], list[str]] = {}
    for turn in (
        RotaSlot.objects.filter(chore__in=chores, day__gte=monday, day__lt=monday + timedelta(7))
        .select_related("person")
        .only("day", "chore_id", "person__display_name")
        .order_by("day", "person__display_name")
    ):
        names.setdefault((turn.day, turn.chore_id), []).append(turn.person.display_name)
    days = [monday + timedelta(days=i) for i in range(7)]
    rows = [RotaRow(day, [names.get((day, c.pk), []) for c in chores]) for day in days]
    residents = _residents(shelter, monday)
    context = {
        "shelter": shelter,
        "monday": monday,
        "previous": monday - timedelta(days=7),
        "next": monday + timedelta(days=7),
        "chores": chores,
        "rows": rows,
        "planned": bool(names),
        "chore_form": chore_form or ChoreForm(taken=[c.name for c in chores]),
        "absence_form": absence_form
        or AbsenceForm(residents=[(str(p.public_id), p.display_name) for p in residents]),
        "absences": Absence.objects.filter(
            person__in=residents, last_day__gte=monday, first_day__lt=monday + timedelta(7)
        ).select_related("person"),
    }
    return render(request, "staff/rota.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def rota_view(request: StaffRequest, public_id: UUID) -> HttpResponse:
    shelter = access.get_shelter(request.user, public_id, Capability.HOUSE_LIFE)
    monday = _week(request, local_today(shelter.country))
    if request.method == "GET":
        return _page(request, shelter, monday)
    here = f"{reverse('staff:rota', kwargs={'public_id': shelter.public_id})}?week={monday}"
    action = request.POST.get("action", "")
    if action == "plan":
        planned = plan_week(shelter, monday, actor=request.user)
        if planned.unfilled:
            messages.warning(
                request,
                ngettext(
                    "Rota planned, but %(count)s turn found nobody at home.",
                    "Rota planned, but %(count)s turns found nobody at home.",
                    len(planned.unfilled),
                )
                % {"count": len(planned.unfilled)},
            )
        else:
            messages.success(request, _("Rota planned for the week."))
        return redirect(here)
    if action == "chore":
        chore_form = ChoreForm(
            request.POST, taken=Chore.objects.filter(shelter=shelter).values_list("name", flat=True)
        )
        if not chore_form.is_valid():
            return _page(request, shelter, monday, chore_form=chore_form)
        chore = Chore.objects.create(shelter=shelter, **chore_form.cleaned_data)
        audit.record("chore.added", shelter, actor=request.user, chore=chore.pk)
        messages.success(request, _("Chore added. Plan the week again to include it."))
        return redirect(here)
    if action == "absence":
        residents = _residents(shelter, monday)
        absence_form = AbsenceForm(
            request.POST, residents=[(str(p.public_id), p.display_name) for p in residents]
        )
        if not absence_form.is_valid():
            return _page(request, shelter, monday, absence_form=absence_form)
        person = next(
            p for p in residents if str(p.public_id) == absence_form.cleaned_data["person"]
        )
        Absence.objects.create(
            person=person,
            first_day=absence_form.cleaned_data["first_day"],
            last_day=absence_form.cleaned_data["last_day"],
            created_by=request.user,
        )
        messages.success(
            request, _("Absence recorded. Plan the week again to take it into account.")
        )
        return redirect(here)
    messages.error(request, _("Choose what to do."))
    return _page(request, shelter, monday)


def _house_page(
    request: StaffRequest,
    shelter: Shelter,
    *,
    notice_form: NoticeForm | None = None,
    activity_form: ActivityForm | None = None,
) -> HttpResponse:
    today = local_today(shelter.country)
    since = today - timedelta(days=14)
    residents = Residents.load(shelter, since, today + timedelta(days=31)).people
    names = dict(
        Person.objects.filter(pk__in=[int(p.id) for p in residents]).values_list(
            "pk", "display_name"
        )
    )
    public = dict(Person.objects.filter(pk__in=list(names)).values_list("pk", "public_id"))
    activities = list(
        Activity.objects.filter(shelter=shelter, day__gte=since).prefetch_related("attendees")
    )
    rows = []
    for activity in activities:
        home = [
            (str(public[int(p.id)]), names[int(p.id)])
            for p in residents
            if rota.at_home(p, activity.day)
        ]
        present = [str(a.public_id) for a in activity.attendees.all()]
        rows.append((activity, AttendanceForm(activity=activity, residents=home, present=present)))
    context = {
        "shelter": shelter,
        "notices": Notice.objects.filter(shelter=shelter)
        .exclude(until__lt=today)
        .select_related("posted_by"),
        "notice_form": notice_form or NoticeForm(),
        "activity_form": activity_form or ActivityForm(),
        "activities": rows,
        "today": today,
    }
    return render(request, "staff/house.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def house_view(request: StaffRequest, public_id: UUID) -> HttpResponse:
    """The house board: notices, classes and activities with who came."""
    shelter = access.get_shelter(request.user, public_id, Capability.HOUSE_LIFE)
    if request.method == "GET":
        return _house_page(request, shelter)
    here = reverse("staff:house", kwargs={"public_id": shelter.public_id})
    action = request.POST.get("action", "")
    if action == "notice":
        notice_form = NoticeForm(request.POST)
        if not notice_form.is_valid():
            return _house_page(request, shelter, notice_form=notice_form)
        Notice.objects.create(shelter=shelter, posted_by=request.user, **notice_form.cleaned_data)
        messages.success(request, _("Notice posted."))
        return redirect(here)
    if action == "activity":
        activity_form = ActivityForm(request.POST)
        if not activity_form.is_valid():
            return _house_page(request, shelter, activity_form=activity_form)
        Activity.objects.create(shelter=shelter, **activity_form.cleaned_data)
        messages.success(request, _("Added to the house calendar."))
        return redirect(here)
    if action.startswith("came-"):
        activity = Activity.objects.filter(shelter=shelter, pk=action[5:]).first()
        if activity is not None:
            return _record_attendance(request, shelter, activity, here)
    messages.error(request, _("Choose what to do."))
    return _house_page(request, shelter)


def _record_attendance(
    request: StaffRequest, shelter: Shelter, activity: Activity, here: str
) -> HttpResponse:
    residents = Residents.load(shelter, activity.day, activity.day + timedelta(days=1)).people
    people = {
        str(p.public_id): p
        for p in Person.objects.filter(
            pk__in=[int(r.id) for r in residents if rota.at_home(r, activity.day)]
        )
    }
    form = AttendanceForm(
        request.POST,
        activity=activity,
        residents=[(key, p.display_name) for key, p in people.items()],
    )
    if not form.is_valid():
        messages.error(request, _("Choose people who were in the house that day."))
        return _house_page(request, shelter)
    activity.attendees.set([people[key] for key in form.cleaned_data["people"]])
    messages.success(request, _("Attendance saved for %(title)s.") % {"title": activity.title})
    return redirect(here)
