"""The legal-stay clock: the last day a person may still be present in a host country.

Pure: dates and rules in, a ``ClockResult`` out.  ``compute_clock`` is re-exported by
``haven.rules.stay_clock``, which also holds the rule lookup and the command line.

Day counting:

* Entry and exit days both count as days present; a day is counted once even when someone
  leaves and comes back on the same day.
* Presence history is as known on ``on``: stays that start after ``on`` are ignored.  The
  *current stay* is the stay covering ``on`` (its recorded exit, if on or after ``on``, is
  ignored: the person is assumed to stay on continuously from ``on``), or else the latest stay
  before ``on``.  Only the current stay gets a deadline; earlier stays matter only as days
  counted in rolling windows.
* The *reference day* is ``on``, or the exit day of a current stay that ended before ``on``.
* ``last_legal_day`` is the last day of the current stay that is still legal if the person
  stays on continuously: the day before the first day that breaks any limit.
* A person who is not present on ``on`` gets the clock *as it stood on their exit day*:
  ``days_left`` is counted from the exit day (how many days they had to spare, or negative if
  they left late), and ``"overstay"`` only if they left after ``last_legal_day``.  We do not
  guess about a future re-entry.
* With no stay on or before ``on`` there is nothing to compute: ``"needs_check"``.

Pauses (``pauses``: periods under a residence permit or a visa, ``Presence(first, last)``,
``last=None`` when the end is unknown; they may overlap, and are merged):

* Days inside a pause are legal and do not count toward any visa-free limit: neither the
  per-stay count nor a rolling window.  Visa-free counting resumes after the pause where it
  left off (a stay's per-stay count is not restarted by a pause: that would be the less
  cautious reading, and no source says a permit restarts it).
* If a pause covers the reference day, the permit or visa is the person's status, and its end
  is the date to act on (renew, change status or leave): with a known end the result is
  ``"ok"`` with ``last_legal_day`` = that end and no ``rule_ids``; with an unknown end it is
  ``"needs_check"``.  We do not promise visa-free days after a permit ends, because the
  sources do not say whether a visa-free period may follow a permit without leaving.  Such a
  date comes from the permit, never from a stay rule, so it is given even where the host's
  rules are unknown.
* Pauses that start after the reference day are ignored (like future stays): counting days a
  future permit would cover can only make the deadline earlier, never later.

Which rule judges which day:

* The *start* of the current stay is its first day not inside a pause (usually the entry day).
  The rule in force on the start day (the *entry rule*) must be "fixed", "rolling" or "both",
  and its per-stay limit, if it has one, applies to the whole stay, counted in visa-free days
  from the start (so exit and re-entry start a new per-stay count: a "fixed" rule resets on
  exit).
* Each later counted day of the stay is judged by the rule in force on that day.  If a new rule
  took over during the stay, its rolling window judges the days from the change on, and its own
  per-stay limit, if any, is also counted from the start.  So a rule change never lengthens the
  entry rule's per-stay limit for a stay in progress; it can shorten it.
* A rolling window (at most ``window_limit`` days present in any ``window_days`` consecutive
  days) is checked for every counted day of the stay judged by a rule with a window, looking
  back over all presence: earlier stays, and days before that rule took effect (conservative).
  A rolling look-back is at least as strict as any anchored reading of "N days in each period
  of W days" (every anchored period is one of the rolling windows), so it is used wherever the
  sources leave the anchor unclear.
* ``StayRule.retroactive=False`` marks a rule that, by official statement, does not reach back:
  stays that started before it keep being judged by their entry rule, and its window does not
  count days before its ``effective_from``.
* "both" = a per-stay limit and a rolling window at once; the earlier deadline wins.
* If a counted day that must be judged has no rule, or a rule of shape "unclear" or "unknown",
  the result is ``"needs_check"`` with no date: we never show a confident date we cannot stand
  by.  A day past the entry rule's own per-stay limit needs no judging (it breaks that limit
  whatever rule is then in force), so a deadline that falls before an unknown period is given.

Cost: O((s + p) log(s + p)) to sort ``s`` stays and ``p`` pauses, plus O(d log(s + p)) for the
day-by-day search, where ``d`` is the number of counted days from the start to the reference
day plus at most the largest per-stay or window limit in the rules, plus one.  Pauses are
skipped whole, not day by day.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import date
from itertools import pairwise

from haven.rules.stay_types import (
    PER_STAY_SHAPES,
    WINDOW_SHAPES,
    ClockResult,
    Presence,
    Status,
    StayDataError,
    StayRule,
)

__all__ = ["compute_clock", "validate_rules"]

_OPEN_PAST = date.min.toordinal()
_OPEN_FUTURE = date.max.toordinal()

_Span = tuple[int, int]  # first and last day (ordinals), inclusive


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


def validate_rules(rules: Sequence[StayRule]) -> None:
    """Raise ``StayDataError`` unless ``rules`` can be one host's rule set: one host, unique
    ids, and never two rules in force on the same day."""
    _RuleTable(rules)


def _start(rule: StayRule) -> int:
    return _OPEN_PAST if rule.effective_from is None else rule.effective_from.toordinal()


def _end(rule: StayRule) -> int:
    return _OPEN_FUTURE if rule.effective_to is None else rule.effective_to.toordinal()


class _Spans:
    """Sorted, disjoint day spans with prefix sums: how many days of them lie in a range."""

    def __init__(self, spans: Sequence[_Span]) -> None:
        self._starts = [first for first, _ in spans]
        self._ends = [last for _, last in spans]
        self._before: list[int] = []  # days in all earlier spans
        total = 0
        for first, last in spans:
            self._before.append(total)
            total += last - first + 1

    def covering(self, day: int) -> _Span | None:
        """The span that contains ``day``, if any."""
        index = bisect_right(self._starts, day) - 1
        if index < 0 or self._ends[index] < day:
            return None
        return self._starts[index], self._ends[index]

    def _up_to(self, day: int) -> int:
        index = bisect_right(self._starts, day) - 1
        if index < 0:
            return 0
        return self._before[index] + min(self._ends[index], day) - self._starts[index] + 1

    def count(self, first: int, last: int) -> int:
        """Days in the spans from ``first`` to ``last`` inclusive (ordinals)."""
        return self._up_to(last) - self._up_to(first - 1)


def _merge(spans: Sequence[_Span]) -> list[_Span]:
    """Overlapping or touching spans joined into sorted, disjoint ones."""
    merged: list[_Span] = []
    for first, last in sorted(spans):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def _subtract(spans: Sequence[_Span], holes: Sequence[_Span]) -> list[_Span]:
    """The days of ``spans`` outside ``holes`` (both sorted and disjoint)."""
    result: list[_Span] = []
    for first, last in spans:
        cursor = first
        for hole_first, hole_last in holes:
            if hole_last < cursor or hole_first > last:
                continue
            if hole_first > cursor:
                result.append((cursor, hole_first - 1))
            cursor = hole_last + 1
            if cursor > last:
                break
        if cursor <= last:
            result.append((cursor, last))
    return result


def _presence_spans(earlier: Sequence[Presence], entry: int) -> list[_Span]:
    """The earlier stays as recorded, then every day from the current stay's entry on (the
    person is assumed to stay continuously)."""
    # Clip each stay to end before the next one starts, so a day spent leaving and re-entering
    # is counted once and the spans are disjoint and sorted.
    spans: list[_Span] = []
    for index, stay in enumerate(earlier):
        assert stay.exited is not None  # only the latest stay may be open
        following = earlier[index + 1] if index + 1 < len(earlier) else None
        next_start = entry if following is None else following.entered.toordinal()
        first = stay.entered.toordinal()
        last = min(stay.exited.toordinal(), next_start - 1)
        if last >= first:
            spans.append((first, last))
    spans.append((entry, _OPEN_FUTURE))
    return spans


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


def compute_clock(
    presence: Sequence[Presence],
    on: date,
    rules: Sequence[StayRule],
    *,
    pauses: Sequence[Presence] = (),
) -> ClockResult:
    """The legal-stay clock on ``on`` for someone with this ``presence`` under these ``rules``.

    ``rules`` are one host's rules for the person's nationality and document (see
    ``rules_for``); an empty sequence gives ``"needs_check"`` (unless a pause with a known end
    covers the reference day).  ``pauses`` are the periods under a residence permit or visa.
    The semantics are in the module docstring.  Raises ``StayDataError`` (a ``ValueError``) if
    stays overlap, an open stay is not the latest, or rules overlap in time or belong to more
    than one host.
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

    pause_spans = _merge(
        [
            (pause.entered.toordinal(), _end_of(pause))
            for pause in pauses
            if pause.entered.toordinal() <= reference
        ]
    )
    paused = _Spans(pause_spans)
    covering = paused.covering(reference)
    if covering is not None:
        if covering[1] == _OPEN_FUTURE:
            return _needs_check(())
        return ClockResult("ok", date.fromordinal(covering[1]), covering[1] - reference, ())
    # Every pause left ends before the reference day, so from there on every day counts.
    counted = _Spans(_subtract(_presence_spans(stays[:-1], entry), pause_spans))
    skipped = paused.covering(entry)
    start = entry if skipped is None else skipped[1] + 1

    entry_rule = table.on(start)
    if entry_rule is None:
        return _needs_check(())
    used: dict[str, None] = {entry_rule.id: None}  # ordered set
    if not entry_rule.computable:
        return _needs_check(tuple(used))

    # Walk the stay day by day until a limit breaks, skipping pauses whole.  From the reference
    # day on every day counts, and every computable rule has a limit that a continuous stay
    # breaks within longest_bound() + 1 days, so the loop always breaks before ``last_day``.
    day, last_day = start, reference + table.longest_bound() + 1
    while day <= last_day:
        pause = paused.covering(day)
        if pause is not None:
            day = pause[1] + 1
            continue
        days_in_stay = counted.count(start, day)
        if _over(entry_rule, days_in_stay):
            # Past the entry rule's own per-stay limit: broken whatever rule is in force today.
            last_legal = day - 1
            break
        judge = table.on(day)
        if judge is not None and not judge.retroactive and start < _start(judge):
            judge = entry_rule
        if judge is None:
            return _needs_check(tuple(used))
        used[judge.id] = None
        if not judge.computable:
            return _needs_check(tuple(used))
        if _over(judge, days_in_stay) or _window_full(judge, day, counted):
            last_legal = day - 1
            break
        day += 1
    else:  # pragma: no cover - see the comment above the loop
        raise AssertionError("no stay limit was reached")

    status: Status = "overstay" if reference > last_legal else "ok"
    return ClockResult(status, date.fromordinal(last_legal), last_legal - reference, tuple(used))


def _end_of(period: Presence) -> int:
    return _OPEN_FUTURE if period.exited is None else period.exited.toordinal()


def _over(rule: StayRule, days_in_stay: int) -> bool:
    """Whether ``days_in_stay`` visa-free days break ``rule``'s per-stay limit, if it has one."""
    return rule.shape in PER_STAY_SHAPES and days_in_stay > (rule.per_stay_days or 0)


def _window_full(rule: StayRule, day: int, counted: _Spans) -> bool:
    """Whether being present on ``day`` breaks ``rule``'s rolling window, if it has one."""
    if rule.shape not in WINDOW_SHAPES:
        return False
    assert rule.window_days is not None
    assert rule.window_limit is not None
    first = day - rule.window_days + 1
    if not rule.retroactive:
        first = max(first, _start(rule))
    return counted.count(first, day) > rule.window_limit
