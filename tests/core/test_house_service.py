"""Planning a shelter's weekly rota from its stays, absences and stored turns."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from haven.core.models import Absence, AuditEntry, Chore, RotaSlot
from haven.core.services.house import plan_week
from haven.core.services.stays import check_out
from tests.conftest import Network, Personas
from tests.staff.conftest import resident

MONDAY = date(2026, 11, 2)


@pytest.fixture
def chores(network: Network) -> list[Chore]:
    return [
        Chore.objects.create(shelter=network.almaty, name="Cooking", people=1),
        Chore.objects.create(shelter=network.almaty, name="Dishes", people=1),
    ]


def turns(week: date) -> Counter[str]:
    return Counter(
        RotaSlot.objects.filter(day__gte=week, day__lt=week + timedelta(7)).values_list(
            "person__display_name", flat=True
        )
    )


def test_a_week_shares_the_chores_among_the_residents_at_home(
    network: Network, personas: Personas, chores: list[Chore]
) -> None:
    for name, bed in zip(("Ann", "Boris", "Vera"), network.almaty_beds, strict=True):
        resident(bed, personas.admin, day=MONDAY - timedelta(30), display_name=name)
    resident(network.astana_beds[0], personas.admin, display_name="Elsewhere")

    plan_week(network.almaty, MONDAY, actor=personas.volunteer)

    counts = turns(MONDAY)
    assert set(counts) == {"Ann", "Boris", "Vera"}  # nobody from another shelter
    assert sum(counts.values()) == 14  # two chores a day for seven days
    assert max(counts.values()) - min(counts.values()) <= 1
    for day in range(7):  # nobody does both chores on one day
        doing = RotaSlot.objects.filter(day=MONDAY + timedelta(day)).values_list(
            "person", flat=True
        )
        assert len(set(doing)) == 2
    assert AuditEntry.objects.get(action="rota.planned").data["turns"] == 14


def test_absences_and_check_outs_are_respected(
    network: Network, personas: Personas, chores: list[Chore]
) -> None:
    ann = resident(
        network.almaty_beds[0], personas.admin, day=MONDAY - timedelta(9), display_name="Ann"
    )
    boris = resident(
        network.almaty_beds[1], personas.admin, day=MONDAY - timedelta(9), display_name="Boris"
    )
    vera = resident(
        network.almaty_beds[2], personas.admin, day=MONDAY - timedelta(9), display_name="Vera"
    )
    Absence.objects.create(
        person=ann.person,
        first_day=MONDAY,
        last_day=MONDAY + timedelta(2),
        created_by=personas.admin,
    )
    check_out(boris, MONDAY + timedelta(3), "moved_on", actor=personas.admin)

    plan_week(network.almaty, MONDAY, actor=personas.volunteer)

    for turn in RotaSlot.objects.select_related("person"):
        if turn.person == ann.person:
            assert turn.day > MONDAY + timedelta(2)
        if turn.person == boris.person:
            assert turn.day < MONDAY + timedelta(3)
    assert RotaSlot.objects.filter(person=vera.person).count() >= 4


def test_the_next_week_evens_out_what_the_last_one_left(
    network: Network, personas: Personas, chores: list[Chore]
) -> None:
    for name, bed in zip(("Ann", "Boris", "Vera"), network.almaty_beds, strict=True):
        resident(bed, personas.admin, day=MONDAY - timedelta(30), display_name=name)
    totals: Counter[str] = Counter()
    for week in range(12):
        monday = MONDAY + timedelta(weeks=week)
        plan_week(network.almaty, monday, actor=personas.volunteer)
        totals += turns(monday)
    mean = sum(totals.values()) / 3
    assert all(abs(count - mean) <= 1 for count in totals.values()), totals


def test_planning_again_replaces_only_that_week(
    network: Network, personas: Personas, chores: list[Chore]
) -> None:
    resident(network.almaty_beds[0], personas.admin, day=MONDAY - timedelta(30), display_name="Ann")
    plan_week(network.almaty, MONDAY, actor=personas.volunteer)
    plan_week(network.almaty, MONDAY + timedelta(7), actor=personas.volunteer)
    before = RotaSlot.objects.count()
    plan_week(network.almaty, MONDAY, actor=personas.volunteer)
    # Alone in the house, Ann does both chores every day: 14 turns a week, two weeks.
    assert RotaSlot.objects.count() == before == 28
    with pytest.raises(ValueError, match="Monday"):
        plan_week(network.almaty, MONDAY + timedelta(1), actor=personas.volunteer)
