"""The geometry of the dashboard's charts: where each bar, tick and label goes.

Pure: values in, coordinates out. Templates draw the shapes as inline SVG (no script, no
style attribute, so the strict Content-Security-Policy holds) and format the numbers in the
reader's language. Coordinates are in SVG user units; charts are ``WIDTH`` units wide so that
on a 390 px phone one unit is about one pixel and 12-unit text stays readable.

Three shapes:

- ``bar_chart``: one bar per category (a week, a month), with a value axis from 0;
- ``stacked_columns``: several series stacked in each category (outcomes per month);
- ``stacked_rows``: one horizontal bar per row (a shelter), its segments side by side, the
  row's label above the bar so that long names need no margin.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "CHAR_WIDTH",
    "RIGHT",
    "WIDTH",
    "BarChart",
    "Rect",
    "RowChart",
    "Tick",
    "XLabel",
    "bar_chart",
    "label_step",
    "nice_ticks",
    "stacked_columns",
    "stacked_rows",
]

WIDTH = 360
CHAR_WIDTH = 7.0  # a generous width of one character of 12-unit text
RIGHT = 4  # space right of the plot
TOP = 10
BOTTOM = 24  # room for the category labels
GAP = 0.25  # the share of each category's slot left empty between bars


@dataclass(frozen=True)
class Rect:
    """A bar or a segment; edges rounded to 0.01 of a unit (plenty for a screen)."""

    x: float
    y: float
    width: float
    height: float
    value: float
    label: str  # the category (or row) it stands in
    series: int = 0  # which series (a colour) it belongs to

    def __post_init__(self) -> None:
        # Round the edges, not the sizes: rounding y and height separately could push the far
        # edge 0.01 past the plot (hypothesis found a stacked column ending at 176.01 of 176).
        right = round(self.x + self.width, 2)
        bottom = round(self.y + self.height, 2)
        object.__setattr__(self, "x", round(self.x, 2))
        object.__setattr__(self, "y", round(self.y, 2))
        object.__setattr__(self, "width", round(right - self.x, 2))
        object.__setattr__(self, "height", round(bottom - self.y, 2))


@dataclass(frozen=True)
class Tick:
    y: float
    value: float


@dataclass(frozen=True)
class XLabel:
    x: float  # the middle of the category, or the right end of a label that would overflow
    text: str
    anchor: str = "middle"  # SVG text-anchor: "middle", or "end" at the right edge


@dataclass(frozen=True)
class BarChart:
    width: float
    height: float
    left: float
    bottom: float  # the y of the value axis' 0
    right: float
    top: float  # the y of the highest tick
    bars: tuple[Rect, ...]
    ticks: tuple[Tick, ...]
    labels: tuple[XLabel, ...]
    reference: float | None = None  # the y of a reference line, if any

    @property
    def tick_x(self) -> float:
        """Where tick labels end (right-aligned), just left of the plot."""
        return self.left - 4

    @property
    def label_y(self) -> float:
        """The baseline of the category labels, under the plot."""
        return self.height - 6


def nice_ticks(highest: float, *, count: int = 4) -> list[float]:
    """Tick values from 0 to at least ``highest`` in about ``count`` steps of 1, 2, 2.5 or 5
    times a power of ten. ``highest`` 0 (nothing to show) gives 0 and 1."""
    if highest < 0 or not math.isfinite(highest):
        raise ValueError("ticks start at 0 and end at a finite value")
    if highest < 1e-9:  # nothing worth an axis of its own
        return [0.0, 1.0]
    rough = highest / count
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= rough)
    steps = math.ceil(highest / step - 1e-9)
    digits = max(0, 2 - math.floor(math.log10(step)))  # drop float noise, keep the step
    return [round(step * n, digits) for n in range(steps + 1)]


def label_step(categories: Sequence[str], slot: float) -> int:
    """Label every n-th category so that labels ``slot`` units apart never overlap."""
    longest = max((len(text) for text in categories), default=0)
    needed = longest * CHAR_WIDTH + 4
    return max(1, math.ceil(needed / slot)) if slot > 0 else 1


def _left(ticks: Sequence[float]) -> float:
    """Room for the value axis labels: the longest tick with a thousands separator."""
    longest = max(len(f"{int(t):,}" if t == int(t) else f"{t:,}") for t in ticks)
    return 10 + CHAR_WIDTH * longest


def _frame(count: int, height: float, left: float) -> tuple[float, float, float]:
    """Plot area (top, slot width, bottom) for ``count`` categories."""
    plot_width = WIDTH - left - RIGHT
    return TOP, plot_width / max(count, 1), height - BOTTOM


def _labels(categories: Sequence[str], left: float, slot: float) -> tuple[XLabel, ...]:
    """Every n-th label, counted from the newest (the last category is always labelled).

    A label that would run past the right edge ends at it instead; an older label it would
    then overlap is left out.
    """
    step = label_step(categories, slot)
    labels: list[XLabel] = []
    free_until = float(WIDTH)  # labels are placed right to left; none may reach past this
    for index in range(len(categories) - 1, -1, -step):
        text = categories[index]
        width = len(text) * CHAR_WIDTH
        middle = left + slot * (index + 0.5)
        if middle + width / 2 > WIDTH:
            label, start = XLabel(WIDTH - 1, text, "end"), WIDTH - 1 - width
        else:
            label, start = XLabel(middle, text), middle - width / 2
        if start + width > free_until:
            continue
        labels.append(label)
        free_until = start - 4
    return tuple(reversed(labels))


def _columns(
    categories: Sequence[str],
    series: Sequence[Sequence[float | None]],
    *,
    height: float,
    ticks: Sequence[float],
    reference: float | None = None,
) -> BarChart:
    """Columns of bars stacked from the bottom in series order; None draws nothing."""
    axis_top = ticks[-1]
    left = _left(ticks)
    plot_top, slot, bottom = _frame(len(categories), height, left)
    scale = (bottom - plot_top) / axis_top
    bars = []
    for c, name in enumerate(categories):
        base = bottom
        for s, one in enumerate(series):
            value = one[c]
            if value is None:
                continue
            bar_height = min(value, axis_top) * scale
            base -= bar_height
            bars.append(
                Rect(
                    x=left + slot * c + slot * GAP / 2,
                    y=base,
                    width=slot * (1 - GAP),
                    height=bar_height,
                    value=value,
                    label=name,
                    series=s,
                )
            )
    return BarChart(
        width=WIDTH,
        height=height,
        left=left,
        bottom=bottom,
        right=WIDTH - RIGHT,
        top=plot_top,
        bars=tuple(bars),
        ticks=tuple(Tick(bottom - tick * scale, tick) for tick in ticks),
        labels=_labels(categories, left, slot),
        reference=None if reference is None else bottom - min(reference, axis_top) * scale,
    )


def bar_chart(
    categories: Sequence[str],
    values: Sequence[float | None],
    *,
    height: float = 180,
    top: float | None = None,
    reference: float | None = None,
) -> BarChart:
    """One bar per category; a None value draws no bar (no data, not zero).

    ``top`` fixes the value axis' end (e.g. 100 for percentages); otherwise it is the
    highest tick covering the values and ``reference``.
    """
    if len(categories) != len(values):
        raise ValueError("one value per category")
    if any(v is not None and (v < 0 or not math.isfinite(v)) for v in values):
        raise ValueError("bars are drawn for finite values of 0 or more")
    highest = max([v for v in values if v is not None] + [reference or 0.0], default=0.0)
    ticks = nice_ticks(highest if top is None else top)
    return _columns(categories, [values], height=height, ticks=ticks, reference=reference)


def stacked_columns(
    categories: Sequence[str], series: Sequence[Sequence[int]], *, height: float = 200
) -> BarChart:
    """Columns of stacked counts: ``series[s][c]`` is series ``s`` in category ``c``, drawn
    from the bottom in series order. Zero counts draw nothing."""
    if any(len(one) != len(categories) for one in series):
        raise ValueError("every series has one count per category")
    if any(n < 0 for one in series for n in one):
        raise ValueError("counts are 0 or more")
    totals = [sum(one[c] for one in series) for c in range(len(categories))]
    drawn = [[n or None for n in one] for one in series]
    return _columns(categories, drawn, height=height, ticks=nice_ticks(max(totals, default=0)))


@dataclass(frozen=True)
class RowLabel:
    y: float  # the text's baseline
    text: str
    total: int


@dataclass(frozen=True)
class RowChart:
    width: float
    height: float
    left: float
    right: float
    segments: tuple[Rect, ...]
    labels: tuple[RowLabel, ...]
    highest: int  # the count a full-width bar stands for


ROW_HEIGHT = 38
BAR_HEIGHT = 16


def stacked_rows(labels: Sequence[str], series: Sequence[Sequence[int]]) -> RowChart:
    """One bar per label, its segments ``series[s][row]`` left to right in series order; the
    longest bar spans the width and the others are to the same scale."""
    if any(len(one) != len(labels) for one in series):
        raise ValueError("every series has one count per row")
    if any(n < 0 for one in series for n in one):
        raise ValueError("counts are 0 or more")
    totals = [sum(one[r] for one in series) for r in range(len(labels))]
    highest = max(totals, default=0)
    left, right = 4.0, WIDTH - 4.0
    scale = (right - left) / highest if highest else 0.0
    segments = []
    for r in range(len(labels)):
        x = left
        bar_y = r * ROW_HEIGHT + 18
        for s, one in enumerate(series):
            if one[r] == 0:
                continue
            width = one[r] * scale
            segments.append(Rect(x, bar_y, width, BAR_HEIGHT, one[r], labels[r], series=s))
            x += width
    return RowChart(
        width=WIDTH,
        height=max(len(labels), 1) * ROW_HEIGHT + 4,
        left=left,
        right=right,
        segments=tuple(segments),
        labels=tuple(
            RowLabel(r * ROW_HEIGHT + 13, text, totals[r]) for r, text in enumerate(labels)
        ),
        highest=highest,
    )
