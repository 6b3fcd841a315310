"""The resident page: access, where they sleep, their history and the legal clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

import time_machine
from django.urls import reverse

from haven.core.models import BorderCrossing, Person, Stay
from tests.conftest import Network, Personas, login
from tests.staff.conftest import resident

TODAY = datetime(2026, 11, 1, 12, tzinfo=UTC)


def _url(person: Person) -> str:
    return reverse("staff:resident", kwargs={"public_id": person.public_id})


def _clock(html: str) -> str:
    start = html.index('<section aria-labelledby="clock-heading"')
    return " ".join(html[start : html.index("</section>", start)].split())


def test_resident_page_access(network: Network, personas: Personas) -> None:
    person = resident(network.almaty_beds[0], personas.admin).person
    assert login(personas.coordinator).get(_url(person)).status_code == 200
    assert login(personas.admin).get(_url(person)).status_code == 200
    assert login(personas.volunteer).get(_url(person)).status_code == 403
    assert login(personas.reviewer).get(_url(person)).status_code == 403
    assert login(personas.outsider).get(_url(person)).status_code == 404
    assert login(personas.nobody).get(_url(person)).status_code == 404


@time_machine.travel(TODAY, tick=False)
def test_days_left_for_a_kazakhstan_resident(network: Network, personas: Personas) -> None:
    # Entered 1 Oct 2026 on a domestic passport: 90 days per stay, so 29 Dec is the last day.
    stay = resident(network.almaty_beds[1], personas.admin, entered_on=date(2026, 10, 1))
    html = " ".join(login(personas.coordinator).get(_url(stay.person)).content.decode().split())
    clock = _clock(html)
    assert "58 days left, last legal day Dec. 29, 2026" in clock
    assert "overstay" not in clock.lower()
    assert "Dom 1</a>, Room 1, Bed 2" in html
    assert "Kazakhstan: entered 10/01/2026 (domestic passport)" in html


@time_machine.travel(TODAY, tick=False)
def test_overstay_is_highlighted(network: Network, personas: Personas) -> None:
    stay = resident(network.almaty_beds[0], personas.admin, entered_on=date(2026, 7, 1))
    clock = _clock(login(personas.coordinator).get(_url(stay.person)).content.decode())
    assert 'class="clock overstay"' in clock
    assert "Overstay" in clock
    assert "34 days past the last legal day, Sept. 28, 2026" in clock


@time_machine.travel(TODAY, tick=False)
def test_needs_caseworker_check_for_armenia(network: Network, personas: Personas) -> None:
    stay = resident(network.almaty_beds[0], personas.admin, host_country="AM", city="Yerevan")
    clock = _clock(login(personas.coordinator).get(_url(stay.person)).content.decode())
    assert "Needs caseworker check" in clock
    assert "days left" not in clock


def test_stays_elsewhere_do_not_reveal_the_shelter(network: Network, personas: Personas) -> None:
    stay = resident(network.almaty_beds[0], personas.admin)
    Stay.objects.create(
        person=stay.person,
        bed=network.astana_beds[2],
        check_in=date(2026, 9, 1),
        check_out=date(2026, 9, 30),
        outcome=Stay.Outcome.RULES,
        created_by=personas.admin,
    )

    coordinator = login(personas.coordinator).get(_url(stay.person)).content.decode()
    assert "Another shelter of the network" in coordinator
    assert network.astana.name not in coordinator
    assert "asked to leave" not in coordinator

    admin = login(personas.admin).get(_url(stay.person)).content.decode()
    assert f"{network.astana.name}, Room 1, Bed 3" in admin
    assert "asked to leave" in admin


@time_machine.travel(TODAY, tick=False)
def test_contradictory_crossings_need_a_caseworker(network: Network, personas: Personas) -> None:
    stay = resident(network.almaty_beds[0], personas.admin, entered_on=date(2026, 9, 1))
    # A second entry with the first never closed: the clock refuses to guess.
    BorderCrossing.objects.create(
        person=stay.person,
        country=network.kazakhstan,
        entered_on=date(2026, 10, 1),
        document=BorderCrossing.Document.INTERNAL_PASSPORT,
    )
    response = login(personas.coordinator).get(_url(stay.person))
    assert response.status_code == 200
    clock = _clock(response.content.decode())
    assert "Needs caseworker check" in clock
    assert "contradict" in clock
    assert "days left" not in clock
