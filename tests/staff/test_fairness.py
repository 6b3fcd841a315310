"""The fairness page: priorities and outcomes by group, small groups hidden (admins only)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from haven.core.models import Application, AuditEntry
from haven.core.services.fairness import FairnessReport, GroupRow, fairness_report
from tests.conftest import Personas, login, make_application

FAIRNESS = "/en/staff/fairness/"  # reverse("staff:fairness") under the english fixture
NOW = datetime(2026, 11, 1, 9, tzinfo=UTC)

# priority, status, gender, region, year of birth (ages in 2026, the year they applied)
PEOPLE = [
    (10, "accepted", "man", "central", 2004),  # 22
    (20, "placed", "man", "central", 2001),  # 25
    (30, "rejected", "man", "central", 1997),  # 29
    (40, "submitted", "man", "volga", 1992),  # 34
    (50, "exited", "man", "volga", 1991),  # 35
    (60, "needs_info", "man", "volga", None),
    (70, "accepted", "woman", "central", 1995),  # 31
    (80, "rejected", "woman", "central", 1993),  # 33
    (90, "rejected", "woman", "volga", 1980),  # 46
    (100, "rejection_proposed", "woman", "", 1971),  # 55
    (110, "submitted", "woman", "", 2002),  # 24
    (5, "rejected", "other", "", 1996),  # 30
]


@pytest.fixture
def people(network: Any) -> None:
    with time_machine.travel(NOW, tick=False):
        for i, (priority, status, gender, region, born) in enumerate(PEOPLE):
            application = make_application(
                display_name=f"P{i}", contact=f"@p{i}", gender=gender,
                origin_region=region, birth_year=born,
            )  # fmt: skip
            Application.objects.filter(pk=application.pk).update(priority=priority, status=status)


def _row(report: FairnessReport, grouping: int, key: str) -> GroupRow:
    return next(row for row in report.groupings[grouping].rows if row.key == key)


def _numbers(row: GroupRow) -> tuple[Any, ...]:
    stats = row.stats
    assert stats is not None
    assert stats.summary is not None
    s = stats.summary
    return (
        stats.count,
        round(s.mean, 3),
        s.median,
        s.q1,
        s.q3,
        stats.accepted,
        stats.rejected,
        stats.awaiting,
    )


def test_urls_and_access(personas: Personas) -> None:
    assert reverse("staff:fairness") == FAIRNESS
    assert login(personas.admin).get(FAIRNESS).status_code == 200
    assert login(personas.reviewer).get(FAIRNESS).status_code == 403
    assert login(personas.coordinator).get(FAIRNESS).status_code == 403
    assert login(personas.nobody).get(FAIRNESS).status_code == 404
    assert not AuditEntry.objects.filter(action="fairness.viewed", actor=personas.reviewer)


def test_numbers_by_group_are_exact(people: None) -> None:
    report = fairness_report()

    # count, mean, median, q1, q3, accepted (incl. placed, moved out), rejected, awaiting
    assert _numbers(report.overall) == (12, 55.417, 55, 27.5, 82.5, 4, 4, 4)
    assert report.overall.stats
    assert report.overall.stats.acceptance_rate == 0.5
    men = _row(report, 1, "man")
    assert _numbers(men) == (6, 35, 35, 22.5, 47.5, 3, 1, 2)
    assert men.stats
    assert men.stats.acceptance_rate == 0.75
    assert men.stats.bands == (
        ("0\u201319", 1),
        ("20\u201339", 2),
        ("40\u201359", 2),
        ("60\u201379", 1),
        ("80\u201399", 0),
        ("100\u2013119", 0),
    )
    assert men.stats.sparkline == "▄██▄  "
    central = _row(report, 0, "central")
    assert _numbers(central) == (5, 42, 30, 20, 70, 3, 2, 0)
    assert central.stats
    assert central.stats.acceptance_rate == 0.6
    # Ages 25 (born 2001) to 34 (born 1992), in the year they applied.
    adults = _row(report, 2, "25_34")
    assert _numbers(adults) == (6, 40.833, 35, 22.5, 62.5, 2, 3, 1)


def test_small_groups_show_no_numbers(people: None) -> None:
    report = fairness_report()

    regions = {row.key: (row.stats is None, row.small) for row in report.groupings[0].rows}
    assert regions["central"] == (False, False)
    assert regions["volga"] == (True, True)  # 4 applications
    assert regions[""] == (True, True)  # region not given: 3
    assert regions["far_east"] == (True, True)  # none: "fewer than 5" never tells 0 from 4
    genders = {row.key: (row.stats is None, row.small) for row in report.groupings[1].rows}
    # "other" (1) alone would be 12 - 6 - 5: the next smallest group (women, 5) hides too.
    assert genders == {"man": (False, False), "woman": (True, False), "other": (True, True)}
    ages = {row.key for row in report.groupings[2].rows if row.stats is not None}
    assert ages == {"25_34"}


def test_page_shows_the_numbers_and_hides_small_groups(personas: Personas, people: None) -> None:
    html = login(personas.admin).get(FAIRNESS).content.decode()
    rows = {
        label.strip(): re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cells)).strip()
        for label, cells in re.findall(
            r'<tr>\s*<th scope="row">([^<]+)</th>(.*?)</tr>', html, flags=re.S
        )
    }
    men = "6 35.0 35 22.5–47.5 ▄██▄ 0–19: 1; 20–39: 2; 40–59: 2; 60–79: 1; 80–99: 0; 100–119: 0"
    assert rows["Man"] == men + " 75% of 4 2"
    assert rows["Central Russia (including Moscow)"].startswith("5 42.0 30 20–70 ")
    assert rows["Central Russia (including Moscow)"].endswith(" 60% of 5 0")
    assert rows["25 to 34"].startswith("6 40.8 35 22.5–62.5 ")
    assert rows["All applications"].startswith("12 55.4 55 27.5–82.5 ")
    assert rows["All applications"].endswith(" 50% of 8 4")
    assert rows["Other or prefer not to say"] == "fewer than 5"
    assert rows["Volga region"] == "fewer than 5"
    assert rows["Not given"] == "fewer than 5"
    assert rows["Woman"].startswith("hidden, so that a group of fewer than 5 cannot be worked out")
    entry = AuditEntry.objects.get(action="fairness.viewed")
    assert (entry.actor, entry.data) == (personas.admin, {"applications": 12})


def test_query_count_does_not_grow_with_applications(
    personas: Personas, django_assert_max_num_queries: Any
) -> None:
    client = login(personas.admin)
    counts = []
    for batch in (5, 25):
        for i in range(batch):
            make_application(display_name=f"N{batch}-{i}", dependants=i % 4)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(FAIRNESS).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    # session, user, device, memberships, the one GROUP BY, and the audit entry (savepoint,
    # chain head lock, insert, head update, release): the same for a million applications.
    with django_assert_max_num_queries(10):
        client.get(FAIRNESS)
