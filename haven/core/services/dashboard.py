"""The network dashboard's figures, for network admins (read-only).

Each figure is one query whose rows are bounded by what happened in its window, never by
the whole history, and is counted in Python by ``haven.rules.periods``:

- occupancy: the stays overlapping the window (shelter, check-in, check-out), counted into
  bed-nights per shelter and week, over the beds in service now;
- waitlist: accepted applications (decision time, first check-in) that were still waiting at
  some point of the window, counted at the end of each week; waits from decision to first
  check-in of those placed in each week;
- legal deadlines: the stored clock of every current resident, recomputed in memory where it
  was not computed today (as the clock board does);
- outcomes: check-outs per month and outcome, grouped by the database;
- cost per bed-night: each shelter's monthly rent over the bed-nights occupied in each of the
  last whole months (from the occupancy query), in the rent's own currency.

About ten queries in all, whatever the size of the network (docs/dashboard.md). ``tables``
turns the figures into the tables the page shows and the exports download.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Min, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from haven.core.models import Application, Bed, ClockStatus, Person, Shelter, Stay
from haven.core.services.legal import evaluate_clocks, local_today, resident_status
from haven.rules.money import cost_per_night, to_major
from haven.rules.periods import (
    Period,
    Wait,
    median,
    months_before,
    months_to,
    occupied_nights,
    placed_in,
    waiting_at_end,
    weeks_to,
)

WEEKS = 12
OUTCOME_MONTHS = 6
COST_MONTHS = 3
ACCEPTED = (Application.Status.ACCEPTED, Application.Status.PLACED, Application.Status.EXITED)


class Deadline:
    """Bands of the legal-deadline figure, in the order they are drawn."""

    OVERSTAY = "overstay"
    WEEK = "0_7"
    TWO_WEEKS = "8_14"
    MONTH = "15_30"
    LATER = "later"
    NO_DATE = "no_date"
    ALL = (OVERSTAY, WEEK, TWO_WEEKS, MONTH, LATER, NO_DATE)
    LIMITS = ((WEEK, 7), (TWO_WEEKS, 14), (MONTH, 30))

    @classmethod
    def band(cls, status: str, days_left: int | None) -> str:
        if status == ClockStatus.OVERSTAY or (days_left is not None and days_left < 0):
            return cls.OVERSTAY
        if status != ClockStatus.OK or days_left is None:
            return cls.NO_DATE
        return next((band for band, limit in cls.LIMITS if days_left <= limit), cls.LATER)

    @classmethod
    def labels(cls) -> dict[str, str]:
        return {
            cls.OVERSTAY: _("Past the last legal day"),
            cls.WEEK: _("0 to 7 days left"),
            cls.TWO_WEEKS: _("8 to 14 days left"),
            cls.MONTH: _("15 to 30 days left"),
            cls.LATER: _("More than 30 days left"),
            cls.NO_DATE: _("No date: needs a caseworker check"),
        }


@dataclass(frozen=True)
class OccupancyRow:
    shelter: Shelter
    beds: int
    nights: tuple[int, ...]  # occupied bed-nights per week
    capacity: tuple[int, ...]  # beds in service x nights of the week

    @property
    def percents(self) -> tuple[float | None, ...]:
        return tuple(
            100 * n / c if c else None for n, c in zip(self.nights, self.capacity, strict=True)
        )


@dataclass(frozen=True)
class WaitlistWeek:
    week: Period
    waiting: int  # accepted and not checked in at the end of the week
    placed: int  # first check-ins during the week
    median_wait: float | None  # days from decision to check-in of those placed


@dataclass(frozen=True)
class DeadlineRow:
    shelter: Shelter
    counts: dict[str, int]  # Deadline band -> residents

    @property
    def residents(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class CostMonth:
    month: Period
    nights: int
    per_night: Decimal | None  # in the rent's currency, major units; None: no night occupied
    at_full: Decimal | None  # what a bed-night would cost with every bed taken every night


@dataclass(frozen=True)
class CostRow:
    shelter: Shelter
    beds: int
    months: tuple[CostMonth, ...]

    @property
    def rent(self) -> Decimal | None:
        shelter = self.shelter
        if shelter.monthly_rent is None:
            return None
        return to_major(shelter.monthly_rent, shelter.rent_currency)


@dataclass(frozen=True)
class Dashboard:
    today: date
    weeks: tuple[Period, ...]
    occupancy: tuple[OccupancyRow, ...]
    waitlist: tuple[WaitlistWeek, ...]
    waiting_now: int
    median_wait: float | None  # over everyone placed in the weeks shown
    placed: int
    deadlines: tuple[DeadlineRow, ...]
    months: tuple[Period, ...]
    outcomes: tuple[dict[str, int], ...]  # per month: Stay.Outcome value -> check-outs
    cost_months: tuple[Period, ...]
    costs: tuple[CostRow, ...]

    @property
    def network_occupancy(self) -> tuple[float | None, ...]:
        nights = [sum(row.nights[i] for row in self.occupancy) for i in range(len(self.weeks))]
        capacity = [sum(row.capacity[i] for row in self.occupancy) for i in range(len(self.weeks))]
        return tuple(100 * n / c if c else None for n, c in zip(nights, capacity, strict=True))

    @property
    def deadline_totals(self) -> dict[str, int]:
        return {band: sum(row.counts[band] for row in self.deadlines) for band in Deadline.ALL}

    @property
    def urgent(self) -> int:
        """Residents past their last legal day or with 7 days or fewer left."""
        totals = self.deadline_totals
        return totals[Deadline.OVERSTAY] + totals[Deadline.WEEK]


def _today() -> date:
    """The dashboard's today: the date in UTC (the network spans several time zones)."""
    return local_today(None)


