"""Summaries of priority distributions for the fairness audit, and small-group suppression.

Pure: the database counts applications per (group, priority) and hands the counts here, so
the work in Python is bounded by the number of distinct priorities, never by the number of
applications. Every function takes a *histogram*: priority -> number of applications.

Quantiles interpolate linearly between order statistics, like ``numpy.quantile``'s default
and ``statistics.quantiles(..., method="inclusive")``: the median of an even count is the
mean of the two middle values.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from math import ceil, floor
from typing import TypeVar

__all__ = [
    "MIN_GROUP",
    "SPARK_LEVELS",
    "Summary",
    "band_counts",
    "quantile",
    "sparkline",
    "summarise",
    "suppressed",
]

MIN_GROUP = 5
"""Groups with fewer applications than this show no numbers (no one can be singled out)."""

SPARK_LEVELS = "▁▂▃▄▅▆▇█"

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Summary:
    count: int
    mean: float
    q1: float
    median: float
    q3: float


def _checked(histogram: Mapping[int, int]) -> list[tuple[int, int]]:
    if any(n < 0 for n in histogram.values()):
        raise ValueError("a histogram cannot hold negative counts")
    items = sorted((value, n) for value, n in histogram.items() if n)
    if not items:
        raise ValueError("an empty histogram has no quantiles")
    return items


def _value_at(items: list[tuple[int, int]], rank: int) -> int:
    """The value at 0-based ``rank`` in the sorted list the histogram stands for."""
    seen = 0
    for value, n in items:
        seen += n
        if rank < seen:
            return value
    raise IndexError(rank)


def quantile(histogram: Mapping[int, int], q: float) -> float:
    """The ``q``-quantile (0 <= q <= 1); raises ``ValueError`` for an empty histogram."""
    if not 0 <= q <= 1:
        raise ValueError(f"q must be within [0, 1], got {q}")
    items = _checked(histogram)
    count = sum(n for _, n in items)
    position = (count - 1) * q
    rank = floor(position)
    lower = _value_at(items, rank)
    if position == rank:
        return float(lower)
    upper = _value_at(items, rank + 1)
    return lower + (upper - lower) * (position - rank)


def summarise(histogram: Mapping[int, int]) -> Summary:
    """Count, mean and quartiles; raises ``ValueError`` for an empty histogram."""
    items = _checked(histogram)
    count = sum(n for _, n in items)
    mean = sum(value * n for value, n in items) / count
    return Summary(
        count=count,
        mean=mean,
        q1=quantile(histogram, 0.25),
        median=quantile(histogram, 0.5),
        q3=quantile(histogram, 0.75),
    )


def band_counts(histogram: Mapping[int, int], width: int, bands: int) -> tuple[int, ...]:
    """Applications per band of ``width`` points from 0 (values past the last band go in it)."""
    if width < 1 or bands < 1:
        raise ValueError("width and bands must be >= 1")
    counts = [0] * bands
    for value, n in histogram.items():
        counts[min(max(value, 0) // width, bands - 1)] += n
    return tuple(counts)


def sparkline(counts: tuple[int, ...]) -> str:
    """One block per band, as tall as its count relative to the tallest band; empty: a space."""
    tallest = max(counts, default=0)
    if tallest == 0:
        return " " * len(counts)
    top = len(SPARK_LEVELS)
    return "".join(SPARK_LEVELS[ceil(n * top / tallest) - 1] if n else " " for n in counts)


def suppressed(counts: Mapping[K, int], minimum: int = MIN_GROUP) -> set[K]:
    """Groups whose numbers must not be shown.

    Every group with fewer than ``minimum`` applications (empty ones too, so "fewer than 5"
    never tells 0 from 4). If that hides only one group, the smallest other group is hidden
    too: the total is shown elsewhere, and total minus the shown groups would give it away.
    """
    hidden = {key for key, n in counts.items() if n < minimum}
    if len(hidden) == 1 and len(counts) > 1:
        shown = [key for key in counts if key not in hidden]
        hidden.add(min(shown, key=lambda key: counts[key]))
    return hidden
