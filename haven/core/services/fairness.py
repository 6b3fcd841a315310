"""Priorities and outcomes by group, for the network admins' fairness audit (read-only).

Scoring instruments fail (VI-SPDAT: weak reliability, score gaps by race), so admins check
whether priorities and decisions differ by region of origin, gender and age. One GROUP BY over
every application (joined to its person) counts applications per (region, gender, age band,
priority) with their outcomes; Python folds those rows into the three groupings. There are at
most groups x distinct priorities rows, whatever the number of applications, and the database
reads the table once. Groups too small to show are decided in ``haven.rules.fairness``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Count, ExpressionWrapper, F, IntegerField, Q, Value
from django.db.models.functions import Cast, ExtractYear
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from haven.core.models import Application, OriginRegion, Person
from haven.rules.fairness import (
    MIN_GROUP,
    Summary,
    band_counts,
    sparkline,
    summarise,
    suppressed,
)

Status = Application.Status
ACCEPTED = (Status.ACCEPTED, Status.PLACED, Status.EXITED)
REJECTED = (Status.REJECTED,)
AWAITING = (Status.SUBMITTED, Status.NEEDS_INFO, Status.REJECTION_PROPOSED)
BAND_WIDTH = 20  # priority points per bar of the distribution


class AgeBand(models.TextChoices):
    """Age in the year the application was submitted (year minus year of birth)."""

    UNDER_25 = "under_25", _("Under 25")
    FROM_25 = "25_34", _("25 to 34")
    FROM_35 = "35_44", _("35 to 44")
    FROM_45 = "45_54", _("45 to 54")
    FROM_55 = "55_plus", _("55 and over")
    UNKNOWN = "unknown", _("Year of birth not given")


@dataclass
class _Tally:
    histogram: Counter[int] = field(default_factory=Counter)
    accepted: int = 0
    rejected: int = 0
    awaiting: int = 0

    def add(self, row: Mapping[str, int]) -> None:
        self.histogram[row["priority"]] += row["n"]
        self.accepted += row["accepted"]
        self.rejected += row["rejected"]
        self.awaiting += row["awaiting"]

    @property
    def count(self) -> int:
        return sum(self.histogram.values())


@dataclass(frozen=True)
class GroupStats:
    count: int
    summary: Summary | None  # None for a group with no applications
    accepted: int  # accepted, placed or moved out
    rejected: int
    awaiting: int  # waiting for a decision (submitted, question asked, rejection proposed)
    bands: tuple[tuple[str, int], ...]  # ("0-19", applications), ... per BAND_WIDTH points

    @property
    def decided(self) -> int:
        return self.accepted + self.rejected

    @property
    def acceptance_rate(self) -> float | None:
        """Accepted / (accepted + rejected); None before any decision."""
        return self.accepted / self.decided if self.decided else None

    @property
    def acceptance_percent(self) -> float | None:
        rate = self.acceptance_rate
        return None if rate is None else 100 * rate

    @property
    def sparkline(self) -> str:
        return sparkline(tuple(n for _, n in self.bands))

    @property
    def bands_text(self) -> str:
        """The distribution in words, for screen readers: "0-19: 3; 20-39: 5; ..."."""
        return "; ".join(f"{label}: {n}" for label, n in self.bands)


@dataclass(frozen=True)
class GroupRow:
    """``stats`` is None when the group's numbers are hidden: it has fewer than ``MIN_GROUP``
    applications (``small``), or it is the next smallest group, hidden so that a lone small
    group cannot be worked out from the total.
    """

    key: str
    label: str | Promise
    stats: GroupStats | None
    small: bool = False


@dataclass(frozen=True)
class Grouping:
    title: Promise
    rows: tuple[GroupRow, ...]


@dataclass(frozen=True)
class FairnessReport:
    overall: GroupRow
    groupings: tuple[Grouping, ...]
    band_labels: tuple[str, ...]  # "0-19", "20-39", ...: the bars of every distribution

    @property
    def total(self) -> int:
        return self.overall.stats.count if self.overall.stats else 0


def _counts() -> list[dict[str, Any]]:
    """Applications per (region, gender, age decade, priority), with outcomes: one query.

    The age is grouped as ``(age - 15) // 10`` (None: year of birth not given) and folded into
    bands by ``_age_band``: one year extraction and integer arithmetic per row, about a third
    cheaper on PostgreSQL than a CASE over the age, and still a handful of values.
    """
    year = Cast(ExtractYear("submitted_at"), IntegerField())
    age_step = ExpressionWrapper(
        (year - F("person__birth_year") - Value(15)) / Value(10), output_field=IntegerField()
    )
    return list(
        Application.objects.annotate(age_step=age_step)
        .values("origin_region", "person__gender", "age_step", "priority")
        .annotate(
            n=Count("pk"),
            accepted=Count("pk", filter=Q(status__in=ACCEPTED)),
            rejected=Count("pk", filter=Q(status__in=REJECTED)),
            awaiting=Count("pk", filter=Q(status__in=AWAITING)),
        )
        .order_by()
    )


_AGE_BANDS = (AgeBand.UNDER_25, AgeBand.FROM_25, AgeBand.FROM_35, AgeBand.FROM_45, AgeBand.FROM_55)


def _age_band(age_step: int | None) -> str:
    """``(age - 15) // 10`` (rounded towards 0 by SQL) -> the age band's key."""
    if age_step is None:
        return AgeBand.UNKNOWN.value
    return _AGE_BANDS[min(max(age_step, 0), len(_AGE_BANDS) - 1)].value