def load_dashboard(today: date | None = None) -> Dashboard:
    """Every figure of the dashboard as of ``today`` (default: the UTC date)."""
    today = today or _today()
    weeks = weeks_to(today, WEEKS)
    months = months_to(today, OUTCOME_MONTHS)
    cost_months = months_before(today, COST_MONTHS)
    shelters = list(Shelter.objects.select_related("country"))  # by country, city, name
    beds: dict[int, int] = defaultdict(int)
    beds.update(
        Bed.objects.filter(in_service=True)
        .values("room__shelter_id")
        .annotate(n=Count("pk"))
        .values_list("room__shelter_id", "n")
        .order_by()
    )
    stays = _stays_by_shelter(min(weeks[0].first, cost_months[0].first), today)
    occupancy = tuple(
        OccupancyRow(
            shelter,
            beds[shelter.pk],
            tuple(occupied_nights(stays[shelter.pk], weeks)),
            tuple(beds[shelter.pk] * week.days for week in weeks),
        )
        for shelter in shelters
    )
    waits = _waits(weeks[0].first, today)
    waitlist = tuple(
        WaitlistWeek(
            week,
            waiting_at_end(week.last, waits),
            len(days := placed_in(week, waits)),
            median(days),
        )
        for week in weeks
    )
    all_days = placed_in(Period(weeks[0].first, today), waits)
    return Dashboard(
        today=today,
        weeks=tuple(weeks),
        occupancy=occupancy,
        waitlist=waitlist,
        waiting_now=waiting_at_end(today, waits),
        median_wait=median(all_days),
        placed=len(all_days),
        deadlines=_deadlines(shelters),
        months=tuple(months),
        outcomes=_outcomes(months),
        cost_months=tuple(cost_months),
        costs=tuple(
            _costs(shelter, beds[shelter.pk], stays[shelter.pk], cost_months)
            for shelter in shelters
        ),
    )


def _stays_by_shelter(first: date, last: date) -> dict[int, list[tuple[date, date | None]]]:
    """(check-in, check-out) of every stay with a night between ``first`` and ``last``."""
    rows = (
        Stay.objects.filter(check_in__lte=last)
        .filter(Q(check_out__isnull=True) | Q(check_out__gt=first))
        .values_list("bed__room__shelter_id", "check_in", "check_out")
    )
    stays: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    for shelter_id, check_in, check_out in rows:
        stays[shelter_id].append((check_in, check_out))
    return stays


