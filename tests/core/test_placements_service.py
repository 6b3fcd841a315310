"""Placement runs and offers through the real services and database."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from haven.core.models import Application, AuditEntry, Offer, Room, Shelter, Stay
from haven.core.services import placements
from haven.core.services.erasure import erase_person
from haven.core.services.stays import PlacementError, check_in
from tests.conftest import Network, Personas
from tests.staff.conftest import accepted

TODAY = date(2026, 11, 25)


def waiting(personas: Personas, priority: int, **answers: Any) -> Application:
    """An accepted applicant whose priority is exactly ``priority`` (set after scoring)."""
    application = accepted(personas.admin, **answers)
    Application.objects.filter(pk=application.pk).update(priority=priority)
    application.refresh_from_db()
    return application


def shelters(network: Network) -> Any:
    return Shelter.objects.filter(pk__in=[network.almaty.pk, network.astana.pk])


def holding(application: Application) -> Offer:
    return Offer.objects.get(application=application, status__in=Offer.HOLDING)


def test_a_run_offers_the_free_beds_to_the_highest_priorities(
    network: Network, personas: Personas
) -> None:
    people = [
        waiting(personas, p, display_name=f"P{p}") for p in (50, 700, 300, 900, 10, 600, 650, 20)
    ]

    run = placements.run_placement(shelters(network), actor=personas.coordinator, seed=7)

    offered = {o.application.priority for o in Offer.objects.filter(run=run)}
    assert offered == {900, 700, 650, 600, 300, 50}  # six free beds, top six priorities
    offers = list(Offer.objects.filter(run=run))
    assert len({o.bed_id for o in offers}) == 6
    assert {o.status for o in offers} == {Offer.Status.PROPOSED}
    assert run.seed == 7
    assert run.free_beds == 6
    assert run.waiting_count == len(people)
    # The "why": both shelters' cut-offs; 20 and 10 wait below every offer.
    for cut in run.cutoffs.values():
        assert cut["highest_waiting"] == 20
        assert cut["lowest_placed"] >= 50
    # Each offer explains itself with the same cut-offs (20 and 10 were left out of the
    # engine's search: they could not be placed whatever happened).
    assert {o.highest_waiting for o in offers} == {20}
    assert AuditEntry.objects.filter(action="offer.proposed").count() == 6
    assert AuditEntry.objects.get(action="placement.run").data["offers"] == 6


def test_rooms_for_women_only_go_to_women(network: Network, personas: Personas) -> None:
    Room.objects.filter(shelter=network.almaty).update(gender=Room.Gender.WOMEN)
    men = [waiting(personas, 800 + i, display_name=f"M{i}", gender="man") for i in range(4)]
    woman = waiting(personas, 100, display_name="W", gender="woman")

    placements.run_placement(shelters(network), actor=personas.admin, seed=1)

    assert holding(woman).bed.room.shelter == network.almaty
    for man in men[1:]:  # the three highest men fill Astana; nobody else fits there
        assert holding(man).bed.room.shelter == network.astana
    assert not Offer.objects.filter(application=men[0]).exists()
    assert Offer.objects.filter(bed__room__shelter=network.almaty).count() == 1


def test_people_get_the_city_they_asked_for_when_it_costs_nobody_a_bed(
    network: Network, personas: Personas
) -> None:
    astana = [waiting(personas, 500, display_name=f"A{i}", city="Astana") for i in range(3)]
    almaty = [waiting(personas, 500, display_name=f"L{i}", city="Almaty") for i in range(3)]
    placements.run_placement(shelters(network), actor=personas.admin, seed=3)
    assert {holding(a).bed.room.shelter for a in astana} == {network.astana}
    assert {holding(a).bed.room.shelter for a in almaty} == {network.almaty}


def test_offer_confirmed_accepted_and_checked_in(network: Network, personas: Personas) -> None:
    person = waiting(personas, 400)
    placements.run_placement(Shelter.objects.filter(pk=network.almaty.pk), actor=personas.admin)
    offer = holding(person)

    confirmed = placements.confirm_offer(offer, actor=personas.coordinator)
    assert confirmed.status == Offer.Status.CONFIRMED
    assert confirmed.expires_at is not None
    assert confirmed.expires_at - timezone.now() > timedelta(hours=47)
    placements.answer_offer(offer, accept=True, actor=None)
    stay = placements.check_in_offer(offer, TODAY, actor=personas.coordinator)

    offer.refresh_from_db()
    person.refresh_from_db()
    assert offer.status == Offer.Status.CHECKED_IN
    assert stay.bed == offer.bed
    assert person.status == Application.Status.PLACED
    actions = list(
        AuditEntry.objects.filter(object_id=str(offer.public_id)).values_list("action", flat=True)
    )
    assert actions == ["offer.proposed", "offer.confirmed", "offer.accepted", "offer.checked_in"]


def test_a_declined_bed_goes_to_the_next_person(network: Network, personas: Personas) -> None:
    first = waiting(personas, 900, display_name="First")
    second = waiting(personas, 100, display_name="Second")
    one_bed = Shelter.objects.filter(pk=network.almaty.pk)
    network.almaty_beds[1].delete()
    network.almaty_beds[2].delete()
    placements.run_placement(one_bed, actor=personas.admin)
    offer = holding(first)
    assert not Offer.objects.filter(application=second).exists()
    placements.confirm_offer(offer, actor=personas.admin)
    placements.answer_offer(offer, accept=False, actor=None)

    placements.run_placement(one_bed, actor=personas.admin)

    offer.refresh_from_db()
    assert offer.status == Offer.Status.DECLINED
    # The bed is offered again, still by priority: the person who declined ranks first.
    assert holding(first).bed == offer.bed


def test_unanswered_offers_expire_and_the_bed_returns(network: Network, personas: Personas) -> None:
    person = waiting(personas, 400)
    almaty = Shelter.objects.filter(pk=network.almaty.pk)
    placements.run_placement(almaty, actor=personas.admin)
    offer = placements.confirm_offer(holding(person), actor=personas.admin)
    Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    with pytest.raises(PlacementError, match="expired"):
        placements.check_in_offer(offer, TODAY, actor=personas.admin)
    assert Offer.objects.filter(bed=offer.bed).live().count() == 0  # no longer holds the bed
    out = StringIO()
    call_command("expire_offers", stdout=out)
    assert out.getvalue().strip() == "expired 1"

    offer.refresh_from_db()
    assert offer.status == Offer.Status.EXPIRED
    assert placements.expire_overdue() == 0  # idempotent
    assert offer.bed in placements.free_beds(almaty)
    with pytest.raises(PlacementError, match="no longer open"):
        placements.answer_offer(offer, accept=True, actor=None)


def test_a_new_run_replaces_unconfirmed_proposals_but_keeps_confirmed_ones(
    network: Network, personas: Personas
) -> None:
    a = waiting(personas, 500, display_name="A")
    b = waiting(personas, 400, display_name="B")
    almaty = Shelter.objects.filter(pk=network.almaty.pk)
    placements.run_placement(almaty, actor=personas.admin)
    kept = placements.confirm_offer(holding(a), actor=personas.admin)
    dropped = holding(b)
    c = waiting(personas, 450, display_name="C")

    placements.run_placement(almaty, actor=personas.admin)

    dropped.refresh_from_db()
    assert dropped.status == Offer.Status.WITHDRAWN
    assert holding(a) == kept
    assert {holding(b).bed, holding(c).bed}.isdisjoint({kept.bed})


def test_checking_someone_else_into_an_offered_bed_is_refused(
    network: Network, personas: Personas
) -> None:
    offered = waiting(personas, 900, display_name="Offered")
    other = waiting(personas, 100, display_name="Other")
    placements.run_placement(Shelter.objects.filter(pk=network.almaty.pk), actor=personas.admin)
    bed = holding(offered).bed
    other_offer = holding(other)

    with pytest.raises(PlacementError, match="offered to someone else"):
        check_in(other, bed, TODAY, actor=personas.admin)
    # Checking a person in elsewhere directly withdraws the offer they held.
    stay = check_in(other, network.astana_beds[0], TODAY, actor=personas.admin)
    other_offer.refresh_from_db()
    assert stay.bed == network.astana_beds[0]
    assert other_offer.status == Offer.Status.WITHDRAWN


def test_change_offers_the_bed_to_someone_else(network: Network, personas: Personas) -> None:
    proposed_to = waiting(personas, 900, display_name="Proposed")
    almaty = Shelter.objects.filter(pk=network.almaty.pk)
    network.almaty_beds[1].delete()
    network.almaty_beds[2].delete()
    placements.run_placement(almaty, actor=personas.admin)
    chosen = waiting(personas, 100, display_name="Chosen")
    proposal = holding(proposed_to)

    replacement = placements.change_offer(
        proposal, chosen, proposal.bed, actor=personas.coordinator
    )

    proposal.refresh_from_db()
    assert proposal.status == Offer.Status.WITHDRAWN
    assert replacement.status == Offer.Status.CONFIRMED
    assert replacement.changed
    assert replacement.bed == proposal.bed
    assert replacement.application == chosen
    with pytest.raises(PlacementError, match="no longer waiting"):
        placements.confirm_offer(proposal, actor=personas.coordinator)


def test_the_database_refuses_two_holding_offers_for_one_bed(
    network: Network, personas: Personas
) -> None:
    a, b = waiting(personas, 5, display_name="A"), waiting(personas, 6, display_name="B")
    Offer.objects.create(application=a, bed=network.almaty_beds[0], priority=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Offer.objects.create(application=b, bed=network.almaty_beds[0], priority=6)
    with pytest.raises(IntegrityError), transaction.atomic():
        Offer.objects.create(application=a, bed=network.almaty_beds[1], priority=5)


def test_erasing_a_person_removes_their_offers(network: Network, personas: Personas) -> None:
    person = waiting(personas, 400)
    placements.run_placement(Shelter.objects.filter(pk=network.almaty.pk), actor=personas.admin)
    erase_person(person.person, actor=personas.admin, reason="request")
    assert not Offer.objects.exists()
    assert not Stay.objects.exists()


def test_people_who_need_an_accessible_bed_get_one(network: Network, personas: Personas) -> None:
    accessible = network.astana_beds[2]
    accessible.accessible = True
    accessible.save()
    walker = waiting(personas, 10, display_name="Walker", needs_accessible=True)
    others = [waiting(personas, 900 + i, display_name=f"O{i}") for i in range(5)]

    placements.run_placement(shelters(network), actor=personas.admin, seed=5)

    # Six beds, six people: the others take the five ordinary beds, whatever their priority.
    assert holding(walker).bed == accessible
    assert Offer.objects.filter(application__in=others, bed__accessible=False).count() == 5
    assert Application.objects.get(pk=walker.pk).needs_accessible


def test_no_accessible_bed_means_no_offer(network: Network, personas: Personas) -> None:
    walker = waiting(personas, 999, display_name="Walker", needs_accessible=True)
    run = placements.run_placement(shelters(network), actor=personas.admin, seed=5)
    assert not Offer.objects.filter(application=walker).exists()
    assert run.waiting_count == 1


def test_a_family_is_never_offered_a_single_bed(network: Network, personas: Personas) -> None:
    family = waiting(personas, 999, display_name="Family", dependants=2)
    single = waiting(personas, 10, display_name="Single")
    assert family.beds_needed == 3

    placements.run_placement(shelters(network), actor=personas.admin, seed=5)

    offers = Offer.objects.filter(application=family)
    assert offers.count() == 3
    assert len({o.bed.room_id for o in offers}) == 1
    assert holding(single).bed.room_id != offers[0].bed.room_id
