"""Legal-stay clock: the last day a person may still be present in a host country.

Pure: dates and dataclasses in, a ``ClockResult`` out.  Run as a module it is also a small JSON
command-line tool (see ``main``).

Day counting (``compute_clock``):

* Entry and exit days both count as days present; a day is counted once even when someone
  leaves and comes back on the same day.
* Presence history is as known on ``on``: stays that start after ``on`` are ignored.  The
  *current stay* is the stay covering ``on`` (its recorded exit, if on or after ``on``, is
  ignored: the person is assumed to stay on continuously from ``on``), or else the latest stay
  before ``on``.  Only the current stay gets a deadline; earlier stays matter only as days
  counted in rolling windows.
* ``last_legal_day`` is the last day of the current stay that is still legal if the person
  stays on continuously from entry: the day before the first day that breaks any limit.
* A person who is not present on ``on`` (the latest stay ended before it) gets the clock *as it
  stood on their exit day*: ``last_legal_day`` of that stay, ``days_left`` counted from the exit
  day (how many days they had to spare, or negative if they left late), and ``"overstay"``
  only if they left after ``last_legal_day``.  We do not guess about a future re-entry.
* With no stay on or before ``on`` there is nothing to compute: ``"needs_check"``.

Which rule judges which day:

* The rule in force on the entry day (the *entry rule*) must be "fixed", "rolling" or
  "both", and its per-stay limit, if it has one, applies to the whole stay, counted from the
  entry day (so exit and re-entry start a new per-stay count: a "fixed" rule resets on exit).
* Each later day of the stay is judged by the rule in force on that day.  If a new rule took
  over during the stay, its rolling window judges the days from the change on, and its own
  per-stay limit, if any, is also counted from the stay's entry day.  So a rule change never
  lengthens the entry rule's per-stay limit for a stay in progress; it can shorten it.
* A rolling window (at most ``window_limit`` days present in any ``window_days`` consecutive
  days) is checked for every day of the stay judged by a rule with a window, looking back over
  all presence: earlier stays, and days before that rule took effect (conservative).
* ``StayRule.retroactive=False`` marks a rule that, by official statement, does not reach back:
  stays that began before it keep being judged by the rule in force on their entry day, and its
  window does not count days before its ``effective_from``.
* "both" = a per-stay limit and a rolling window at once; the earlier deadline wins.
* If a day that must be judged has no rule, or a rule of shape "unclear" or "unknown", the
  result is ``"needs_check"`` with no date: we never show a confident date we cannot stand by.

Cost: O(s log s) to sort ``s`` stays plus O(b log s) for the day-by-day search, where ``b`` is
at most the largest per-stay limit or window limit in the rules plus one (the deadline cannot
be further than that from the entry day); independent of how many days the history spans.
"""

from __future__ import annotations

import json
import sys
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise
from types import MappingProxyType
from typing import Literal, TextIO, get_args

__all__ = [
    "KAZAKHSTAN_RULES",
    "RULE_SETS",
    "VISA_FREE_DOCUMENTS",
    "ClockResult",
    "Presence",
    "Shape",
    "Status",
    "StayDataError",
    "StayRule",
    "compute_clock",
    "main",
    "rules_for",
]

Shape = Literal["fixed", "rolling", "both", "unclear", "unknown"]
Status = Literal["ok", "needs_check", "overstay"]


class StayDataError(ValueError):
    """Presence or rules that contradict themselves (overlapping stays, a bad rule, ...)."""


_SHAPES: frozenset[str] = frozenset(get_args(Shape))
_PER_STAY_SHAPES = frozenset({"fixed", "both"})
_WINDOW_SHAPES = frozenset({"rolling", "both"})
_COMPUTABLE_SHAPES = _PER_STAY_SHAPES | _WINDOW_SHAPES


