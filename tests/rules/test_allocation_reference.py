"""Reference solvers for the placement engine's tests, and a check of the references.

The engine is compared with OR-Tools' ``SimpleMinCostFlow`` (a dev dependency only).  So
that a mistake in the reference model cannot hide a mistake in the engine, the references
are themselves checked against brute force on tiny instances here.

Model used by ``ortools_best``: source -> applicant (capacity 1) -> eligible shelter
(capacity 1, cost ``-weight``) -> sink (capacity = beds), plus source -> sink (capacity N,
cost 0: "left waiting"), supply N.  ``weight = priority`` for the priority optimum,
``weight = priority * BIG + match`` for the lexicographic one (largest priority, then the
largest match among placements with that priority), with ``BIG`` larger than any spread of
total match.
"""

from __future__ import annotations

import itertools
from collections import deque

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

# OR-Tools ships no py.typed marker; it is a dev-only reference here
from ortools.graph.python import min_cost_flow  # type: ignore[import-untyped]

from haven.rules.allocation import Problem, Solution


def make_problem(
    beds: list[int], rows: list[tuple[int, list[int], list[int]]], tickets: bool = False
) -> Problem:
    """A ``Problem`` from ``beds`` and rows of (priority, shelters, match scores)."""
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(r[1]) for r in rows], out=indptr[1:])
    return Problem(
        beds=np.array(beds, dtype=np.int64),
        priority=np.array([r[0] for r in rows], dtype=np.int64),
        indptr=indptr,
        shelter=np.array([s for r in rows for s in r[1]], dtype=np.int64),
        match=np.array([m for r in rows for m in r[2]], dtype=np.int64),
    )


@st.composite
def problems(
    draw: st.DrawFn,
    max_shelters: int = 6,
    max_applicants: int = 25,
    max_beds: int = 4,
    max_priority: int = 6,
) -> Problem:
    """Small random problems with many ties, full shelters and unreachable beds alike."""
    n_shelters = draw(st.integers(1, max_shelters))
    beds = draw(st.lists(st.integers(0, max_beds), min_size=n_shelters, max_size=n_shelters))
    n = draw(st.integers(0, max_applicants))
    rows = []
    for _ in range(n):
        shelters = draw(
            st.lists(st.integers(0, n_shelters - 1), unique=True, max_size=min(4, n_shelters))
        )
        scores = draw(st.lists(st.integers(-5, 10), min_size=len(shelters), max_size=len(shelters)))
        rows.append((draw(st.integers(1, max_priority)), shelters, scores))
    return make_problem(beds, rows)


def _rows(problem: Problem) -> list[tuple[list[int], list[int]]]:
    return [
        (problem.row(i)[0].tolist(), problem.row(i)[1].tolist())
        for i in range(problem.n_applicants)
    ]


def brute_force(problem: Problem) -> tuple[int, int]:
    """(largest total priority, largest total match among placements reaching it)."""
    rows = _rows(problem)
    beds = problem.beds.tolist()
    priority = problem.priority.tolist()
    best = (0, 0)
    choices = [[-1, *range(len(shelters))] for shelters, _ in rows]
    for pick in itertools.product(*choices):
        load = [0] * len(beds)
        total_p = total_m = 0
        for i, c in enumerate(pick):
            if c >= 0:
                load[rows[i][0][c]] += 1
                total_p += priority[i]
                total_m += rows[i][1][c]
        if all(x <= b for x, b in zip(load, beds, strict=True)):
            best = max(best, (total_p, total_m))
    return best


def ortools_best(problem: Problem, *, lexicographic: bool) -> tuple[int, int]:
    """The optimum by OR-Tools: (total priority, total match of that optimal flow).

    With ``lexicographic=False`` the match total is that of whatever optimum OR-Tools found.
    """
    n, s = problem.n_applicants, problem.n_shelters
    big = 2 * int(np.abs(problem.match).sum()) + 1
    owner = problem.edge_owner()
    weight = problem.priority[owner] * (big if lexicographic else 1)
    if lexicographic:
        weight = weight + problem.match
    source, sink = n + s, n + s + 1
    flow = min_cost_flow.SimpleMinCostFlow()
    tails = np.concatenate([np.full(n, source), owner, n + np.arange(s), [source]]).astype(np.int32)
    heads = np.concatenate([np.arange(n), n + problem.shelter, np.full(s, sink), [sink]]).astype(
        np.int32
    )
    caps = np.concatenate([np.ones(n + owner.size), problem.beds, [n]]).astype(np.int64)
    costs = np.concatenate([np.zeros(n), -weight, np.zeros(s + 1)]).astype(np.int64)
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_nodes_supplies(
        np.array([source, sink], dtype=np.int32), np.array([n, -n], dtype=np.int64)
    )
    assert flow.solve() == flow.OPTIMAL
    used = np.asarray(flow.flows(arcs[n : n + owner.size])) > 0
    return int(problem.priority[owner[used]].sum()), int(problem.match[used].sum())


