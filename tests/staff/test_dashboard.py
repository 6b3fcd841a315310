"""The network dashboard, its downloads and the rent form (network admins).

Downloads need a recent re-authentication and never carry a name, a contact, an answer or a
date of birth; each is audited. Who may open what is walked in test_access_matrix.py.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import reverse

from haven.core.models import AuditEntry, Shelter, Stay
from haven.core.services.exports import KINDS, pseudonym
from haven.core.services.stays import check_out
from tests.conftest import Network, Personas, login, reauthenticate
from tests.staff.conftest import resident

NOW = datetime(2026, 11, 25, 9, tzinfo=UTC)
DASHBOARD = "/en/staff/dashboard/"  # reverse("staff:dashboard") under the english fixture
DOWNLOAD = "/en/staff/dashboard/download/"

# What no export may hold: each person's name, contact, free-text answer and year of birth.
PEOPLE = [
    ("Zinaida Secretova", "@zinaida_hidden_77", "Fled after a search at Ulitsa Tainaya 5.", 1961),
    ("Yaroslav Nevidimov", "+7 701 555 0199", "My brother is in prison for a repost.", 1958),
]


@pytest.fixture
def stays(network: Network, personas: Personas) -> list[Stay]:
    with time_machine.travel(NOW, tick=False):
        made = [
            resident(
                bed,
                personas.admin,
                date(2026, 11, 2),
                display_name=name,
                contact=contact,
                situation=situation,
                birth_year=born,
            )
            for bed, (name, contact, situation, born) in zip(
                network.almaty_beds, PEOPLE, strict=False
            )
        ]
        made[1] = check_out(made[1], date(2026, 11, 20), Stay.Outcome.VISA, actor=personas.admin)
    return made


def _download(client: Client, kind: str, file_format: str) -> Any:
    return client.post(DOWNLOAD, {"export-kind": kind, "export-file_format": file_format})


def _text(response: Any) -> str:
    """Every piece of text in a download: a CSV as is, an XLSX's XML parts unzipped."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith("text/csv"):
        return content.decode("utf-8-sig")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode() for name in archive.namelist())


@time_machine.travel(NOW, tick=False)
def test_admin_sees_every_figure(personas: Personas, stays: list[Stay]) -> None:
    response = login(personas.admin).get(DASHBOARD)
    assert response.status_code == 200
    page = response.content.decode()
    for section in ("occupancy", "waitlist", "deadlines", "outcomes", "costs", "export"):
        assert f'id="{section}"' in page
    # A chart per shelter for occupancy, two for the waitlist, one each for deadlines and
    # outcomes; no cost chart without a rent.
    assert page.count('<svg class="chart') == Shelter.objects.count() + 4
    assert 'role="img"' in page
    assert "style=" not in page  # the Content-Security-Policy allows no style attribute
    assert "<script" not in page
    # Figures, not people: no name, contact or answer on the page.
    for name, contact, situation, _born in PEOPLE:
        assert name not in page
        assert contact not in page
        assert situation not in page
    assert "No rent recorded." in page


@time_machine.travel(NOW, tick=False)
def test_the_dashboard_page_runs_a_fixed_number_of_queries(
    personas: Personas, stays: list[Stay], django_assert_max_num_queries: Any
) -> None:
    client = login(personas.admin)
    client.get(DASHBOARD)  # the clocks computed today are stored: no stale path on repeat
    with django_assert_max_num_queries(14):
        assert client.get(DASHBOARD).status_code == 200


def test_the_dashboard_is_in_the_admins_navigation_only(personas: Personas) -> None:
    assert DASHBOARD in login(personas.admin).get("/en/staff/shelters/").content.decode()
    for user in (personas.reviewer, personas.coordinator, personas.volunteer):
        assert DASHBOARD not in login(user).get("/en/staff/shelters/").content.decode()


