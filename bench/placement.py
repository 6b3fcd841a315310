"""Placement benchmark: Haven's engine against OR-Tools, and a 12-week surge simulation.

Run it as ``python -m bench.placement`` (``--quick`` for a small run).  A script, not a test;
it needs the dev dependencies (OR-Tools is the baseline, never a runtime dependency).

Part 1: speed and exactness
---------------------------
Synthetic instances (``generate``), as in the research notes: beds per shelter U{5..40};
each applicant eligible for 1-5 distinct shelters (uniform); priority
``floor(Beta(2, 5) * 999) + 1`` (1..1000, skewed low, so hundreds of people share each
value); match score U{0..100} per eligibility.  Sizes: 200,000 applicants / 60 shelters and
1,000,000 / 600.  On the same in-memory ``Problem``, interleaved, ``--repeat`` times each
(median reported):

* **Haven**: ``solve(problem, seed)``: who (exact total priority) then where (exact match
  for that set), to a finished assignment array.
* **OR-Tools**: ``SimpleMinCostFlow`` from the same arrays: graph building (vectorised),
  solve, and reading the assignment back, all timed.  Source -> applicant -> shelter -> sink
  with a source -> sink bypass ("waiting"), costs ``-priority``.  This is the comparison the
  acceptance criterion names (3x).
* **OR-Tools lexicographic** (information): costs ``-(priority * BIG + match)``, which
  solves both of Haven's stages in one flow (with ties it may find a higher match than
  Haven, whose lottery, not match, breaks ties).

Checks: equal total priority; Haven's match equals OR-Tools' optimum for Haven's set.

Part 2: surge simulation
------------------------
60 shelters (``--surge-shelters``), full at the start; residents leave at U{1..20} weeks
(beds free at the start of that week; about 55 % leave within the horizon).  Twelve weekly
placement rounds.  A surge of arrivals (``--per-bed``: applicants per bed over 12 weeks, one
study per value, default 1, 2 and 5; peaking in weeks 2-4), each eligible for 1-5 shelters in
one or two of four countries, who must leave the waitlist after U{1..6} weeks (their legal
clock).  People placed during the simulation stay past the horizon (this keeps the hindsight
optimum an exact flow problem; a stay that ends inside the horizon would make it an integer
program).

**Value** of a run = sum over placed people of ``priority * bed-days in the horizon``
(``7 * (12 - week placed)``): beds should go to the most endangered people, and soon.
**Hindsight optimum**: the largest value any schedule could reach knowing every arrival in
advance: a min-cost flow over (shelter, week) nodes (beds freed in week t carry over to
later weeks; a person may take a bed at an eligible shelter in a week they are waiting),
solved exactly by OR-Tools.  Every policy's run is a feasible flow, so none can exceed it
(checked).  Policies, each as % of that optimum (median, min and max over ``--surge-runs``
surges, seeds ``--seed`` onwards):

* **FIFO**: first come, first served; each takes their best-matching free eligible bed;
* **Greedy**: by the same priority as Haven's run (below), each takes their best-matching
  free eligible bed, never moved;
* **Answers only**: ``solve`` each round on the waitlist and the free beds (residents stay
  put), ranked by the priority from the answers alone;
* **Haven**: what a staff run does (``run_placement``): ``solve`` each round ranked by each
  applicant's priority *today*, as the daily ``refresh_priorities`` job keeps it: the points
  from the answers plus the published rubric's calendar parts, ``urgency.days_left`` (up to
  25 points as the legal clock runs out) and ``waiting.days_waiting`` (a point a week, up to
  12) (``priority_today``: the simulation's priorities stand for the rubric's 142 answer
  points scaled to 1..1000, and the calendar points are scaled the same way).  Never passes
  over anyone whose priority today is higher;
* **Look-ahead** (studied, not used by staff runs): ``place_with_lookahead``
  (``haven.rules.allocation.policy``): ``solve`` ranked by *urgency*, priority less what
  each person can still expect by waiting (their legal clock, the beds that known departures
  free, and a forecast of arrivals drawn from past ones).  It uses only what a real run knows
  in that week: the waitlist with priorities, eligibility and deadlines; the free beds; the
  weeks in which current residents leave (the simulation's ``freed``, passed as
  ``Outlook.departures``); and everyone who arrived so far as the sample of past arrivals,
  at the latest week's count per round.  Never who arrives next.  It may pass over a higher
  priority on its forecast, which a staff run must not do.

The value counts the priority from the answers only: the calendar parts decide who goes
first, they are not the danger that the value weighs.  None of the policies holds a bed back:
each places as many people each round as it can, so the gap to hindsight is what not
knowing the future costs.  It grows when arrivals are fewer (``--per-bed 1``: fewer people to
choose from each round, so whom to place now matters more).  Results (``python -m
bench.placement --skip-speed --skip-packing``, 5 surges, seeds 1-5, median / min % of
hindsight):

==========  ==============  ==============  ==============  ==============  ==============
per bed     FIFO            Greedy          Answers only    Haven           Look-ahead
==========  ==============  ==============  ==============  ==============  ==============
1           68.48 / 66.65   96.46 / 95.40   97.53 / 96.87   98.22 / 97.48   98.25 / 97.82
2           57.01 / 55.81   97.66 / 97.58   98.80 / 98.54   98.72 / 98.51   99.29 / 99.08
5           47.83 / 47.66   97.99 / 97.93   99.29 / 99.15   98.83 / 98.61   99.61 / 99.53
==========  ==============  ==============  ==============  ==============  ==============

The rubric's deadline points gain 0.7 points when beds are scarcest (1 per bed) and cost
0.1-0.5 when many wait (they place someone about to lose their chance before someone in more
danger who can still wait).  Smaller networks vary more: ``--skip-speed --skip-packing
--surge-shelters 20 --seed 101 --surge-runs 20 --per-bed 1`` gives Haven 97.83 % (min
96.18), Answers only 97.29 % (min 94.91), Look-ahead 98.25 % (min 96.58).

Part 3: households and rooms
----------------------------
``bench.packing`` (its docstring has the details): rooms (3-6 per shelter, 2-8 beds, 20 %
women's or men's, 10 % of beds accessible), 15 % of applicants in households of 2-5, 5 %
needing an accessible bed, at 200,000 applicants / 60 shelters and 1,000,000 / 600.  Haven's
packing step (``packing.pack``: households by local search with exact evaluations, singles
exact) against the LP relaxation's bound, solved exactly by column generation on OR-Tools'
GLOP (``--bound-limit``: largest size it is computed for).  Printed: Haven's total, its own
bound (``Allocation.bound``), the LP bound, the gap in %, and the times.  Then ``--small``
small random instances against CP-SAT's exact optimum (with and without the branch and
bound).

Acceptance (PASS/FAIL, exit status 1 on a FAIL): Haven >= 3x faster than OR-Tools on the
largest size; equal totals everywhere; for each ``--per-bed``, Haven's median >= 98 % of the
hindsight optimum; Haven's packing within 1 % of the LP bound at every size where the bound
is computed, and within 1 % of CP-SAT's optimum on every small instance.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np
import numpy.typing as npt

# OR-Tools ships no py.typed marker; it is the dev-only baseline here
from ortools.graph.python import min_cost_flow  # type: ignore[import-untyped]

from haven.rules.allocation import Outlook, Problem, place_with_lookahead, shelter_cutoffs, solve
from haven.rules.allocation.policy import select
from haven.rules.scoring import max_score, urgency_points, waiting_points

from .packing import packing_study, small_study

IntArray = npt.NDArray[np.int64]
T = TypeVar("T")


# --- instances ------------------------------------------------------------------------------


def distinct_choices(
    rng: np.random.Generator, n: int, n_shelters: int, k: IntArray, pool: IntArray | None = None
) -> tuple[IntArray, IntArray]:
    """For each of ``n`` applicants, ``k[i]`` distinct shelters (from ``pool`` rows if given:
    ``pool[i]`` lists the shelters applicant ``i`` may draw from).  Returns (indptr, shelter)."""
    width = int(k.max()) if n else 1
    span = n_shelters if pool is None else pool.shape[1]
    draw = rng.integers(0, span, size=(n, width))
    while True:  # redraw rows with a repeat until all are distinct (few rounds)
        ordered = np.sort(draw, axis=1)
        bad = (np.diff(ordered, axis=1) == 0).any(axis=1)
        if not bad.any():
            break
        draw[bad] = rng.integers(0, span, size=(int(bad.sum()), width))
    if pool is not None:
        draw = np.take_along_axis(pool, draw, axis=1)
    keep = np.arange(width)[None, :] < k[:, None]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(k, out=indptr[1:])
    return indptr, draw[keep].astype(np.int64)


def generate(n: int, n_shelters: int, seed: int) -> Problem:
    """The benchmark instance (module docstring)."""
    rng = np.random.default_rng(seed)
    beds = rng.integers(5, 41, size=n_shelters).astype(np.int64)
    k = rng.integers(1, 6, size=n).astype(np.int64)
    indptr, shelter = distinct_choices(rng, n, n_shelters, np.minimum(k, n_shelters))
    priority = (rng.beta(2, 5, size=n) * 999).astype(np.int64) + 1
    match = rng.integers(0, 101, size=shelter.size).astype(np.int64)
    return Problem(beds=beds, priority=priority, indptr=indptr, shelter=shelter, match=match)


# --- the OR-Tools baseline ------------------------------------------------------------------


def ortools_place(problem: Problem, *, lexicographic: bool = False) -> IntArray:
    """Shelter per applicant (-1: waiting) from OR-Tools min-cost flow, graph built here."""
    n, s = problem.n_applicants, problem.n_shelters
    owner = problem.edge_owner()
    weight = problem.priority[owner]
    if lexicographic:
        # more than any spread of total match among at most min(beds, n) placed people
        spread = int(problem.match.max() - min(0, int(problem.match.min())))
        weight = weight * (min(problem.total_beds, n) * spread + 1) + problem.match
    source, sink = n + s, n + s + 1
    tails = np.concatenate(
        [
            np.full(n, source, dtype=np.int32),
            owner.astype(np.int32),
            np.arange(n, n + s, dtype=np.int32),
            np.array([source], dtype=np.int32),
        ]
    )
    heads = np.concatenate(
        [
            np.arange(n, dtype=np.int32),
            (problem.shelter + n).astype(np.int32),
            np.full(s, sink, dtype=np.int32),
            np.array([sink], dtype=np.int32),
        ]
    )
    caps = np.concatenate(
        [np.ones(n + owner.size, dtype=np.int64), problem.beds, np.array([n], dtype=np.int64)]
    )
    costs = np.concatenate([np.zeros(n, dtype=np.int64), -weight, np.zeros(s + 1, dtype=np.int64)])
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_nodes_supplies(
        np.array([source, sink], dtype=np.int32), np.array([n, -n], dtype=np.int64)
    )
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("OR-Tools did not reach an optimum")
    used = np.flatnonzero(np.asarray(flow.flows(arcs[n : n + owner.size])))
    shelter_of = np.full(n, -1, dtype=np.int64)
    shelter_of[owner[used]] = problem.shelter[used]
    return shelter_of


def ortools_match_for(problem: Problem, chosen: IntArray) -> int:
    """The largest total match placing exactly ``chosen`` (the match stage's reference)."""
    starts, stops = problem.indptr[chosen], problem.indptr[chosen + 1]
    lengths = stops - starts
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    edges = np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()))
    g, s = chosen.size, problem.n_shelters
    tails = np.concatenate([np.repeat(np.arange(g), lengths), g + np.arange(s)]).astype(np.int32)
    heads = np.concatenate([g + problem.shelter[edges], np.full(s, g + s)]).astype(np.int32)
    caps = np.concatenate([np.ones(edges.size, dtype=np.int64), problem.beds])
    costs = np.concatenate([-problem.match[edges], np.zeros(s, dtype=np.int64)])
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_nodes_supplies(
        np.arange(g + s + 1, dtype=np.int32),
        np.concatenate([np.ones(g), np.zeros(s), [-g]]).astype(np.int64),
    )
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("OR-Tools: Haven's set cannot be placed")
    return -int(flow.optimal_cost())


