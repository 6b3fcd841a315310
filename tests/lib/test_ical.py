"""The iCalendar writer: escaping, folding and line endings (RFC 5545 3.1, 3.3.11)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haven.lib import ical


def unfold(text: str) -> list[str]:
    """Content lines as a calendar app reads them (RFC 5545 3.1)."""
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")  # no bare line feeds
    return text[:-2].replace("\r\n ", "").split("\r\n")


def unescape(value: str) -> str:
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars)
            out.append("\n" if following in "nN" else following)
        else:
            out.append(char)
    return "".join(out)


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("Embassy, room 3; desk 2", "Embassy\\, room 3\\; desk 2"),
        ("back\\slash", "back\\\\slash"),
        ("two\nlines\r\nand\rmore", "two\\nlines\\nand\\nmore"),
        ("Посольство Германии", "Посольство Германии"),
    ],
)
def test_text_is_escaped(raw: str, escaped: str) -> None:
    assert ical.escape_text(raw) == escaped
    assert unescape(escaped) == raw.replace("\r\n", "\n").replace("\r", "\n")


def test_long_lines_are_folded_at_75_octets_without_splitting_characters() -> None:
    line = "SUMMARY:" + "Посольство Германии в Алматы, " * 6
    folded = ical.fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 1
    assert all(len(part.encode("utf-8")) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert "".join([parts[0], *(part[1:] for part in parts[1:])]) == line


@given(st.text(min_size=0, max_size=400))
def test_fold_and_unfold_round_trip(text: str) -> None:
    line = "DESCRIPTION:" + ical.escape_text(text)
    folded = ical.fold(line)
    assert all(len(part.encode("utf-8")) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line
    assert unescape(line.removeprefix("DESCRIPTION:")) == text.replace("\r\n", "\n").replace(
        "\r", "\n"
    )


def test_a_calendar_with_one_event() -> None:
    start = datetime(2026, 12, 1, 10, 30, tzinfo=timezone(timedelta(hours=5)))
    text = ical.calendar(
        [
            ical.Event(
                uid="abc@haven",
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                summary="Embassy: Artem",
                location="German embassy, Almaty",
                url="https://haven.example.org/en/staff/cases/1/",
            )
        ],
        name="Haven appointments",
        stamp=datetime(2026, 11, 1, 12, tzinfo=UTC),
    )
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 1
    assert "DTSTART:20261201T053000Z" in lines
    assert "DTEND:20261201T063000Z" in lines
    assert "DTSTAMP:20261101T120000Z" in lines
    assert "LOCATION:German embassy\\, Almaty" in lines


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        ical.utc_stamp(datetime(2026, 1, 1))  # noqa: DTZ001
