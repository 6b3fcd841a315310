"""Families (an applicant with dependants) through placement runs, offers, stays and lists.

A family needs ``beds_needed`` beds in one room: runs offer them together or not at all, and
the beds are confirmed, answered, checked in and out together.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from haven.core.models import Application, AuditEntry, Bed, Offer, Room, Shelter, Stay
from haven.core.services import placements
from haven.core.services.exports import stays_table
from haven.core.services.house import Residents
from haven.core.services.legal import current_resident_ids
from haven.core.services.stays import PlacementError, check_in, check_out
from tests.conftest import Network, Personas
from tests.core.test_placements_service import holding, shelters, waiting


def today() -> date:
    return timezone.localdate()


def only(shelter: Shelter) -> Any:
    return Shelter.objects.filter(pk=shelter.pk)


def family_offers(application: Application) -> list[Offer]:
    return list(
        Offer.objects.filter(application=application, status__in=Offer.HOLDING).order_by("member")
    )


def occupy(network: Network, personas: Personas, bed: Bed) -> Stay:
    """Someone else already sleeps in ``bed``."""
    return check_in(
        waiting(personas, 1, display_name="Sleeper"), bed, today(), actor=personas.admin
    )


def test_a_run_offers_a_family_beds_together_in_one_room(
    network: Network, personas: Personas
) -> None:
    occupy(network, personas, network.astana_beds[0])  # Astana's room has two beds left
    family = waiting(personas, 500, display_name="Family", dependants=2)
    single = waiting(personas, 400, display_name="Single")

    run = placements.run_placement(shelters(network), actor=personas.coordinator, seed=3)

    offers = family_offers(family)
    assert [o.member for o in offers] == [0, 1, 2]
    assert {o.bed.room for o in offers} == {network.almaty_beds[0].room}  # the 3-bed room
    assert len({o.bed_id for o in offers}) == 3
    assert {o.status for o in offers} == {Offer.Status.PROPOSED}
    assert holding(single).bed.room.shelter == network.astana
    # One offer each, three beds for the family: the run and its audit say both.
    assert run.offers.heads().count() == 2
    entry = AuditEntry.objects.get(action="placement.run")
    assert (entry.data["offers"], entry.data["beds_offered"]) == (2, 4)
    assert AuditEntry.objects.filter(action="offer.proposed").count() == 4


def test_a_family_is_never_split_and_waits_when_no_room_fits(
    network: Network, personas: Personas
) -> None:
    family = waiting(personas, 999, display_name="Family", dependants=3)  # four beds
    singles = [waiting(personas, 10 + i, display_name=f"S{i}") for i in range(2)]

    run = placements.run_placement(shelters(network), actor=personas.admin, seed=5)

    assert not Offer.objects.filter(application=family).exists()
    assert {holding(s).application for s in singles} == set(singles)
    assert run.waiting_count == 3


def test_each_member_counts_at_the_applicants_priority(
    network: Network, personas: Personas
) -> None:
    """Three people at 500 outweigh one at 900 for the last room of three beds; once more
    people wait on their own, the singles at 900, 501 and 501 outweigh the family."""
    Bed.objects.filter(room__shelter=network.astana).update(in_service=False)
    family = waiting(personas, 500, display_name="Family", dependants=2)
    single = waiting(personas, 900, display_name="Single")

    placements.run_placement(shelters(network), actor=personas.admin, seed=1)
    assert len(family_offers(family)) == 3
    assert not Offer.objects.filter(application=single).exists()

    placements.withdraw_offer(family_offers(family)[0], actor=personas.admin)
    higher = [waiting(personas, 501, display_name=f"H{i}") for i in range(2)]
    placements.run_placement(shelters(network), actor=personas.admin, seed=1)
    assert not family_offers(family)
    assert {holding(a).application for a in (single, *higher)} == {single, *higher}


def test_families_go_to_rooms_open_to_all(network: Network, personas: Personas) -> None:
    """The people with the applicant are counted, not described: a women's room could hold
    a man's children, so a run puts a mother and her children in an open room."""
    Room.objects.filter(shelter=network.almaty).update(gender=Room.Gender.WOMEN)
    mother = waiting(personas, 700, display_name="Mother", gender="woman", dependants=1)

    placements.run_placement(shelters(network), actor=personas.admin, seed=2)

    assert {o.bed.room.shelter for o in family_offers(mother)} == {network.astana}


def test_a_familys_offer_moves_as_one(network: Network, personas: Personas) -> None:
    family = waiting(personas, 500, display_name="Family", dependants=2)
    placements.run_placement(shelters(network), actor=personas.admin, seed=3)
    head = family_offers(family)[0]

    placements.confirm_offer(head, actor=personas.coordinator)
    rows = family_offers(family)
    assert {o.status for o in rows} == {Offer.Status.CONFIRMED}
    assert len({o.expires_at for o in rows}) == 1
    assert placements.current_offer(family) == head
    assert [o.member for o in placements.family_of(head)] == [1, 2]

    placements.answer_offer(head, accept=False, actor=None)
    assert not family_offers(family)
    assert set(Offer.objects.filter(application=family).values_list("status", flat=True)) == {
        Offer.Status.DECLINED
    }
    assert placements.free_beds(shelters(network)).count() == 6


