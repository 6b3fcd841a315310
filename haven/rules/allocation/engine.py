"""``solve``: who, then where, on the array form of a problem."""

from __future__ import annotations

from itertools import chain

import numpy as np

from .lottery import MAX_SEED, draw_seed
from .problem import AllocationError, Problem, Solution, SolveStats
from .where import choose_where
from .who import choose_who

__all__ = ["solve"]


def solve(problem: Problem, seed: int | None = None, *, optimise_match: bool = True) -> Solution:
    """Place applicants: the largest total priority exactly, then the largest match score.

    1. *Who* (``who.choose_who``): the set of placed applicants has the largest total
       priority any placement can reach; among sets with that total, it is the first in the
       ranking (priority, then lottery ticket drawn from ``seed``).  So no applicant waits
       while someone ranked below them holds a bed they could have, directly or by moving
       others within their eligibility.
    2. *Where* (``where.choose_where``): exactly that set is placed with the largest total
       match score.  ``optimise_match=False`` skips this and keeps the first stage's
       placement (same people, any shelters; for benchmarks and tests).

    ``seed``: an integer in ``0 .. 2**63 - 1``; ``None`` draws one (reported in the result).
    """
    if seed is None:
        seed = draw_seed()
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise AllocationError(f"the seed must be an integer in 0..{MAX_SEED}")
    stats = SolveStats()
    who = choose_who(problem, seed, stats)
    chosen = np.fromiter(who.kept.keys(), dtype=np.int64, count=len(who.kept))
    lengths = np.fromiter(map(len, who.kept.values()), dtype=np.int64, count=chosen.size)
    option_ptr = np.zeros(chosen.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=option_ptr[1:])
    positions = np.fromiter(
        chain.from_iterable(who.kept.values()), dtype=np.int64, count=int(option_ptr[-1])
    )
    option_shelter = problem.shelter[positions]
    option_match = problem.match[positions]
    if optimise_match:
        choice = choose_where(problem.beds, option_ptr, option_shelter, option_match, stats)
    else:  # the option at the shelter the first stage left each person in
        home = np.fromiter(who.home.values(), dtype=np.int64, count=chosen.size)
        choice = np.flatnonzero(option_shelter == np.repeat(home, lengths))
    shelter_of = np.full(problem.n_applicants, -1, dtype=np.int64)
    shelter_of[chosen] = option_shelter[choice]
    return Solution(
        shelter_of=shelter_of,
        order=who.order,
        seed=seed,
        total_priority=int(problem.priority[chosen].sum()),
        total_match=int(option_match[choice].sum()),
        stats=stats,
    )
