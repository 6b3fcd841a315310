"""A bed offer on the status page: shown only with both codes, accepted or declined there."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from haven.core.models import Application, AuditEntry, Offer, Shelter
from haven.core.services import placements
from haven.core.services.applications import decide_application
from tests.conftest import Network, Personas
from tests.public.conftest import codes_in, valid_post
from tests.public.test_status_questions import hidden

pytestmark = pytest.mark.django_db

STATUS = "/ru/status/"
OFFER = "/ru/status/offer/"
GONE = "Это предложение уже закрыто"


@pytest.fixture
def codes(client: Client, network: Network) -> tuple[str, str]:
    # On their own: one bed, one offer row (families: test_a_family_accepts_all_its_beds).
    return codes_in(client.post("/ru/apply/", valid_post(dependants="0")).content.decode())


@pytest.fixture
def offer(codes: tuple[str, str], network: Network, personas: Personas) -> Offer:
    application = Application.objects.get(reference=codes[0])
    decide_application(application, "accept", "Meets the criteria.", actor=personas.admin)
    placements.run_placement(Shelter.objects.filter(pk=network.almaty.pk), actor=personas.admin)
    return Offer.objects.get(application=application)


def status_page(client: Client, codes: tuple[str, str]) -> str:
    reference, passphrase = codes
    return client.post(STATUS, {"reference": reference, "passphrase": passphrase}).content.decode()


def offer_post(html: str, choice: str) -> dict[str, str]:
    fields = ("reference", "passphrase", "offer")
    return {**{name: hidden(html, name) for name in fields}, "choice": choice}


def test_a_proposal_is_not_shown_until_a_coordinator_confirms_it(
    client: Client, codes: tuple[str, str], offer: Offer, personas: Personas
) -> None:
    assert 'id="offer-form"' not in status_page(client, codes)
    placements.confirm_offer(offer, actor=personas.coordinator)
    html = status_page(client, codes)
    assert "Вам предлагают место" in html
    assert "Almaty (Kazakhstan)" in html
    assert offer.bed.room.shelter.name not in html  # the address comes from the coordinator


@pytest.mark.parametrize(("choice", "status"), [("accept", "accepted"), ("decline", "declined")])
def test_the_applicant_accepts_or_declines(
    client: Client,
    codes: tuple[str, str],
    offer: Offer,
    personas: Personas,
    choice: str,
    status: str,
) -> None:
    placements.confirm_offer(offer, actor=personas.coordinator)
    html = client.post(OFFER, offer_post(status_page(client, codes), choice)).content.decode()

    offer.refresh_from_db()
    assert offer.status == status
    assert 'id="offer-answered"' in html
    assert 'id="offer-form"' not in html
    entry = AuditEntry.objects.get(action=f"offer.{status}")
    assert entry.actor is None
    # Sent again (a reload), the answer changes nothing and says the offer is closed.
    resend = {"reference": codes[0], "passphrase": codes[1], "offer": str(offer.public_id)}
    again = client.post(OFFER, {**resend, "choice": "accept"}).content.decode()
    assert GONE in again
    offer.refresh_from_db()
    assert offer.status == status


def test_wrong_codes_or_another_offer_change_nothing(
    client: Client, codes: tuple[str, str], offer: Offer, personas: Personas
) -> None:
    placements.confirm_offer(offer, actor=personas.coordinator)
    post = offer_post(status_page(client, codes), "accept")

    wrong = client.post(OFFER, {**post, "passphrase": "aaaa-bbbb-cccc"}).content.decode()
    assert "Не удалось найти заявку" in wrong
    other = client.post(OFFER, {**post, "offer": "00000000-0000-0000-0000-000000000000"})
    assert GONE in other.content.decode()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.CONFIRMED


def test_an_overdue_offer_cannot_be_accepted(
    client: Client, codes: tuple[str, str], offer: Offer, personas: Personas
) -> None:
    placements.confirm_offer(offer, actor=personas.coordinator)
    post = offer_post(status_page(client, codes), "accept")
    Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert 'id="offer-form"' not in status_page(client, codes)
    html = client.post(OFFER, post).content.decode()
    assert GONE in html
    offer.refresh_from_db()
    assert offer.status == Offer.Status.CONFIRMED  # the expiry job marks it; it holds no bed
    assert not Offer.objects.live().filter(pk=offer.pk).exists()


def test_a_family_accepts_all_its_beds(
    client: Client, network: Network, personas: Personas
) -> None:
    codes = codes_in(client.post("/ru/apply/", valid_post(dependants="2")).content.decode())
    application = Application.objects.get(reference=codes[0])
    decide_application(application, "accept", "Meets the criteria.", actor=personas.admin)
    placements.run_placement(Shelter.objects.filter(pk=network.almaty.pk), actor=personas.admin)
    head = Offer.objects.get(application=application, member=0)
    placements.confirm_offer(head, actor=personas.coordinator)

    html = status_page(client, codes)
    assert "Вам и вашей семье предлагают кровати" in html
    assert "3 кровати в одной комнате" in html
    client.post(OFFER, offer_post(html, "accept"))

    statuses = Offer.objects.filter(application=application).values_list("status", flat=True)
    assert list(statuses) == [Offer.Status.ACCEPTED] * 3
