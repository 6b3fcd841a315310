"""Chart geometry (pure): bars are as tall as their values, inside the chart, labels apart."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haven.rules.charts import (
    CHAR_WIDTH,
    GAP,
    ROW_HEIGHT,
    WIDTH,
    BarChart,
    Rect,
    bar_chart,
    label_step,
    nice_ticks,
    stacked_columns,
    stacked_rows,
)

labels = st.lists(st.text(min_size=1, max_size=9), min_size=1, max_size=14)
counts = st.integers(0, 10_000)


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_subnormal=False))
def test_ticks_start_at_zero_cover_the_highest_value_in_even_steps(highest: float) -> None:
    ticks = nice_ticks(highest)
    assert ticks[0] == 0
    assert ticks[-1] >= highest
    assert 2 <= len(ticks) <= 7
    step = ticks[1] - ticks[0]
    assert all(b - a == pytest.approx(step, rel=1e-6) for a, b in itertools.pairwise(ticks))
    assert round(step / 10 ** math.floor(math.log10(step)), 6) in {1, 2, 2.5, 5}


def test_round_numbers_make_round_ticks() -> None:
    assert nice_ticks(100) == [0, 25, 50, 75, 100]
    assert nice_ticks(11) == [0, 5, 10, 15]
    assert nice_ticks(0) == [0, 1]
    with pytest.raises(ValueError, match="finite"):
        nice_ticks(-1)


def _inside(chart: BarChart) -> None:
    for bar in chart.bars:
        assert chart.left <= bar.x
        assert bar.x + bar.width <= chart.right + 0.01
        assert chart.top - 0.01 <= bar.y
        assert bar.y + bar.height <= chart.bottom + 0.01


@st.composite
def series(draw: st.DrawFn) -> tuple[list[str], list[float | None]]:
    names = draw(labels)
    values = draw(
        st.lists(
            st.none() | st.floats(0, 1e6, allow_nan=False),
            min_size=len(names),
            max_size=len(names),
        )
    )
    return names, values


@given(series())
def test_bars_are_proportional_to_their_values(data: tuple[list[str], list[float | None]]) -> None:
    names, values = data
    chart = bar_chart(names, values)
    _inside(chart)
    assert len(chart.bars) == sum(v is not None for v in values)
    axis = chart.ticks[-1].value
    plot = chart.bottom - chart.ticks[-1].y
    for bar in chart.bars:
        assert bar.height == pytest.approx(bar.value / axis * plot, abs=0.02)
        assert bar.label in names
    # Bars stand in the order of their categories, left to right.
    assert [bar.x for bar in chart.bars] == sorted(bar.x for bar in chart.bars)


@given(labels, st.integers(30, 200))
def test_category_labels_never_overlap_or_leave_the_chart(names: list[str], height: int) -> None:
    chart = bar_chart(names, [1.0] * len(names), height=height)
    assert chart.labels[-1].text == names[-1]  # the newest is always labelled
    spans = []
    for label in chart.labels:
        width = len(label.text) * CHAR_WIDTH
        left = label.x - width if label.anchor == "end" else label.x - width / 2
        assert left + width <= WIDTH + 0.01
        spans.append((left, left + width))
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert end <= start + 0.01


def test_label_step_thins_long_labels() -> None:
    assert label_step(["1"] * 12, 26) == 1
    assert label_step(["23 Nov"] * 12, 26) == 2
    assert label_step(["September 2026"] * 12, 26) > 3


def test_a_percentage_axis_ends_at_100_and_none_draws_no_bar() -> None:
    chart = bar_chart(["a", "b", "c"], [50.0, None, 100.0], top=100)
    assert chart.ticks[-1].value == 100
    assert [bar.value for bar in chart.bars] == [50.0, 100.0]
    assert chart.bars[1].y == pytest.approx(chart.top)
    assert chart.bars[0].height == pytest.approx(chart.bars[1].height / 2, abs=0.02)


def test_a_reference_line_is_drawn_at_its_value() -> None:
    chart = bar_chart(["a"], [10.0], reference=20.0)
    assert chart.ticks[-1].value >= 20
    assert chart.reference is not None
    assert chart.reference < chart.bars[0].y  # higher on screen than the bar
    with pytest.raises(ValueError, match="one value per category"):
        bar_chart(["a"], [])
    with pytest.raises(ValueError, match="finite"):
        bar_chart(["a"], [-1.0])


@st.composite
def stacks(draw: st.DrawFn) -> tuple[list[str], list[list[int]]]:
    names = draw(labels)
    n_series = draw(st.integers(1, 6))
    return names, [
        draw(st.lists(counts, min_size=len(names), max_size=len(names))) for _ in range(n_series)
    ]


def _column(chart: BarChart, bar: Rect, columns: int) -> int:
    slot = (chart.right - chart.left) / columns
    return round((bar.x - chart.left - slot * GAP / 2) / slot)


@given(stacks())
def test_stacked_columns_are_as_tall_as_their_totals(
    data: tuple[list[str], list[list[int]]],
) -> None:
    names, all_series = data
    chart = stacked_columns(names, all_series)
    _inside(chart)
    assert all(bar.value > 0 for bar in chart.bars)  # zero counts draw nothing
    scale = (chart.bottom - chart.ticks[-1].y) / chart.ticks[-1].value
    for c in range(len(names)):
        column = sorted(
            (bar for bar in chart.bars if _column(chart, bar, len(names)) == c),
            key=lambda bar: bar.series,
        )
        total = sum(one[c] for one in all_series)
        assert sum(bar.height for bar in column) == pytest.approx(total * scale, abs=0.05)
        # Segments touch: each starts where the one below it ends, in series order.
        base = chart.bottom
        for bar in column:
            assert bar.label == names[c]
            assert bar.y + bar.height == pytest.approx(base, abs=0.03)
            base = bar.y


@given(stacks())
def test_stacked_rows_share_one_scale(data: tuple[list[str], list[list[int]]]) -> None:
    names, all_series = data
    chart = stacked_rows(names, all_series)
    totals = [sum(one[r] for one in all_series) for r in range(len(names))]
    assert [label.total for label in chart.labels] == totals
    assert [label.text for label in chart.labels] == names
    assert chart.highest == max(totals)
    widths = [0.0] * len(names)
    for bar in chart.segments:
        row = round((bar.y - chart.segments[0].y) / ROW_HEIGHT) + round(
            (chart.segments[0].y - 18) / ROW_HEIGHT
        )
        assert bar.label == names[row]
        assert chart.left - 0.01 <= bar.x
        assert bar.x + bar.width <= chart.right + 0.05
        widths[row] += bar.width
    for total, width in zip(totals, widths, strict=True):
        expected = total / chart.highest * (chart.right - chart.left) if chart.highest else 0
        assert width == pytest.approx(expected, abs=0.1)


def test_rounding_never_pushes_an_edge_past_the_plot() -> None:
    """The case hypothesis found: y and height rounded apart ended 0.01 below the bottom."""
    bar = Rect(337.0, 158.994, 16.29, 17.0055, 2050, "0")
    assert bar.y + bar.height <= 176.0 + 1e-9
    assert (bar.y, bar.height) == (158.99, 17.01)
