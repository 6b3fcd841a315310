"""Placement engine: who gets a free bed (by priority, exactly), then where (by match).

Pure Python and NumPy, no Django: plain data in, plain data out.

Two layers:

* ``allocate(shelters, applicants, seed=...)`` takes ``Shelter`` and ``Applicant`` values
  with string ids and returns an ``Allocation``: the assignment, totals, the lottery seed and
  ranking, the tie groups the lottery decided, cut-off priorities per shelter and the reason
  each waiting applicant waits.  This is what Haven's placement run calls.
* ``solve(problem, seed)`` works on a ``Problem`` of NumPy arrays (indices, not ids) and
  returns a ``Solution``; benchmarks use it on a million applicants.

Guarantees without rooms (each checked by the tests against OR-Tools on random instances):

1. **Who** is exactly optimal: the placed set has the largest total priority any placement
   can reach (``who``: matroid greedy with augmenting paths).  Among sets with that total it
   is the first in the ranking (priority, then a seeded lottery; never arrival order).
2. No one waits while someone ranked below them holds a bed they could take, directly or
   by moving other people within their own eligibility.
3. **Where** is exactly optimal: among all placements of exactly that set, the total match
   score is the largest possible (``where``: min-cost flow, primal-dual).
4. Reproducible: the same input and seed give the same result; the seed is reported.

With rooms (``Shelter.rooms``: beds, room gender, accessible beds; ``Applicant.household``,
``gender``, ``needs_accessible``), ``allocate`` keeps households together in one room,
respects room gender and accessible beds, and places the households by a search
(``packing``; NP-hard in general) and everyone on their own exactly in the beds left
(``rooms``).  ``room_model`` states what is guaranteed there: feasibility, guarantees 1-3
for people on their own given where the households are, no single household move that
raises the total, and a reported upper bound (``Allocation.bound``) with the optimality
proven on small instances.  The packing benchmark (``bench.packing``) measures the gap to
the LP relaxation's bound.

``prune(shelters, applicants)`` leaves out, before a run with rooms, everyone who cannot be
placed whatever happens (more people with the same eligibility rank above them than there are
beds they could use): a staff run in a surge searches over the few hundred who could be
placed, not the whole waitlist, with the same result (``prune``).

Command line: ``python -m haven.rules.allocation INSTANCE.json [--seed N]`` (``cli``).

Not yet: the largest total priority with households is not promised (only the bound and
the local optimum above), nor the largest match for households; without rooms, households
of two or more and people needing an accessible bed are refused rather than placed.
"""

from .engine import solve
from .explain import ShelterCutoffs, shelter_cutoffs, tie_groups
from .lottery import draw_seed, id_tickets, index_tickets, rank
from .model import Allocation, Applicant, Cutoff, Room, Shelter, TieGroup, Waiting, allocate
from .policy import Lookahead, Outlook, lookahead_urgency, place_with_lookahead
from .problem import AllocationError, Problem, Solution, SolveStats
from .prune import prune

__all__ = [
    "Allocation",
    "AllocationError",
    "Applicant",
    "Cutoff",
    "Lookahead",
    "Outlook",
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
    "lookahead_urgency",
    "place_with_lookahead",
    "prune",
    "rank",
    "shelter_cutoffs",
    "solve",
    "tie_groups",
]