@dataclass(frozen=True)
class StayRule:
    """How long a visa-free visitor may stay, in force from ``effective_from`` to
    ``effective_to`` (both inclusive; ``None`` = open-ended).

    * ``"fixed"``: ``per_stay_days`` per stay (entry); the window fields must be ``None``.
    * ``"rolling"``: at most ``window_limit`` days in any ``window_days`` consecutive days;
      ``per_stay_days`` must be ``None``.
    * ``"both"``: all three numbers; both limits apply.
    * ``"unclear"`` / ``"unknown"``: the numbers may record what a source says but are never
      used; any stay judged by such a rule gets ``"needs_check"``.
    * ``retroactive``: see the module docstring; ``True`` is the conservative default.

    Construction raises ``StayDataError`` on inconsistent data (so a bad rule fails at import, not
    on a resident's deadline).  ``note`` holds the sources and caveats.
    """

    id: str
    host: str  # ISO 3166-1 alpha-2
    shape: Shape
    per_stay_days: int | None  # max consecutive days per stay ("fixed" and "both")
    window_days: int | None  # e.g. 180 ("rolling" and "both")
    window_limit: int | None  # e.g. 90
    effective_from: date | None
    effective_to: date | None
    note: str = ""
    retroactive: bool = True

    def __post_init__(self) -> None:
        if not self.id:
            raise StayDataError("a stay rule needs an id")
        if not (len(self.host) == 2 and self.host.isascii() and self.host.isalpha()):
            raise StayDataError(f"{self.id}: host must be an ISO 3166-1 alpha-2 code")
        if not self.host.isupper():
            raise StayDataError(f"{self.id}: host must be upper case")
        if self.shape not in _SHAPES:
            raise StayDataError(f"{self.id}: unknown shape {self.shape!r}")
        if self.shape in _PER_STAY_SHAPES:
            if self.per_stay_days is None or self.per_stay_days < 1:
                raise StayDataError(f"{self.id}: {self.shape!r} needs per_stay_days >= 1")
        elif self.shape == "rolling" and self.per_stay_days is not None:
            raise StayDataError(f"{self.id}: 'rolling' takes no per_stay_days (use 'both')")
        if self.shape in _WINDOW_SHAPES:
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
        return self.shape in _COMPUTABLE_SHAPES


@dataclass(frozen=True)
class Presence:
    """One stay in the host country: entry and exit days both count (``exited=None``: still
    there).  Raises ``StayDataError`` if ``exited`` is before ``entered``."""

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
    last legal day, negative in overstay.  ``rule_ids``: the rules used, in order of first use.
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


_OPEN_PAST = date.min.toordinal()
_OPEN_FUTURE = date.max.toordinal()


class _RuleTable:
    """Rules of one host, sorted by start, with no two in force on the same day."""

    def __init__(self, rules: Sequence[StayRule]) -> None:
        hosts = {rule.host for rule in rules}
        if len(hosts) > 1:
            raise StayDataError(f"rules for more than one host: {sorted(hosts)}")
        ids = [rule.id for rule in rules]
        if len(set(ids)) != len(ids):
            raise StayDataError("duplicate rule ids")
        self._rules = sorted(rules, key=_start)
        self._starts = [_start(rule) for rule in self._rules]
        for earlier, later in pairwise(self._rules):
            if _end(earlier) >= _start(later):
                # Two rules on one day would make the deadline depend on list order.
                raise StayDataError(f"rules {earlier.id} and {later.id} overlap")

    def on(self, day: int) -> StayRule | None:
        """The rule in force on ``day`` (an ordinal), or None in a gap."""
        index = bisect_right(self._starts, day) - 1
        if index < 0 or _end(self._rules[index]) < day:
            return None
        return self._rules[index]

    def longest_bound(self) -> int:
        """No computable rule lets a continuous stay last longer than this many days."""
        return max(
            (
                max(rule.per_stay_days or 0, rule.window_limit or 0)
                for rule in self._rules
                if rule.computable
            ),
            default=0,
        )


def _start(rule: StayRule) -> int:
    return _OPEN_PAST if rule.effective_from is None else rule.effective_from.toordinal()


