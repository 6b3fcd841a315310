"""``allocate`` with rooms: households together, room gender, accessible beds.

``allocate`` comes here when any shelter has ``rooms``.  The households are packed into rooms
by ``packing.pack``, everyone on their own (*singles*) is placed by the exact engine in the
beds left (``rooms``: on class nodes), and the result is explained as without rooms.

Guaranteed (the tests check each against CP-SAT on random instances):

1. **Feasible**: a household is placed whole, in one room, or not at all; a room holds no more
   people than beds and no more people needing an accessible bed than accessible beds;
   women's rooms hold only women, men's rooms only men, and anyone whose gender is
   ``"other"`` or unknown, and any household not all women or all men, is in an open room.
2. **Singles, exactly as without rooms**, given where the households are: the singles placed
   have the largest total priority the beds left allow (first in the ranking among equals),
   so no single waits while a single ranked below them holds a bed they could use (right
   room gender, accessible if they need it), directly or by moving other singles within
   their eligibility; and among placements of exactly those singles the match is the
   largest.
3. **Households, locally**: no single move raises the total priority placed (singles
   placed again exactly after each): not taking a placed household out; not putting a
   waiting household into a room that fits it, directly, or after taking out any of the
   households in that room that are in its way (those left waiting, or, for a household
   that fits no room directly, moved to other rooms that fit them), then also topping the
   room up with waiting households that fit the beds left (a few looked at, in order of
   density).  So a household holds its room only if its total priority is at least what
   the singles and households it keeps out would add.
4. **A bound**: ``Allocation.bound`` is an upper bound on the total priority of any
   placement (``packing``, part 3); on small instances the branch and bound usually proves
   the result optimal, and then ``bound == total_priority``.  The gap to the bound is
   reported, not promised: a household (or a high-priority person in one) may wait while
   lower-priority singles hold the beds of a room that would fit it, when the singles
   together outweigh the household.
5. Reproducible: the same input and seed give the same result.

Not guaranteed: the largest total priority (that is NP-hard with households), and the
largest match for households (a household's room is the first best by priority gain and
then match among the moves tried, not a joint optimum).
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType

import numpy as np

from .explain import NONE
from .lottery import id_tickets, rank
from .model import (
    Allocation,
    Applicant,
    Cutoff,
    Room,
    Shelter,
    TieGroup,
    Waiting,
    WaitingReason,
    check_ids,
    is_int,
    to_problem,
)
from .packing import Packing, pack
from .problem import AllocationError, Problem
from .rooms import KINDS, MAN, MEN, OPEN, OTHER, WOMAN, WOMEN, RoomProblem

__all__ = ["allocate_rooms", "to_room_problem"]

_ROOM_GENDERS = {"open": OPEN, "women": WOMEN, "men": MEN}
_GENDERS = {"woman": WOMAN, "man": MAN, "other": OTHER, None: OTHER}


def _rooms(shelters: Sequence[Shelter]) -> list[tuple[int, Room]]:
    found: list[tuple[int, Room]] = []
    for i, s in enumerate(shelters):
        if s.rooms is None:
            if s.beds:
                raise AllocationError(
                    f"shelter {s.id!r}: rooms are given for other shelters, give its rooms too"
                )
            continue
        total = 0
        for room in s.rooms:
            if not isinstance(room, Room):
                raise AllocationError(f"shelter {s.id!r}: rooms must be Room values")
            if not is_int(room.beds) or room.beds < 0:
                raise AllocationError(f"room {room.id!r}: beds must be an integer >= 0")
            if not is_int(room.accessible) or not 0 <= room.accessible <= room.beds:
                raise AllocationError(
                    f"room {room.id!r}: accessible must be an integer from 0 to its beds"
                )
            if room.gender not in _ROOM_GENDERS:
                raise AllocationError(f"room {room.id!r}: gender must be open, women or men")
            total += room.beds
            found.append((i, room))
        if total != s.beds:
            raise AllocationError(
                f"shelter {s.id!r}: its rooms have {total} beds, the shelter says {s.beds}"
            )
    check_ids([room.id for _, room in found], "room")
    return found


def to_room_problem(
    shelters: Sequence[Shelter], applicants: Sequence[Applicant], seed: int
) -> tuple[RoomProblem, Problem, list[str], list[str]]:
    """The array form (and the shelter-level ``Problem``, room ids, household ids)."""
    problem = to_problem(shelters, applicants, seed, rooms=True)
    rooms = _rooms(shelters)
    groups: dict[str, list[int]] = {}
    for i, a in enumerate(applicants):
        if a.household is not None:
            groups.setdefault(a.household, []).append(i)
    household = np.full(len(applicants), -1, dtype=np.int64)
    household_ids: list[str] = []
    for hid, members in groups.items():
        if len(members) > 1:
            household[members] = len(household_ids)
            household_ids.append(hid)
    room_problem = RoomProblem(
        n_shelters=len(shelters),
        room_shelter=np.array([i for i, _ in rooms], dtype=np.int64),
        room_beds=np.array([r.beds for _, r in rooms], dtype=np.int64),
        room_access=np.array([r.accessible for _, r in rooms], dtype=np.int64),
        room_gender=np.array([_ROOM_GENDERS[r.gender] for _, r in rooms], dtype=np.int64),
        priority=problem.priority,
        gender=np.array([_GENDERS[a.gender] for a in applicants], dtype=np.int64),
        needs=np.array([a.needs_accessible for a in applicants], dtype=bool),
        indptr=problem.indptr,
        shelter=problem.shelter,
        match=problem.match,
        household=household,
        tickets=(
            id_tickets(seed, [a.id for a in applicants])
            if problem.tickets is None
            else problem.tickets
        ),
    )
    return room_problem, problem, [r.id for _, r in rooms], household_ids


def allocate_rooms(
    shelters: Sequence[Shelter], applicants: Sequence[Applicant], seed: int
) -> Allocation:
    """``allocate`` when the shelters have rooms (module docstring)."""
    rp, problem, room_ids, household_ids = to_room_problem(shelters, applicants, seed)
    packing = pack(rp, seed)
    room_of = _room_of_people(rp, packing)
    return _explain(shelters, applicants, rp, problem, packing, room_of, room_ids, household_ids)


def _room_of_people(rp: RoomProblem, packing: Packing) -> np.ndarray:
    """Room index per applicant (-1: waiting): households where they were packed, singles
    spread over the rooms of their class node (any spread fits: see ``rooms``)."""
    room_of = np.full(rp.priority.size, -1, dtype=np.int64)
    in_rooms = np.zeros(rp.n_rooms, dtype=np.int64)
    needing = np.zeros(rp.n_rooms, dtype=np.int64)
    for h, r in enumerate(packing.room_of.tolist()):
        if r >= 0:
            room_of[rp.members[h]] = r
            in_rooms[r] += rp.size[h]
            needing[r] += rp.needing[h]
    ordinary = rp.room_beds - rp.room_access
    access = rp.room_access - needing - np.maximum(0, in_rooms - needing - ordinary)
    left = {0: access.tolist(), 1: (rp.room_beds - in_rooms - access).tolist()}
    rooms_of_node: dict[int, list[int]] = {}
    for r in range(rp.n_rooms):
        for kind in range(KINDS):
            node = (int(rp.room_shelter[r]) * 3 + int(rp.room_gender[r])) * KINDS + kind
            rooms_of_node.setdefault(node, []).append(r)
    node_of = packing.singles.shelter_of
    placed = np.flatnonzero(node_of >= 0)
    people = packing.people[placed]
    order = np.lexsort((people, rp.tickets[people]))
    for i in order.tolist():
        node, person = int(node_of[placed[i]]), int(people[i])
        for r in rooms_of_node[node]:
            if left[node % KINDS][r] > 0:
                left[node % KINDS][r] -= 1
                room_of[person] = r
                break
        else:  # cannot happen: node capacities are the rooms' beds left
            raise AssertionError("a single's class node has no room with a bed left")
    return room_of


def _explain(
    shelters: Sequence[Shelter],
    applicants: Sequence[Applicant],
    rp: RoomProblem,
    problem: Problem,
    packing: Packing,
    room_of: np.ndarray,
    room_ids: list[str],
    household_ids: list[str],
) -> Allocation:
    ids = [a.id for a in applicants]
    shelter_of = np.full(room_of.size, -1, dtype=np.int64)
    shelter_of[room_of >= 0] = rp.room_shelter[room_of[room_of >= 0]]
    placed = shelter_of >= 0
    priority = problem.priority
    n_shelters = len(shelters)
    count = np.bincount(shelter_of[placed], minlength=n_shelters)
    lowest = np.full(n_shelters, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(lowest, shelter_of[placed], priority[placed])
    lowest[count == 0] = NONE
    owner = problem.edge_owner()
    waits = ~placed[owner]
    highest = np.full(n_shelters, NONE, dtype=np.int64)
    np.maximum.at(highest, problem.shelter[waits], priority[owner[waits]])
    cutoffs = {
        s.id: Cutoff(
            shelter=s.id,
            beds=s.beds,
            placed=int(count[i]),
            lowest_placed=None if lowest[i] == NONE else int(lowest[i]),
            highest_waiting=None if highest[i] == NONE else int(highest[i]),
        )
        for i, s in enumerate(shelters)
    }
    waiting = _waiting(shelters, applicants, rp, packing, placed, household_ids)
    order = rank(priority, packing.singles.seed, rp.tickets)
    ties: list[TieGroup] = []
    ranked = priority[order]
    for group in np.split(order, np.flatnonzero(np.diff(ranked)) + 1):
        flags = placed[group]
        if group.size and flags.any() and not flags.all():
            ties.append(
                TieGroup(
                    priority=int(priority[group[0]]),
                    order=tuple(ids[i] for i in group.tolist()),
                    placed=frozenset(ids[i] for i in group[flags].tolist()),
                )
            )
    total_match = packing.singles.total_match + sum(
        rp.household_match[h][int(rp.room_shelter[r])]
        for h, r in enumerate(packing.room_of.tolist())
        if r >= 0
    )
    where = shelter_of.tolist()
    rooms = room_of.tolist()
    return Allocation(
        assignment=MappingProxyType(
            {ids[i]: shelters[s].id for i, s in enumerate(where) if s >= 0}
        ),
        total_priority=packing.total_priority,
        total_match=int(total_match),
        seed=packing.singles.seed,
        order=tuple(ids[i] for i in order.tolist()),
        ties=tuple(ties),
        cutoffs=MappingProxyType(cutoffs),
        waiting=MappingProxyType(waiting),
        rooms=MappingProxyType({ids[i]: room_ids[r] for i, r in enumerate(rooms) if r >= 0}),
        bound=packing.bound,
    )


def _waiting(
    shelters: Sequence[Shelter],
    applicants: Sequence[Applicant],
    rp: RoomProblem,
    packing: Packing,
    placed: np.ndarray,
    household_ids: list[str],
) -> dict[str, Waiting]:
    full = rp.full_capacity()
    # the lowest priority of a single placed at each class node
    node_lowest = np.full(rp.n_nodes, np.iinfo(np.int64).max, dtype=np.int64)
    at = packing.singles.shelter_of >= 0
    np.minimum.at(node_lowest, packing.singles.shelter_of[at], rp.priority[packing.people[at]])
    waiting_singles = np.flatnonzero(~placed & (rp.household < 0))
    indptr, nodes, _ = rp.node_edges(waiting_singles)
    out: dict[str, Waiting] = {}
    for row, person in enumerate(waiting_singles.tolist()):
        a = applicants[person]
        usable = nodes[indptr[row] : indptr[row + 1]].tolist()
        with_beds = [n for n in usable if full[n] > 0]
        reason: WaitingReason = "shelters_full"
        floors: dict[str, int] = {}
        if not with_beds:
            ordinary = any(full[n + 1] > 0 for n in usable) if a.needs_accessible else False
            reason = "no_accessible_bed" if ordinary else "no_beds"
        for n in with_beds:
            if node_lowest[n] != np.iinfo(np.int64).max:
                sid = shelters[n // (3 * KINDS)].id
                floors[sid] = min(floors.get(sid, int(node_lowest[n])), int(node_lowest[n]))
        out[a.id] = Waiting(
            applicant=a.id,
            priority=a.priority,
            reason=reason,
            lowest_placed=MappingProxyType(floors),
            lost_lottery=a.priority in floors.values(),
        )
    for h, members in enumerate(rp.members):
        if packing.room_of[h] >= 0:
            continue
        reason = "rooms_taken" if rp.fits[h] else "no_room_fits"
        for person in members:
            a = applicants[person]
            out[a.id] = Waiting(
                applicant=a.id,
                priority=a.priority,
                reason=reason,
                lowest_placed=MappingProxyType({}),
                lost_lottery=False,
                household=household_ids[h],
            )
    return out
