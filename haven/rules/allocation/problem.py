"""The array form of a placement problem and of its solution (what the engine works on).

A ``Problem`` is shelters and applicants as NumPy arrays, eligibility in compressed rows
(CSR): applicant ``i`` may go to shelters ``shelter[indptr[i]:indptr[i + 1]]`` with match
scores ``match[indptr[i]:indptr[i + 1]]``.  Indices stand in for ids; ``haven.rules.allocation
.model`` maps ids to indices and back.  Benchmarks build a ``Problem`` directly.

Contract of a valid ``Problem`` (``Problem.__post_init__`` checks the shapes and ranges, the
engine checks distinctness on the rows it reads):

* ``beds``: ``(S,)`` int64, each ``>= 0``;
* ``priority``: ``(N,)`` int64, each in ``1 .. MAX_PRIORITY``;
* ``indptr``: ``(N + 1,)`` int64, ``indptr[0] == 0``, non-decreasing, ``indptr[N] == E``;
* ``shelter``: ``(E,)`` int64 in ``0 .. S - 1``, distinct within one applicant's row;
* ``match``: ``(E,)`` int64, each in ``-MAX_MATCH .. MAX_MATCH``;
* ``tickets``: ``None`` (the engine draws lottery tickets from the seed and the index), or
  ``(N,)`` uint64 tickets the caller drew (``model`` draws them from the seed and the id, so
  the lottery does not depend on the order applicants were listed in).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

__all__ = [
    "MAX_MATCH",
    "MAX_PRIORITY",
    "AllocationError",
    "IntArray",
    "Problem",
    "Solution",
    "SolveStats",
    "TicketArray",
]

IntArray = npt.NDArray[np.int64]
TicketArray = npt.NDArray[np.uint64]

# Bounds that keep every sum the engine forms (priorities of up to 2**31 people, match
# scores along a chain of moves) far inside int64.
MAX_PRIORITY = 2**31 - 1
MAX_MATCH = 2**31 - 1


class AllocationError(ValueError):
    """A placement request that is not valid (the message says which part and why)."""


def _int_array(value: object, name: str) -> IntArray:
    array = np.asarray(value)
    if array.ndim != 1:
        raise AllocationError(f"{name} must be one-dimensional")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise AllocationError(f"{name} must hold integers")
    return array.astype(np.int64, copy=False)


@dataclass(frozen=True, eq=False)
class Problem:
    """Shelters (beds per shelter) and applicants (priority, eligible shelters, match scores).

    Arrays are converted to int64 (no copy when they already are) and checked on
    construction; ``AllocationError`` says what is wrong.  Treat them as read-only.
    """

    beds: IntArray
    priority: IntArray
    indptr: IntArray
    shelter: IntArray
    match: IntArray
    tickets: TicketArray | None = None

    def __post_init__(self) -> None:
        beds = _int_array(self.beds, "beds")
        priority = _int_array(self.priority, "priority")
        indptr = _int_array(self.indptr, "indptr")
        shelter = _int_array(self.shelter, "shelter")
        match = _int_array(self.match, "match")
        n, s = priority.size, beds.size
        if beds.size and beds.min() < 0:
            raise AllocationError("beds must be >= 0")
        if n and (priority.min() < 1 or priority.max() > MAX_PRIORITY):
            raise AllocationError(f"priorities must be integers in 1..{MAX_PRIORITY}")
        if indptr.size != n + 1 or indptr[0] != 0 or indptr[-1] != shelter.size:
            raise AllocationError("indptr must have N + 1 entries from 0 to len(shelter)")
        if n and np.any(indptr[1:] < indptr[:-1]):
            raise AllocationError("indptr must be non-decreasing")
        if match.size != shelter.size:
            raise AllocationError("match must have one score per eligibility (len(shelter))")
        if shelter.size and (shelter.min() < 0 or shelter.max() >= s):
            raise AllocationError("shelter indices must be in 0..S-1")
        if match.size and np.abs(match).max() > MAX_MATCH:
            raise AllocationError(f"match scores must be in -{MAX_MATCH}..{MAX_MATCH}")
        tickets = self.tickets
        if tickets is not None:
            tickets = np.asarray(tickets)
            if tickets.shape != (n,) or tickets.dtype != np.uint64:
                raise AllocationError("tickets must be a (N,) uint64 array")
        # frozen dataclass: replace the fields with their checked int64 views
        for name, value in (
            ("beds", beds),
            ("priority", priority),
            ("indptr", indptr),
            ("shelter", shelter),
            ("match", match),
            ("tickets", tickets),
        ):
            object.__setattr__(self, name, value)

    @property
    def n_applicants(self) -> int:
        return int(self.priority.size)

    @property
    def n_shelters(self) -> int:
        return int(self.beds.size)

    @property
    def total_beds(self) -> int:
        return int(self.beds.sum())

    def row(self, applicant: int) -> tuple[IntArray, IntArray]:
        """The eligible shelters of one applicant and their match scores."""
        start, stop = int(self.indptr[applicant]), int(self.indptr[applicant + 1])
        return self.shelter[start:stop], self.match[start:stop]

    def edge_owner(self) -> IntArray:
        """For every eligibility, the applicant it belongs to (``E`` entries)."""
        return np.repeat(np.arange(self.n_applicants, dtype=np.int64), np.diff(self.indptr))


@dataclass
class SolveStats:
    """What the engine did (for benchmarks and for reading a run's log)."""

    ranked: int = 0  # applicants put in lottery order (whole tie groups)
    considered: int = 0  # applicants the priority stage looked at one by one
    direct: int = 0  # placed into a free bed without moving anyone
    searches: int = 0  # augmenting-path searches
    rerouted: int = 0  # searches that found a path (earlier placements moved)
    closed_shelters: int = 0  # shelters proven closed to everyone later in the order
    pruned_edges: int = 0  # eligibilities dropped by the top-(total beds) rule
    where_prices: int = 0  # price rounds of the match stage's warm start
    where_phases: int = 0  # shortest-path phases of the match stage
    where_paths: int = 0  # unit moves along shortest paths in the match stage


@dataclass(frozen=True, eq=False)
class Solution:
    """The engine's answer for one ``Problem``.

    * ``shelter_of[i]``: the shelter index of applicant ``i``, or ``-1`` (waiting).
    * ``order``: applicant indices in the order the engine ranked them: priority high to
      low, ties by lottery ticket (low first), then by index.  It always holds whole tie
      groups and every placed applicant; applicants not in it rank below all of it.
    * ``seed``: the lottery seed used (drawn at random when the caller gave none).
    * ``total_priority``, ``total_match``: sums over placed applicants.
    """

    shelter_of: IntArray
    order: IntArray
    seed: int
    total_priority: int
    total_match: int
    stats: SolveStats = field(default_factory=SolveStats)

    @property
    def placed(self) -> IntArray:
        """Indices of placed applicants, ascending."""
        return np.flatnonzero(self.shelter_of >= 0).astype(np.int64)
