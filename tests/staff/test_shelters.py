"""Shelters, beds, placing and checking out."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from haven.accounts.models import ROLE_CAPABILITIES, Capability
from haven.core.models import Application, AuditEntry, Bed, Offer, Room, Stay
from tests.conftest import Network, Personas, login, make_application
from tests.staff.conftest import accepted, resident

TODAY = datetime(2026, 11, 1, 12, tzinfo=UTC)  # 1 Nov in Almaty too (UTC+5)


def _shelter_url(network: Network) -> str:
    return reverse("staff:shelter", kwargs={"public_id": network.almaty.public_id})


def _place_url(network: Network) -> str:
    return reverse("staff:place", kwargs={"public_id": network.almaty.public_id})


def _check_out_url(stay: Stay) -> str:
    return reverse("staff:check_out", kwargs={"public_id": stay.public_id})


def _free_labels(html: str) -> list[str]:
    return re.findall(r'<li class="bed free">\s*<span class="bed-label">([^<]+)</span>', html)


def test_every_role_that_places_also_sees_residents() -> None:
    # The place and check-out views re-render the shelter page, which names residents.
    for capabilities in ROLE_CAPABILITIES.values():
        if Capability.PLACE in capabilities:
            assert Capability.VIEW_RESIDENTS in capabilities


def test_shelter_list_shows_own_shelters_with_bed_counts(
    network: Network, personas: Personas, django_assert_max_num_queries: object
) -> None:
    resident(network.almaty_beds[0], personas.admin)
    Bed.objects.filter(pk=network.almaty_beds[2].pk).update(in_service=False)
    url = reverse("staff:shelters")

    client = login(personas.coordinator)
    with django_assert_max_num_queries(5):  # type: ignore[operator]
        html = client.get(url).content.decode()
    assert network.almaty.name in html
    assert network.astana.name not in html
    assert "1 of 2 beds free" in html

    admin = login(personas.admin).get(url).content.decode()
    assert network.astana.name in admin
    assert "3 of 3 beds free" in admin


def test_shelter_list_for_staff_without_shelters(personas: Personas) -> None:
    response = login(personas.nobody).get(reverse("staff:shelters"))
    assert response.status_code == 200
    assert "not linked to any shelter" in response.content.decode()


def test_shelter_page_access(network: Network, personas: Personas) -> None:
    url = _shelter_url(network)
    assert login(personas.coordinator).get(url).status_code == 200
    assert login(personas.volunteer).get(url).status_code == 403
    assert login(personas.outsider).get(url).status_code == 404
    assert login(personas.reviewer).get(url).status_code == 403


def test_shelter_page_shows_who_sleeps_where(network: Network, personas: Personas) -> None:
    stay = resident(network.almaty_beds[1], personas.admin, display_name="Olga")
    html = login(personas.coordinator).get(_shelter_url(network)).content.decode()
    resident_url = reverse("staff:resident", kwargs={"public_id": stay.person.public_id})
    assert f'<a href="{resident_url}">Olga</a>' in html
    assert _free_labels(html) == ["Bed 1", "Bed 3"]
    assert _check_out_url(stay) in html


@time_machine.travel(TODAY, tick=False)
def test_placing_an_accepted_applicant(network: Network, personas: Personas) -> None:
    application = accepted(personas.reviewer, display_name="Ivan")
    bed = network.almaty_beds[0]
    client = login(personas.coordinator)
    page = client.get(_shelter_url(network)).content.decode()
    assert f'value="{application.public_id}"' in page  # on the waitlist
    assert 'value="2026-11-01"' in page  # check-in defaults to today

    response = client.post(
        _place_url(network),
        {
            "place-application": application.public_id,
            "place-bed": bed.public_id,
            "place-check_in": "2026-11-01",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == _shelter_url(network)
    stay = Stay.objects.get(bed=bed)
    assert stay.person == application.person
    assert stay.check_in == date(2026, 11, 1)
    assert stay.created_by == personas.coordinator
    html = client.get(response["Location"]).content.decode()
    assert "Ivan placed in Room 1 / Bed 1." in html
    assert ">Ivan</a>" in html
    assert "Bed 1" not in _free_labels(html)
    assert f'value="{application.public_id}"' not in html  # no longer waiting


@time_machine.travel(TODAY, tick=False)
def test_placing_into_an_occupied_bed_changes_nothing(network: Network, personas: Personas) -> None:
    bed = network.almaty_beds[0]
    occupant = resident(bed, personas.admin, display_name="Occupant")
    application = accepted(personas.reviewer, display_name="Newcomer")
    audit_rows = AuditEntry.objects.count()

    response = login(personas.coordinator).post(
        _place_url(network),
        {
            "place-application": application.public_id,
            "place-bed": bed.public_id,
            "place-check_in": "2026-11-01",
        },
    )

    assert response.status_code == 200
    assert "Someone else was just placed in this bed. Choose another." in response.content.decode()
    assert list(Stay.objects.filter(bed=bed)) == [occupant]
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED
    assert AuditEntry.objects.count() == audit_rows


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize(
    ("bed_of", "day", "error"),
    [
        ("astana", "2026-11-01", "Choose a bed of this shelter."),
        ("almaty", "2026-11-02", "This date is in the future."),
    ],
)
def test_placing_refuses_other_shelters_beds_and_future_dates(
    network: Network, personas: Personas, bed_of: str, day: str, error: str
) -> None:
    application = accepted(personas.reviewer)
    bed = getattr(network, f"{bed_of}_beds")[0]
    response = login(personas.coordinator).post(
        _place_url(network),
        {
            "place-application": application.public_id,
            "place-bed": bed.public_id,
            "place-check_in": day,
        },
    )
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Stay.objects.exists()


def test_placing_someone_not_accepted_is_refused(network: Network, personas: Personas) -> None:
    submitted = make_application()
    response = login(personas.coordinator).post(
        _place_url(network),
        {
            "place-application": submitted.public_id,
            "place-bed": network.almaty_beds[0].public_id,
            "place-check_in": "2026-10-05",
        },
    )
    assert response.status_code == 200
    assert "Choose someone waiting for a bed in this country." in response.content.decode()
    assert not Stay.objects.exists()


@time_machine.travel(TODAY, tick=False)
def test_check_out_frees_the_bed(network: Network, personas: Personas) -> None:
    stay = resident(network.almaty_beds[0], personas.admin, display_name="Leaving")
    client = login(personas.coordinator)
    prefix = f"out-{stay.public_id}"

    response = client.post(
        _check_out_url(stay),
        {f"{prefix}-check_out": "2026-11-01", f"{prefix}-outcome": Stay.Outcome.MOVED_ON},
    )

    assert response.status_code == 302
    assert response["Location"] == _shelter_url(network)
    stay.refresh_from_db()
    assert stay.check_out == date(2026, 11, 1)
    assert stay.outcome == Stay.Outcome.MOVED_ON
    assert AuditEntry.objects.filter(action="stay.checked_out", actor=personas.coordinator).exists()
    html = client.get(response["Location"]).content.decode()
    assert "Leaving checked out; Room 1 / Bed 1 is free." in html
    assert _free_labels(html) == ["Bed 1", "Bed 2", "Bed 3"]
    # A second check-out of the same stay is a no-op with a note, not an error page.
    again = client.post(
        _check_out_url(stay),
        {f"{prefix}-check_out": "2026-11-01", f"{prefix}-outcome": Stay.Outcome.MOVED_ON},
        follow=True,
    )
    assert "Leaving has already checked out." in again.content.decode()


@time_machine.travel(TODAY, tick=False)
def test_check_out_errors_show_on_the_bed(network: Network, personas: Personas) -> None:
    stay = resident(network.almaty_beds[0], personas.admin, day=date(2026, 10, 20))
    prefix = f"out-{stay.public_id}"
    client = login(personas.coordinator)

    before = client.post(
        _check_out_url(stay), {f"{prefix}-check_out": "2026-10-19", f"{prefix}-outcome": "visa"}
    )
    future = client.post(
        _check_out_url(stay), {f"{prefix}-check_out": "2026-11-02", f"{prefix}-outcome": "visa"}
    )

    assert "Check-out cannot be before check-in." in before.content.decode()
    assert "<details open>" in before.content.decode()
    assert "This date is in the future." in future.content.decode()
    stay.refresh_from_db()
    assert stay.check_out is None


def test_volunteer_cannot_place_or_check_out(network: Network, personas: Personas) -> None:
    stay = resident(network.almaty_beds[0], personas.admin)
    client = login(personas.volunteer)
    assert client.post(_place_url(network), {}).status_code == 403
    assert client.post(_check_out_url(stay), {}).status_code == 403
    other = resident(network.astana_beds[0], personas.admin)
    assert login(personas.coordinator).post(_check_out_url(other), {}).status_code == 404


def test_shelter_page_query_count(
    network: Network, personas: Personas, django_assert_max_num_queries: object
) -> None:
    room = Room.objects.create(shelter=network.almaty, name="Room 2")
    beds = [Bed.objects.create(room=room, label=f"Bed {i}") for i in range(4, 14)]
    for bed in beds:
        resident(bed, personas.admin)
    waiting = [accepted(personas.reviewer) for _ in range(5)]
    for application, bed in zip(waiting, network.almaty_beds, strict=False):
        Offer.objects.create(application=application, bed=bed, priority=application.priority)
    client = login(personas.coordinator)
    # session, user, second-factor device, memberships, shelter, open stays, offers holding
    # beds, rooms, beds, waitlist.
    with django_assert_max_num_queries(10):  # type: ignore[operator]
        response = client.get(_shelter_url(network))
    assert response.status_code == 200


def test_waitlist_offers_applicants_in_this_country_by_priority(
    network: Network, personas: Personas
) -> None:
    low = accepted(personas.reviewer, display_name="Low", protests=False)
    high = accepted(personas.reviewer, display_name="High", arrested=True)
    yerevan = accepted(personas.reviewer, display_name="Yerevan", host_country="AM")
    client = login(personas.coordinator)

    html = client.get(_shelter_url(network)).content.decode()
    options = re.findall(r'<option value="[0-9a-f-]{36}">(\w+) \(man, Almaty, priority (\d+)', html)
    assert options == [("High", str(high.priority)), ("Low", str(low.priority))]

    response = client.post(
        _place_url(network),
        {
            "place-application": yerevan.public_id,
            "place-bed": network.almaty_beds[0].public_id,
            "place-check_in": "2026-10-05",
        },
    )
    assert "Choose someone waiting for a bed in this country." in response.content.decode()
    assert not Stay.objects.exists()
