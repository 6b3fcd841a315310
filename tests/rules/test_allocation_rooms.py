"""Room-level placement: households together, room gender, accessible beds.

Checked against CP-SAT (``rooms_reference``) on random small instances.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from haven.rules.allocation import Applicant, Shelter, allocate

from .rooms_reference import assert_room_feasible, cpsat_best, room_instances

seeds = st.integers(0, 2**63 - 1)


@settings(max_examples=200, deadline=None)
@given(room_instances(), seeds)
def test_random_instances_are_feasible_and_near_optimal(
    instance: tuple[list[Shelter], list[Applicant]], seed: int
) -> None:
    shelters, applicants = instance
    result = allocate(shelters, applicants, seed=seed)
    assert_room_feasible(shelters, applicants, result)
    best = cpsat_best(shelters, applicants)
    assert result.total_priority >= 0.99 * best
    assert result.bound >= best
    if result.bound == result.total_priority:
        assert result.total_priority == best
