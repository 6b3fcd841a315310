"""Token authentication: a working token acts as its user; wrong, revoked, expired tokens and
tokens of deactivated accounts get 401; only the token's hash is stored anywhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from haven.accounts.models import ApiToken, Membership
from haven.api.auth import RequestThrottle
from haven.core.models import AuditEntry
from haven.core.services.api_tokens import create_api_token, revoke_api_token
from haven.lib.ratelimit import Limit
from haven.lib.tokens import hash_token
from tests.api.conftest import api, token_of
from tests.conftest import Network, Personas

pytestmark = pytest.mark.django_db

SHELTERS = "/api/v1/shelters/"


def names(response: object) -> list[str]:
    return [shelter["name"] for shelter in response.json()["results"]]  # type: ignore[attr-defined]


def test_a_token_acts_with_its_users_roles(network: Network, personas: Personas) -> None:
    response = api(token_of(personas.coordinator)).get(SHELTERS)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    assert names(response) == ["Dom 1"]


def test_without_a_token_the_answer_is_401_with_a_challenge(network: Network) -> None:
    response = api(None).get(SHELTERS)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="haven"'
    assert response.json() == {
        "detail": "Send your API token in the Authorization header: Bearer, a space, then "
        "the token.",
        "code": "not_authenticated",
    }


@pytest.mark.parametrize(
    "header",
    [
        "Bearer hvn_not-a-token",
        "Bearer",
        "Bearer hvn_a hvn_b",
        "Bearer " + "hvn_" + "x" * 500,
        "Bearer тест",
    ],
)
def test_a_wrong_token_is_401(network: Network, header: str) -> None:
    response = api(None).get(SHELTERS, headers={"Authorization": header})

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_revoked_token_stops_working_at_once(network: Network, personas: Personas) -> None:
    made = create_api_token(personas.coordinator, "tool", None, actor=personas.coordinator)
    client = api(made.secret)
    assert client.get(SHELTERS).status_code == 200

    revoke_api_token(made.token, actor=personas.coordinator)

    response = client.get(SHELTERS)
    assert response.status_code == 401
    assert response.json()["detail"] == (
        "This API token does not work: it is wrong, has expired or was revoked."
    )


def test_an_expired_token_is_401(network: Network, personas: Personas) -> None:
    secret = token_of(personas.coordinator, expires_at=timezone.now() + timedelta(days=30))
    assert api(secret).get(SHELTERS).status_code == 200

    with time_machine.travel(timezone.now() + timedelta(days=30, seconds=1)):
        assert api(secret).get(SHELTERS).status_code == 401


def test_a_deactivated_account_has_no_working_token(network: Network, personas: Personas) -> None:
    secret = token_of(personas.coordinator)
    personas.coordinator.is_active = False
    personas.coordinator.save()

    assert api(secret).get(SHELTERS).status_code == 401


def test_losing_a_role_empties_what_the_token_sees(network: Network, personas: Personas) -> None:
    secret = token_of(personas.coordinator)
    Membership.objects.filter(user=personas.coordinator).delete()

    response = api(secret).get(SHELTERS)
    assert response.status_code == 200
    assert names(response) == []


def test_errors_follow_accept_language(network: Network) -> None:
    response = api(None, language="ru").get(SHELTERS)

    assert response.status_code == 401
    assert response["Content-Language"] == "ru"
    assert response.json()["detail"].startswith("Отправьте API-токен")


def test_the_raw_token_is_stored_nowhere(network: Network, personas: Personas) -> None:
    secret = token_of(personas.coordinator)
    api(secret).get(SHELTERS)  # used once: last use, rate-limit counters

    token = ApiToken.objects.get()
    assert token.token_hash == hash_token(secret)
    assert secret.startswith(token.prefix)
    assert len(token.prefix) == 12
    secret_part = secret[len(token.prefix) :]
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                if secret_part in repr(row) or secret in repr(row):
                    found.append(table)
    assert found == []
    entry = AuditEntry.objects.get(action="api_token.created")
    assert entry.data == {
        "user": personas.coordinator.pk,
        "prefix": token.prefix,
        "expires_at": None,
    }


def test_last_use_is_noted_to_the_hour(
    network: Network, personas: Personas, frozen_clock: time_machine.Traveller
) -> None:
    secret = token_of(personas.coordinator)
    token = ApiToken.objects.get()
    assert token.last_used_at is None

    api(secret).get(SHELTERS)
    first = ApiToken.objects.get().last_used_at
    assert first == timezone.now()

    frozen_clock.shift(timedelta(minutes=59))
    api(secret).get(SHELTERS)
    assert ApiToken.objects.get().last_used_at == first

    frozen_clock.shift(timedelta(minutes=2))
    api(secret).get(SHELTERS)
    assert ApiToken.objects.get().last_used_at == timezone.now()


def test_wrong_tokens_from_one_client_are_cut_off(
    network: Network, personas: Personas, frozen_clock: time_machine.Traveller
) -> None:
    secret = token_of(personas.coordinator)
    guesser = api("hvn_guess")
    for _ in range(20):
        assert guesser.get(SHELTERS).status_code == 401

    refused = guesser.get(SHELTERS)
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 600
    # Even a good token is not checked from that client until the window ends ...
    assert api(secret).get(SHELTERS).status_code == 429
    # ... and then works again.
    frozen_clock.shift(timedelta(seconds=int(refused["Retry-After"])))
    assert api(secret).get(SHELTERS).status_code == 200


def test_requests_per_user_are_limited(
    network: Network,
    personas: Personas,
    frozen_clock: time_machine.Traveller,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """All of a user's tokens share one budget (a smaller one here, to keep the test fast)."""
    monkeypatch.setattr(RequestThrottle, "limit", Limit("api.user", count=3, seconds=600))
    first, second = api(token_of(personas.coordinator)), api(token_of(personas.coordinator))
    statuses = [client.get(SHELTERS).status_code for client in (first, second, first, second)]

    assert statuses == [200, 200, 200, 429]
    assert api(token_of(personas.admin)).get(SHELTERS).status_code == 200  # another user
    frozen_clock.shift(timedelta(seconds=600))
    assert first.get(SHELTERS).status_code == 200