def totals(problem: Problem, shelter_of: IntArray) -> tuple[int, int]:
    placed = np.flatnonzero(shelter_of >= 0)
    load = np.bincount(shelter_of[placed], minlength=problem.n_shelters)
    if np.any(load > problem.beds):
        raise RuntimeError("an assignment exceeds a shelter's beds")
    owner = problem.edge_owner()
    used = shelter_of[owner] == problem.shelter
    if int(used.sum()) != placed.size:
        raise RuntimeError("an assignment uses a shelter the applicant is not eligible for")
    return int(problem.priority[placed].sum()), int(problem.match[used].sum())


# --- part 1 ---------------------------------------------------------------------------------


def timed(run: Callable[[], T]) -> tuple[float, T]:
    gc.collect()
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


@dataclass
class SpeedRow:
    label: str
    haven: float
    haven_who: float
    ortools: float
    ortools_lexi: float
    priority: tuple[int, int, int]  # Haven, OR-Tools, OR-Tools lexicographic
    match: tuple[int, int, int]  # Haven, OR-Tools (priority only), OR-Tools lexicographic
    match_reference: int  # OR-Tools' best match for Haven's set

    @property
    def ratio(self) -> float:
        return self.ortools / self.haven


def speed(n: int, n_shelters: int, repeat: int, seed: int) -> SpeedRow:
    started = time.perf_counter()
    problem = generate(n, n_shelters, seed)
    made = time.perf_counter() - started
    print(
        f"\n{n:,} applicants / {n_shelters} shelters / {problem.total_beds:,} beds / "
        f"{problem.shelter.size:,} eligibilities (generated in {made:.1f} s)"
    )
    runs: dict[str, list[float]] = {"haven": [], "who": [], "ortools": [], "lexi": []}
    for r in range(repeat):
        t, haven = timed(lambda: solve(problem, seed))
        runs["haven"].append(t)
        t, who = timed(lambda: solve(problem, seed, optimise_match=False))
        runs["who"].append(t)
        t, baseline = timed(lambda: ortools_place(problem))
        runs["ortools"].append(t)
        t, lexi = timed(lambda: ortools_place(problem, lexicographic=True))
        runs["lexi"].append(t)
        print(
            f"  run {r + 1}: Haven {runs['haven'][-1]:.3f} s (who only {runs['who'][-1]:.3f}),"
            f" OR-Tools {runs['ortools'][-1]:.3f} s, lexicographic {runs['lexi'][-1]:.3f} s"
        )
    haven_totals = totals(problem, haven.shelter_of)
    if haven_totals != (haven.total_priority, haven.total_match) or not np.array_equal(
        who.placed, haven.placed
    ):
        raise RuntimeError("Haven's reported totals or placed set do not add up")
    base_totals = totals(problem, baseline)
    lexi_totals = totals(problem, lexi)
    t_cut, _ = timed(lambda: shelter_cutoffs(problem, haven))
    print(f"  Haven stats: {haven.stats}")
    print(
        f"  explanations (cut-offs per shelter, all {problem.shelter.size:,} eligibilities):"
        f" {t_cut:.3f} s, not included above"
    )
    return SpeedRow(
        label=f"{n:,} / {n_shelters}",
        haven=statistics.median(runs["haven"]),
        haven_who=statistics.median(runs["who"]),
        ortools=statistics.median(runs["ortools"]),
        ortools_lexi=statistics.median(runs["lexi"]),
        priority=(haven_totals[0], base_totals[0], lexi_totals[0]),
        match=(haven_totals[1], base_totals[1], lexi_totals[1]),
        match_reference=ortools_match_for(problem, haven.placed),
    )