def _end(rule: StayRule) -> int:
    return _OPEN_FUTURE if rule.effective_to is None else rule.effective_to.toordinal()


class _PresenceCounter:
    """Counts days present in a span: the earlier stays as recorded, then every day from the
    current stay's entry on (the person is assumed to stay continuously)."""

    def __init__(self, earlier: Sequence[Presence], entry: int) -> None:
        # Clip each stay to end before the next one starts, so a day spent leaving and
        # re-entering is counted once and the spans are disjoint and sorted.
        self._entry = entry
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._before: list[int] = []  # days present in all earlier spans
        total = 0
        for index, stay in enumerate(earlier):
            assert stay.exited is not None  # only the latest stay may be open
            following = earlier[index + 1] if index + 1 < len(earlier) else None
            next_start = entry if following is None else following.entered.toordinal()
            start = stay.entered.toordinal()
            end = min(stay.exited.toordinal(), next_start - 1)
            if end >= start:
                self._starts.append(start)
                self._ends.append(end)
                self._before.append(total)
                total += end - start + 1

    def _earlier_up_to(self, day: int) -> int:
        index = bisect_right(self._starts, day) - 1
        if index < 0:
            return 0
        return self._before[index] + min(self._ends[index], day) - self._starts[index] + 1

    def count(self, first: int, last: int) -> int:
        """Days present from ``first`` to ``last`` inclusive (ordinals)."""
        earlier = self._earlier_up_to(last) - self._earlier_up_to(first - 1)
        current = max(0, last - max(first, self._entry) + 1)
        return earlier + current


def _stays_as_known_on(presence: Sequence[Presence], on: date) -> list[Presence]:
    stays = sorted(presence, key=lambda stay: (stay.entered, stay.exited or date.max))
    for earlier, later in pairwise(stays):
        if earlier.exited is None:
            raise StayDataError(f"stay from {earlier.entered} is open but is not the latest stay")
        if later.entered < earlier.exited:
            # Touching (leave and come back the same day) is fine; overlapping is a data error.
            raise StayDataError(f"stays from {earlier.entered} and {later.entered} overlap")
    return [stay for stay in stays if stay.entered <= on]


def _needs_check(rule_ids: Sequence[str]) -> ClockResult:
    return ClockResult("needs_check", None, None, tuple(rule_ids))


def compute_clock(presence: Sequence[Presence], on: date, rules: Sequence[StayRule]) -> ClockResult:
    """The legal-stay clock on ``on`` for someone with this ``presence`` under these ``rules``.

    ``rules`` are one host's rules for the person's nationality and document (see
    ``rules_for``); an empty sequence gives ``"needs_check"``.  The semantics are in the module
    docstring.  Raises ``StayDataError`` (a ``ValueError``) if stays overlap, an open stay is
    not the latest, or rules overlap in time or belong to more than one host.
    """
    stays = _stays_as_known_on(presence, on)
    table = _RuleTable(rules)
    if not stays:
        return _needs_check(())
    current = stays[-1]
    entry = current.entered.toordinal()
    if current.exited is None or current.exited >= on:
        reference = on.toordinal()
    else:
        reference = current.exited.toordinal()

    entry_rule = table.on(entry)
    if entry_rule is None:
        return _needs_check(())
    used: dict[str, None] = {entry_rule.id: None}  # ordered set
    if not entry_rule.computable:
        return _needs_check(tuple(used))
    counter = _PresenceCounter(stays[:-1], entry)

    # Walk the stay day by day until a limit breaks.  Every computable rule has a limit that a
    # continuous stay breaks within longest_bound() + 1 days, so the loop always breaks.
    for day in range(entry, entry + table.longest_bound() + 2):
        judge = table.on(day)
        if judge is not None and not judge.retroactive and entry < _start(judge):
            judge = entry_rule
        if judge is None:
            return _needs_check(tuple(used))
        used[judge.id] = None
        if not judge.computable:
            return _needs_check(tuple(used))
        if _breaks_limit(day, entry, entry_rule, judge, counter):
            last_legal = day - 1
            break
    else:  # pragma: no cover - see the comment above the loop
        raise AssertionError("no stay limit was reached")

    status: Status = "overstay" if reference > last_legal else "ok"
    return ClockResult(status, date.fromordinal(last_legal), last_legal - reference, tuple(used))


