"""The house board: notices, classes and who came, through the test client."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from haven.core.models import Activity, Notice
from tests.conftest import Network, Personas, login
from tests.staff.conftest import resident


def test_volunteer_posts_notices_and_records_who_came(network: Network, personas: Personas) -> None:
    today = timezone.localdate()
    ann = resident(
        network.almaty_beds[0], personas.admin, day=today - timedelta(5), display_name="Ann"
    )
    boris = resident(
        network.almaty_beds[1], personas.admin, day=today - timedelta(5), display_name="Boris"
    )
    other = resident(network.astana_beds[0], personas.admin, display_name="Elsewhere")
    client = login(personas.volunteer)
    url = reverse("staff:house", kwargs={"public_id": network.almaty.public_id})

    client.post(url, {"action": "notice", "notice-text": "House meeting on Sunday at 18:00"})
    Notice.objects.create(
        shelter=network.almaty,
        text="Old news",
        posted_by=personas.admin,
        until=today - timedelta(1),
    )
    client.post(
        url,
        {
            "action": "activity",
            "activity-kind": "class",
            "activity-title": "Kazakh for beginners",
            "activity-day": str(today),
            "activity-starts": "18:30",
        },
    )
    activity = Activity.objects.get()
    page = client.get(url).content.decode()
    assert "House meeting on Sunday at 18:00" in page
    assert "Old news" not in page
    assert "Kazakh for beginners" in page
    assert "Elsewhere" not in page  # only this house's residents can be ticked

    field = f"came-{activity.pk}-people"
    refused = client.post(
        url, {"action": f"came-{activity.pk}", field: [str(other.person.public_id)]}
    )
    assert refused.status_code == 200
    assert not activity.attendees.exists()
    done = client.post(
        url, {"action": f"came-{activity.pk}", field: [str(ann.person.public_id)]}, follow=True
    )
    assert "Attendance saved for Kazakh for beginners." in done.content.decode()
    assert list(activity.attendees.all()) == [ann.person]
    client.post(url, {"action": f"came-{activity.pk}", field: [str(boris.person.public_id)]})
    assert list(activity.attendees.all()) == [boris.person]  # the list is replaced, not added to


def test_another_shelters_activity_cannot_be_marked(network: Network, personas: Personas) -> None:
    astana = Activity.objects.create(
        shelter=network.astana, title="Film night", day=timezone.localdate()
    )
    client = login(personas.volunteer)
    url = reverse("staff:house", kwargs={"public_id": network.almaty.public_id})
    response = client.post(url, {"action": f"came-{astana.pk}"})
    assert "Choose what to do." in response.content.decode()