def _stats(tally: _Tally, labels: tuple[str, ...]) -> GroupStats:
    counts = band_counts(tally.histogram, BAND_WIDTH, len(labels))
    return GroupStats(
        count=tally.count,
        summary=summarise(tally.histogram) if tally.count else None,
        accepted=tally.accepted,
        rejected=tally.rejected,
        awaiting=tally.awaiting,
        bands=tuple(zip(labels, counts, strict=True)),
    )


def _grouping(
    title: Promise,
    choices: Sequence[tuple[str, str | Promise]],
    tallies: Mapping[str, _Tally],
    bands: tuple[str, ...],
) -> Grouping:
    """Every choice in order (empty ones too), then any value outside the choices by name."""
    labels = dict(choices)
    keys = list(labels) + sorted(key for key in tallies if key not in labels)
    counts = {key: tallies[key].count if key in tallies else 0 for key in keys}
    hidden = suppressed(counts)
    rows = tuple(
        GroupRow(
            key,
            labels.get(key, key),
            None if key in hidden else _stats(tallies.get(key, _Tally()), bands),
            small=counts[key] < MIN_GROUP,
        )
        for key in keys
    )
    return Grouping(title, rows)


def fairness_report() -> FairnessReport:
    """Every application, grouped by region of origin, gender and age band (one query)."""
    rows = _counts()
    overall = _Tally()
    by: dict[str, dict[str, _Tally]] = {"region": {}, "gender": {}, "age": {}}
    for row in rows:
        counts = {
            key: int(row[key]) for key in ("priority", "n", "accepted", "rejected", "awaiting")
        }
        overall.add(counts)
        for grouping, key in (
            ("region", row["origin_region"]),
            ("gender", row["person__gender"]),
            ("age", _age_band(row["age_step"])),
        ):
            by[grouping].setdefault(str(key), _Tally()).add(counts)
    top = max(overall.histogram, default=0)
    bands = tuple(
        f"{start}\u2013{start + BAND_WIDTH - 1}" for start in range(0, max(top, 0) + 1, BAND_WIDTH)
    )
    shown = overall.count >= MIN_GROUP
    return FairnessReport(
        overall=GroupRow(
            "all",
            _("All applications"),
            _stats(overall, bands) if shown else None,
            small=not shown,
        ),
        groupings=(
            _grouping(
                _("Region of origin"),
                [*OriginRegion.choices, ("", _("Not given"))],
                by["region"],
                bands,
            ),
            _grouping(_("Gender"), Person.Gender.choices, by["gender"], bands),
            _grouping(_("Age when applying"), AgeBand.choices, by["age"], bands),
        ),
        band_labels=bands,
    )
