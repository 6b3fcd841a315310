"""Staff make their own API tokens (shown once) and revoke them, behind re-authentication and
the second factor; both are audited; nobody reaches anyone else's tokens."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from haven.accounts.models import ApiToken, Role
from haven.core.models import AuditEntry
from haven.core.services.api_tokens import MAX_USABLE_TOKENS
from tests.api.conftest import NOW, api
from tests.conftest import Network, Personas, login, make_user, reauthenticate

PAGE = "/en/staff/api-tokens/"  # as reverse("staff:api_tokens") gives under English


@pytest.fixture(autouse=True)
def frozen() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def coordinator(personas: Personas) -> Client:
    """The Almaty coordinator, who confirmed it is them a moment ago."""
    client = login(personas.coordinator)
    reauthenticate(client, personas.coordinator)
    return client


def test_the_page_is_where_reverse_says() -> None:
    assert reverse("staff:api_tokens") == PAGE


def make(client: Client, name: str = "Intake tool", lifetime: str = "90") -> Any:
    return client.post(PAGE, {"name": name, "lifetime": lifetime})


def shown_token(html: str) -> str:
    found = re.search(r'<code id="new-token">([^<]+)</code>', html)
    assert found is not None, "no new token on the page"
    return found.group(1)


def revoke(client: Client, token: ApiToken) -> Any:
    url = reverse("staff:revoke_api_token", kwargs={"public_id": token.public_id})
    return client.post(url, {"confirm": "True"})


def test_a_new_token_is_shown_once_and_works(
    coordinator: Client, personas: Personas, network: Network
) -> None:
    response = make(coordinator)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = shown_token(response.content.decode())
    token = ApiToken.objects.get()
    assert (token.user, token.name) == (personas.coordinator, "Intake tool")
    assert token.expires_at == NOW + timedelta(days=90)
    assert secret.startswith(token.prefix)
    again = coordinator.get(PAGE).content.decode()
    assert secret not in again
    assert f"{token.prefix}…" in again
    assert api(secret).get("/api/v1/shelters/").json()["count"] == 1
    entry = AuditEntry.objects.get(action="api_token.created")
    assert entry.actor == personas.coordinator
    assert entry.object_id == str(token.public_id)
    assert secret not in str(entry.data)


def test_a_token_can_work_until_revoked(coordinator: Client) -> None:
    make(coordinator, lifetime="0")

    assert ApiToken.objects.get().expires_at is None
    assert "Works until revoked." in coordinator.get(PAGE).content.decode()


def test_revoking_stops_the_token_and_is_audited(
    coordinator: Client, personas: Personas, network: Network
) -> None:
    secret = shown_token(make(coordinator).content.decode())
    token = ApiToken.objects.get()

    response = revoke(coordinator, token)

    assert response.status_code == 302
    assert response["Location"] == PAGE
    token.refresh_from_db()
    assert token.revoked_at == NOW
    assert api(secret).get("/api/v1/shelters/").status_code == 401
    entry = AuditEntry.objects.get(action="api_token.revoked")
    assert (entry.actor, entry.object_id) == (personas.coordinator, str(token.public_id))
    page = coordinator.get(PAGE).content.decode()
    assert "Revoked on" in page
    assert reverse("staff:revoke_api_token", kwargs={"public_id": token.public_id}) not in page
    assert revoke(coordinator, token).status_code == 200  # twice: refused with a message
    assert AuditEntry.objects.filter(action="api_token.revoked").count() == 1


def test_everything_waits_for_a_fresh_confirmation(
    personas: Personas, network: Network, frozen: time_machine.Traveller
) -> None:
    client = login(personas.coordinator)

    response = make(client)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("staff:reauth"))
    assert not ApiToken.objects.exists()

    reauthenticate(client, personas.coordinator)
    assert make(client).status_code == 200
    frozen.shift(timedelta(minutes=6))  # HAVEN_REAUTH_MINUTES is 5
    assert client.get(PAGE).status_code == 302
    assert revoke(client, ApiToken.objects.get()).status_code == 302
    assert ApiToken.objects.get().revoked_at is None


def test_without_the_second_factor_there_is_no_token_page(
    personas: Personas, network: Network
) -> None:
    client = login(personas.coordinator, verified=False)

    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"] == reverse("staff:login")


def test_nobody_reaches_another_users_token(
    coordinator: Client, personas: Personas, network: Network
) -> None:
    shown_token(make(coordinator).content.decode())
    token = ApiToken.objects.get()
    admin = login(personas.admin)
    reauthenticate(admin, personas.admin)

    assert revoke(admin, token).status_code == 404
    assert f"{token.prefix}" not in admin.get(PAGE).content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_user_holds_a_limited_number_of_working_tokens(coordinator: Client) -> None:
    for number in range(MAX_USABLE_TOKENS):
        assert make(coordinator, name=f"tool {number}").status_code == 200

    refused = make(coordinator, name="one too many")
    assert "revoke one you no longer use" in refused.content.decode()
    assert ApiToken.objects.count() == MAX_USABLE_TOKENS

    revoke(coordinator, ApiToken.objects.first())  # type: ignore[arg-type]
    assert "new-token" in make(coordinator, name="replacement").content.decode()


def test_an_expired_token_is_listed_as_expired(
    coordinator: Client, personas: Personas, frozen: time_machine.Traveller
) -> None:
    make(coordinator, lifetime="30")
    frozen.shift(timedelta(days=31))
    client = login(personas.coordinator)  # the old session has ended
    reauthenticate(client, personas.coordinator)

    page = client.get(PAGE).content.decode()
    assert "Expired." in page
    assert ApiToken.objects.get().expires_at < timezone.now()  # type: ignore[operator]


def test_an_intake_partner_sees_no_shelter_on_the_staff_pages(network: Network) -> None:
    client = login(make_user("partner", Role.INTAKE, None))

    response = client.get(reverse("staff:shelters"))

    assert response.status_code == 200
    assert network.almaty.name not in response.content.decode()
    assert network.astana.name not in response.content.decode()