def _breaks_limit(
    day: int, entry: int, entry_rule: StayRule, judge: StayRule, counter: _PresenceCounter
) -> bool:
    """Whether being present on ``day`` (of a stay entered on ``entry``) breaks a limit."""
    days_in_stay = day - entry + 1
    for rule in (entry_rule, judge):
        if rule.shape in _PER_STAY_SHAPES and days_in_stay > (rule.per_stay_days or 0):
            return True
    if judge.shape in _WINDOW_SHAPES:
        assert judge.window_days is not None
        assert judge.window_limit is not None
        first = day - judge.window_days + 1
        if not judge.retroactive:
            first = max(first, _start(judge))
        if counter.count(first, day) > judge.window_limit:
            return True
    return False


# ------------------------------------------------------------------------------------------
# Kazakhstan (source: shared/reference/stay_rules.yaml, records kz-ru-stay-pre2023 and
# kz-ru-stay-2023).  Rules for Russian citizens entering visa-free.

KAZAKHSTAN_RULES: tuple[StayRule, ...] = (
    StayRule(
        id="kz-ru-stay-pre2023",
        host="KZ",
        shape="fixed",
        per_stay_days=90,
        window_days=None,
        window_limit=None,
        effective_from=None,  # long-standing EAEU practice; start date not researched
        effective_to=date(2023, 1, 26),
        note=(
            "Russian citizens, visa-free: 90 days per entry; leaving and re-entering ('visa run')"
            " reset the 90 days until 27 Jan 2023. Sources: "
            "https://esplora-legal.com/en/news/temporary-residence-permit-for-citizens-from-the-"
            "eaeu-countries--in-the-republic-of-kazakhstan-40 (2022-11-23); "
            "https://www.commonspace.eu/news/kazakhstan-tightens-entrance-rules-citizens-eeu-"
            "countries-including-russia (2023-01-17)."
        ),
    ),
    StayRule(
        id="kz-ru-stay-2023",
        host="KZ",
        shape="both",
        per_stay_days=90,
        window_days=180,
        window_limit=90,
        effective_from=date(2023, 1, 27),
        effective_to=None,
        note=(
            "Russian citizens, visa-free: 90 days per stay and at most 90 days in each 180-day "
            "period (Government Decree No. 6 of 6 Jan 2023, in force 27 Jan 2023; some press "
            "says 26 Jan). Exit and re-entry no longer reset the count. The sources do not say "
            "whether the 180 days are anchored or rolling: computed as a rolling look-back "
            "(conservative). A temporary residence permit or a visa suspends this count. "
            "Not retroactive: the MVD Migration Service (A. Aldongarov, via RIA Novosti, "
            "2023-01-18) said the rule applies to those who entered after 27 Jan and does not "
            "reach people already in the country ('the law has no retroactive force'): "
            "https://www.rbc.ru/rbcfreenews/63c7d8339a79472c4271910c . Sources: "
            "https://www.commonspace.eu/news/kazakhstan-tightens-entrance-rules-citizens-eeu-"
            "countries-including-russia (2023-01-17); "
            "https://acsour.com/en/news-and-articles/tpost/mtnaf0is51-limitation-of-the-period-"
            "of-stay-of-indi ; "
            "https://astanahub.com/en/blog/poleznaia-informatsiia-ob-uvedomlenii-i-rvp ; "
            "https://cxid.info/amp_167354.html (2023-01-17)."
        ),
        retroactive=False,
    ),
)

