"""Histogram statistics and small-group suppression for the fairness page (pure)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from haven.rules.fairness import band_counts, quantile, sparkline, summarise, suppressed

values = st.lists(st.integers(min_value=0, max_value=300), min_size=1, max_size=200)


@given(values, st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]))
def test_quantiles_match_numpy_linear_on_the_expanded_list(data: list[int], q: float) -> None:
    assert quantile(Counter(data), q) == pytest.approx(float(np.quantile(data, q)))


@given(values)
def test_summary_of_a_histogram_is_the_summary_of_its_values(data: list[int]) -> None:
    summary = summarise(Counter(data))
    assert summary.count == len(data)
    assert summary.mean == pytest.approx(sum(data) / len(data))
    assert summary.median == pytest.approx(float(np.median(data)))
    assert summary.q1 <= summary.median <= summary.q3


def test_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    assert summarise({10: 1, 20: 1, 30: 1, 40: 1}).median == 25
    assert summarise({7: 3}).q1 == summarise({7: 3}).q3 == 7


def test_empty_histograms_and_bad_quantiles_are_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        summarise({5: 0})
    with pytest.raises(ValueError, match="within"):
        quantile({1: 1}, 1.5)


def test_band_counts_and_sparkline() -> None:
    counts = band_counts({0: 1, 19: 1, 20: 4, 75: 2, 200: 1}, width=20, bands=4)
    assert counts == (2, 4, 0, 3)  # 200 is past the last band: it counts in the last one
    assert sparkline(counts) == "▄█ ▆"
    assert sparkline((0, 0)) == "  "


def test_small_groups_are_suppressed_and_a_lone_one_takes_the_next_smallest_along() -> None:
    assert suppressed({"a": 10, "b": 5, "c": 4, "d": 0}) == {"c", "d"}
    # Alone, "c" could be worked out as total - a - b: "b" (the smallest other) hides too.
    assert suppressed({"a": 10, "b": 5, "c": 4}) == {"b", "c"}
    assert suppressed({"a": 10, "b": 6}) == set()
    assert suppressed({"a": 3}) == {"a"}
