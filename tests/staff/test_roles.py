"""Network admins grant and revoke staff roles behind re-authentication; the network always
keeps an admin; what a user can see follows their roles at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from haven.accounts.models import Membership, Role
from haven.core.models import AuditEntry, Shelter
from tests.conftest import Network, Personas, login, reauthenticate

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
ROLES = reverse("staff:roles")  # tests/staff/conftest.py: English URLs


@pytest.fixture(autouse=True)
def frozen() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def admin(personas: Personas) -> Client:
    """The network admin, who confirmed it is them a moment ago."""
    client = login(personas.admin)
    reauthenticate(client, personas.admin)
    return client


def _grant(client: Client, username: str, role: str, shelter: object = "") -> Any:
    return client.post(
        reverse("staff:roles"),
        {"grant-user": username, "grant-role": role, "grant-shelter": str(shelter)},
    )


def _revoke(client: Client, membership: Membership) -> Any:
    url = reverse("staff:revoke_role", kwargs={"public_id": membership.public_id})
    return client.post(url, {"confirm": "True"})


def _shelter_page(client: Client, shelter: Shelter) -> int:
    url = reverse("staff:shelter", kwargs={"public_id": shelter.public_id})
    return int(client.get(url).status_code)


def test_a_granted_role_opens_its_shelter_and_nothing_else(
    admin: Client, personas: Personas, network: Network
) -> None:
    nobody = login(personas.nobody)
    assert _shelter_page(nobody, network.almaty) == 404

    response = _grant(admin, "nobody", Role.COORDINATOR, network.almaty.public_id)

    assert response.status_code == 302
    page = admin.get(ROLES).content.decode()
    assert "Role granted: nobody, shelter coordinator, Dom 1." in page
    assert "INVALID[" not in page
    membership = Membership.objects.get(user=personas.nobody)
    entry = AuditEntry.objects.get(action="role.granted")
    assert entry.actor == personas.admin
    assert entry.object_id == str(membership.public_id)
    assert entry.data == {
        "user": personas.nobody.pk,
        "role": "coordinator",
        "shelter": str(network.almaty.public_id),
    }
    nobody = login(personas.nobody)  # memberships are read once per request
    assert _shelter_page(nobody, network.almaty) == 200
    assert _shelter_page(nobody, network.astana) == 404
    assert nobody.get(reverse("staff:queue")).status_code == 403

    assert _revoke(admin, membership).status_code == 302

    assert not Membership.objects.filter(user=personas.nobody).exists()
    revoked = AuditEntry.objects.get(action="role.revoked")
    assert revoked.object_id == str(membership.public_id)
    assert revoked.data == entry.data
    assert _shelter_page(login(personas.nobody), network.almaty) == 404


def test_changing_roles_asks_again_once_the_confirmation_is_old(
    admin: Client, personas: Personas, network: Network, frozen: time_machine.Traveller
) -> None:
    frozen.shift(timedelta(minutes=6))

    response = _grant(admin, "nobody", Role.VOLUNTEER, network.almaty.public_id)
    revoke = _revoke(admin, Membership.objects.get(user=personas.volunteer))

    for bounce in (response, revoke):
        assert bounce.status_code == 302
        assert bounce["Location"].startswith(reverse("staff:reauth"))
    assert not Membership.objects.filter(user=personas.nobody).exists()
    assert Membership.objects.filter(user=personas.volunteer).exists()
    assert not AuditEntry.objects.filter(action__startswith="role.").exists()


def test_the_last_network_admin_cannot_be_removed(admin: Client, personas: Personas) -> None:
    own = Membership.objects.get(user=personas.admin)

    response = _revoke(admin, own)

    assert response.status_code == 200
    assert "This is the last network admin" in response.content.decode()
    assert Membership.objects.filter(pk=own.pk).exists()
    # With a second admin, the first may step down (and lands on their home page).
    _grant(admin, "reviewer", Role.ADMIN)
    stepped_down = _revoke(admin, own)
    assert stepped_down["Location"] == reverse("staff:home")
    assert not Membership.objects.filter(pk=own.pk).exists()
    assert admin.get(ROLES).status_code == 404  # no role left at all


def test_an_inactive_account_does_not_count_as_an_admin(admin: Client, personas: Personas) -> None:
    _grant(admin, "reviewer", Role.ADMIN)
    personas.reviewer.is_active = False
    personas.reviewer.save()

    response = _revoke(admin, Membership.objects.get(user=personas.admin))

    assert "This is the last network admin" in response.content.decode()


def test_network_roles_take_no_shelter_and_a_role_is_granted_once(
    admin: Client, network: Network
) -> None:
    shelter = _grant(admin, "nobody", Role.REVIEWER, network.almaty.public_id)
    assert "A reviewer works across the whole network" in shelter.content.decode()
    twice = _grant(admin, "volunteer", Role.VOLUNTEER, network.almaty.public_id)
    assert "volunteer holds this role there already." in twice.content.decode()
    assert not AuditEntry.objects.filter(action="role.granted").exists()
