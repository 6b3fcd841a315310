"""The object form: shelters and applicants with ids in, an explained allocation out.

This is what the rest of Haven calls (a placement run builds ``Shelter`` and ``Applicant``
values from the waitlist and the free beds, calls ``allocate``, stores the result and the
seed).  Ids are opaque strings (UUIDs in Haven); nothing here looks inside them.

Rooms are optional.  Without them (no ``Shelter.rooms``) a shelter's beds are
interchangeable and the placement is exact (``engine.solve``); households of two or more and
people needing an accessible bed are then rejected rather than placed wrongly.  With them,
``allocate`` places households together in one room and respects room gender and accessible
beds (``room_model``, ``packing``: see there what is guaranteed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Literal

import numpy as np

from .engine import solve
from .explain import NONE, shelter_cutoffs, tie_groups
from .lottery import MAX_SEED, draw_seed, id_tickets, rank
from .problem import MAX_MATCH, MAX_PRIORITY, AllocationError, Problem, Solution

__all__ = [
    "Allocation",
    "Applicant",
    "Cutoff",
    "Room",
    "Shelter",
    "TieGroup",
    "Waiting",
    "allocate",
]

WaitingReason = Literal[
    "shelters_full", "no_beds", "no_accessible_bed", "no_room_fits", "rooms_taken"
]
RoomGender = Literal["open", "women", "men"]
Gender = Literal["woman", "man", "other"]


@dataclass(frozen=True)
class Room:
    """A room's free beds for this run: ``beds`` in all, ``accessible`` of them accessible;
    ``gender``: ``"open"`` (anyone), ``"women"`` or ``"men"`` (only women, only men).
    Room ids are unique across the run."""

    id: str
    beds: int
    gender: RoomGender = "open"
    accessible: int = 0


@dataclass(frozen=True)
class Shelter:
    """A shelter and its free beds for this run (beds already occupied are not counted).

    ``rooms``: where the free beds are (their ``beds`` add up to ``beds``).  Give rooms for
    every shelter with free beds or for none (see the module docstring).
    """

    id: str
    beds: int
    rooms: tuple[Room, ...] | None = None


@dataclass(frozen=True)
class Applicant:
    """An accepted applicant on the waitlist.

    ``priority``: the rubric total (an integer >= 1; higher goes first).  ``eligible``: the
    ids of shelters they can reach and use.  ``match``: how well each eligible shelter suits
    them (preferred city, accessibility, ...); shelters left out score 0.  ``household``:
    the id of the household they travel with, if any: its members are placed together in
    one room or not at all.  ``gender`` decides which rooms they may use (``None``, unknown:
    open rooms only, as ``"other"``); ``needs_accessible``: they need an accessible bed.
    These three need rooms (see the module docstring).
    """

    id: str
    priority: int
    eligible: tuple[str, ...]
    match: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    household: str | None = None
    gender: Gender | None = None
    needs_accessible: bool = False


@dataclass(frozen=True)
class Cutoff:
    """One shelter after the run: beds, people placed, the lowest priority placed there and
    the highest priority of an eligible applicant left waiting (``None``: nobody).

    Without rooms, ``highest_waiting <= lowest_placed`` whenever both are set.  With rooms
    that need not hold (a man may wait for the open room while a woman with a lower
    priority has a bed in the women's room; a household member counts at their own
    priority): each waiting applicant's ``Waiting`` then says why they wait."""

    shelter: str
    beds: int
    placed: int
    lowest_placed: int | None
    highest_waiting: int | None


@dataclass(frozen=True)
class Waiting:
    """Why an applicant waits.

    ``reason``: ``"shelters_full"``: every eligible shelter is full of people who rank above
    them (``lowest_placed`` gives, per eligible shelter, the lowest priority placed there,
    each >= ``priority``), and no moving of people within their own eligibility could make
    room; ``"no_beds"``: none of their eligible shelters has a bed this run.
    ``lost_lottery``: at some eligible shelter the lowest placed priority equals theirs, so
    the lottery decided between them.

    With rooms (``room_model``), for someone on their own: ``"shelters_full"`` as above,
    counting only beds they may use (room gender, accessible bed if they need one) and only
    people on their own in them (``lowest_placed`` leaves out beds that households hold);
    ``"no_beds"``: no such bed this run at their eligible shelters; ``"no_accessible_bed"``:
    they need an accessible bed and none is free there in a room they may use.  For
    a member of a waiting ``household`` (all members wait, ``lowest_placed`` is empty):
    ``"no_room_fits"``: no room at a shelter every member is eligible for is big enough,
    has enough accessible beds and admits all of them; ``"rooms_taken"``: rooms fit, but
    putting the household in any of them (taking out households in its way, singles placed
    again exactly) would not raise the total priority placed.
    """

    applicant: str
    priority: int
    reason: WaitingReason
    lowest_placed: Mapping[str, int]
    lost_lottery: bool
    household: str | None = None


