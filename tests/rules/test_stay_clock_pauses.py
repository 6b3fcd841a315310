"""Pauses: periods under a residence permit or visa do not count toward visa-free limits.

Small synthetic rules, answers computed by hand (day numbers: Jan 1 2024 is day 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest

from haven.rules.stay_clock import ClockResult, Presence, StayRule, compute_clock

FIXED_10 = StayRule("f10", "XX", "fixed", 10, None, None, None, None)
ROLLING_10_IN_30 = StayRule("r10", "XX", "rolling", None, 30, 10, None, None)
UNKNOWN = StayRule("u", "XX", "unknown", None, None, None, None, None)


def jan(day: int) -> date:
    return date(2024, 1, day)


def feb(day: int) -> date:
    return date(2024, 2, day)


def clock(
    on: date,
    stays: Sequence[tuple[date, date | None]],
    pauses: Sequence[tuple[date, date | None]],
    rules: tuple[StayRule, ...] = (FIXED_10,),
) -> ClockResult:
    return compute_clock(
        [Presence(*stay) for stay in stays],
        on,
        rules,
        pauses=[Presence(*pause) for pause in pauses],
    )


def test_no_pauses_is_the_plain_clock() -> None:
    assert clock(jan(3), [(jan(1), None)], []) == ClockResult("ok", jan(10), 7, ("f10",))


def test_pause_covering_on_gives_its_end() -> None:
    result = clock(jan(8), [(jan(1), None)], [(jan(5), jan(20))])
    assert result == ClockResult("ok", jan(20), 12, ())


def test_pause_covering_on_with_unknown_end_needs_a_check() -> None:
    result = clock(jan(8), [(jan(1), None)], [(jan(5), None)])
    assert result == ClockResult("needs_check", None, None, ())


def test_paused_days_do_not_count_toward_the_per_stay_limit() -> None:
    # Visa-free Jan 1-4 (4 days), paused Jan 5-20, then 6 more: Jan 21-26.
    result = clock(jan(22), [(jan(1), None)], [(jan(5), jan(20))])
    assert result == ClockResult("ok", jan(26), 4, ("f10",))


def test_paused_days_do_not_count_in_a_rolling_window() -> None:
    # Jan 1-10 present but Jan 3-10 paused: 2 counted.  Back Jan 15: Jan 15-22 makes 10.
    stays = [(jan(1), jan(10)), (jan(15), None)]
    result = clock(jan(15), stays, [(jan(3), jan(10))], (ROLLING_10_IN_30,))
    assert result == ClockResult("ok", jan(22), 7, ("r10",))
    # Without the pause the window Dec 17..Jan 15 already holds 10 + 1: overstay on arrival.
    plain = clock(jan(15), stays, [], (ROLLING_10_IN_30,))
    assert plain == ClockResult("overstay", jan(14), -1, ("r10",))


def test_touching_and_overlapping_pauses_merge() -> None:
    # A permit to Jan 10 and a visa from Jan 11 (and a duplicate): paused Jan 2-25 throughout.
    pauses = [(jan(2), jan(10)), (jan(11), jan(25)), (jan(5), jan(7))]
    assert clock(jan(12), [(jan(1), None)], pauses) == ClockResult("ok", jan(25), 13, ())
    # Before the visa starts it is a future pause, not counted yet: the permit end is the date.
    assert clock(jan(8), [(jan(1), None)], pauses) == ClockResult("ok", jan(10), 2, ())
    # Open-ended overlapping a closed one: the end is unknown.
    open_ended = [(jan(2), jan(10)), (jan(9), None)]
    assert clock(jan(9), [(jan(1), None)], open_ended).status == "needs_check"


def test_pause_covering_the_entry_day_starts_the_count_after_it() -> None:
    # Entered Jan 1 on a visa to Jan 5: visa-free Jan 6-15.
    result = clock(jan(6), [(jan(1), None)], [(jan(1), jan(5))])
    assert result == ClockResult("ok", jan(15), 9, ("f10",))


def test_the_entry_rule_is_the_rule_on_the_first_counted_day() -> None:
    # Unknown rule until Jan 31, fixed 10 from Feb 1.  Entered Jan 10 on a visa to Jan 31:
    # the visa-free count starts Feb 1 under the known rule: Feb 1-10.
    old = StayRule("u", "XX", "unknown", None, None, None, None, jan(31))
    new = StayRule("f10", "XX", "fixed", 10, None, None, feb(1), None)
    result = clock(feb(2), [(jan(10), None)], [(jan(10), jan(31))], (old, new))
    assert result == ClockResult("ok", feb(10), 8, ("f10",))
    # Without the visa the stay began under the unknown rule.
    assert clock(feb(2), [(jan(10), None)], [], (old, new)).status == "needs_check"


def test_pause_starting_after_on_is_ignored() -> None:
    result = clock(jan(3), [(jan(1), None)], [(jan(5), jan(20))])
    assert result == ClockResult("ok", jan(10), 7, ("f10",))


def test_left_during_a_pause_gives_its_end_from_the_exit_day() -> None:
    result = clock(jan(28), [(jan(1), jan(8))], [(jan(5), jan(20))])
    assert result == ClockResult("ok", jan(20), 12, ())


def test_pause_end_is_given_even_without_computable_rules() -> None:
    # The date is the permit's, not a stay rule's: given for an unknown rule and for no rules.
    for rules in ((UNKNOWN,), ()):
        result = clock(jan(8), [(jan(1), None)], [(jan(5), jan(20))], rules)
        assert result == ClockResult("ok", jan(20), 12, ())
        assert clock(jan(3), [(jan(1), None)], [(jan(5), jan(20))], rules).status == ("needs_check")


def test_pauses_outside_presence_change_nothing() -> None:
    pauses = [(date(2023, 6, 1), date(2023, 8, 1)), (feb(10), feb(20))]
    assert clock(jan(3), [(jan(1), None)], pauses) == clock(jan(3), [(jan(1), None)], [])


def test_no_stay_needs_a_check_even_under_a_pause() -> None:
    assert clock(jan(3), [], [(jan(1), jan(20))]) == ClockResult("needs_check", None, None, ())


def test_a_pause_ending_before_its_start_is_rejected() -> None:
    with pytest.raises(ValueError, match="before"):
        clock(jan(3), [(jan(1), None)], [(jan(5), jan(4))])