# --- part 2: the surge ----------------------------------------------------------------------

WEEKS = 12
# arrivals per week, relative: a mobilisation announcement, a peak, a long tail
SURGE_SHAPE = np.array([0.5, 1.2, 2.0, 2.0, 1.6, 1.2, 0.9, 0.7, 0.6, 0.5, 0.4, 0.4])


@dataclass(frozen=True)
class Surge:
    """Shelters (``beds``, ``freed[t, s]`` beds freed at the start of week ``t``) and the
    people who arrive (ranked by arrival: index = place in the first-come queue)."""

    beds: IntArray
    freed: IntArray
    arrival: IntArray
    patience: IntArray
    problem: Problem  # every arrival's priority, eligibility, match (beds unused here)


def make_surge(n_shelters: int, per_bed: float, seed: int) -> Surge:
    rng = np.random.default_rng(seed)
    beds = rng.integers(5, 41, size=n_shelters).astype(np.int64)
    country = rng.integers(0, 4, size=n_shelters)
    leaves = rng.integers(1, 21, size=int(beds.sum()))  # one resident per bed at the start
    resident_at = np.repeat(np.arange(n_shelters), beds)
    freed = np.zeros((WEEKS, n_shelters), dtype=np.int64)
    soon = leaves < WEEKS
    np.add.at(freed, (leaves[soon], resident_at[soon]), 1)
    people = int(per_bed * beds.sum())
    weekly = SURGE_SHAPE / SURGE_SHAPE.sum()
    arrival = np.sort(rng.choice(WEEKS, size=people, p=weekly)).astype(np.int64)
    patience = rng.integers(1, 7, size=people).astype(np.int64)
    rows: list[int] = []
    indptr = [0]
    for _ in range(people):
        reach = rng.choice(4, size=1 if rng.random() < 0.7 else 2, replace=False)
        pool = np.flatnonzero(np.isin(country, reach))
        if pool.size == 0:
            pool = np.arange(n_shelters)
        k = min(int(rng.integers(1, 6)), pool.size)
        rows += rng.choice(pool, size=k, replace=False).tolist()
        indptr.append(len(rows))
    problem = Problem(
        beds=beds,
        priority=(rng.beta(2, 5, size=people) * 999).astype(np.int64) + 1,
        indptr=np.array(indptr, dtype=np.int64),
        shelter=np.array(rows, dtype=np.int64),
        match=rng.integers(0, 101, size=len(rows)).astype(np.int64),
    )
    return Surge(beds=beds, freed=freed, arrival=arrival, patience=patience, problem=problem)


