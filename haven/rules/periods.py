"""Counting by week and by month for the network dashboard: bed-nights, waiting, waits.

Pure: the database hands over plain intervals (a stay's check-in and check-out, an
application's decision day and first check-in day) and everything is counted here, so each
figure costs one query whatever the number of weeks or shelters.

Conventions (the same as ``Bed.objects.free_on``): a stay occupies the *nights* of the days
from its check-in up to the day before its check-out (the check-out day frees the bed); an
open stay occupies every night up to the end of the period asked about. Periods are inclusive
ranges of days.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from haven.rules.fairness import quantile

__all__ = [
    "Period",
    "Wait",
    "median",
    "months_before",
    "months_to",
    "nights_in",
    "occupied_nights",
    "placed_in",
    "waiting_at_end",
    "weeks_to",
]


@dataclass(frozen=True)
class Period:
    """The days ``first`` to ``last``, both included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("a period ends on or after its first day")

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last


def weeks_to(today: date, count: int) -> list[Period]:
    """``count`` weeks (Monday to Sunday), oldest first; the last is the week holding
    ``today`` and ends on ``today`` (a week so far)."""
    if count < 1:
        raise ValueError("count at least one week")
    monday = today - timedelta(days=today.weekday())
    weeks = [
        Period(start, start + timedelta(days=6))
        for start in (monday - timedelta(weeks=n) for n in range(count - 1, 0, -1))
    ]
    return [*weeks, Period(monday, today)]


def _month_start(day: date, back: int) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def months_to(today: date, count: int) -> list[Period]:
    """``count`` calendar months, oldest first; the last holds ``today`` and ends on it."""
    if count < 1:
        raise ValueError("count at least one month")
    starts = [_month_start(today, back) for back in range(count - 1, -1, -1)]
    ends = [start - timedelta(days=1) for start in starts[1:]] + [today]
    return [Period(first, last) for first, last in zip(starts, ends, strict=True)]


def months_before(today: date, count: int) -> list[Period]:
    """The ``count`` whole calendar months before the month holding ``today``, oldest first."""
    if count < 1:
        raise ValueError("count at least one month")
    last_month_end = _month_start(today, 0) - timedelta(days=1)
    return months_to(last_month_end, count)


def nights_in(period: Period, check_in: date, check_out: date | None) -> int:
    """Nights of ``period`` that a stay from ``check_in`` to ``check_out`` occupies."""
    first = max(period.first, check_in)
    # The night of the check-out day belongs to the next person.
    last = period.last if check_out is None else min(period.last, check_out - timedelta(days=1))
    return max(0, (last - first).days + 1)


def occupied_nights(
    stays: Iterable[tuple[date, date | None]], periods: Sequence[Period]
) -> list[int]:
    """Bed-nights occupied in each period by these stays (check-in, check-out or None)."""
    totals = [0] * len(periods)
    for check_in, check_out in stays:
        for index, period in enumerate(periods):
            totals[index] += nights_in(period, check_in, check_out)
    return totals


@dataclass(frozen=True)
class Wait:
    """An accepted applicant: the day they were accepted, and of their first check-in."""

    accepted_on: date
    placed_on: date | None = None

    @property
    def days(self) -> int | None:
        """Days from acceptance to check-in (0 when a check-in was recorded as of an earlier
        day than the decision, as a coordinator may do for someone already in the house)."""
        if self.placed_on is None:
            return None
        return max(0, (self.placed_on - self.accepted_on).days)


def waiting_at_end(day: date, waits: Iterable[Wait]) -> int:
    """How many were accepted on or before ``day`` and not yet checked in at its end."""
    return sum(
        1
        for wait in waits
        if wait.accepted_on <= day and (wait.placed_on is None or wait.placed_on > day)
    )


def placed_in(period: Period, waits: Iterable[Wait]) -> list[int]:
    """The waits, in days, of those whose first check-in falls in ``period``."""
    return [
        days
        for wait in waits
        if wait.placed_on is not None
        and wait.placed_on in period
        and (days := wait.days) is not None
    ]


def median(values: Iterable[int]) -> float | None:
    """The median (the mean of the middle two for an even count); None for no values."""
    counts = Counter(values)
    return quantile(counts, 0.5) if counts else None