RULE_SETS: Mapping[tuple[str, str], tuple[StayRule, ...]] = MappingProxyType(
    {("KZ", "RU"): KAZAKHSTAN_RULES}
)
"""Visa-free stay rules by (host ISO2, nationality ISO2)."""

VISA_FREE_DOCUMENTS: Mapping[tuple[str, str], frozenset[str]] = MappingProxyType(
    {("KZ", "RU"): frozenset({"ru_internal_passport", "ru_international_passport"})}
)
"""Documents on which a stay runs on the visa-free clock, by (host, nationality).  Any other
document (a residence permit, a visa, something unrecorded) has its own end date, which this
clock does not know, so it gets "needs_check"."""


def rules_for(host: str, nationality: str, document: str) -> tuple[StayRule, ...]:
    """The stay rules for this person, or ``()`` when Haven has none (-> ``"needs_check"``).

    ``host`` and ``nationality`` are ISO2 codes in any case.
    """
    key = (host.upper(), nationality.upper())
    if document not in VISA_FREE_DOCUMENTS.get(key, frozenset()):
        return ()
    return RULE_SETS.get(key, ())


# ------------------------------------------------------------------------------------------
# Command line: python -m haven.rules.stay_clock < request.json

_USAGE = """\
usage: python -m haven.rules.stay_clock < request.json

Reads one JSON object on stdin, e.g.
  {"host": "KZ", "nationality": "RU", "document": "ru_internal_passport",
   "on": "2023-03-01", "presence": [["2022-09-25", "2022-12-20"], ["2023-01-10", null]]}
and prints {"status": "ok"|"needs_check"|"overstay", "last_legal_day": "YYYY-MM-DD"|null,
"days_left": n|null, "rule_ids": [...]}.  Exit status 0 when a clock was printed (whatever its
status), 2 when the request is not valid (message on stderr).
"""


class _BadRequest(StayDataError):
    pass


def _text(data: Mapping[str, object], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise _BadRequest(f"{key!r} must be a non-empty string")
    return value


def _day(value: object, what: str) -> date:
    if not isinstance(value, str):
        raise _BadRequest(f"{what} must be a date string YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _BadRequest(f"{what} is not a date: {value!r}") from None


def _parse_request(raw: str) -> tuple[list[Presence], date, tuple[StayRule, ...]]:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise _BadRequest(f"not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise _BadRequest("expected a JSON object")
    rules = rules_for(_text(data, "host"), _text(data, "nationality"), _text(data, "document"))
    on = _day(data.get("on"), "'on'")
    pairs = data.get("presence")
    if not isinstance(pairs, list):
        raise _BadRequest("'presence' must be a list of [entered, exited-or-null] pairs")
    presence: list[Presence] = []
    for index, pair in enumerate(pairs):
        if not isinstance(pair, list) or len(pair) != 2:
            raise _BadRequest(f"presence[{index}] must be a pair [entered, exited-or-null]")
        entered = _day(pair[0], f"presence[{index}][0]")
        exited = None if pair[1] is None else _day(pair[1], f"presence[{index}][1]")
        try:
            presence.append(Presence(entered, exited))
        except StayDataError as error:
            raise _BadRequest(f"presence[{index}]: {error}") from None
    return presence, on, rules


def main(argv: Sequence[str], stdin: TextIO, stdout: TextIO) -> int:
    """Run the command line: ``argv`` without the program name.  Returns the exit status.

    Errors go to ``sys.stderr`` (looked up at call time, so tests can capture it).
    """
    if argv:
        if list(argv) in (["-h"], ["--help"]):
            stdout.write(_USAGE)
            return 0
        sys.stderr.write(_USAGE)
        return 2
    try:
        presence, on, rules = _parse_request(stdin.read())
        result = compute_clock(presence, on, rules)
    except StayDataError as error:  # a bad request, or stays that contradict themselves
        sys.stderr.write(f"stay_clock: error: {error}\n")
        return 2
    stdout.write(json.dumps(result.as_json()) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], sys.stdin, sys.stdout))
