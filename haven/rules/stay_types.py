"""Plain data types of the legal-stay clock: rules with their sources, stays, results.

No behaviour beyond validation: the clock is in ``stay_engine``, the researched rule data in
``stay_rules`` (loaded from ``data/stay_rules.json``), registration duties in ``stay_duties``.
Everything public is also importable from ``haven.rules.stay_clock``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, get_args

__all__ = [
    "COMPUTABLE_SHAPES",
    "PER_STAY_SHAPES",
    "WINDOW_SHAPES",
    "ClockResult",
    "Confidence",
    "DueUnit",
    "DutyRule",
    "EntryDocument",
    "Presence",
    "Provenance",
    "RecordStatus",
    "Shape",
    "Source",
    "Status",
    "StayDataError",
    "StayRule",
]

Shape = Literal["fixed", "rolling", "both", "unclear", "unknown"]
Status = Literal["ok", "needs_check", "overstay"]
Confidence = Literal["high", "medium", "low"]
RecordStatus = Literal["in_force", "superseded", "announced", "disputed", "unverified_current"]
DueUnit = Literal["hours", "calendar_days", "working_days", "business_days"]


class StayDataError(ValueError):
    """Presence or rules that contradict themselves (overlapping stays, a bad rule, ...)."""


SHAPES: frozenset[str] = frozenset(get_args(Shape))
CONFIDENCES: frozenset[str] = frozenset(get_args(Confidence))
RECORD_STATUSES: frozenset[str] = frozenset(get_args(RecordStatus))
DUE_UNITS: frozenset[str] = frozenset(get_args(DueUnit))
PER_STAY_SHAPES: frozenset[str] = frozenset({"fixed", "both"})
WINDOW_SHAPES: frozenset[str] = frozenset({"rolling", "both"})
COMPUTABLE_SHAPES: frozenset[str] = PER_STAY_SHAPES | WINDOW_SHAPES


@dataclass(frozen=True)
class Source:
    """One cited source.  ``date`` is as precise as the research gave it: ``YYYY-MM-DD``,
    ``YYYY-MM``, ``YYYY`` or ``None``.  ``note`` says why a source was added outside the
    research file, if it was."""

    url: str
    title: str
    publisher: str
    date: str | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if not self.url.startswith(("https://", "http://")):
            raise StayDataError(f"source URL must be http(s): {self.url!r}")


@dataclass(frozen=True)
class Provenance:
    """Where a rule comes from and how far to trust it (fields of ``stay_rules.yaml``).

    ``verified_on`` is the day the record was checked against stored copies of the sources, not
    a guarantee that it is still in force.  The research file asks that every record with
    ``confidence != "high"`` or a status other than in force be reviewed by a lawyer before it
    produces resident-facing deadlines: see ``needs_review``.
    """

    confidence: Confidence
    status: RecordStatus | None  # None: the research gave no status
    sources: tuple[Source, ...]
    verified_on: date | None = None
    latest_source_date: str | None = None
    notes: str = ""
    uncertainties: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.confidence not in CONFIDENCES:
            raise StayDataError(f"unknown confidence {self.confidence!r}")
        if self.status is not None and self.status not in RECORD_STATUSES:
            raise StayDataError(f"unknown record status {self.status!r}")

    @property
    def needs_review(self) -> bool:
        """Whether the research file asks for a lawyer's review before relying on the record.

        ``superseded`` counts as settled: it judges past stays with the rule then in force.
        """
        return self.confidence != "high" or self.status not in ("in_force", "superseded")


@dataclass(frozen=True)
class StayRule:
    """How long a visitor may stay, in force from ``effective_from`` to ``effective_to`` (both
    inclusive; ``None`` = open-ended).

    * ``"fixed"``: ``per_stay_days`` per stay (entry); the window fields must be ``None``.
    * ``"rolling"``: at most ``window_limit`` days in any ``window_days`` consecutive days;
      ``per_stay_days`` must be ``None``.
    * ``"both"``: all three numbers; both limits apply.
    * ``"unclear"`` / ``"unknown"``: the numbers may record what a source says but are never
      used; any stay judged by such a rule gets ``"needs_check"``.
    * ``retroactive``: see ``stay_engine``; ``True`` is the conservative default.
    * ``documents``: the travel documents the rule applies to (``rules_for`` filters on them);
      the engine itself ignores this field.
    * ``nationality``, ``regime``: what the research says the rule is for; not used by the
      engine (``rules_for`` picks the rule set by host and nationality).
    * ``suspended_by``: the statuses that pause the count (the caller passes their periods to
      ``compute_clock(..., pauses=...)``); informational for the engine.

    Construction raises ``StayDataError`` on inconsistent data (so a bad rule fails at import, not
    on a resident's deadline).  ``note`` says how Haven reads the rule (its conservative choices);
    ``provenance`` holds the research record: sources, confidence, verified date, notes.
    """

    id: str
    host: str  # ISO 3166-1 alpha-2
    shape: Shape
    per_stay_days: int | None  # max days per stay ("fixed" and "both")
    window_days: int | None  # e.g. 180 ("rolling" and "both")
    window_limit: int | None  # e.g. 90
    effective_from: date | None
    effective_to: date | None
    note: str = ""
    retroactive: bool = True
    documents: frozenset[str] = field(default_factory=frozenset)
    suspended_by: tuple[str, ...] = ()
    regime: str = ""  # visa_free, visa_on_arrival, visa_required
    nationality: str = ""  # ISO2 of the travellers the rule is for; "" in hand-built rules
    provenance: Provenance | None = None

    def __post_init__(self) -> None:
        if not self.id:
            raise StayDataError("a stay rule needs an id")
        if not (len(self.host) == 2 and self.host.isascii() and self.host.isalpha()):
            raise StayDataError(f"{self.id}: host must be an ISO 3166-1 alpha-2 code")
        if not self.host.isupper():
            raise StayDataError(f"{self.id}: host must be upper case")
        if self.shape not in SHAPES:
            raise StayDataError(f"{self.id}: unknown shape {self.shape!r}")
        if self.shape in PER_STAY_SHAPES:
            if self.per_stay_days is None or self.per_stay_days < 1:
                raise StayDataError(f"{self.id}: {self.shape!r} needs per_stay_days >= 1")
        elif self.shape == "rolling" and self.per_stay_days is not None:
            raise StayDataError(f"{self.id}: 'rolling' takes no per_stay_days (use 'both')")
        if self.shape in WINDOW_SHAPES:
            if self.window_days is None or self.window_limit is None:
                raise StayDataError(f"{self.id}: {self.shape!r} needs window_days and window_limit")
            # limit >= window would never bind, and the deadline search relies on it binding.
            if not 1 <= self.window_limit < self.window_days:
                raise StayDataError(f"{self.id}: need 1 <= window_limit < window_days")
        elif self.shape == "fixed" and (
            self.window_days is not None or self.window_limit is not None
        ):
            raise StayDataError(f"{self.id}: 'fixed' takes no window (use 'both')")
        if (
            self.effective_from is not None
            and self.effective_to is not None
            and self.effective_from > self.effective_to
        ):
            raise StayDataError(f"{self.id}: effective_from is after effective_to")

    @property
    def computable(self) -> bool:
        """Whether Haven may compute a date from this rule ("fixed", "rolling", "both")."""
        return self.shape in COMPUTABLE_SHAPES

    @property
    def needs_review(self) -> bool:
        """True unless the research rates the rule high-confidence and in force (or superseded).

        A computed date from such a rule is still shown, but should be flagged for a caseworker;
        a rule without provenance (built in code) always needs review.
        """
        return self.provenance is None or self.provenance.needs_review


@dataclass(frozen=True)
class Presence:
    """A period of days, both ends inclusive (``exited=None``: still running / end unknown).

    Used for stays in the host country (entry and exit days both count) and for pauses (the
    first and last day under a residence permit or visa).  Raises ``StayDataError`` if
    ``exited`` is before ``entered``.
    """

    entered: date
    exited: date | None

    def __post_init__(self) -> None:
        # datetime is a date subclass, and comparing one with a date raises deep inside the
        # search; refuse it at the door.
        for value in (self.entered, self.exited):
            if isinstance(value, datetime):
                raise TypeError("presence days must be dates, not datetimes")
        if self.exited is not None and self.exited < self.entered:
            raise StayDataError(f"stay exits ({self.exited}) before it enters ({self.entered})")


@dataclass(frozen=True)
class ClockResult:
    """The clock for the current stay.

    ``last_legal_day`` and ``days_left`` are ``None`` exactly when ``status`` is
    ``"needs_check"``.  Otherwise ``days_left = (last_legal_day - reference_day).days``, where
    the reference day is ``on`` (or the exit day for a stay that ended before ``on``), 0 on the
    last legal day, negative in overstay.  ``rule_ids``: the rules used, in order of first use
    (empty when the date is the end of a pause, which no stay rule decided).
    """

    status: Status
    last_legal_day: date | None
    days_left: int | None
    rule_ids: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        """The JSON shape of the command-line contract (dates as ``YYYY-MM-DD``)."""
        last = self.last_legal_day
        return {
            "status": self.status,
            "last_legal_day": None if last is None else last.isoformat(),
            "days_left": self.days_left,
            "rule_ids": list(self.rule_ids),
        }


@dataclass(frozen=True)
class EntryDocument:
    """Whether a host accepts a travel document for entry (an ``entry_document`` record).

    ``effective_from`` / ``effective_to`` are kept as the research gives them (``YYYY-MM-DD``,
    ``YYYY-MM``, ``YYYY`` or ``None``): the clock does not use them; which documents each stay
    rule applies to is ``StayRule.documents``.
    """

    id: str
    host: str
    nationality: str
    document: str
    accepted: bool
    provenance: Provenance
    age_min: int | None = None
    age_max: int | None = None
    effective_from: str | None = None
    effective_to: str | None = None


@dataclass(frozen=True)
class DutyRule:
    """A duty triggered by each entry (registration, notification, ...): an ``obligation``.

    ``due_value``/``due_unit`` as in the research (``None``: due on the trigger day itself);
    ``duties_for`` turns them into dates.  ``applies_if_stay_longer_than_days`` and
    ``condition`` (e.g. ``"asylum_claim"``) say when the duty applies at all: the caller, who
    knows the person's plans, decides; ``duties_for`` lists the duty regardless.  The duty
    applies to entries from ``effective_from`` to ``effective_to`` inclusive.
    """

    id: str
    host: str
    nationality: str
    obligation: str
    due_value: int | None
    due_unit: DueUnit | None
    trigger: str
    responsible: str
    provenance: Provenance
    channel: str = ""
    applies_if_stay_longer_than_days: int | None = None
    condition: str | None = None
    effective_from: date | None = None
    effective_to: date | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if (self.due_value is None) != (self.due_unit is None):
            raise StayDataError(f"{self.id}: give both due_value and due_unit, or neither")
        if self.due_unit is not None and self.due_unit not in DUE_UNITS:
            raise StayDataError(f"{self.id}: unknown due unit {self.due_unit!r}")
        if self.due_value is not None and self.due_value < 1:
            raise StayDataError(f"{self.id}: due_value must be >= 1")
        if (
            self.effective_from is not None
            and self.effective_to is not None
            and self.effective_from > self.effective_to
        ):
            raise StayDataError(f"{self.id}: effective_from is after effective_to")

    @property
    def description_key(self) -> str:
        """A stable key for the translated description of this duty."""
        return f"stay_duty.{self.id}"
