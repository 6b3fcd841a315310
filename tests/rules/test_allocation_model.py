"""``allocate``: ids in, an explained allocation out; lottery by id; input checks."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.rules.allocation import (
    AllocationError,
    Applicant,
    Shelter,
    allocate,
    id_tickets,
    index_tickets,
)

SHELTERS = [Shelter("almaty", 2), Shelter("astana", 1), Shelter("yerevan", 0)]
APPLICANTS = [
    Applicant("a1", 812, ("almaty", "astana"), {"almaty": 10}),
    Applicant("a2", 500, ("astana",)),
    Applicant("a3", 500, ("astana",)),
    Applicant("a4", 300, ("almaty",), {"almaty": 3}),
    Applicant("a5", 100, ("almaty",)),
    Applicant("a6", 900, ("yerevan",)),
    Applicant("a7", 50, ()),
]


def test_worked_example() -> None:
    result = allocate(SHELTERS, APPLICANTS, seed=3)
    # a1 and a4 share Almaty, the a2/a3 tie for Astana's one bed goes by lottery
    winner, loser = ("a2", "a3") if result.assignment.get("a2") else ("a3", "a2")
    assert dict(result.assignment) == {"a1": "almaty", winner: "astana", "a4": "almaty"}
    assert result.total_priority == 812 + 500 + 300
    assert result.total_match == 13
    assert result.seed == 3
    assert result.order[:3] == ("a6", "a1", winner)
    assert [(t.priority, t.order, t.placed) for t in result.ties] == [
        (500, (winner, loser), frozenset({winner}))
    ]
    almaty = result.cutoffs["almaty"]
    assert (almaty.beds, almaty.placed, almaty.lowest_placed, almaty.highest_waiting) == (
        2,
        2,
        300,
        100,
    )
    assert result.cutoffs["yerevan"].lowest_placed is None
    assert result.cutoffs["yerevan"].highest_waiting == 900
    lost = result.waiting[loser]
    assert (lost.reason, dict(lost.lowest_placed), lost.lost_lottery) == (
        "shelters_full",
        {"astana": 500},
        True,
    )
    assert result.waiting["a5"].lost_lottery is False
    assert result.waiting["a6"].reason == "no_beds"  # Yerevan has no free bed this run
    assert result.waiting["a7"].reason == "no_beds"
    assert set(result.waiting) == {loser, "a5", "a6", "a7"}


def test_result_is_json_ready() -> None:
    data = allocate(SHELTERS, APPLICANTS, seed=3).as_json()
    assert set(data) >= {"assignment", "total_priority", "total_match", "seed", "order"}
    assert data["cutoffs"]["astana"] == {  # type: ignore[index]
        "beds": 1,
        "placed": 1,
        "lowest_placed": 500,
        "highest_waiting": 500,
    }


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**63 - 1), st.randoms(use_true_random=False))
def test_the_lottery_does_not_depend_on_input_order(seed: int, rnd: random.Random) -> None:
    shelters = [Shelter(f"s{i}", 2) for i in range(4)]
    applicants = [
        Applicant(f"p{i}", 1 + i % 3, tuple(f"s{j}" for j in range(4) if (i + j) % 3))
        for i in range(20)
    ]
    shuffled = list(applicants)
    rnd.shuffle(shuffled)
    first = allocate(shelters, applicants, seed=seed)
    second = allocate(shelters, shuffled, seed=seed)
    assert set(first.assignment) == set(second.assignment)
    assert first.order == second.order
    assert first.total_match == second.total_match


def test_different_seeds_permute_ties() -> None:
    shelters = [Shelter("s", 3)]
    applicants = [Applicant(f"p{i}", 5, ("s",)) for i in range(10)]
    outcomes = {frozenset(allocate(shelters, applicants, seed=s).assignment) for s in range(8)}
    assert len(outcomes) > 1


def test_lottery_tickets_are_pinned() -> None:
    # SplitMix64's published first outputs for seed 0, and a fixed BLAKE2b ticket: the
    # lottery must never change silently (stored seeds must replay old runs)
    assert index_tickets(0, np.arange(3)).tolist() == [
        0xE220A8397B1DCDAF,
        0x6E789E6AA1B965F4,
        0x06C45D188009454F,
    ]
    # blake2b(digest_size=8) over (7).to_bytes(8, "big") + b"a1"
    assert id_tickets(7, ["a1"]).tolist() == [0xBEC7B3804B063DBD]
    assert id_tickets(7, ["a1"]).tolist() != id_tickets(8, ["a1"]).tolist()


@pytest.mark.parametrize(
    ("shelters", "applicants", "message"),
    [
        ([Shelter("s", 1), Shelter("s", 1)], [], "listed twice"),
        ([Shelter("", 1)], [], "non-empty"),
        ([Shelter("s", -1)], [], "beds"),
        ([Shelter("s", True)], [], "beds"),
        ([Shelter("s", 1)], [Applicant("a", 1, ("s",)), Applicant("a", 2, ())], "twice"),
        ([Shelter("s", 1)], [Applicant("a", 0, ("s",))], "priority"),
        ([Shelter("s", 1)], [Applicant("a", True, ("s",))], "priority"),
        ([Shelter("s", 1)], [Applicant("a", 1, ("x",))], "unknown shelter"),
        ([Shelter("s", 1)], [Applicant("a", 1, ("s", "s"))], "listed twice"),
        ([Shelter("s", 1)], [Applicant("a", 1, ("s",), {"t": 1})], "ineligible"),
        ([Shelter("s", 1)], [Applicant("a", 1, ("s",), {"s": 1.5})], "integers"),  # type: ignore[dict-item]
        (
            [Shelter("s", 2)],
            [Applicant("a", 1, ("s",), household="h"), Applicant("b", 1, ("s",), household="h")],
            "households",
        ),
    ],
)
def test_bad_input_is_refused(
    shelters: list[Shelter], applicants: list[Applicant], message: str
) -> None:
    with pytest.raises(AllocationError, match=message):
        allocate(shelters, applicants, seed=0)


def test_a_household_of_one_is_fine() -> None:
    result = allocate([Shelter("s", 1)], [Applicant("a", 1, ("s",), household="h")], seed=0)
    assert dict(result.assignment) == {"a": "s"}