Policy = Callable[[Surge, IntArray, IntArray, int], dict[int, int]]


def fixed_choice(surge: Surge, queue: IntArray, free: IntArray, week: int) -> dict[int, int]:
    """Each person in ``queue`` order takes their best-matching eligible free bed."""
    placed: dict[int, int] = {}
    left = free.tolist()
    for person in queue.tolist():
        shelters, match = surge.problem.row(person)
        best, best_match = -1, 0
        for s, m in zip(shelters.tolist(), match.tolist(), strict=True):
            if left[s] > 0 and (best < 0 or m > best_match):
                best, best_match = s, m
        if best >= 0:
            left[best] -= 1
            placed[person] = best
    return placed


def fifo(surge: Surge, waiting: IntArray, free: IntArray, week: int) -> dict[int, int]:
    return fixed_choice(surge, waiting, free, week)  # indices are arrival order


def greedy(surge: Surge, waiting: IntArray, free: IntArray, week: int) -> dict[int, int]:
    """By the same priority as Haven's run (``priority_today``), first come on ties."""
    today = priority_today(surge, waiting, week)
    by_priority = waiting[np.argsort(-today, kind="stable")]
    return fixed_choice(surge, by_priority, free, week)


def answers_only(surge: Surge, waiting: IntArray, free: IntArray, week: int) -> dict[int, int]:
    """``solve`` on the priority from the answers alone (no calendar parts)."""
    solution = solve(select(surge.problem, waiting, free), seed=week)
    chosen = solution.placed
    return dict(zip(waiting[chosen].tolist(), solution.shelter_of[chosen].tolist(), strict=True))