def test_a_familys_offer_expires_and_is_withdrawn_as_one(
    network: Network, personas: Personas
) -> None:
    family = waiting(personas, 500, display_name="Family", dependants=1)
    placements.run_placement(shelters(network), actor=personas.admin, seed=3)
    placements.confirm_offer(family_offers(family)[0], actor=personas.admin)

    later = timezone.now() + timedelta(days=30)
    assert placements.expire_overdue(now=later) == 1  # one offer, two beds
    assert not family_offers(family)
    assert Offer.objects.filter(status=Offer.Status.EXPIRED).count() == 2

    placements.run_placement(shelters(network), actor=personas.admin, seed=3)
    placements.withdraw_offer(family_offers(family)[0], actor=personas.admin)
    assert not family_offers(family)
    assert placements.free_beds(shelters(network)).count() == 6


def test_a_family_checks_in_and_out_together(network: Network, personas: Personas) -> None:
    family = waiting(personas, 500, display_name="Family", dependants=2)
    placements.run_placement(shelters(network), actor=personas.admin, seed=3)
    head = family_offers(family)[0]
    placements.confirm_offer(head, actor=personas.admin)

    stay = placements.check_in_offer(head, today(), actor=personas.admin)

    stays = list(Stay.objects.active().order_by("member"))
    assert stay == stays[0]
    assert [s.member for s in stays] == [0, 1, 2]
    assert {s.person_id for s in stays} == {family.person_id}
    assert len({s.bed.room_id for s in stays}) == 1
    assert set(Offer.objects.filter(application=family).values_list("status", flat=True)) == {
        Offer.Status.CHECKED_IN
    }
    family.refresh_from_db()
    assert family.status == Application.Status.PLACED
    # Lists of residents show the applicant once; occupancy counts three beds.
    assert current_resident_ids() == [family.person_id]
    rota = Residents.load(head.bed.room.shelter, today(), today() + timedelta(days=7))
    assert [p.id for p in rota.people] == [str(family.person_id)]
    assert placements.free_beds(shelters(network)).count() == 3
    # The pseudonymised export has the applicant's stay only: three rows would tell how many
    # dependants they have, an answer.
    assert len(stays_table().all_rows) == 1

    # Checking out from any of the beds ends the family's stay in all three.
    check_out(stays[2], today(), Stay.Outcome.VISA, actor=personas.admin)
    assert not Stay.objects.active().exists()
    assert set(Stay.objects.values_list("outcome", flat=True)) == {Stay.Outcome.VISA}
    assert placements.free_beds(shelters(network)).count() == 6
    assert AuditEntry.objects.filter(action="stay.checked_out").count() == 3


def test_check_in_needs_one_bed_per_member_in_one_room(
    network: Network, personas: Personas
) -> None:
    family = waiting(personas, 500, display_name="Family", dependants=1)
    almaty, astana = network.almaty_beds, network.astana_beds

    with pytest.raises(PlacementError, match="Beds this family needs: 2; chosen: 1"):
        check_in(family, almaty[0], today(), actor=personas.admin)
    with pytest.raises(PlacementError, match="in one shelter"):
        check_in(family, almaty[0], today(), actor=personas.admin, others=[astana[0]])
    occupy(network, personas, almaty[1])
    with pytest.raises(PlacementError, match="Someone else"):
        check_in(family, almaty[0], today(), actor=personas.admin, others=[almaty[1]])
    assert not Stay.objects.filter(person=family.person).exists()

    check_in(family, almaty[0], today(), actor=personas.admin, others=[almaty[2]])
    assert Stay.objects.filter(person=family.person).count() == 2


def test_family_beds_takes_free_beds_of_the_chosen_room(
    network: Network, personas: Personas
) -> None:
    family = waiting(personas, 500, display_name="Family", dependants=2)
    beds = network.almaty_beds
    beds[0].accessible = True
    beds[0].save()

    assert placements.family_beds(family, beds[2], beds) == [beds[1], beds[0]]  # ordinary first
    with pytest.raises(PlacementError, match="needs in one room: 3; free in this room: 2"):
        placements.family_beds(family, beds[2], beds[1:])


def test_changing_a_proposal_to_a_family_offers_beds_of_that_room(
    network: Network, personas: Personas
) -> None:
    single = waiting(personas, 900, display_name="Single")
    # One proposal; two beds of its room are still free.
    placements.run_placement(only(network.almaty), actor=personas.admin, seed=1)
    proposal = holding(single)
    family = waiting(personas, 500, display_name="Family", dependants=2)

    rows = placements.change_offer(proposal, family, proposal.bed, actor=personas.coordinator)

    offers = family_offers(family)
    assert rows == offers[0]
    assert offers[0].bed == proposal.bed
    assert {o.bed.room for o in offers} == {proposal.bed.room}
    assert {o.status for o in offers} == {Offer.Status.CONFIRMED}
    assert all(o.changed for o in offers)


