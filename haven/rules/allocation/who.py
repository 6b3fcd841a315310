"""Who gets a bed: the set of applicants with the largest total priority, exactly.

Why a greedy is exact here
--------------------------
Call a set of applicants *placeable* when they can all have a bed at once (each at an
eligible shelter, no shelter over its beds).  Placeable sets are the independent sets of a
transversal matroid (Edmonds and Fulkerson 1965).  For a matroid, taking elements in order of
decreasing weight and keeping each one that leaves the set independent gives a basis of
maximum weight (Rado 1957, Edmonds 1971); with a strict order (priority, then lottery ticket)
it gives the one basis that is lexicographically first in that order.  Checking "is the set
plus this applicant still placeable" is one augmenting-path search: the newcomer takes a bed
at an eligible shelter, the person there moves to another shelter they are eligible for, and
so on until a shelter with a free bed.  So: rank applicants, then for each, place directly if
an eligible shelter has a free bed, else search for such a chain of moves; if none exists the
applicant waits.  Earlier applicants may move, but are never dropped.

Shortcuts, and why each is safe
-------------------------------
* The search runs on shelters (breadth-first), not on people: a shelter is entered once.
* **Closed shelters.**  When a search fails, every shelter it reached is full and everyone in
  it can only move between shelters it reached: the set is *closed*.  Later placements never
  enter a closed set (a chain entering it could neither leave it nor end in it), so it stays
  closed for good, and later applicants who can only go to closed shelters wait without a
  search.
* **All beds full.**  Then no chain can end anywhere: everyone later waits.
* **Top-(total beds) pruning.**  With ``C`` beds in all, applicant ``a``'s eligibility at
  shelter ``s`` is dropped when ``C`` applicants ranked before ``a`` are eligible at ``s``.
  This changes nothing.  Let ``B`` be the greedy's set on the full graph and suppose some
  assignment of ``B`` used a dropped pair (a, s).  At most ``C - 1`` others are placed, so one
  of those ``C`` earlier applicants, ``b``, is not in ``B``.  Then ``B - a + b`` is placeable
  (b takes a's bed) and contains every member of ``B`` ranked before ``b`` plus ``b``, so the
  greedy would have kept ``b``: a contradiction.  So no assignment of ``B`` uses a dropped
  pair, ``B`` is placeable on the pruned graph, and the greedy there returns ``B`` again (it
  keeps ``B``'s members and rejects the rest, as on the full graph).  The same fact lets the
  match stage ignore dropped pairs.  Once every shelter is closed or has seen ``C``
  applicants, no later applicant has a usable eligibility and the stage stops.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .lottery import ranked_chunks
from .problem import AllocationError, IntArray, Problem, SolveStats

__all__ = ["WhoResult", "choose_who"]

# Applicants looked at between two vectorised passes that skip people whose every usable
# shelter is closed: small enough that a closed region discovered mid-chunk stops costing
# Python time soon, large enough that the NumPy overhead stays negligible.
_WINDOW = 4096


@dataclass
class WhoResult:
    """The chosen set with one feasible assignment of it.

    ``home``: placed applicant -> shelter, in order of first placement.  ``kept``: for each
    placed applicant, the positions (into ``Problem.shelter``) of the eligibilities that
    survived pruning; ``order``: the ranking the stage used (see ``Solution.order``).
    """

    home: dict[int, int]
    kept: dict[int, list[int]]
    order: IntArray


def _chunk_edges(problem: Problem, chunk: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Edge positions, shelters and per-row offsets of ``chunk``'s applicants, in rank order."""
    starts = problem.indptr[chunk]
    lengths = problem.indptr[chunk + 1] - starts
    offsets = np.zeros(chunk.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    positions = np.repeat(starts - offsets[:-1], lengths) + np.arange(offsets[-1])
    shelters = problem.shelter[positions]
    if shelters.size:
        rows = np.repeat(np.arange(chunk.size, dtype=np.int64), lengths)
        keys = np.sort(rows * problem.n_shelters + shelters)
        if np.any(keys[1:] == keys[:-1]):
            raise AllocationError("an applicant lists the same shelter twice")
    return positions, shelters, offsets


def _rank_at_shelter(shelters: IntArray, seen: IntArray, n_shelters: int) -> IntArray:
    """For each edge (in rank order), how many earlier-ranked applicants share its shelter."""
    order = np.argsort(shelters, kind="stable")
    counts = np.bincount(shelters, minlength=n_shelters)
    group_start = np.zeros(n_shelters, dtype=np.int64)
    np.cumsum(counts[:-1], out=group_start[1:])
    within = np.empty(shelters.size, dtype=np.int64)
    within[order] = np.arange(shelters.size, dtype=np.int64) - group_start[shelters[order]]
    ranks = seen[shelters] + within
    seen += counts
    return ranks


def choose_who(problem: Problem, seed: int, stats: SolveStats) -> WhoResult:
    """Run the priority stage (module docstring); counters go to ``stats``."""
    n_shelters = problem.n_shelters
    capacity = problem.total_beds
    home: dict[int, int] = {}
    kept: dict[int, list[int]] = {}
    if capacity == 0 or problem.n_applicants == 0:
        return WhoResult(home, kept, np.zeros(0, dtype=np.int64))

    free = problem.beds.tolist()
    occupants: list[list[int]] = [[] for _ in range(n_shelters)]
    usable: dict[int, list[int]] = {}  # placed applicant -> shelters it may use (after pruning)
    closed = [False] * n_shelters
    closed_np = np.zeros(n_shelters, dtype=bool)
    seen = np.zeros(n_shelters, dtype=np.int64)
    placed = 0
    ranked: list[IntArray] = []

    for chunk in ranked_chunks(problem.priority, seed, problem.tickets, first=2 * capacity + 1024):
        ranked.append(chunk)
        stats.ranked += int(chunk.size)
        positions, shelters, offsets = _chunk_edges(problem, chunk)
        keep = _rank_at_shelter(shelters, seen, n_shelters) < capacity
        stats.pruned_edges += int(keep.size - np.count_nonzero(keep))
        applicants = chunk.tolist()

        for lo in range(0, chunk.size, _WINDOW):
            hi = min(lo + _WINDOW, chunk.size)
            e_lo, e_hi = int(offsets[lo]), int(offsets[hi])
            w_keep = keep[e_lo:e_hi]
            w_shelters = shelters[e_lo:e_hi][w_keep]
            w_positions = positions[e_lo:e_hi][w_keep]
            w_rows = np.repeat(np.arange(hi - lo), np.diff(offsets[lo : hi + 1]))[w_keep]
            w_offsets = np.zeros(hi - lo + 1, dtype=np.int64)
            np.cumsum(np.bincount(w_rows, minlength=hi - lo), out=w_offsets[1:])
            # only applicants with a usable shelter that is not closed need a look
            hopeful = np.flatnonzero(
                np.bincount(w_rows[~closed_np[w_shelters]], minlength=hi - lo)
            ).tolist()
            sh_list = w_shelters.tolist()
            pos_list = w_positions.tolist()
            off_list = w_offsets.tolist()

            for r in hopeful:
                a = applicants[lo + r]
                options = sh_list[off_list[r] : off_list[r + 1]]
                stats.considered += 1
                # the emptiest eligible shelter: keeps later chains of moves short
                best, best_free = -1, 0
                for s in options:
                    if free[s] > best_free:
                        best, best_free = s, free[s]
                if best < 0:
                    best = _reroute(options, occupants, usable, free, closed, closed_np, home)
                    stats.searches += 1
                    if best < 0:
                        stats.closed_shelters = int(np.count_nonzero(closed_np))
                        continue
                    stats.rerouted += 1
                else:
                    free[best] -= 1
                    stats.direct += 1
                occupants[best].append(a)
                home[a] = best
                usable[a] = options
                kept[a] = pos_list[off_list[r] : off_list[r + 1]]
                placed += 1
                if placed == capacity:
                    return WhoResult(home, kept, np.concatenate(ranked))

        if not np.any(~closed_np & (seen < capacity)):
            break  # nobody ranked later has a usable shelter that is not closed
    return WhoResult(home, kept, np.concatenate(ranked))


def _reroute(
    options: list[int],
    occupants: list[list[int]],
    usable: dict[int, list[int]],
    free: list[int],
    closed: list[bool],
    closed_np: npt.NDArray[np.bool_],
    home: dict[int, int],
) -> int:
    """Make room for a newcomer eligible at ``options`` (all full) by moving people.

    Breadth-first over shelters from ``options``: from shelter ``s`` each occupant can move
    to any of their other usable shelters.  On reaching a shelter with a free bed, moves
    everyone along the chain (one bed there is taken) and returns the shelter in ``options``
    whose bed the newcomer gets.  Otherwise marks every shelter reached as closed (see the
    module docstring), in both ``closed`` and ``closed_np``, and returns -1.
    """
    start = [s for s in options if not closed[s]]
    parent: dict[int, tuple[int, int]] = {s: (-1, -1) for s in start}
    queue = list(start)
    head = 0
    found = -1
    while head < len(queue) and found < 0:
        s = queue[head]
        head += 1
        for person in occupants[s]:
            for t in usable[person]:
                if t in parent or closed[t]:
                    continue
                parent[t] = (s, person)
                if free[t] > 0:
                    found = t
                    break
                queue.append(t)
            if found >= 0:
                break
    if found < 0:
        for s in parent:
            closed[s] = True
        closed_np[list(parent)] = True
        return -1
    free[found] -= 1
    t = found
    while True:
        s, person = parent[t]
        if s < 0:
            return t
        occupants[s].remove(person)
        occupants[t].append(person)
        home[person] = t
        t = s
