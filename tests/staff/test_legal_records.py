"""Recording crossings and documents from the resident page; duties shown there."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from haven.core.models import (
    Appointment,
    AuditEntry,
    BorderCrossing,
    CalendarFeed,
    Destination,
    PathwayCase,
    ResidentClock,
    ResidentDocument,
    ResidentTask,
    Stay,
)
from tests.conftest import Network, Personas, login
from tests.staff.clock_objects import legal_objects
from tests.staff.conftest import resident

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def now() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def stay(network: Network, personas: Personas) -> Stay:
    return resident(network.almaty_beds[0], personas.admin, entered_on=date(2026, 10, 1))


def _url(name: str, stay: Stay) -> str:
    return reverse(f"staff:{name}", kwargs={"public_id": stay.person.public_id})


def _page(response: object) -> str:
    return " ".join(response.content.decode().split())  # type: ignore[attr-defined]


def test_only_caseworkers_see_the_forms(stay: Stay, personas: Personas) -> None:
    coordinator = _page(login(personas.coordinator).get(_url("resident", stay)))
    assert "Record an entry" in coordinator
    assert "Record an exit" in coordinator
    assert "Record a document" in coordinator
    assert "Open a case" in coordinator
    outsider = login(personas.outsider).post(
        _url("record_crossing", stay),
        {"crossing-country": "KZ", "crossing-entered_on": "2026-10-20"},
    )
    assert outsider.status_code == 404
    assert login(personas.volunteer).post(_url("record_exit", stay), {}).status_code == 403


def test_recording_an_exit_and_a_new_entry(stay: Stay, personas: Personas) -> None:
    client = login(personas.coordinator)
    response = client.post(_url("record_exit", stay), {"exit-exited_on": "2026-10-25"})
    assert response.status_code == 302
    assert response["Location"] == _url("resident", stay)
    response = client.post(
        _url("record_crossing", stay),
        {
            "crossing-country": "KZ",
            "crossing-entered_on": "2026-10-26",
            "crossing-document": "ru_international_passport",
        },
    )
    assert response.status_code == 302
    crossings = list(BorderCrossing.objects.filter(person=stay.person).order_by("entered_on"))
    assert [(c.entered_on, c.exited_on) for c in crossings] == [
        (date(2026, 10, 1), date(2026, 10, 25)),
        (date(2026, 10, 26), None),
    ]
    page = _page(client.get(_url("resident", stay)))
    assert "Entry recorded; the legal clock is updated." in page
    # Kazakhstan counts 90 in any 180 days, so the new entry gains almost nothing.
    assert "58 days left, last legal day Dec. 29, 2026" in page
    assert "The host notifies the authorities of the arrival" in page
    assert "Mark done" in page
    assert AuditEntry.objects.filter(action="resident.crossing.recorded").count() == 1


def test_a_contradiction_is_shown_on_the_form(stay: Stay, personas: Personas) -> None:
    response = login(personas.coordinator).post(
        _url("record_crossing", stay),
        {
            "crossing-country": "KZ",
            "crossing-entered_on": "2026-10-20",
            "crossing-document": "ru_internal_passport",
        },
    )
    assert response.status_code == 200
    assert "record when they left first" in response.content.decode()
    assert BorderCrossing.objects.filter(person=stay.person).count() == 1


def test_a_residence_permit_changes_the_clock(stay: Stay, personas: Personas) -> None:
    client = login(personas.coordinator)
    response = client.post(
        _url("record_document", stay),
        {
            "document-kind": "residence_permit",
            "document-status": "issued",
            "document-country": "KZ",
            "document-valid_from": "2026-10-15",
            "document-valid_to": "2027-10-14",
            "document-note": "",
        },
    )
    assert response.status_code == 302
    page = _page(client.get(_url("resident", stay)))
    assert "347 days left, last legal day Oct. 14, 2027" in page
    assert "The date is the end of a residence permit or visa recorded below." in page
    assert "pauses the visa-free count" in page
    assert ResidentClock.objects.get(person=stay.person).last_legal_day == date(2027, 10, 14)


def test_a_permit_needs_its_country(stay: Stay, personas: Personas) -> None:
    response = login(personas.coordinator).post(
        _url("record_document", stay),
        {
            "document-kind": "visa",
            "document-status": "issued",
            "document-valid_from": "2026-10-15",
        },
    )
    assert response.status_code == 200
    assert "Say which country issued the permit or visa." in response.content.decode()
    assert not ResidentDocument.objects.exists()


def test_changing_and_removing_a_document(stay: Stay, personas: Personas) -> None:
    document = ResidentDocument.objects.create(
        person=stay.person,
        kind=ResidentDocument.Kind.INTERNATIONAL_PASSPORT,
        status=ResidentDocument.Status.APPLIED,
        note="appointment at the passport office",
        created_by=personas.admin,
    )
    client = login(personas.coordinator)
    url = reverse("staff:edit_document", kwargs={"public_id": document.public_id})
    form = client.get(url)
    assert "appointment at the passport office" in form.content.decode()
    assert AuditEntry.objects.filter(action="resident.document.viewed").count() == 1
    response = client.post(
        url,
        {"document-status": "issued", "document-valid_to": "2036-10-01", "document-note": ""},
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert (document.status, document.valid_to, document.note) == (
        "issued",
        date(2036, 10, 1),
        "",
    )
    remove = reverse("staff:remove_document", kwargs={"public_id": document.public_id})
    unconfirmed = client.post(remove, {})
    assert unconfirmed.status_code == 200
    assert ResidentDocument.objects.filter(pk=document.pk).exists()
    assert client.post(remove, {"remove-confirm": "on"}).status_code == 302
    assert not ResidentDocument.objects.filter(pk=document.pk).exists()


LEGAL_POSTS = (
    "record_crossing",
    "record_exit",
    "record_document",
    "edit_document",
    "remove_document",
    "complete_task",
    "open_case",
    "update_case",
    "add_appointment",
    "calendar",
    "verify_destination",
)


def _counts() -> list[object]:
    return [
        list(BorderCrossing.objects.values_list("pk", "exited_on").order_by("pk")),
        list(ResidentDocument.objects.values_list("pk", "status").order_by("pk")),
        list(ResidentTask.objects.values_list("pk", "done_at").order_by("pk")),
        list(PathwayCase.objects.values_list("pk", "status").order_by("pk")),
        Appointment.objects.count(),
        list(CalendarFeed.objects.values_list("token_hash", flat=True)),
        list(Destination.objects.values_list("last_verified", flat=True)),
    ]


@pytest.mark.parametrize("name", LEGAL_POSTS)
def test_empty_forms_change_nothing(
    name: str, stay: Stay, network: Network, personas: Personas
) -> None:
    other = resident(network.astana_beds[0], personas.admin, display_name="Other").person
    objects = legal_objects(stay.person, other, personas.coordinator, personas.admin)
    kinds = {
        "edit_document": "document",
        "remove_document": "document",
        "complete_task": "task",
        "update_case": "case",
        "add_appointment": "case",
        "verify_destination": "destination",
    }
    if name == "calendar":
        url = reverse("staff:calendar")
    elif name in kinds:
        kind = kinds[name]
        public_id = objects[kind]["any" if kind == "destination" else "in"]
        url = reverse(f"staff:{name}", kwargs={"public_id": public_id})
    else:
        url = _url(name, stay)
    before = _counts()
    response = login(personas.admin).post(url, {})
    assert response.status_code == 200
    assert _counts() == before