# The simulation's priorities stand for the rubric points that come from the answers (danger,
# need, household: RUBRIC_V1's maximum less its calendar parts), on a 1..1000 scale; the
# calendar parts are added on the same scale.
ANSWER_POINTS = (
    max_score() - max(urgency_points(0), urgency_points(None)) - waiting_points(7 * 10_000)
)
CALENDAR_SCALE = 1000 / ANSWER_POINTS


def priority_today(surge: Surge, waiting: IntArray, week: int) -> IntArray:
    """Each waiting person's priority in ``week`` as Haven's daily ``refresh_priorities``
    keeps it: from the answers, plus the published rubric's ``urgency.days_left`` (the run is
    at the start of the week, their clock ends at the end of their last week) and
    ``waiting.days_waiting`` parts."""
    weeks_left = surge.arrival[waiting] + surge.patience[waiting] - 1 - week
    waited = week - surge.arrival[waiting]
    points = np.array(
        [
            urgency_points(7 * left + 6) + waiting_points(7 * weeks)
            for left, weeks in zip(weeks_left.tolist(), waited.tolist(), strict=True)
        ],
        dtype=np.float64,
    )
    return surge.problem.priority[waiting] + np.round(points * CALENDAR_SCALE).astype(np.int64)


def haven(surge: Surge, waiting: IntArray, free: IntArray, week: int) -> dict[int, int]:
    """What a staff run does: ``solve`` by each applicant's priority today (``priority_today``)."""
    round_ = select(surge.problem, waiting, free)
    round_ = replace(round_, priority=priority_today(surge, waiting, week))
    solution = solve(round_, seed=week)
    chosen = solution.placed
    return dict(zip(waiting[chosen].tolist(), solution.shelter_of[chosen].tolist(), strict=True))


