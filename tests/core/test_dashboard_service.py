"""The dashboard's figures from real stays, decisions and clocks, in a fixed number of queries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from haven.core.models import Application, Stay
from haven.core.services.dashboard import Deadline, Table, load_dashboard, tables
from haven.core.services.legal import refresh_clocks
from haven.core.services.review import accept_application
from haven.core.services.shelters import set_rent
from haven.core.services.stays import check_in, check_out
from tests.conftest import Network, Personas, make_application

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 25)  # a Wednesday: the current week is Monday 23 to today


def at(day: date, hour: int = 9) -> time_machine.travel:
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=UTC), tick=False)


def _accept(personas: Personas, day: date, **answers: object) -> Application:
    with at(day):
        application = make_application(**answers)
        accept_application(application, "Eligible.", actor=personas.reviewer)
    return application


def _stay(
    personas: Personas, application: Application, bed: object, first: date, last: date | None
) -> Stay:
    with at(first):
        stay = check_in(application, bed, first, actor=personas.coordinator)  # type: ignore[arg-type]
    if last is not None:
        with at(last):
            stay = check_out(stay, last, Stay.Outcome.VISA, actor=personas.coordinator)
    return stay


@pytest.fixture
def history(network: Network, personas: Personas) -> dict[str, Application]:
    """Anna waits 6 days and stays; Boris is placed on the day he is accepted and leaves with
    a visa; Vera still waits; Gleb stayed in Astana through October and moved on."""
    anna = _accept(personas, date(2026, 11, 10), display_name="Anna", entered_on=date(2026, 8, 30))
    boris = _accept(personas, date(2026, 11, 10), display_name="Boris")
    vera = _accept(personas, date(2026, 11, 12), display_name="Vera")
    gleb = _accept(personas, date(2026, 9, 28), display_name="Gleb")
    _stay(personas, boris, network.almaty_beds[1], date(2026, 11, 10), date(2026, 11, 18))
    _stay(personas, anna, network.almaty_beds[0], date(2026, 11, 16), None)
    stay = _stay(personas, gleb, network.astana_beds[0], date(2026, 10, 1), None)
    with at(date(2026, 10, 31)):
        check_out(stay, date(2026, 10, 31), Stay.Outcome.MOVED_ON, actor=personas.coordinator)
    with at(date(2026, 11, 20)):
        set_rent(network.almaty, 30_000_000, "KZT", actor=personas.admin)
        set_rent(network.astana, 9_300_000, "KZT", actor=personas.admin)
    return {"anna": anna, "boris": boris, "vera": vera, "gleb": gleb}


def _table(board_tables: tuple[Table, ...], key: str) -> Table:
    return next(table for table in board_tables if table.key == key)


def test_occupancy_counts_bed_nights_per_week(network: Network, history: object) -> None:
    with at(TODAY):
        board = load_dashboard()
    assert board.today == TODAY
    assert board.weeks[-1].first == date(2026, 11, 23)
    assert board.weeks[0].first == date(2026, 9, 7)
    almaty = next(row for row in board.occupancy if row.shelter == network.almaty)
    # Boris: nights of the 10th to the 17th; Anna: from the 16th on.
    assert almaty.nights[-3:] == (6, 2 + 7, 3)
    assert almaty.capacity[-3:] == (21, 21, 9)
    assert almaty.percents[-1] == pytest.approx(100 * 3 / 9)
    astana = next(row for row in board.occupancy if row.shelter == network.astana)
    assert sum(astana.nights) == 30  # Gleb: October 1st to 30th
    assert board.network_occupancy[-1] == pytest.approx(100 * 3 / 18)


def test_waitlist_and_median_wait(history: object) -> None:
    with at(TODAY):
        board = load_dashboard()
    by_week = {week.week.first: week for week in board.waitlist}
    # End of 9-15 November: Anna (placed on the 16th) and Vera wait; Boris was placed.
    assert by_week[date(2026, 11, 9)].waiting == 2
    assert by_week[date(2026, 11, 9)].placed == 1
    assert by_week[date(2026, 11, 9)].median_wait == 0
    assert by_week[date(2026, 11, 16)].waiting == 1
    assert by_week[date(2026, 11, 16)].median_wait == 6
    assert by_week[date(2026, 9, 28)].waiting == 0  # Gleb: accepted the 28th, in on the 1st
    assert by_week[date(2026, 9, 28)].median_wait == 3
    assert board.waiting_now == 1 == Application.objects.waitlist().count()
    assert board.placed == 3
    assert board.median_wait == 3  # of 0, 3 and 6 days


def test_deadlines_use_todays_clock(network: Network, history: object) -> None:
    # Anna entered Kazakhstan on 30 August: her 90th day is 27 November, two days away. Her
    # stored clock was computed at check-in (16 November) and is recomputed for today.
    with at(TODAY):
        board = load_dashboard()
        almaty = next(row for row in board.deadlines if row.shelter == network.almaty)
        assert almaty.counts[Deadline.WEEK] == 1
        assert almaty.residents == 1
        assert board.urgent == 1
        # The same answer from a clock stored today.
        refresh_clocks([history["anna"].person_id])  # type: ignore[index]
        assert load_dashboard().deadlines == board.deadlines


def test_deadline_bands() -> None:
    assert Deadline.band("overstay", -3) == Deadline.OVERSTAY
    assert Deadline.band("ok", 0) == Deadline.WEEK
    assert Deadline.band("ok", 7) == Deadline.WEEK
    assert Deadline.band("ok", 8) == Deadline.TWO_WEEKS
    assert Deadline.band("ok", 30) == Deadline.MONTH
    assert Deadline.band("ok", 31) == Deadline.LATER
    assert Deadline.band("needs_check", None) == Deadline.NO_DATE


def test_outcomes_per_month_and_costs_per_bed_night(network: Network, history: object) -> None:
    with at(TODAY):
        board = load_dashboard()
        board_tables = tables(board)
    months = [month.first for month in board.months]
    assert months == [date(2026, m, 1) for m in range(6, 12)]
    assert board.outcomes[-1][Stay.Outcome.VISA] == 1  # Boris, November
    assert board.outcomes[-2][Stay.Outcome.MOVED_ON] == 1  # Gleb, October
    assert sum(sum(month.values()) for month in board.outcomes) == 2

    assert [month.first for month in board.cost_months] == [
        date(2026, 8, 1),
        date(2026, 9, 1),
        date(2026, 10, 1),
    ]
    astana = next(row for row in board.costs if row.shelter == network.astana)
    assert astana.rent == Decimal("93000.00")
    october = astana.months[-1]
    assert october.nights == 30
    assert october.per_night == Decimal("3100.00")
    assert october.at_full == Decimal("1000.00")  # 93,000 over 3 beds x 31 nights
    almaty = next(row for row in board.costs if row.shelter == network.almaty)
    assert [month.per_night for month in almaty.months] == [None, None, None]  # nobody yet

    costs = _table(board_tables, "costs")
    assert costs.columns[:4] == ("Shelter", "Currency", "Monthly rent", "Beds")
    row = next(row for row in costs.rows if row[0] == network.astana.name)
    assert row[1:4] == ("KZT", Decimal("93000.00"), 3)
    assert row[-3:] == (30, Decimal("3100.00"), Decimal("1000.00"))
    outcomes = _table(board_tables, "outcomes")
    assert outcomes.rows[-1][-1] == 1


def test_the_query_count_does_not_grow_with_the_data(
    network: Network, personas: Personas, history: object
) -> None:
    with at(TODAY), CaptureQueriesContext(connection) as few:
        load_dashboard()
    # Three more people, each with a stay that ended and a new one.
    for n, bed in enumerate(network.astana_beds):
        application = _accept(personas, date(2026, 11, 1), display_name=f"Extra {n}")
        first = date(2026, 11, 2) + timedelta(days=n)
        _stay(personas, application, bed, first, None)
    with at(TODAY), CaptureQueriesContext(connection) as more:
        board = load_dashboard()
    assert sum(row.residents for row in board.deadlines) == 4
    assert len(more) == len(few) <= 10
