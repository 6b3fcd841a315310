"""The house rota page: chores, absences and planning through the test client."""

from __future__ import annotations

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from haven.core.models import Absence, Chore, RotaSlot
from haven.core.services.house import monday_of
from tests.conftest import Network, Personas, login
from tests.staff.conftest import resident


def test_volunteer_adds_a_chore_records_an_absence_and_plans(
    network: Network, personas: Personas
) -> None:
    today = timezone.localdate()
    ann = resident(
        network.almaty_beds[0], personas.admin, day=today - timedelta(20), display_name="Ann"
    )
    resident(
        network.almaty_beds[1], personas.admin, day=today - timedelta(20), display_name="Boris"
    )
    client = login(personas.volunteer)
    url = reverse("staff:rota", kwargs={"public_id": network.almaty.public_id})
    monday = monday_of(today)

    assert "House rota" in client.get(reverse("staff:shelters")).content.decode()
    duplicate = {
        "action": "chore",
        "chore-name": "Cooking",
        "chore-people": "1",
        "chore-weight": "2",
        "chore-weekdays": ["0", "1", "2", "3", "4", "5", "6"],
    }
    assert client.post(url, duplicate).status_code == 302
    again = client.post(url, {**duplicate, "chore-name": " cooking "})
    assert "This house already has a chore with this name." in again.content.decode()
    assert Chore.objects.get().weight == 2

    backwards = client.post(
        url,
        {
            "action": "absence",
            "away-person": str(ann.person.public_id),
            "away-first_day": str(monday + timedelta(3)),
            "away-last_day": str(monday),
        },
    )
    assert "The last day cannot be before the first day." in backwards.content.decode()
    stranger = client.post(
        url,
        {
            "action": "absence",
            "away-person": "00000000-0000-0000-0000-000000000000",
            "away-first_day": str(monday),
            "away-last_day": str(monday),
        },
    )
    assert stranger.status_code == 200
    assert not Absence.objects.exists()
    client.post(
        url,
        {
            "action": "absence",
            "away-person": str(ann.person.public_id),
            "away-first_day": str(monday),
            "away-last_day": str(monday + timedelta(6)),
        },
    )

    assert Absence.objects.count() == 1, Absence.objects.all()
    response = client.post(f"{url}?week={monday}", {"action": "plan"}, follow=True)

    html = response.content.decode()
    assert "Rota planned for the week." in html
    assert set(RotaSlot.objects.values_list("person__display_name", flat=True)) == {"Boris"}
    assert re.search(r"Away this week:\s+Ann \(", html)
    assert html.count("<td>Boris</td>") == 7
