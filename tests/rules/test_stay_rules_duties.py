"""Registration and other duties per entry: dates worked by hand from the research records."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haven.rules.stay_clock import (
    DUTY_RULES,
    Duty,
    DutyRule,
    Provenance,
    Source,
    add_working_days,
    duties_for,
)

MONDAY = date(2023, 3, 6)  # Jan 2 2023 was a Monday; Mar 6 is 9 weeks later


def due(host: str, *entries: date) -> list[tuple[str, date]]:
    return [(duty.duty_id, duty.due_date) for duty in duties_for(host, "RU", entries)]


def test_kazakhstan_entry_on_a_monday() -> None:
    assert MONDAY.weekday() == 0
    assert due("KZ", MONDAY) == [  # sorted by due date
        ("kz-ru-host-notification", date(2023, 3, 8)),  # Mon, Tue, Wed
        ("kz-asylum-claim-deadline", date(2023, 3, 10)),  # 5 days, Mar 6 is day 1
        ("kz-ru-trp-application-deadline", date(2023, 6, 3)),  # Mar 6 + 89: the 90th day
    ]


@pytest.mark.parametrize(
    ("entry", "notify_by"),
    [
        (date(2023, 3, 10), date(2023, 3, 14)),  # Friday: Fri, Mon, Tue
        (date(2023, 3, 11), date(2023, 3, 15)),  # Saturday: Mon, Tue, Wed
        (date(2023, 3, 12), date(2023, 3, 15)),  # Sunday: Mon, Tue, Wed
        (date(2023, 3, 8), date(2023, 3, 10)),  # Wednesday: Wed, Thu, Fri
        (date(2023, 3, 9), date(2023, 3, 13)),  # Thursday: Thu, Fri, Mon
    ],
)
def test_kazakhstan_notification_skips_weekends(entry: date, notify_by: date) -> None:
    assert ("kz-ru-host-notification", notify_by) in due("KZ", entry)


def test_kazakhstan_notification_starts_on_11_january_2020() -> None:
    ids = {duty_id for duty_id, _ in due("KZ", date(2020, 1, 10))}
    assert "kz-ru-host-notification" not in ids
    assert "kz-ru-host-notification" in {duty_id for duty_id, _ in due("KZ", date(2020, 1, 11))}


def test_uzbekistan_registration_within_15_days_from_4_june_2022() -> None:
    assert due("UZ", date(2024, 3, 1)) == [("uz-ru-registration", date(2024, 3, 15))]
    assert due("UZ", date(2022, 6, 3)) == []
    assert due("UZ", date(2022, 6, 4)) == [("uz-ru-registration", date(2022, 6, 18))]


def test_hours_are_due_on_the_safe_day() -> None:
    # 24 hours: the arrival day itself, since the hour of arrival is unknown.
    assert due("RS", date(2024, 3, 10)) == [("rs-registration", date(2024, 3, 10))]
    assert due("ME", date(2024, 7, 1)) == [("me-registration", date(2024, 7, 1))]


def test_mongolia_business_days_and_48_hours() -> None:
    monday = date(2024, 7, 1)
    assert monday.weekday() == 0
    assert due("MN", monday) == [
        ("mn-host-arrival-registration", date(2024, 7, 2)),  # 48 h: the day after arrival
        ("mn-registration", date(2024, 7, 9)),  # Mon 1 .. Fri 5 (5), Mon 8 (6), Tue 9 (7)
    ]


def test_kyrgyzstan_and_georgia() -> None:
    assert due("KG", date(2024, 1, 10)) == [("kg-ru-registration", date(2024, 2, 8))]  # +29
    # Insurance is needed at the border from 1 Jan 2026: due on the entry day.
    assert due("GE", date(2026, 2, 10)) == [("ge-health-insurance", date(2026, 2, 10))]
    assert due("GE", date(2025, 12, 31)) == []


@pytest.mark.parametrize("host", ["AM", "IL", "AE", "TR", "PL", "FR"])
def test_hosts_without_a_researched_duty(host: str) -> None:
    assert due(host, date(2024, 1, 10)) == []


def test_several_entries_sorted_and_deduplicated() -> None:
    entries = [date(2024, 5, 1), date(2024, 3, 1), date(2024, 3, 1)]
    assert due("uz", *entries) == [
        ("uz-ru-registration", date(2024, 3, 15)),
        ("uz-ru-registration", date(2024, 5, 15)),
    ]


def test_a_duty_carries_its_description_key_and_first_source() -> None:
    (duty,) = [d for d in duties_for("kz", "ru", [MONDAY]) if d.duty_id.endswith("notification")]
    assert duty.description_key == "stay_duty.kz-ru-host-notification"
    assert duty.source.url == "https://expatcentre.aifc.kz/en/notification-and-registration"
    duty_id, due_date, key, source = duty  # a plain 4-tuple too
    assert (duty_id, due_date, key, source) == tuple(duty)


def test_conditions_and_minimum_stays_are_data_for_the_caller() -> None:
    rules = {rule.id: rule for rule in DUTY_RULES[("KZ", "RU")]}
    assert rules["kz-asylum-claim-deadline"].condition == "asylum_claim"
    assert rules["kz-ru-trp-application-deadline"].applies_if_stay_longer_than_days == 90
    assert rules["kz-ru-host-notification"].responsible == "host"


def test_edited_duty_rules_replace_the_defaults() -> None:
    weekly = DutyRule(
        id="xx-check-in",
        host="XX",
        nationality="RU",
        obligation="check_in",
        due_value=10,
        due_unit="working_days",
        trigger="each_entry",
        responsible="foreigner",
        provenance=Provenance("low", None, (Source("https://example.org", "t", "p"),)),
        effective_to=date(2024, 12, 31),
    )
    assert duties_for("XX", "RU", [MONDAY], duty_rules=[weekly]) == [
        Duty(
            "xx-check-in", date(2023, 3, 17), "stay_duty.xx-check-in", weekly.provenance.sources[0]
        )
    ]
    assert duties_for("XX", "RU", [date(2025, 1, 6)], duty_rules=[weekly]) == []
    assert duties_for("YY", "RU", [MONDAY], duty_rules=[weekly]) == []


def test_add_working_days() -> None:
    assert add_working_days(MONDAY, 1) == MONDAY
    assert add_working_days(MONDAY, 5) == date(2023, 3, 10)
    assert add_working_days(MONDAY, 6) == date(2023, 3, 13)
    assert add_working_days(MONDAY, 11) == date(2023, 3, 20)
    with pytest.raises(ValueError, match="at least 1"):
        add_working_days(MONDAY, 0)


@given(st.dates(date(2020, 1, 1), date(2030, 1, 1)), st.integers(1, 60))
def test_add_working_days_counts_exactly_that_many_weekdays(start: date, count: int) -> None:
    end = add_working_days(start, count)
    assert end.weekday() < 5
    weekdays = sum((start + timedelta(n)).weekday() < 5 for n in range((end - start).days + 1))
    assert weekdays == count
