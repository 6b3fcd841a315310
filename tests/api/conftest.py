"""What the API tests share: tokens made through the real service, clients that send them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from haven.accounts.models import Role
from haven.core.services.api_tokens import create_api_token
from tests.conftest import Network, make_user

# Mid-morning in Almaty (UTC+5) on the same date as in UTC.
NOW = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)


@pytest.fixture
def frozen_clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def intake(network: Network) -> User:
    """A partner organisation's account: sends in applications, sees no shelter."""
    return make_user("intake", Role.INTAKE, None)


def token_of(user: User, **options: Any) -> str:
    """A new API token of ``user``, made through the real service; returns the secret."""
    return create_api_token(
        user, options.pop("name", "test tool"), options.pop("expires_at", None), actor=user
    ).secret


def api(secret: str | None, *, language: str = "en") -> Client:
    """A client sending ``secret`` as its bearer token (none if ``None``) and a language."""
    headers = {"Accept-Language": language}
    if secret is not None:
        headers["Authorization"] = f"Bearer {secret}"
    return Client(headers=headers)


def post_json(client: Client, url: str, body: object, **headers: str) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)
