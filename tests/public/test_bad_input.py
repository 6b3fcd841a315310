"""Every case of the bad-input corpus against every public endpoint.

No server error, nothing stored in any table, and no injected markup reflected unescaped.
Runs on SQLite and PostgreSQL (CI runs the whole suite on both).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from tests.conftest import Network
from tests.public.bad_input import CASES, MARKERS, Case

pytestmark = pytest.mark.django_db

# The pages anyone can reach without signing in, in both languages.
ENDPOINTS = [
    f"/{language}/{path}"
    for language in ("ru", "en")
    for path in ("apply/", "status/", "status/answer/", "status/offer/", "staff/login/")
]


def all_rows() -> dict[str, int]:
    """Rows in every table Haven's models own (the rate-limit cache is not a model)."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in {"core", "accounts", "otp_totp", "otp_static", "auth"}
    }


def _send(client: Client, endpoint: str, case: Case) -> tuple[int, str]:
    path = endpoint + case.suffix
    if case.query:
        path = f"{path}?{case.query}"
    extra: dict[str, Any] = dict(case.headers)
    response = client.generic(case.method, path, case.body, content_type=case.content_type, **extra)
    return response.status_code, response.content.decode("utf-8", errors="replace")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_no_server_error_nothing_stored_nothing_reflected(network: Network, case: Case) -> None:
    before = all_rows()
    client = Client(raise_request_exception=False)
    for endpoint in ENDPOINTS:
        status, html = _send(client, endpoint, case)
        assert status < 500, (endpoint, case.name, status)
        for marker in MARKERS:
            assert marker not in html, (endpoint, case.name, marker)
    assert all_rows() == before, case.name