def lookahead(surge: Surge, waiting: IntArray, free: IntArray, week: int) -> dict[int, int]:
    """The look-ahead policy, given only what a real run knows in ``week`` (module docstring)."""
    past = np.flatnonzero(surge.arrival <= week)
    outlook = Outlook(
        departures=surge.freed[week + 1 :],
        past=select(surge.problem, past),
        past_deadline=surge.patience[past] - 1,
        per_round=float(np.count_nonzero(surge.arrival == week)),
    )
    deadline = surge.arrival[waiting] + surge.patience[waiting] - 1 - week
    solution = place_with_lookahead(
        select(surge.problem, waiting, free), deadline, outlook, horizon=WEEKS - week, seed=week
    ).solution
    chosen = solution.placed
    return dict(zip(waiting[chosen].tolist(), solution.shelter_of[chosen].tolist(), strict=True))


def simulate(surge: Surge, policy: Policy) -> tuple[int, int]:
    """(value, people placed) of running ``policy`` in every weekly round."""
    free = np.zeros(surge.beds.size, dtype=np.int64)
    placed_week = np.full(surge.arrival.size, -1, dtype=np.int64)
    for week in range(WEEKS):
        free += surge.freed[week]
        waiting = np.flatnonzero(
            (surge.arrival <= week) & (surge.arrival + surge.patience > week) & (placed_week < 0)
        )
        for person, s in policy(surge, waiting, free, week).items():
            if free[s] <= 0:
                raise RuntimeError("a policy used a bed that is not free")
            free[s] -= 1
            placed_week[person] = week
    placed = np.flatnonzero(placed_week >= 0)
    value = surge.problem.priority[placed] * 7 * (WEEKS - placed_week[placed])
    return int(value.sum()), int(placed.size)