def _local_day(moment: datetime, zone: str | None) -> date:
    return timezone.localtime(moment, zoneinfo.ZoneInfo(zone or "UTC")).date()


def _waits(first: date, today: date) -> list[Wait]:
    """Accepted applications that waited at some point from ``first`` on: the day of the
    decision (in the host country) and of the first check-in, if any.

    Erased people are gone from these figures, past weeks included (docs/dashboard.md).
    """
    rows = (
        Application.objects.filter(status__in=ACCEPTED, decided_at__isnull=False)
        .annotate(placed_on=Min("person__stays__check_in"))
        .filter(Q(placed_on__isnull=True) | Q(placed_on__gte=first))
        .values_list("decided_at", "host_country__timezone", "placed_on")
        .order_by()
    )
    waits = []
    for decided_at, zone, placed_on in rows:
        assert decided_at is not None  # filtered above
        accepted_on = _local_day(decided_at, zone)
        if accepted_on <= today:
            waits.append(Wait(accepted_on, placed_on))
    return waits


def _deadlines(shelters: Sequence[Shelter]) -> tuple[DeadlineRow, ...]:
    """Current residents per shelter and band of days left until their last legal day."""
    rows = (
        Stay.objects.active()
        .heads()
        .values_list(
            "bed__room__shelter_id",
            "person_id",
            "person__clock__status",
            "person__clock__days_left",
            "person__clock__present",
            "person__clock__computed_on",
            "person__clock__country__timezone",
        )
    )
    counts: dict[int, dict[str, int]] = {s.pk: dict.fromkeys(Deadline.ALL, 0) for s in shelters}
    today_in: dict[str | None, date] = {}
    stale: list[tuple[int, int]] = []
    for shelter_id, person_id, status, days_left, present, computed_on, zone in rows:
        if zone not in today_in:
            today_in[zone] = _local_day(timezone.now(), zone)
        if status is None or computed_on != today_in[zone]:
            stale.append((shelter_id, person_id))
            continue
        counts[shelter_id][Deadline.band(resident_status(status, present), days_left)] += 1
    if stale:
        people = Person.objects.filter(pk__in=[pk for _, pk in stale]).only("pk", "nationality")
        clocks = evaluate_clocks(people)
        for shelter_id, person_id in stale:
            clock = clocks[person_id]
            days_left = clock.result.days_left if clock.result else None
            band = Deadline.band(resident_status(clock.status, clock.present), days_left)
            counts[shelter_id][band] += 1
    return tuple(DeadlineRow(shelter, counts[shelter.pk]) for shelter in shelters)