@time_machine.travel(NOW, tick=False)
def test_a_download_needs_a_recent_confirmation(personas: Personas, stays: list[Stay]) -> None:
    client = login(personas.admin)
    response = _download(client, "stays", "csv")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("staff:reauth"))
    assert "attachment" not in response.get("Content-Disposition", "")
    assert not AuditEntry.objects.filter(action="export.downloaded").exists()

    done = reauthenticate(client, personas.admin, next_url=f"{DASHBOARD}#export")
    assert done["Location"] == f"{DASHBOARD}#export"
    response = _download(client, "stays", "csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="haven-stays-2026-11-25.csv"'
    assert "no-cache" in response["Cache-Control"]
    rows = list(csv.reader(io.StringIO(_text(response))))
    assert rows[0] == [
        "person",
        "shelter",
        "check_in_week",
        "check_out_week",
        "outcome",
        "priority_band",
    ]
    assert sorted(rows[1:]) == sorted(
        [
            [pseudonym(stays[0].person.public_id), "Dom 1", "2026-W45", "", "", _band(stays[0])],
            [
                pseudonym(stays[1].person.public_id),
                "Dom 1",
                "2026-W45",
                "2026-W47",
                "visa",
                _band(stays[1]),
            ],
        ]
    )
    entry = AuditEntry.objects.get(action="export.downloaded")
    assert entry.actor == personas.admin
    assert entry.data == {"kind": "stays", "format": "csv", "rows": 2}


def _band(stay: Stay) -> str:
    low = stay.person.application.priority // 20 * 20
    return f"{low}-{low + 19}"


@time_machine.travel(NOW, tick=False)
def test_a_confirmation_runs_out(personas: Personas, stays: list[Stay]) -> None:
    client = login(personas.admin)
    reauthenticate(client, personas.admin)
    with time_machine.travel(datetime(2026, 11, 25, 9, 6, tzinfo=UTC), tick=False):
        response = _download(client, "occupancy", "xlsx")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("staff:reauth"))
    assert not AuditEntry.objects.filter(action="export.downloaded").exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_no_download_holds_a_sensitive_value(
    personas: Personas, stays: list[Stay], file_format: str
) -> None:
    client = login(personas.admin)
    reauthenticate(client, personas.admin)
    for kind in KINDS:
        response = _download(client, kind, file_format)
        assert response.status_code == 200, kind
        text = _text(response)
        if kind not in {"waitlist", "outcomes"}:  # those count by week or month, not shelter
            assert "Dom 1" in text, kind  # each file really holds the data
        for name, contact, situation, born in PEOPLE:
            for secret in (name, *name.split(), contact, situation, str(born)):
                assert secret not in text, (kind, secret)
        for stay in stays:
            assert str(stay.person.public_id) not in text
            assert stay.person.application.reference not in text
    entries = AuditEntry.objects.filter(action="export.downloaded")
    assert sorted(e.data["kind"] for e in entries) == sorted(KINDS)
    assert all(e.data["rows"] > 0 for e in entries)
    assert {e.data["format"] for e in entries} == {file_format}


def test_pseudonyms_are_stable_and_keyed() -> None:
    person = "0b6f8c1e-9f0a-4a55-8d0e-3f1b2a9c7d10"
    first = pseudonym(person)
    assert first == pseudonym(person)
    assert len(first) == 16
    assert int(first, 16) >= 0
    assert pseudonym("1c7a9d2f-0b1b-4b66-9e1f-4a2c3b0d8e21") != first
    with override_settings(EXPORT_KEY="another key"):
        assert pseudonym(person) != first


@time_machine.travel(NOW, tick=False)
def test_an_invalid_download_form_shows_the_page_with_errors(personas: Personas) -> None:
    client = login(personas.admin)
    response = _download(client, "answers", "pdf")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Select a valid choice." in page
    assert not AuditEntry.objects.filter(action="export.downloaded").exists()


def test_admin_records_a_rent_and_the_dashboard_divides_it(
    network: Network, personas: Personas
) -> None:
    client = login(personas.admin)
    url = reverse("staff:rent", kwargs={"public_id": network.almaty.public_id})
    assert "Monthly rent" in client.get(url).content.decode()
    response = client.post(url, {"monthly_rent": "450000", "currency": "KZT"})
    assert response.status_code == 302
    assert response["Location"] == f"{DASHBOARD}#costs"
    network.almaty.refresh_from_db()
    assert (network.almaty.monthly_rent, network.almaty.rent_currency) == (45_000_000, "KZT")
    entry = AuditEntry.objects.get(action="shelter.rent.set")
    assert entry.object_id == str(network.almaty.public_id)
    assert entry.data == {"monthly_rent": 45_000_000, "currency": "KZT"}
    assert "rent 450,000.00 KZT a month" in client.get(DASHBOARD).content.decode()

    # Clearing it takes a tick; an amount without a currency is refused.
    refused = client.post(url, {"monthly_rent": "100"})
    assert "Choose the currency the rent is paid in." in refused.content.decode()
    client.post(url, {"clear": "on"})
    network.almaty.refresh_from_db()
    assert (network.almaty.monthly_rent, network.almaty.rent_currency) == (None, "")


def test_the_rent_form_refuses_nonsense(network: Network, personas: Personas) -> None:
    client = login(personas.admin)
    url = reverse("staff:rent", kwargs={"public_id": network.almaty.public_id})
    for data, error in (
        ({}, "Enter the rent, or tick that it is not known."),
        ({"monthly_rent": "-5", "currency": "KZT"}, "greater than or equal to 0"),
        ({"monthly_rent": "1.234", "currency": "KZT"}, "no more than 2 decimal places"),
        ({"monthly_rent": "10", "currency": "XXX"}, "Select a valid choice."),
    ):
        response = client.post(url, data)
        assert response.status_code == 200
        assert error in response.content.decode(), data
    network.almaty.refresh_from_db()
    assert network.almaty.monthly_rent is None
    assert not AuditEntry.objects.filter(action="shelter.rent.set").exists()
