"""Generated input against the public pages: never a server error, nothing half-stored."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haven.core.models import Application
from tests.conftest import Network
from tests.public.conftest import stored_rows, valid_post

FIELDS = list(valid_post())
NASTY_TEXT = st.one_of(
    st.text(max_size=50),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "\u202e",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "9" * 400,
            "-1",
            "1e309",
            "2026-02-30",
            "31.12.99999",
            "../../etc/passwd",
            "on",
            "KZ",
            "х" * 5000,
        ]
    ),
)
FORMS = st.dictionaries(
    st.one_of(st.sampled_from(FIELDS), st.text(max_size=10)), NASTY_TEXT, max_size=25
)
FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _address(n: int) -> str:
    return f"10.{n % 250}.{(n // 250) % 250}.{n % 7}"


@FUZZ
@given(changes=FORMS, n=st.integers(0, 10**6))
@pytest.mark.django_db
def test_application_form_survives_any_fields(
    network: Network, changes: dict[str, Any], n: int
) -> None:
    before = stored_rows()
    data = {**valid_post(), **changes}
    response = Client().post("/ru/apply/", data, REMOTE_ADDR=_address(n))

    assert response.status_code in {200, 400, 429}
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    created = 'id="reference"' in html
    assert stored_rows() == before + (4 if created else 0)  # person, crossing, application, audit


@FUZZ
@given(body=st.binary(max_size=2000), n=st.integers(0, 10**6))
@pytest.mark.django_db
def test_raw_bodies_never_break_the_pages(network: Network, body: bytes, n: int) -> None:
    before = Application.objects.count()
    for path in ("/ru/apply/", "/ru/status/", "/ru/status/answer/", "/ru/status/offer/"):
        response = Client().generic(
            "POST",
            path,
            body,
            content_type="application/x-www-form-urlencoded",
            REMOTE_ADDR=_address(n),
        )
        assert response.status_code in {200, 400, 429}
    assert Application.objects.count() == before


@FUZZ
@given(data=st.dictionaries(st.sampled_from(["reference", "passphrase", "x"]), NASTY_TEXT))
@pytest.mark.django_db
def test_status_form_survives_any_fields(network: Network, data: dict[str, str]) -> None:
    response = Client().post("/ru/status/", data)
    assert response.status_code in {200, 429}
    assert "<script>alert(1)</script>" not in response.content.decode()