def _outcomes(months: Sequence[Period]) -> tuple[dict[str, int], ...]:
    """Check-outs per month and outcome (one GROUP BY)."""
    per_month = [dict.fromkeys(Stay.Outcome.values, 0) for _ in months]
    rows = (
        Stay.objects.filter(check_out__gte=months[0].first, check_out__lte=months[-1].last)
        .annotate(month=TruncMonth("check_out"))
        .values("month", "outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    starts = {month.first: index for index, month in enumerate(months)}
    for row in rows:
        counts = per_month[starts[row["month"]]]
        outcome = row["outcome"] or Stay.Outcome.UNKNOWN
        counts[outcome] = counts.get(outcome, 0) + row["n"]
    return tuple(per_month)


def _costs(
    shelter: Shelter,
    beds: int,
    stays: Sequence[tuple[date, date | None]],
    months: Sequence[Period],
) -> CostRow:
    nights = occupied_nights(stays, months)
    rent, currency = shelter.monthly_rent, shelter.rent_currency
    cost_months = []
    for month, occupied in zip(months, nights, strict=True):
        if rent is None:
            cost_months.append(CostMonth(month, occupied, None, None))
            continue
        per_night = cost_per_night(rent, occupied)
        at_full = cost_per_night(rent, beds * month.days)
        cost_months.append(
            CostMonth(
                month,
                occupied,
                None if per_night is None else to_major(per_night, currency),
                None if at_full is None else to_major(at_full, currency),
            )
        )
    return CostRow(shelter, beds, tuple(cost_months))


# ------------------------------------------------------------------------------------------
# Tables: what the page shows under each chart and what the aggregate exports hold

Cell = str | int | float | Decimal | date | None


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    total: tuple[Cell, ...] | None = None  # a last row for the whole network

    @property
    def all_rows(self) -> tuple[tuple[Cell, ...], ...]:
        return self.rows + ((self.total,) if self.total is not None else ())


def week_label(week: Period) -> str:
    return date_format(week.first, "j M")


def month_label(month: Period) -> str:
    return date_format(month.first, "F Y")


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _occupancy_table(board: Dashboard) -> Table:
    return Table(
        "occupancy",
        _("Share of bed-nights occupied, by shelter and week, in per cent"),
        (_("Shelter"), _("Beds"), *(week_label(week) for week in board.weeks)),
        tuple(
            (row.shelter.name, row.beds, *(_percent(p) for p in row.percents))
            for row in board.occupancy
        ),
        (
            _("Whole network"),
            sum(row.beds for row in board.occupancy),
            *(_percent(p) for p in board.network_occupancy),
        ),
    )


def _waitlist_table(board: Dashboard) -> Table:
    return Table(
        "waitlist",
        _("Waitlist and waits by week"),
        (
            _("Week from"),
            _("Waiting at the end of the week"),
            _("Checked in"),
            _("Median wait (days)"),
        ),
        tuple(
            (week.week.first, week.waiting, week.placed, week.median_wait)
            for week in board.waitlist
        ),
    )


def _deadline_table(board: Dashboard) -> Table:
    labels = Deadline.labels()
    totals = board.deadline_totals
    return Table(
        "deadlines",
        _("Residents by days left until their last legal day"),
        (_("Shelter"), _("Residents"), *(labels[band] for band in Deadline.ALL)),
        tuple(
            (row.shelter.name, row.residents, *(row.counts[band] for band in Deadline.ALL))
            for row in board.deadlines
        ),
        (_("Whole network"), sum(totals.values()), *(totals[band] for band in Deadline.ALL)),
    )


def _outcome_table(board: Dashboard) -> Table:
    return Table(
        "outcomes",
        _("Check-outs by month and outcome"),
        (_("Month"), *(str(label) for _, label in Stay.Outcome.choices), _("All check-outs")),
        tuple(
            (month_label(month), *(counts[o] for o in Stay.Outcome.values), sum(counts.values()))
            for month, counts in zip(board.months, board.outcomes, strict=True)
        ),
    )


def _cost_table(board: Dashboard) -> Table:
    columns: list[str] = [_("Shelter"), _("Currency"), _("Monthly rent"), _("Beds")]
    for month in board.cost_months:
        label = month_label(month)
        columns += [
            _("%(month)s: occupied bed-nights") % {"month": label},
            _("%(month)s: cost per bed-night") % {"month": label},
        ]
    columns.append(_("Cost per bed-night with every bed taken (last month)"))
    rows = []
    for row in board.costs:
        cells: list[Cell] = [row.shelter.name, row.shelter.rent_currency, row.rent, row.beds]
        for cost in row.months:
            cells += [cost.nights, cost.per_night]
        cells.append(row.months[-1].at_full if row.months else None)
        rows.append(tuple(cells))
    return Table("costs", _("Cost per occupied bed-night"), tuple(columns), tuple(rows))


def tables(board: Dashboard) -> tuple[Table, ...]:
    """The dashboard's tables, in the order of the page (headers in the active language)."""
    return (
        _occupancy_table(board),
        _waitlist_table(board),
        _deadline_table(board),
        _outcome_table(board),
        _cost_table(board),
    )


TABLE_KEYS = ("occupancy", "waitlist", "deadlines", "outcomes", "costs")
