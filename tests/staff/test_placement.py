"""The placement page and offer page, through the test client."""

from __future__ import annotations

from django.urls import reverse

from haven.core.models import Application, AuditEntry, Offer
from tests.conftest import Network, Personas, login
from tests.staff.conftest import accepted

PLACEMENT = "/en/staff/placement/"


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
