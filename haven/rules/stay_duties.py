"""Duties triggered by each entry into a host country (registration, notification, ...).

``duties_for(host, nationality, entries)`` lists, for each entry day, each duty in the rule data
(``stay_rules.DUTY_RULES``) in force on that day, with the date it is due.  Pure: the Django side
turns the list into dated tasks on the resident.

How a due date is counted from the trigger day (the entry day), always the cautious way, since a
reminder one day early costs little and one day late can cost a fine:

* The trigger day itself is day 1.  "Within N calendar days" is due on trigger + N - 1 (so
  Uzbekistan's 15 days from an entry on 1 Mar is due 15 Mar), matching the stay clock, where the
  entry day is the first day of the stay.
* "Within N working (business) days": the N-th Monday-to-Friday day, counting the trigger day if
  it is one (Kazakhstan's 3 working days from a Monday entry: Mon, Tue, Wed; from a Friday: Fri,
  Mon, Tue; from a Saturday: Mon, Tue, Wed).
* "Within N hours": we do not know the hour of arrival, so the due day is the last day that is
  safe whatever the hour: trigger + ceil(N / 24) - 1 (24 hours: the arrival day itself).
* No deadline in the research (e.g. insurance needed at the border): due on the trigger day.

Public holidays are not modelled: Haven has no researched holiday calendar per host, and a
holiday can only move a working-day deadline later, so skipping weekends alone never gives a
date after the real one.  Weekends are Saturday and Sunday, which holds for every host that has
a working-day duty in the data (Kazakhstan, Mongolia); a host with another weekend (Israel:
Friday and Saturday) would need one here first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import NamedTuple

from haven.rules.stay_rules import DUTY_RULES
from haven.rules.stay_types import DutyRule, Source, StayDataError

__all__ = ["Duty", "add_working_days", "due_date", "duties_for"]

_SATURDAY = 5


class Duty(NamedTuple):
    """One dated duty: ``(duty_id, due_date, description_key, source)``.  ``source`` is the
    duty's first cited source; all of them are on ``DutyRule.provenance``."""

    duty_id: str
    due_date: date
    description_key: str
    source: Source


def add_working_days(start: date, count: int) -> date:
    """The ``count``-th Monday-to-Friday day counting ``start`` itself if it is one.

    ``count`` must be at least 1.  Public holidays are not skipped (see the module docstring).
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    day = start
    while day.weekday() >= _SATURDAY:
        day += timedelta(days=1)
    # Whole weeks first, then day by day, so a long count does not walk every day.
    weeks, rest = divmod(count - 1, 5)
    day += timedelta(weeks=weeks)
    while rest:
        day += timedelta(days=1)
        if day.weekday() < _SATURDAY:
            rest -= 1
    return day


def due_date(duty: DutyRule, trigger: date) -> date:
    """The day ``duty`` triggered on ``trigger`` is due (see the module docstring)."""
    if duty.due_value is None:
        return trigger
    if duty.due_unit == "calendar_days":
        return trigger + timedelta(days=duty.due_value - 1)
    if duty.due_unit in ("working_days", "business_days"):
        return add_working_days(trigger, duty.due_value)
    if duty.due_unit == "hours":
        return trigger + timedelta(days=-(-duty.due_value // 24) - 1)
    raise StayDataError(f"{duty.id}: unknown due unit {duty.due_unit!r}")  # pragma: no cover


def _in_force(duty: DutyRule, day: date) -> bool:
    return (duty.effective_from is None or duty.effective_from <= day) and (
        duty.effective_to is None or day <= duty.effective_to
    )


def duties_for(
    host: str,
    nationality: str,
    entries: Sequence[date],
    *,
    duty_rules: Sequence[DutyRule] | None = None,
) -> list[Duty]:
    """The dated duties for these entry days into ``host``, sorted by due date, then id.

    ``host`` and ``nationality`` are ISO2 codes in any case; an entry day listed twice gives its
    duties once.  Duties with a condition (``DutyRule.condition``, e.g. only for an asylum
    claim) or a minimum stay (``applies_if_stay_longer_than_days``) are listed too: the caller
    knows the person's plans and may drop them.  ``duty_rules`` replaces the default data
    (e.g. rules edited by an admin); it is filtered by host and nationality all the same.
    """
    host, nationality = host.upper(), nationality.upper()
    if duty_rules is None:
        duty_rules = DUTY_RULES.get((host, nationality), ())
    rules = [duty for duty in duty_rules if (duty.host, duty.nationality) == (host, nationality)]
    duties = [
        Duty(duty.id, due_date(duty, entry), duty.description_key, _first_source(duty))
        for entry in sorted(set(entries))
        for duty in rules
        if _in_force(duty, entry)
    ]
    return sorted(duties, key=lambda duty: (duty.due_date, duty.duty_id))


def _first_source(duty: DutyRule) -> Source:
    if not duty.provenance.sources:
        raise StayDataError(f"{duty.id}: a duty needs at least one source")
    return duty.provenance.sources[0]
