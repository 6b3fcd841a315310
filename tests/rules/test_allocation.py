"""Placement engine: exact priority, no skipped applicant, exact match, explanations.

References: OR-Tools min-cost flow (``test_allocation_reference``), itself checked against
brute force.  What "no one skipped" means precisely is in ``circuit_violations``: for every
waiting applicant, no chain of moves within people's eligibility reaches a free bed, and
every person such a chain could displace ranks above them (priority, then lottery).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.rules.allocation import (
    AllocationError,
    Problem,
    SolveStats,
    rank,
    shelter_cutoffs,
    solve,
    tie_groups,
)
from haven.rules.allocation.where import choose_where

from .test_allocation_reference import (
    assert_feasible,
    circuit_violations,
    make_problem,
    ortools_best,
    ortools_where,
    problems,
)

seeds = st.integers(0, 2**63 - 1)


def check_exact(problem: Problem, seed: int) -> None:
    solution = solve(problem, seed)
    assert_feasible(problem, solution)
    assert solution.seed == seed
    assert solution.total_priority == ortools_best(problem, lexicographic=False)[0]
    ranking = rank(problem.priority, seed)
    assert circuit_violations(problem, solution, ranking) == []
    assert ortools_where(problem, solution.placed) == solution.total_match
    # the lazy ranking is a prefix of the full one and covers everyone placed
    assert np.array_equal(solution.order, ranking[: solution.order.size])
    assert set(solution.placed.tolist()) <= set(solution.order.tolist())


@settings(max_examples=300, deadline=None)
@given(problems(), seeds)
def test_random_small_instances_are_solved_exactly(problem: Problem, seed: int) -> None:
    check_exact(problem, seed)


@settings(max_examples=60, deadline=None)
@given(problems(max_shelters=12, max_applicants=80, max_beds=6, max_priority=1000), seeds)
def test_random_medium_instances_are_solved_exactly(problem: Problem, seed: int) -> None:
    check_exact(problem, seed)


@settings(max_examples=100, deadline=None)
@given(problems(max_priority=10**6), seeds)
def test_with_distinct_priorities_the_match_is_the_lexicographic_optimum(
    problem: Problem, seed: int
) -> None:
    # distinct priorities: exactly one set reaches the largest total, so "who, then where"
    # must equal the lexicographic optimum over all placements
    if len(set(problem.priority.tolist())) < problem.n_applicants:
        return
    solution = solve(problem, seed)
    assert (solution.total_priority, solution.total_match) == ortools_best(
        problem, lexicographic=True
    )


@settings(max_examples=100, deadline=None)
@given(problems(), seeds)
def test_match_never_beats_the_lexicographic_optimum(problem: Problem, seed: int) -> None:
    # with ties the lottery picks the set; match is the best for that set, never above the
    # best over all sets of the same total priority
    solution = solve(problem, seed)
    best_p, best_m = ortools_best(problem, lexicographic=True)
    assert solution.total_priority == best_p
    assert solution.total_match <= best_m


@settings(max_examples=100, deadline=None)
@given(problems(), seeds)
def test_no_lower_priority_applicant_holds_a_bed_a_waiting_one_could_take(
    problem: Problem, seed: int
) -> None:
    # the plain statement of the acceptance criterion (implied by circuit_violations)
    solution = solve(problem, seed)
    where = solution.shelter_of
    for u in np.flatnonzero(where < 0).tolist():
        eligible = set(problem.row(u)[0].tolist())
        for p in np.flatnonzero(where >= 0).tolist():
            if problem.priority[p] < problem.priority[u]:
                assert int(where[p]) not in eligible


@settings(max_examples=100, deadline=None)
@given(problems(), seeds)
def test_cutoffs_explain_every_waiting_applicant(problem: Problem, seed: int) -> None:
    solution = solve(problem, seed)
    cut = shelter_cutoffs(problem, solution)
    load = np.bincount(solution.shelter_of[solution.placed], minlength=problem.n_shelters)
    assert np.array_equal(cut.placed, load)
    both = (cut.lowest_placed >= 0) & (cut.highest_waiting >= 0)
    assert (cut.highest_waiting[both] <= cut.lowest_placed[both]).all()
    for u in np.flatnonzero(solution.shelter_of < 0).tolist():
        for s in problem.row(u)[0].tolist():
            assert load[s] == problem.beds[s]  # every eligible shelter is full
            if load[s]:
                assert cut.lowest_placed[s] >= problem.priority[u]


@settings(max_examples=50, deadline=None)
@given(problems(), seeds)
def test_skipping_the_match_stage_keeps_the_same_people(problem: Problem, seed: int) -> None:
    full = solve(problem, seed)
    quick = solve(problem, seed, optimise_match=False)
    assert_feasible(problem, quick)
    assert np.array_equal(full.placed, quick.placed)
    assert quick.total_match <= full.total_match


def test_an_earlier_placement_moves_to_make_room() -> None:
    # a (10) may go to s0 or s1, b (9) only to s0: a must end at s1 whatever came first
    problem = make_problem([1, 1], [(10, [0, 1], [5, 0]), (9, [0], [0])])
    solution = solve(problem, 1)
    assert solution.shelter_of.tolist() == [1, 0]
    assert solution.stats.rerouted + solution.stats.direct == 2


def test_a_long_chain_of_moves_is_found() -> None:
    # applicant i may use shelters i and i+1; the newcomer (lowest) can only use shelter 0
    k = 30
    rows = [(100 - i, [i, i + 1], [0, 0]) for i in range(k)] + [(1, [0], [0])]
    problem = make_problem([1] * (k + 1), rows)
    solution = solve(problem, 0)
    assert (solution.shelter_of >= 0).all()
    assert solution.shelter_of.tolist() == [*range(1, k + 1), 0]


def test_priority_decides_who_even_against_much_better_matches() -> None:
    # one bed: the higher priority gets it although the other fits far better
    problem = make_problem([1], [(2, [0], [0]), (1, [0], [100])])
    assert solve(problem, 0).shelter_of.tolist() == [0, -1]


def test_match_decides_where_among_those_chosen() -> None:
    problem = make_problem(
        [1, 1, 1],
        [(9, [0, 1], [1, 7]), (8, [1, 2], [9, 0]), (7, [0, 2], [0, 4])],
    )
    solution = solve(problem, 0)
    assert solution.total_match == 1 + 9 + 4
    assert solution.shelter_of.tolist() == [0, 1, 2]


def test_free_beds_may_stay_free_and_negative_scores_are_avoided() -> None:
    problem = make_problem([3, 3], [(5, [0, 1], [-4, -1]), (4, [0], [-2]), (3, [1], [2])])
    solution = solve(problem, 0)
    assert solution.shelter_of.tolist() == [1, 0, 1]
    assert solution.total_match == -1 - 2 + 2


def test_nothing_to_place() -> None:
    for problem in (
        make_problem([], []),
        make_problem([0, 0], [(3, [0, 1], [1, 1])]),
        make_problem([2], []),
        make_problem([2], [(3, [], [])]),
    ):
        solution = solve(problem, 0)
        assert solution.total_priority == 0
        assert solution.placed.size == 0


def test_pruning_and_closed_shelters_on_a_long_waitlist() -> None:
    # 3,000 applicants, 5 beds; shelter 4 (2 beds) is reachable only by the last few, so
    # the stage must rank everyone, prune the crowded shelters and skip closed ones
    rng = np.random.default_rng(5)
    rows = []
    for i in range(3000):
        if i % 1000 == 999:
            rows.append((1, [4], [0]))
        else:
            shelters = rng.choice(4, size=int(rng.integers(1, 4)), replace=False).tolist()
            rows.append((int(rng.integers(1, 50)), shelters, [0] * len(shelters)))
    problem = make_problem([1, 1, 1, 0, 2], rows)
    solution = solve(problem, 3)
    assert solution.stats.pruned_edges > 0
    assert solution.stats.ranked == problem.n_applicants
    assert solution.total_priority == ortools_best(problem, lexicographic=False)[0]
    assert circuit_violations(problem, solution, rank(problem.priority, 3)) == []
    # the three who can use shelter 4 tie at priority 1 for its 2 beds
    assert np.count_nonzero(solution.shelter_of[[999, 1999, 2999]] == 4) == 2


def test_large_random_instance_matches_ortools() -> None:
    rng = np.random.default_rng(11)
    n, s = 20_000, 40
    beds = rng.integers(5, 30, size=s).tolist()
    rows = []
    for _ in range(n):
        shelters = rng.choice(s, size=int(rng.integers(1, 6)), replace=False).tolist()
        rows.append(
            (int(rng.integers(1, 300)), shelters, rng.integers(0, 50, len(shelters)).tolist())
        )
    problem = make_problem(beds, rows)
    solution = solve(problem, 8)
    assert_feasible(problem, solution)
    assert solution.total_priority == ortools_best(problem, lexicographic=False)[0]
    assert ortools_where(problem, solution.placed) == solution.total_match


def test_same_seed_same_result_and_seeds_permute_ties() -> None:
    # 12 applicants tie for 4 beds: the lottery alone decides
    problem = make_problem([4], [(7, [0], [0])] * 12)
    first = solve(problem, 42)
    again = solve(problem, 42)
    assert np.array_equal(first.shelter_of, again.shelter_of)
    assert np.array_equal(first.order, again.order)
    placed_sets = {tuple(solve(problem, seed).placed.tolist()) for seed in range(10)}
    assert len(placed_sets) > 1
    orders = {tuple(solve(problem, seed).order.tolist()) for seed in range(10)}
    assert len(orders) == 10
    groups = tie_groups(problem, first)
    assert len(groups) == 1
    assert np.array_equal(groups[0], first.order)


def test_a_seed_is_drawn_and_reported_when_none_is_given() -> None:
    problem = make_problem([1], [(7, [0], [0])] * 3)
    solution = solve(problem)
    assert 0 <= solution.seed < 2**63
    assert np.array_equal(solve(problem, solution.seed).shelter_of, solution.shelter_of)


@pytest.mark.parametrize("seed", [-1, 2**63, True, 1.5])
def test_bad_seeds_are_refused(seed: object) -> None:
    with pytest.raises(AllocationError, match="seed"):
        solve(make_problem([1], []), seed)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"beds": [-1]}, "beds"),
        ({"priority": [0]}, "priorit"),
        ({"priority": [2**31]}, "priorit"),
        ({"indptr": [0, 2]}, "indptr"),
        ({"shelter": [1]}, "shelter indices"),
        ({"match": [1, 2]}, "match"),
        ({"match": [2**40]}, "match scores"),
        ({"priority": [1.5]}, "integers"),
        ({"tickets": np.zeros(1, dtype=np.int64)}, "tickets"),
    ],
)
def test_invalid_problems_are_refused(change: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {
        "beds": [1],
        "priority": [3],
        "indptr": [0, 1],
        "shelter": [0],
        "match": [0],
    }
    fields.update(change)
    with pytest.raises(AllocationError, match=message):
        Problem(**fields)  # type: ignore[arg-type]


def test_a_shelter_listed_twice_is_refused() -> None:
    problem = make_problem([1, 1], [(3, [1, 1], [0, 0])])
    with pytest.raises(AllocationError, match="twice"):
        solve(problem, 0)


def test_match_stage_with_many_free_beds_and_crowded_favourites() -> None:
    # everyone prefers shelter 0; shelter 3 has 40 beds only two people may use: the free
    # beds must end there, not in the shelters everyone else needs
    rng = np.random.default_rng(2)
    rows = []
    for i in range(60):
        shelters = [0, *rng.choice([1, 2], size=int(rng.integers(1, 3)), replace=False).tolist()]
        if i in (7, 40):
            shelters.append(3)
        rows.append(
            (
                int(rng.integers(1, 9)),
                shelters,
                [50, *rng.integers(0, 20, len(shelters) - 1).tolist()],
            )
        )
    problem = make_problem([5, 6, 6, 40], rows)
    solution = solve(problem, 4)
    assert solution.total_priority == ortools_best(problem, lexicographic=False)[0]
    assert ortools_where(problem, solution.placed) == solution.total_match


def test_match_stage_refuses_a_set_that_cannot_be_placed() -> None:
    stats = SolveStats()
    one_bed = np.array([1], dtype=np.int64)
    two_people = (np.array([0, 1, 2]), np.array([0, 0]), np.array([3, 4]))
    with pytest.raises(ValueError, match="more people"):
        choose_where(one_bed, *two_people, stats)
    # enough beds in all, but both can only use shelter 0
    with pytest.raises(ValueError, match="cannot all be placed"):
        choose_where(np.array([1, 1]), *two_people, stats)
