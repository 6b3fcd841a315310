"""The ticking-clock board: sections and order, scope, stored clocks, query count, duties."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from haven.core.models import Bed, BorderCrossing, ResidentClock, ResidentTask, Room, Stay
from haven.core.services.legal import current_resident_ids, refresh_clocks, sync_duties
from haven.rules.stay_clock import DUTY_RULES
from haven.staff.duty_labels import DUTY_LABELS
from tests.conftest import Network, Personas, login
from tests.staff.conftest import resident

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)  # 17:00 in Almaty


@pytest.fixture(autouse=True)
def now() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def stays(network: Network, personas: Personas) -> dict[str, Stay]:
    beds, admin = network.almaty_beds, personas.admin
    extra = Bed.objects.create(room=beds[0].room, label="Bed 4")
    return {
        "later": resident(beds[0], admin, display_name="Later", entered_on=date(2026, 10, 20)),
        "sooner": resident(beds[1], admin, display_name="Sooner", entered_on=date(2026, 8, 15)),
        "over": resident(beds[2], admin, display_name="Over", entered_on=date(2026, 7, 1)),
        "check": resident(extra, admin, display_name="Unclear", host_country="AM", city="Yerevan"),
        "elsewhere": resident(network.astana_beds[0], admin, display_name="Elsewhere"),
    }


def _board(network: Network) -> str:
    return reverse("staff:shelter_clock", kwargs={"public_id": network.almaty.public_id})


def _text(response: object) -> str:
    return " ".join(response.content.decode().split())  # type: ignore[attr-defined]


def test_sections_and_order(network: Network, personas: Personas, stays: dict[str, Stay]) -> None:
    html = _text(login(personas.coordinator).get(_board(network)))
    positions = [
        html.index(text)
        for text in (
            "Overstay: past the last legal day",
            ">Over<",
            "Needs caseworker check: no date Haven can stand by",
            ">Unclear<",
            "By days left",
            ">Sooner<",  # 12 Nov: 11 days left
            ">Later<",  # 17 Jan: 77 days left
        )
    ]
    assert positions == sorted(positions)
    assert "Elsewhere" not in html  # another shelter
    assert "11 days left" in html
    assert "Past the last legal day: get legal advice today." in html
    assert "A caseworker checks the rules for this country and document" in html
    assert "Plan now: leaving, or a permit, before the last legal day." in html


def test_the_network_board(network: Network, personas: Personas, stays: dict[str, Stay]) -> None:
    response = login(personas.admin).get(reverse("staff:clock_board"))
    html = _text(response)
    assert ">Elsewhere<" in html
    assert "Dom 2" in html  # the network board names each row's shelter
    assert login(personas.coordinator).get(reverse("staff:clock_board")).status_code == 403
    assert login(personas.nobody).get(reverse("staff:clock_board")).status_code == 404


def test_the_board_reads_clocks_stored_today(
    network: Network, personas: Personas, stays: dict[str, Stay]
) -> None:
    refresh_clocks(current_resident_ids())
    # A stored row computed today is trusted as it is (the daily job keeps it right)...
    ResidentClock.objects.filter(person=stays["later"].person).update(days_left=3)
    assert "3 days left" in _text(login(personas.coordinator).get(_board(network)))
    # ...one computed on an earlier day is recomputed for the page.
    ResidentClock.objects.filter(person=stays["later"].person).update(
        computed_on=date(2026, 10, 31)
    )
    html = _text(login(personas.coordinator).get(_board(network)))
    assert "3 days left" not in html
    assert "77 days left" in html


def test_the_query_count_does_not_grow_with_residents(
    network: Network, personas: Personas, stays: dict[str, Stay]
) -> None:
    client = login(personas.coordinator)
    sync_duties(current_resident_ids())

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_board(network)).status_code == 200
        return len(captured)

    few = queries()
    room = Room.objects.create(shelter=network.almaty, name="Room 2")
    for i in range(12):
        bed = Bed.objects.create(room=room, label=f"Extra {i}")
        resident(bed, personas.admin, display_name=f"Extra {i}", entered_on=date(2026, 10, i + 1))
    sync_duties(current_resident_ids())
    assert queries() == few  # stale clocks are recomputed for all rows at once
    refresh_clocks(current_resident_ids())
    assert queries() <= few  # stored clocks: not even that


def test_max_queries(
    network: Network,
    personas: Personas,
    stays: dict[str, Stay],
    django_assert_max_num_queries: Any,
) -> None:
    client = login(personas.admin)
    sync_duties(current_resident_ids())
    # Session, user, second factor, memberships, stays with clocks, crossings and documents
    # of the residents whose clock is stale, open duties.
    with django_assert_max_num_queries(8):
        assert client.get(reverse("staff:clock_board")).status_code == 200
    refresh_clocks(current_resident_ids())
    with django_assert_max_num_queries(6):
        assert client.get(reverse("staff:clock_board")).status_code == 200


def test_open_duties_and_what_to_do(
    network: Network, personas: Personas, stays: dict[str, Stay]
) -> None:
    sync_duties(current_resident_ids())
    html = _text(login(personas.coordinator).get(_board(network)))
    assert "The host notifies the authorities of the arrival" in html
    assert "(only if they claim asylum)" in html
    assert "1 duty overdue." in html  # the asylum deadline applies only to a claim


def test_ticking_a_duty_done(network: Network, personas: Personas, stays: dict[str, Stay]) -> None:
    sync_duties(current_resident_ids())
    task = ResidentTask.objects.filter(person=stays["later"].person).first()
    assert task is not None
    url = reverse("staff:complete_task", kwargs={"public_id": task.public_id})
    client = login(personas.coordinator)

    empty = client.post(url, {})
    assert empty.status_code == 200
    assert "Use the button next to the duty" in empty.content.decode()
    task.refresh_from_db()
    assert task.done_at is None

    response = client.post(url, {"confirm": "True", "next": _board(network)})
    assert response.status_code == 302
    assert response["Location"] == _board(network)
    task.refresh_from_db()
    assert task.done_by == personas.coordinator

    elsewhere = client.post(url, {"confirm": "True", "next": "https://evil.example/"})
    assert elsewhere["Location"] == reverse(
        "staff:resident", kwargs={"public_id": stays["later"].person.public_id}
    )


def test_every_duty_has_a_label() -> None:
    keys = {duty.description_key for duties in DUTY_RULES.values() for duty in duties}
    assert keys == set(DUTY_LABELS)


def test_a_resident_whose_last_crossing_is_an_exit_needs_a_check(
    network: Network, personas: Personas, stays: dict[str, Stay]
) -> None:
    BorderCrossing.objects.filter(person=stays["later"].person).update(exited_on=date(2026, 10, 25))
    refresh_clocks([stays["later"].person_id])  # as the services and the daily job do
    html = _text(login(personas.coordinator).get(_board(network)))
    check = html.index("Needs caseworker check: no date Haven can stand by")
    assert check < html.index(">Later<") < html.index("By days left")
    assert "Their latest recorded crossing is an exit" in html
