"""The dashboard page: the figures of ``core.services.dashboard`` laid out as charts.

The geometry comes from ``haven.rules.charts``; templates draw it as inline SVG, each chart
with a title and a description for screen readers and the table of its numbers beneath.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from haven.core.models import Stay
from haven.core.services.dashboard import (
    CostRow,
    Dashboard,
    Deadline,
    Table,
    tables,
    week_label,
)
from haven.rules.charts import BarChart, RowChart, bar_chart, stacked_columns, stacked_rows


@dataclass(frozen=True)
class SmallChart:
    """One of a row of small charts (one per shelter)."""

    key: str
    title: str
    description: str
    chart: BarChart


@dataclass(frozen=True)
class Legend:
    series: int
    label: str


@dataclass(frozen=True)
class CostChart:
    row: CostRow
    description: str
    chart: BarChart | None  # None: no rent recorded for the shelter

    @property
    def key(self) -> str:
        return f"cost-{self.row.shelter.public_id}"


@dataclass(frozen=True)
class DashboardPage:
    board: Dashboard
    tables: dict[str, Table]
    occupancy: tuple[SmallChart, ...]
    waitlist: SmallChart
    waits: SmallChart
    deadlines: RowChart
    deadline_legend: tuple[Legend, ...]
    outcomes: BarChart
    outcome_legend: tuple[Legend, ...]
    costs: tuple[CostChart, ...]

    @property
    def occupied_tonight(self) -> float | None:
        return self.board.network_occupancy[-1]

    @property
    def waitlist_charts(self) -> tuple[SmallChart, SmallChart]:
        return self.waitlist, self.waits


def _week_labels(board: Dashboard) -> list[str]:
    return [week_label(week) for week in board.weeks]


def _occupancy(board: Dashboard) -> tuple[SmallChart, ...]:
    labels = _week_labels(board)
    charts = []
    for row in board.occupancy:
        name = row.shelter.name
        charts.append(
            SmallChart(
                f"occupancy-{row.shelter.public_id}",
                name,
                _(
                    "%(shelter)s, %(beds)s beds: share of bed-nights occupied in each of the last "
                    "%(weeks)s weeks, from 0 to 100%%."
                )
                % {"shelter": name, "beds": row.beds, "weeks": len(labels)},
                bar_chart(labels, list(row.percents), top=100),
            )
        )
    return tuple(charts)


def _waitlist(board: Dashboard) -> tuple[SmallChart, SmallChart]:
    labels = _week_labels(board)
    waiting = SmallChart(
        "waitlist",
        _("Accepted and waiting for a bed"),
        _("People accepted and not yet checked in at the end of each week."),
        bar_chart(labels, [float(week.waiting) for week in board.waitlist]),
    )
    waits = SmallChart(
        "waits",
        _("Median wait in days"),
        _(
            "For the people checked in each week, the median number of days from the decision "
            "to accept them to their check-in. Weeks with no check-in have no bar."
        ),
        bar_chart(labels, [week.median_wait for week in board.waitlist]),
    )
    return waiting, waits


def _costs(board: Dashboard) -> tuple[CostChart, ...]:
    labels = [date_format(month.first, "M") for month in board.cost_months]
    charts = []
    for row in board.costs:
        if row.rent is None:
            charts.append(CostChart(row, "", None))
            continue
        values = [None if m.per_night is None else float(m.per_night) for m in row.months]
        at_full = row.months[-1].at_full if row.months else None
        description = _(
            "%(shelter)s: rent divided by the bed-nights occupied in each of the last "
            "%(months)s months, in %(currency)s. The line is the cost with every bed taken."
        ) % {
            "shelter": row.shelter.name,
            "months": len(labels),
            "currency": row.shelter.rent_currency,
        }
        reference = None if at_full is None else float(at_full)
        charts.append(CostChart(row, description, bar_chart(labels, values, reference=reference)))
    return tuple(charts)


def build_page(board: Dashboard) -> DashboardPage:
    waitlist, waits = _waitlist(board)
    deadline_labels = Deadline.labels()
    outcome_labels = dict(Stay.Outcome.choices)
    return DashboardPage(
        board=board,
        tables={table.key: table for table in tables(board)},
        occupancy=_occupancy(board),
        waitlist=waitlist,
        waits=waits,
        deadlines=stacked_rows(
            [row.shelter.name for row in board.deadlines],
            [[row.counts[band] for row in board.deadlines] for band in Deadline.ALL],
        ),
        deadline_legend=tuple(
            Legend(index, deadline_labels[band]) for index, band in enumerate(Deadline.ALL)
        ),
        outcomes=stacked_columns(
            [date_format(month.first, "M") for month in board.months],
            [[counts[outcome] for counts in board.outcomes] for outcome in Stay.Outcome.values],
        ),
        outcome_legend=tuple(
            Legend(index, str(outcome_labels[outcome]))
            for index, outcome in enumerate(Stay.Outcome.values)
        ),
        costs=_costs(board),
    )
