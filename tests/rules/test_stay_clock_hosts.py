"""Every host's rule data, property-tested: against a brute-force day count of the documented
semantics (with pauses), and "unclear or unknown rules never give a confident date"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.rules.stay_clock import (
    RULE_SETS,
    VISA_FREE_DOCUMENTS,
    ClockResult,
    Presence,
    Status,
    StayRule,
    compute_clock,
    rule_by_id,
    rules_for,
)

# Every (host, nationality, document) with rules, and a few documents a host refuses.
COMBOS = sorted(
    (host, nationality, document)
    for (host, nationality), documents in VISA_FREE_DOCUMENTS.items()
    for document in documents
)
HOSTS = sorted({host for host, _ in RULE_SETS})


def interesting_days(rules: Sequence[StayRule]) -> list[date]:
    """Days near which histories start: rule changes, or a default."""
    days = [date(2024, 1, 1)]
    for rule in rules:
        days += [day for day in (rule.effective_from, rule.effective_to) if day is not None]
    return days


@st.composite
def situations(
    draw: st.DrawFn, rules: Sequence[StayRule]
) -> tuple[list[Presence], date, list[Presence]]:
    """Up to five stays (same-day returns allowed, the latest maybe open), ``on`` inside or
    after the latest stay, and up to three pauses (some open-ended) around them."""
    base = draw(st.sampled_from(interesting_days(rules))) - timedelta(draw(st.integers(0, 300)))
    stays: list[Presence] = []
    day = base
    for _ in range(draw(st.integers(0, 4))):
        length = draw(st.integers(1, 120))
        stays.append(Presence(day, day + timedelta(length - 1)))
        day += timedelta(length - 1 + draw(st.integers(0, 120)))
    open_ended = draw(st.booleans())
    length = draw(st.integers(1, 120))
    stays.append(Presence(day, None if open_ended else day + timedelta(length - 1)))
    on = day + timedelta(draw(st.integers(0, 200)))
    pauses = []
    for _ in range(draw(st.integers(0, 3))):
        first = base + timedelta(draw(st.integers(0, (on - base).days + 30)))
        end = None if draw(st.integers(0, 9)) == 0 else first + timedelta(draw(st.integers(0, 200)))
        pauses.append(Presence(first, end))
    return stays, on, pauses


def oracle(
    stays: list[Presence], on: date, rules: Sequence[StayRule], pauses: list[Presence]
) -> ClockResult:
    """The documented semantics, by brute force over an array of days."""
    known = [stay for stay in stays if stay.entered <= on]
    if not known:
        return ClockResult("needs_check", None, None, ())
    current = max(known, key=lambda stay: (stay.entered, stay.exited or date.max))
    reference = on if current.exited is None or current.exited >= on else current.exited
    origin = min(stay.entered for stay in known) - timedelta(400)
    size = (reference - origin).days + 2000
    horizon = origin + timedelta(size - 1)

    def index(day: date) -> int:
        return (day - origin).days

    paused = [False] * size
    for pause in pauses:
        if pause.entered <= reference:
            last = horizon if pause.exited is None else min(pause.exited, horizon)
            for n in range(index(max(pause.entered, origin)), index(last) + 1):
                paused[n] = True
    if paused[index(reference)]:
        n = index(reference)
        while n < size and paused[n]:
            n += 1
        if n == size:  # runs to the horizon: an open-ended pause
            return ClockResult("needs_check", None, None, ())
        end = origin + timedelta(n - 1)
        return ClockResult("ok", end, (end - reference).days, ())

    present = [False] * size
    for stay in known:
        if stay is not current:
            assert stay.exited is not None
            for n in range(index(stay.entered), index(stay.exited) + 1):
                present[n] = True
    for n in range(index(current.entered), size):
        present[n] = True
    counted = [present[n] and not paused[n] for n in range(size)]
    prefix = [0]
    for flag in counted:
        prefix.append(prefix[-1] + flag)

    def count(first: date, last: date) -> int:
        return prefix[index(last) + 1] - prefix[max(index(first), 0)]

    def rule_on(day: date) -> StayRule | None:
        for rule in rules:
            if (rule.effective_from or date.min) <= day <= (rule.effective_to or date.max):
                return rule
        return None

    start = current.entered
    while paused[index(start)]:
        start += timedelta(1)
    entry_rule = rule_on(start)
    if entry_rule is None:
        return ClockResult("needs_check", None, None, ())
    used = [entry_rule.id]
    if not entry_rule.computable:
        return ClockResult("needs_check", None, None, tuple(used))
    day = start
    while True:
        if paused[index(day)]:
            day += timedelta(1)
            continue
        in_stay = count(start, day)
        if entry_rule.per_stay_days is not None and in_stay > entry_rule.per_stay_days:
            break
        judge = rule_on(day)
        if judge is not None and not judge.retroactive and start < (judge.effective_from or start):
            judge = entry_rule
        if judge is None or not judge.computable:
            if judge is not None and judge.id not in used:
                used.append(judge.id)
            return ClockResult("needs_check", None, None, tuple(used))
        if judge.id not in used:
            used.append(judge.id)
        if judge.per_stay_days is not None and in_stay > judge.per_stay_days:
            break
        if judge.window_days is not None and judge.window_limit is not None:
            first = day - timedelta(judge.window_days - 1)
            if not judge.retroactive and judge.effective_from is not None:
                first = max(first, judge.effective_from)
            if count(first, day) > judge.window_limit:
                break
        day += timedelta(1)
    last_legal = day - timedelta(1)
    status: Status = "overstay" if reference > last_legal else "ok"
    return ClockResult(status, last_legal, (last_legal - reference).days, tuple(used))


properties = settings(max_examples=60, deadline=None)


@pytest.mark.parametrize(("host", "nationality", "document"), COMBOS)
def test_every_host_matches_brute_force(host: str, nationality: str, document: str) -> None:
    rules = rules_for(host, nationality, document)

    @properties
    @given(situations(rules))
    def check(situation: tuple[list[Presence], date, list[Presence]]) -> None:
        stays, on, pauses = situation
        assert compute_clock(stays, on, rules, pauses=pauses) == oracle(stays, on, rules, pauses)

    check()


@pytest.mark.parametrize("host", HOSTS)
def test_no_confident_date_from_an_unclear_or_unknown_rule(host: str) -> None:
    """A date comes either from computable rules only, or (with no rule ids) from the end of
    a pause that covers the reference day; hosts whose rules are all unclear or unknown give
    a date only in the second case."""
    rule_sets = [rules_for(host, "RU", document) for document in VISA_FREE_DOCUMENTS[(host, "RU")]]
    rule_sets.append(RULE_SETS[(host, "RU")][:1])  # any single rule, whatever its documents

    @properties
    @given(
        st.sampled_from(rule_sets).flatmap(
            lambda rules: st.tuples(st.just(rules), situations(rules))
        )
    )
    def check(
        drawn: tuple[tuple[StayRule, ...], tuple[list[Presence], date, list[Presence]]],
    ) -> None:
        rules, (stays, on, pauses) = drawn
        result = compute_clock(stays, on, rules, pauses=pauses)
        if result.status == "needs_check":
            assert (result.last_legal_day, result.days_left) == (None, None)
            return
        assert result.last_legal_day is not None
        if result.rule_ids:
            assert all(rule_by_id(rule_id).computable for rule_id in result.rule_ids)
        else:  # the end of a pause covering the reference day
            assert any(
                pause.entered <= on and pause.exited == result.last_legal_day for pause in pauses
            )
        if not any(rule.computable for rule in rules):
            assert not result.rule_ids

    check()


@pytest.mark.parametrize("host", ["AM", "UZ"])
def test_armenia_and_uzbekistan_never_give_a_date_without_a_permit(host: str) -> None:
    rules = RULE_SETS[(host, "RU")]

    @properties
    @given(situations(rules))
    def check(situation: tuple[list[Presence], date, list[Presence]]) -> None:
        stays, on, _ = situation
        result = compute_clock(stays, on, rules)
        assert (result.status, result.last_legal_day, result.days_left) == (
            "needs_check",
            None,
            None,
        )

    check()
