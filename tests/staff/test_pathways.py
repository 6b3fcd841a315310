"""Destinations, cases and appointments, and the calendar feed (parsed back as an app would)."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from haven.accounts.models import Membership
from haven.core.models import Appointment, AuditEntry, Destination, PathwayCase, Stay
from tests.conftest import Network, Personas, login
from tests.lib.test_ical import unescape, unfold
from tests.staff.conftest import resident

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def now() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def stays(network: Network, personas: Personas) -> dict[str, Stay]:
    return {
        "in": resident(network.almaty_beds[0], personas.admin, display_name="Artem"),
        "out": resident(network.astana_beds[0], personas.admin, display_name="Boris"),
    }


def _case(stay: Stay, personas: Personas, *starts: datetime, place: str = "Embassy") -> PathwayCase:
    case = PathwayCase.objects.create(
        person=stay.person,
        kind=PathwayCase.Kind.ASYLUM,
        steps="secret steps",
        created_by=personas.admin,
    )
    for start in starts:
        Appointment.objects.create(
            case=case,
            kind=Appointment.Kind.UN_OFFICE,
            place=place,
            starts_at=start,
            notes="secret note",
            created_by=personas.admin,
        )
    return case


def test_destinations_are_flagged_until_verified(personas: Personas) -> None:
    client = login(personas.volunteer)
    html = client.get(reverse("staff:destinations")).content.decode()
    assert html.count("needs re-verification") == Destination.objects.count() == 6
    germany = Destination.objects.get(code="DE")
    page = client.get(reverse("staff:destination", kwargs={"public_id": germany.public_id}))
    assert "Never verified" not in page.content.decode()  # the list says it; the page says:
    assert "never verified by staff." in page.content.decode()
    assert "https://www.proasyl.de/pressemitteilung/64691" in page.content.decode()
    assert "Record a verification" not in page.content.decode()

    admin = login(personas.admin)
    url = reverse("staff:verify_destination", kwargs={"public_id": germany.public_id})
    response = admin.post(
        url,
        {
            "verify-policy_notes": "Checked against every source.",
            "verify-confidence": "medium",
            "verify-verified_on": "2026-11-01",
            "verify-source_url": "",
        },
    )
    assert response.status_code == 302
    html = client.get(reverse("staff:destinations")).content.decode()
    assert html.count("needs re-verification") == 5
    with time_machine.travel(NOW + timedelta(days=91), tick=False):
        html = login(personas.volunteer).get(reverse("staff:destinations")).content.decode()
        assert html.count("needs re-verification") == 6


def test_a_source_needs_a_title(personas: Personas) -> None:
    germany = Destination.objects.get(code="DE")
    url = reverse("staff:verify_destination", kwargs={"public_id": germany.public_id})
    response = login(personas.admin).post(
        url,
        {
            "verify-policy_notes": "x",
            "verify-confidence": "high",
            "verify-verified_on": "2026-11-01",
            "verify-source_url": "https://example.org/",
        },
    )
    assert response.status_code == 200
    assert "Give the source" in response.content.decode()


def test_opening_a_case_and_adding_an_appointment(
    stays: dict[str, Stay], personas: Personas
) -> None:
    client = login(personas.coordinator)
    germany = Destination.objects.get(code="DE")
    response = client.post(
        reverse("staff:open_case", kwargs={"public_id": stays["in"].person.public_id}),
        {"case-kind": "humanitarian_visa", "case-destination": str(germany.public_id)},
    )
    case = PathwayCase.objects.get(person=stays["in"].person)
    assert response["Location"] == reverse("staff:case", kwargs={"public_id": case.public_id})
    page = client.get(response["Location"]).content.decode()
    assert "Asia/Almaty" in page  # the default time zone: the shelter's
    response = client.post(
        reverse("staff:add_appointment", kwargs={"public_id": case.public_id}),
        {
            "appointment-kind": "embassy",
            "appointment-place": "German embassy, Almaty",
            "appointment-day": "2026-12-01",
            "appointment-time": "10:30",
            "appointment-tz_name": "Asia/Almaty",
        },
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get(case=case)
    expected = datetime(2026, 12, 1, 10, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Almaty"))
    assert appointment.starts_at == expected
    response = client.post(
        reverse("staff:update_case", kwargs={"public_id": case.public_id}),
        {"update-status": "submitted", "update-steps": "Letter sent", "update-outcome": ""},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.steps) == ("submitted", "Letter sent")
    resident_page = client.get(
        reverse("staff:resident", kwargs={"public_id": case.person.public_id})
    )
    assert "humanitarian visa, Germany" in resident_page.content.decode()


def test_reading_case_details_is_audited(stays: dict[str, Stay], personas: Personas) -> None:
    case = _case(stays["in"], personas, NOW + timedelta(days=3))
    page = login(personas.coordinator).get(
        reverse("staff:case", kwargs={"public_id": case.public_id})
    )
    assert "secret note" in page.content.decode()
    assert AuditEntry.objects.filter(action="pathway.case.viewed").count() == 1


def _feed_url(client: Client) -> str:
    response = client.post(reverse("staff:calendar"), {"action": "create"})
    assert response.status_code == 200
    match = re.search(r'<code id="feed-url">([^<]+)</code>', response.content.decode())
    assert match is not None
    return match.group(1).replace("http://testserver", "")


def test_the_calendar_address_is_shown_once(personas: Personas, stays: dict[str, Stay]) -> None:
    client = login(personas.coordinator)
    url = _feed_url(client)
    assert re.fullmatch(r"/en/staff/calendar/[\w-]{40,}/appointments\.ics", url)
    again = client.get(reverse("staff:calendar")).content.decode()
    assert url not in again
    assert "You have a calendar address" in again
    assert login(personas.reviewer).get(reverse("staff:calendar")).status_code == 403


def test_the_feed(personas: Personas, stays: dict[str, Stay]) -> None:
    soon, later = NOW + timedelta(days=2), NOW + timedelta(days=30)
    place = "UNHCR, Room 3; desk \\ 2 — " + "очень длинный адрес " * 5
    _case(stays["in"], personas, soon, later, place=place)
    _case(stays["in"], personas, NOW - timedelta(days=3))  # long past: not listed
    _case(stays["out"], personas, soon)  # another shelter's resident
    url = _feed_url(login(personas.coordinator))

    response = Client().get(url)  # a calendar app: no session
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode("utf-8")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    lines = unfold(text)
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 2
    assert lines.count("SUMMARY:UN office: Artem") == 2
    locations = [
        unescape(line[len("LOCATION:") :]) for line in lines if line.startswith("LOCATION:")
    ]
    assert locations == [place, place]
    starts = [line for line in lines if line.startswith("DTSTART:")]
    assert starts == ["DTSTART:20261103T120000Z", "DTSTART:20261201T120000Z"]
    assert "Boris" not in text
    assert "secret" not in text  # no steps, no notes
    assert "asylum" not in text.lower()  # nor the kind of case


def test_wrong_revoked_and_orphaned_tokens_are_404(
    personas: Personas, stays: dict[str, Stay], network: Network
) -> None:
    client = login(personas.coordinator)
    url = _feed_url(client)
    wrong = url.replace("/calendar/", "/calendar/x")
    assert Client().get(wrong).status_code == 404
    assert Client().get(url).status_code == 200
    # No longer a coordinator anywhere: the address stops working.
    Membership.objects.filter(user=personas.coordinator).delete()
    assert Client().get(url).status_code == 404
    Membership.objects.create(user=personas.coordinator, shelter=network.almaty, role="coordinator")
    assert Client().get(url).status_code == 200
    client.post(reverse("staff:calendar"), {"action": "revoke"})
    assert Client().get(url).status_code == 404


def test_a_new_address_replaces_the_old(personas: Personas, stays: dict[str, Stay]) -> None:
    client = login(personas.coordinator)
    first = _feed_url(client)
    second = _feed_url(client)
    assert first != second
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200


def test_outcome_date_shown(stays: dict[str, Stay], personas: Personas) -> None:
    case = _case(stays["in"], personas)
    case.status, case.outcome, case.outcome_on = "decided", "refused", date(2026, 10, 30)
    case.save()
    page = login(personas.admin).get(reverse("staff:case", kwargs={"public_id": case.public_id}))
    assert "refused, Oct. 30, 2026" in " ".join(page.content.decode().split())
