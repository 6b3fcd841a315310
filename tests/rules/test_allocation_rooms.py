"""Room-level placement: households together, room gender, accessible beds.

Checked against CP-SAT (``rooms_reference``) on random small instances.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.rules.allocation import AllocationError, Applicant, Problem, Room, Shelter, allocate

from .rooms_reference import (
    ADMITS,
    assert_room_feasible,
    cpsat_best,
    households,
    room_instances,
    room_list,
)
from .test_allocation_reference import problems

seeds = st.integers(0, 2**63 - 1)


@settings(max_examples=200, deadline=None)
@given(room_instances(), seeds)
def test_random_instances_are_feasible_and_near_optimal(
    instance: tuple[list[Shelter], list[Applicant]], seed: int
) -> None:
    shelters, applicants = instance
    result = allocate(shelters, applicants, seed=seed)
    assert_room_feasible(shelters, applicants, result)
    best = cpsat_best(shelters, applicants)
    assert result.total_priority >= 0.99 * best
    assert result.bound >= best
    if result.bound == result.total_priority:
        assert result.total_priority == best


def _admits(room: Room, a: Applicant) -> bool:
    return a.gender in ADMITS[room.gender]


@settings(max_examples=150, deadline=None)
@given(room_instances(), seeds)
def test_no_single_waits_while_a_lower_ranked_single_holds_a_bed_they_could_use(
    instance: tuple[list[Shelter], list[Applicant]], seed: int
) -> None:
    shelters, applicants = instance
    result = allocate(shelters, applicants, seed=seed)
    assert result.rooms is not None
    rank = {aid: i for i, aid in enumerate(result.order)}
    by_id = {a.id: a for a in applicants}
    rooms = {room.id: (s, room) for s, room in room_list(shelters)}
    in_household = {a.id for members in households(applicants).values() for a in members}
    needing_in: dict[str, int] = {}
    for aid, rid in result.rooms.items():
        needing_in[rid] = needing_in.get(rid, 0) + by_id[aid].needs_accessible
    for u in result.waiting:
        if u in in_household:
            continue
        waiting = by_id[u]
        for p, rid in result.rooms.items():
            s, room = rooms[rid]
            if p in in_household or rank[p] < rank[u] or s.id not in waiting.eligible:
                continue
            if not _admits(room, waiting):
                continue
            # u could take p's bed: an accessible one if u needs it (beds swap within a room)
            needing = needing_in[rid] - by_id[p].needs_accessible + waiting.needs_accessible
            assert waiting.needs_accessible, (u, p, rid)
            assert needing > room.accessible, (u, p, rid)


@settings(max_examples=100, deadline=None)
@given(problems(max_shelters=4, max_applicants=16, max_beds=5), seeds)
def test_with_one_open_room_per_shelter_the_result_is_the_exact_one(
    problem: Problem, seed: int
) -> None:
    # rooms that change nothing must not change the exact placement
    shelters = [Shelter(f"s{i}", int(b)) for i, b in enumerate(problem.beds.tolist())]
    applicants = []
    for i in range(problem.n_applicants):
        row, match = problem.row(i)
        eligible = tuple(f"s{s}" for s in row.tolist())
        applicants.append(
            Applicant(
                f"a{i}",
                int(problem.priority[i]),
                eligible,
                dict(zip(eligible, match.tolist(), strict=True)),
            )
        )
    plain = allocate(shelters, applicants, seed=seed)
    with_rooms = allocate(
        [Shelter(s.id, s.beds, (Room(f"{s.id}-room", s.beds),)) for s in shelters],
        applicants,
        seed=seed,
    )
    # the same people, the same totals (of equally good shelter choices, either may come)
    assert set(with_rooms.assignment) == set(plain.assignment)
    assert (with_rooms.total_priority, with_rooms.total_match) == (
        plain.total_priority,
        plain.total_match,
    )
    assert with_rooms.bound == with_rooms.total_priority == plain.bound
    assert with_rooms.order == plain.order
    assert with_rooms.ties == plain.ties
    assert {w: v.reason for w, v in with_rooms.waiting.items()} == {
        w: v.reason for w, v in plain.waiting.items()
    }


@settings(max_examples=150, deadline=None)
@given(room_instances(), seeds)
def test_waiting_reasons_are_true(
    instance: tuple[list[Shelter], list[Applicant]], seed: int
) -> None:
    shelters, applicants = instance
    result = allocate(shelters, applicants, seed=seed)
    rooms = room_list(shelters)
    groups = households(applicants)
    for w in result.waiting.values():
        a = next(x for x in applicants if x.id == w.applicant)
        usable = [
            room for s, room in rooms if s.id in a.eligible and _admits(room, a) and room.beds > 0
        ]
        if w.household is not None:
            members = groups[w.household]
            assert all(result.waiting[m.id].household == w.household for m in members)
            fitting = [
                room
                for s, room in rooms
                if all(s.id in m.eligible and _admits(room, m) for m in members)
                and room.beds >= len(members)
                and room.accessible >= sum(m.needs_accessible for m in members)
            ]
            assert w.reason == ("rooms_taken" if fitting else "no_room_fits")
        elif w.reason == "no_beds":
            assert not usable
        elif w.reason == "no_accessible_bed":
            assert a.needs_accessible
            assert usable
            assert all(room.accessible == 0 for room in usable)
        else:
            assert w.reason == "shelters_full"
            assert all(v >= a.priority for v in w.lowest_placed.values())
            assert set(w.lowest_placed) <= set(a.eligible)


def test_worked_example() -> None:
    shelters = [
        Shelter("almaty", 6, (Room("a-open", 4, "open", 1), Room("a-women", 2, "women"))),
        Shelter("yerevan", 2, (Room("y-men", 2, "men", 2),)),
    ]
    applicants = [
        # a family of three (total 24): only Almaty's open room holds them
        Applicant("mother", 9, ("almaty",), household="f", gender="woman"),
        Applicant("father", 8, ("almaty",), household="f", gender="man"),
        Applicant("child", 7, ("almaty",), household="f", gender="other"),
        Applicant("w1", 10, ("almaty",), gender="woman"),
        Applicant("w2", 6, ("almaty",), gender="woman"),
        Applicant("w3", 5, ("almaty",), gender="woman"),
        Applicant("m1", 9, ("almaty", "yerevan"), gender="man", needs_accessible=True),
        Applicant("m2", 4, ("almaty",), gender="man"),
        Applicant("x", 3, ("almaty",), gender="other"),
        # a couple of 2 + 2 = 4 needs one room; nothing left that fits them
        Applicant("c1", 2, ("yerevan",), household="c", gender="woman"),
        Applicant("c2", 2, ("yerevan",), household="c", gender="man"),
    ]
    result = allocate(shelters, applicants, seed=7)
    assert result.rooms is not None
    assert {a: result.rooms[a] for a in ("mother", "father", "child")} == {
        "mother": "a-open",
        "father": "a-open",
        "child": "a-open",
    }
    # the open room's fourth bed and the women's room: the three women (10, 6, 5), ahead of
    # m2 (4) and x (3); which woman sleeps where is left to the match stage
    assert {a for a, r in result.rooms.items() if r in ("a-open", "a-women")} == {
        "mother",
        "father",
        "child",
        "w1",
        "w2",
        "w3",
    }
    assert result.rooms["m1"] == "y-men"  # the only accessible bed he may use
    assert result.total_priority == 24 + 10 + 6 + 5 + 9
    assert result.bound == result.total_priority
    assert result.waiting["m2"].reason == "shelters_full"
    assert set(result.waiting["m2"].lowest_placed) == {"almaty"}
    assert result.waiting["m2"].lowest_placed["almaty"] >= 5
    assert result.waiting["c1"].reason == "no_room_fits"  # the men's room admits no woman
    assert result.waiting["c1"].household == "c"
    data = result.as_json()
    assert data["rooms"] == dict(result.rooms)
    assert data["waiting"]["c2"]["household"] == "c"  # type: ignore[index]


def test_a_household_can_outweigh_a_higher_priority_single() -> None:
    # one room of two beds: the couple (6 + 6 = 12) beats the singles (10 + 1 = 11)
    shelters = [Shelter("s", 2, (Room("r", 2),))]
    applicants = [
        Applicant("single", 10, ("s",)),
        Applicant("other", 1, ("s",)),
        Applicant("p1", 6, ("s",), household="h"),
        Applicant("p2", 6, ("s",), household="h"),
    ]
    result = allocate(shelters, applicants, seed=0)
    assert set(result.assignment) == {"p1", "p2"}
    assert result.total_priority == 12 == result.bound
    assert result.waiting["single"].reason == "shelters_full"
    assert dict(result.waiting["single"].lowest_placed) == {}  # households hold the beds


def test_the_same_seed_gives_the_same_result() -> None:
    shelters = [Shelter("s", 5, (Room("r1", 3), Room("r2", 2, "women")))]
    applicants = [
        Applicant(f"p{i}", 1 + i % 3, ("s",), household=f"h{i // 2}" if i < 6 else None)
        for i in range(12)
    ]
    first = allocate(shelters, applicants, seed=11)
    assert first == allocate(shelters, applicants, seed=11)


@pytest.mark.parametrize(
    ("shelters", "applicants", "message"),
    [
        ([Shelter("s", 2, (Room("r", 1),))], [], "rooms have 1 beds"),
        ([Shelter("s", 2, (Room("r", 2),)), Shelter("t", 1)], [], "give its rooms too"),
        ([Shelter("s", 2, (Room("r", 1), Room("r", 1)))], [], "room id 'r' is listed twice"),
        ([Shelter("s", 1, (Room("r", 1, accessible=2),))], [], "accessible"),
        ([Shelter("s", 1, (Room("r", 1, "mixed"),))], [], "gender"),  # type: ignore[arg-type]
        ([Shelter("s", 1, (Room("r", -1),))], [], "beds"),
        ([Shelter("s", 1)], [Applicant("a", 1, ("s",), needs_accessible=True)], "accessible"),
        ([Shelter("s", 1)], [Applicant("a", 1, ("s",), gender="x")], "gender"),  # type: ignore[arg-type]
    ],
)
def test_bad_room_input_is_refused(
    shelters: list[Shelter], applicants: list[Applicant], message: str
) -> None:
    with pytest.raises(AllocationError, match=message):
        allocate(shelters, applicants, seed=0)