@dataclass(frozen=True)
class TieGroup:
    """Applicants of one priority of whom some were placed and some wait, in lottery order."""

    priority: int
    order: tuple[str, ...]
    placed: frozenset[str]


@dataclass(frozen=True)
class Allocation:
    """The result of ``allocate``.

    ``assignment``: applicant id -> shelter id for everyone placed.  ``order``: every
    applicant id in the order the engine ranked them (priority, then lottery).  ``seed``:
    the lottery seed (store it: with the same input it reproduces the run).  ``rooms``:
    applicant id -> room id for everyone placed, when the shelters have rooms (else
    ``None``).  ``bound``: no placement can reach a higher total priority; equal to
    ``total_priority`` when the placement is proven optimal (always without rooms).
    """

    assignment: Mapping[str, str]
    total_priority: int
    total_match: int
    seed: int
    order: tuple[str, ...]
    ties: tuple[TieGroup, ...]
    cutoffs: Mapping[str, Cutoff]
    waiting: Mapping[str, Waiting]
    rooms: Mapping[str, str] | None = None
    bound: int = 0

    def as_json(self) -> dict[str, object]:
        """Plain JSON-ready data (the command line prints this); ``rooms``, ``bound`` and a
        waiting household member's ``household`` only when the shelters have rooms."""
        waiting: dict[str, dict[str, object]] = {
            w.applicant: {
                "priority": w.priority,
                "reason": w.reason,
                "lowest_placed": dict(w.lowest_placed),
                "lost_lottery": w.lost_lottery,
            }
            for w in self.waiting.values()
        }
        data: dict[str, object] = {
            "assignment": dict(self.assignment),
            "total_priority": self.total_priority,
            "total_match": self.total_match,
            "seed": self.seed,
            "order": list(self.order),
            "ties": [
                {"priority": t.priority, "order": list(t.order), "placed": sorted(t.placed)}
                for t in self.ties
            ],
            "cutoffs": {
                c.shelter: {
                    "beds": c.beds,
                    "placed": c.placed,
                    "lowest_placed": c.lowest_placed,
                    "highest_waiting": c.highest_waiting,
                }
                for c in self.cutoffs.values()
            },
            "waiting": waiting,
        }
        if self.rooms is not None:
            data["rooms"] = dict(self.rooms)
            data["bound"] = self.bound
            for w in self.waiting.values():
                if w.household is not None:
                    waiting[w.applicant]["household"] = w.household
        return data


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_ids(ids: Sequence[object], what: str) -> None:
    for value in ids:
        if not isinstance(value, str) or not value:
            raise AllocationError(f"every {what} id must be a non-empty string")
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    if duplicates:
        raise AllocationError(f"{what} id {duplicates[0]!r} is listed twice")


def _check_person(a: Applicant) -> None:
    if a.gender not in (None, "woman", "man", "other"):
        raise AllocationError(f"applicant {a.id!r}: gender must be woman, man or other")
    if not isinstance(a.needs_accessible, bool):
        raise AllocationError(f"applicant {a.id!r}: needs_accessible must be true or false")
    if a.household is not None and (not isinstance(a.household, str) or not a.household):
        raise AllocationError(f"applicant {a.id!r}: a household id must be a non-empty string")


