"""Check-in and check-out: no bed or person ever holds two open stays."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import IntegrityError, transaction

from haven.core.models import (
    Application,
    AuditEntry,
    Bed,
    ResidentClock,
    ResidentTask,
    Room,
    Stay,
)
from haven.core.services.applications import decide_application
from haven.core.services.stays import PlacementError, check_in, check_out
from tests.conftest import Network, Personas, make_application

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 2)


def accepted(personas: Personas, **changes: object) -> Application:
    application = make_application(**changes)
    decide_application(application, "accept", "Eligible", actor=personas.reviewer)
    application.refresh_from_db()
    return application


def test_check_in_places_an_accepted_applicant(network: Network, personas: Personas) -> None:
    application = accepted(personas)
    bed = network.almaty_beds[0]

    stay = check_in(application, bed, DAY, actor=personas.coordinator)

    application.refresh_from_db()
    assert application.status == Application.Status.PLACED
    assert stay.person_id == application.person_id
    assert bed not in Bed.objects.free_on(DAY)
    assert AuditEntry.objects.filter(action="stay.checked_in").count() == 1


def test_a_taken_bed_cannot_be_given_again(network: Network, personas: Personas) -> None:
    first, second = accepted(personas), accepted(personas, display_name="Oleg")
    bed = network.almaty_beds[0]
    check_in(first, bed, DAY, actor=personas.coordinator)

    with pytest.raises(PlacementError):
        check_in(second, bed, DAY, actor=personas.coordinator)

    second.refresh_from_db()
    assert second.status == Application.Status.ACCEPTED
    assert Stay.objects.count() == 1


def test_only_accepted_applicants_are_placed(network: Network, personas: Personas) -> None:
    with pytest.raises(PlacementError):
        check_in(make_application(), network.almaty_beds[0], DAY, actor=personas.coordinator)
    assert not Stay.objects.exists()


def test_database_refuses_two_open_stays_in_one_bed(network: Network, personas: Personas) -> None:
    first, second = accepted(personas), accepted(personas, display_name="Oleg")
    bed = network.almaty_beds[0]
    Stay.objects.create(person=first.person, bed=bed, check_in=DAY, created_by=personas.admin)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stay.objects.create(person=second.person, bed=bed, check_in=DAY, created_by=personas.admin)


def test_check_out_frees_the_bed_from_that_day(network: Network, personas: Personas) -> None:
    application = accepted(personas)
    bed = network.almaty_beds[0]
    stay = check_in(application, bed, DAY, actor=personas.coordinator)

    check_out(stay, date(2026, 11, 20), "moved_on", actor=personas.coordinator)

    assert bed in Bed.objects.free_on(date(2026, 11, 20))
    assert bed not in Bed.objects.free_on(date(2026, 11, 19))
    application.refresh_from_db()
    assert application.status == Application.Status.EXITED
    with pytest.raises(PlacementError):
        check_out(stay, date(2026, 11, 21), "moved_on", actor=personas.coordinator)


def test_check_out_before_check_in_is_refused(network: Network, personas: Personas) -> None:
    stay = check_in(accepted(personas), network.almaty_beds[0], DAY, actor=personas.coordinator)
    with pytest.raises(PlacementError):
        check_out(stay, date(2026, 11, 1), "moved_on", actor=personas.coordinator)
    stay.refresh_from_db()
    assert stay.check_out is None


def test_room_gender_is_respected(network: Network, personas: Personas) -> None:
    room = network.almaty_beds[0].room
    room.gender = Room.Gender.WOMEN
    room.save()
    with pytest.raises(PlacementError, match="women"):
        check_in(accepted(personas), network.almaty_beds[0], DAY, actor=personas.coordinator)
    woman = accepted(personas, display_name="Olga", gender="woman")
    assert check_in(woman, network.almaty_beds[0], DAY, actor=personas.coordinator)


def test_backdated_check_in_cannot_overlap_an_earlier_stay(
    network: Network, personas: Personas
) -> None:
    bed = network.almaty_beds[0]
    stay = check_in(accepted(personas), bed, DAY, actor=personas.coordinator)
    check_out(stay, date(2026, 11, 10), "housing", actor=personas.coordinator)
    late = accepted(personas, display_name="Oleg")

    with pytest.raises(PlacementError):
        check_in(late, bed, date(2026, 11, 9), actor=personas.coordinator)
    assert check_in(late, bed, date(2026, 11, 10), actor=personas.coordinator)


@time_machine.travel(datetime(2026, 11, 25, 12, tzinfo=UTC), tick=False)
def test_check_in_and_out_cannot_be_in_the_future(network: Network, personas: Personas) -> None:
    bed = network.almaty_beds[0]
    with pytest.raises(PlacementError, match="future"):
        check_in(accepted(personas), bed, date(2026, 11, 26), actor=personas.coordinator)
    stay = check_in(accepted(personas, display_name="Oleg"), bed, DAY, actor=personas.admin)
    with pytest.raises(PlacementError, match="future"):
        check_out(stay, date(2026, 11, 26), "housing", actor=personas.coordinator)


def test_check_in_stores_the_clock_and_the_duties(network: Network, personas: Personas) -> None:
    application = accepted(personas)
    check_in(application, network.almaty_beds[0], DAY, actor=personas.coordinator)

    clock = ResidentClock.objects.get(person_id=application.person_id)
    assert clock.last_legal_day is not None  # Kazakhstan, domestic passport: a known rule
    assert ResidentTask.objects.filter(person_id=application.person_id).exists()
