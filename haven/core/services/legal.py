"""The legal-stay clock for a person, from their recorded border crossings."""

from __future__ import annotations

from datetime import date

from haven.core.models import BorderCrossing, Person
from haven.rules.stay_clock import ClockResult, Presence, compute_clock, rules_for


def clock_for_presence(
    host: str, nationality: str, document: str, presence: list[Presence], on: date
) -> ClockResult:
    """Clock in ``host``; without researched rules the answer is ``needs_check``, never a date."""
    return compute_clock(presence, on, rules_for(host, nationality, document))


def clock_for(person: Person, on: date) -> ClockResult | None:
    """Clock in the country of the person's latest entry; ``None`` with no crossing recorded.

    The document of the latest entry selects the rules (a residence permit or visa has its own
    end date, so those come back as ``needs_check``).
    """
    crossings = list(
        BorderCrossing.objects.filter(person=person)
        .select_related("country")
        .order_by("entered_on")
    )
    if not crossings:
        return None
    latest = crossings[-1]
    presence = [
        Presence(entered=c.entered_on, exited=c.exited_on)
        for c in crossings
        if c.country_id == latest.country_id
    ]
    return clock_for_presence(
        latest.country.code, person.nationality, latest.document, presence, on
    )
