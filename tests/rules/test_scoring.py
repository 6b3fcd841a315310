"""Priority rubric: exact worked example, parts contract, bounds, monotonicity, bad input."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.rules.scoring import (
    PART_KEYS,
    RUBRIC_V1,
    Band,
    Rubric,
    ScorePart,
    ScoringInput,
    max_score,
    rubric_from_dict,
    rubric_to_dict,
    score,
    urgency_points,
    waiting_points,
)

FLAGS = (
    "no_income",
    "no_housing",
    "protests",
    "opposition_member",
    "arrested",
    "draft_notice",
    "prosecution",
    "health_condition",
)

NOBODY_IN_NEED = ScoringInput(
    no_income=False,
    no_housing=False,
    savings_days=365,
    protests=False,
    opposition_member=False,
    arrested=False,
    draft_notice=False,
    prosecution=False,
    dependants=0,
    health_condition=False,
    days_left=365,
    days_waiting=0,
)

inputs = st.builds(
    ScoringInput,
    no_income=st.booleans(),
    no_housing=st.booleans(),
    savings_days=st.integers(0, 1000),
    protests=st.booleans(),
    opposition_member=st.booleans(),
    arrested=st.booleans(),
    draft_notice=st.booleans(),
    prosecution=st.booleans(),
    dependants=st.integers(0, 20),
    health_condition=st.booleans(),
    days_left=st.none() | st.integers(-100, 1000),
    days_waiting=st.integers(0, 1000),
)

fast = settings(max_examples=200, deadline=None)


def test_worked_example_gives_exact_points() -> None:
    applicant = ScoringInput(
        no_income=True,  # 8
        no_housing=False,
        savings_days=20,  # <= 30 days: 5
        protests=True,  # 12
        opposition_member=False,
        arrested=False,
        draft_notice=True,  # 20
        prosecution=False,
        dependants=2,  # 2 x 4: 8
        health_condition=False,
        days_left=10,  # <= 14 days: 18
        days_waiting=17,  # two full weeks: 2
    )
    result = score(applicant)
    assert result.rubric_version == "2026.1"
    assert result.parts == (
        ScorePart("financial.no_income", 8),
        ScorePart("financial.no_housing", 0),
        ScorePart("financial.low_savings", 5),
        ScorePart("danger.protests", 12),
        ScorePart("danger.opposition_member", 0),
        ScorePart("danger.arrested", 0),
        ScorePart("danger.draft_notice", 20),
        ScorePart("danger.prosecution", 0),
        ScorePart("household.dependants", 8),
        ScorePart("household.health_condition", 0),
        ScorePart("urgency.days_left", 18),
        ScorePart("waiting.days_waiting", 2),
    )
    assert result.total == 73


def test_nobody_in_need_scores_zero_with_every_part_shown() -> None:
    result = score(NOBODY_IN_NEED)
    assert result.total == 0
    assert tuple(part.key for part in result.parts) == PART_KEYS


def test_everything_at_its_maximum_reaches_max_score() -> None:
    worst = ScoringInput(
        no_income=True,
        no_housing=True,
        savings_days=0,
        protests=True,
        opposition_member=True,
        arrested=True,
        draft_notice=True,
        prosecution=True,
        dependants=10,
        health_condition=True,
        days_left=0,
        days_waiting=365,
    )
    assert score(worst).total == max_score() == 179


@pytest.mark.parametrize(
    ("days_left", "points"),
    [
        (-30, 25),
        (0, 25),
        (7, 25),
        (8, 18),
        (14, 18),
        (15, 12),
        (30, 12),
        (31, 6),
        (60, 6),
        (61, 0),
        (None, 12),
    ],
)
def test_urgency_bands(days_left: int | None, points: int) -> None:
    result = score(dataclasses.replace(NOBODY_IN_NEED, days_left=days_left))
    assert dict((part.key, part.points) for part in result.parts)["urgency.days_left"] == points


@pytest.mark.parametrize(
    ("savings_days", "points"),
    [(0, 8), (7, 8), (8, 5), (30, 5), (31, 2), (90, 2), (91, 0)],
)
def test_savings_bands(savings_days: int, points: int) -> None:
    result = score(dataclasses.replace(NOBODY_IN_NEED, savings_days=savings_days))
    assert result.total == points


@pytest.mark.parametrize(("dependants", "points"), [(0, 0), (1, 4), (3, 12), (4, 12)])
def test_dependants_are_capped(dependants: int, points: int) -> None:
    assert score(dataclasses.replace(NOBODY_IN_NEED, dependants=dependants)).total == points


@pytest.mark.parametrize(
    ("days", "points"), [(6, 0), (7, 1), (13, 1), (14, 2), (84, 12), (900, 12)]
)
def test_waiting_counts_full_weeks_and_is_capped(days: int, points: int) -> None:
    assert score(dataclasses.replace(NOBODY_IN_NEED, days_waiting=days)).total == points


def test_danger_weighs_most() -> None:
    weights = RUBRIC_V1.weights
    danger = [points for key, points in weights.items() if key.startswith("danger.")]
    financial = [points for key, points in weights.items() if key.startswith("financial.")]
    assert min(danger) >= max(financial + [band.points for band in RUBRIC_V1.savings_bands])
    financial_max = sum(financial) + RUBRIC_V1.savings_bands[0].points
    household_max = RUBRIC_V1.dependants_cap + weights["household.health_condition"]
    assert sum(danger) > financial_max + household_max + RUBRIC_V1.waiting_cap


@fast
@given(inputs)
def test_total_is_the_sum_of_parts_in_display_order(data: ScoringInput) -> None:
    result = score(data)
    assert tuple(part.key for part in result.parts) == PART_KEYS
    assert result.total == sum(part.points for part in result.parts)
    assert 0 <= result.total <= max_score()
    assert all(part.points >= 0 for part in result.parts)


@fast
@given(inputs, st.sampled_from(FLAGS))
def test_saying_yes_never_lowers_the_total(data: ScoringInput, flag: str) -> None:
    no = score(dataclasses.replace(data, **{flag: False})).total
    yes = score(dataclasses.replace(data, **{flag: True})).total
    assert yes >= no


@fast
@given(inputs, st.integers(0, 400))
def test_more_dependants_never_lower_the_total(data: ScoringInput, more: int) -> None:
    bigger = dataclasses.replace(data, dependants=data.dependants + more)
    assert score(bigger).total >= score(data).total


@fast
@given(inputs, st.integers(0, 400))
def test_fewer_savings_days_never_lower_the_total(data: ScoringInput, fewer: int) -> None:
    poorer = dataclasses.replace(data, savings_days=max(0, data.savings_days - fewer))
    assert score(poorer).total >= score(data).total


@fast
@given(inputs, st.integers(-1000, 1000), st.integers(0, 400))
def test_fewer_days_left_never_lower_the_total(data: ScoringInput, left: int, fewer: int) -> None:
    later = dataclasses.replace(data, days_left=left)
    sooner = dataclasses.replace(data, days_left=left - fewer)
    assert score(sooner).total >= score(later).total


@fast
@given(inputs, st.integers(0, 400))
def test_waiting_longer_never_lowers_the_total(data: ScoringInput, more: int) -> None:
    longer = dataclasses.replace(data, days_waiting=data.days_waiting + more)
    assert score(longer).total >= score(data).total


@pytest.mark.parametrize("field", ["savings_days", "dependants", "days_waiting"])
def test_negative_counts_are_rejected(field: str) -> None:
    negative: dict[str, Any] = {field: -1}
    with pytest.raises(ValueError, match=field):
        dataclasses.replace(NOBODY_IN_NEED, **negative)


def test_negative_days_left_is_an_overstay_not_an_error() -> None:
    overstayed = dataclasses.replace(NOBODY_IN_NEED, days_left=-5)
    assert score(overstayed).total == RUBRIC_V1.urgency_bands[0].points


def _rubric(**changes: Any) -> Rubric:
    fields = {f.name: getattr(RUBRIC_V1, f.name) for f in dataclasses.fields(RUBRIC_V1)}
    return Rubric(**(fields | changes))


@pytest.mark.parametrize(
    "changes",
    [
        {"version": ""},
        {"weights": {**RUBRIC_V1.weights, "danger.unknown": 3}},
        {"weights": {k: v for k, v in RUBRIC_V1.weights.items() if k != "danger.arrested"}},
        {"weights": {**RUBRIC_V1.weights, "danger.arrested": -1}},
        {"per_dependant": -1},
        {"waiting_cap": -1},
        {"savings_bands": (Band(30, 5), Band(7, 8))},  # not ascending
        {"savings_bands": (Band(7, 2), Band(30, 5))},  # more savings scoring more
        {"urgency_bands": (Band(7, -1),)},
    ],
)
def test_rubric_refuses_numbers_that_break_the_contract(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message varies with the fault
        _rubric(**changes)


def test_published_rubric_cannot_be_edited_through_its_weights() -> None:
    source = dict(RUBRIC_V1.weights)
    rubric = _rubric(weights=source, version="test")
    source["danger.arrested"] = 1000
    assert rubric.weights["danger.arrested"] == 20
    with pytest.raises(TypeError):
        rubric.weights["danger.arrested"] = 1000  # type: ignore[index]


def test_max_score_follows_the_rubric() -> None:
    no_waiting = _rubric(version="test", per_week_waiting=0)
    assert max_score(no_waiting) == max_score() - RUBRIC_V1.waiting_cap
    unknown_first = _rubric(version="test", urgency_unknown=30)
    assert max_score(unknown_first) == max_score() + 5


def test_rubric_survives_a_round_trip_through_json() -> None:
    data = json.loads(json.dumps(rubric_to_dict(RUBRIC_V1)))
    assert rubric_from_dict(data) == RUBRIC_V1


def test_malformed_rubric_data_is_refused() -> None:
    data = rubric_to_dict(RUBRIC_V1)
    del data["weights"]
    with pytest.raises(ValueError, match="not a rubric"):
        rubric_from_dict(data)
    broken = rubric_to_dict(RUBRIC_V1) | {"urgency_bands": [[7, 1], [14, 5]]}
    with pytest.raises(ValueError, match="increase"):
        rubric_from_dict(broken)


def test_time_parts_match_the_full_score() -> None:
    for days_left in (None, -3, 0, 7, 8, 30, 61, 400):
        for waited in (0, 6, 7, 20, 200):
            data = dataclasses.replace(NOBODY_IN_NEED, days_left=days_left, days_waiting=waited)
            parts = {p.key: p.points for p in score(data).parts}
            assert parts["urgency.days_left"] == urgency_points(days_left)
            assert parts["waiting.days_waiting"] == waiting_points(waited)
