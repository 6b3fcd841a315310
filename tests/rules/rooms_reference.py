"""CP-SAT reference for room-level placement, a feasibility check, and random instances.

``cpsat_best`` models the rules person by person and room by room, independently of the
engine's class nodes: ``x[i, r] = 1`` when applicant ``i`` sleeps in room ``r`` (only where
``r``'s shelter is eligible for ``i`` and ``r``'s gender admits ``i``); each person in at most
one room; per room at most ``beds`` people and at most ``accessible`` people needing an
accessible bed; members of a household all in the same room or all out.  (A mixed
household then needs an open room by itself: no gendered room admits all its members.)
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st
from ortools.sat.python import cp_model

from haven.rules.allocation import Allocation, Applicant, Room, Shelter

ADMITS: dict[str, set[str | None]] = {
    "open": {"woman", "man", "other", None},
    "women": {"woman"},
    "men": {"man"},
}


def room_list(shelters: Sequence[Shelter]) -> list[tuple[Shelter, Room]]:
    return [(s, r) for s in shelters for r in s.rooms or ()]


def households(applicants: Sequence[Applicant]) -> dict[str, list[Applicant]]:
    groups: dict[str, list[Applicant]] = {}
    for a in applicants:
        if a.household is not None:
            groups.setdefault(a.household, []).append(a)
    return {h: m for h, m in groups.items() if len(m) > 1}


def cpsat_best(shelters: Sequence[Shelter], applicants: Sequence[Applicant]) -> int:
    """The largest total priority of any placement (CP-SAT, proven optimal)."""
    model = cp_model.CpModel()
    rooms = room_list(shelters)
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    for i, a in enumerate(applicants):
        for r, (s, room) in enumerate(rooms):
            if s.id in a.eligible and a.gender in ADMITS[room.gender]:
                x[i, r] = model.new_bool_var(f"x{i}_{r}")
        model.add(sum(x[i, r] for r in range(len(rooms)) if (i, r) in x) <= 1)
    for r, (_, room) in enumerate(rooms):
        people = [x[i, r] for i in range(len(applicants)) if (i, r) in x]
        model.add(sum(people) <= room.beds)
        needing = [x[i, r] for i, a in enumerate(applicants) if a.needs_accessible and (i, r) in x]
        model.add(sum(needing) <= room.accessible)
    index = {a.id: i for i, a in enumerate(applicants)}
    for members in households(applicants).values():
        first = index[members[0].id]
        for other in members[1:]:
            j = index[other.id]
            for r in range(len(rooms)):
                model.add(x.get((first, r), 0) == x.get((j, r), 0))
    model.maximize(sum(applicants[i].priority * v for (i, _), v in x.items()))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    assert status == cp_model.OPTIMAL
    return round(solver.objective_value)


def assert_room_feasible(
    shelters: Sequence[Shelter], applicants: Sequence[Applicant], result: Allocation
) -> None:
    """Every rule of a room-level placement holds, and the totals add up."""
    assert result.rooms is not None
    rooms = {room.id: (s, room) for s, room in room_list(shelters)}
    assert set(result.rooms) == set(result.assignment)
    by_id = {a.id: a for a in applicants}
    people: dict[str, list[Applicant]] = {}
    for aid, rid in result.rooms.items():
        s, room = rooms[rid]
        a = by_id[aid]
        assert result.assignment[aid] == s.id
        assert s.id in a.eligible
        assert a.gender in ADMITS[room.gender], f"{aid} in a {room.gender} room"
        people.setdefault(rid, []).append(a)
    for rid, inside in people.items():
        room = rooms[rid][1]
        assert len(inside) <= room.beds
        assert sum(a.needs_accessible for a in inside) <= room.accessible
    for hid, members in households(applicants).items():
        placed = {result.rooms.get(a.id) for a in members}
        assert len(placed) == 1, f"household {hid} split: {placed}"
    assert result.total_priority == sum(by_id[a].priority for a in result.assignment)
    assert result.total_match == sum(by_id[a].match.get(s, 0) for a, s in result.assignment.items())
    assert set(result.waiting) == set(by_id) - set(result.assignment)


@st.composite
def room_instances(
    draw: st.DrawFn, max_shelters: int = 3, max_rooms: int = 3, max_applicants: int = 14
) -> tuple[list[Shelter], list[Applicant]]:
    """Small instances: gendered rooms, accessible beds, households of 2-4, many ties."""
    shelters = []
    for s in range(draw(st.integers(1, max_shelters))):
        rooms = []
        for r in range(draw(st.integers(0, max_rooms))):
            beds = draw(st.integers(0, 5))
            rooms.append(
                Room(
                    f"s{s}r{r}",
                    beds,
                    draw(st.sampled_from(["open", "open", "women", "men"])),
                    draw(st.integers(0, beds)),
                )
            )
        shelters.append(Shelter(f"s{s}", sum(r.beds for r in rooms), tuple(rooms)))
    ids = [s.id for s in shelters]
    applicants: list[Applicant] = []
    while len(applicants) < draw(st.integers(0, max_applicants)):
        # a household of 2-4 sharing its eligibility, or someone on their own
        size = draw(st.sampled_from([1, 1, 1, 2, 3, 4]))
        eligible = draw(st.lists(st.sampled_from(ids), unique=True))
        household = f"h{len(applicants)}" if size > 1 else None
        for _ in range(size):
            scores = draw(
                st.lists(st.integers(-5, 10), min_size=len(eligible), max_size=len(eligible))
            )
            applicants.append(
                Applicant(
                    f"a{len(applicants)}",
                    draw(st.integers(1, 10)),
                    tuple(eligible),
                    dict(zip(eligible, scores, strict=True)),
                    household=household,
                    gender=draw(st.sampled_from(["woman", "man", "woman", "man", "other", None])),
                    needs_accessible=draw(st.integers(0, 4)) == 0,
                )
            )
    return shelters, applicants
