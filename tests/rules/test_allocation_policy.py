"""Look-ahead placement (``haven.rules.allocation.policy``): its guarantees on random rounds,
and the decisions it exists for on rounds small enough to follow by hand."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench import placement
from haven.rules.allocation import (
    AllocationError,
    Outlook,
    Problem,
    lookahead_urgency,
    place_with_lookahead,
    solve,
)

from .test_allocation_reference import assert_feasible, make_problem, problems

seeds = st.integers(0, 2**63 - 1)


@st.composite
def rounds(draw: st.DrawFn) -> tuple[Problem, np.ndarray, Outlook, int, int]:
    """A round (free beds, waitlist), deadlines, an outlook, a horizon and a sample count."""
    round_ = draw(problems(max_priority=20))
    n, s = round_.n_applicants, round_.n_shelters
    deadline = np.array(draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)), dtype=np.int64)
    k = draw(st.integers(0, 4))
    departures = np.array(
        draw(st.lists(st.integers(0, 3), min_size=k * s, max_size=k * s)), dtype=np.int64
    ).reshape(k, s)
    past_rows = draw(
        st.lists(
            st.tuples(
                st.integers(1, 20),
                st.lists(st.integers(0, s - 1), unique=True, max_size=min(4, s)),
            ),
            max_size=12,
        )
    )
    past = make_problem([0] * s, [(p, shelters, [0] * len(shelters)) for p, shelters in past_rows])
    past_deadline = draw(
        st.lists(st.integers(0, 5), min_size=past.n_applicants, max_size=past.n_applicants)
    )
    per_round = draw(st.floats(0, 4, allow_nan=False))
    outlook = Outlook(departures, past, np.array(past_deadline, dtype=np.int64), per_round)
    return round_, deadline, outlook, draw(st.integers(1, 12)), draw(st.integers(1, 4))


def free_after(problem: Problem, shelter_of: np.ndarray) -> np.ndarray:
    placed = shelter_of[shelter_of >= 0]
    return problem.beds - np.bincount(placed, minlength=problem.n_shelters)


@settings(max_examples=150, deadline=None)
@given(rounds(), seeds)
def test_no_bed_is_held_back_from_someone_who_could_take_it(case, seed):
    round_, deadline, outlook, horizon, samples = case
    result = place_with_lookahead(
        round_, deadline, outlook, horizon=horizon, seed=seed, samples=samples
    )
    assert_feasible(round_, result.solution)  # beds and eligibility respected
    # as many people placed as the myopic run: the look-ahead changes who, never how many
    assert result.solution.placed.size == solve(round_, seed).placed.size
    left = free_after(round_, result.solution.shelter_of)
    for i in np.flatnonzero(result.solution.shelter_of < 0):
        assert not np.any(left[round_.row(int(i))[0]] > 0), "a waiting person had a free bed"


@settings(max_examples=150, deadline=None)
@given(rounds(), seeds)
def test_urgency_counts_the_last_chance_fully_and_never_less_than_one_round(case, seed):
    round_, deadline, outlook, horizon, samples = case
    urgency = lookahead_urgency(
        round_, deadline, outlook, horizon=horizon, seed=seed, samples=samples
    )
    full = round_.priority * horizon * samples
    assert np.array_equal(urgency[deadline == 0], full[deadline == 0])
    assert np.all(urgency <= full)
    assert np.all(urgency >= round_.priority * samples)  # at least one round of stay
    again = lookahead_urgency(
        round_, deadline, outlook, horizon=horizon, seed=seed, samples=samples
    )
    assert np.array_equal(urgency, again)


@settings(max_examples=100, deadline=None)
@given(rounds(), seeds, st.data())
def test_more_endangered_or_less_time_never_ranks_lower(case, seed, data):
    """A twin (same eligibility) with at least the priority and at most the legal time of
    someone on the list gets at least their urgency; strictly more with a higher priority;
    and is never left waiting while the other is placed."""
    round_, deadline, outlook, horizon, samples = case
    if round_.n_applicants == 0:
        return
    i = data.draw(st.integers(0, round_.n_applicants - 1))
    shelters, match = round_.row(i)
    p = int(round_.priority[i])
    twin_priority = data.draw(st.integers(p, p + 5))
    twin_deadline = data.draw(st.integers(0, int(deadline[i])))
    rows = [
        (int(round_.priority[j]), round_.row(j)[0].tolist(), round_.row(j)[1].tolist())
        for j in range(round_.n_applicants)
    ]
    with_twin = make_problem(
        round_.beds.tolist(), [*rows, (twin_priority, shelters.tolist(), match.tolist())]
    )
    deadlines = np.append(deadline, twin_deadline)
    result = place_with_lookahead(
        with_twin, deadlines, outlook, horizon=horizon, seed=seed, samples=samples
    )
    twin = with_twin.n_applicants - 1
    assert result.urgency[twin] >= result.urgency[i]
    if twin_priority > p:
        assert result.urgency[twin] > result.urgency[i]
        placed = result.solution.shelter_of
        assert not (placed[i] >= 0 and placed[twin] < 0)


@settings(max_examples=100, deadline=None)
@given(rounds(), seeds)
def test_with_nothing_to_wait_for_the_run_is_the_myopic_one(case, seed):
    round_, deadline, outlook, horizon, samples = case
    last_chance = np.zeros_like(deadline)
    for deadlines, h in ((last_chance, horizon), (deadline, 1)):
        result = place_with_lookahead(
            round_, deadlines, outlook, horizon=h, seed=seed, samples=samples
        )
        myopic = solve(round_, seed)
        assert np.array_equal(result.solution.shelter_of, myopic.shelter_of)
        assert np.array_equal(result.solution.order, myopic.order)


# Two people, one free bed now.  A (priority 10) may wait one more round; B (priority 8)
# must be placed now or leave the waitlist.  Both can only go to shelter 0.
TWO = make_problem([1], [(10, [0], [0]), (8, [0], [0])])
DEADLINES = np.array([1, 0], dtype=np.int64)


def outlook(departures: list[int], past: list[int], per_round: float) -> Outlook:
    """Shelter 0 only: ``departures`` per coming round, past arrivals of these priorities
    (each eligible at shelter 0, placed in their first round or lost)."""
    history = make_problem([0], [(p, [0], [0]) for p in past])
    return Outlook(
        np.array(departures, dtype=np.int64).reshape(-1, 1),
        history,
        np.zeros(len(past), dtype=np.int64),
        per_round,
    )


def placed(round_: Problem, look: Outlook) -> list[int]:
    result = place_with_lookahead(round_, DEADLINES, look, horizon=12, seed=7)
    return result.solution.placed.tolist()


def test_someone_about_to_lose_their_chance_goes_first_when_a_bed_frees_next_round():
    # a resident leaves next round and nobody is expected: A gets that bed, B gets this one
    assert placed(TWO, outlook([1], [], 0.0)) == [1]
    assert solve(TWO, 7).placed.tolist() == [0]  # the myopic run loses B


def test_the_higher_priority_goes_first_when_waiting_would_cost_them_the_bed():
    # no bed next round: A would lose everything by waiting
    assert placed(TWO, outlook([0], [], 0.0)) == [0]
    # a bed next round, but people more endangered than A arrive every round and take it
    assert placed(TWO, outlook([1], [100, 90], 1.0)) == [0]
    # the arrivals expected are less endangered than A: A can still wait
    assert placed(TWO, outlook([1], [3, 2], 1.0)) == [1]


def test_the_forecast_is_reproducible_and_drawn_from_the_seed():
    look = outlook([1, 1, 1], [100, 2], 0.5)
    three = make_problem([1], [(10, [0], [0]), (9, [0], [0]), (8, [0], [0])])
    deadlines = np.array([3, 2, 0], dtype=np.int64)
    runs = {
        seed: lookahead_urgency(three, deadlines, look, horizon=12, seed=seed).tolist()
        for seed in range(12)
    }
    assert runs[3] == lookahead_urgency(three, deadlines, look, horizon=12, seed=3).tolist()
    assert len({tuple(u) for u in runs.values()}) > 1  # the draws depend on the seed


@pytest.mark.parametrize(
    ("deadline", "horizon", "samples", "message"),
    [
        (np.array([1]), 12, 8, "one round count"),
        (np.array([1, -1]), 12, 8, "one round count"),
        (DEADLINES, 0, 8, "horizon"),
        (DEADLINES, 12, 0, "samples"),
        (DEADLINES, 2**28, 8, "MAX_PRIORITY"),
    ],
)
def test_invalid_rounds_are_refused(deadline, horizon, samples, message):
    with pytest.raises(AllocationError, match=message):
        place_with_lookahead(
            TWO, deadline, outlook([1], [], 0.0), horizon=horizon, seed=1, samples=samples
        )


def test_invalid_outlooks_are_refused():
    history = make_problem([0, 0], [(5, [0], [0])])
    with pytest.raises(AllocationError, match="same shelters"):
        lookahead_urgency(TWO, DEADLINES, Outlook.nothing(2), horizon=12, seed=1)
    with pytest.raises(AllocationError, match="departures"):
        Outlook(np.zeros((1, 3), dtype=np.int64), history, np.zeros(1, dtype=np.int64), 1.0)
    with pytest.raises(AllocationError, match="departures"):
        Outlook(-np.ones((1, 2), dtype=np.int64), history, np.zeros(1, dtype=np.int64), 1.0)
    with pytest.raises(AllocationError, match="past_deadline"):
        Outlook(np.zeros((1, 2), dtype=np.int64), history, np.zeros(2, dtype=np.int64), 1.0)
    with pytest.raises(AllocationError, match="per_round"):
        Outlook(np.zeros((1, 2), dtype=np.int64), history, np.zeros(1, dtype=np.int64), -1.0)


@pytest.mark.parametrize("policy", [placement.lookahead, placement.haven])
def test_the_surge_benchmark_gives_a_policy_nothing_a_real_run_would_not_know(
    policy: placement.Policy,
) -> None:
    """Changing everyone who arrives after week ``t`` changes none of the look-ahead's (or
    Haven's staff-run) decisions up to week ``t`` in the benchmark (``bench.placement``), so
    its figures are not clairvoyant."""
    surge = placement.make_surge(20, per_bed=1, seed=3)
    t = 4
    later = surge.arrival > t
    changed = replace(
        surge,
        problem=replace(surge.problem, priority=np.where(later, 1000, surge.problem.priority)),
        patience=np.where(later, 1, surge.patience),
    )

    def decisions(run: placement.Surge) -> list[list[tuple[int, int]]]:
        free = np.zeros(run.beds.size, dtype=np.int64)
        placed = np.zeros(run.arrival.size, dtype=bool)
        weeks = []
        for week in range(t + 1):
            free += run.freed[week]
            waiting = np.flatnonzero(
                (run.arrival <= week) & (run.arrival + run.patience > week) & ~placed
            )
            chosen = policy(run, waiting, free, week)
            for person, shelter in chosen.items():
                free[shelter] -= 1
                placed[person] = True
            weeks.append(sorted(chosen.items()))
        return weeks

    original = decisions(surge)
    assert sum(map(len, original)) > 0
    assert decisions(changed) == original
