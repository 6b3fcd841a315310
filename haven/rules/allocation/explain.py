"""Why: cut-off priorities per shelter and the reason each waiting applicant waits.

Facts the engine guarantees (and the tests check), which make these explanations true:

* Every shelter an applicant who waits is eligible for is full (or has no beds).
* Everyone placed at such a shelter ranks above the waiting applicant: higher priority, or
  equal priority and a lower lottery ticket.  So ``lowest_placed[s] >= priority`` for every
  eligible shelter ``s``, and ``highest_waiting[s] <= lowest_placed[s]``.
* Moving people within their own eligibility cannot free a bed for a waiting applicant
  without dropping someone who ranks above them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .problem import IntArray, Problem, Solution

__all__ = ["ShelterCutoffs", "shelter_cutoffs", "tie_groups"]

NONE = -1  # "no one" in the cut-off arrays (priorities are >= 1)


@dataclass(frozen=True, eq=False)
class ShelterCutoffs:
    """Per shelter index: people placed, the lowest priority placed (``NONE`` if nobody),
    and the highest priority of an applicant eligible there who waits (``NONE`` if nobody)."""

    placed: IntArray
    lowest_placed: IntArray
    highest_waiting: IntArray


def shelter_cutoffs(problem: Problem, solution: Solution) -> ShelterCutoffs:
    """The cut-offs of a solution (one pass over all eligibilities, vectorised)."""
    n_shelters = problem.n_shelters
    placed = solution.placed
    where = solution.shelter_of[placed]
    count = np.bincount(where, minlength=n_shelters).astype(np.int64)
    lowest = np.full(n_shelters, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(lowest, where, problem.priority[placed])
    lowest[count == 0] = NONE
    highest = np.full(n_shelters, NONE, dtype=np.int64)
    owner = problem.edge_owner()
    waiting = solution.shelter_of[owner] < 0
    np.maximum.at(highest, problem.shelter[waiting], problem.priority[owner[waiting]])
    return ShelterCutoffs(placed=count, lowest_placed=lowest, highest_waiting=highest)


def tie_groups(problem: Problem, solution: Solution) -> list[IntArray]:
    """The tie groups the lottery decided: applicants of one priority, some placed and some
    waiting, in lottery order (the order the engine ranked them)."""
    order = solution.order
    if order.size == 0:
        return []
    priority = problem.priority[order]
    placed = solution.shelter_of[order] >= 0
    cuts = np.flatnonzero(np.diff(priority)) + 1
    groups: list[IntArray] = []
    for members, flags in zip(np.split(order, cuts), np.split(placed, cuts), strict=True):
        if flags.any() and not flags.all():
            groups.append(members)
    return groups
