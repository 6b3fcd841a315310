"""Priority rubric: a published, versioned points score that always shows its parts.

The rubric ranks the triage queue; it never decides on its own (a reviewer does). Every score
carries the rubric version it was computed with and one part per factor, so a reviewer (and an
applicant who asks) can see exactly where each point came from.

Contract:

* ``score(data, rubric)`` returns one ``ScorePart`` per key in ``PART_KEYS``, in that order,
  including parts that scored 0; ``total == sum(part.points for part in parts)``.
* ``0 <= total <= max_score(rubric)``.
* The score is monotone: answering "yes" to any yes/no factor, more dependants, fewer days of
  savings, fewer days left on the legal-stay clock, or a longer wait never lowers the total.
  ``Rubric`` refuses weights and bands that would break this.
* Points are integers, so ties are exact and the ranking is reproducible.

Changing any number here changes people's places in the queue: publish a new ``Rubric`` with a
new version instead of editing ``RUBRIC_V1``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from types import MappingProxyType
from typing import Any

__all__ = [
    "PART_KEYS",
    "RUBRIC_V1",
    "TIME_PARTS",
    "Band",
    "Rubric",
    "Score",
    "ScorePart",
    "ScoringInput",
    "max_score",
    "rubric_from_dict",
    "rubric_to_dict",
    "score",
    "urgency_points",
    "waiting_points",
]

# Yes/no factors: part key -> ScoringInput attribute.  Their points come from Rubric.weights.
_FLAG_PARTS: Mapping[str, str] = MappingProxyType(
    {
        "financial.no_income": "no_income",
        "financial.no_housing": "no_housing",
        "danger.protests": "protests",
        "danger.opposition_member": "opposition_member",
        "danger.arrested": "arrested",
        "danger.draft_notice": "draft_notice",
        "danger.prosecution": "prosecution",
        "household.health_condition": "health_condition",
    }
)

PART_KEYS: tuple[str, ...] = (
    "financial.no_income",
    "financial.no_housing",
    "financial.low_savings",
    "danger.protests",
    "danger.opposition_member",
    "danger.arrested",
    "danger.draft_notice",
    "danger.prosecution",
    "household.dependants",
    "household.health_condition",
    "urgency.days_left",
    "waiting.days_waiting",
)
"""Every part key, in the order parts are displayed (grouped: financial, danger, household,
urgency, waiting)."""


@dataclass(frozen=True)
class ScoringInput:
    """What the applicant told us (and the legal-stay clock says), reduced to scored facts.

    Raises ``ValueError`` on construction if ``savings_days``, ``dependants`` or
    ``days_waiting`` is negative.  ``days_left`` may be negative: that is an overstay, the most
    urgent case, and it scores like the shortest band.
    """

    no_income: bool  # no income in the host country
    no_housing: bool  # nowhere to sleep
    savings_days: int  # how many days they can pay for themselves (>= 0)
    protests: bool  # took part in anti-war protests
    opposition_member: bool  # member/volunteer of an opposition organisation
    arrested: bool  # detained/arrested for political reasons
    draft_notice: bool  # received a mobilisation notice (povestka)
    prosecution: bool  # criminal or administrative case open against them
    dependants: int  # children/dependants travelling with them (>= 0)
    health_condition: bool  # serious health condition or disability
    days_left: int | None  # days left on the legal-stay clock; None = unknown
    days_waiting: int  # days since application (>= 0)

    def __post_init__(self) -> None:
        for name in ("savings_days", "dependants", "days_waiting"):
            value = getattr(self, name)
            if value < 0:
                raise ValueError(f"{name} must be >= 0, got {value}")


@dataclass(frozen=True)
class Band:
    """``points`` for any value ``<= up_to`` (and above the previous band's ``up_to``)."""

    up_to: int
    points: int


@dataclass(frozen=True)
class Rubric:
    """One published version of the priority rubric.

    ``weights`` gives the points for each yes/no part (keys: the ``financial.no_income``,
    ``danger.*`` and ``household.health_condition`` part keys).  Banded parts score the first
    band whose ``up_to`` is >= the value, and 0 past the last band; bands must be in ascending
    ``up_to`` with non-increasing ``points`` so that a smaller value never scores less.
    Construction raises ``ValueError`` for anything that would break the module contract.
    """

    version: str
    weights: Mapping[str, int]
    savings_bands: tuple[Band, ...]  # by savings_days
    per_dependant: int
    dependants_cap: int  # the household.dependants part never exceeds this
    urgency_bands: tuple[Band, ...]  # by days_left
    urgency_unknown: int  # points when days_left is None
    per_week_waiting: int  # per full week (7 days) since application
    waiting_cap: int  # the waiting.days_waiting part never exceeds this

    def __post_init__(self) -> None:
        if not self.version:
            raise ValueError("a rubric needs a version")
        if set(self.weights) != set(_FLAG_PARTS):
            missing = sorted(set(_FLAG_PARTS) - set(self.weights))
            extra = sorted(set(self.weights) - set(_FLAG_PARTS))
            raise ValueError(
                f"weights must cover the yes/no parts: missing {missing}, extra {extra}"
            )
        numbers = {f"weights[{key}]": value for key, value in self.weights.items()}
        numbers |= {
            "per_dependant": self.per_dependant,
            "dependants_cap": self.dependants_cap,
            "urgency_unknown": self.urgency_unknown,
            "per_week_waiting": self.per_week_waiting,
            "waiting_cap": self.waiting_cap,
        }
        for name, value in numbers.items():
            if value < 0:
                raise ValueError(f"{name} must be >= 0, got {value}")
        _check_bands("savings_bands", self.savings_bands)
        _check_bands("urgency_bands", self.urgency_bands)
        # A read-only copy, so a published rubric can't be edited through the dict it was built
        # from.
        object.__setattr__(self, "weights", MappingProxyType(dict(self.weights)))


def _check_bands(name: str, bands: tuple[Band, ...]) -> None:
    for band in bands:
        if band.points < 0:
            raise ValueError(f"{name}: points must be >= 0, got {band.points}")
    for lower, upper in pairwise(bands):
        if upper.up_to <= lower.up_to:
            raise ValueError(f"{name}: up_to must be strictly ascending")
        if upper.points > lower.points:
            # A larger value scoring more would make the score non-monotone.
            raise ValueError(f"{name}: points must not increase with up_to")


@dataclass(frozen=True)
class ScorePart:
    """Points for one factor; ``key`` is a stable identifier from ``PART_KEYS``."""

    key: str
    points: int


@dataclass(frozen=True)
class Score:
    """A total with its parts (every key of ``PART_KEYS``, in order) and the rubric version."""

    rubric_version: str
    total: int
    parts: tuple[ScorePart, ...]


RUBRIC_V1 = Rubric(
    version="2026.1",
    # Danger if returned weighs most: each danger factor scores at least as much as any single
    # financial factor, and the danger group (92) outweighs financial need, household and
    # waiting together (62).
    weights={
        "financial.no_income": 8,
        "financial.no_housing": 12,
        "danger.protests": 12,
        "danger.opposition_member": 15,
        "danger.arrested": 20,
        "danger.draft_notice": 20,
        "danger.prosecution": 25,
        "household.health_condition": 10,
    },
    savings_bands=(Band(7, 8), Band(30, 5), Band(90, 2)),
    per_dependant=4,
    dependants_cap=12,
    urgency_bands=(Band(7, 25), Band(14, 18), Band(30, 12), Band(60, 6)),
    # Unknown clock = the <=30-day band: high enough that a caseworker checks the documents
    # soon, low enough that a known deadline within two weeks still comes first.
    urgency_unknown=12,
    per_week_waiting=1,
    waiting_cap=12,
)
"""Rubric 2026.1: the first published rubric (maximum 179 points)."""


def _banded(value: int, bands: tuple[Band, ...]) -> int:
    for band in bands:
        if value <= band.up_to:
            return band.points
    return 0


TIME_PARTS: tuple[str, ...] = ("urgency.days_left", "waiting.days_waiting")
"""Parts that change with the calendar alone; the rest depend only on the answers."""


def urgency_points(days_left: int | None, rubric: Rubric = RUBRIC_V1) -> int:
    """The ``urgency.days_left`` part for a clock with ``days_left`` (None: unknown)."""
    if days_left is None:
        return rubric.urgency_unknown
    return _banded(days_left, rubric.urgency_bands)


def waiting_points(days_waiting: int, rubric: Rubric = RUBRIC_V1) -> int:
    """The ``waiting.days_waiting`` part after ``days_waiting`` days (>= 0) in the queue."""
    if days_waiting < 0:
        raise ValueError(f"days_waiting must be >= 0, got {days_waiting}")
    return min(rubric.per_week_waiting * (days_waiting // 7), rubric.waiting_cap)


def score(data: ScoringInput, rubric: Rubric = RUBRIC_V1) -> Score:
    """Score ``data`` with ``rubric``: every part in ``PART_KEYS`` order, total = their sum."""
    points: dict[str, int] = {
        key: rubric.weights[key] if getattr(data, attr) else 0 for key, attr in _FLAG_PARTS.items()
    }
    points["financial.low_savings"] = _banded(data.savings_days, rubric.savings_bands)
    points["household.dependants"] = min(
        rubric.per_dependant * data.dependants, rubric.dependants_cap
    )
    points["urgency.days_left"] = urgency_points(data.days_left, rubric)
    points["waiting.days_waiting"] = waiting_points(data.days_waiting, rubric)
    parts = tuple(ScorePart(key, points[key]) for key in PART_KEYS)
    return Score(rubric.version, sum(part.points for part in parts), parts)


def rubric_to_dict(rubric: Rubric) -> dict[str, object]:
    """A JSON-ready form of ``rubric`` (stored as one published version)."""
    return {
        "version": rubric.version,
        "weights": dict(rubric.weights),
        "savings_bands": [[band.up_to, band.points] for band in rubric.savings_bands],
        "per_dependant": rubric.per_dependant,
        "dependants_cap": rubric.dependants_cap,
        "urgency_bands": [[band.up_to, band.points] for band in rubric.urgency_bands],
        "urgency_unknown": rubric.urgency_unknown,
        "per_week_waiting": rubric.per_week_waiting,
        "waiting_cap": rubric.waiting_cap,
    }


def rubric_from_dict(data: Mapping[str, Any]) -> Rubric:
    """The inverse of :func:`rubric_to_dict`; raises ``ValueError`` on anything malformed."""
    try:
        return Rubric(
            version=str(data["version"]),
            weights={str(key): int(value) for key, value in dict(data["weights"]).items()},
            savings_bands=tuple(Band(int(u), int(p)) for u, p in data["savings_bands"]),
            per_dependant=int(data["per_dependant"]),
            dependants_cap=int(data["dependants_cap"]),
            urgency_bands=tuple(Band(int(u), int(p)) for u, p in data["urgency_bands"]),
            urgency_unknown=int(data["urgency_unknown"]),
            per_week_waiting=int(data["per_week_waiting"]),
            waiting_cap=int(data["waiting_cap"]),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not a rubric: {exc}") from exc


def max_score(rubric: Rubric = RUBRIC_V1) -> int:
    """The highest total ``rubric`` can give (reachable: every part at its maximum)."""
    dependants = rubric.dependants_cap if rubric.per_dependant > 0 else 0
    waiting = rubric.waiting_cap if rubric.per_week_waiting > 0 else 0
    return (
        sum(rubric.weights.values())
        + max((band.points for band in rubric.savings_bands), default=0)
        + dependants
        + max([band.points for band in rubric.urgency_bands] + [rubric.urgency_unknown])
        + waiting
    )