def ortools_where(problem: Problem, chosen: np.ndarray) -> int | None:
    """The largest total match placing exactly ``chosen`` (None: they cannot all be placed)."""
    g, s = chosen.size, problem.n_shelters
    if g == 0:
        return 0
    tails: list[int] = []
    heads: list[int] = []
    costs: list[int] = []
    for i, a in enumerate(chosen.tolist()):
        shelters, match = problem.row(a)
        tails += [i] * shelters.size
        heads += (g + shelters).tolist()
        costs += (-match).tolist()
    sink = g + s
    tails += list(range(g, g + s))
    heads += [sink] * s
    costs += [0] * s
    caps = [1] * (len(tails) - s) + problem.beds.tolist()
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.array(tails, dtype=np.int32),
        np.array(heads, dtype=np.int32),
        np.array(caps, dtype=np.int64),
        np.array(costs, dtype=np.int64),
    )
    flow.set_nodes_supplies(np.arange(g, dtype=np.int32), np.ones(g, dtype=np.int64))
    flow.set_node_supply(sink, -g)
    status = flow.solve()
    if status != flow.OPTIMAL:
        return None
    return -int(flow.optimal_cost())


def assert_feasible(problem: Problem, solution: Solution) -> None:
    """Capacities hold, everyone placed is eligible where they are, totals add up."""
    where = solution.shelter_of
    placed = np.flatnonzero(where >= 0)
    load = np.bincount(where[placed], minlength=problem.n_shelters)
    assert (load <= problem.beds).all()
    total_match = 0
    for a in placed.tolist():
        shelters, match = problem.row(a)
        hit = np.flatnonzero(shelters == where[a])
        assert hit.size == 1, f"applicant {a} placed at a shelter they are not eligible for"
        total_match += int(match[hit[0]])
    assert solution.total_priority == int(problem.priority[placed].sum())
    assert solution.total_match == total_match


def circuit_violations(
    problem: Problem, solution: Solution, ranking: np.ndarray
) -> list[tuple[int, int]]:
    """Pairs (waiting u, placed p) that break the exchange property, [] if none.

    For each waiting applicant ``u``, breadth-first from ``u``'s eligible shelters: from a
    reached shelter every occupant could move to any shelter they are eligible for (full
    eligibility, no pruning).  ``u`` could be added by moving people iff a reached shelter
    has a free bed (reported as (u, -1)); ``u`` could replace ``p`` iff ``p`` occupies a
    reached shelter.  The placed set is the greedy (lexicographically first in ``ranking``)
    basis iff no bed is free and every such ``p`` ranks before ``u``: a matroid basis is the
    greedy one iff every element outside it ranks last in its fundamental circuit.
    """
    position = np.empty(problem.n_applicants, dtype=np.int64)
    position[ranking] = np.arange(ranking.size)
    where = solution.shelter_of.tolist()
    occupants: list[list[int]] = [[] for _ in range(problem.n_shelters)]
    for a, s in enumerate(where):
        if s >= 0:
            occupants[s].append(a)
    free = (
        problem.beds
        - np.bincount(solution.shelter_of[solution.shelter_of >= 0], minlength=problem.n_shelters)
    ).tolist()
    rows = _rows(problem)
    bad: list[tuple[int, int]] = []
    for u, s_u in enumerate(where):
        if s_u >= 0:
            continue
        seen = set(rows[u][0])
        queue = deque(seen)
        while queue:
            s = queue.popleft()
            if free[s] > 0:
                bad.append((u, -1))
            for p in occupants[s]:
                if position[p] > position[u]:
                    bad.append((u, p))
                for t in rows[p][0]:
                    if t not in seen:
                        seen.add(t)
                        queue.append(t)
    return bad


@settings(max_examples=150, deadline=None)
@given(problems(max_shelters=3, max_applicants=6, max_beds=2))
def test_references_agree_with_brute_force(problem: Problem) -> None:
    expected = brute_force(problem)
    assert ortools_best(problem, lexicographic=True) == expected
    assert ortools_best(problem, lexicographic=False)[0] == expected[0]


def test_where_reference_says_when_a_set_cannot_be_placed() -> None:
    problem = make_problem([1], [(5, [0], [0]), (4, [0], [0])])
    assert ortools_where(problem, np.array([0, 1])) is None
    assert ortools_where(problem, np.array([1])) == 0
