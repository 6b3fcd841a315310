"""Every case of the bad-input corpus against every public endpoint.

No server error, nothing stored in any table, and no injected markup reflected unescaped.
Runs on SQLite and PostgreSQL (CI runs the whole suite on both).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import uuid4

import pytest
from django.apps import apps
from django.test import Client

from haven.accounts.models import Role
from haven.core.models import RateCount
from tests.api.conftest import token_of
from tests.conftest import Network, make_user
from tests.public.bad_input import CASES, MARKERS, Case

pytestmark = pytest.mark.django_db

# The pages anyone can reach without signing in, in both languages.
ENDPOINTS = [
    f"/{language}/{path}"
    for language in ("ru", "en")
    for path in ("apply/", "status/", "status/answer/", "status/offer/", "staff/login/")
]


API_CREATE = "/api/v1/applications/"


def all_rows() -> dict[str, int]:
    """Rows in every table Haven's models own, but the rate-limit counts.

    Counting a bad request against its client's limit is what should happen: those rows hold
    keyed digests, nothing of what was sent (tests/public/test_rate_limits.py).
    """
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in {"core", "accounts", "otp_totp", "otp_static", "auth"}
        and model is not RateCount
    }


def _send(client: Client, endpoint: str, case: Case) -> tuple[int, str]:
    path = endpoint + case.suffix
    if case.query:
        path = f"{path}?{case.query}"
    extra: dict[str, Any] = dict(case.headers)
    response = client.generic(case.method, path, case.body, content_type=case.content_type, **extra)
    return response.status_code, response.content.decode("utf-8", errors="replace")


@pytest.mark.parametrize("queued", [False, True], ids=["stored-in-request", "intake-queue"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_no_server_error_nothing_stored_nothing_reflected(
    network: Network, case: Case, queued: bool, settings: Any
) -> None:
    # Both ways of taking an application in (HAVEN_INTAKE_WORKER): nothing may be queued either.
    settings.INTAKE_WORKER = queued
    # The API's create endpoint too, with a partner's valid token (the corpus is not JSON of
    # the right shape, or is broken JSON, so nothing may be stored there either).
    token = token_of(make_user("intake", Role.INTAKE, None))
    api_headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_IDEMPOTENCY_KEY": str(uuid4())}
    before = all_rows()
    client = Client(raise_request_exception=False)
    for endpoint in ENDPOINTS:
        status, html = _send(client, endpoint, case)
        assert status < 500, (endpoint, case.name, status)
        for marker in MARKERS:
            assert marker not in html, (endpoint, case.name, marker)
    api_case = replace(case, headers={**case.headers, **api_headers})
    for body in (api_case, replace(api_case, content_type="application/json")):
        status, text = _send(client, API_CREATE, body)
        assert status < 500, (API_CREATE, case.name, status)
        for marker in MARKERS:
            assert marker not in text, (API_CREATE, case.name, marker)
    assert all_rows() == before, case.name
