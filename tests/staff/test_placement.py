"""The placement page and offer page, through the test client."""

from __future__ import annotations

import zoneinfo

from django.urls import reverse
from django.utils import timezone

from haven.core.models import Application, AuditEntry, Offer, Stay
from tests.conftest import Network, Personas, login
from tests.staff.conftest import accepted

PLACEMENT = "/en/staff/placement/"


def today() -> str:
    """Today in Kazakhstan, where the test shelters are."""
    return str(timezone.localdate(timezone=zoneinfo.ZoneInfo("Asia/Almaty")))


def _offer_url(offer: Offer) -> str:
    return reverse("staff:offer", kwargs={"public_id": offer.public_id})


def test_run_needs_a_shelter_and_only_the_users_own(network: Network, personas: Personas) -> None:
    accepted(personas.admin)
    client = login(personas.coordinator)
    assert reverse("staff:placement") == PLACEMENT

    empty = client.post(PLACEMENT, {})
    assert "Choose at least one shelter." in empty.content.decode()
    other = client.post(PLACEMENT, {"shelters": [str(network.astana.public_id)]})
    assert other.status_code == 200
    assert "is not one of the available choices" in other.content.decode()
    assert not Offer.objects.exists()

    done = client.post(PLACEMENT, {"shelters": [str(network.almaty.public_id)]}, follow=True)
    assert "Placement run done: 1 offer proposed." in done.content.decode()
    offer = Offer.objects.get()
    assert offer.bed.room.shelter == network.almaty
    assert AuditEntry.objects.get(action="placement.run").actor == personas.coordinator


def test_offer_page_explains_and_changes_the_proposal(network: Network, personas: Personas) -> None:
    first = accepted(personas.admin, display_name="First")
    Application.objects.filter(pk=first.pk).update(priority=700)
    client = login(personas.coordinator)
    client.post(PLACEMENT, {"shelters": [str(network.almaty.public_id)]})
    offer = Offer.objects.get()
    later = accepted(personas.admin, display_name="Later")

    page = client.get(_offer_url(offer)).content.decode()
    assert "Their priority: 700." in page
    assert "Nobody who could use this shelter was left waiting." in page

    nothing = client.post(_offer_url(offer), {"action": "delete everything"})
    assert "Choose what to do with this offer." in nothing.content.decode()
    response = client.post(
        _offer_url(offer),
        {
            "action": "change",
            "change-application": str(later.public_id),
            "change-bed": str(offer.bed.public_id),
        },
    )
    assert response.status_code == 302
    replacement = Offer.objects.get(status=Offer.Status.CONFIRMED)
    assert replacement.application == later
    assert replacement.changed
    assert (
        "A coordinator chose this person or bed"
        in client.get(_offer_url(replacement)).content.decode()
    )

    client.post(_offer_url(replacement), {"action": "declined"})
    replacement.refresh_from_db()
    assert replacement.status == Offer.Status.DECLINED
    shelter_page = client.get(
        reverse("staff:shelter", kwargs={"public_id": network.almaty.public_id})
    )
    assert "Offer for" not in shelter_page.content.decode()


def test_check_in_from_an_offer_refuses_a_future_date(network: Network, personas: Personas) -> None:
    accepted(personas.admin)
    client = login(personas.coordinator)
    client.post(PLACEMENT, {"shelters": [str(network.almaty.public_id)]})
    offer = Offer.objects.get()
    client.post(_offer_url(offer), {"action": "confirm"})

    future = client.post(_offer_url(offer), {"action": "check_in", "arrive-check_in": "2099-01-01"})
    assert "This date is in the future." in future.content.decode()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.CONFIRMED


def test_a_family_is_offered_checked_in_and_out_together(
    network: Network, personas: Personas
) -> None:
    family = accepted(personas.admin, display_name="Family", dependants=2)
    client = login(personas.coordinator)
    done = client.post(PLACEMENT, {"shelters": [str(network.almaty.public_id)]}, follow=True)
    page = done.content.decode()
    assert "Placement run done: 1 offer proposed." in page
    assert "family, 3 beds" in page
    offer = Offer.objects.get(application=family, member=0)
    companion = Offer.objects.get(application=family, member=2)
    # The family's other beds are part of the offer: no page of their own.
    assert client.get(_offer_url(companion)).status_code == 404

    offer_page = client.get(_offer_url(offer)).content.decode()
    assert "Beds for their family" in offer_page
    assert "3 beds in one room" in offer_page
    client.post(_offer_url(offer), {"action": "confirm"})
    arrived = client.post(
        _offer_url(offer), {"action": "check_in", "arrive-check_in": today()}, follow=True
    ).content.decode()
    assert "Family and their family checked in to Room 1 (3 beds)." in arrived
    assert arrived.count("With Family (family)") == 2
    assert "Check out Family and their family" in arrived
    assert "Free</strong>" not in arrived

    stay = Stay.objects.get(person=family.person, member=0)
    shelter_url = reverse("staff:shelter", kwargs={"public_id": network.almaty.public_id})
    left = client.post(
        reverse("staff:check_out", kwargs={"public_id": stay.public_id}),
        {f"out-{stay.public_id}-check_out": today(), f"out-{stay.public_id}-outcome": "housing"},
        follow=True,
    ).content.decode()
    assert not Stay.objects.active().exists()
    assert left.count("Free</strong>") == 3
    assert client.get(shelter_url).content.decode().count("Free</strong>") == 3


def test_a_family_placed_from_the_shelter_page_takes_beds_of_one_room(
    network: Network, personas: Personas
) -> None:
    family = accepted(personas.admin, display_name="Family", dependants=1)
    client = login(personas.coordinator)
    place_url = reverse("staff:place", kwargs={"public_id": network.almaty.public_id})
    bed = network.almaty_beds[1]

    placed = client.post(
        place_url,
        {
            "place-application": str(family.public_id),
            "place-bed": str(bed.public_id),
            "place-check_in": today(),
        },
        follow=True,
    ).content.decode()

    assert "Family and their family placed in Room 1 (2 beds)." in placed
    stays = Stay.objects.filter(person=family.person).order_by("member")
    assert [s.bed.room_id for s in stays] == [bed.room_id, bed.room_id]
    assert stays[0].bed == bed


def test_families_no_room_can_hold_are_listed_for_placing_by_hand(
    network: Network, personas: Personas
) -> None:
    accepted(personas.admin, display_name="Big", dependants=3)  # rooms here have 3 beds
    accepted(personas.admin, display_name="Small", dependants=1)
    page = login(personas.coordinator).get(PLACEMENT).content.decode()
    listed = page.split("Families no room can hold")[1].split("</section>")[0]
    assert "Big" in listed
    assert "family, 4 beds" in listed
    assert "Small" not in listed
