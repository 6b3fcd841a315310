"""Counting bed-nights, waiting and waits by week and month (pure), against brute force."""

from __future__ import annotations

import itertools
import statistics
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haven.rules.periods import (
    Period,
    Wait,
    median,
    months_before,
    months_to,
    nights_in,
    occupied_nights,
    placed_in,
    waiting_at_end,
    weeks_to,
)

days = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))


@st.composite
def stays(draw: st.DrawFn) -> tuple[date, date | None]:
    check_in = draw(days)
    if draw(st.booleans()):
        return check_in, None
    return check_in, check_in + timedelta(days=draw(st.integers(0, 120)))


def _occupied(day: date, check_in: date, check_out: date | None) -> bool:
    """The night of ``day`` belongs to the stay (the check-out day frees the bed)."""
    return check_in <= day and (check_out is None or day < check_out)


@given(days, st.integers(1, 20))
def test_weeks_run_monday_to_sunday_up_to_today(today: date, count: int) -> None:
    weeks = weeks_to(today, count)
    assert len(weeks) == count
    assert weeks[-1].last == today
    assert all(week.first.weekday() == 0 for week in weeks)
    assert all(week.days == 7 for week in weeks[:-1])
    for earlier, later in itertools.pairwise(weeks):
        assert later.first == earlier.last + timedelta(days=1)


@given(days, st.integers(1, 30))
def test_months_are_whole_calendar_months(today: date, count: int) -> None:
    months = months_to(today, count)
    assert len(months) == count
    assert months[-1].first == today.replace(day=1)
    assert months[-1].last == today
    for earlier, later in itertools.pairwise(months):
        assert earlier.first.day == 1
        assert later.first == earlier.last + timedelta(days=1)
    before = months_before(today, count)
    assert before[-1].last == today.replace(day=1) - timedelta(days=1)
    assert before[0].first.day == 1
    assert sum(month.days for month in before) == (before[-1].last - before[0].first).days + 1


def test_months_before_a_january_are_last_year() -> None:
    assert months_before(date(2026, 1, 15), 2) == [
        Period(date(2025, 11, 1), date(2025, 11, 30)),
        Period(date(2025, 12, 1), date(2025, 12, 31)),
    ]
    assert months_to(date(2024, 3, 3), 2)[0] == Period(date(2024, 2, 1), date(2024, 2, 29))


@given(st.lists(stays(), max_size=30), days, st.integers(1, 8))
def test_occupied_nights_count_every_night_once(
    stays: list[tuple[date, date | None]], today: date, count: int
) -> None:
    weeks = weeks_to(today, count)
    expected = [
        sum(
            _occupied(week.first + timedelta(days=n), check_in, check_out)
            for check_in, check_out in stays
            for n in range(week.days)
        )
        for week in weeks
    ]
    assert occupied_nights(stays, weeks) == expected


def test_a_stay_occupies_nights_up_to_the_day_before_check_out() -> None:
    week = Period(date(2026, 11, 2), date(2026, 11, 8))
    assert nights_in(week, date(2026, 11, 3), date(2026, 11, 5)) == 2  # the 3rd and the 4th
    assert nights_in(week, date(2026, 11, 3), date(2026, 11, 3)) == 0  # left the same day
    assert nights_in(week, date(2026, 10, 1), None) == 7
    assert nights_in(week, date(2026, 11, 9), None) == 0
    assert nights_in(week, date(2026, 10, 1), date(2026, 11, 2)) == 0


@st.composite
def waits(draw: st.DrawFn) -> Wait:
    accepted_on = draw(days)
    if draw(st.booleans()):
        return Wait(accepted_on)
    return Wait(accepted_on, accepted_on + timedelta(days=draw(st.integers(-5, 90))))


@given(st.lists(waits(), max_size=30), days)
def test_waiting_at_the_end_of_a_day(all_waits: list[Wait], day: date) -> None:
    expected = sum(
        1
        for w in all_waits
        if w.accepted_on <= day and not (w.placed_on is not None and w.placed_on <= day)
    )
    assert waiting_at_end(day, all_waits) == expected


@given(st.lists(waits(), max_size=30), days)
def test_waits_of_those_placed_in_a_period(all_waits: list[Wait], first: date) -> None:
    period = Period(first, first + timedelta(days=6))
    placed = placed_in(period, all_waits)
    assert len(placed) == sum(1 for w in all_waits if w.placed_on and w.placed_on in period)
    assert all(days >= 0 for days in placed)


def test_a_check_in_recorded_before_the_decision_waited_zero_days() -> None:
    assert Wait(date(2026, 11, 10), date(2026, 11, 8)).days == 0
    assert Wait(date(2026, 11, 10), date(2026, 11, 17)).days == 7
    assert Wait(date(2026, 11, 10)).days is None


@given(st.lists(st.integers(0, 400), max_size=50))
def test_median_matches_statistics(values: list[int]) -> None:
    if not values:
        assert median(values) is None
    else:
        assert median(values) == pytest.approx(statistics.median(values))


def test_a_period_ends_on_or_after_its_first_day() -> None:
    with pytest.raises(ValueError, match="ends"):
        Period(date(2026, 1, 2), date(2026, 1, 1))
    with pytest.raises(ValueError, match="count"):
        weeks_to(date(2026, 1, 1), 0)