def test_changing_to_a_family_that_does_not_fit_changes_nothing(
    network: Network, personas: Personas
) -> None:
    single = waiting(personas, 900, display_name="Single")
    occupy(network, personas, network.almaty_beds[2])
    placements.run_placement(only(network.almaty), actor=personas.admin, seed=1)
    proposal = holding(single)
    family = waiting(personas, 500, display_name="Family", dependants=2)

    with pytest.raises(PlacementError, match="needs in one room: 3"):
        placements.change_offer(proposal, family, proposal.bed, actor=personas.coordinator)

    assert holding(single) == proposal
    assert proposal.status == Offer.Status.PROPOSED
    assert not Offer.objects.filter(application=family).exists()


def test_the_database_keeps_one_open_stay_per_member_and_bed(
    network: Network, personas: Personas
) -> None:
    family = waiting(personas, 500, display_name="Family", dependants=1)
    beds = network.almaty_beds
    made: dict[str, Any] = {
        "person": family.person,
        "check_in": today(),
        "created_by": personas.admin,
    }
    Stay.objects.create(bed=beds[0], member=0, **made)
    Stay.objects.create(bed=beds[1], member=1, **made)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stay.objects.create(bed=beds[2], member=1, **made)
    other = waiting(personas, 1, display_name="Other")
    with pytest.raises(IntegrityError), transaction.atomic():
        Stay.objects.create(
            bed=beds[1], person=other.person, check_in=today(), created_by=personas.admin
        )


def test_a_family_takes_one_accessible_bed_and_leaves_the_rest(
    network: Network, personas: Personas
) -> None:
    """The applicant who needs an accessible bed gets one; the people with them take ordinary
    beds, so someone else who needs one gets the room's other accessible bed."""
    Bed.objects.filter(room__shelter=network.astana).update(in_service=False)
    Bed.objects.filter(pk__in=[b.pk for b in network.almaty_beds[:2]]).update(accessible=True)
    family = waiting(personas, 500, display_name="Family", dependants=1, needs_accessible=True)
    walker = waiting(personas, 400, display_name="Walker", needs_accessible=True)

    placements.run_placement(shelters(network), actor=personas.admin, seed=4)

    own, other = family_offers(family)
    assert own.bed.accessible
    assert not other.bed.accessible
    assert holding(walker).bed.accessible


def _second_room(network: Network, beds: int) -> list[Bed]:
    room = Room.objects.create(shelter=network.almaty, name="Room 2")
    return [Bed.objects.create(room=room, label=f"Bed {i}") for i in range(1, beds + 1)]


def test_a_family_no_room_can_hold_is_spread_over_the_shelters_rooms(
    network: Network, personas: Personas
) -> None:
    """Almaty's rooms have 3 and 2 beds: a family of four can only be placed over both, by
    hand; runs leave them waiting and the placement page lists them."""
    room2 = _second_room(network, 2)
    big = waiting(personas, 900, display_name="Big", dependants=3)
    assert list(placements.too_big_for_any_room({network.kazakhstan.pk})) == [big]

    placements.run_placement(only(network.almaty), actor=personas.admin, seed=1)
    assert not Offer.objects.filter(application=big).exists()

    free = list(placements.free_beds(only(network.almaty)))
    beds = placements.family_beds(big, network.almaty_beds[0], free)
    assert beds[:2] == network.almaty_beds[1:]  # the chosen room first
    assert beds[2] in room2
    Offer.objects.all().delete()
    check_in(big, network.almaty_beds[0], today(), actor=personas.admin, others=beds)
    assert Stay.objects.filter(person=big.person).count() == 4
    assert not placements.too_big_for_any_room({network.kazakhstan.pk}).exists()


def test_a_family_a_room_can_hold_is_never_split(network: Network, personas: Personas) -> None:
    room2 = _second_room(network, 2)
    occupy(network, personas, network.almaty_beds[1])
    family = waiting(personas, 500, display_name="Family", dependants=2)  # fits a 3-bed room
    assert not placements.too_big_for_any_room({network.kazakhstan.pk}).exists()

    free = list(placements.free_beds(only(network.almaty)))
    with pytest.raises(PlacementError, match="needs in one room: 3; free in this room: 2"):
        placements.family_beds(family, network.almaty_beds[0], free)
    with pytest.raises(PlacementError, match="A room of this shelter can hold this family"):
        check_in(
            family,
            network.almaty_beds[0],
            today(),
            actor=personas.admin,
            others=[network.almaty_beds[2], room2[0]],
        )
    with pytest.raises(PlacementError, match="one shelter"):
        check_in(
            family,
            network.almaty_beds[0],
            today(),
            actor=personas.admin,
            others=[network.almaty_beds[2], network.astana_beds[0]],
        )
    assert not Stay.objects.filter(person=family.person).exists()
