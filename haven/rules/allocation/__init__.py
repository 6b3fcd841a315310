"""Placement engine: who gets a free bed (by priority, exactly), then where (by match).

Pure Python and NumPy, no Django: plain data in, plain data out.

Two layers:

* ``allocate(shelters, applicants, seed=...)`` takes ``Shelter`` and ``Applicant`` values
  with string ids and returns an ``Allocation``: the assignment, totals, the lottery seed and
  ranking, the tie groups the lottery decided, cut-off priorities per shelter and the reason
  each waiting applicant waits.  This is what Haven's placement run calls.
* ``solve(problem, seed)`` works on a ``Problem`` of NumPy arrays (indices, not ids) and
  returns a ``Solution``; benchmarks use it on a million applicants.

Guarantees (each checked by the tests against OR-Tools on random instances):

1. **Who** is exactly optimal: the placed set has the largest total priority any placement
   can reach (``who``: matroid greedy with augmenting paths).  Among sets with that total it
   is the first in the ranking (priority, then a seeded lottery; never arrival order).
2. No one waits while someone ranked below them holds a bed they could take, directly or
   by moving other people within their own eligibility.
3. **Where** is exactly optimal: among all placements of exactly that set, the total match
   score is the largest possible (``where``: min-cost flow, primal-dual).
4. Reproducible: the same input and seed give the same result; the seed is reported.

Command line: ``python -m haven.rules.allocation INSTANCE.json [--seed N]`` (``cli``).

Not yet: households of two or more and room-level constraints (room gender, accessible
beds); ``allocate`` rejects households rather than splitting them.
"""

from .engine import solve
from .explain import ShelterCutoffs, shelter_cutoffs, tie_groups
from .lottery import draw_seed, id_tickets, index_tickets, rank
from .model import Allocation, Applicant, Cutoff, Room, Shelter, TieGroup, Waiting, allocate
from .problem import AllocationError, Problem, Solution, SolveStats

__all__ = [
    "Allocation",
    "AllocationError",
    "Applicant",
    "Cutoff",
    "Problem",
    "Room",
    "Shelter",
    "ShelterCutoffs",
    "Solution",
    "SolveStats",
    "TieGroup",
    "Waiting",
    "allocate",
    "draw_seed",
    "id_tickets",
    "index_tickets",
    "rank",
    "shelter_cutoffs",
    "solve",
    "tie_groups",
]