def to_problem(
    shelters: Sequence[Shelter], applicants: Sequence[Applicant], seed: int, *, rooms: bool
) -> Problem:
    """The array form of shelters (their ``beds``) and applicants, after checking them.

    ``rooms=False``: households of two or more and needs for accessible beds are refused
    (they need rooms); ``rooms=True``: ``room_model`` checks those itself."""
    check_ids([s.id for s in shelters], "shelter")
    check_ids([a.id for a in applicants], "applicant")
    index = {s.id: i for i, s in enumerate(shelters)}
    for s in shelters:
        if not is_int(s.beds) or s.beds < 0:
            raise AllocationError(f"shelter {s.id!r}: beds must be an integer >= 0")
    households = Counter(a.household for a in applicants if a.household is not None)
    if not rooms and any(n > 1 for n in households.values()):
        raise AllocationError("households of more than one person need the shelters' rooms")
    for a in applicants:
        _check_person(a)
        if a.needs_accessible and not rooms:
            raise AllocationError(
                f"applicant {a.id!r} needs an accessible bed: give the shelters' rooms"
            )
    indptr = [0]
    shelter: list[int] = []
    match: list[int] = []
    for a in applicants:
        if not is_int(a.priority) or not 1 <= a.priority <= MAX_PRIORITY:
            raise AllocationError(f"applicant {a.id!r}: priority must be an integer >= 1")
        if len(set(a.eligible)) != len(a.eligible):
            raise AllocationError(f"applicant {a.id!r}: a shelter is listed twice")
        unknown = [s for s in a.eligible if s not in index]
        if unknown:
            raise AllocationError(f"applicant {a.id!r}: unknown shelter {unknown[0]!r}")
        stray = [s for s in a.match if s not in a.eligible]
        if stray:
            raise AllocationError(f"applicant {a.id!r}: match for ineligible shelter {stray[0]!r}")
        for sid in a.eligible:
            score = a.match.get(sid, 0)
            if not is_int(score) or abs(score) > MAX_MATCH:
                raise AllocationError(f"applicant {a.id!r}: match scores must be integers")
            shelter.append(index[sid])
            match.append(score)
        indptr.append(len(shelter))
    return Problem(
        beds=np.array([s.beds for s in shelters], dtype=np.int64),
        priority=np.array([a.priority for a in applicants], dtype=np.int64),
        indptr=np.array(indptr, dtype=np.int64),
        shelter=np.array(shelter, dtype=np.int64),
        match=np.array(match, dtype=np.int64),
        tickets=id_tickets(seed, [a.id for a in applicants]),
    )


def allocate(
    shelters: Sequence[Shelter], applicants: Sequence[Applicant], *, seed: int | None = None
) -> Allocation:
    """Place applicants into free beds: who by priority (exactly), then where by match.

    Without rooms, see ``engine.solve`` for the guarantees; with rooms (any shelter has
    ``rooms``), ``room_model.allocate_rooms``.  Lottery tickets come from ``seed`` and each
    applicant's id, so the result does not depend on the order of ``applicants``, except
    which of several equally good shelter choices is returned.  ``seed=None`` draws a seed
    (reported in the result).  Bad input raises ``AllocationError``.
    """
    if seed is None:
        seed = draw_seed()
    if not is_int(seed) or not 0 <= seed <= MAX_SEED:
        raise AllocationError(f"the seed must be an integer in 0..{MAX_SEED}")
    if any(s.rooms is not None for s in shelters):
        from .room_model import allocate_rooms  # room_model imports this module

        return allocate_rooms(shelters, applicants, seed)
    problem = to_problem(shelters, applicants, seed, rooms=False)
    solution = solve(problem, seed)
    allocation = _explain(shelters, applicants, problem, solution)
    return replace(allocation, bound=allocation.total_priority)


def _explain(
    shelters: Sequence[Shelter],
    applicants: Sequence[Applicant],
    problem: Problem,
    solution: Solution,
) -> Allocation:
    where = solution.shelter_of.tolist()
    cut = shelter_cutoffs(problem, solution)
    lowest = cut.lowest_placed.tolist()
    index = {s.id: i for i, s in enumerate(shelters)}
    cutoffs = {
        s.id: Cutoff(
            shelter=s.id,
            beds=s.beds,
            placed=int(cut.placed[i]),
            lowest_placed=None if lowest[i] == NONE else lowest[i],
            highest_waiting=None if cut.highest_waiting[i] == NONE else int(cut.highest_waiting[i]),
        )
        for i, s in enumerate(shelters)
    }
    waiting: dict[str, Waiting] = {}
    for i, a in enumerate(applicants):
        if where[i] >= 0:
            continue
        floors = {s: lowest[index[s]] for s in a.eligible if shelters[index[s]].beds > 0}
        waiting[a.id] = Waiting(
            applicant=a.id,
            priority=a.priority,
            reason="shelters_full" if floors else "no_beds",
            lowest_placed=MappingProxyType(floors),
            lost_lottery=a.priority in floors.values(),
        )
    ids = [a.id for a in applicants]
    ties = tuple(
        TieGroup(
            priority=int(problem.priority[group[0]]),
            order=tuple(ids[i] for i in group.tolist()),
            placed=frozenset(ids[i] for i in group.tolist() if where[i] >= 0),
        )
        for group in tie_groups(problem, solution)
    )
    full_order = rank(problem.priority, solution.seed, problem.tickets)
    return Allocation(
        assignment=MappingProxyType(
            {ids[i]: shelters[s].id for i, s in enumerate(where) if s >= 0}
        ),
        total_priority=solution.total_priority,
        total_match=solution.total_match,
        seed=solution.seed,
        order=tuple(ids[i] for i in full_order.tolist()),
        ties=ties,
        cutoffs=MappingProxyType(cutoffs),
        waiting=MappingProxyType(waiting),
    )
