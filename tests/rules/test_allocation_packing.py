"""The packing step on its own: exact incremental evaluations, local optimality, the bound."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.rules.allocation import Applicant, Shelter
from haven.rules.allocation.packing import PackStats, _Search, _State, pack
from haven.rules.allocation.room_model import to_room_problem
from haven.rules.allocation.singles import Singles

from .rooms_reference import cpsat_best, room_instances

seeds = st.integers(0, 2**63 - 1)


@settings(max_examples=200, deadline=None)
@given(room_instances(max_applicants=20), seeds, st.data())
def test_changing_beds_incrementally_equals_a_full_run(
    instance: tuple[list[Shelter], list[Applicant]], seed: int, data: st.DataObject
) -> None:
    # from any capacity up to the full one, giving and taking beds one node at a time
    # must give what a full run of the priority stage gives
    rp, *_ = to_room_problem(*instance, seed)
    singles = Singles(rp, seed)
    full = singles.full.tolist()
    nodes = [n for n, beds in enumerate(full) if beds > 0]
    if not nodes:
        return
    start = [data.draw(st.integers(0, beds)) for beds in full]
    changes: dict[int, int] = {}
    for node in data.draw(st.lists(st.sampled_from(nodes), max_size=3, unique=True)):
        changes[node] = data.draw(st.integers(-start[node], full[node] - start[node]))
    after = list(start)
    for node, change in changes.items():
        after[node] += change
    assert singles.after_change(np.array(start), changes) == (singles.evaluate(np.array(after))[0])


@settings(max_examples=100, deadline=None)
@given(room_instances(max_applicants=18), seeds)
def test_no_single_move_improves_the_result(
    instance: tuple[list[Shelter], list[Applicant]], seed: int
) -> None:
    # the local optimum of the search alone (no branch and bound): every move, tried
    # exactly, including those its bounds skipped, does not raise the total
    rp, *_ = to_room_problem(*instance, seed)
    result = pack(rp, seed, search_nodes=0)
    search = _Search(rp, Singles(rp, seed), list(range(rp.n_households)), PackStats())
    state = _State(rp)
    for h, r in enumerate(result.room_of.tolist()):
        if r >= 0:
            state.move(rp, h, r)
    assert search.total(state) == result.total_priority
    for _, move in search.moves(state):
        assert search.total(search.apply(state, move)) <= result.total_priority


@settings(max_examples=100, deadline=None)
@given(room_instances(max_shelters=2, max_rooms=3, max_applicants=16), seeds)
def test_the_bound_is_never_below_the_optimum(
    instance: tuple[list[Shelter], list[Applicant]], seed: int
) -> None:
    rp, *_ = to_room_problem(*instance, seed)
    best = cpsat_best(*instance)
    result = pack(rp, seed, search_nodes=0)
    assert result.total_priority <= best <= result.bound
