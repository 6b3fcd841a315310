"""The array form of a room-level placement problem: rooms, people, households.

With rooms, a shelter's beds are no longer interchangeable: a room is open, women only or men
only, some of its beds are accessible, and a household must share one room.  What stays
interchangeable, for one person on their own (a *single*), is a bed of the same *class*:
the same shelter, the same room gender, and the same kind (accessible or ordinary).  So
singles are placed by the exact engine (``engine.solve``) on *class nodes*, one per
(shelter, room gender, bed kind), whose capacities are what the rooms have left once the
households are in; ``packing`` decides the households.

* Class node ``shelter * 6 + room_gender * 2 + kind`` (``kind`` 0: accessible, 1: ordinary).
* A single may use a node at an eligible shelter whose room gender admits them (women:
  open and women's rooms; men: open and men's rooms; anyone else, or gender unknown: open
  rooms only), of any kind, or only accessible beds if they need one.
* A household may use a room at a shelter every member is eligible for, big enough, with
  enough accessible beds for the members who need one, and open unless every member is a
  woman (then also women's rooms) or every member a man (then also men's rooms).
* A room's beds left for singles (``residual``): ``B = beds - K`` where ``K`` members of
  households are in it, of which ``N`` need an accessible bed; household members who need
  none take ordinary beds first, so ``A = accessible - N - max(0, K - N - (beds -
  accessible))`` accessible beds are left.  Singles may then use ``A`` accessible and
  ``B - A`` ordinary beds there.  Any placement of singles within these per-node totals
  can be spread over the rooms of the node (needing people to the accessible beds first),
  so the node form is exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from .problem import AllocationError, IntArray, Problem, TicketArray

__all__ = [
    "KINDS",
    "MAN",
    "MEN",
    "OPEN",
    "OTHER",
    "WOMAN",
    "WOMEN",
    "RoomProblem",
    "node_of",
]

# room genders
OPEN, WOMEN, MEN = 0, 1, 2
# applicant genders (an unknown gender counts as OTHER: open rooms only)
WOMAN, MAN, OTHER = 0, 1, 2
KINDS = 2  # 0: accessible bed, 1: ordinary bed
_PER_SHELTER = 3 * KINDS

# _ADMITS[person gender, room gender]
_ADMITS = np.array([[True, True, False], [True, False, True], [True, False, False]])

BoolArray = npt.NDArray[np.bool_]


def node_of(shelter: IntArray | int, room_gender: IntArray | int, kind: IntArray | int) -> IntArray:
    """The class node of (shelter, room gender, bed kind)."""
    return np.asarray(shelter) * _PER_SHELTER + np.asarray(room_gender) * KINDS + np.asarray(kind)


@dataclass(frozen=True, eq=False)
class RoomProblem:
    """Rooms and applicants as arrays (indices, not ids); ``room_model`` builds it.

    Rooms: ``room_shelter``, ``room_beds``, ``room_access`` (accessible beds, at most
    ``room_beds``), ``room_gender`` (``OPEN``/``WOMEN``/``MEN``).  Applicants: ``priority``,
    ``gender`` (``WOMAN``/``MAN``/``OTHER``), ``needs`` (needs an accessible bed),
    eligibility over shelters in CSR form (``indptr``, ``shelter``, ``match``, as in
    ``Problem``), ``household`` (household index, or -1 for a single) and lottery
    ``tickets``.  Households are numbered ``0 .. H - 1`` and have two or more members.
    """

    n_shelters: int
    room_shelter: IntArray
    room_beds: IntArray
    room_access: IntArray
    room_gender: IntArray
    priority: IntArray
    gender: IntArray
    needs: BoolArray
    indptr: IntArray
    shelter: IntArray
    match: IntArray
    household: IntArray
    tickets: TicketArray
    members: list[list[int]] = field(init=False)
    # per household: value (sum of priorities), size, members needing an accessible bed,
    # the rooms that fit it, and the summed match per eligible shelter
    value: list[int] = field(init=False)
    size: list[int] = field(init=False)
    needing: list[int] = field(init=False)
    fits: list[list[int]] = field(init=False)
    household_match: list[dict[int, int]] = field(init=False)

    def __post_init__(self) -> None:
        if np.any(self.room_access > self.room_beds) or np.any(self.room_access < 0):
            raise AllocationError("a room's accessible beds must be between 0 and its beds")
        n_households = int(self.household.max()) + 1 if self.household.size else 0
        members: list[list[int]] = [[] for _ in range(n_households)]
        for person, h in enumerate(self.household.tolist()):
            if h >= 0:
                members[h].append(person)
        if any(len(m) < 2 for m in members):
            raise AllocationError("households are numbered 0..H-1 with two members or more")
        object.__setattr__(self, "members", members)
        object.__setattr__(self, "value", [int(self.priority[m].sum()) for m in members])
        object.__setattr__(self, "size", [len(m) for m in members])
        object.__setattr__(self, "needing", [int(self.needs[m].sum()) for m in members])
        fits: list[list[int]] = []
        matches: list[dict[int, int]] = []
        rooms_at: list[list[int]] = [[] for _ in range(self.n_shelters)]
        for r, s in enumerate(self.room_shelter.tolist()):
            rooms_at[s].append(r)
        for m in members:
            shared: dict[int, int] | None = None
            for person in m:
                start, stop = int(self.indptr[person]), int(self.indptr[person + 1])
                row = dict(
                    zip(
                        self.shelter[start:stop].tolist(),
                        self.match[start:stop].tolist(),
                        strict=True,
                    )
                )
                shared = (
                    row
                    if shared is None
                    else {s: v + row[s] for s, v in shared.items() if s in row}
                )
            genders = set(self.gender[m].tolist())
            admits = _ADMITS[genders.pop()] if len(genders) == 1 else _ADMITS[OTHER]
            k, n = len(m), int(self.needs[m].sum())
            fits.append(
                [
                    r
                    for s in sorted(shared or {})
                    for r in rooms_at[s]
                    if admits[self.room_gender[r]]
                    and self.room_beds[r] >= k
                    and self.room_access[r] >= n
                ]
            )
            matches.append(shared or {})
        object.__setattr__(self, "fits", fits)
        object.__setattr__(self, "household_match", matches)

    @property
    def n_rooms(self) -> int:
        return int(self.room_beds.size)

    @property
    def n_nodes(self) -> int:
        return self.n_shelters * _PER_SHELTER

    @property
    def n_households(self) -> int:
        return len(self.members)

    def singles(self) -> IntArray:
        """Indices of applicants who are not in a household of two or more."""
        return np.flatnonzero(self.household < 0).astype(np.int64)

    def node_capacity(self, in_rooms: IntArray, needing: IntArray) -> IntArray:
        """Beds left for singles per class node when rooms hold ``in_rooms`` household
        members, ``needing`` of whom need an accessible bed (module docstring)."""
        beds = self.room_beds - in_rooms
        ordinary = self.room_beds - self.room_access
        access = self.room_access - needing - np.maximum(0, in_rooms - needing - ordinary)
        capacity = np.zeros(self.n_nodes, dtype=np.int64)
        np.add.at(capacity, node_of(self.room_shelter, self.room_gender, 0), access)
        np.add.at(capacity, node_of(self.room_shelter, self.room_gender, 1), beds - access)
        return capacity

    def full_capacity(self) -> IntArray:
        zero = np.zeros(self.n_rooms, dtype=np.int64)
        return self.node_capacity(zero, zero)

    def node_edges(
        self, people: IntArray, allowed: IntArray | None = None
    ) -> tuple[IntArray, IntArray, IntArray]:
        """Class-node eligibility of ``people`` as CSR (indptr, node, match), in order.

        Each person's row lists the nodes at their eligible shelters whose room gender admits
        them and whose bed kind they can use, restricted to nodes with ``allowed > 0`` when
        given (e.g. nodes with beds)."""
        starts = self.indptr[people]
        lengths = self.indptr[people + 1] - starts
        offsets = np.zeros(people.size + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        edges = np.repeat(starts - offsets[:-1], lengths) + np.arange(int(offsets[-1]))
        owner = np.repeat(np.arange(people.size, dtype=np.int64), lengths)
        person = people[owner]
        combos = np.arange(_PER_SHELTER)
        room_gender, kind = combos // KINDS, combos % KINDS
        ok = _ADMITS[self.gender[person]][:, room_gender] & (
            (kind == 0)[None, :] | ~self.needs[person][:, None]
        )
        node = self.shelter[edges][:, None] * _PER_SHELTER + combos[None, :]
        if allowed is not None:
            ok &= allowed[node] > 0
        rows = np.broadcast_to(owner[:, None], ok.shape)[ok]
        nodes = node[ok]
        match = np.broadcast_to(self.match[edges][:, None], ok.shape)[ok]
        indptr = np.zeros(people.size + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=people.size), out=indptr[1:])
        return indptr, nodes.astype(np.int64), match.astype(np.int64)

    def singles_problem(
        self, people: IntArray, capacity: IntArray, allowed: IntArray | None = None
    ) -> Problem:
        """The engine's ``Problem`` placing ``people`` as singles on class nodes."""
        indptr, nodes, match = self.node_edges(people, allowed)
        return Problem(
            beds=capacity,
            priority=self.priority[people],
            indptr=indptr,
            shelter=nodes,
            match=match,
            tickets=self.tickets[people],
        )