def hindsight(surge: Surge) -> int:
    """The largest value of any schedule knowing all arrivals (min-cost flow, exact)."""
    n_shelters = surge.beds.size
    people = surge.arrival.size
    slot = n_shelters * WEEKS  # node s * WEEKS + t: beds of shelter s usable from week t
    source, sink = slot + people, slot + people + 1
    big = int(surge.beds.sum())
    tails: list[IntArray] = []
    heads: list[IntArray] = []
    caps: list[IntArray] = []
    costs: list[IntArray] = []

    def arcs(tail: IntArray, head: IntArray, cap: IntArray | int, cost: IntArray | int) -> None:
        tails.append(np.asarray(tail, dtype=np.int32))
        heads.append(np.asarray(head, dtype=np.int32))
        caps.append(np.broadcast_to(np.asarray(cap, dtype=np.int64), tail.shape))
        costs.append(np.broadcast_to(np.asarray(cost, dtype=np.int64), tail.shape))

    s_idx, t_idx = np.meshgrid(np.arange(n_shelters), np.arange(WEEKS), indexing="ij")
    node = (s_idx * WEEKS + t_idx).ravel()
    arcs(np.full(node.size, source), node, surge.freed.T.ravel(), 0)  # beds as they free up
    later = (t_idx < WEEKS - 1).ravel()
    arcs(node[later], node[later] + 1, big, 0)  # an unused bed waits for next week
    last = (t_idx == WEEKS - 1).ravel()
    arcs(node[last], np.full(int(last.sum()), sink), big, 0)  # or stays empty
    owner = surge.problem.edge_owner()
    for week in range(WEEKS):
        here = (surge.arrival[owner] <= week) & (
            surge.arrival[owner] + surge.patience[owner] > week
        )
        who = owner[here]
        value = surge.problem.priority[who] * 7 * (WEEKS - week)
        arcs(surge.problem.shelter[here] * WEEKS + week, slot + who, 1, -value)
    arcs(slot + np.arange(people), np.full(people, sink), 1, 0)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails), np.concatenate(heads), np.concatenate(caps), np.concatenate(costs)
    )
    supply = int(surge.freed.sum())
    flow.set_nodes_supplies(
        np.array([source, sink], dtype=np.int32), np.array([supply, -supply], dtype=np.int64)
    )
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("OR-Tools did not reach the hindsight optimum")
    return -int(flow.optimal_cost())


def surge_study(n_shelters: int, runs: int, seed: int, per_bed: float) -> dict[str, list[float]]:
    policies: dict[str, Policy] = {
        "FIFO": fifo,
        "Greedy": greedy,
        "Answers only": answers_only,
        "Haven": haven,
        "Look-ahead": lookahead,
    }
    shares: dict[str, list[float]] = {name: [] for name in policies}
    for run in range(runs):
        surge = make_surge(n_shelters, per_bed=per_bed, seed=seed + run)
        best = hindsight(surge)
        line = [
            f"  run {run + 1}: {int(surge.beds.sum()):,} beds, {int(surge.freed.sum()):,} freed, "
            f"{surge.arrival.size:,} arrivals; hindsight value {best:,}"
        ]
        for name, policy in policies.items():
            value, placed = simulate(surge, policy)
            if value > best:
                raise RuntimeError(f"{name} beat the hindsight optimum: the model is wrong")
            shares[name].append(100.0 * value / best)
            line.append(f"{name} {shares[name][-1]:.2f} % ({placed:,} placed)")
        print("; ".join(line))
    return shares


# --- command line ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.placement", description=__doc__.split("\n", 1)[0]
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, fewer repetitions")
    parser.add_argument("--repeat", type=int, default=None, help="timed repetitions (5)")
    parser.add_argument("--surge-runs", type=int, default=None, help="simulated surges (5)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--per-bed",
        type=float,
        nargs="+",
        default=[1.0, 2.0, 5.0],
        help="surge arrivals per bed over 12 weeks, one study per value (1 2 5)",
    )
    parser.add_argument(
        "--surge-shelters", type=int, default=60, help="shelters in the surge simulation (60)"
    )
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-surge", action="store_true")
    parser.add_argument("--skip-packing", action="store_true")
    parser.add_argument(
        "--small", type=int, default=None, help="small packing instances against CP-SAT (1000)"
    )
    parser.add_argument(
        "--bound-limit",
        type=int,
        default=1_000_000,
        help="largest number of applicants the packing's LP bound is computed for (1,000,000)",
    )
    args = parser.parse_args(argv)
    sizes = [(50_000, 30)] if args.quick else [(200_000, 60), (1_000_000, 600)]
    repeat = args.repeat or (3 if args.quick else 5)
    surge_runs = args.surge_runs or (2 if args.quick else 5)
    print(
        f"Python {platform.python_version()}, NumPy {np.__version__}, "
        f"{platform.machine()} x {len(os.sched_getaffinity(0))} CPUs; "
        f"median of {repeat}, seed {args.seed}"
    )
    verdicts: list[tuple[str, bool]] = []
    if not args.skip_speed:
        rows = [speed(n, s, repeat, args.seed) for n, s in sizes]
        print(
            f"\n{'applicants / shelters':<22}{'Haven s':>9}{'who s':>8}{'OR-Tools s':>12}"
            f"{'lexi s':>9}{'ratio':>8}  total priority H / O / lexi;"
            " match H / best for H's set / lexi"
        )
        for row in rows:
            print(
                f"{row.label:<22}{row.haven:>9.3f}{row.haven_who:>8.3f}{row.ortools:>12.3f}"
                f"{row.ortools_lexi:>9.3f}{row.ratio:>7.1f}x  "
                f"{row.priority[0]:,} / {row.priority[1]:,} / {row.priority[2]:,}; "
                f"{row.match[0]:,} / {row.match_reference:,} / {row.match[2]:,}"
            )
            verdicts.append(
                (
                    f"{row.label}: total priority equal to OR-Tools'",
                    row.priority[0] == row.priority[1] == row.priority[2],
                )
            )
            verdicts.append(
                (
                    f"{row.label}: match optimal for the chosen set",
                    row.match[0] == row.match_reference,
                )
            )
        verdicts.append(
            (f"{rows[-1].label}: Haven >= 3x faster than OR-Tools", rows[-1].ratio >= 3)
        )
    if not args.skip_surge:
        n_shelters = args.surge_shelters
        for per_bed in args.per_bed:
            print(
                f"\nSurge: {n_shelters} shelters, {WEEKS} weekly rounds, {surge_runs} runs "
                f"(seeds {args.seed}..{args.seed + surge_runs - 1}), {per_bed:g} arrivals per bed"
            )
            shares = surge_study(n_shelters, surge_runs, args.seed, per_bed)
            for name, values in shares.items():
                print(
                    f"  {name:<13} median {statistics.median(values):6.2f} %  "
                    f"(min {min(values):.2f}, max {max(values):.2f}) of the hindsight optimum"
                )
            verdicts.append(
                (
                    f"Surge, {per_bed:g} per bed: Haven's median >= 98 % of hindsight",
                    statistics.median(shares["Haven"]) >= 98.0,
                )
            )
    if not args.skip_packing:
        print("\nPacking: households and rooms")
        packed = packing_study(sizes, args.seed, args.bound_limit)
        print(
            f"\n{'applicants / shelters':<22}{'beds':>8}{'households':>12}{'placed':>8}"
            f"{'Haven s':>9}{'LP s':>8}  total: Haven / Haven's bound / LP bound; gap to LP"
        )
        for done in packed:
            lp = done.bound
            print(
                f"{done.label:<22}{done.beds:>8,}{done.households:>12,}{done.placed_households:>8,}"
                f"{done.seconds:>9.2f}{(f'{lp.seconds:.1f}' if lp else '-'):>8}  "
                f"{done.haven:,} / {done.haven_bound:,} / {(f'{lp.bound:,}' if lp else '-')}; "
                + (f"{done.gap:.4f} %" if done.gap is not None else "not computed")
            )
            if done.gap is not None:
                verdicts.append(
                    (f"Packing {done.label}: Haven within 1 % of the LP bound", done.gap <= 1.0)
                )
        count, full, alone = small_study(args.small or (200 if args.quick else 1000), args.seed)
        print(f"\nSmall instances against CP-SAT's optimum ({count}):")
        for tally in (full, alone):
            print(
                f"  {tally.label:<20} optimal {tally.optimal}, within 1 % {tally.within}, "
                f"proven optimal {tally.proven}; worst {100 * tally.worst:.1f} % of the optimum"
            )
        verdicts.append(
            ("Packing, small instances: Haven within 1 % of the optimum", full.within == count)
        )
    print()
    for text, ok in verdicts:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    return 0 if all(ok for _, ok in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
